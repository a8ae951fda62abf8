//! The CI slice of each harness (the long runs are in docs/reliability.md). Each asserts the
//! harness ran every case and counted no failure, and that the outcomes it classified include
//! the ones the harness exists to reach.

use std::process::Command;

fn stress(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_stress"))
        .args(args)
        .output()
        .expect("stress runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    stdout
}

fn result_line(stdout: &str, harness: &str, cases: usize) {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&format!("RESULT {harness}:")))
        .unwrap_or_else(|| panic!("no RESULT line: {stdout}"));
    assert!(
        line.contains(&format!(": {cases} cases, 0 failures")),
        "{stdout}"
    );
}

#[test]
fn crash_50_kills_lose_nothing_acknowledged() {
    let out = stress(&["crash", "--kills", "50", "--seed", "7"]);
    result_line(&out, "crash", 50);
    assert!(out.contains("killed during"), "{out}");
}

#[test]
fn keys_survive_kills_during_passphrase_change_and_creation() {
    let out = stress(&["keys", "--kills", "16", "--seed", "7"]);
    result_line(&out, "keys", 16);
    assert!(out.contains("passwd killed"), "{out}");
    assert!(out.contains("create "), "{out}");
}

#[test]
fn tamper_400_cases_are_all_detected() {
    let out = stress(&["tamper", "--cases", "400", "--seed", "7"]);
    result_line(&out, "tamper", 400);
    assert!(!out.contains("NOT DETECTED"), "{out}");
    for target in ["journal.db", "blob", "unlock/passphrase.age", "packet"] {
        assert!(out.contains(target), "{target} was never damaged: {out}");
    }
}
