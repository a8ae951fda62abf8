//! Damage and tampering are caught and named: flipped bytes in the database or a blob, edited,
//! removed or unrecorded rows, damaged key files.

mod util;

use std::path::Path;

use serde_json::json;
use util::{incident, TestDir, PASSPHRASE};

/// A journal with two incidents, one amended, and one attachment. Returns (incident, attachment).
fn journal_with_evidence(t: &TestDir) -> (String, String) {
    t.init();
    let id = t.add_incident(&incident("2026-05-02T14:10", "Parked outside my work"));
    t.add_incident(&incident("2026-05-03T09:00", "Called eleven times"));
    t.ok(
        &["incident", "edit", &id, "--json", "-"],
        &json!({"description": "Parked outside my work for an hour"}).to_string(),
    );
    let photo = t.path("truck.jpg");
    std::fs::write(
        &photo,
        daybook::demo::sample_photo(1, "2026:05:02 14:03:11"),
    )
    .unwrap();
    let line = t.ok(&["attach", &id, photo.to_str().unwrap()], "");
    let attachment = line.split(' ').next().unwrap().to_string();
    assert!(t.ok(&["verify"], "").starts_with("OK: 4 revisions"));
    (id, attachment)
}

/// Opens journal.db directly with the data key, as an attacker with the key (or a bug) could.
fn raw_db(journal: &Path) -> rusqlite::Connection {
    let wrapped = std::fs::read(journal.join("unlock/passphrase.age")).unwrap();
    let key = daybook::journal::keys::unwrap_with_passphrase(
        &wrapped,
        &age::secrecy::SecretString::from(PASSPHRASE.to_string()),
    )
    .unwrap();
    let conn = rusqlite::Connection::open(journal.join("journal.db")).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"{}\";",
        key.sqlcipher_literal().as_str()
    ))
    .unwrap();
    conn
}

