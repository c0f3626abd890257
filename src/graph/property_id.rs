//! Extended property ids in Graph's string syntax.
//!
//! Graph names a MAPI property by a string instead of EWS's `ExtendedFieldURI`
//! attributes (Microsoft Graph, "Outlook extended properties overview", id
//! formats): `"{type} {guid} Name {name}"` for a named property,
//! `"{type} {guid} Id {id}"` for a named property by number, `"{type} {proptag}"`
//! for a tagged property. The delivery id is the same property the EWS path
//! writes ([`DELIVERY_ID_PROPERTY`](crate::ews::DELIVERY_ID_PROPERTY)), so an item
//! created by either path is found by both.

use crate::ews::{DELIVERY_ID_PROPERTY_NAME, OFFLINE_IM_PROPERTY_SET};

/// The Graph id of the delivery-id property:
/// `String {84e14aa7-1b60-4f34-b909-719b1387b4c7} Name OfflineImDeliveryId`,
/// i.e. `OfflineImDeliveryId` in [`OFFLINE_IM_PROPERTY_SET`], type `String`.
///
/// ```
/// use offline_im::graph::delivery_id_property_id;
///
/// assert_eq!(
///     delivery_id_property_id(),
///     "String {84e14aa7-1b60-4f34-b909-719b1387b4c7} Name OfflineImDeliveryId"
/// );
/// ```
#[must_use]
pub fn delivery_id_property_id() -> String {
    format!(
        "String {{{}}} Name {DELIVERY_ID_PROPERTY_NAME}",
        OFFLINE_IM_PROPERTY_SET.hyphenated()
    )
}

/// The Graph id of `PidTagMessageClass` (`PR_MESSAGE_CLASS`, tag `0x001A`, a
/// string): the proptag form Microsoft's overview documents.
pub const MESSAGE_CLASS_PROPERTY_ID: &str = "String 0x001A";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_property_as_the_ews_path() {
        let id = delivery_id_property_id();
        assert!(id.starts_with("String {"));
        assert!(id.contains(&OFFLINE_IM_PROPERTY_SET.hyphenated().to_string()));
        assert!(id.ends_with("} Name OfflineImDeliveryId"));
    }
}
