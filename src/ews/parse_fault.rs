//! SOAP faults in a reply.

use super::ReadError;
use super::ResponseCode;
use super::fault::SoapFault;
use super::parse::Parser;
use super::response::MessageXmlValue;
use crate::xml::cursor::{Ev, Ns, local};

impl Parser<'_, '_> {
    pub(super) fn fault(&mut self) -> Result<SoapFault, ReadError> {
        let mut fault_code = None;
        let mut fault_string = None;
        let mut detail = Detail::default();
        loop {
            match self.cursor.next()? {
                // SOAP 1.1 fault children are unqualified; some servers qualify them.
                Ev::Start(_, start) => match local(&start) {
                    "faultcode" => {
                        fault_code = Some(self.cursor.text("faultcode")?.trim().to_owned())
                    }
                    "faultstring" => {
                        fault_string = Some(self.cursor.text("faultstring")?.into_owned())
                    }
                    "detail" => detail = self.detail()?,
                    _ => self.cursor.skip("soap:Fault")?,
                },
                Ev::Text(_) => {}
                Ev::End => break,
                Ev::Eof => return Err(self.cursor.truncated("soap:Fault")),
            }
        }
        let fault_code = fault_code.ok_or(ReadError::MissingElement {
            element: "faultcode",
            parent: "soap:Fault",
        })?;
        let fault_string = fault_string.ok_or(ReadError::MissingElement {
            element: "faultstring",
            parent: "soap:Fault",
        })?;
        let response_code = detail.code.or_else(|| {
            let local = fault_code.rsplit(':').next().unwrap_or_default();
            match ResponseCode::from_ews_str(local) {
                ResponseCode::Other(_) => None,
                code => Some(code),
            }
        });
        Ok(SoapFault {
            fault_code,
            fault_string,
            response_code,
            message: detail.message,
            message_xml: detail.values,
        })
    }

    fn detail(&mut self) -> Result<Detail, ReadError> {
        let mut detail = Detail::default();
        loop {
            match self.cursor.next()? {
                Ev::Start(ns, start) => match (ns, local(&start)) {
                    (_, "ResponseCode") => {
                        let text = self.cursor.text("e:ResponseCode")?;
                        detail.code = Some(ResponseCode::from_ews_str(&text));
                    }
                    (_, "Message") => {
                        detail.message = Some(self.cursor.text("e:Message")?.into_owned());
                    }
                    (Ns::Types | Ns::Errors, "MessageXml") => {
                        let values = self.message_xml("MessageXml")?;
                        self.push_values(&mut detail.values, values)?;
                    }
                    _ => {
                        let value = self.message_xml_value(&start, "detail")?;
                        self.push_values(&mut detail.values, vec![value])?;
                    }
                },
                Ev::Text(_) => {}
                Ev::End => return Ok(detail),
                Ev::Eof => return Err(self.cursor.truncated("detail")),
            }
        }
    }

    fn push_values(
        &self,
        into: &mut Vec<MessageXmlValue>,
        values: Vec<MessageXmlValue>,
    ) -> Result<(), ReadError> {
        if into.len() + values.len() > self.limits.max_items {
            return Err(ReadError::TooManyItems {
                what: "MessageXml values",
                limit: self.limits.max_items,
            });
        }
        into.extend(values);
        Ok(())
    }
}

#[derive(Default)]
struct Detail {
    code: Option<ResponseCode>,
    message: Option<String>,
    values: Vec<MessageXmlValue>,
}
