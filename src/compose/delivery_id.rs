//! Reading a [`DeliveryId`] from text, with composition's error.
//!
//! The type itself lives below both `compose` and `ews` (see its module docs).

use std::str::FromStr;

use uuid::Uuid;

use super::ComposeError;
use super::error::shorten;
use crate::delivery_id::DeliveryId;

impl FromStr for DeliveryId {
    type Err = ComposeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s.trim())
            .map(DeliveryId::from_uuid)
            .map_err(|_| ComposeError::DeliveryId { value: shorten(s) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_uuid_form() {
        let id: DeliveryId = "{67E55044-10B1-426F-9247-BB680E5FE0C8}".parse().unwrap();
        assert_eq!(id.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
    }

    #[test]
    fn rejects_non_uuids() {
        let err = "not-a-uuid".parse::<DeliveryId>().unwrap_err();
        assert!(matches!(err, ComposeError::DeliveryId { ref value } if value == "not-a-uuid"));
    }
}
