//! The items of a reply: created item ids, found items and their delivery ids.

use quick_xml::events::BytesStart;
use time::OffsetDateTime;

use super::ReadError;
use super::parse::Parser;
use super::read::Raw;
use super::response::{FoundItem, ItemId};
use super::xs;
use super::{DELIVERY_ID_PROPERTY_NAME, OFFLINE_IM_PROPERTY_SET};
use crate::delivery_id::DeliveryId;
use crate::xml::cursor::{Ev, Ns, local};

/// What the reader keeps of one item.
#[derive(Default)]
struct Item {
    id: Option<ItemId>,
    delivery_id: Option<DeliveryId>,
    created: Option<OffsetDateTime>,
    is_submitted: Option<bool>,
}

impl Parser<'_, '_> {
    /// `m:Items` of a `CreateItemResponseMessage`: the id of its (first) item.
    pub(super) fn created_items(&mut self) -> Result<Option<ItemId>, ReadError> {
        let mut first = None;
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Types, _) if first.is_none() => first = self.item(false)?.id,
                Ev::Start(..) => self.cursor.skip("m:Items")?,
                Ev::Text(_) => {}
                Ev::End => return Ok(first),
                Ev::Eof => return Err(self.cursor.truncated("m:Items")),
            }
        }
    }

    /// `m:RootFolder` of a `FindItemResponseMessage`.
    pub(super) fn root_folder(
        &mut self,
        start: &BytesStart<'_>,
        raw: &mut Raw,
    ) -> Result<(), ReadError> {
        let position = self.cursor.position();
        if let Some(total) = self.cursor.attribute(start, "TotalItemsInView")? {
            raw.total_items_in_view = Some(xs::count("TotalItemsInView", &total, position)?);
        }
        if let Some(last) = self.cursor.attribute(start, "IncludesLastItemInRange")? {
            raw.includes_last_item_in_range =
                Some(xs::boolean("IncludesLastItemInRange", &last, position)?);
        }
        if let Some(next) = self.cursor.attribute(start, "IndexedPagingOffset")? {
            raw.indexed_paging_offset = Some(xs::count("IndexedPagingOffset", &next, position)?);
        }
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Types, start) if local(&start) == "Items" => self.found_items(raw)?,
                Ev::Start(..) => self.cursor.skip("m:RootFolder")?,
                Ev::Text(_) => {}
                Ev::End => return Ok(()),
                Ev::Eof => return Err(self.cursor.truncated("m:RootFolder")),
            }
        }
    }

    fn found_items(&mut self, raw: &mut Raw) -> Result<(), ReadError> {
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Types, _) => {
                    if raw.found.len() == self.limits.max_items {
                        return Err(ReadError::TooManyItems {
                            what: "items",
                            limit: self.limits.max_items,
                        });
                    }
                    let item = self.item(true)?;
                    let item_id = item.id.ok_or(ReadError::MissingElement {
                        element: "t:ItemId",
                        parent: "an item of a FindItem result",
                    })?;
                    raw.found.push(FoundItem {
                        item_id,
                        delivery_id: item.delivery_id,
                        created: item.created,
                        is_submitted: item.is_submitted,
                    });
                }
                Ev::Start(..) => self.cursor.skip("t:Items")?,
                Ev::Text(_) => {}
                Ev::End => return Ok(()),
                Ev::Eof => return Err(self.cursor.truncated("t:Items")),
            }
        }
    }

    /// One item (`t:Message`, `t:Item`, ...): its id and, for a found item, its
    /// delivery id, creation time and submitted flag.
    fn item(&mut self, found: bool) -> Result<Item, ReadError> {
        let mut item = Item::default();
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Types, start) if local(&start) == "ItemId" => {
                    let position = self.cursor.position();
                    let (mut value, mut change_key) = (None, None);
                    for attr in self.cursor.attributes(&start) {
                        match attr? {
                            ("Id", v) => value = Some(v.into_owned()),
                            ("ChangeKey", v) => change_key = Some(v.into_owned()),
                            _ => {}
                        }
                    }
                    item.id = Some(ItemId {
                        id: value.ok_or(ReadError::MissingAttribute {
                            attribute: "Id",
                            element: "t:ItemId",
                            position,
                        })?,
                        change_key,
                    });
                    self.cursor.skip("t:ItemId")?;
                }
                Ev::Start(Ns::Types, start) if found => match local(&start) {
                    "ExtendedProperty" => {
                        if let Some(id) = self.delivery_id_property()? {
                            item.delivery_id = Some(id);
                        }
                    }
                    "DateTimeCreated" => {
                        let position = self.cursor.position();
                        let text = self.cursor.text("t:DateTimeCreated")?;
                        item.created = Some(xs::date_time("t:DateTimeCreated", &text, position)?);
                    }
                    "IsSubmitted" => {
                        let position = self.cursor.position();
                        let text = self.cursor.text("t:IsSubmitted")?;
                        item.is_submitted = Some(xs::boolean("t:IsSubmitted", &text, position)?);
                    }
                    _ => self.cursor.skip("an item")?,
                },
                Ev::Start(..) => self.cursor.skip("an item")?,
                Ev::Text(_) => {}
                Ev::End => return Ok(item),
                Ev::Eof => return Err(self.cursor.truncated("an item")),
            }
        }
    }

    /// A `t:ExtendedProperty`: the delivery id if it is the delivery-id property
    /// and its value parses.
    fn delivery_id_property(&mut self) -> Result<Option<DeliveryId>, ReadError> {
        let mut is_delivery_id = false;
        let mut value = None;
        loop {
            match self.cursor.next()? {
                Ev::Start(Ns::Types, start) if local(&start) == "ExtendedFieldURI" => {
                    is_delivery_id = self.cursor.attribute(&start, "PropertyName")?.as_deref()
                        == Some(DELIVERY_ID_PROPERTY_NAME)
                        && self
                            .cursor
                            .attribute(&start, "PropertySetId")?
                            .is_some_and(|set| {
                                set.parse::<uuid::Uuid>().ok() == Some(OFFLINE_IM_PROPERTY_SET)
                            });
                    self.cursor.skip("t:ExtendedFieldURI")?;
                }
                Ev::Start(Ns::Types, start) if local(&start) == "Value" => {
                    value = Some(self.cursor.text("t:Value")?);
                }
                Ev::Start(..) => self.cursor.skip("t:ExtendedProperty")?,
                Ev::Text(_) => {}
                Ev::End => break,
                Ev::Eof => return Err(self.cursor.truncated("t:ExtendedProperty")),
            }
        }
        Ok(value
            .filter(|_| is_delivery_id)
            .and_then(|v| v.parse().ok()))
    }
}
