//! A fake network for Autodiscover tests: answers by URL, records every request.
#![allow(dead_code)] // each test binary uses a part

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use offline_im::autodiscover::{Credentials, GET_USER_SETTINGS_ACTION};
use offline_im::transport::{Method, Reply, Request, Transport, TransportError};

/// One request as the fake network saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub url: String,
    /// The `Authorization` a real transport holding the fake's credentials
    /// would have sent: none for a request without credentials.
    pub authorization: Option<String>,
    pub soap_action: Option<String>,
    pub body: String,
}

/// A transport that answers each URL from a table; any other URL is
/// unreachable. It holds the credentials a real transport would.
#[derive(Clone, Default)]
pub struct FakeNet {
    routes: Arc<Mutex<HashMap<String, Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    credentials: Option<Credentials>,
}

impl FakeNet {
    pub fn new() -> Self {
        Self::default()
    }

    /// This fake network (sharing routes and requests), as a transport
    /// holding `credentials`.
    pub fn holding(&self, credentials: Credentials) -> Self {
        Self {
            credentials: Some(credentials),
            ..self.clone()
        }
    }

    /// Answers `url` with `response` from now on.
    pub fn route(&self, url: &str, response: Reply) -> &Self {
        self.routes.lock().unwrap().insert(url.to_owned(), response);
        self
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The URLs requested so far, in order.
    pub fn urls(&self) -> Vec<String> {
        self.seen().into_iter().map(|s| s.url).collect()
    }

    /// Requests that went to `host`.
    pub fn to_host(&self, host: &str) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| url::Url::parse(&s.url).unwrap().host_str() == Some(host))
            .collect()
    }

    pub fn clear(&self) {
        self.seen.lock().unwrap().clear();
    }
}

impl Transport for FakeNet {
    async fn send(&self, request: Request) -> Result<Reply, TransportError> {
        let url = request
            .url
            .as_ref()
            .expect("Autodiscover names the URL of every request")
            .to_string();
        let authorization = if request.anonymous {
            None
        } else {
            self.credentials.as_ref().and_then(|c| c.authorization())
        };
        self.seen.lock().unwrap().push(Seen {
            method: request.method,
            url: url.clone(),
            authorization,
            soap_action: request
                .headers
                .iter()
                .find(|(n, _)| *n == "SOAPAction")
                .map(|(_, v)| v.clone()),
            body: String::from_utf8_lossy(&request.body).into_owned(),
        });
        self.routes
            .lock()
            .unwrap()
            .get(&url)
            .cloned()
            .ok_or_else(|| {
                TransportError::connect_failed().with_context(format!("connection refused ({url})"))
            })
    }
}

pub const SOAP_ACTION: &str = GET_USER_SETTINGS_ACTION;

fn pox(account: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
         <Autodiscover xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\">\
         <Response xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a\">\
         {account}</Response></Autodiscover>"
    )
}

/// A POX answer with an external EWS URL.
pub fn pox_settings(ews: &str) -> Reply {
    Reply::new(
        200,
        pox(&format!(
            "<Account><AccountType>email</AccountType><Action>settings</Action>\
             <Protocol><Type>EXPR</Type><EwsUrl>{ews}</EwsUrl></Protocol></Account>"
        )),
    )
}

pub fn pox_redirect_addr(address: &str) -> Reply {
    Reply::new(
        200,
        pox(&format!(
            "<Account><Action>redirectAddr</Action><RedirectAddr>{address}</RedirectAddr></Account>"
        )),
    )
}

pub fn pox_redirect_url(url: &str) -> Reply {
    Reply::new(
        200,
        pox(&format!(
            "<Account><Action>redirectUrl</Action><RedirectUrl>{url}</RedirectUrl></Account>"
        )),
    )
}

pub fn pox_error(code: &str, message: &str) -> Reply {
    Reply::new(
        200,
        pox(&format!(
            "<Error Time=\"10:00:00\" Id=\"1\"><ErrorCode>{code}</ErrorCode><Message>{message}</Message></Error>"
        )),
    )
}

fn soap(user_response: &str) -> String {
    format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
         <GetUserSettingsResponseMessage xmlns=\"http://schemas.microsoft.com/exchange/2010/Autodiscover\">\
         <Response xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\"><ErrorCode>NoError</ErrorCode>\
         <ErrorMessage/><UserResponses><UserResponse>{user_response}</UserResponse></UserResponses>\
         </Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>"
    )
}

/// A SOAP answer with an external EWS URL.
pub fn soap_settings(ews: &str) -> Reply {
    Reply::new(
        200,
        soap(&format!(
            "<ErrorCode>NoError</ErrorCode><ErrorMessage>No error.</ErrorMessage>\
             <RedirectTarget i:nil=\"true\"/><UserSettingErrors/><UserSettings>\
             <UserSetting i:type=\"StringSetting\"><Name>ExternalEwsUrl</Name><Value>{ews}</Value></UserSetting>\
             </UserSettings>"
        )),
    )
}

/// A SOAP redirect: `code` is `RedirectAddress` or `RedirectUrl`.
pub fn soap_redirect(code: &str, target: &str) -> Reply {
    Reply::new(
        200,
        soap(&format!(
            "<ErrorCode>{code}</ErrorCode><ErrorMessage>Redirection.</ErrorMessage>\
             <RedirectTarget>{target}</RedirectTarget><UserSettingErrors/><UserSettings/>"
        )),
    )
}
