//! EWS wire layer: SOAP requests out, typed results in. No I/O.
//!
//! This stage turns what to deliver into EWS SOAP envelopes and turns any reply from
//! Exchange into typed results. It is pure and synchronous: bytes in, bytes out; the
//! transport moves them.
//!
//! # Writing requests
//!
//! - [`write_create_item`]: a [`CreateItem`] of one or many [`MessageItem`]s (a
//!   batch), with a [`Disposition`] (default
//!   `SendAndSaveCopy`) and a saved-item folder ([`FolderTarget`]: a distinguished
//!   [`Folder`], optionally in another user's mailbox; default
//!   `conversationhistory`). Each message carries item class, subject, [`Body`],
//!   [`Importance`], read flag, sender and recipients ([`Mailbox`]),
//!   [`ExtendedProperty`]s and its delivery id
//!   ([`DeliveryId`](crate::delivery_id::DeliveryId), public as
//!   `offline_im::compose::DeliveryId`).
//! - [`write_find_item`]: a [`FindItem`] for the items of a folder whose
//!   delivery-id property ([`DELIVERY_ID_PROPERTY`]) equals given ids; the result
//!   carries each item's id and delivery id.
//! - [`write_recent_items`]: a [`RecentItems`], the newest items of a folder,
//!   newest first, one page at a time and without a restriction; the result
//!   carries each item's id, delivery id, creation time and submitted flag.
//! - [`write_delete_item`]: a [`DeleteItem`] of item ids ([`DeleteType`]).
//!
//! Every request starts with a [`RequestHeader`]: `t:ExchangeImpersonation` when
//! set ([`Impersonation`]), then `t:RequestServerVersion` ([`ServerVersion`],
//! default `Exchange2013`, the first version with `conversationhistory`).
//!
//! The writer appends to a caller-owned `Vec<u8>` with plain byte pushes and a
//! one-pass escaper: no allocation besides the buffer's growth. Text may be any
//! Unicode; markup characters are escaped, `\r` is written as `&#13;` so it
//! survives XML line-end normalization, and characters XML 1.0 cannot carry become
//! `U+FFFD`, so the output is always well-formed. Bodies, which are mostly markup,
//! go into a CDATA section (split around any `]]>`), so an HTML body is copied
//! rather than escaped character by character; Exchange reads both forms alike. Every request the writer can
//! produce is valid against Microsoft's EWS schema (checked by
//! `tests/ews_schema.rs`).
//!
//! ```
//! use offline_im::compose::DeliveryId;
//! use offline_im::ews::{Body, CreateItem, Mailbox, MessageItem, RequestHeader, write_create_item};
//!
//! let pat = "pat@contoso.com".parse()?;
//! let to = [Mailbox::named(&pat, "Pat Coleman")];
//! let items = [MessageItem::new("Missed conversation with Kim", Body::html("<p>Hi &amp; bye</p>"))
//!     .item_class("IPM.Note.Microsoft.Missed")
//!     .to(&to)
//!     .delivery_id(DeliveryId::new())];
//! let mut buf = Vec::with_capacity(4096);
//! write_create_item(&mut buf, &RequestHeader::default(), &CreateItem::new(&items))?;
//! assert!(buf.starts_with(b"<?xml"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Reading replies
//!
//! [`ResponseReader`] (or [`read_create_item_response`], [`read_find_item_response`],
//! [`read_delete_item_response`]) reads an HTTP 200 reply or an HTTP 500 SOAP
//! fault into a [`Reply`]: either a [`Response`] with the
//! [`ServerVersionInfo`] and one result per item in request order
//! ([`CreateItemResult`], [`FindItemResult`], [`DeleteItemResult`], each with a
//! [`ResponseMessage`]: [`ResponseClass`], [`ResponseCode`], message text,
//! `DescriptiveLinkKey`, `MessageXml` values), or a [`SoapFault`].
//!
//! Replies are untrusted input. The reader refuses documents larger than
//! [`ReaderLimits::max_bytes`] before parsing, refuses any DTD (so no entity can be
//! defined or expanded; only the five predefined entities and character references
//! are resolved), checks namespaces, bounds nesting depth and item counts, and
//! answers every defect with a [`ReadError`] that says what was wrong and where. It
//! never panics.
//!
//! # Transient or permanent
//!
//! A failed item (or a fault) is either *transient*: retry the same request later,
//! after the server's `BackOffMilliseconds` when it gave one
//! ([`ResponseMessage::back_off`], [`SoapFault::back_off`]; read from `MessageXml`
//! in the types or the errors namespace); or *permanent*: report it to the caller.
//! [`ResponseCode::is_transient`] decides, and [`ResponseMessage::is_transient`] and
//! [`SoapFault::is_transient`] apply it to the [`effective
//! code`](ResponseMessage::effective_code) when the outer code is
//! `ErrorInternalServerError` and `MessageXml` names an inner code
//! (`InnerErrorResponseCode`, [`ResponseMessage::inner_code`]): Exchange reports
//! some throttling as `ErrorInternalServerError` wrapping `ErrorServerBusy`.
//!
//! Sources: "Microsoft" is Microsoft's EWS `ResponseCode` reference; "exchangelib"
//! is what that Python client retries; the EWS Managed API retries nothing itself
//! (it raises a dedicated busy exception for `ErrorServerBusy`).
//!
//! | Code | Class | Why | Source |
//! |---|---|---|---|
//! | `ErrorServerBusy` | transient | throttled; honour `BackOffMilliseconds` | Microsoft (throttling); exchangelib backs off and retries |
//! | `ErrorInternalServerError` with an inner code | the inner code's class | the outer code is a wrapper | exchangelib and the Managed API raise the inner code |
//! | `ErrorTimeoutExpired` | transient | the server ran out of time; the item may still have been created, so a sender checks by delivery id before re-sending | exchangelib retries it as busy (5 min) |
//! | `ErrorTooManyObjectsOpened` | transient | the store's open-object limit, usually from too many requests | exchangelib retries it as busy (5 min) |
//! | `ErrorExceededConnectionCount` | transient | too many connections for the account | exchangelib shrinks its connection pool and retries |
//! | `ErrorInternalServerTransientError`, `ErrorConnectionFailedTransientError` | transient | the server says so: try again later | Microsoft |
//! | `ErrorADUnavailable`, `ErrorInsufficientResources` | transient | directory unavailable, mailbox server overloaded: try again later | Microsoft |
//! | `ErrorMailboxStoreUnavailable`, `ErrorMailboxMoveInProgress`, `ErrorMailboxFailover` | transient | the mailbox database is offline, moving or failing over | Microsoft |
//! | `ErrorConnectionFailed`, `ErrorNoRespondingCASInDestinationSite`, `ErrorNoApplicableProxyCASServersAvailable` | transient | no connection to the mailbox or no server to proxy to, for now | Microsoft |
//! | `ErrorNotEnoughMemory` | transient | the server ran out of memory | Microsoft |
//! | `ErrorBatchProcessingStopped` | transient | this item was never tried because an earlier one failed (whose own code says whether retrying helps) | Microsoft |
//! | `ErrorInternalServerError` without an inner code | permanent | an error the server could not recover from; a sender may still retry it a bounded number of times, this layer does not call it transient | Microsoft |
//! | `ErrorInvalidRecipients`, `ErrorNonExistentMailbox`, `ErrorMailRecipientNotFound`, `ErrorInvalidSmtpAddress` | permanent | the recipient is wrong | Microsoft |
//! | `ErrorQuotaExceeded`, `ErrorSubmissionQuotaExceeded`, `ErrorMessageSizeExceeded`, `ErrorDataSizeLimitExceeded` | permanent | a limit the same request will hit again | Microsoft |
//! | `ErrorSchemaValidation`, `ErrorInvalidRequest`, `ErrorInvalidOperation`, `ErrorMessageDispositionRequired`, `ErrorInvalidPropertyRequest`, `ErrorInvalidExtendedProperty`, `ErrorInvalidExtendedPropertyValue`, `ErrorInvalidIdMalformed`, `ErrorExceededFindCountLimit` | permanent | the request is wrong | Microsoft |
//! | `ErrorInvalidServerVersion`, `ErrorWrongServerVersion` | permanent | configure another [`ServerVersion`] | Microsoft; exchangelib tries the next version |
//! | `ErrorAccessDenied`, `ErrorImpersonateUserDenied`, `ErrorImpersonationFailed`, `ErrorInvalidExchangeImpersonationHeaderData`, `ErrorInvalidSid`, `ErrorSendAsDenied`, `ErrorAccountDisabled` | permanent | permissions | Microsoft |
//! | `ErrorItemNotFound`, `ErrorFolderNotFound` | permanent | the target does not exist (a delete of a gone item) | Microsoft |
//! | `ErrorCorruptData`, `ErrorItemSave`, `ErrorContentConversionFailed`, `ErrorMailboxConfiguration`, `ErrorMailboxLogonFailed` | permanent | the data or mailbox is broken | Microsoft |
//! | any other code ([`ResponseCode::Other`]) | permanent | unknown: report, never guess | |
//! | a SOAP fault without an EWS code | permanent | nothing says retrying helps | |
//!
//! `NoError` is success. HTTP-level throttling (503 with `Retry-After`) is the
//! transport's business.
//!
//! # Exactly once
//!
//! Every message carries its delivery id as the named property
//! [`DELIVERY_ID_PROPERTY`]. When a `CreateItem` reply is lost, the sender looks
//! for the ids in the saved-item folder (and `drafts`) to learn which messages
//! already exist, and a [`DeleteItem`] removes drafts a failed send left behind.
//!
//! Two requests can look:
//!
//! - [`FindItem`] restricts the search to the delivery ids. Exchange runs a
//!   restriction on a custom property as a sequential scan of the folder, and does
//!   not cache it (Microsoft KB 3077710): on a large folder it is slow and can end
//!   in `ErrorTimeoutExpired`, and it returns at most 250 items
//!   (`EWSFindCountLimit`).
//! - [`RecentItems`] reads the newest items, sorted by `DateTimeCreated`
//!   descending, a page at a time (`IndexedPageItemView`), with no restriction:
//!   the store does no scan. Each [`FoundItem`] carries its delivery id,
//!   `DateTimeCreated` ([`FoundItem::created`]) and `IsSubmitted`
//!   ([`FoundItem::is_submitted`]: a draft not yet handed to transport); the
//!   sender compares the ids itself and reads the next page (at
//!   [`FindItemResult::indexed_paging_offset`]) until the items are older than
//!   the attempt it is checking.

