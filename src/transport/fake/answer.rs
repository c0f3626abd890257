//! The answer of an Exchange that accepts everything.

use super::{CreateItemReply, DeleteItemReply, FindItemReply};
use crate::transport::{Reply, Request};

/// What an Exchange server that accepts everything answers to `request`: every
/// message of a `CreateItem` created, nothing found in any folder of a
/// `FindItem`, every item of a `DeleteItem` deleted. Any other operation gets an
/// `ErrorInvalidRequest` fault.
///
/// It counts what the request carries (messages, folders, item ids) the way this
/// crate writes requests; it is not a general EWS parser.
///
/// ```
/// use offline_im::transport::Request;
/// use offline_im::transport::fake::exchange_accepting_everything;
///
/// let reply = exchange_accepting_everything(&Request::new("DeleteItem", "<t:ItemId Id=\"a\"/>"));
/// assert_eq!(reply.status, 200);
/// ```
#[must_use]
pub fn exchange_accepting_everything(request: &Request) -> Reply {
    let body = request.body.as_ref();
    match request.operation {
        "CreateItem" => {
            CreateItemReply::all_created(count(body, b"<t:Message>") + count(body, b"<t:Message "))
        }
        "FindItem" => {
            let folders = after(body, b"<m:ParentFolderIds>").map_or(1, |rest| {
                count(rest, b"<t:DistinguishedFolderId") + count(rest, b"<t:FolderId")
            });
            FindItemReply::nothing_found(folders.max(1))
        }
        "DeleteItem" => DeleteItemReply::all_deleted(count(body, b"<t:ItemId ")),
        _ => super::fault(crate::ews::ResponseCode::ErrorInvalidRequest, None),
    }
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|window| *window == needle)
        .count()
}

fn after<'a>(haystack: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|at| &haystack[at + needle.len()..])
}