fn flip(path: &Path, offset: u64) {
    let mut bytes = std::fs::read(path).unwrap();
    bytes[offset as usize] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

fn verify_fails(t: &TestDir) -> String {
    let out = t.cmd().arg("verify").assert().failure();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_flipped_byte_anywhere_in_the_database_is_detected() {
    let t = TestDir::new();
    journal_with_evidence(&t);
    let db = t.journal.join("journal.db");
    let original = std::fs::read(&db).unwrap();
    let page = 4096u64;
    let pages = original.len() as u64 / page;
    assert!(
        pages >= 10,
        "expected a multi-page database, got {pages} pages"
    );
    // One byte in each page, at varying positions: page 1 (header), data pages, HMAC area.
    for p in 0..pages {
        let offset = p * page + (p * 397 + 17) % page;
        std::fs::write(&db, &original).unwrap();
        flip(&db, offset);
        let stderr = verify_fails(&t);
        assert!(
            stderr.contains("damaged") || stderr.contains("verification FAILED"),
            "page {p}, offset {offset}: {stderr}"
        );
    }
    std::fs::write(&db, &original).unwrap();
    assert!(t.ok(&["verify"], "").starts_with("OK"));
}

#[test]
fn a_flipped_or_truncated_blob_is_named() {
    let t = TestDir::new();
    let (_, attachment) = journal_with_evidence(&t);
    let blob = t.journal.join("blobs").join(format!("{attachment}.age"));
    let original = std::fs::read(&blob).unwrap();
    for offset in [
        10,
        120,
        original.len() as u64 / 2,
        original.len() as u64 - 1,
    ] {
        std::fs::write(&blob, &original).unwrap();
        flip(&blob, offset);
        let stderr = verify_fails(&t);
        assert!(
            stderr.contains(&format!("Attachment {attachment} (truck.jpg)")),
            "offset {offset}: {stderr}"
        );
    }
    std::fs::write(&blob, &original[..original.len() - 100]).unwrap();
    let stderr = verify_fails(&t);
    assert!(stderr.contains("truck.jpg"), "{stderr}");
    std::fs::remove_file(&blob).unwrap();
    let stderr = verify_fails(&t);
    assert!(stderr.contains("cannot be opened"), "{stderr}");
    // Export refuses damaged bytes instead of writing them out.
    std::fs::write(&blob, &original).unwrap();
    flip(&blob, original.len() as u64 / 2);
    let out = t.path("out.jpg");
    let err = t.fails(
        &[
            "attachment",
            "export",
            &attachment,
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    );
    assert!(err.contains("damaged"), "{err}");
    assert!(!out.exists(), "no file is written from a damaged blob");
}

#[test]
fn an_edited_revision_is_pinpointed_and_still_opens_with_a_warning() {
    let t = TestDir::new();
    let (id, _) = journal_with_evidence(&t);
    {
        let conn = raw_db(&t.journal);
        conn.execute_batch("DROP TRIGGER revisions_no_update;")
            .unwrap();
        // Rewrite what the first revision of the incident said (the original wording).
        let changed = conn
            .execute(
                "UPDATE revisions SET body = replace(body, 'Parked outside my work', 'Parked near my work') WHERE seq = 1",
                [],
            )
            .unwrap();
        assert_eq!(changed, 1);
    }
    let stderr = verify_fails(&t);
    assert!(
        stderr.contains(&format!(
            "Revision 1 (incident {id}) does not match its hash"
        )),
        "{stderr}"
    );
    // The journal still opens, with a warning, so the rest of the evidence stays reachable.
    let out = t.cmd().args(["list", "--json"]).assert().success();
    let warning = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        warning.contains("Warning: the journal's history does not check out. Revision 1"),
        "{warning}"
    );
}

#[test]
fn removed_revisions_and_rows_changed_outside_daybook_are_caught() {
    let t = TestDir::new();
    let (id, _) = journal_with_evidence(&t);
    let db = t.journal.join("journal.db");
    let pristine = std::fs::read(&db).unwrap();

    // Current state edited without a revision.
    {
        let conn = raw_db(&t.journal);
        conn.execute(
            "UPDATE incidents SET body = replace(body, 'an hour', 'a minute') WHERE id = ?1",
            [&id],
        )
        .unwrap();
    }
    let stderr = verify_fails(&t);
    assert!(
        stderr.contains(&format!(
            "The saved incident {id} differs from its last recorded revision"
        )),
        "{stderr}"
    );

    // A revision removed from the middle.
    std::fs::write(&db, &pristine).unwrap();
    {
        let conn = raw_db(&t.journal);
        conn.execute_batch(
            "DROP TRIGGER revisions_no_delete; DELETE FROM revisions WHERE seq = 2;",
        )
        .unwrap();
    }
    let stderr = verify_fails(&t);
    assert!(
        stderr.contains("Revision 3 is out of sequence (expected 2)"),
        "{stderr}"
    );

    // An incident inserted with no revision at all.
    std::fs::write(&db, &pristine).unwrap();
    {
        let conn = raw_db(&t.journal);
        conn.execute(
            "INSERT INTO incidents (id, number, occurred_utc, occurred_local, timezone, utc_offset_s, approximate, recorded_at, updated_at, body)
             SELECT 'forged', 99, occurred_utc, occurred_local, timezone, utc_offset_s, approximate, recorded_at, updated_at, body FROM incidents LIMIT 1",
            [],
        )
        .unwrap();
    }
    let stderr = verify_fails(&t);
    assert!(
        stderr.contains("The incident forged has no revision"),
        "{stderr}"
    );

    // The marks a report prints, changed outside Daybook: each is named.
    for tamper in [
        "UPDATE incidents SET amended = 0 WHERE amended = 1",
        "UPDATE incidents SET updated_at = '2026-01-01T00:00:00Z' WHERE amended = 1",
        "UPDATE incidents SET deleted_at = '2026-01-01T00:00:00Z', deleted_reason = 'x' WHERE amended = 1",
    ] {
        std::fs::write(&db, &pristine).unwrap();
        {
            let conn = raw_db(&t.journal);
            assert_eq!(conn.execute(tamper, []).unwrap(), 1, "{tamper}");
        }
        let stderr = verify_fails(&t);
        assert!(
            stderr.contains(&format!("The saved incident {id} differs from its last recorded revision")),
            "{tamper}: {stderr}"
        );
    }

    // Attachment hash swapped in the attachments table.
    std::fs::write(&db, &pristine).unwrap();
    {
        let conn = raw_db(&t.journal);
        conn.execute("UPDATE attachments SET sha256 = ?1", [&"ab".repeat(32)])
            .unwrap();
    }
    let stderr = verify_fails(&t);
    assert!(
        stderr.contains("its SHA-256 differs from the one the journal's history recorded for it"),
        "{stderr}"
    );
}

#[test]
fn a_damaged_passphrase_file_leaves_the_recovery_key_working() {
    let t = TestDir::new();
    let recovery = t.init();
    t.add_incident(&incident("2026-05-02T14:10", "x"));
    let file = t.journal.join("unlock/passphrase.age");
    let len = std::fs::metadata(&file).unwrap().len();
    flip(&file, len - 5);
    let err = t.fails(&["list"], "");
    assert!(
        err.contains("damaged") || err.contains("does not open"),
        "{err}"
    );
    t.cmd()
        .env("DAYBOOK_RECOVERY_KEY", &recovery)
        .args(["--recovery", "verify"])
        .assert()
        .success();
    // Resetting the passphrase through the recovery key repairs the file.
    t.cmd()
        .env("DAYBOOK_RECOVERY_KEY", &recovery)
        .env("DAYBOOK_NEW_PASSPHRASE", PASSPHRASE)
        .args(["--recovery", "passwd"])
        .assert()
        .success();
    t.ok(&["unlock-check"], "");
    // Garbage instead of a key file is named as damage, not as a wrong passphrase.
    std::fs::write(&file, b"not an age file").unwrap();
    let err = t.fails(&["list"], "");
    assert!(
        err.contains("The key file passphrase.age is damaged"),
        "{err}"
    );
}
