//! The id that makes a delivery checkable and repeatable.
//!
//! It lives below every stage because two stages that must not know each other
//! share it: [`compose`](crate::compose) gives each message one, and
//! [`ews`](crate::ews) writes it on the Exchange item and reads it back from
//! replies. Handing the wire layer a bare `uuid::Uuid` instead would make every
//! caller of the ews API convert at each step, and a `Uuid` found in a reply could
//! be mistaken for any other; one type owned by neither stage keeps the id typed
//! end to end without `ews` importing `compose`. The public path stays
//! `offline_im::compose::DeliveryId`. Parsing from text is the message builder's
//! input check, so its [`FromStr`](std::str::FromStr) impl (with
//! [`ComposeError`](crate::compose::ComposeError)) lives in `compose`.

use std::fmt;

use uuid::Uuid;

/// The unique id of one offline IM delivery.
///
/// Every [`OfflineIm`](crate::compose::OfflineIm) carries one. Later stages store it on the
/// Exchange item as an extended property, so when a reply is lost the sender can ask
/// "did this message already arrive?" instead of sending it twice.
///
/// [`DeliveryId::new`] (and [`Default`]) make a random (version 4) id. A caller that
/// must stay idempotent across restarts keeps its own id and sets it with
/// [`OfflineImBuilder::delivery_id`](crate::compose::OfflineImBuilder::delivery_id).
///
/// Shown and serialized in hyphenated lower-case form; parsing accepts any form
/// [`Uuid`] accepts (hyphenated, simple, braced, `urn:uuid:`), ignoring surrounding
/// whitespace.
///
/// ```
/// use offline_im::compose::DeliveryId;
///
/// let id: DeliveryId = "67E55044-10B1-426F-9247-BB680E5FE0C8".parse()?;
/// assert_eq!(id.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
/// assert_ne!(DeliveryId::new(), DeliveryId::new());
/// # Ok::<(), offline_im::compose::ComposeError>(())
/// ```
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct DeliveryId(Uuid);

impl DeliveryId {
    /// A new random (version 4) id.
    #[must_use]
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }

    /// The id `uuid`, e.g. one kept by the caller.
    #[must_use]
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    /// The id as a [`Uuid`].
    #[must_use]
    pub const fn as_uuid(&self) -> &Uuid {
        &self.0
    }
}

impl Default for DeliveryId {
    /// A new random id, like [`DeliveryId::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl From<Uuid> for DeliveryId {
    fn from(uuid: Uuid) -> Self {
        Self(uuid)
    }
}

impl From<DeliveryId> for Uuid {
    fn from(id: DeliveryId) -> Self {
        id.0
    }
}

impl fmt::Display for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl fmt::Debug for DeliveryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeliveryId({})", self.0.hyphenated())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_lowercase_hyphenated() {
        let id = DeliveryId::from_uuid(Uuid::from_u128(0x67E5_5044_10B1_426F_9247_BB68_0E5F_E0C8));
        assert_eq!(id.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
        assert_eq!(
            format!("{id:?}"),
            "DeliveryId(67e55044-10b1-426f-9247-bb680e5fe0c8)"
        );
    }

    #[test]
    fn serde_is_a_plain_string() {
        let id = DeliveryId::new();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<DeliveryId>(&json).unwrap(), id);
    }
}
