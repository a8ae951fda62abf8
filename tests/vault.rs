//! Creating, unlocking, recovering and re-keying a journal, with real SQLCipher and age files.

mod util;

use util::{contains, incident, TestDir, PASSPHRASE};

/// The text header of an age file (the payload after it is binary).
fn age_header(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    text.split("\n---").next().unwrap().to_string()
}

#[test]
fn init_creates_the_documented_layout_and_prints_a_recovery_key_once() {
    let t = TestDir::new();
    let key = t.init();
    assert!(
        key.starts_with("AGE-SECRET-KEY-1") && key.len() > 60,
        "{key}"
    );
    for file in ["journal.db", "unlock/passphrase.age", "unlock/recovery.age"] {
        assert!(t.journal.join(file).is_file(), "{file} missing");
    }
    assert!(t.journal.join("blobs").is_dir());
    // The recovery key is stored nowhere in the journal.
    for (path, bytes) in t.journal_files() {
        assert!(
            !contains(&bytes, key.as_bytes()),
            "recovery key found in {}",
            path.display()
        );
    }
    // Both key files are age files.
    for file in ["unlock/passphrase.age", "unlock/recovery.age"] {
        let bytes = std::fs::read(t.journal.join(file)).unwrap();
        assert!(
            bytes.starts_with(b"age-encryption.org/v1\n"),
            "{file} is not an age file"
        );
    }
    let passphrase_file = age_header(&t.journal.join("unlock/passphrase.age"));
    assert!(
        passphrase_file.contains("-> scrypt "),
        "passphrase file uses scrypt"
    );
    let work_factor: u32 = passphrase_file
        .lines()
        .find(|l| l.starts_with("-> scrypt "))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        work_factor >= 17,
        "scrypt work factor 2^{work_factor} is below 2^17"
    );
    // A second init must not clobber the journal.
    let err = t.fails(&["init"], "");
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn kdf_cost_is_never_below_the_floor_even_when_asked() {
    let t = TestDir::new();
    t.cmd()
        .env("DAYBOOK_SCRYPT_LOG_N", "10")
        .arg("init")
        .assert()
        .success();
    let text = age_header(&t.journal.join("unlock/passphrase.age"));
    assert!(
        text.contains("-> scrypt ")
            && text
                .lines()
                .any(|l| l.starts_with("-> scrypt ") && l.ends_with(" 17")),
        "{text}"
    );
}

#[test]
fn wrong_passphrase_fails_cleanly_and_changes_nothing() {
    let t = TestDir::new();
    t.init();
    t.add_incident(&incident("2026-03-04T21:15", "Texted me at night"));
    let before = t.journal_files();
    let out = t
        .cmd()
        .env("DAYBOOK_PASSPHRASE", "not the passphrase")
        .args(["list"])
        .assert()
        .failure();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr.trim(),
        "daybook: That passphrase does not open this journal."
    );
    assert!(out.get_output().stdout.is_empty());
    let after = t.journal_files();
    assert_eq!(before, after, "a failed unlock changed files");
    t.cmd()
        .env("DAYBOOK_PASSPHRASE", "nope nope nope")
        .arg("unlock-check")
        .assert()
        .failure();
    t.cmd().arg("unlock-check").assert().success();
}

#[test]
fn unlock_prints_no_sqlcipher_noise() {
    let t = TestDir::new();
    t.init();
    let out = t.cmd().arg("list").assert().success();
    assert!(
        out.get_output().stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.get_output().stderr)
    );
}

#[test]
fn recovery_key_unlocks_after_passphrase_change_and_old_passphrase_stops_working() {
    let t = TestDir::new();
    let recovery = t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "Came to my door"));
    let recovery_before = std::fs::read(t.journal.join("unlock/recovery.age")).unwrap();
    t.cmd()
        .env("DAYBOOK_NEW_PASSPHRASE", "a brand new passphrase")
        .arg("passwd")
        .assert()
        .success();
    // Only passphrase.age is rewritten.
    assert_eq!(
        recovery_before,
        std::fs::read(t.journal.join("unlock/recovery.age")).unwrap()
    );
    let err = t.fails(&["list"], "");
    assert!(err.contains("does not open"), "{err}");
    t.cmd()
        .env("DAYBOOK_PASSPHRASE", "a brand new passphrase")
        .arg("unlock-check")
        .assert()
        .success();
    let listed = t
        .cmd()
        .env_remove("DAYBOOK_PASSPHRASE")
        .env("DAYBOOK_RECOVERY_KEY", &recovery)
        .args(["--recovery", "list", "--json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(listed).unwrap().contains(&id));
    // Recovering is how a forgotten passphrase is reset.
    t.cmd()
        .env("DAYBOOK_RECOVERY_KEY", &recovery)
        .env("DAYBOOK_NEW_PASSPHRASE", "reset after forgetting")
        .args(["--recovery", "passwd"])
        .assert()
        .success();
    t.cmd()
        .env("DAYBOOK_PASSPHRASE", "reset after forgetting")
        .arg("unlock-check")
        .assert()
        .success();
}

#[test]
fn wrong_or_malformed_recovery_keys_are_refused() {
    let t = TestDir::new();
    t.init();
    let other = TestDir::new();
    let other_key = other.init();
    let err = t
        .cmd()
        .env("DAYBOOK_RECOVERY_KEY", &other_key)
        .args(["--recovery", "unlock-check"])
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&err.get_output().stderr).to_string();
    assert!(stderr.contains("recovery key does not open"), "{stderr}");
    let err = t
        .cmd()
        .env("DAYBOOK_RECOVERY_KEY", "hello")
        .args(["--recovery", "unlock-check"])
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&err.get_output().stderr).to_string();
    assert!(stderr.contains("starts with AGE-SECRET-KEY-1"), "{stderr}");
}

