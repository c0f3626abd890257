//! The mailboxes: folders of stored items, and the outbound queue.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::address::{Domain, SmtpAddress};
use crate::ews::BodyType;
use crate::ews::Folder;

use super::props::{ExtendedProperty, PropertyValue};
use super::submit::Submissions;

/// A sender or recipient of a stored item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub(crate) name: Option<String>,
    pub(crate) address: SmtpAddress,
}

impl Recipient {
    /// The display name, if one was sent.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The SMTP address.
    #[must_use]
    pub fn address(&self) -> &SmtpAddress {
        &self.address
    }
}

/// An item as the server keeps it: what was sent, as Exchange would store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    /// The number behind the id: ids are handed out in increasing order, so a
    /// folder's items (appended as they are created) are sorted by it.
    pub(crate) seq: u64,
    pub(crate) id: String,
    pub(crate) change_key: String,
    pub(crate) mailbox: Option<SmtpAddress>,
    pub(crate) folder: Option<Folder>,
    pub(crate) item_class: String,
    pub(crate) subject: Option<String>,
    pub(crate) body: Option<(BodyType, String)>,
    pub(crate) importance: Option<String>,
    pub(crate) extended: Vec<ExtendedProperty>,
    pub(crate) from: Option<Recipient>,
    pub(crate) to: Vec<Recipient>,
    pub(crate) cc: Vec<Recipient>,
    pub(crate) bcc: Vec<Recipient>,
    pub(crate) is_read: bool,
    pub(crate) created: time::OffsetDateTime,
    pub(crate) is_submitted: bool,
    /// Not sent yet (MAPI `mfUnsent`; Graph `isDraft`): a draft, or a message
    /// waiting for the transport. Cleared when the transport delivers it.
    pub(crate) unsent: bool,
}

impl StoredItem {
    /// The EWS item id (`t:ItemId/@Id`).
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The change key (`t:ItemId/@ChangeKey`).
    #[must_use]
    pub fn change_key(&self) -> &str {
        &self.change_key
    }

    /// The mailbox holding the item; `None` for outbound mail.
    #[must_use]
    pub fn mailbox(&self) -> Option<&SmtpAddress> {
        self.mailbox.as_ref()
    }

    /// The folder holding the item; `None` for outbound mail.
    #[must_use]
    pub fn folder(&self) -> Option<Folder> {
        self.folder
    }

    /// The item class (`IPM.Note` when none was sent, and always for outbound mail).
    #[must_use]
    pub fn item_class(&self) -> &str {
        &self.item_class
    }

    /// The subject, if one was sent.
    #[must_use]
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }

    /// The body text, if one was sent.
    #[must_use]
    pub fn body(&self) -> Option<&str> {
        self.body.as_ref().map(|(_, b)| b.as_str())
    }

    /// The body format, if a body was sent.
    #[must_use]
    pub fn body_type(&self) -> Option<BodyType> {
        self.body.as_ref().map(|(t, _)| *t)
    }

    /// `Importance` as sent (`Low`, `Normal`, `High`).
    #[must_use]
    pub fn importance(&self) -> Option<&str> {
        self.importance.as_deref()
    }

    /// The sender.
    #[must_use]
    pub fn from(&self) -> Option<&Recipient> {
        self.from.as_ref()
    }

    /// `ToRecipients`.
    #[must_use]
    pub fn to(&self) -> &[Recipient] {
        &self.to
    }

    /// `CcRecipients`.
    #[must_use]
    pub fn cc(&self) -> &[Recipient] {
        &self.cc
    }

    /// Whether the item is marked read.
    #[must_use]
    pub fn is_read(&self) -> bool {
        self.is_read
    }

    /// When the item was created in its mailbox (`item:DateTimeCreated`). A sender's
    /// copy keeps the time its draft was created when it moves to the saved-items
    /// folder; a recipient's copy is created when the message is delivered.
    #[must_use]
    pub fn created(&self) -> time::OffsetDateTime {
        self.created
    }

    /// `item:IsSubmitted`: `true` while a sent message waits in the sender's `drafts`
    /// for the transport to pick it up, `false` for every other item.
    #[must_use]
    pub fn is_submitted(&self) -> bool {
        self.is_submitted
    }

    /// Every extended property, as sent (none for outbound mail).
    #[must_use]
    pub fn extended_properties(&self) -> &[ExtendedProperty] {
        &self.extended
    }

    /// The single value of the named property `name` (any property set).
    #[must_use]
    pub fn extended_property_by_name(&self, name: &str) -> Option<&str> {
        self.extended
            .iter()
            .find(|p| p.uri.property_name() == Some(name))
            .and_then(|p| p.value.as_single())
    }

    /// The single value of the property with tag `tag` (e.g. `0x001A`).
    #[must_use]
    pub fn extended_property_by_tag(&self, tag: u16) -> Option<&str> {
        self.extended
            .iter()
            .find(|p| p.uri.property_tag() == Some(tag))
            .and_then(|p| p.value.as_single())
    }

    /// The value matching `uri` exactly, if the item has it.
    pub(crate) fn extended_value(
        &self,
        uri: &super::props::ExtendedFieldUri,
    ) -> Option<&PropertyValue> {
        self.extended
            .iter()
            .find(|p| &p.uri == uri)
            .map(|p| &p.value)
    }
}

