//! A bench step run in a fresh child process (peak memory is per process): this bench binary
//! again, told the step on its command line or in an environment variable, given the journal's
//! recovery key in `DAYBOOK_BENCH_RECOVERY` (unlocking with it runs no KDF), and printing its
//! result on a line `child ...` that the parent reads back. Included with
//! `#[path = "common/child.rs"] mod child;` by the benches that use it: benches/perf.rs (its
//! own `--child` arguments and `key=value` result, through [`run`] and [`recovery_key`]) and
//! benches/phone_import.rs and benches/phone_sources.rs (the step and its result as JSON,
//! through [`run_json`] and [`serve_json`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use daybook::RecoveryKey;
use serde::de::DeserializeOwned;
use serde::Serialize;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Where the child finds the journal's recovery key.
const RECOVERY_ENV: &str = "DAYBOOK_BENCH_RECOVERY";

/// Runs `command` (this binary again, with the step) with the recovery key in the
/// environment; returns what the child printed after `child ` on the first line that starts
/// so.
pub fn run(command: &mut Command, recovery: &RecoveryKey) -> Res<String> {
    let out = command.env(RECOVERY_ENV, recovery.expose()).output()?;
    if !out.status.success() {
        return Err(format!("child failed: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let text = String::from_utf8(out.stdout)?;
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("child "))
        .ok_or("the child printed nothing")?;
    Ok(line.to_string())
}

/// In the child: the recovery key the parent passed.
pub fn recovery_key() -> Res<RecoveryKey> {
    Ok(RecoveryKey::parse(&std::env::var(RECOVERY_ENV)?)?)
}

/// Runs `step` on the journal at `root` in this binary again, the pair as JSON in the
/// environment variable `env` (the bench's `main` hands it to [`serve_json`]); returns the
/// child's result.
pub fn run_json<S: Serialize, R: DeserializeOwned>(
    env: &str,
    root: &Path,
    step: &S,
    recovery: &RecoveryKey,
) -> Res<R> {
    let mut command = Command::new(std::env::current_exe()?);
    command.env(env, serde_json::to_string(&(root, step))?);
    Ok(serde_json::from_str(&run(&mut command, recovery)?)?)
}

/// In the child: reads the journal's folder and the step from `json` (as [`run_json`] wrote
/// them) and the recovery key, runs the step and prints its result for the parent.
pub fn serve_json<S: DeserializeOwned, R: Serialize>(
    json: &str,
    step: impl FnOnce(&Path, &RecoveryKey, &S) -> Res<R>,
) -> Res<()> {
    let (root, s): (PathBuf, S) = serde_json::from_str(json)?;
    let recovery = recovery_key()?;
    let result = step(&root, &recovery, &s)?;
    println!("child {}", serde_json::to_string(&result)?);
    Ok(())
}
