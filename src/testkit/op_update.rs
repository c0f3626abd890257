//! Applying `UpdateItem`: a new item class (and change key) for stored items.

use quick_xml::escape::escape;

use super::soap_in_update::UpdateItem;
use super::soap_out::{Payload, ResponseMessage};
use super::store::Store;

/// `UpdateItem` of `item:ItemClass`: one answer per change, in order. A change
/// that sets anything else is refused, item by item.
pub(crate) fn update_items(store: &mut Store, req: &UpdateItem) -> Vec<ResponseMessage> {
    req.changes
        .iter()
        .map(|change| {
            let Some(class) = &change.item_class else {
                return ResponseMessage::error(
                    "ErrorInvalidPropertySet",
                    "This test server updates item:ItemClass only.",
                    Payload::Items(Vec::new()),
                );
            };
            match store.set_item_class(&change.id, class) {
                Some((id, change_key)) => ResponseMessage::success(Payload::Raw(format!(
                    r#"<m:Items><t:Message><t:ItemId Id="{}" ChangeKey="{}"/></t:Message></m:Items><m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>"#,
                    escape(id.as_str()),
                    escape(change_key.as_str())
                ))),
                None => ResponseMessage::error(
                    "ErrorItemNotFound",
                    "The specified object was not found in the store.",
                    Payload::Items(Vec::new()),
                ),
            }
        })
        .collect()
}
