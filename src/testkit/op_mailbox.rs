//! Answering the requests other clients open a mailbox with: `GetFolder`
//! (distinguished folders with their counts), `FindFolder`, `ResolveNames`,
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
    let owner = owner_of(ctx, target)?;
    let mailbox = open(store, ctx, &owner)?;
    let xml = match &target.folder {
        FolderName::Known(folder) if mailbox.has(*folder) => {
            describe(mailbox, &owner, folder.as_ews_str())
        }
        FolderName::Other(name) if ROOTS.contains(&name.as_str()) => {
            describe(mailbox, &owner, name)
        }
        _ => return Err(folder_not_found()),
    };
    Ok(ResponseMessage::success(Payload::Raw(format!(
        "<m:Folders>{xml}</m:Folders>"
    ))))
}

/// The mailbox a folder target names: its `t:Mailbox`, else the acting one.
fn owner_of(ctx: &Ctx<'_>, target: &FolderTarget) -> Result<SmtpAddress, OpError> {
    match (&target.mailbox, ctx.acting) {
        (Some(text), _) => text.parse::<SmtpAddress>().map_err(|_| {
            (
                "ErrorInvalidSmtpAddress",
                format!("'{text}' is not a valid SMTP address."),
            )
        }),
        (None, Some(acting)) => Ok(acting.clone()),
        (None, None) => Err((
            "ErrorMissingEmailAddress",
            "The request names no mailbox: authenticate as an SMTP address, impersonate \
             one, or name the mailbox in the DistinguishedFolderId."
                .to_owned(),
        )),
    }
}

fn open<'s>(
    store: &'s mut Store,
    ctx: &Ctx<'_>,
    owner: &SmtpAddress,
) -> Result<&'s mut super::store::MailboxStore, OpError> {
    let acting = ctx.acting == Some(owner);
    store.open(owner, acting).ok_or_else(|| {
        (
            "ErrorNonExistentMailbox",
            format!("The SMTP address '{owner}' has no mailbox associated with it."),
        )
    })
}

/// `t:Folder` for the distinguished folder `name` of `mailbox` (which has it),
/// or for one of the [`ROOTS`].
fn describe(mailbox: &super::store::MailboxStore, owner: &SmtpAddress, name: &str) -> String {
    let (display, total, unread, children) = match Folder::from_ews_str(name) {
        Some(folder) => {
            let items = mailbox.folder(folder);
            let unread = items.iter().filter(|item| !item.is_read).count();
            (display_name(folder), items.len(), unread, 0)
        }
        None if name == "root" => ("", 0, 0, 1),
        None => {
            let children = Folder::ALL.iter().filter(|f| mailbox.has(**f)).count();
            ("Top of Information Store", 0, 0, children)
        }
    };
    let id = folder_id(owner, name);
    let mut xml = String::with_capacity(512);
    let _ = write!(
        xml,
        r#"<t:Folder><t:FolderId Id="{id}" ChangeKey="AQAAAA=="/>"#
    );
    // The tree clients rebuild from parent ids: root > msgfolderroot > folders.
    let parent = match name {
        "root" => None,
        "msgfolderroot" => Some("root"),
        _ => Some("msgfolderroot"),
    };
    if let Some(parent) = parent {
        let parent = folder_id(owner, parent);
        let _ = write!(
            xml,
            r#"<t:ParentFolderId Id="{parent}" ChangeKey="AQAAAA=="/>"#
        );
    }
    let _ = write!(
        xml,
        r#"<t:FolderClass>IPF.Note</t:FolderClass><t:DisplayName>{display}</t:DisplayName><t:TotalCount>{total}</t:TotalCount><t:ChildFolderCount>{children}</t:ChildFolderCount>"#
    );
    if !ROOTS.contains(&name) {
        let _ = write!(
            xml,
            "<t:DistinguishedFolderId>{name}</t:DistinguishedFolderId>"
        );
    }
    let _ = write!(xml, "<t:UnreadCount>{unread}</t:UnreadCount></t:Folder>");
    xml
}

/// `FindFolder` under distinguished parents: `root` holds `msgfolderroot`,
/// which holds the mailbox's distinguished folders (none of which has
/// subfolders here). Paged with `IndexedPageFolderView`.
pub(crate) fn find_folders(
    store: &mut Store,
    ctx: &Ctx<'_>,
    req: &super::soap_in_other::FindFolder,
) -> Vec<ResponseMessage> {
    req.parents
        .iter()
        .map(|parent| {
            find_in(store, ctx, req, parent)
                .unwrap_or_else(|(code, text)| ResponseMessage::error(code, text, Payload::None))
        })
        .collect()
}

fn find_in(
    store: &mut Store,
    ctx: &Ctx<'_>,
    req: &super::soap_in_other::FindFolder,
    parent: &FolderTarget,
) -> Result<ResponseMessage, OpError> {
    if req.restricted {
        return Err((
            "ErrorUnsupportedQueryFilter",
            "This test server does not filter folders: send FindFolder without a Restriction."
                .to_owned(),
        ));
    }
    let owner = owner_of(ctx, parent)?;
    let mailbox = open(store, ctx, &owner)?;
    let present: Vec<&str> = Folder::ALL
        .iter()
        .filter(|f| mailbox.has(**f))
        .map(|f| f.as_ews_str())
        .collect();
    let names: Vec<&str> = match &parent.folder {
        FolderName::Known(folder) if mailbox.has(*folder) => Vec::new(),
        FolderName::Other(name) if name == "root" && req.deep => {
            std::iter::once("msgfolderroot").chain(present).collect()
        }
        FolderName::Other(name) if name == "root" => vec!["msgfolderroot"],
        FolderName::Other(name) if name == "msgfolderroot" => present,
        _ => return Err(folder_not_found()),
    };
    let total = names.len();
    let (offset, max) = req.page.unwrap_or((0, None));
    let end = max.map_or(total, |m| offset.saturating_add(m).min(total));
    let page = names
        .get(offset.min(total)..end.max(offset.min(total)))
        .unwrap_or(&[]);
    let mut xml = format!(
        r#"<m:RootFolder IndexedPagingOffset="{end}" TotalItemsInView="{total}" IncludesLastItemInRange="{}"><t:Folders>"#,
        end >= total
    );
    for name in page {
        xml.push_str(&describe(mailbox, &owner, name));
    }
    xml.push_str("</t:Folders></m:RootFolder>");
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
