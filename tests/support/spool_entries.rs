//! Helpers shared by the spool tests.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use offline_im::compose::{DeliveryId, ImLine, OfflineIm, Participant};
use offline_im::spool::{DirectorySpool, SpoolEntry};
use time::OffsetDateTime;
use time::macros::datetime;

/// The time every test spools at.
pub const T0: OffsetDateTime = datetime!(2026-03-02 09:15 UTC);

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// `T0 + n seconds`.
pub fn at(n: i64) -> OffsetDateTime {
    T0 + time::Duration::seconds(n)
}

pub fn person(user: &str) -> Participant {
    Participant::new(
        format!("sip:{user}@contoso.com").parse().unwrap(),
        format!("{user}@contoso.com").parse().unwrap(),
        user.to_uppercase(),
    )
}

/// A message from `from` to pat.
pub fn message_from(from: &str, text: &str) -> OfflineIm {
    let sender = person(from);
    OfflineIm::builder()
        .sender(sender.clone())
        .recipient(person("pat"))
        .line(ImLine::new(sender.sip().clone(), T0, text))
        .build()
        .unwrap()
}

/// A message from kim to pat with delivery id `id`.
pub fn message_with_id(id: &str) -> OfflineIm {
    let kim = person("kim");
    OfflineIm::builder()
        .delivery_id(id.parse::<DeliveryId>().unwrap())
        .sender(kim.clone())
        .recipient(person("pat"))
        .subject("Budget")
        .line(ImLine::new(
            kim.sip().clone(),
            T0,
            "The contract is signed.",
        ))
        .build()
        .unwrap()
}

/// An entry from kim spooled at T0, eligible at once.
pub fn entry(text: &str) -> SpoolEntry {
    SpoolEntry::new(message_from("kim", text), T0).pickup_delay(Duration::ZERO)
}

pub fn spool(root: &Path, claimant: &str) -> DirectorySpool {
    DirectorySpool::builder(root)
        .claimant(claimant.parse().unwrap())
        .lease(secs(300))
        .open()
        .unwrap()
}

/// The names of the files in `dir`, sorted; empty if it does not exist.
pub fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The spooler directory of kim.
pub fn kim_spooler(spool: &DirectorySpool) -> std::path::PathBuf {
    spool
        .sender_dir(&"sip:kim@contoso.com".parse().unwrap())
        .join("History Spooler")
}
