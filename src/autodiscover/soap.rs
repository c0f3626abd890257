//! SOAP Autodiscover (`GetUserSettings`): the request writer and the response reader.

use url::Url;

use super::answer::Answer;
use crate::address::SmtpAddress;
use crate::xml::namespaces::{
    GET_USER_SETTINGS_ACTION, SOAP, SOAP_AUTODISCOVER_NAMESPACE, WS_ADDRESSING,
};
use crate::xml::{self, Element};

/// The body of a SOAP `GetUserSettings` request for `address`, sent to `to`,
/// asking for `ExternalEwsUrl` and `InternalEwsUrl`.
///
/// ```
/// use offline_im::autodiscover::write_soap_request;
///
/// let to = "https://autodiscover.contoso.com/autodiscover/autodiscover.svc".parse()?;
/// let body = write_soap_request(&"kim@contoso.com".parse()?, &to);
/// assert!(body.contains("<a:Mailbox>kim@contoso.com</a:Mailbox>"));
/// assert!(body.contains("<a:Setting>ExternalEwsUrl</a:Setting>"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub fn write_soap_request(address: &SmtpAddress, to: &Url) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
         <soap:Envelope xmlns:a=\"{SOAP_AUTODISCOVER_NAMESPACE}\" \
         xmlns:wsa=\"{WS_ADDRESSING}\" \
         xmlns:soap=\"{SOAP}\">\
         <soap:Header>\
         <a:RequestedServerVersion>Exchange2010</a:RequestedServerVersion>\
         <wsa:Action>{GET_USER_SETTINGS_ACTION}</wsa:Action>\
         <wsa:To>{}</wsa:To>\
         </soap:Header>\
         <soap:Body>\
         <a:GetUserSettingsRequestMessage>\
         <a:Request>\
         <a:Users><a:User><a:Mailbox>{}</a:Mailbox></a:User></a:Users>\
         <a:RequestedSettings>\
         <a:Setting>ExternalEwsUrl</a:Setting>\
         <a:Setting>InternalEwsUrl</a:Setting>\
         </a:RequestedSettings>\
         </a:Request>\
         </a:GetUserSettingsRequestMessage>\
         </soap:Body>\
         </soap:Envelope>",
        xml::escaped(to.as_str()),
        xml::escaped(address.as_str()),
    )
}

/// Reads a SOAP `GetUserSettings` response.
///
/// The first `UserResponse` decides: `ErrorCode` `NoError` gives
/// [`Answer::EwsUrls`] from the `ExternalEwsUrl` and `InternalEwsUrl` settings,
/// `RedirectAddress` and `RedirectUrl` give the redirects with the
/// `RedirectTarget`; any other code (here or in the overall `Response`), or a
/// SOAP fault, gives [`Answer::ServerError`].
///
/// # Errors
/// A short description when the body is not a `GetUserSettings` response.
pub fn read_soap_response(body: &[u8]) -> Result<Answer, String> {
    let root = xml::tree(body)?;
    if root.name != "Envelope" {
        return Err(format!(
            "the root element is <{}>, not a SOAP envelope",
            root.name
        ));
    }
    let body = root.child("Body").ok_or("the envelope has no <Body>")?;
    if let Some(fault) = body.child("Fault") {
        return Ok(Answer::ServerError {
            code: fault.child_text("faultcode").unwrap_or("").to_owned(),
            message: fault.child_text("faultstring").unwrap_or("").to_owned(),
        });
    }
    let response = body
        .path(&["GetUserSettingsResponseMessage", "Response"])
        .ok_or("the body holds no GetUserSettingsResponseMessage/Response")?;
    if let Some(error) = error_of(response) {
        return Ok(error);
    }
    let user = response
        .path(&["UserResponses", "UserResponse"])
        .ok_or("the response holds no UserResponse")?;
    let target = user.child_text("RedirectTarget");
    match user.child_text("ErrorCode").unwrap_or("NoError") {
        "NoError" => Ok(Answer::EwsUrls {
            external: setting(user, "ExternalEwsUrl"),
            internal: setting(user, "InternalEwsUrl"),
        }),
        "RedirectAddress" => target
            .map(|t| Answer::RedirectAddress(t.to_owned()))
            .ok_or_else(|| "RedirectAddress without a RedirectTarget".into()),
        "RedirectUrl" => target
            .map(|t| Answer::RedirectUrl(t.to_owned()))
            .ok_or_else(|| "RedirectUrl without a RedirectTarget".into()),
        _ => Ok(error_of(user).unwrap_or_else(|| Answer::ServerError {
            code: String::new(),
            message: String::new(),
        })),
    }
}

