//! POX ("plain old XML") Autodiscover: the request writer and the response reader.

use super::answer::Answer;
use crate::address::SmtpAddress;
use crate::xml::namespaces::{POX_REQUEST_NAMESPACE, POX_RESPONSE_SCHEMA};
use crate::xml::{self, Element};

/// The body of a POX Autodiscover request for `address`.
///
/// ```
/// use offline_im::autodiscover::write_pox_request;
///
/// let body = write_pox_request(&"kim@contoso.com".parse()?);
/// assert!(body.contains("<EMailAddress>kim@contoso.com</EMailAddress>"));
/// # Ok::<(), offline_im::address::AddressError>(())
/// ```
#[must_use]
pub fn write_pox_request(address: &SmtpAddress) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
         <Autodiscover xmlns=\"{POX_REQUEST_NAMESPACE}\">\
         <Request>\
         <EMailAddress>{}</EMailAddress>\
         <AcceptableResponseSchema>{POX_RESPONSE_SCHEMA}</AcceptableResponseSchema>\
         </Request>\
         </Autodiscover>",
        xml::escaped(address.as_str())
    )
}

/// Reads a POX Autodiscover response.
///
/// `Account/Action` decides: `redirectAddr` gives [`Answer::RedirectAddress`]
/// (from `RedirectAddr`), `redirectUrl` gives [`Answer::RedirectUrl`] (from
/// `RedirectUrl`), `settings` (or no action) gives [`Answer::EwsUrls`] from the
/// `EwsUrl` of the `Protocol` elements of type `EXPR` (external) and `EXCH`
/// (internal). A `Response/Error` gives [`Answer::ServerError`].
///
/// # Errors
/// A short description when the body is not a POX Autodiscover response.
pub fn read_pox_response(body: &[u8]) -> Result<Answer, String> {
    let root = xml::tree(body)?;
    if root.name != "Autodiscover" {
        return Err(format!(
            "the root element is <{}>, not a POX <Autodiscover> response",
            root.name
        ));
    }
    let response = root
        .child("Response")
        .ok_or("the response has no <Response> element")?;
    if let Some(error) = response.child("Error") {
        return Ok(Answer::ServerError {
            code: error.child_text("ErrorCode").unwrap_or("").to_owned(),
            message: error.child_text("Message").unwrap_or("").to_owned(),
        });
    }
    let account = response
        .child("Account")
        .ok_or("the response has neither <Account> nor <Error>")?;
    match account.child_text("Action").unwrap_or("settings") {
        "redirectAddr" => account
            .child_text("RedirectAddr")
            .map(|a| Answer::RedirectAddress(a.to_owned()))
            .ok_or_else(|| "Action redirectAddr without a <RedirectAddr>".into()),
        "redirectUrl" => account
            .child_text("RedirectUrl")
            .map(|u| Answer::RedirectUrl(u.to_owned()))
            .ok_or_else(|| "Action redirectUrl without a <RedirectUrl>".into()),
        "settings" => Ok(Answer::EwsUrls {
            external: protocol_ews_url(account, "EXPR"),
            internal: protocol_ews_url(account, "EXCH"),
        }),
        other => Err(format!("unknown Action {other:?}")),
    }
}

fn protocol_ews_url(account: &Element, kind: &str) -> Option<String> {
    account
        .children_named("Protocol")
        .filter(|p| p.child_text("Type") == Some(kind))
        .find_map(|p| p.child_text("EwsUrl"))
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str =
        "xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006\"";
    const NS_A: &str =
        "xmlns=\"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a\"";

    fn wrap(account: &str) -> String {
        format!("<Autodiscover {NS}><Response {NS_A}>{account}</Response></Autodiscover>")
    }

    #[test]
    fn request_escapes_nothing_it_should_not_and_names_the_schema() {
        let body = write_pox_request(&"o'hara@contoso.com".parse().unwrap());
        assert!(body.contains(POX_RESPONSE_SCHEMA));
        let request = xml::tree(body.as_bytes()).unwrap();
        assert_eq!(
            request
                .path(&["Request", "EMailAddress"])
                .map(|e| e.text.as_str()),
            Some("o'hara@contoso.com")
        );
    }

    #[test]
    fn settings_give_external_and_internal_urls() {
        let body = wrap(
            "<Account><AccountType>email</AccountType><Action>settings</Action>\
             <Protocol><Type>EXCH</Type><EwsUrl>https://int.contoso.com/EWS/Exchange.asmx</EwsUrl></Protocol>\
             <Protocol><Type>WEB</Type></Protocol>\
             <Protocol><Type>EXPR</Type><EwsUrl> https://mail.contoso.com/EWS/Exchange.asmx </EwsUrl></Protocol>\
             </Account>",
        );
        assert_eq!(
            read_pox_response(body.as_bytes()).unwrap(),
            Answer::EwsUrls {
                external: Some("https://mail.contoso.com/EWS/Exchange.asmx".into()),
                internal: Some("https://int.contoso.com/EWS/Exchange.asmx".into()),
            }
        );
    }

    #[test]
    fn redirects_and_errors() {
        let addr = wrap(
            "<Account><Action>redirectAddr</Action><RedirectAddr>kim@emea.contoso.com</RedirectAddr></Account>",
        );
        assert_eq!(
            read_pox_response(addr.as_bytes()).unwrap(),
            Answer::RedirectAddress("kim@emea.contoso.com".into())
        );
        let url = wrap(
            "<Account><Action>redirectUrl</Action><RedirectUrl>https://ad2.contoso.com/autodiscover/autodiscover.xml</RedirectUrl></Account>",
        );
        assert_eq!(
            read_pox_response(url.as_bytes()).unwrap(),
            Answer::RedirectUrl("https://ad2.contoso.com/autodiscover/autodiscover.xml".into())
        );
        let error = wrap(
            "<Error Time=\"1\" Id=\"2\"><ErrorCode>500</ErrorCode><Message>The e-mail address cannot be found.</Message></Error>",
        );
        assert_eq!(
            read_pox_response(error.as_bytes()).unwrap(),
            Answer::ServerError {
                code: "500".into(),
                message: "The e-mail address cannot be found.".into()
            }
        );
    }

    #[test]
    fn non_responses_are_errors() {
        for body in [
            "<html><body>It works!</body></html>".to_owned(),
            wrap("<Account><Action>redirectAddr</Action></Account>"),
            wrap("<Account><Action>dance</Action></Account>"),
            format!("<Autodiscover {NS}/>"),
        ] {
            assert!(read_pox_response(body.as_bytes()).is_err(), "{body}");
        }
    }
}
