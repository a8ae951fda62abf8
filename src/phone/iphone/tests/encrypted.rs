//! Encrypted backups (written by `tests/util/iphone_backup.rs`'s `encrypted_copy`): read with
//! the password exactly as the unencrypted sample, refused in words with a wrong one or a
//! hostile key list, the folder left as it was, and the journal keeping the decrypted databases.

use std::path::Path;

use super::*;

/// The sample in `dir/plain` and an encrypted copy of it (password
/// [`fixture::BACKUP_PASSWORD`]) in `dir/encrypted`.
fn encrypted_sample(dir: &Path) -> (fixture::Sample, fixture::EncryptedCopy) {
    let sample = fixture::sample(&dir.join("plain"));
    let copy = fixture::encrypted_copy(
        &sample.dir,
        &dir.join("encrypted"),
        fixture::BACKUP_PASSWORD,
    );
    (sample, copy)
}

fn password(text: &str) -> secrecy::SecretString {
    secrecy::SecretString::from(text.to_string())
}

fn open_encrypted(dir: &Path) -> Result<IphoneBackup, IphoneError> {
    IphoneBackup::open_with_password(dir, Some(&password(fixture::BACKUP_PASSWORD)))
}

/// Everything a reader hands over, in words, with the bytes of the parts it stored.
fn read_all(backup: &IphoneBackup) -> (Vec<String>, Vec<Vec<u8>>) {
    let mut parts = MemoryParts::default();
    let mut out = Vec::new();
    let (m, ms) = messages(backup, &mut parts);
    let (c, cs) = calls(backup);
    let (v, vs) = voicemails(backup, &mut parts);
    for (records, summary) in [(m, ms), (c, cs), (v, vs)] {
        out.extend(records.iter().map(|r| format!("{:?}", r.record)));
        let source = summary.source.as_ref().unwrap();
        out.push(format!(
            "{} {} {} records {} skipped {} unreadable {} incomplete {} problems {:?} stopped {:?}",
            source.domain,
            source.relative_path,
            source.size,
            summary.records,
            summary.skipped,
            summary.unreadable,
            summary.incomplete,
            summary.problems,
            summary.stopped
        ));
    }
    (out, parts.kept)
}

#[test]
fn an_encrypted_backup_reads_exactly_as_the_unencrypted_sample() {
    let dir = tempfile::tempdir().unwrap();
    let (sample, copy) = encrypted_sample(dir.path());
    let plain = IphoneBackup::open(&sample.dir).unwrap();
    let encrypted = open_encrypted(&copy.dir).unwrap();
    assert!(encrypted.is_encrypted() && !plain.is_encrypted());
    assert_eq!(encrypted.info(), plain.info());

    let (plain_records, plain_parts) = read_all(&plain);
    let (records, parts) = read_all(&encrypted);
    assert_eq!(records.len(), 12 + 6 + 2 + 3);
    assert_eq!(records, plain_records);
    assert_eq!(parts, plain_parts);
    assert_eq!(
        parts,
        [sample.picture.clone(), sample.voicemail_audio.clone()]
    );

    // Each database decrypts to the phone's bytes exactly (WAL header included), and its
    // size on disk is the padded size.
    let plain_sources = plain.sources().unwrap();
    let sources = encrypted.sources().unwrap();
    assert_eq!(sources.len(), 3);
    for (source, plain_source) in sources.iter().zip(&plain_sources) {
        assert_eq!(
            (
                &source.domain,
                &source.relative_path,
                &source.file_id,
                source.size
            ),
            (
                &plain_source.domain,
                &plain_source.relative_path,
                &plain_source.file_id,
                plain_source.size
            )
        );
        assert_eq!(plain_source.encrypted_size, None);
        assert_eq!(source.encrypted_size, Some((source.size / 16 + 1) * 16));
        let mut bytes = Vec::new();
        encrypted
            .read_file(source)
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        assert_eq!(bytes, fs::read(&plain_source.path).unwrap());
        assert_eq!((bytes[18], bytes[19]), (2, 2));
        assert_ne!(fs::read(&source.path).unwrap()[..16], bytes[..16]);
    }
}

