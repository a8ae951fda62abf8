//! Leaks: after a scripted session (create, 50 incidents each with an attachment, export a
//! report and a packet, lock), none of the entered text and none of the attachments' bytes may
//! be found anywhere but the exports the user named: not in the journal folder, not in the
//! temp folder, not in the home, config, cache, data or state folders. And no key or
//! passphrase shows in Debug output.

mod util;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use util::{files_under, TestDir};

struct Needle {
    what: String,
    bytes: Vec<u8>,
}

fn attachment_bytes(i: u32) -> Vec<u8> {
    (0..20_000 + i * 700)
        .map(|n| (n.wrapping_mul(2_654_435_761).wrapping_add(i * 7919) >> 9) as u8)
        .collect()
}

/// Files below `dir` changed since `since`, skipping `skip` and anything unreadable or huge.
fn recent_files(dir: &Path, since: SystemTime, skip: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.starts_with(skip) {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file()
                && meta.len() < 64 << 20
                && meta.modified().is_ok_and(|m| m >= since)
            {
                if let Ok(bytes) = std::fs::read(&path) {
                    out.push((path, bytes));
                }
            }
        }
    }
    out
}

#[test]
fn a_whole_session_leaves_nothing_readable_outside_the_named_exports() {
    let started = SystemTime::now();
    let t = TestDir::new();
    let home = t.path("home");
    let tmp = t.path("tmp");
    let sources = t.path("sources");
    let exports = t.path("exports");
    for dir in [&home, &tmp, &sources, &exports] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let cmd = || {
        let mut c = t.cmd();
        c.env("HOME", &home)
            .env("TMPDIR", &tmp)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("XDG_RUNTIME_DIR", home.join("run"));
        c
    };
    let run = |args: &[&str], stdin: &str| -> String {
        let out = cmd().args(args).write_stdin(stdin).assert().success();
        String::from_utf8_lossy(&out.get_output().stdout)
            .trim()
            .to_string()
    };
    let recovery = run(&["init"], "");
    let mut needles = vec![Needle {
        what: "passphrase".into(),
        bytes: util::PASSPHRASE.as_bytes().to_vec(),
    }];
    if let Some(key) = recovery
        .lines()
        .find(|l| l.trim().starts_with("AGE-SECRET-KEY-1"))
    {
        needles.push(Needle {
            what: "recovery key".into(),
            bytes: key.trim().as_bytes().to_vec(),
        });
    }
    // The 50 entries go through the library in one unlock (100 CLI runs would cost 100 KDF
    // runs); the CLI then edits, attaches, searches and exports, as a user's session would.
    let mut ids = Vec::new();
    {
        use daybook::{Journal, Unlock};
        let passphrase = age::secrecy::SecretString::from(util::PASSPHRASE.to_string());
        let (mut journal, _) = Journal::open(&t.journal, Unlock::Passphrase(&passphrase)).unwrap();
        for i in 0..50u32 {
            let words = [
                format!("Qzdescription{i}x"),
                format!("Qzlocation{i}x"),
                format!("Qzquote{i}x"),
                format!("Qzwitness{i}x"),
                format!("QZRPT{i}X"),
                format!("Qzcaption{i}x"),
            ];
            let input = serde_json::json!({
                "occurred_at": format!("2025-{:02}-{:02}T{:02}:15", i % 12 + 1, i % 28 + 1, 9 + i % 10),
                "timezone": "America/Chicago",
                "description": format!("He came by again. {}", words[0]),
                "location": words[1],
                "quotes": [words[2]],
                "witnesses": [{"name": words[3]}],
                "police": {"agency": "Springfield PD", "report_number": words[4]},
            });
            let input: daybook::model::IncidentInput = serde_json::from_value(input).unwrap();
            let id = journal.add_incident(&input).unwrap().id;
            let bytes = attachment_bytes(i);
            let file = sources.join(format!("evidence-{i}.bin"));
            std::fs::write(&file, &bytes).unwrap();
            journal
                .attach(&id, &file, Some(&words[5]), &mut |_, _| true)
                .unwrap();
            ids.push(id);
            for w in words {
                needles.push(Needle {
                    what: w.clone(),
                    bytes: w.into_bytes(),
                });
            }
            for at in [0, bytes.len() / 2, bytes.len() - 64] {
                needles.push(Needle {
                    what: format!("attachment {i} bytes at {at}"),
                    bytes: bytes[at..at + 64].to_vec(),
                });
            }
        }
        journal.lock();
    }
    let edit = serde_json::json!({"impact": "Qzimpactedit", "location": "Qzlocationedit"});
    run(
        &["incident", "edit", &ids[3], "--json", "-"],
        &edit.to_string(),
    );
    let extra = attachment_bytes(77);
    let extra_file = sources.join("voicemail.bin");
    std::fs::write(&extra_file, &extra).unwrap();
    run(
        &[
            "attach",
            &ids[4],
            extra_file.to_str().unwrap(),
            "--caption",
            "Qzclicaption",
        ],
        "",
    );
    run(&["search", "Qzquote7x"], "");
    for (what, bytes) in [
        ("edit", b"Qzimpactedit".to_vec()),
        ("edit", b"Qzlocationedit".to_vec()),
        ("cli caption", b"Qzclicaption".to_vec()),
        ("cli attachment", extra[1000..1064].to_vec()),
    ] {
        needles.push(Needle {
            what: what.into(),
            bytes,
        });
    }
    let report = exports.join("report.pdf");
    let packet = exports.join("packet");
    run(&["export", "report", "--out", report.to_str().unwrap()], "");
    run(&["export", "packet", "--out", packet.to_str().unwrap()], "");
    run(&["verify"], "");

    // Everything in the test's own folder (journal, home, XDG folders, TMPDIR) except the
    // sources the user imported from and the exports the user named...
    let mut scanned: Vec<(PathBuf, Vec<u8>)> = files_under(t.tmp.path())
        .into_iter()
        .filter(|(p, _)| !p.starts_with(&sources) && !p.starts_with(&exports))
        .collect();
    // ...and anything written to the system temp folders during the session, in case some
    // code ignores TMPDIR.
    for system_tmp in [
        PathBuf::from("/tmp"),
        PathBuf::from("/var/tmp"),
        PathBuf::from("/dev/shm"),
    ] {
        scanned.extend(recent_files(&system_tmp, started, t.tmp.path()));
    }
    let journal_files = scanned
        .iter()
        .filter(|(p, _)| p.starts_with(&t.journal))
        .count();
    assert!(
        journal_files >= 53,
        "the journal was scanned ({journal_files} files)"
    );
    // One pass per file: index the needles by their first six bytes (the shortest is seven).
    let mut by_prefix: std::collections::HashMap<&[u8], Vec<&Needle>> = Default::default();
    for needle in &needles {
        assert!(needle.bytes.len() >= 6, "{}", needle.what);
        by_prefix
            .entry(&needle.bytes[..6])
            .or_default()
            .push(needle);
    }
    let found_in = |bytes: &[u8]| -> Vec<String> {
        let mut found = Vec::new();
        for (at, window) in bytes.windows(6).enumerate() {
            for needle in by_prefix.get(window).into_iter().flatten() {
                if bytes[at..].starts_with(&needle.bytes) {
                    found.push(needle.what.clone());
                }
            }
        }
        found
    };
    let mut hits = Vec::new();
    for (path, bytes) in &scanned {
        for what in found_in(bytes) {
            hits.push(format!("{what} in {}", path.display()));
        }
    }
    assert!(
        hits.is_empty(),
        "{} leak(s): {:#?}",
        hits.len(),
        &hits[..hits.len().min(20)]
    );

    // The scan can find what it looks for: the packet's exhibits hold the original bytes.
    let exported: Vec<u8> = files_under(&packet.join("exhibits"))
        .into_iter()
        .flat_map(|(_, b)| b)
        .collect();
    let mut seen = found_in(&exported);
    seen.retain(|w| w.starts_with("attachment"));
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen.len(),
        150,
        "the scan finds every attachment window in the packet"
    );
}

