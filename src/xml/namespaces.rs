//! Every XML namespace and SOAP action the crate writes or reads, in one place:
//! EWS's (re-exported by [`ews`](crate::ews)) and Autodiscover's (re-exported by
//! [`autodiscover`](crate::autodiscover)).

/// The namespace the `xml` prefix is bound to without any declaration.
pub(crate) const XML: &str = "http://www.w3.org/XML/1998/namespace";
/// WS-Addressing (`wsa`), in SOAP Autodiscover request headers.
pub(crate) const WS_ADDRESSING: &str = "http://www.w3.org/2005/08/addressing";

// EWS.

/// SOAP 1.1 envelope namespace (`soap`).
pub const SOAP: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// EWS messages namespace (`m`): requests and responses.
pub const MESSAGES: &str = "http://schemas.microsoft.com/exchange/services/2006/messages";
/// EWS types namespace (`t`): items, folders, properties, headers.
pub const TYPES: &str = "http://schemas.microsoft.com/exchange/services/2006/types";
/// EWS errors namespace (`e`): the `detail` of SOAP faults.
pub const ERRORS: &str = "http://schemas.microsoft.com/exchange/services/2006/errors";

/// The HTTP `SOAPAction` header value of a `CreateItem` request.
pub const CREATE_ITEM_ACTION: &str =
    "http://schemas.microsoft.com/exchange/services/2006/messages/CreateItem";
/// The HTTP `SOAPAction` header value of a `FindItem` request.
pub const FIND_ITEM_ACTION: &str =
    "http://schemas.microsoft.com/exchange/services/2006/messages/FindItem";
/// The HTTP `SOAPAction` header value of a `DeleteItem` request.
pub const DELETE_ITEM_ACTION: &str =
    "http://schemas.microsoft.com/exchange/services/2006/messages/DeleteItem";

// Autodiscover.

/// The namespace of SOAP Autodiscover messages.
pub const SOAP_AUTODISCOVER_NAMESPACE: &str =
    "http://schemas.microsoft.com/exchange/2010/Autodiscover";

/// The WS-Addressing action of `GetUserSettings`, also sent as the `SOAPAction`
/// header.
pub const GET_USER_SETTINGS_ACTION: &str =
    "http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettings";

/// The namespace of a POX Autodiscover request.
pub const POX_REQUEST_NAMESPACE: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006";

/// The response schema a POX request asks for (Outlook's).
pub const POX_RESPONSE_SCHEMA: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";
