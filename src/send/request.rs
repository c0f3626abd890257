//! The `CreateItem` request for a batch of delivery plans: where the planner's
//! output becomes the wire layer's [`MessageItem`]s. It lives in `send`, not in
//! `ews`, so the wire layer never learns what a plan is.

use crate::ews::{
    Body, CreateItem, FolderTarget, Mailbox, MessageItem, RequestHeader, WriteError,
    write_create_item,
};
use crate::plan::{DeliveryPlan, Folder};

/// Appends the `CreateItem` envelope that delivers `plans` to `buf`: one
/// `t:Message` per plan, in order, each with its item class, subject, HTML body,
/// importance, sender, recipient and delivery id.
///
/// The plans must go out together: the same sender mailbox (the request acts on
/// one), disposition and saved-item folder. The plans' text is borrowed, not
/// copied; beyond the output the only allocations are two short vectors of views.
///
/// This is what the [`Sender`](super::Sender) writes. It is public but hidden from
/// the docs only so that the crate's own schema test and benchmark can check
/// exactly these bytes; it is not part of the supported API and may change.
///
/// ```
/// use offline_im::compose::{ImLine, OfflineIm, Participant};
/// use offline_im::ews::RequestHeader;
/// use offline_im::send::write_create_item_for_plans;
/// use offline_im::plan::Planner;
/// use offline_im::policy::SenderProfile;
/// use offline_im::route::Organization;
/// use time::macros::datetime;
///
/// let planner = Planner::builder(Organization::builder().sip_domain("contoso.com".parse()?).build()?).build();
/// let kim = Participant::new("sip:kim@contoso.com".parse()?, "kim@contoso.com".parse()?, "Kim");
/// let pat = Participant::new("sip:pat@contoso.com".parse()?, "pat@contoso.com".parse()?, "Pat");
/// let im = OfflineIm::builder()
///     .sender(kim.clone())
///     .recipient(pat)
///     .line(ImLine::new(kim.sip().clone(), datetime!(2026-03-02 09:15 UTC), "Lunch?"))
///     .build()?;
/// let decision = planner.decide(&im, &SenderProfile::default())?;
/// let plan = decision.plan().expect("allowed");
///
/// let mut buf = Vec::new();
/// write_create_item_for_plans(&mut buf, &RequestHeader::default(), &[plan])?;
/// let xml = std::str::from_utf8(&buf)?;
/// assert!(xml.contains("<t:ItemClass>IPM.Note.Microsoft.Missed</t:ItemClass>"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`WriteError::Empty`] without plans; [`WriteError::Invalid`] when the plans do
/// not share sender, disposition and saved-item folder. Nothing is appended then.
pub fn write_create_item_for_plans(
    buf: &mut Vec<u8>,
    header: &RequestHeader,
    plans: &[&DeliveryPlan],
) -> Result<(), WriteError> {
    let saved = plans.first().and_then(|plan| plan.saved_item_folder());
    write_create_item_saving_to(buf, header, plans, saved)
}

/// As [`write_create_item_for_plans`], with the sender's copy saved to `saved`
/// instead of the plans' folder (a mailbox without `conversationhistory`).
pub(crate) fn write_create_item_saving_to(
    buf: &mut Vec<u8>,
    header: &RequestHeader,
    plans: &[&DeliveryPlan],
    saved: Option<Folder>,
) -> Result<(), WriteError> {
    let Some(first) = plans.first() else {
        return Err(WriteError::Empty {
            what: "the CreateItem items",
        });
    };
    if let Some(odd) = plans.iter().find(|plan| {
        plan.sender().smtp() != first.sender().smtp()
            || plan.disposition() != first.disposition()
            || plan.saved_item_folder() != first.saved_item_folder()
    }) {
        return Err(WriteError::Invalid {
            field: "delivery plan",
            value: odd.delivery_id().to_string(),
            rule: "plans sent in one CreateItem must share sender mailbox, disposition and saved-item folder",
        });
    }
    let recipients: Vec<Mailbox<'_>> = plans
        .iter()
        .map(|plan| Mailbox::named(plan.recipient().smtp(), plan.recipient().shown_name()))
        .collect();
    let items: Vec<MessageItem<'_>> = plans
        .iter()
        .zip(&recipients)
        .map(|(plan, recipient)| message_item(plan, std::slice::from_ref(recipient)))
        .collect();
    let request = CreateItem::new(&items)
        .disposition(first.disposition())
        .saved_item_folder(saved.map(FolderTarget::new));
    write_create_item(buf, header, &request)
}

/// The EWS view of one plan, sent to `to`.
fn message_item<'a>(plan: &'a DeliveryPlan, to: &'a [Mailbox<'a>]) -> MessageItem<'a> {
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