/// The `ErrorCode`/`ErrorMessage` of `el` as an error, unless it is `NoError`.
fn error_of(el: &Element) -> Option<Answer> {
    let code = el.child_text("ErrorCode")?;
    (code != "NoError").then(|| Answer::ServerError {
        code: code.to_owned(),
        message: el.child_text("ErrorMessage").unwrap_or("").to_owned(),
    })
}

fn setting(user: &Element, name: &str) -> Option<String> {
    user.child("UserSettings")?
        .children_named("UserSetting")
        .find(|s| s.child_text("Name") == Some(name))
        .and_then(|s| s.child_text("Value"))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(response: &str) -> String {
        format!(
            "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
             <GetUserSettingsResponseMessage xmlns=\"{SOAP_AUTODISCOVER_NAMESPACE}\">\
             <Response xmlns:i=\"http://www.w3.org/2001/XMLSchema-instance\">{response}</Response>\
             </GetUserSettingsResponseMessage></s:Body></s:Envelope>"
        )
    }

    fn user(inner: &str) -> String {
        envelope(&format!(
            "<ErrorCode>NoError</ErrorCode><ErrorMessage/><UserResponses><UserResponse>{inner}</UserResponse></UserResponses>"
        ))
    }

    #[test]
    fn request_is_well_formed_and_addressed() {
        let to: Url = "https://contoso.com/autodiscover/autodiscover.svc?a=1&b=2"
            .parse()
            .unwrap();
        let body = write_soap_request(&"kim@contoso.com".parse().unwrap(), &to);
        let root = xml::tree(body.as_bytes()).unwrap();
        assert_eq!(
            root.path(&["Header", "To"]).unwrap().text,
            "https://contoso.com/autodiscover/autodiscover.svc?a=1&b=2"
        );
    }

    #[test]
    fn settings_give_both_urls() {
        let body = user(
            "<ErrorCode>NoError</ErrorCode><RedirectTarget i:nil=\"true\"/><UserSettings>\
             <UserSetting i:type=\"StringSetting\"><Name>InternalEwsUrl</Name><Value>https://int.contoso.com/EWS/Exchange.asmx</Value></UserSetting>\
             <UserSetting i:type=\"StringSetting\"><Name>ExternalEwsUrl</Name><Value>https://mail.contoso.com/EWS/Exchange.asmx</Value></UserSetting>\
             </UserSettings>",
        );
        assert_eq!(
            read_soap_response(body.as_bytes()).unwrap(),
            Answer::EwsUrls {
                external: Some("https://mail.contoso.com/EWS/Exchange.asmx".into()),
                internal: Some("https://int.contoso.com/EWS/Exchange.asmx".into()),
            }
        );
    }

    #[test]
    fn redirects_errors_and_faults() {
        let addr = user(
            "<ErrorCode>RedirectAddress</ErrorCode><RedirectTarget>kim@emea.contoso.com</RedirectTarget>",
        );
        assert_eq!(
            read_soap_response(addr.as_bytes()).unwrap(),
            Answer::RedirectAddress("kim@emea.contoso.com".into())
        );
        let url = user(
            "<ErrorCode>RedirectUrl</ErrorCode><RedirectTarget>https://ad2.contoso.com/autodiscover/autodiscover.svc</RedirectTarget>",
        );
        assert_eq!(
            read_soap_response(url.as_bytes()).unwrap(),
            Answer::RedirectUrl("https://ad2.contoso.com/autodiscover/autodiscover.svc".into())
        );
        let invalid = user(
            "<ErrorCode>InvalidUser</ErrorCode><ErrorMessage>Invalid user: 'x'</ErrorMessage>",
        );
        assert_eq!(
            read_soap_response(invalid.as_bytes()).unwrap(),
            Answer::ServerError {
                code: "InvalidUser".into(),
                message: "Invalid user: 'x'".into()
            }
        );
        let top = envelope("<ErrorCode>InvalidRequest</ErrorCode><ErrorMessage>bad</ErrorMessage>");
        assert!(matches!(
            read_soap_response(top.as_bytes()).unwrap(),
            Answer::ServerError { code, .. } if code == "InvalidRequest"
        ));
        let fault = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><s:Fault>\
                     <faultcode>s:Client</faultcode><faultstring>nope</faultstring></s:Fault></s:Body></s:Envelope>";
        assert!(matches!(
            read_soap_response(fault.as_bytes()).unwrap(),
            Answer::ServerError { code, .. } if code == "s:Client"
        ));
    }

    #[test]
    fn non_responses_are_errors() {
        assert!(read_soap_response(b"<html/>").is_err());
        assert!(read_soap_response(user("<ErrorCode>RedirectUrl</ErrorCode>").as_bytes()).is_err());
    }
}
