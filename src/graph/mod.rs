//! Graph: an offline IM as Microsoft Graph requests, and Graph's answers read back.
//!
//! The wire layer for Exchange Online mailboxes, which EWS no longer serves
//! (blocked for most tenants since 2026-10-01, shut down 2027-04-01). Like
//! [`ews`](crate::ews) it is pure and synchronous: it writes JSON bodies and
//! URLs and reads error answers. The [`Sender`](crate::Sender)'s Graph backend
//! ([`send`](crate::send#exchange-online-microsoft-graph)) sends them through a
//! [`Transport`](crate::transport::Transport); the embedded server answers
//! them ([`testkit`](crate#features), feature `testkit`). No feature gate: it
//! needs only `serde_json`, already a dependency.
//!
//! - [`GraphMessage::from_plan`]: a [`DeliveryPlan`](crate::plan::DeliveryPlan)
//!   mapped as the EWS path maps it (subject, HTML body, recipient, sender,
//!   importance) with the delivery id and the item class as
//!   `singleValueExtendedProperties`; [`write_create_message`] and
//!   [`write_send_mail`] write its JSON.
//! - [`GraphRequest`]: create a message (in Drafts or a folder), `send` a draft,
//!   `sendMail`, delete a draft, find messages by delivery id
//!   ([`delivery_id_filter`], [`delivery_id_query`]), every id in the URL
//!   percent-encoded; [`GraphRequest::find_for_recovery`] adds the message
//!   flags ([`MESSAGE_FLAGS_PROPERTY_ID`]) that tell a submitted draft, and
//!   [`GraphRequest::move_message`] moves the sent copy.
//! - [`write_batch`]: up to [`MAX_BATCH_REQUESTS`] requests in one `$batch`,
//!   with ids and `dependsOn` checked.
//! - [`GraphError::from_response`]: Graph's error body and `Retry-After` as one
//!   error with [`is_throttled`](GraphError::is_throttled),
//!   [`is_permanent`](GraphError::is_permanent) and the code table in [`error`].
//! - [`read_batch_response`], [`read_found_messages`], [`read_created_message_id`]:
//!   Graph's successful answers; an unreadable one is a [`GraphReadError`].
//! - Bad input gives a [`GraphWriteError`] naming the value and the rule.
//!
//! # What Graph does with an offline IM: the findings
//!
//! From Microsoft's Graph reference, looked up for this module:
//!
//! - **Extended properties.** Graph's reference ("Create single-value extended
//!   property") allows extended properties in the very `POST` that creates a
//!   message, next to its ordinary properties (permission `Mail.ReadWrite`).
//!   Ids take the forms `"{type} {guid} Name {name}"` and `"{type} {proptag}"`
//!   ("Outlook extended properties overview"), so the delivery id is
//!   [`delivery_id_property_id`] (the EWS path's property) and the class is
//!   `String 0x001A` (`PidTagMessageClass`; [MS-OXCMSG] 2.2.1.3: ASCII, under
//!   256 characters). Messages carrying a property value are found with
//!   `$filter=singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...')`
//!   (the filter example of "Get singleValueLegacyExtendedProperty").
//! - **The message class.** The proptag form lets a client *read* the class
//!   (shown with `$expand=singleValueExtendedProperties($filter=id eq 'String 0x001A')`
//!   on blog.rykoma.net, 2019), but no Microsoft page says whether a class *set*
//!   through it on create is kept, nor whether it survives `send`. Third-party
//!   code sets it that way; that is all. **Unverified.** The design does not
//!   rely on it: the class goes on the create body (where EWS puts
//!   `t:ItemClass`); reading the sent copy's `String 0x001A` back to report a
//!   message whose class was dropped is **not built yet** (same-organization
//!   recipients would then see plain mail, as federated ones always do). The
//!   embedded server keeps the class, as Exchange's store does for EWS.
//! - **The sender's copy and the folder.** The `send` action keeps the sent
//!   message in Sent Items ("message: send", and the `Send-MgUserMessage`
//!   reference); it has no parameter naming another folder,
//!   unlike EWS's `SavedItemFolderId`. `sendMail` takes only `saveToSentItems`
//!   (keep the copy in Sent Items, or keep none). Creating the draft in
//!   `mailFolders/conversationhistory/messages` does not change that as far as
//!   the reference says (an inference: `send` names Sent Items whatever folder
//!   the draft is in; untested against Exchange Online). So Graph cannot keep the
//!   copy in Conversation History the way EWS does; what the backend does is to
//!   *move* the sent copy (found by delivery id in Sent Items) to
//!   `conversationhistory` after submission — a second request per message,
//!   whose new id differs (Microsoft staff: a moved or sent copy gets a new id).
//!   Whether Graph honours MAPI's `PidTagSentMailEntryId` (0x0E0A) to choose the
//!   folder is **unverified**. `conversationhistory` is a well-known folder name
//!   in Graph's `mailFolder` reference, but, as on-premises, need not exist.
//! - **Submission and drafts.** Create-then-send makes a draft in Drafts first;
//!   Exchange Online submits asynchronously after `send` answers `202 Accepted`
//!   ("things to know about send mail"), so the exactly-once check looks in
//!   Drafts and Sent Items, as the EWS path does. `sendMail` creates and sends
//!   in one request, but its `202 Accepted` carries no id of the new message, so
//!   only the delivery-id lookup can find it afterwards.
//! - **Throttling.** 429 with `Retry-After`, 503/504; Outlook allows 4
//!   concurrent requests per app per mailbox and 10,000 requests per 10 minutes
//!   ("Microsoft Graph service-specific throttling limits", Outlook service).
//!   `$batch` holds at most 20 requests, each counted against those limits
//!   ("JSON batching").
//!
//! # Checked against Graph's metadata
//!
//! `tests/graph_metadata.rs` writes every body this module produces and checks
//! it with `../shared/graph-metadata/check_body.py` against Graph's v1.0
//! metadata (property names and value types; not the id syntax, URLs or
//! whether Graph honours a value).

mod batch;
mod encode;
pub mod error;
mod message;
mod property_id;
mod read;
mod request;
mod write_error;

pub use batch::{BatchEntry, MAX_BATCH_REQUESTS, check_batch, write_batch};
pub use error::{GraphError, RetryAfter};
pub use message::{
    ContentType, EmailAddress, ExtendedPropertyValue, GraphMessage, ItemBody, Recipient,
    graph_importance, plan_recipient, write_create_message, write_send_mail,
};
pub use property_id::{MESSAGE_CLASS_PROPERTY_ID, delivery_id_property_id};
pub use read::{
    BatchResponse, FoundMessage, FoundMessages, GraphReadError, read_batch_response,
    read_created_message_id, read_found_messages,
};
pub use request::{
    GraphRequest, MESSAGE_FLAGS_PROPERTY_ID, Method, delivery_id_filter, delivery_id_query,
    recovery_query, well_known_folder_name,
};
pub use write_error::GraphWriteError;
