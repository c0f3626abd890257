//! The examples' command lines: `--help` lists every flag and sends nothing; an
//! unknown flag or a flag without its value is an error that names it.
//!
//! The tests run the example binaries themselves. Cargo builds examples for
//! `cargo test` but not for `cargo test --test examples_cli`, so the first test
//! to need them builds them (a no-op when they are up to date) with this test's
//! profile, target directory and features, which reuses the library already
//! built for this test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// Variables the examples read; cleared so that no test reaches a real server.
const EXAMPLE_ENV: [&str; 8] = [
    "EWS_URL",
    "EWS_USERNAME",
    "EWS_PASSWORD",
    "EWS_TOKEN",
    "EWS_FROM",
    "EWS_TO",
    "OFFLINE_IM_SETTINGS",
    "EWS_AUTODISCOVER_ALLOW",
];

/// `target/<profile>`, the directory this test binary's `deps` directory is in.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps")
        .to_owned()
}

/// The features this test was built with, for building the examples the same way.
fn features() -> String {
    [
        ("http", cfg!(feature = "http")),
        ("native-tls", cfg!(feature = "native-tls")),
        ("ntlm", cfg!(feature = "ntlm")),
        ("testkit", cfg!(feature = "testkit")),
        ("postgres", cfg!(feature = "postgres")),
    ]
    .iter()
    .filter(|(_, on)| *on)
    .map(|(name, _)| *name)
    .collect::<Vec<_>>()
    .join(",")
}

/// Builds both examples once per test run.
fn build_examples() -> &'static Result<(), String> {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = profile_dir();
        let profile = match dir.file_name().and_then(|n| n.to_str()) {
            Some("debug") => "dev".to_owned(),
            Some(other) => other.to_owned(),
            None => return Err(format!("no profile in {}", dir.display())),
        };
        let target_dir = dir.parent().ok_or("no target directory")?;
        let output = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--example", "bulk_send"])
            .args(["--example", "send_offline_im", "--no-default-features"])
            .args(["--features", &features(), "--profile", &profile])
            .arg("--target-dir")
            .arg(target_dir)
            .arg("--manifest-path")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    })
}

/// Runs example `name` with `args` and none of the examples' variables set.
fn run(name: &str, args: &[&str]) -> Output {
    run_with(name, args, &[])
}

fn run_with(name: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    if let Err(error) = build_examples() {
        panic!("building the examples failed:\n{error}");
    }
    let mut command = Command::new(profile_dir().join("examples").join(name));
    for var in EXAMPLE_ENV {
        command.env_remove(var);
    }
    command
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("the example runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `--help` exits 0, lists each flag with its default, and sends nothing.
fn help_lists(name: &str, flags: &[&str], mentions: &[&str], not_sent: &[&str]) {
    let output = run(name, &["--help"]);
    // A leading newline, so that a sign at the start of a line matches at the start.
    let (stdout, stderr) = (format!("\n{}", text(&output.stdout)), text(&output.stderr));
    assert!(output.status.success(), "{name} --help: {stderr}");
    for wanted in flags.iter().chain(mentions) {
        assert!(
            stdout.contains(wanted),
            "{name} --help does not mention {wanted}:\n{stdout}"
        );
    }
    for sign in not_sent {
        assert!(
            !stdout.contains(sign) && !stderr.contains(sign),
            "{name} --help sent something ({sign}):\n{stdout}{stderr}"
        );
    }
}

/// `args` exit non-zero, send nothing, and the message contains `named`.
fn refused(name: &str, args: &[&str], named: &[&str]) {
    let output = run(name, args);
    let stderr = text(&output.stderr);
    assert!(
        !output.status.success(),
        "{name} {args:?} was accepted:\n{}",
        text(&output.stdout)
    );
    assert!(
        output.stdout.is_empty(),
        "{name} {args:?} printed (sent?):\n{}",
        text(&output.stdout)
    );
    for part in named {
        assert!(
            stderr.contains(part),
            "{name} {args:?}: {part:?} missing from:\n{stderr}"
        );
    }
}

const BULK_FLAGS: [&str; 22] = [
    "--url",
    "--user",
    "--password",
    "--token",
    "--from",
    "--to-domain",
    "--count",
    "--batch",
    "--concurrency",
    "--timeout",
    "--allow-http",
    "--settings",
    "--latency-ms",
    "--faults",
    "--spool",
    "--drain",
    "--spool-url",
    "--drain-url",
    "--serve",
    "--lease",
    "--pickup-delay",
    "--graph",
];

#[test]
fn bulk_send_help_lists_every_flag_and_default_and_sends_nothing() {
    help_lists(
        "bulk_send",
        &BULK_FLAGS,
        &[
            "EWS_URL",
            "EWS_USERNAME",
            "EWS_PASSWORD",
            "EWS_TOKEN",
            "[default: 1000]",
            "[default: kim@contoso.com]",
            "[default: 120]",
            "[default: 600]",
        ],
        // What a run prints before it sends, and after.
        &[
            "sending to the embedded EWS server at",
            "\ndelivered=",
            "spooled=",
        ],
    );
}

#[test]
fn bulk_send_refuses_unknown_flags_and_missing_values() {
    // `--cuont 5` once sent 1,000 messages.
    refused("bulk_send", &["--cuont", "5"], &["--cuont", "--count"]);
    // `--count` without a value once fell back to the default.
    refused("bulk_send", &["--count"], &["--count", "value"]);
    refused("bulk_send", &["--count", "many"], &["--count", "many"]);
    refused("bulk_send", &["--drain", "a", "--spool", "b"], &["--spool"]);
    // `--serve` without `--drain` has nothing to serve.
    refused("bulk_send", &["--serve"], &["--drain"]);
    refused(
        "bulk_send",
        &["--drain", "a", "--lease", "soon"],
        &["--lease", "soon"],
    );
}

#[test]
fn send_offline_im_help_lists_every_flag_and_sends_nothing() {
    help_lists(
        "send_offline_im",
        &[
            "--url",
            "--user",
            "--password",
            "--token",
            "--from",
            "--to",
            "--settings",
            "--allow",
            "--graph",
        ],
        &[
            "EWS_URL",
            "EWS_FROM",
            "EWS_TO",
            "OFFLINE_IM_SETTINGS",
            "EWS_AUTODISCOVER_ALLOW",
        ],
        &["(embedded test server):", "DELIVERED", "What landed where:"],
    );
}

#[test]
fn send_offline_im_refuses_unknown_flags_and_missing_values() {
    refused(
        "send_offline_im",
        &["--frm", "kim@contoso.com"],
        &["--frm", "--from"],
    );
    refused("send_offline_im", &["--to"], &["--to", "value"]);
}

#[test]
fn help_never_shows_a_password_or_token_from_the_environment() {
    for name in ["bulk_send", "send_offline_im"] {
        let output = run_with(
            name,
            &["--help"],
            &[
                ("EWS_PASSWORD", "hunter2-pw"),
                ("EWS_TOKEN", "tok-secret-9"),
            ],
        );
        let all = text(&output.stdout) + &text(&output.stderr);
        assert!(output.status.success(), "{name}: {all}");
        assert!(
            !all.contains("hunter2-pw") && !all.contains("tok-secret-9"),
            "{name} --help shows a secret:\n{all}"
        );
    }
}