/// A snapshot of one mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub(crate) address: SmtpAddress,
    pub(crate) folders: BTreeMap<Folder, Vec<StoredItem>>,
}

impl Mailbox {
    /// The mailbox's SMTP address.
    #[must_use]
    pub fn address(&self) -> &SmtpAddress {
        &self.address
    }

    /// The items in `folder`, oldest first.
    #[must_use]
    pub fn folder(&self, folder: Folder) -> &[StoredItem] {
        self.folders.get(&folder).map_or(&[], Vec::as_slice)
    }

    /// Every item in every folder.
    pub fn items(&self) -> impl Iterator<Item = &StoredItem> {
        self.folders.values().flatten()
    }

    /// Whether the mailbox has `folder`: every [`Folder`] but
    /// `conversationhistory`, which a mailbox declared with
    /// [`TestServerBuilder::mailbox_without_conversation_history`](super::TestServerBuilder::mailbox_without_conversation_history)
    /// lacks.
    #[must_use]
    pub fn has_folder(&self, folder: Folder) -> bool {
        self.folders.contains_key(&folder)
    }
}

/// One mailbox as the store keeps it. Items are boxed so that taking one from
/// the middle of a big folder (a draft the transport picks up) moves pointers,
/// not items.
#[derive(Debug)]
pub(crate) struct MailboxStore {
    // Boxed on purpose (see above): removing from the middle moves 8 bytes per
    // item instead of a few hundred.
    #[allow(clippy::vec_box)]
    folders: BTreeMap<Folder, Vec<Box<StoredItem>>>,
}

impl MailboxStore {
    fn new() -> Self {
        Self {
            folders: Folder::ALL.into_iter().map(|f| (f, Vec::new())).collect(),
        }
    }

    /// Whether the mailbox has `folder` (every folder but `conversationhistory`
    /// always exists; that one is made by the clients that use it).
    pub(crate) fn has(&self, folder: Folder) -> bool {
        self.folders.contains_key(&folder)
    }

    /// Removes `folder` and its items (modelling a mailbox that never had it).
    pub(crate) fn remove(&mut self, folder: Folder) {
        self.folders.remove(&folder);
    }

    /// The items in `folder`, oldest first.
    pub(crate) fn folder(&self, folder: Folder) -> &[Box<StoredItem>] {
        self.folders.get(&folder).map_or(&[], Vec::as_slice)
    }

    /// A copy of the mailbox, for inspection.
    pub(crate) fn snapshot(&self, address: &SmtpAddress) -> Mailbox {
        Mailbox {
            address: address.clone(),
            folders: self
                .folders
                .iter()
                .map(|(f, items)| (*f, items.iter().map(|i| (**i).clone()).collect()))
                .collect(),
        }
    }
}

/// Every mailbox, the outbound queue, the submission queue and the id counter.
#[derive(Debug)]
pub(crate) struct Store {
    pub(crate) hosted: BTreeSet<Domain>,
    pub(crate) on_demand: bool,
    pub(crate) mailboxes: BTreeMap<SmtpAddress, MailboxStore>,
    /// Soft-deleted items (the Recoverable Items folder), per mailbox.
    pub(crate) recoverable: BTreeMap<SmtpAddress, Vec<StoredItem>>,
    pub(crate) outbound: Vec<StoredItem>,
    /// Sent messages waiting in `drafts` for the transport.
    pub(crate) submissions: Submissions,
    /// Drafts deleted before the transport picked them up.
    pub(crate) cancelled: Vec<StoredItem>,
    /// `FindItem` with a restriction times out in folders holding more items.
    pub(crate) scan_limit: Option<usize>,
    /// Where each item id lives, so that finding one costs one folder, not the
    /// whole store (every submission takes its draft by id).
    located: HashMap<String, (SmtpAddress, Folder, u64)>,
    next_id: u64,
}

impl Store {
    pub(crate) fn new(on_demand: bool, submissions: Submissions) -> Self {
        Self {
            hosted: BTreeSet::new(),
            on_demand,
            mailboxes: BTreeMap::new(),
            recoverable: BTreeMap::new(),
            outbound: Vec::new(),
            submissions,
            cancelled: Vec::new(),
            scan_limit: None,
            located: HashMap::new(),
            next_id: 0,
        }
    }

    /// Declares a mailbox (idempotent).
    pub(crate) fn declare(&mut self, address: &SmtpAddress) {
        self.mailboxes
            .entry(address.clone())
            .or_insert_with(MailboxStore::new);
    }

