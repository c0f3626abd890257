//! From delivery plans to the EWS request that carries them.

use crate::ews::{
    Body, CreateItem, FolderTarget, Mailbox, MessageItem, RequestHeader, WriteError,
    write_create_item,
};
use crate::plan::DeliveryPlan;

/// Appends the `CreateItem` envelope for `plans` (all from one sender, with one
/// disposition and saved-item folder) to `buf`.
///
/// The plans' recipients and items are borrowed, not copied: the only
/// allocations are the two short vectors of views, whatever the text sizes.
pub(crate) fn write_plans<'a>(
    buf: &mut Vec<u8>,
    header: &RequestHeader,
    plans: impl ExactSizeIterator<Item = &'a DeliveryPlan> + Clone,
) -> Result<(), WriteError> {
    let recipients: Vec<Mailbox<'a>> = plans
        .clone()
        .map(|plan| Mailbox::named(plan.recipient().smtp(), plan.recipient().shown_name()))
        .collect();
    let mut first = None;
    let items: Vec<MessageItem<'_>> = plans
        .zip(&recipients)
        .map(|(plan, recipient)| {
            first.get_or_insert(plan);
            message_item(plan, std::slice::from_ref(recipient))
        })
        .collect();
    let Some(first) = first else {
        return Err(WriteError::Empty {
            what: "the CreateItem items",
        });
    };
    let request = CreateItem::new(&items)
        .disposition(first.disposition())
        .saved_item_folder(first.saved_item_folder().map(FolderTarget::new));
    write_create_item(buf, header, &request)
}

/// The EWS view of one plan, sent to `to`.
pub(crate) fn message_item<'a>(plan: &'a DeliveryPlan, to: &'a [Mailbox<'a>]) -> MessageItem<'a> {
    let message = plan.message();
    MessageItem::new(message.subject(), Body::html(message.html()))
        .item_class(plan.item_class().as_str())
        .importance(plan.importance())
        .from(Mailbox::named(
            plan.sender().smtp(),
            plan.sender().shown_name(),
        ))
        .to(to)
        .delivery_id(plan.delivery_id())
}
