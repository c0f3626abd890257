//! Crash-safe file primitives: atomic writes, moves, directory syncs.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::SpoolError;
use super::layout::temp_file_name;

/// What [`write_atomic`] does when the final file exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Existing {
    /// Replace it (one atomic rename).
    Replace,
    /// Keep it and fail with [`io::ErrorKind::AlreadyExists`] (a hard link, which
    /// never replaces, then the temporary name is removed).
    Keep,
}

/// Writes `bytes` to `dir/name` so that the file is either absent or complete,
/// whenever the process dies: a temporary file in `dir`, fsync, rename (or hard
/// link), fsync of `dir`.
///
/// `due` sets the file's modification time: for a waiting message, the time it
/// is due (a hint that lets a scan skip messages not due without reading them).
pub(crate) fn write_atomic(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    existing: Existing,
    due: Option<SystemTime>,
) -> Result<(), SpoolError> {
    if existing == Existing::Keep {
        link_new_synced(dir, name, bytes, due)?;
        return sync_dir(dir);
    }
    let tmp = dir.join(temp_file_name(name));
    let target = dir.join(name);
    let result = write_temp(&tmp, bytes, due)
        .and_then(|()| fs::rename(&tmp, &target).map_err(|e| ("rename into place", e)));
    if let Err((op, source)) = result {
        let _ = fs::remove_file(&tmp);
        return Err(SpoolError::io(op, tmp, source));
    }
    sync_dir(dir)
}

/// Writes `bytes` to `dir/name` as [`write_atomic`] with [`Existing::Keep`]
/// does (temporary file synced through the handle that wrote it, then linked
/// into place), but leaves the directory sync to the caller, who may sync
/// once for many files. An existing `dir/name` gives an
/// [`SpoolError::Io`] of kind [`io::ErrorKind::AlreadyExists`] naming it.
pub(crate) fn link_new_synced(
    dir: &Path,
    name: &str,
    bytes: &[u8],
    due: Option<SystemTime>,
) -> Result<(), SpoolError> {
    let tmp = dir.join(temp_file_name(name));
    let target = dir.join(name);
    let written = write_temp(&tmp, bytes, due)
        .and_then(|()| fs::hard_link(&tmp, &target).map_err(|e| ("link into place", e)));
    let _ = fs::remove_file(&tmp);
    written.map_err(|(op, source)| {
        let path = if source.kind() == io::ErrorKind::AlreadyExists {
            target
        } else {
            tmp
        };
        SpoolError::io(op, path, source)
    })
}

/// Sets `path`'s modification time (a due-time hint: a failure is only logged).
pub(crate) fn set_modified(path: &Path, at: SystemTime) {
    if let Err(error) = File::options()
        .append(true)
        .open(path)
        .and_then(|f| f.set_modified(at))
    {
        tracing::debug!(file = %path.display(), %error, "spool: could not set a due time");
    }
}

fn write_temp(
    tmp: &Path,
    bytes: &[u8],
    due: Option<SystemTime>,
) -> Result<(), (&'static str, io::Error)> {
    let file = write_unsynced(tmp, bytes, due).map_err(|e| ("write", e))?;
    file.sync_all().map_err(|e| ("sync", e))
}

/// Creates `tmp` with `bytes` (not synced), its modification time set to `due`.
pub(crate) fn write_unsynced(
    tmp: &Path,
    bytes: &[u8],
    due: Option<SystemTime>,
) -> io::Result<File> {
    let mut file = File::create_new(tmp)?;
    file.write_all(bytes)?;
    if let Some(due) = due {
        file.set_modified(due)?;
    }
    Ok(file)
}

/// When a file's inode last changed: the time a temporary file was last written
/// (its modification time may have been set to a due time).
pub(crate) fn changed_at(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let secs = u64::try_from(meta.ctime()).ok()?;
        let nanos = u32::try_from(meta.ctime_nsec()).ok()?;
        Some(SystemTime::UNIX_EPOCH + std::time::Duration::new(secs, nanos))
    }
    #[cfg(not(unix))]
    {
        meta.modified().ok()
    }
}

