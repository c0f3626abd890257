//! Which Graph endpoint a method and URL name.

use crate::address::SmtpAddress;
use crate::ews::Folder;

use super::graph_json::{GraphAnswer, folder_from_segment};

/// The version root every Graph URL starts with.
pub(crate) const GRAPH_ROOT: &str = "/v1.0";

/// A Graph endpoint the server serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `POST /users/{id}/messages`, `POST /users/{id}/mailFolders/{f}/messages`.
    Create { folder: Folder },
    /// `GET /users/{id}/messages`, `GET /users/{id}/mailFolders/{f}/messages`.
    List { folder: Option<Folder> },
    /// `POST /users/{id}/messages/{m}/send`.
    Send { id: String },
    /// `POST /users/{id}/messages/{m}/move`.
    Move { id: String },
    /// `DELETE /users/{id}/messages/{m}`.
    Delete { id: String },
    /// `GET /users/{id}/mailFolders/{f}`.
    GetFolder { folder: Folder },
}

impl Route {
    /// A short name for the request log.
    pub(crate) const fn name(&self) -> &'static str {
        match self {
            Self::Create { .. } => "graph.createMessage",
            Self::List { .. } => "graph.listMessages",
            Self::Send { .. } => "graph.send",
            Self::Move { .. } => "graph.move",
            Self::Delete { .. } => "graph.deleteMessage",
            Self::GetFolder { .. } => "graph.getMailFolder",
        }
    }
}

/// A request to one mailbox: whose, which endpoint, and the query string.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) user: SmtpAddress,
    pub(crate) route: Route,
    pub(crate) query: Vec<(String, String)>,
}

/// Decodes `%XX` escapes; `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(segment: &str) -> Option<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn not_found(path: &str) -> GraphAnswer {
    // Graph's answer to a URL no endpoint serves (errors page: 400 BadRequest,
    // "Resource not found for the segment ...").
    GraphAnswer::error(
        400,
        "BadRequest",
        &format!("Resource not found for the segment '{path}'."),
    )
}

fn folder(segment: &str) -> Result<Folder, GraphAnswer> {
    folder_from_segment(segment).ok_or_else(|| {
        GraphAnswer::error(
            400,
            "ErrorInvalidIdMalformed",
            &format!("Id is malformed: '{segment}' is no folder this test server knows."),
        )
    })
}

/// Reads `method` and `path_and_query` (below the version root, e.g.
/// `/users/kim%40contoso.com/messages?$filter=...`).
pub(crate) fn route(method: &str, path_and_query: &str) -> Result<Target, GraphAnswer> {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let query: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let raw: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut segments = Vec::with_capacity(raw.len());
    for s in &raw {
        segments.push(percent_decode(s).ok_or_else(|| not_found(path))?);
    }
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    let Some((&first, rest)) = seg.split_first() else {
        return Err(not_found(path));
    };
    if !first.eq_ignore_ascii_case("users") || rest.is_empty() {
        return Err(not_found(path));
    }
    let user: SmtpAddress = rest[0].parse().map_err(|_| {
        // Exchange Online's answer for a user it cannot resolve.
        GraphAnswer::error(
            404,
            "ErrorInvalidUser",
            &format!("The requested user '{}' is invalid.", rest[0]),
        )
    })?;
    let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let route = match (method, &rest[1..]) {
        ("POST", [m]) if is(m, "messages") => Route::Create {
            folder: Folder::Drafts,
        },
        ("GET", [m]) if is(m, "messages") => Route::List { folder: None },
        ("POST", [f, name, m]) if is(f, "mailFolders") && is(m, "messages") => Route::Create {
            folder: folder(name)?,
        },
        ("GET", [f, name, m]) if is(f, "mailFolders") && is(m, "messages") => Route::List {
            folder: Some(folder(name)?),
        },
        ("GET", [f, name]) if is(f, "mailFolders") => Route::GetFolder {
            folder: folder(name)?,
        },
        ("POST", [m, id, a]) if is(m, "messages") && is(a, "send") => Route::Send {
            id: (*id).to_owned(),
        },
        ("POST", [m, id, a]) if is(m, "messages") && is(a, "move") => Route::Move {
            id: (*id).to_owned(),
        },
        ("DELETE", [m, id]) if is(m, "messages") => Route::Delete {
            id: (*id).to_owned(),
        },
        _ => return Err(not_found(path)),
    };
    Ok(Target { user, route, query })
}