mod create_item;
mod delete_item;
mod disposition;
mod error;
mod fault;
mod find_item;
mod folder;
mod header;
mod importance;
mod message;
mod parse;
mod parse_fault;
mod parse_items;
mod property;
mod read;
mod recent_items;
mod response;
mod response_code;
mod update_item;
mod write;
mod xs;

pub use crate::xml::namespaces::{
    CREATE_ITEM_ACTION, DELETE_ITEM_ACTION, ERRORS, FIND_ITEM_ACTION, MESSAGES, SOAP, TYPES,
};
pub use create_item::{CreateItem, write_create_item};
pub use delete_item::{DeleteItem, DeleteType, write_delete_item};
pub use disposition::{Disposition, Folder};
pub use error::{ReadError, WriteError};
pub use fault::SoapFault;
pub use find_item::{FindItem, write_find_item};
pub use folder::FolderTarget;
pub use header::{Impersonation, RequestHeader, ServerVersion};
pub use importance::Importance;
pub use message::{Body, BodyType, Mailbox, MessageItem};
pub use property::{
    DELIVERY_ID_PROPERTY, DELIVERY_ID_PROPERTY_NAME, DistinguishedPropertySet, ExtendedProperty,
    OFFLINE_IM_PROPERTY_SET, PropertyPath, PropertySet, PropertyTag, PropertyType, PropertyValue,
};
pub use read::{
    ReaderLimits, ResponseReader, read_create_item_response, read_delete_item_response,
    read_find_item_response, read_update_item_response,
};
pub use recent_items::{RecentItems, write_recent_items};
pub use response::{
    CreateItemResult, DeleteItemResult, FindItemResult, FoundItem, ItemId, MessageXmlValue, Reply,
    Response, ResponseClass, ResponseMessage, ServerVersionInfo, UpdateItemResult,
};
pub use response_code::ResponseCode;
pub use update_item::{SetItemClass, write_update_item};