/// Moves `from` to `to` (replacing `to`) and makes both directories durable.
///
/// `Ok(false)` when `from` does not exist (someone else moved it first).
pub(crate) fn move_file(from: &Path, to: &Path) -> Result<bool, SpoolError> {
    match fs::rename(from, to) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(SpoolError::io("move", from, e)),
    }
    sync_parent(to)?;
    if from.parent() != to.parent() {
        sync_parent(from)?;
    }
    Ok(true)
}

/// Removes `path` and makes its directory durable. `Ok(false)` when it was not there.
pub(crate) fn remove(path: &Path) -> Result<bool, SpoolError> {
    match fs::remove_file(path) {
        Ok(()) => sync_parent(path).map(|()| true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(SpoolError::io("remove", path, e)),
    }
}

/// Reads a file; `Ok(None)` when it is not there (any more).
pub(crate) fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, SpoolError> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(SpoolError::io("read", path, e)),
    }
}

/// Creates `dir` and its parents.
pub(crate) fn create_dir(dir: &Path) -> Result<(), SpoolError> {
    fs::create_dir_all(dir).map_err(|e| SpoolError::io("create directory", dir, e))
}

/// One entry of a directory listing.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    /// The entry's real path (names that are not UTF-8 included).
    pub(crate) path: PathBuf,
    /// The entry's name; names that are not UTF-8 (never the spool's own) lossily.
    pub(crate) name: String,
    /// Whether it is a directory (symbolic links are not followed).
    pub(crate) is_dir: bool,
}

/// The entries of `dir`, sorted by name; empty when `dir` does not exist.
pub(crate) fn list(dir: &Path) -> Result<Vec<Listed>, SpoolError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(SpoolError::io("list", dir, e)),
    };
    let mut listed = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| SpoolError::io("list", dir, e))?;
        let is_dir = match entry.file_type() {
            Ok(t) => t.is_dir(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(SpoolError::io("inspect", entry.path(), e)),
        };
        listed.push(Listed {
            path: entry.path(),
            name: entry.file_name().to_string_lossy().into_owned(),
            is_dir,
        });
    }
    listed.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(listed)
}

fn sync_parent(path: &Path) -> Result<(), SpoolError> {
    match path.parent() {
        Some(dir) => sync_dir(dir),
        None => Ok(()),
    }
}

/// How many threads [`sync_many`] uses at most: a journaling file system
/// commits syncs that arrive together in one journal commit.
pub(crate) const SYNC_THREADS: usize = 128;

/// How many threads other batched file operations use at most: a loaded file
/// system takes a millisecond or more for each, and operations in different
/// directories do not wait for one another.
pub(crate) const FILE_THREADS: usize = 16;

/// `f` of every item, on up to `threads` threads; the results in order. An item
/// whose thread panicked gets `on_panic`'s result.
pub(crate) fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
    on_panic: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if items.len() <= 1 || threads <= 1 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .zip(items.chunks(chunk))
            .flat_map(|(handle, part)| {
                handle
                    .join()
                    .unwrap_or_else(|_| part.iter().map(&on_panic).collect())
            })
            .collect()
    })
}

/// Syncs every file or directory of `paths`, several at once; one result per
/// path, in order, each an [`SpoolError::Io`] with `op` when it failed.
pub(crate) fn sync_many(paths: &[&Path], op: &'static str) -> Vec<Result<(), SpoolError>> {
    in_parallel(
        paths,
        SYNC_THREADS,
        |path| {
            if cfg!(not(unix)) && path.is_dir() {
                return Ok(()); // see `sync_dir`
            }
            File::open(path)
                .and_then(|f| f.sync_all())
                .map_err(|e| SpoolError::io(op, path, e))
        },
        |path| {
            Err(SpoolError::io(
                op,
                path,
                io::Error::other("the syncing thread panicked"),
            ))
        },
    )
}

/// Makes the entries of `dir` (creations, renames, removals) durable.
#[cfg(unix)]
pub(crate) fn sync_dir(dir: &Path) -> Result<(), SpoolError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| SpoolError::io("sync directory", dir, e))
}

/// Directories cannot be opened for syncing here; renames are made durable by
/// the file system itself.
#[cfg(not(unix))]
pub(crate) fn sync_dir(_dir: &Path) -> Result<(), SpoolError> {
    Ok(())
}