    /// Whether mail to `address` stays inside the organization: it has a mailbox, or
    /// it is in a hosted domain and mailboxes are created on demand.
    pub(crate) fn is_local(&self, address: &SmtpAddress) -> bool {
        self.mailboxes.contains_key(address) || self.hosted.contains(address.domain())
    }

    /// The mailbox of `address`, created now if allowed. `acting` marks the
    /// authenticated (or impersonated) user, whose mailbox is created on demand even
    /// outside the hosted domains.
    pub(crate) fn open(
        &mut self,
        address: &SmtpAddress,
        acting: bool,
    ) -> Option<&mut MailboxStore> {
        if !self.mailboxes.contains_key(address)
            && self.on_demand
            && (acting || self.hosted.contains(address.domain()))
        {
            self.declare(address);
        }
        self.mailboxes.get_mut(address)
    }

    /// A fresh item number, id and change key.
    pub(crate) fn new_id(&mut self) -> (u64, String, String) {
        self.next_id += 1;
        let id = STANDARD.encode(format!("offline-im-testkit-item:{:016x}", self.next_id));
        let change_key = STANDARD.encode(format!("ck:{:016x}:1", self.next_id));
        (self.next_id, id, change_key)
    }

    /// Puts `item` into `folder` of `owner` (whose mailbox must exist) under a fresh
    /// id, which it returns with the change key.
    pub(crate) fn put(
        &mut self,
        owner: &SmtpAddress,
        folder: Folder,
        mut item: StoredItem,
    ) -> (String, String) {
        let (seq, id, change_key) = self.new_id();
        item.seq = seq;
        item.id.clone_from(&id);
        item.change_key.clone_from(&change_key);
        self.place(owner, folder, item);
        (id, change_key)
    }

    /// Puts `item` into `folder` of `owner` (whose mailbox must exist), keeping its id.
    pub(crate) fn place(&mut self, owner: &SmtpAddress, folder: Folder, mut item: StoredItem) {
        item.mailbox = Some(owner.clone());
        item.folder = Some(folder);
        if let Some(mb) = self.mailboxes.get_mut(owner) {
            self.located
                .insert(item.id.clone(), (owner.clone(), folder, item.seq));
            mb.folders.entry(folder).or_default().push(Box::new(item));
        }
    }

    /// Records mail that leaves the organization.
    pub(crate) fn put_outbound(&mut self, mut item: StoredItem) {
        let (seq, id, change_key) = self.new_id();
        item.seq = seq;
        item.id = id;
        item.change_key = change_key;
        item.mailbox = None;
        item.folder = None;
        self.outbound.push(item);
    }

    /// The item with id `id`, wherever it is.
    pub(crate) fn get(&self, id: &str) -> Option<&StoredItem> {
        let (owner, folder, seq) = self.located.get(id)?;
        let items = self.mailboxes.get(owner)?.folder(*folder);
        position(items, id, *seq).map(|pos| &*items[pos])
    }

    /// Sets the item class of item `id` (wherever it is) and gives it a new
    /// change key; returns its id and change key, `None` when there is no such item.
    pub(crate) fn set_item_class(&mut self, id: &str, class: &str) -> Option<(String, String)> {
        let (owner, folder, seq) = self.located.get(id)?.clone();
        let items = self.mailboxes.get_mut(&owner)?.folders.get_mut(&folder)?;
        let pos = position(items, id, seq)?;
        let item = &mut items[pos];
        item.item_class = class.to_owned();
        let version = item
            .change_key
            .rsplit_once(':')
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .unwrap_or(1);
        item.change_key = format!("ck:{:016x}:{}", item.seq, version + 1);
        Some((item.id.clone(), item.change_key.clone()))
    }

    /// The item with id `id`, wherever it is, to change in place.
    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut StoredItem> {
        let (owner, folder, seq) = self.located.get(id)?.clone();
        let items = self.mailboxes.get_mut(&owner)?.folders.get_mut(&folder)?;
        let pos = position(items, id, seq)?;
        Some(&mut items[pos])
    }

    /// Removes the item with id `id` from its folder.
    pub(crate) fn take(&mut self, id: &str) -> Option<StoredItem> {
        let (owner, folder, seq) = self.located.remove(id)?;
        let items = self.mailboxes.get_mut(&owner)?.folders.get_mut(&folder)?;
        let pos = position(items, id, seq)?;
        Some(*items.remove(pos))
    }

    /// Whether `id` looks like an id this server hands out.
    pub(crate) fn is_well_formed_id(id: &str) -> bool {
        STANDARD
            .decode(id)
            .ok()
            .is_some_and(|b| b.starts_with(b"offline-im-testkit-item:"))
    }
}

/// Where item `id` (number `seq`) is in `items`: found by its number where the
/// folder is in creation order (the common case), else by a scan (an item moved
/// with its old id).
fn position(items: &[Box<StoredItem>], id: &str, seq: u64) -> Option<usize> {
    items
        .binary_search_by_key(&seq, |item| item.seq)
        .ok()
        .filter(|&pos| items[pos].id == id)
        .or_else(|| items.iter().position(|item| item.id == id))
}
