//! The conformance suite (tests/support/spool_conformance.rs) against every
//! spool: `DirectorySpool` always, `PgSpool` with feature `postgres` on the
//! server of `OFFLINE_IM_PG_URL` (skipped, saying so, without it).

#[path = "support/spool_entries.rs"]
mod spool_entries;

#[path = "support/spool_conformance.rs"]
mod conformance;

#[cfg(feature = "postgres")]
#[path = "support/postgres.rs"]
mod postgres_server;

use conformance::Store;

struct Directory(tempfile::TempDir);

impl Store for Directory {
    type Spool = offline_im::spool::DirectorySpool;
    async fn open(&self, claimant: &str) -> Self::Spool {
        spool_entries::spool(self.0.path(), claimant)
    }
}

#[cfg(feature = "postgres")]
struct Postgres(String);

#[cfg(feature = "postgres")]
impl Store for Postgres {
    type Spool = offline_im::spool::PgSpool;
    async fn open(&self, claimant: &str) -> Self::Spool {
        postgres_server::drainer(&self.0, claimant, spool_entries::secs(300)).await
    }
}

macro_rules! conformance {
    ($($case:ident),* $(,)?) => {
        mod directory {
            $(
                #[tokio::test(flavor = "current_thread")]
                async fn $case() {
                    let store = super::Directory(tempfile::tempdir().unwrap());
                    super::conformance::$case(store).await;
                }
            )*
        }

        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[tokio::test(flavor = "current_thread")]
                async fn $case() {
                    let Some(url) = super::postgres_server::server_url(stringify!($case)) else {
                        return;
                    };
                    let store = super::Postgres(super::postgres_server::fresh_schema(&url).await);
                    super::conformance::$case(store).await;
                }
            )*
        }
    };
}

conformance!(
    put_claim_complete_removes_the_message,
    a_message_waits_for_the_pickup_delay,
    claims_respect_the_limit_and_take_the_earliest_first,
    a_delivery_id_is_handed_over_once,
    a_transient_failure_keeps_the_message_until_its_next_attempt,
    dead_letters_can_be_listed_inspected_requeued_and_discarded,
    a_claim_taken_over_after_its_lease_cannot_be_ended_by_the_old_holder,
    an_expired_claim_not_taken_over_can_still_be_ended,
    concurrent_drainers_claim_each_message_once,
);
