//! Answering the requests other clients open a mailbox with: `GetFolder`
//! (distinguished folders with their counts), `ResolveNames`,
//! `GetServerTimeZones`.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use quick_xml::escape::escape;

use crate::address::SmtpAddress;
use crate::ews::Folder;

use super::op_create::{Ctx, folder_not_found};
use super::soap_in::{FolderName, FolderTarget};
use super::soap_in_other::{GetFolder, GetServerTimeZones, ResolveNames};
use super::soap_out::{Payload, ResponseMessage};
use super::store::Store;

const FOLDER_ID_PREFIX: &str = "offline-im-testkit-folder:";

/// The folders above the distinguished ones that clients open first
/// (exchangelib starts at `root`, Outlook's tree at `msgfolderroot`).
const ROOTS: [&str; 2] = ["root", "msgfolderroot"];

/// The `t:FolderId` of `folder` (a distinguished name) in `mailbox`: stable, so a
/// client can use it where it would use the distinguished id.
pub(crate) fn folder_id(mailbox: &SmtpAddress, folder: &str) -> String {
    STANDARD.encode(format!("{FOLDER_ID_PREFIX}{mailbox}/{folder}"))
}

/// The folder a `t:FolderId` this server handed out names: (mailbox, name).
pub(crate) fn parse_folder_id(id: &str) -> Option<(String, String)> {
    let bytes = STANDARD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let rest = text.strip_prefix(FOLDER_ID_PREFIX)?;
    let (mailbox, folder) = rest.rsplit_once('/')?;
    Some((mailbox.to_owned(), folder.to_owned()))
}

/// `GetFolder`: one answer per folder asked for, in order.
pub(crate) fn get_folders(
    store: &mut Store,
    ctx: &Ctx<'_>,
    req: &GetFolder,
) -> Vec<ResponseMessage> {
    req.folders
        .iter()
        .map(|target| {
            get_folder(store, ctx, target).unwrap_or_else(|(code, text)| {
                ResponseMessage::error(code, text, Payload::Raw("<m:Folders/>".to_owned()))
            })
        })
        .collect()
}

type OpError = (&'static str, String);

fn get_folder(
    store: &mut Store,
    ctx: &Ctx<'_>,
    target: &FolderTarget,
) -> Result<ResponseMessage, OpError> {
    let owner = match (&target.mailbox, ctx.acting) {
        (Some(text), _) => text.parse::<SmtpAddress>().map_err(|_| {
            (
                "ErrorInvalidSmtpAddress",
                format!("'{text}' is not a valid SMTP address."),
            )
        })?,
        (None, Some(acting)) => acting.clone(),
        (None, None) => {
            return Err((
                "ErrorMissingEmailAddress",
                "The request names no mailbox: authenticate as an SMTP address, impersonate \
                 one, or name the mailbox in the DistinguishedFolderId."
                    .to_owned(),
            ));
        }
    };
    let acting = ctx.acting == Some(&owner);
    let Some(mailbox) = store.open(&owner, acting) else {
        return Err((
            "ErrorNonExistentMailbox",
            format!("The SMTP address '{owner}' has no mailbox associated with it."),
        ));
    };
    let (name, display, total, unread, children) = match &target.folder {
        FolderName::Known(folder) => {
            if !mailbox.has(*folder) {
                return Err(folder_not_found());
            }
            let items = mailbox.folder(*folder);
            let unread = items.iter().filter(|item| !item.is_read).count();
            (
                folder.as_ews_str(),
                display_name(*folder),
                items.len(),
                unread,
                0,
            )
        }
        FolderName::Other(name) if ROOTS.contains(&name.as_str()) => {
            let children = Folder::ALL.iter().filter(|f| mailbox.has(**f)).count();
            let display = if name == "root" {
                ""
            } else {
                "Top of Information Store"
            };
            (name.as_str(), display, 0, 0, children)
        }
        FolderName::Other(_) => return Err(folder_not_found()),
    };
    let id = folder_id(&owner, name);
    let mut xml = String::with_capacity(512);
    let _ = write!(
        xml,
        r#"<m:Folders><t:Folder><t:FolderId Id="{id}" ChangeKey="AQAAAA=="/><t:FolderClass>IPF.Note</t:FolderClass><t:DisplayName>{display}</t:DisplayName><t:TotalCount>{total}</t:TotalCount><t:ChildFolderCount>{children}</t:ChildFolderCount>"#
    );
    if !ROOTS.contains(&name) {
        let _ = write!(
            xml,
            "<t:DistinguishedFolderId>{name}</t:DistinguishedFolderId>"
        );
    }
    let _ = write!(
        xml,
        "<t:UnreadCount>{unread}</t:UnreadCount></t:Folder></m:Folders>"
    );
    Ok(ResponseMessage::success(Payload::Raw(xml)))
}

/// The English display names Exchange gives the distinguished folders.
fn display_name(folder: Folder) -> &'static str {
    match folder {
        Folder::ConversationHistory => "Conversation History",
        Folder::SentItems => "Sent Items",
        Folder::Drafts => "Drafts",
        Folder::Inbox => "Inbox",
        Folder::Outbox => "Outbox",
        Folder::DeletedItems => "Deleted Items",
    }
}

/// `ResolveNames`: a mailbox of this server, by SMTP address (with or without
/// the `smtp:` prefix Outlook writes). Exchange answers a name it cannot resolve
/// with `ErrorNameResolutionNoResults` ("No results were found.").
pub(crate) fn resolve_names(store: &Store, req: &ResolveNames) -> Vec<ResponseMessage> {
    let entry = req.entry.trim();
    let address = entry
        .strip_prefix("smtp:")
        .or_else(|| entry.strip_prefix("SMTP:"))
        .unwrap_or(entry);
    let found = address
        .parse::<SmtpAddress>()
        .ok()
        .filter(|a| store.mailboxes.contains_key(a));
    let Some(address) = found else {
        return vec![ResponseMessage::error(
            "ErrorNameResolutionNoResults",
            "No results were found.",
            Payload::None,
        )];
    };
    let name = address.as_str().split('@').next().unwrap_or_default();
    let xml = format!(
        r#"<m:ResolutionSet TotalItemsInView="1" IncludesLastItemInRange="true"><t:Resolution><t:Mailbox><t:Name>{}</t:Name><t:EmailAddress>{}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox</t:MailboxType></t:Mailbox></t:Resolution></m:ResolutionSet>"#,
        escape(name),
        escape(address.as_str())
    );
    vec![ResponseMessage::success(Payload::Raw(xml))]
}

/// `GetServerTimeZones`: the server's one time zone, UTC (asked for by id, or
/// all). Ids it does not know are left out, as Exchange leaves them out.
pub(crate) fn get_server_time_zones(req: &GetServerTimeZones) -> Vec<ResponseMessage> {
    let wanted = req.ids.is_empty() || req.ids.iter().any(|id| id == "UTC");
    let mut xml = String::from("<m:TimeZoneDefinitions>");
    if wanted {
        xml.push_str(r#"<t:TimeZoneDefinition Id="UTC" Name="(UTC) Coordinated Universal Time"/>"#);
    }
    xml.push_str("</m:TimeZoneDefinitions>");
    vec![ResponseMessage::success(Payload::Raw(xml))]
}

/// `UpdateItem` of `item:ItemClass`: one answer per change, in order. A change
/// that sets anything else is refused, item by item.
pub(crate) fn update_items(
    store: &mut Store,
    req: &super::soap_in_other::UpdateItem,
) -> Vec<ResponseMessage> {
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
