//! Listing, inspecting, requeueing and discarding dead letters.

use std::path::PathBuf;

use time::OffsetDateTime;

use super::directory::encode;
use super::fsio::{Existing, create_dir, list, remove, write_atomic};
use super::layout::{SenderDirs, entry_file_name, is_temp_file_name, parse_entry_file_name};
use super::quarantine::quarantine;
use super::scan::read_record;
use super::{DeadLetter, DirectorySpool, SpoolEntry, SpoolError};
use crate::compose::DeliveryId;

impl DirectorySpool {
    /// [`Spool::dead_letters`](super::Spool::dead_letters), blocking.
    ///
    /// # Errors
    /// As [`Spool::dead_letters`](super::Spool::dead_letters).
    pub fn blocking_dead_letters(&self) -> Result<Vec<DeadLetter>, SpoolError> {
        let mut letters = Vec::new();
        for dirs in self.sender_dirs()? {
            for item in list(&dirs.dead_letters())? {
                if item.is_dir || is_temp_file_name(&item.name) {
                    continue;
                }
                let Some(id) = parse_entry_file_name(&item.name) else {
                    quarantine(
                        &item.path,
                        &dirs.quarantine(),
                        "the name is not <delivery id>.json",
                    )?;
                    continue;
                };
                if let Some(letter) =
                    read_record::<DeadLetter>(&item.path, id, &dirs, DeadLetter::entry)?
                {
                    letters.push(letter);
                }
            }
        }
        letters.sort_by_key(|l| (l.dead_lettered_at(), l.entry().delivery_id()));
        Ok(letters)
    }

    /// [`Spool::find_dead_letter`](super::Spool::find_dead_letter), blocking.
    ///
    /// # Errors
    /// As [`Spool::find_dead_letter`](super::Spool::find_dead_letter).
    pub fn blocking_find_dead_letter(
        &self,
        id: DeliveryId,
    ) -> Result<Option<DeadLetter>, SpoolError> {
        Ok(self.locate_dead_letter(id)?.map(|(_, _, letter)| letter))
    }

    /// [`Spool::requeue`](super::Spool::requeue), blocking.
    ///
    /// The new waiting file is written before the dead letter is removed, so a
    /// crash in between leaves the message in both places, never in neither; the
    /// pipeline's delivery-id check keeps a second delivery out.
    ///
    /// # Errors
    /// As [`Spool::requeue`](super::Spool::requeue).
    pub fn blocking_requeue(
        &self,
        id: DeliveryId,
        now: OffsetDateTime,
    ) -> Result<SpoolEntry, SpoolError> {
        let Some((dirs, path, letter)) = self.locate_dead_letter(id)? else {
            return Err(SpoolError::NoDeadLetter { id });
        };
        let entry = letter.into_entry().requeued(now);
        let bytes = encode(id, &entry)?;
        create_dir(&dirs.claimed())?;
        match write_atomic(
            &dirs.spooler(),
            &entry_file_name(id),
            &bytes,
            Existing::Keep,
            Some(super::directory::due_hint(&entry)),
        ) {
            // Already waiting (put back by crash recovery): the dead letter is the extra copy.
            Err(SpoolError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::AlreadyExists => {}
            other => other?,
        }
        remove(&path)?;
        tracing::info!(delivery_id = %id, "spool: dead letter requeued");
        Ok(entry)
    }

    /// [`Spool::discard_dead_letter`](super::Spool::discard_dead_letter), blocking.
    ///
    /// # Errors
    /// As [`Spool::discard_dead_letter`](super::Spool::discard_dead_letter).
    pub fn blocking_discard_dead_letter(&self, id: DeliveryId) -> Result<(), SpoolError> {
        for dirs in self.sender_dirs()? {
            if remove(&dirs.dead_letter_file(id))? {
                return Ok(());
            }
        }
        Err(SpoolError::NoDeadLetter { id })
    }

    fn locate_dead_letter(
        &self,
        id: DeliveryId,
    ) -> Result<Option<(SenderDirs, PathBuf, DeadLetter)>, SpoolError> {
        for dirs in self.sender_dirs()? {
            let path = dirs.dead_letter_file(id);
            if let Some(letter) = read_record::<DeadLetter>(&path, id, &dirs, DeadLetter::entry)? {
                return Ok(Some((dirs, path, letter)));
            }
        }
        Ok(None)
    }
}