#[test]
fn whether_a_folder_is_encrypted_is_known_before_the_password_is_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let (sample, copy) = encrypted_sample(dir.path());
    assert!(is_encrypted(&copy.dir).unwrap());
    assert!(!is_encrypted(&sample.dir).unwrap());
    let err = is_encrypted(&dir.path().join("nothing")).unwrap_err();
    assert!(matches!(err, IphoneError::NotABackup { .. }), "{err:?}");

    // Without the password: refused, saying the password opens it, with the steps to make
    // a backup that is not encrypted.
    for err in [
        IphoneBackup::open(&copy.dir).unwrap_err(),
        IphoneBackup::open_with_password(&copy.dir, None).unwrap_err(),
    ] {
        assert!(matches!(err, IphoneError::Encrypted), "{err:?}");
        let message = err.to_string();
        for words in [
            "Daybook can open it with the backup password",
            "not the phone's passcode",
            "Reset All Settings",
            "\"Back Up Now\"",
        ] {
            assert!(message.contains(words), "{words:?} in {message}");
        }
    }
    // A password given for a backup that is not encrypted is not needed, and not used.
    let backup =
        IphoneBackup::open_with_password(&sample.dir, Some(&password("anything"))).unwrap();
    assert!(!backup.is_encrypted());
}

#[test]
fn a_wrong_password_is_refused_in_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let (_, copy) = encrypted_sample(dir.path());
    for wrong in ["", "tr0ub4dor &3 ñ", "Tr0ub4dor &3 n"] {
        let err = IphoneBackup::open_with_password(&copy.dir, Some(&password(wrong))).unwrap_err();
        assert!(matches!(err, IphoneError::WrongPassword), "{err:?}");
        assert_eq!(
            err.to_string(),
            "The backup password is not right. Nothing was imported."
        );
    }
}

#[test]
fn reading_an_encrypted_backup_leaves_its_folder_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (_, copy) = encrypted_sample(dir.path());
    let before = snapshot(&copy.dir);
    {
        let backup = open_encrypted(&copy.dir).unwrap();
        let (records, _) = read_all(&backup);
        assert_eq!(records.len(), 23);
        assert_eq!(snapshot(&copy.dir), before);
    }
    let after = snapshot(&copy.dir);
    assert!(!after
        .keys()
        .any(|k| k.ends_with("-wal") || k.ends_with("-shm") || k.ends_with("-journal")));
    assert!(before == after, "a file in the backup changed");
}

/// Sets the number a keybag entry `tag` holds (the first one).
fn set_keybag_number(bag: &mut [u8], tag: &[u8; 4], value: u32) {
    let at = bag.windows(4).position(|w| w == tag).unwrap();
    bag[at + 8..at + 12].copy_from_slice(&value.to_be_bytes());
}

