//! XML namespaces and SOAP actions of EWS.

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
