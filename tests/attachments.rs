//! Importing, describing, exporting and safeguarding attachments.

mod util;

use std::time::{Duration, Instant};

use serde_json::json;
use util::{incident, TestDir};

fn attach(t: &TestDir, incident: &str, file: &std::path::Path) -> (String, String) {
    let line = t.ok(&["attach", incident, file.to_str().unwrap()], "");
    let mut parts = line.split(' ');
    let id = parts.next().unwrap().to_string();
    let sha = parts.next().unwrap().to_string();
    assert_eq!(parts.collect::<Vec<_>>().join(" "), file.to_str().unwrap());
    (id, sha)
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn attachments_of(t: &TestDir, id: &str) -> Vec<serde_json::Value> {
    let shown: serde_json::Value =
        serde_json::from_str(&t.ok(&["incident", "show", id, "--json"], "")).unwrap();
    shown["attachments"].as_array().unwrap().clone()
}

#[test]
fn import_records_hash_kind_and_metadata_and_export_returns_the_original_bytes() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-05-02T14:10", "Photos of the truck"));
    let photo = daybook::demo::sample_photo(7, "2026:05:02 14:03:11");
    let voicemail = daybook::demo::sample_voicemail(9);
    let png = daybook::demo::sample_png(3);
    let photo_path = t.path("IMG_2041.jpg");
    // Lying extensions: kind comes from content.
    let voicemail_path = t.path("voicemail.jpg");
    let png_path = t.path("not-really-audio.mp3");
    std::fs::write(&photo_path, &photo).unwrap();
    std::fs::write(&voicemail_path, &voicemail).unwrap();
    std::fs::write(&png_path, &png).unwrap();
    let (photo_id, photo_sha) = attach(&t, &id, &photo_path);
    let (voice_id, voice_sha) = attach(&t, &id, &voicemail_path);
    attach(&t, &id, &png_path);
    assert_eq!(photo_sha, sha256_hex(&photo));
    assert_eq!(voice_sha, sha256_hex(&voicemail));

    let files = attachments_of(&t, &id);
    assert_eq!(files.len(), 3);
    assert_eq!(files[0]["kind"], "image");
    assert_eq!(files[0]["mime"], "image/jpeg");
    assert_eq!(files[0]["width"], 800);
    assert_eq!(files[0]["height"], 600);
    assert_eq!(files[0]["captured_at"], "2026-05-02T14:03:11");
    assert_eq!(files[0]["size"], photo.len());
    assert_eq!(files[0]["original_name"], "IMG_2041.jpg");
    assert!(files[0]["file_modified_at"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
    assert_eq!(files[1]["kind"], "audio");
    assert_eq!(files[1]["mime"], "audio/x-wav");
    assert_eq!(files[1]["duration_ms"], 9000);
    assert_eq!(files[2]["kind"], "image");
    assert_eq!(files[2]["mime"], "image/png");
    assert_eq!(files[2]["width"], 480);

    // Export: original bytes, and never over an existing file.
    let out = t.path("exported.jpg");
    let line = t.ok(
        &[
            "attachment",
            "export",
            &photo_id,
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    );
    assert!(line.contains(&photo_sha));
    assert_eq!(std::fs::read(&out).unwrap(), photo);
    let err = t.fails(
        &[
            "attachment",
            "export",
            &voice_id,
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    );
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(
        std::fs::read(&out).unwrap(),
        photo,
        "the existing file was left alone"
    );
    let verify = t.ok(&["verify"], "");
    assert!(verify.contains("3 attachments"), "{verify}");
}

#[test]
fn captions_and_transcripts_are_revisions_and_searchable() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident(
        "2026-05-02T14:10",
        "Voicemail from blocked number",
    ));
    let path = t.path("vm.wav");
    std::fs::write(&path, daybook::demo::sample_voicemail(3)).unwrap();
    let line = t.ok(
        &[
            "attach",
            &id,
            path.to_str().unwrap(),
            "--caption",
            "Buzón de voz",
        ],
        "",
    );
    let att = line.split(' ').next().unwrap().to_string();
    t.ok(
        &["attachment", "describe", &att, "--transcript-file", "-"],
        "You'll regret going to court on the fourteenth.",
    );
    let hits: Vec<serde_json::Value> =
        serde_json::from_str(&t.ok(&["search", "fourteenth", "--json"], "")).unwrap();
    assert_eq!(hits.len(), 1);
    let hits: Vec<serde_json::Value> =
        serde_json::from_str(&t.ok(&["search", "buzon", "--json"], "")).unwrap();
    assert_eq!(hits.len(), 1, "captions are searchable, accents folded");
    let files = attachments_of(&t, &id);
    assert_eq!(files[0]["caption"], "Buzón de voz");
    assert_eq!(
        files[0]["transcript"],
        "You'll regret going to court on the fourteenth."
    );
    // create, attach, annotate
    assert!(t.ok(&["verify"], "").starts_with("OK: 3 revisions"));
    let err = t.fails(
        &["attachment", "describe", &att, "--caption", "Buzón de voz"],
        "",
    );
    assert!(err.contains("changes nothing"), "{err}");
}

#[test]
fn bad_sources_are_refused_and_change_nothing() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-05-02T14:10", "x"));
    let empty = t.path("empty.jpg");
    std::fs::write(&empty, b"").unwrap();
    let real = t.path("real.jpg");
    std::fs::write(&real, daybook::demo::sample_png(1)).unwrap();
    let link = t.path("link.jpg");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let before = t.journal_files();
    for (path, expected) in [
        (empty.clone(), "is empty"),
        (link.clone(), "is a link"),
        (t.tmp.path().to_path_buf(), "is not a file"),
        (t.path("missing.jpg"), "Could not read"),
    ] {
        if path == link && util::unix_only(util::WINE_HIDES_LINKS) {
            continue;
        }
        let err = t.fails(&["attach", &id, path.to_str().unwrap()], "");
        assert!(err.contains(expected), "{}: {err}", path.display());
    }
    let err = t.fails(&["attach", "no-such-incident", real.to_str().unwrap()], "");
    assert!(
        err.contains("There is no incident with id no-such-incident"),
        "{err}"
    );
    let after = t.journal_files();
    let names = |files: &[(std::path::PathBuf, Vec<u8>)]| {
        files.iter().map(|f| f.0.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        names(&before),
        names(&after),
        "no blob or temp file was left behind"
    );
    assert_eq!(util::db_bytes(&before), util::db_bytes(&after));
}

#[test]
fn killing_the_process_mid_import_leaves_a_valid_journal_with_no_orphan() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-05-02T14:10", "A long video"));
    let small = t.path("before.png");
    std::fs::write(&small, daybook::demo::sample_png(2)).unwrap();
    attach(&t, &id, &small);
    let big = t.path("video.mp4");
    {
        use std::io::Write;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        let block: Vec<u8> = (0..1024 * 1024u32).map(|i| (i * 7 + i / 3) as u8).collect();
        for _ in 0..400 {
            f.write_all(&block).unwrap();
        }
    }
    let blobs = t.journal.join("blobs");
    for threshold in [1u64 << 20, 64 << 20] {
        let mut child = util::cli()
            .env("DAYBOOK_JOURNAL", &t.journal)
            .env("DAYBOOK_PASSPHRASE", util::PASSPHRASE)
            .args(["attach", &id, big.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let mut killed_mid_write = false;
        while started.elapsed() < Duration::from_secs(60) {
            let partial = std::fs::read_dir(&blobs)
                .unwrap()
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
                .any(|e| e.metadata().map(|m| m.len() >= threshold).unwrap_or(false));
            if partial {
                child.kill().unwrap();
                killed_mid_write = true;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        child.wait().unwrap();
        assert!(
            killed_mid_write,
            "the import finished before it could be killed at {threshold} bytes"
        );
        let leftovers = std::fs::read_dir(&blobs).unwrap().count();
        assert_eq!(
            leftovers, 2,
            "one saved blob plus the partial one before unlocking"
        );
        // Unlocking sweeps the orphan and says so on stderr; everything saved is intact.
        let out = t.cmd().args(["list", "--json"]).assert().success();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            stderr.contains("Cleaned up 1 unfinished import"),
            "{stderr}"
        );
        assert_eq!(std::fs::read_dir(&blobs).unwrap().count(), 1);
        assert_eq!(attachments_of(&t, &id).len(), 1);
        let verify = t.ok(&["verify"], "");
        assert!(
            verify.starts_with("OK: 2 revisions, 1 incidents, 1 attachments"),
            "{verify}"
        );
    }
    // And the same file imports fine afterwards.
    attach(&t, &id, &big);
    assert_eq!(attachments_of(&t, &id).len(), 2);
    let _ = json!({});
}

#[test]
fn attach_checks_every_file_before_importing_any() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-05-02T14:10", "x"));
    let good = t.path("good.png");
    std::fs::write(&good, daybook::demo::sample_png(1)).unwrap();
    let err = t.fails(
        &[
            "attach",
            &id,
            good.to_str().unwrap(),
            t.path("typo.png").to_str().unwrap(),
        ],
        "",
    );
    assert!(err.contains("typo.png"), "{err}");
    assert!(
        attachments_of(&t, &id).is_empty(),
        "the good file was not imported on its own"
    );
    let err = t.fails(
        &[
            "attachment",
            "export",
            "x",
            "--out",
            t.path("no/such/dir/out.png").to_str().unwrap(),
        ],
        "",
    );
    assert!(err.contains("There is no attachment with id x"), "{err}");
}

/// A journal made through the library (the desktop app's path), with one incident.
fn library_journal(t: &TestDir) -> (daybook::Journal, String) {
    let passphrase = secrecy::SecretString::from(util::PASSPHRASE.to_string());
    let (mut journal, _) =
        daybook::Journal::create(&t.journal, &passphrase, daybook::KdfCost::LogN(17)).unwrap();
    let input = serde_json::from_value(incident("2026-05-02T14:10", "Forty screenshots")).unwrap();
    let id = journal.add_incident(&input).unwrap().id;
    (journal, id)
}

fn reopen(t: &TestDir) -> (daybook::Journal, daybook::journal::UnlockReport) {
    let passphrase = secrecy::SecretString::from(util::PASSPHRASE.to_string());
    daybook::Journal::open(&t.journal, daybook::Unlock::Passphrase(&passphrase)).unwrap()
}

fn blob_names(t: &TestDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(t.journal.join("blobs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_batch_attaches_the_good_files_in_order_and_names_each_bad_one() {
    let t = TestDir::new();
    let (mut journal, id) = library_journal(&t);
    let png = daybook::demo::sample_png(4);
    let photo = daybook::demo::sample_photo(5, "2026:05:02 14:03:11");
    let voicemail = daybook::demo::sample_voicemail(6);
    std::fs::write(t.path("a.png"), &png).unwrap();
    std::fs::write(t.path("b.jpg"), &photo).unwrap();
    std::fs::write(t.path("empty.png"), b"").unwrap();
    std::fs::create_dir(t.path("a folder")).unwrap();
    std::fs::write(t.path("c.wav"), &voicemail).unwrap();
    let sources = [
        t.path("a.png"),
        t.path("missing.png"),
        t.path("b.jpg"),
        t.path("empty.png"),
        t.path("a folder"),
        t.path("c.wav"),
    ];
    let mut seen = Vec::new();
    let batch = journal
        .attach_files(
            &id,
            &sources,
            Some("From her phone"),
            &mut |i, done, total| {
                seen.push((i, done, total));
                true
            },
        )
        .unwrap();

    assert!(!batch.cancelled);
    let attached: Vec<usize> = batch.attached.iter().map(|a| a.index).collect();
    assert_eq!(attached, [0, 2, 5]);
    let problems: Vec<(usize, String)> = batch
        .problems
        .iter()
        .map(|p| (p.index, p.error.to_string()))
        .collect();
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert_eq!(problems[0].0, 1);
    assert!(problems[0].1.contains("missing.png"), "{problems:?}");
    assert_eq!(problems[1].0, 3);
    assert!(problems[1].1.contains("is empty"), "{problems:?}");
    assert_eq!(problems[2].0, 4);
    assert!(problems[2].1.contains("is not a file"), "{problems:?}");
    // Progress names each streamed file by its index and ends at its size.
    for (index, bytes) in [(0, &png), (2, &photo), (5, &voicemail)] {
        let last = seen.iter().rev().find(|(i, _, _)| *i == index).unwrap();
        assert_eq!((last.1, last.2), (bytes.len() as u64, bytes.len() as u64));
    }

    let incident = journal.incident(&id).unwrap();
    let shas: Vec<&str> = incident
        .attachments
        .iter()
        .map(|a| a.sha256.as_str())
        .collect();
    assert_eq!(
        shas,
        [sha256_hex(&png), sha256_hex(&photo), sha256_hex(&voicemail)]
    );
    for (a, bytes) in incident.attachments.iter().zip([&png, &photo, &voicemail]) {
        assert_eq!(a.caption.as_deref(), Some("From her phone"));
        assert_eq!(&journal.attachment_bytes(a).unwrap(), bytes);
    }
    // One revision per file, so the history says what was attached when.
    let ops: Vec<String> = journal
        .history(daybook::journal::revisions::Entity::Incident, &id)
        .unwrap()
        .iter()
        .map(|r| r.op.clone())
        .collect();
    assert_eq!(ops, ["create", "attach", "attach", "attach"]);
    // The search row is stored once, from the last revision: it has every caption.
    let found: Vec<String> = journal
        .search("phone")
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(found, std::slice::from_ref(&id));
    drop(journal);

    // Nothing left over: three blobs, no temp file, no pending import to sweep.
    let names = blob_names(&t);
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.iter().all(|n| n.ends_with(".age")), "{names:?}");
    let (_, report) = reopen(&t);
    assert_eq!((report.orphans_removed, report.strays), (0, 0));
    let verify = t.ok(&["verify"], "");
    assert!(
        verify.starts_with("OK: 4 revisions, 1 incidents, 3 attachments"),
        "{verify}"
    );
}

#[test]
fn cancelling_a_batch_keeps_the_files_finished_before_it_and_nothing_else() {
    let t = TestDir::new();
    let (mut journal, id) = library_journal(&t);
    for n in 0..4u8 {
        std::fs::write(
            t.path(&format!("{n}.png")),
            daybook::demo::sample_png(n.into()),
        )
        .unwrap();
    }
    let mut sources: Vec<_> = (0..4).map(|n| t.path(&format!("{n}.png"))).collect();
    sources.push(t.path("missing.png"));
    let batch = journal
        .attach_files(&id, &sources, None, &mut |i, _, _| i < 2)
        .unwrap();
    assert!(batch.cancelled);
    // Files after the cancel are not even checked: the missing one is not reported.
    assert!(batch.problems.is_empty(), "{:?}", batch.problems);
    let attached: Vec<usize> = batch.attached.iter().map(|a| a.index).collect();
    assert_eq!(attached, [0, 1]);
    assert_eq!(journal.incident(&id).unwrap().attachments.len(), 2);
    drop(journal);
    assert_eq!(blob_names(&t).len(), 2, "the cancelled file's blob is gone");
    let (_, report) = reopen(&t);
    assert_eq!((report.orphans_removed, report.strays), (0, 0));
}

#[test]
fn a_batch_for_a_deleted_incident_saves_nothing() {
    let t = TestDir::new();
    let (mut journal, id) = library_journal(&t);
    journal.delete_incident(&id, "Entered twice").unwrap();
    std::fs::write(t.path("a.png"), daybook::demo::sample_png(1)).unwrap();
    let err = journal
        .attach_files(&id, &[t.path("a.png")], None, &mut |_, _, _| true)
        .unwrap_err();
    assert!(err.to_string().contains("was deleted"), "{err}");
    drop(journal);
    assert!(blob_names(&t).is_empty());
    let (_, report) = reopen(&t);
    assert_eq!((report.orphans_removed, report.strays), (0, 0));
}