#[test]
fn short_passphrases_are_refused_at_creation() {
    let t = TestDir::new();
    let out = t
        .cmd()
        .env("DAYBOOK_PASSPHRASE", "short")
        .arg("init")
        .assert()
        .failure();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("at least 8 characters"), "{stderr}");
    assert!(!t.journal.join("unlock/passphrase.age").exists());
}

#[test]
fn no_journal_gives_a_clear_error() {
    let t = TestDir::new();
    let err = t.fails(&["list"], "");
    assert!(
        err.contains("There is no journal in") && err.contains("daybook init"),
        "{err}"
    );
}

#[test]
fn the_raw_files_hold_none_of_the_entered_text_or_attachment_bytes() {
    let t = TestDir::new();
    t.init();
    let secret_words = "Zyxwvut the respondent parked outside 1418 Linden Street";
    let spanish = "Él dijo: «te voy a encontrar», ¿me oyes?";
    let id = t.add_incident(&serde_json::json!({
        "occurred_at": "2026-05-02T10:00", "timezone": "America/Chicago",
        "description": secret_words, "quotes": [spanish],
        "location": "Quuxville Mall parking lot",
        "witnesses": [{"name": "Bartholomew Witnessname", "contact": "555-0101"}],
        "police": {"agency": "Springfield PD", "report_number": "RPT-99887766"}
    }));
    let photo: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let photo_path = t.path("evidence.bin");
    std::fs::write(&photo_path, &photo).unwrap();
    t.ok(
        &[
            "attach",
            &id,
            photo_path.to_str().unwrap(),
            "--caption",
            "Captionwordxyz",
        ],
        "",
    );
    let needles: Vec<&[u8]> = vec![
        b"Zyxwvut",
        "te voy a encontrar".as_bytes(),
        b"Quuxville",
        b"Bartholomew",
        b"RPT-99887766",
        b"Captionwordxyz",
        b"evidence.bin",
        b"America/Chicago",
        &photo[100_000..100_032],
        &photo[..32],
    ];
    let files = t.journal_files();
    assert!(files.len() >= 4, "expected db, two key files and a blob");
    for (path, bytes) in &files {
        for needle in &needles {
            assert!(
                !contains(bytes, needle),
                "{} contains {:?}",
                path.display(),
                String::from_utf8_lossy(needle)
            );
        }
    }
    // SQLCipher: no SQLite header in the clear.
    let db = std::fs::read(t.journal.join("journal.db")).unwrap();
    assert!(
        !db.starts_with(b"SQLite format 3"),
        "journal.db is not encrypted"
    );
}

#[test]
fn a_second_process_is_told_the_journal_is_open_elsewhere() {
    use daybook::{Journal, Unlock};
    // Two daybook.exe processes under Wine do exclude each other (see
    // a_second_command_during_a_long_import_is_refused_and_the_import_completes).
    if util::unix_only(
        "the journal is held open by this Linux test process, whose flock(2) lock \
         Wine's LockFileEx does not see",
    ) {
        return;
    }
    let t = TestDir::new();
    t.init();
    let passphrase = age::secrecy::SecretString::from(PASSPHRASE.to_string());
    let (journal, _) = Journal::open(&t.journal, Unlock::Passphrase(&passphrase)).unwrap();
    let err = t.fails(&["list"], "");
    assert!(err.contains("open in another Daybook window"), "{err}");
    journal.lock();
    t.ok(&["list"], "");
}