#[test]
fn hostile_or_damaged_encrypted_backups_are_refused_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let (sample, copy) = encrypted_sample(dir.path());
    let manifest_plist = copy.dir.join("Manifest.plist");
    let with = |keybag: Option<&[u8]>, key: Option<&[u8]>| {
        fs::write(
            &manifest_plist,
            fixture::encrypted_manifest_plist(keybag, key),
        )
        .unwrap();
        let started = std::time::Instant::now();
        let err = open_encrypted(&copy.dir).unwrap_err();
        assert!(started.elapsed().as_secs() < 5, "refused quickly");
        err
    };
    let refused = |err: IphoneError, words: &str| {
        assert!(matches!(err, IphoneError::Keybag { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(words), "{words:?} in {message}");
        assert!(message.ends_with("Nothing was imported."), "{message}");
    };
    let key = Some(copy.manifest_key.as_slice());

    let mut absurd = copy.keybag.clone();
    set_keybag_number(&mut absurd, b"ITER", 4_000_000_000);
    refused(
        with(Some(&absurd), key),
        "it asks for 4000000000 rounds of key derivation (ITER), more than the 10000000",
    );
    let mut absurd = copy.keybag.clone();
    set_keybag_number(&mut absurd, b"DPIC", u32::MAX);
    refused(with(Some(&absurd), key), "rounds of key derivation (DPIC)");
    refused(
        with(Some(&copy.keybag[..copy.keybag.len() - 10]), key),
        "cut short",
    );
    refused(with(Some(&copy.keybag[..50]), key), "cut short");
    refused(
        with(Some(&copy.keybag), None),
        "Manifest.plist has no ManifestKey",
    );
    refused(with(None, key), "Manifest.plist has no BackupKeyBag");
    let mut system = copy.keybag.clone();
    set_keybag_number(&mut system, b"TYPE", 0);
    refused(with(Some(&system), key), "not a backup's key list");

    // Damaged files: found before a byte of them is read.
    fs::write(
        &manifest_plist,
        fixture::encrypted_manifest_plist(Some(&copy.keybag), key),
    )
    .unwrap();
    let backup = open_encrypted(&copy.dir).unwrap();
    let sms = backup.sources().unwrap().remove(0);
    let cipher = fs::read(&sms.path).unwrap();
    // The last block changed: its padding no longer decrypts.
    let mut flipped = cipher.clone();
    *flipped.last_mut().unwrap() ^= 0x55;
    fs::write(&sms.path, &flipped).unwrap();
    let err = backup
        .read_messages(&mut MemoryParts::default(), &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert!(matches!(err, IphoneError::Damaged { .. }), "{err:?}");
    assert!(err.to_string().contains("padding is wrong"), "{err}");
    // Another length, encrypted with its key: not the size the file list gives.
    let plain_sms = fs::read(sample.dir.join(&sms.file_id[..2]).join(&sms.file_id)).unwrap();
    let key = fixture::fixture_key(&format!("file {}", sms.file_id));
    fs::write(
        &sms.path,
        fixture::cbc_encrypt(&key, &plain_sms[..plain_sms.len() - 1]),
    )
    .unwrap();
    let err = backup
        .read_messages(&mut MemoryParts::default(), &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("where the backup's file list says"),
        "{err}"
    );
    // Cut in the middle of a block.
    fs::write(&sms.path, &cipher[..cipher.len() - 5]).unwrap();
    let err = backup
        .read_messages(&mut MemoryParts::default(), &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert!(err.to_string().contains("16-byte blocks"), "{err}");
    fs::write(&sms.path, &cipher).unwrap();

    // A picture that does not decrypt is named as a problem; the messages are still read.
    let picture = fixture::file_id(
        "MediaDomain",
        "Library/SMS/Attachments/ab/12/8E1F2D3C-4B5A-6978-8796-A5B4C3D2E1F0/IMG_0001.HEIC",
    );
    let picture = copy.dir.join(&picture[..2]).join(&picture);
    let mut bytes = fs::read(&picture).unwrap();
    bytes.extend_from_slice(&[0u8; 16]);
    fs::write(&picture, bytes).unwrap();
    let (records, summary) = messages(&backup, &mut MemoryParts::default());
    assert_eq!(records.len(), 12);
    assert_eq!(summary.incomplete, 1);
    assert!(
        summary.problems.iter().any(|p| p.contains("IMG_0001.HEIC")
            || p.contains("does not decrypt")
            || p.contains("padding")),
        "{:?}",
        summary.problems
    );

    // Manifest.db itself cut short.
    let manifest_db = copy.dir.join("Manifest.db");
    let bytes = fs::read(&manifest_db).unwrap();
    fs::write(&manifest_db, &bytes[..bytes.len() - 3]).unwrap();
    let err = open_encrypted(&copy.dir).unwrap_err();
    assert!(matches!(err, IphoneError::Damaged { .. }), "{err:?}");
    assert!(err.to_string().contains("Manifest.db"), "{err}");
}

/// Every file under a journal folder, with its bytes (the journal's own database included).
fn journal_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    snapshot(dir)
}

#[test]
fn the_journal_keeps_the_decrypted_databases_and_records_the_encrypted_files() {
    use crate::journal::revisions::Entity;
    use crate::journal::{Journal, KdfCost};
    let dir = tempfile::tempdir().unwrap();
    let (sample, copy) = encrypted_sample(dir.path());
    let journal_dir = dir.path().join("journal");
    let (mut journal, _) = Journal::create(
        &journal_dir,
        &password("journal passphrase 42"),
        KdfCost::LogN(10),
    )
    .unwrap();
    let before = journal_files(&journal_dir);
    let backup_before = snapshot(&copy.dir);
    let count = |journal: &Journal, table: &str| -> i64 {
        journal
            .conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };

    // A wrong password, and none: refused before the journal is touched.
    let err = journal
        .import_iphone_backup_with_password(&copy.dir, Some(&password("wrong")), &mut |_, _| true)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "The backup password is not right. Nothing was imported."
    );
    let err = journal
        .import_iphone_backup(&copy.dir, &mut |_, _| true)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Daybook can open it with the backup password"),
        "{err}"
    );
    for table in [
        "phone_imports",
        "communications",
        "revisions",
        "attachments",
    ] {
        assert_eq!(count(&journal, table), 0, "{table}");
    }
    assert_eq!(
        journal_files(&journal_dir),
        before,
        "the journal is unchanged"
    );

    let reports = journal
        .import_iphone_backup_with_password(
            &copy.dir,
            Some(&password(fixture::BACKUP_PASSWORD)),
            &mut |_, _| true,
        )
        .unwrap();
    assert_eq!(reports.len(), 3);
    assert_eq!(
        snapshot(&copy.dir),
        backup_before,
        "the backup is unchanged"
    );
    let plain = IphoneBackup::open(&sample.dir).unwrap();
    let encrypted = open_encrypted(&copy.dir).unwrap();
    let sources = encrypted.sources().unwrap();
    for ((report, plain_source), source) in
        reports.iter().zip(plain.sources().unwrap()).zip(&sources)
    {
        // Kept: the database as the phone wrote it, decrypted.
        let plain_bytes = fs::read(&plain_source.path).unwrap();
        assert_eq!(report.sha256, hex::encode(Sha256::digest(&plain_bytes)));
        assert_eq!(report.size, plain_bytes.len() as u64);
        let id = report.id.as_deref().unwrap();
        let history = journal.history(Entity::PhoneImport, id).unwrap();
        let body: serde_json::Value = serde_json::from_str(&history[0].body).unwrap();
        assert_eq!(body["file"]["sha256"], report.sha256);
        // Recorded: the encrypted file it came from, and how it was opened.
        let cipher = fs::read(&source.path).unwrap();
        assert_eq!(
            body["iphone"]["encrypted"],
            serde_json::json!({
                "sha256": hex::encode(Sha256::digest(&cipher)),
                "size": cipher.len(),
                "decrypted_with": "the backup password",
            })
        );
        assert_eq!(body["iphone"]["file_id"], source.file_id);
        assert!(!history[0].body.contains(fixture::BACKUP_PASSWORD));
    }
    assert_eq!(
        (reports[0].messages, reports[1].calls, reports[2].calls),
        (12, 6, 2)
    );

    // The same backup again, or its unencrypted twin: the same files, nothing kept twice.
    let files = journal_files(&journal_dir).len();
    let again = journal
        .import_iphone_backup_with_password(
            &copy.dir,
            Some(&password(fixture::BACKUP_PASSWORD)),
            &mut |_, _| true,
        )
        .unwrap();
    let twin = journal
        .import_iphone_backup(&sample.dir, &mut |_, _| true)
        .unwrap();
    for report in again.iter().chain(&twin) {
        assert!(report.same_file_as.is_some(), "{report:?}");
    }
    assert_eq!(journal_files(&journal_dir).len(), files);
}
