//! The oracles in `../shared` (the EWS schema's `validate.py`, Graph's
//! `check_body.py`): found or skipped the same way, run the same way.
//!
//! Each prints `<file>: OK` for a file it accepts. Where the script or python3
//! (with the module the script needs) is missing, as for a crates.io user, the
//! check says it is skipped, unless its `OFFLINE_IM_REQUIRE_*` variable is `1`
//! (set by `.ci/run`), which makes that a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One oracle: its script under `../shared`, what python3 must import, and the
/// variable that makes it mandatory.
pub struct Oracle {
    /// The check's name in messages ("the EWS schema check").
    pub name: &'static str,
    /// The script, relative to the directory beside the project root.
    pub script: &'static str,
    /// A module python3 must import (`"lxml"`), or `None` for the standard library.
    pub needs_module: Option<&'static str>,
    /// `OFFLINE_IM_REQUIRE_...`.
    pub require: &'static str,
}

impl Oracle {
    /// The script's path when it can run; `None` (said) when it cannot and is
    /// not required; a failure when it is required.
    pub fn script(&self) -> Option<PathBuf> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(self.script);
        let probe = match self.needs_module {
            Some(module) => vec!["-c".to_owned(), format!("import {module}")],
            None => vec!["--version".to_owned()],
        };
        let why = if !script.is_file() {
            format!("{} not found", script.display())
        } else {
            match Command::new("python3").args(&probe).output() {
                Ok(out) if out.status.success() => return Some(script),
                Ok(_) => format!(
                    "python3 cannot import {}",
                    self.needs_module.unwrap_or("its standard library")
                ),
                Err(e) => format!("python3 not runnable: {e}"),
            }
        };
        assert!(
            std::env::var(self.require).as_deref() != Ok("1"),
            "{} is required ({}=1) but cannot run: {why}",
            self.name,
            self.require
        );
        println!("skipped: {}: {why}", self.name);
        None
    }
}

/// Runs `script` with `args` on `files`; fails naming every file it did not
/// call OK, with what it printed.
pub fn check_files(script: &Path, args: &[&str], files: &[PathBuf]) {
    assert!(
        !files.is_empty(),
        "nothing to check with {}",
        script.display()
    );
    let out = Command::new("python3")
        .arg(script)
        .args(args)
        .args(files)
        .output()
        .expect("run python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for file in files {
        let ok_line = format!("{}: OK", file.display());
        assert!(
            stdout.lines().any(|l| l == ok_line),
            "{} is not valid ({} {args:?}):\n{stdout}\n{stderr}",
            file.display(),
            script.display()
        );
    }
    assert!(
        out.status.success(),
        "{} failed:\n{stdout}\n{stderr}",
        script.display()
    );
}