#[test]
fn debug_output_never_shows_keys_or_passphrases() {
    use age::secrecy::SecretString;
    use daybook::journal::keys;
    use daybook::{Journal, RecoveryKey, Unlock};

    let t = TestDir::new();
    let passphrase = SecretString::from(util::PASSPHRASE.to_string());
    let (journal, recovery) =
        Journal::create(&t.journal, &passphrase, daybook::KdfCost::LogN(17)).unwrap();
    let recovery_text = recovery.expose().to_string();
    let parsed = RecoveryKey::parse(&recovery_text.to_lowercase()).unwrap();
    let wrapped = std::fs::read(t.journal.join("unlock/passphrase.age")).unwrap();
    let data_key = keys::unwrap_with_passphrase(&wrapped, &passphrase).unwrap();
    let key_hex = data_key.sqlcipher_literal().to_string();
    let key_hex = key_hex
        .trim_start_matches("x'")
        .trim_end_matches('\'')
        .to_string();
    let signing = hex::encode(journal.signing_key().unwrap().to_bytes());
    let debug = [
        format!("{passphrase:?}"),
        format!("{recovery:?}"),
        format!("{parsed:?}"),
        format!("{data_key:?}"),
        format!("{journal:?}"),
    ]
    .join("\n");
    for (secret, name) in [
        (util::PASSPHRASE, "passphrase"),
        (recovery_text.as_str(), "recovery key"),
        (&recovery_text[16..40], "part of the recovery key"),
        (key_hex.as_str(), "data key"),
        (&key_hex[..16], "part of the data key"),
        (signing.as_str(), "signing key"),
    ] {
        assert!(
            !debug.contains(secret),
            "{name} shown in Debug output:\n{debug}"
        );
    }
    assert!(
        debug.contains("redacted") || debug.contains("REDACTED"),
        "{debug}"
    );
    journal.lock();
    Journal::open(&t.journal, Unlock::RecoveryKey(&parsed)).unwrap();
}