#[test]
fn a_missing_passphrase_file_never_leads_to_data_loss() {
    // A partial backup or sync that lost unlock/passphrase.age: the journal must still be
    // recognised, init must refuse, and the recovery key must bring everything back.
    let t = TestDir::new();
    let recovery = t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "Evidence that must survive"));
    let photo = t.path("p.png");
    std::fs::write(&photo, daybook::demo::sample_png(9)).unwrap();
    t.ok(&["attach", &id, photo.to_str().unwrap()], "");
    std::fs::remove_file(t.journal.join("unlock/passphrase.age")).unwrap();
    let before = t.journal_files();

    let err = t.fails(&["list"], "");
    assert!(
        err.contains("unlock/passphrase.age is missing")
            && err.contains("daybook --recovery passwd"),
        "{err}"
    );
    let err = t.fails(&["init"], "");
    assert!(
        err.contains("already exists") && err.contains("Nothing was changed"),
        "{err}"
    );
    let err = t.fails(&["demo"], "");
    assert!(err.contains("already holds a journal"), "{err}");
    assert_eq!(before, t.journal_files(), "nothing was touched");

    t.cmd()
        .env("DAYBOOK_RECOVERY_KEY", &recovery)
        .env("DAYBOOK_NEW_PASSPHRASE", "a new passphrase after the loss")
        .args(["--recovery", "passwd"])
        .assert()
        .success();
    let verify = t
        .cmd()
        .env("DAYBOOK_PASSPHRASE", "a new passphrase after the loss")
        .arg("verify")
        .assert()
        .success();
    assert!(
        String::from_utf8_lossy(&verify.get_output().stdout).contains("1 incidents, 1 attachments")
    );
}

#[test]
fn unknown_blobs_are_reported_and_never_deleted() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "x"));
    let photo = t.path("p.png");
    std::fs::write(&photo, daybook::demo::sample_png(9)).unwrap();
    let line = t.ok(&["attach", &id, photo.to_str().unwrap()], "");
    let attachment = line.split(' ').next().unwrap();
    // A blob from another copy of the journal (or a database restored from an older backup).
    let stray = t.journal.join("blobs").join("0b5c-stray.age");
    std::fs::copy(
        t.journal.join("blobs").join(format!("{attachment}.age")),
        &stray,
    )
    .unwrap();
    let out = t.cmd().arg("list").assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("1 file(s) in the journal's blobs folder belong to no saved attachment"),
        "{stderr}"
    );
    assert!(stray.exists(), "the unknown blob was left alone");
}

#[test]
fn passphrase_length_counts_no_surrounding_spaces() {
    let t = TestDir::new();
    for bad in ["abc", "        ", "  ab c  "] {
        let out = t
            .cmd()
            .env("DAYBOOK_PASSPHRASE", bad)
            .arg("init")
            .assert()
            .failure();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains("too short"), "{bad:?}: {stderr}");
    }
}

#[test]
fn a_key_temp_file_left_by_a_killed_passphrase_change_is_removed_at_unlock() {
    // What SIGKILL between the write and the rename of passphrase.age leaves (found by
    // `stress keys`): the data key wrapped to a passphrase the user never finished setting.
    let t = TestDir::new();
    t.init();
    let unlock = t.journal.join("unlock");
    let leftover = unlock.join(".tmp-Qu6uk8");
    std::fs::copy(unlock.join("passphrase.age"), &leftover).unwrap();
    let before = std::fs::read(unlock.join("passphrase.age")).unwrap();
    t.ok(&["unlock-check"], "");
    assert!(
        !leftover.exists(),
        "the leftover key temp file is still there"
    );
    let mut names: Vec<String> = std::fs::read_dir(&unlock)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["passphrase.age", "recovery.age"]);
    assert_eq!(
        before,
        std::fs::read(unlock.join("passphrase.age")).unwrap()
    );
}

#[test]
fn an_interrupted_init_is_refused_clearly_and_init_starts_over() {
    // What SIGKILL between recovery.age and passphrase.age leaves during `init` (found by
    // `stress keys`): before, unlocking pointed to a recovery key that was never shown, and
    // `init` refused to touch the folder, so the user was stuck.
    let t = TestDir::new();
    t.init();
    std::fs::remove_file(t.journal.join("unlock/passphrase.age")).unwrap();
    std::fs::write(t.journal.join("unlock/creating"), b"").unwrap();
    std::fs::write(t.journal.join("unlock/.tmp-AbC123"), b"partial").unwrap();
    let err = t.fails(&["list"], "");
    assert!(
        err.contains("was interrupted before it was finished") && err.contains("daybook init"),
        "{err}"
    );
    let recovery = t.init();
    let mut names: Vec<String> = std::fs::read_dir(t.journal.join("unlock"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["passphrase.age", "recovery.age"]);
    t.add_incident(&incident("2026-03-04T21:15", "The first real entry"));
    t.cmd()
        .env("DAYBOOK_RECOVERY_KEY", &recovery)
        .args(["--recovery", "verify"])
        .assert()
        .success();
    // A finished journal is never started over.
    let err = t.fails(&["init"], "");
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn an_unfinished_marker_next_to_saved_attachments_never_deletes_them() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "x"));
    let photo = t.path("p.png");
    std::fs::write(&photo, daybook::demo::sample_png(9)).unwrap();
    t.ok(&["attach", &id, photo.to_str().unwrap()], "");
    std::fs::write(t.journal.join("unlock/creating"), b"").unwrap();
    let before = t.journal_files();
    let err = t.fails(&["init"], "");
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(before, t.journal_files(), "nothing was removed");
}

