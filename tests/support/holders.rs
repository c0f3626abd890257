//! Who holds a claim, for the tests of taking claims over: this host's name,
//! and whether `/proc` can tell gone processes from live ones.
#![allow(dead_code)]

use offline_im::spool::ClaimantId;

/// This host's name as claimant ids carry it.
pub fn this_host() -> String {
    ClaimantId::generate()
        .holder()
        .expect("this host has a name")
        .host()
        .to_owned()
}

/// Whether `/proc` is there to tell gone processes from live ones. Without it
/// the tests that need it say they are skipped, unless
/// `OFFLINE_IM_REQUIRE_PROC` is set (as CI sets it), when that is a failure.
pub fn has_proc() -> bool {
    let there = std::path::Path::new("/proc/self/stat").exists();
    if !there && std::env::var_os("OFFLINE_IM_REQUIRE_PROC").is_some() {
        panic!("OFFLINE_IM_REQUIRE_PROC is set but /proc is not mounted");
    }
    there
}
