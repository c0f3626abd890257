//! How much is in a spool: a snapshot for monitoring and for deciding when a
//! drain is done.

use time::OffsetDateTime;

/// Counts of a spool's messages at one moment, from
/// [`Spool::overview`](super::Spool::overview).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpoolOverview {
    /// Messages waiting (due now or later), not claimed.
    pub waiting: usize,
    /// Messages claimed by a drainer (this one or another, live or not yet
    /// taken over). A batch file claimed by another drainer counts all its
    /// messages until that drainer removes it (which ones it settled is kept
    /// in its memory only).
    pub claimed: usize,
    /// Dead letters.
    pub dead: usize,
    /// When the message due first was spooled, if any is waiting: the
    /// longest-waiting one, unless a message spooled earlier was put back for a
    /// later retry (the spool reads one file per sender for this, not all).
    pub oldest_waiting: Option<OffsetDateTime>,
    /// When the next waiting message falls due (it may be in the past), if any
    /// is waiting.
    pub next_due: Option<OffsetDateTime>,
}

impl SpoolOverview {
    /// Whether nothing is left to deliver: no message waiting or claimed (dead
    /// letters may remain).
    #[must_use]
    pub fn only_dead_letters_left(&self) -> bool {
        self.waiting == 0 && self.claimed == 0
    }
}