#[test]
fn a_second_command_during_a_long_import_is_refused_and_the_import_completes() {
    use std::io::Write;
    use std::time::{Duration, Instant};
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "A long video"));
    let big = t.path("video.mp4");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        let block: Vec<u8> = (0..1024 * 1024u32)
            .map(|i| (i * 13 + i / 5) as u8)
            .collect();
        for _ in 0..400 {
            f.write_all(&block).unwrap();
        }
    }
    let mut child = util::cli()
        .env("DAYBOOK_JOURNAL", &t.journal)
        .env("DAYBOOK_PASSPHRASE", PASSPHRASE)
        .args(["attach", &id, big.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let blobs = t.journal.join("blobs");
    let started = Instant::now();
    let importing = loop {
        let partial = std::fs::read_dir(&blobs)
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().starts_with(".tmp-"));
        if partial || started.elapsed() > Duration::from_secs(60) {
            break partial;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    assert!(importing, "the import never started");
    // Another command is turned away while the import runs, not queued behind it.
    let err = t.fails(
        &["incident", "add", "--json", "-"],
        &incident("2026-03-04T22:00", "typed during the import").to_string(),
    );
    assert!(err.contains("open in another Daybook window"), "{err}");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the refusal came while the import was still running"
    );
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let verify = t.ok(&["verify"], "");
    assert!(
        verify.starts_with("OK: 2 revisions, 1 incidents, 1 attachments (419430400 bytes)"),
        "{verify}"
    );
}

/// Set in a child run of this test binary: the folder of journal copies its threads open.
const FIRST_OPENINGS_DIR: &str = "DAYBOOK_TEST_FIRST_OPENINGS";
const FIRST_OPENINGS_KEY: &str = "DAYBOOK_TEST_FIRST_OPENINGS_KEY";
const FIRST_OPENINGS_THREADS: usize = 8;

/// SQLite counts itself started before SQLCipher has finished its own start-up, so a thread
/// opening a journal while another thread's first opening was still under way was refused with
/// "An error occurred with PRAGMA key" (seen in CI: two tests creating journals at once; about
/// one process in a hundred here). It can only happen at a process's first opening, so this
/// starts fresh processes - this test binary again, running only the test below - each opening
/// eight copies of a journal on eight threads at once, with the recovery key (no slow KDF).
#[test]
fn journals_opened_on_several_threads_at_a_process_start_all_open() {
    let t = TestDir::new();
    let passphrase = secrecy::SecretString::from(PASSPHRASE.to_string());
    let (journal, recovery) =
        daybook::Journal::create(&t.journal, &passphrase, daybook::KdfCost::LogN(17)).unwrap();
    drop(journal);
    for run in 0..100 {
        let dir = t.path(&format!("run{run}"));
        for i in 0..FIRST_OPENINGS_THREADS {
            copy_folder(&t.journal, &dir.join(i.to_string()));
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "first_openings_on_several_threads",
                "--ignored",
                "--test-threads=1",
            ])
            .env(FIRST_OPENINGS_DIR, &dir)
            .env(FIRST_OPENINGS_KEY, recovery.expose())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "run {run}:\n{text}");
        assert!(text.contains("1 passed"), "run {run} ran no test:\n{text}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

fn copy_folder(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The child half of the test above, run only by it (it opens the copies it is pointed at).
#[test]
#[ignore = "run by journals_opened_on_several_threads_at_a_process_start_all_open"]
fn first_openings_on_several_threads() {
    let dir = std::path::PathBuf::from(std::env::var_os(FIRST_OPENINGS_DIR).unwrap());
    let key = std::env::var(FIRST_OPENINGS_KEY).unwrap();
    let start = std::sync::Arc::new(std::sync::Barrier::new(FIRST_OPENINGS_THREADS));
    let handles: Vec<_> = (0..FIRST_OPENINGS_THREADS)
        .map(|i| {
            let start = start.clone();
            let root = dir.join(i.to_string());
            let recovery = daybook::RecoveryKey::parse(&key).unwrap();
            std::thread::spawn(move || {
                start.wait();
                daybook::Journal::open(&root, daybook::Unlock::RecoveryKey(&recovery))
                    .map(drop)
                    .map_err(|e| format!("thread {i}: {e}"))
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap().unwrap();
    }
}
