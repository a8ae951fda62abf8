//! The reader against backups written by `tests/util/iphone_backup.rs`; encrypted backups in
//! `encrypted.rs`.

mod encrypted;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::ops::ControlFlow;
use std::path::Path;

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use super::fixture::{self, Backup, Message, ALEX, COUSIN, FRIEND, T0};
use super::*;
use crate::phone::{
    Clock, Mark, Part, PartStore, PhoneRecord, RawParticipant, RecordKind, Role, Service, Status,
    StoredPart,
};

/// Keeps parts in memory, as the importer keeps them in blobs.
#[derive(Default)]
struct MemoryParts {
    kept: Vec<Vec<u8>>,
}

impl PartStore for MemoryParts {
    fn store(&mut self, data: &mut dyn Read) -> Result<StoredPart, String> {
        let mut bytes = Vec::new();
        data.read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        if bytes.is_empty() {
            return Err("the backup holds no data for it".into());
        }
        let stored = StoredPart {
            blob_id: format!("part-{}", self.kept.len() + 1),
            sha256: hex::encode(Sha256::digest(&bytes)),
            size: bytes.len() as u64,
        };
        self.kept.push(bytes);
        Ok(stored)
    }
}

fn messages(backup: &IphoneBackup, parts: &mut MemoryParts) -> (Vec<IphoneRecord>, Summary) {
    let mut out = Vec::new();
    let summary = backup
        .read_messages(parts, &mut |r| {
            out.push(r);
            ControlFlow::Continue(())
        })
        .unwrap();
    (out, summary)
}

fn calls(backup: &IphoneBackup) -> (Vec<IphoneRecord>, Summary) {
    let mut out = Vec::new();
    let summary = backup
        .read_calls(&mut |r| {
            out.push(r);
            ControlFlow::Continue(())
        })
        .unwrap();
    (out, summary)
}

fn voicemails(backup: &IphoneBackup, parts: &mut MemoryParts) -> (Vec<IphoneRecord>, Summary) {
    let mut out = Vec::new();
    let summary = backup
        .read_voicemails(parts, &mut |r| {
            out.push(r);
            ControlFlow::Continue(())
        })
        .unwrap();
    (out, summary)
}

/// The fields every record of this reader has the same way.
fn assert_common(r: &PhoneRecord) {
    assert_eq!((r.line, r.start, r.end), (0, 0, 0));
    assert_eq!(r.clock, Clock::Recorded);
    assert_eq!(r.contact_name, None);
    assert_eq!(r.subject, None);
}

#[allow(clippy::too_many_arguments)]
fn assert_message(
    r: &IphoneRecord,
    position: u64,
    at_ms: i64,
    status: Status,
    service: Service,
    address: &str,
    body: Option<&str>,
    marks: &[Mark],
) {
    let m = &r.record;
    assert_common(m);
    assert_eq!(m.position, position);
    assert_eq!(
        m.locator.as_deref(),
        Some(format!("6F2A0C41-1A2B-4C3D-8E9F-{position:012}").as_str())
    );
    assert_eq!(m.at_ms, at_ms, "message {position}");
    assert_eq!(m.status, status, "message {position}");
    assert_eq!(m.service, Some(service), "message {position}");
    assert_eq!(m.address.as_deref(), Some(address), "message {position}");
    assert!(!m.hidden);
    assert_eq!(m.body.as_deref(), body, "message {position}");
    assert_eq!(m.marks, marks, "message {position}");
    assert_eq!(m.duration_s, None);
    assert_eq!(r.files.len(), m.parts.len());
}

fn assert_missing_part(part: &Part, mime: &str, name: &str, declared: u64) {
    assert_eq!(part.mime, mime);
    assert_eq!(part.name.as_deref(), Some(name));
    assert!(part.data.is_none(), "{name}: {:?}", part.data);
    assert_eq!(part.data_range, None);
    assert_eq!(part.declared_size, Some(declared));
}

fn open_sample(dir: &Path) -> (IphoneBackup, fixture::Sample) {
    let sample = fixture::sample(dir);
    (IphoneBackup::open(dir).unwrap(), sample)
}

#[test]
fn file_ids_are_the_sha1_of_domain_and_path() {
    assert_eq!(
        fixture::sha1_hex(b"abc"),
        "a9993e364706816aba3e25717850c26c9cd0d89d"
    );
    assert_eq!(
        fixture::sha1_hex(b""),
        "da39a3ee5e6b4b0d3255bfef95601890afd80709"
    );
    assert_eq!(
        fixture::sha1_hex(&[b'a'; 1000]),
        "291e9a6c66994949b57ba5e650361e98fc36b1ba"
    );
    // The ids every forensic guide quotes for these files.
    assert_eq!(
        fixture::file_id("HomeDomain", "Library/SMS/sms.db"),
        "3d0d7e5fb2ce288813306e4d4636395e047a3d28"
    );
    assert_eq!(
        fixture::file_id("HomeDomain", "Library/CallHistoryDB/CallHistory.storedata"),
        "5a4935c78a5255723f707230a451d79c540d2741"
    );
    assert_eq!(
        fixture::file_id("HomeDomain", "Library/Voicemail/voicemail.db"),
        "992df473bbb9e132f4b3b6e4d33f72171e97bc7a"
    );
}

#[test]
fn messages_are_read_with_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let (backup, sample) = open_sample(dir.path());
    let mut parts = MemoryParts::default();
    let (records, summary) = messages(&backup, &mut parts);

    let source = summary.source.as_ref().unwrap();
    assert_eq!(source.domain, "HomeDomain");
    assert_eq!(source.relative_path, "Library/SMS/sms.db");
    assert_eq!(source.file_id, "3d0d7e5fb2ce288813306e4d4636395e047a3d28");
    assert_eq!(
        source.path,
        backup
            .folder()
            .join("3d/3d0d7e5fb2ce288813306e4d4636395e047a3d28")
    );
    assert_eq!(source.size, fs::metadata(&source.path).unwrap().len());
    assert_eq!(summary.records, 12);
    assert_eq!(summary.skipped, 2, "the tapback and the group renamed");
    assert_eq!(summary.unreadable, 0);
    assert_eq!(summary.incomplete, 0);
    assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    assert_eq!(summary.stopped, None);
    assert!(!summary.cancelled);

    let positions: Vec<u64> = records.iter().map(|r| r.record.position).collect();
    assert_eq!(positions, [1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    let ms = |s: i64| (T0 + s) * 1000;
    use Service::{IMessage, Rcs, Sms};
    use Status::{Received, Sent};
    let r = &records;
    assert_message(
        &r[0],
        1,
        ms(0) + 123,
        Received,
        IMessage,
        ALEX,
        Some("Where are you?"),
        &[],
    );
    assert_message(
        &r[1],
        2,
        ms(60),
        Sent,
        IMessage,
        ALEX,
        Some("Leave me alone"),
        &[],
    );
    // NULL text: the words come from attributedBody.
    assert_message(
        &r[2],
        4,
        ms(120),
        Received,
        IMessage,
        ALEX,
        Some(sample.attributed_text),
        &[],
    );
    assert_message(
        &r[3],
        5,
        ms(180),
        Received,
        IMessage,
        ALEX,
        Some("I'm outside now"),
        &[Mark::Edited],
    );
    assert_message(
        &r[4],
        6,
        ms(240),
        Received,
        IMessage,
        ALEX,
        None,
        &[Mark::Unsent],
    );
    assert_message(
        &r[5],
        7,
        ms(300),
        Received,
        IMessage,
        ALEX,
        Some("Delete this"),
        &[Mark::RecentlyDeleted],
    );
    // Seconds, not nanoseconds: 2023-03-08T20:26:40Z.
    assert_message(
        &r[6],
        8,
        1_678_307_200_000,
        Received,
        Sms,
        ALEX,
        Some("Answer your phone"),
        &[],
    );
    assert_message(
        &r[7],
        9,
        ms(400),
        Received,
        Rcs,
        fixture::BLAIR,
        Some("RCS hello"),
        &[],
    );
    let group = format!("{ALEX}~{FRIEND}~{COUSIN}");
    assert_message(
        &r[8],
        10,
        ms(500),
        Received,
        IMessage,
        &group,
        Some("Group message from Alex"),
        &[],
    );
    assert_message(
        &r[9],
        11,
        ms(560),
        Sent,
        IMessage,
        &group,
        Some("Stop messaging the family"),
        &[],
    );
    assert_message(&r[10], 12, ms(600), Received, IMessage, ALEX, None, &[]);
    assert_message(
        &r[11],
        13,
        ms(660),
        Sent,
        IMessage,
        ALEX,
        Some("Look at this"),
        &[],
    );

    for (i, record) in records.iter().enumerate() {
        let expected = if matches!(i, 8..=11) {
            RecordKind::Mms
        } else {
            RecordKind::Sms
        };
        assert_eq!(
            record.record.kind, expected,
            "message {}",
            record.record.position
        );
        if !matches!(i, 8 | 9) {
            assert!(record.record.participants.is_empty());
        }
        if !matches!(i, 10 | 11) {
            assert!(record.record.parts.is_empty());
        }
    }
    let participant = |address: &str, role| RawParticipant {
        address: address.into(),
        role,
    };
    assert_eq!(
        r[8].record.participants,
        [
            participant(ALEX, Role::From),
            participant(FRIEND, Role::To),
            participant(COUSIN, Role::To)
        ]
    );
    assert_eq!(
        r[9].record.participants,
        [
            participant(ALEX, Role::To),
            participant(FRIEND, Role::To),
            participant(COUSIN, Role::To)
        ]
    );

    // The picture in the backup, streamed into the part store.
    let picture = &r[10].record.parts[0];
    assert_eq!(picture.mime, "image/heic");
    assert_eq!(picture.name.as_deref(), Some("IMG_0001.HEIC"));
    assert_eq!(picture.data_range, None);
    assert_eq!(picture.declared_size, None);
    let stored = picture.data.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(stored.size, sample.picture.len() as u64);
    assert_eq!(stored.sha256, hex::encode(Sha256::digest(&sample.picture)));
    assert_eq!(parts.kept, std::slice::from_ref(&sample.picture));
    let path = "Library/SMS/Attachments/ab/12/8E1F2D3C-4B5A-6978-8796-A5B4C3D2E1F0/IMG_0001.HEIC";
    let id = fixture::file_id("MediaDomain", path);
    assert_eq!(
        r[10].files,
        [Some(SourceFile {
            domain: "MediaDomain".into(),
            relative_path: path.into(),
            path: backup.folder().join(&id[..2]).join(&id),
            file_id: id,
            size: sample.picture.len() as u64,
            encrypted_size: None,
        })]
    );
    // Pictures the backup lacks: not listed at all, and listed without its file.
    assert_eq!(r[11].record.parts.len(), 2);
    assert_missing_part(
        &r[11].record.parts[0],
        "image/jpeg",
        "IMG_0002.JPG",
        2_345_678,
    );
    assert_missing_part(
        &r[11].record.parts[1],
        "video/quicktime",
        "IMG_0003.MOV",
        10_000_000,
    );
    assert_eq!(r[11].files, [None, None]);
}

#[test]
fn calls_are_read_with_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let (backup, _) = open_sample(dir.path());
    let (records, summary) = calls(&backup);
    assert_eq!(
        summary.source.as_ref().unwrap().file_id,
        "5a4935c78a5255723f707230a451d79c540d2741"
    );
    assert_eq!(
        (
            summary.records,
            summary.skipped,
            summary.unreadable,
            summary.incomplete
        ),
        (6, 0, 0, 0)
    );
    assert!(summary.problems.is_empty());
    let ms = |s: i64, extra: i64| (T0 + s) * 1000 + extra;
    let expected = [
        (
            ms(-3600, 500),
            Status::Incoming,
            Service::Cellular,
            Some(ALEX),
            43,
        ),
        (
            ms(-3000, 0),
            Status::Missed,
            Service::Cellular,
            Some(ALEX),
            0,
        ),
        (
            ms(-2400, 0),
            Status::Outgoing,
            Service::Cellular,
            Some("+15551239999"),
            0,
        ),
        (ms(-1800, 0), Status::Missed, Service::Cellular, None, 0),
        (
            ms(-1200, 250),
            Status::Incoming,
            Service::FaceTimeVideo,
            Some(FRIEND),
            125,
        ),
        (
            ms(-600, 0),
            Status::Outgoing,
            Service::FaceTimeAudio,
            Some(ALEX),
            12,
        ),
    ];
    assert_eq!(records.len(), expected.len());
    for (i, (r, (at_ms, status, service, address, duration))) in
        records.iter().zip(expected).enumerate()
    {
        let c = &r.record;
        assert_common(c);
        let position = i as u64 + 1;
        assert_eq!(c.position, position);
        assert_eq!(
            c.locator.as_deref(),
            Some(format!("0C2E4A6B-0000-4000-8000-{position:012}").as_str())
        );
        assert_eq!(c.kind, RecordKind::Call);
        assert_eq!(c.at_ms, at_ms, "call {position}");
        assert_eq!(c.status, status, "call {position}");
        assert_eq!(c.service, Some(service), "call {position}");
        assert_eq!(c.address.as_deref(), address, "call {position}");
        assert_eq!(c.hidden, address.is_none(), "call {position}");
        assert_eq!(c.duration_s, Some(duration), "call {position}");
        assert_eq!(c.body, None);
        assert!(c.marks.is_empty() && c.parts.is_empty() && c.participants.is_empty());
        assert!(r.files.is_empty());
    }
}

#[test]
fn voicemails_are_read_with_their_recordings() {
    let dir = tempfile::tempdir().unwrap();
    let (backup, sample) = open_sample(dir.path());
    let mut parts = MemoryParts::default();
    let (records, summary) = voicemails(&backup, &mut parts);
    assert_eq!(
        summary.source.as_ref().unwrap().file_id,
        "992df473bbb9e132f4b3b6e4d33f72171e97bc7a"
    );
    assert_eq!(
        (summary.records, summary.unreadable, summary.incomplete),
        (2, 0, 0)
    );
    assert_eq!(records.len(), 2);

    let first = &records[0].record;
    assert_common(first);
    assert_eq!(first.position, 1);
    assert_eq!(first.locator.as_deref(), Some("101"));
    assert_eq!(first.kind, RecordKind::Call);
    assert_eq!(first.status, Status::Voicemail);
    assert_eq!(first.service, Some(Service::Cellular));
    assert_eq!(first.at_ms, (T0 + 3600) * 1000);
    assert_eq!(first.address.as_deref(), Some(ALEX));
    assert!(!first.hidden);
    assert_eq!(first.duration_s, Some(27));
    assert!(first.marks.is_empty());
    assert_eq!(first.parts.len(), 1);
    let audio = &first.parts[0];
    assert_eq!(audio.mime, "audio/amr");
    assert_eq!(audio.name.as_deref(), Some("1.amr"));
    assert_eq!(audio.declared_size, None);
    let stored = audio.data.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(stored.size, sample.voicemail_audio.len() as u64);
    assert_eq!(parts.kept, std::slice::from_ref(&sample.voicemail_audio));
    let id = fixture::file_id("HomeDomain", "Library/Voicemail/1.amr");
    let file = records[0].files[0].as_ref().unwrap();
    assert_eq!(file.relative_path, "Library/Voicemail/1.amr");
    assert_eq!(file.file_id, id);
    assert_eq!(file.path, backup.folder().join(&id[..2]).join(&id));

    let second = &records[1].record;
    assert_eq!(second.position, 2);
    assert_eq!(second.locator.as_deref(), Some("102"));
    assert_eq!(second.at_ms, (T0 + 7200) * 1000);
    assert_eq!(second.address, None);
    assert!(second.hidden);
    assert_eq!(second.duration_s, Some(5));
    assert_eq!(second.marks, [Mark::RecentlyDeleted]);
    assert_eq!(second.parts[0].name.as_deref(), Some("2.amr"));
    assert!(second.parts[0].data.is_none());
    assert_eq!(records[1].files, [None]);
}

#[test]
fn the_backup_and_its_databases_are_described() {
    let dir = tempfile::tempdir().unwrap();
    let (backup, _) = open_sample(dir.path());
    assert!(IphoneBackup::looks_like_backup(dir.path()));
    assert_eq!(
        backup.info(),
        &BackupInfo {
            device_name: Some("Sam’s iPhone".into()),
            product_type: Some("iPhone14,5".into()),
            ios_version: Some("17.3.1".into()),
            last_backup_ms: Some(1_709_716_500_000),
            finished: Some(true),
        }
    );
    let sources = backup.sources().unwrap();
    let names: Vec<(&str, &str, &str)> = sources
        .iter()
        .map(|s| {
            (
                s.domain.as_str(),
                s.relative_path.as_str(),
                s.file_id.as_str(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            (
                "HomeDomain",
                "Library/SMS/sms.db",
                "3d0d7e5fb2ce288813306e4d4636395e047a3d28"
            ),
            (
                "HomeDomain",
                "Library/CallHistoryDB/CallHistory.storedata",
                "5a4935c78a5255723f707230a451d79c540d2741"
            ),
            (
                "HomeDomain",
                "Library/Voicemail/voicemail.db",
                "992df473bbb9e132f4b3b6e4d33f72171e97bc7a"
            ),
        ]
    );
    for source in &sources {
        assert_eq!(source.size, fs::metadata(&source.path).unwrap().len());
        // The phone's databases are in WAL mode (header bytes 18 and 19 are 2).
        let head = fs::read(&source.path).unwrap();
        assert_eq!(&head[..16], b"SQLite format 3\0");
        assert_eq!((head[18], head[19]), (2, 2));
    }
}

#[test]
fn a_folder_whose_name_needs_escaping_in_a_uri_is_read() {
    let dir = tempfile::tempdir().unwrap();
    // Spaces as in "Application Support", and characters a file: URI gives a meaning to
    // (Windows allows no "?" in a name).
    let name = if cfg!(unix) {
        "00008110 #1 %41 ?x=ü&y"
    } else {
        "00008110 #1 %41 x=ü&y"
    };
    let folder = dir
        .path()
        .join("Application Support/MobileSync/Backup")
        .join(name);
    fixture::sample(&folder);
    let backup = IphoneBackup::open(&folder).unwrap();
    let mut parts = MemoryParts::default();
    let (records, summary) = messages(&backup, &mut parts);
    assert_eq!((records.len(), summary.unreadable), (12, 0));
    assert_eq!(calls(&backup).0.len(), 6);
    assert_eq!(voicemails(&backup, &mut parts).0.len(), 2);
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(name, fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn reading_leaves_the_backup_folder_exactly_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    fixture::sample(dir.path());
    let before = snapshot(dir.path());
    assert!(!before
        .keys()
        .any(|k| k.ends_with("-wal") || k.ends_with("-shm")));
    {
        let backup = IphoneBackup::open(dir.path()).unwrap();
        backup.sources().unwrap();
        let mut parts = MemoryParts::default();
        let (m, _) = messages(&backup, &mut parts);
        let (c, _) = calls(&backup);
        let (v, _) = voicemails(&backup, &mut parts);
        assert_eq!((m.len(), c.len(), v.len()), (12, 6, 2));
        // While the databases are open too.
        assert_eq!(snapshot(dir.path()), before);
    }
    let after = snapshot(dir.path());
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    assert!(before == after, "a file in the backup changed");
}

#[test]
fn the_reader_can_be_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let (backup, _) = open_sample(dir.path());
    let mut seen = 0;
    let summary = backup
        .read_messages(&mut MemoryParts::default(), &mut |_| {
            seen += 1;
            if seen == 3 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!((seen, summary.records), (3, 3));
    assert!(summary.cancelled);
    let summary = backup.read_calls(&mut |_| ControlFlow::Break(())).unwrap();
    assert_eq!(summary.records, 1);
    assert!(summary.cancelled);
}

#[test]
fn an_encrypted_backup_is_refused_with_the_steps_to_make_one_that_can_be_read() {
    let dir = tempfile::tempdir().unwrap();
    Backup::create_encrypted(dir.path());
    assert!(IphoneBackup::looks_like_backup(dir.path()));
    let err = IphoneBackup::open(dir.path()).unwrap_err();
    assert!(matches!(err, IphoneError::Encrypted), "{err:?}");
    let message = err.to_string();
    for words in [
        "encrypted",
        "Finder",
        "Apple Devices",
        "leave \"Encrypt local backup\" unticked",
        "backup password",
        "not the phone's passcode",
        "\"Back Up Now\"",
    ] {
        assert!(message.contains(words), "{words:?} in {message}");
    }

    // Manifest.plist in binary form says so too.
    let dir = tempfile::tempdir().unwrap();
    fixture::sample(dir.path());
    fs::write(
        dir.path().join("Manifest.plist"),
        fixture::binary_plist(&[
            ("Version", fixture::Bplist::Ascii("10.0")),
            ("IsEncrypted", fixture::Bplist::Bool(true)),
        ]),
    )
    .unwrap();
    assert!(matches!(
        IphoneBackup::open(dir.path()),
        Err(IphoneError::Encrypted)
    ));
    // ... and when it says false, the backup is read.
    fs::write(
        dir.path().join("Manifest.plist"),
        fixture::binary_plist(&[("IsEncrypted", fixture::Bplist::Bool(false))]),
    )
    .unwrap();
    assert!(IphoneBackup::open(dir.path()).is_ok());

    // No Manifest.plist and a Manifest.db that is not SQLite: encrypted.
    let dir = tempfile::tempdir().unwrap();
    Backup::create_encrypted(dir.path());
    fs::remove_file(dir.path().join("Manifest.plist")).unwrap();
    assert!(matches!(
        IphoneBackup::open(dir.path()),
        Err(IphoneError::Encrypted)
    ));
    // Manifest.plist says unencrypted but Manifest.db is not SQLite: damaged.
    fs::write(
        dir.path().join("Manifest.plist"),
        fixture::manifest_plist(false),
    )
    .unwrap();
    let err = IphoneBackup::open(dir.path()).unwrap_err();
    assert!(matches!(err, IphoneError::Damaged { .. }), "{err:?}");
}

#[test]
fn a_folder_that_is_not_a_backup_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(!IphoneBackup::looks_like_backup(dir.path()));
    assert!(matches!(
        IphoneBackup::open(dir.path()),
        Err(IphoneError::NotABackup { .. })
    ));
    assert!(matches!(
        IphoneBackup::open(&dir.path().join("nowhere")),
        Err(IphoneError::NotABackup { .. })
    ));
    fs::write(dir.path().join("Manifest.mbdb"), b"mbdb\x05\x00").unwrap();
    assert!(matches!(
        IphoneBackup::open(dir.path()),
        Err(IphoneError::TooOld)
    ));
    // A Manifest.db without the Files table.
    let dir = tempfile::tempdir().unwrap();
    Connection::open(dir.path().join("Manifest.db"))
        .unwrap()
        .execute_batch("CREATE TABLE Other (x)")
        .unwrap();
    let err = IphoneBackup::open(dir.path()).unwrap_err();
    assert!(matches!(err, IphoneError::Damaged { .. }), "{err:?}");
}

#[test]
fn a_backup_without_a_database_reads_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let backup = Backup::create(dir.path());
    // The call history is listed but its file is gone (an incomplete copy).
    backup.list(fixture::CALL_HISTORY.0, fixture::CALL_HISTORY.1, 1);
    drop(backup);
    let backup = IphoneBackup::open(dir.path()).unwrap();
    assert!(backup.sources().unwrap().is_empty());
    let (records, summary) = messages(&backup, &mut MemoryParts::default());
    assert!(records.is_empty());
    assert!(summary.source.is_none());
    assert!(summary.problems.is_empty());
    let (records, summary) = calls(&backup);
    assert!(records.is_empty() && summary.source.is_none());
    assert_eq!(summary.problems.len(), 1);
    assert!(summary.problems[0].contains("not in the backup folder"));
}

/// A backup whose sms.db is made by `build` (given the open database).
fn backup_with_sms(
    dir: &Path,
    schema: &str,
    build: impl FnOnce(&Connection, &Backup),
) -> IphoneBackup {
    let backup = Backup::create(dir);
    {
        let sms = backup.add_database(fixture::SMS_DB, schema);
        build(&sms, &backup);
    }
    drop(backup);
    IphoneBackup::open(dir).unwrap()
}

#[test]
fn a_message_the_phone_could_not_send_is_not_called_sent() {
    let dir = tempfile::tempdir().unwrap();
    let backup = backup_with_sms(dir.path(), fixture::SMS_SCHEMA, |sms, _| {
        let alex = fixture::add_handle(sms, ALEX, "iMessage");
        for (guid, error) in [("SENT", 0), ("NOT-DELIVERED", 4)] {
            fixture::add_message(
                sms,
                &fixture::Message {
                    guid,
                    text: Some("Stop"),
                    handle_id: alex,
                    service: "iMessage",
                    date: fixture::apple_ns(fixture::T0, 0),
                    is_from_me: true,
                    ..fixture::Message::default()
                },
            );
            sms.execute(
                "UPDATE message SET error = ?1 WHERE guid = ?2",
                (error, guid),
            )
            .unwrap();
        }
    });
    let (records, _) = messages(&backup, &mut MemoryParts::default());
    let statuses: Vec<_> = records
        .iter()
        .map(|r| (r.record.locator.clone().unwrap(), r.record.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("SENT".to_string(), Status::Sent),
            ("NOT-DELIVERED".to_string(), Status::Failed)
        ]
    );
}

#[test]
fn an_old_message_database_without_newer_tables_is_read() {
    let dir = tempfile::tempdir().unwrap();
    // iOS 5-era shapes: no chats, no attachments, no attributedBody, no edit columns.
    let backup = backup_with_sms(
        dir.path(),
        "CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT, text TEXT, handle_id INTEGER, service TEXT, date INTEGER, is_from_me INTEGER);
         CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT, service TEXT);",
        |sms, _| {
            sms.execute_batch(
                "INSERT INTO handle (id, service) VALUES ('+15551230001', 'SMS');
                 INSERT INTO message (guid, text, handle_id, service, date, is_from_me) VALUES ('A', 'Old text', 1, 'SMS', 400000000, 0);
                 INSERT INTO message (guid, text, handle_id, service, date, is_from_me) VALUES ('B', 'No date', 1, 'SMS', NULL, 0);
                 INSERT INTO message (ROWID) VALUES (3);
                 INSERT INTO message (guid, text, handle_id, service, date, is_from_me) VALUES ('D', 'Bad date', 1, 'SMS', 'yesterday', 1);
                 INSERT INTO message (guid, text, handle_id, service, date, is_from_me) VALUES ('E', 'To nobody', 99, 'iMessage', 400000060, 1);",
            )
            .unwrap();
        },
    );
    let (records, summary) = messages(&backup, &mut MemoryParts::default());
    assert_eq!(summary.records, 2);
    assert_eq!(summary.unreadable, 3);
    assert_eq!(
        summary.problems,
        [
            "message 2: it has no date",
            "message 3: it has no date",
            "message 4: its date is not a number"
        ]
    );
    let first = &records[0].record;
    assert_eq!(first.at_ms, (400_000_000 + fixture::APPLE_EPOCH_S) * 1000);
    assert_eq!(first.body.as_deref(), Some("Old text"));
    assert_eq!(first.address.as_deref(), Some(ALEX));
    assert_eq!(first.service, Some(Service::Sms));
    assert_eq!(first.marks, []);
    let second = &records[1].record;
    assert_eq!(second.address, None);
    assert!(second.hidden);
    assert_eq!(second.status, Status::Sent);
}

#[test]
fn hostile_message_rows_are_skipped_or_named_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("secret.txt"), b"not part of the backup").unwrap();
    let outside_file = outside.path().join("secret.txt");
    let backup = backup_with_sms(dir.path(), fixture::SMS_SCHEMA, |sms, backup| {
        // Rows that point at nothing, as a damaged database has.
        sms.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        let alex = fixture::add_handle(sms, ALEX, "iMessage");
        let chat = fixture::add_chat(sms, ALEX, "iMessage", 45, &[alex]);
        let base = Message {
            handle_id: alex,
            service: "iMessage",
            chat,
            date: fixture::apple_ns(T0, 0),
            ..Message::default()
        };
        // 1: garbage attributedBody and no text.
        fixture::add_message(
            sms,
            &Message {
                guid: "1",
                attributed_body: Some(b"\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\xff\xff".to_vec()),
                ..base.clone()
            },
        );
        // 2: attachments of every bad kind.
        let m = fixture::add_message(
            sms,
            &Message {
                guid: "2",
                text: Some("pictures"),
                has_attachments: true,
                ..base.clone()
            },
        );
        fixture::add_attachment(
            sms,
            m,
            "a1",
            "~/Library/SMS/Attachments/00/00/huge.jpg",
            Some("image/jpeg"),
            "huge.jpg",
            i64::MAX,
        );
        fixture::add_attachment(
            sms,
            m,
            "a2",
            "~/Library/SMS/Attachments/00/00/negative.jpg",
            None,
            "negative.jpg",
            -5,
        );
        fixture::add_attachment(
            sms,
            m,
            "a3",
            "~/../../../etc/passwd",
            Some("text/plain"),
            "passwd",
            10,
        );
        fixture::add_attachment(
            sms,
            m,
            "a4",
            "/etc/passwd",
            Some("text/plain"),
            "passwd2",
            10,
        );
        fixture::add_attachment(
            sms,
            m,
            "a5",
            "~/Library/SMS/Attachments/00/01/odd-id.jpg",
            Some("image/jpeg"),
            "odd-id.jpg",
            10,
        );
        backup.list_as(
            "MediaDomain",
            "Library/SMS/Attachments/00/01/odd-id.jpg",
            "../../../../../../etc/passwd",
        );
        let linked = "Library/SMS/Attachments/00/02/linked.jpg";
        fixture::add_attachment(
            sms,
            m,
            "a6",
            &format!("~/{linked}"),
            Some("image/jpeg"),
            "linked.jpg",
            10,
        );
        backup.list("MediaDomain", linked, 1);
        let link = backup.path("MediaDomain", linked);
        fs::create_dir_all(link.parent().unwrap()).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(&outside_file, &link).unwrap();
        #[cfg(not(unix))]
        let _ = &outside_file;
        sms.execute(
            "INSERT INTO attachment (guid, filename, original_guid) VALUES ('a7', NULL, 'a7')",
            [],
        )
        .unwrap();
        sms.execute(
            "INSERT INTO message_attachment_join (message_id, attachment_id) VALUES (?1, last_insert_rowid())",
            [m],
        )
        .unwrap();
        // 3: NULL in every column that allows it.
        sms.execute(
            "INSERT INTO message (guid, text, handle_id, service, date, is_from_me, cache_has_attachments, item_type, associated_message_type, date_edited, date_retracted)
             VALUES ('3', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
            [],
        )
        .unwrap();
        // 4: values of the wrong type everywhere (SQLite stores what it is given).
        sms.execute(
            "INSERT INTO message (guid, text, attributedBody, handle_id, service, date, is_from_me, item_type, associated_message_type, date_edited)
             VALUES ('4', X'66FF6F', 'not a blob', 'x', 42, 731340000.5, 'yes', '0', 'none', -1)",
            [],
        )
        .unwrap();
        // 5: a message in a chat that does not exist, with an attachment row for a message
        // that does not exist either (passed over).
        sms.execute(
            "INSERT INTO chat_message_join (chat_id, message_id) VALUES (999, 5)",
            [],
        )
        .unwrap();
        sms.execute(
            "INSERT INTO message_attachment_join (message_id, attachment_id) VALUES (4000, 1)",
            [],
        )
        .unwrap();
        fixture::add_message(
            sms,
            &Message {
                guid: "5",
                text: Some("orphan"),
                chat: 0,
                ..base.clone()
            },
        );
    });
    let mut parts = MemoryParts::default();
    let (records, summary) = messages(&backup, &mut parts);
    assert!(parts.kept.is_empty(), "nothing outside the backup is read");
    assert_eq!(summary.records, 4);
    assert_eq!(summary.unreadable, 1, "{:?}", summary.problems);
    assert_eq!(summary.incomplete, 3, "{:?}", summary.problems);
    let positions: Vec<u64> = records.iter().map(|r| r.record.position).collect();
    assert_eq!(positions, [1, 2, 4, 5]);

    let garbage = &records[0].record;
    assert_eq!(garbage.body, None);
    assert_eq!(garbage.marks, []);
    assert!(summary
        .problems
        .iter()
        .any(|p| p.starts_with("message 1: its text could not be read: it is laid out")));

    let pictures = &records[1];
    let p = &pictures.record.parts;
    assert_eq!(p.len(), 7);
    assert_eq!(pictures.record.kind, RecordKind::Mms);
    assert_missing_part(&p[0], "image/jpeg", "huge.jpg", i64::MAX as u64);
    assert_eq!(p[1].mime, "image/jpeg", "guessed from the name");
    assert_eq!((p[1].data.is_none(), p[1].declared_size), (true, None));
    for refused in [&p[2], &p[3], &p[4]] {
        assert!(matches!(refused.data, Some(Err(_))), "{refused:?}");
    }
    #[cfg(unix)]
    assert!(matches!(&p[5].data, Some(Err(why)) if why.contains("outside the backup folder")));
    assert_eq!(p[6].name, None);
    assert!(p[6].data.is_none());
    assert!(pictures.files.iter().all(Option::is_none));

    let wrong_types = &records[2].record;
    assert_eq!(wrong_types.body.as_deref(), Some("f\u{FFFD}o"));
    assert_eq!(
        wrong_types.at_ms,
        (731_340_000 + fixture::APPLE_EPOCH_S) * 1000
    );
    assert_eq!(wrong_types.status, Status::Received);
    assert_eq!(wrong_types.service, None);
    assert_eq!(wrong_types.address, None);
    assert!(summary
        .problems
        .iter()
        .any(|p| p.starts_with("message 4: its text holds bytes that are not text")));
    assert!(summary
        .problems
        .iter()
        .any(|p| p == "message 3: it has no date"));

    let orphan = &records[3].record;
    assert_eq!(orphan.body.as_deref(), Some("orphan"));
    assert_eq!(orphan.address.as_deref(), Some(ALEX));
    assert_eq!(orphan.kind, RecordKind::Sms);
}

#[test]
fn a_message_database_that_is_not_one_gives_a_clear_error() {
    // No message table.
    let dir = tempfile::tempdir().unwrap();
    let backup = backup_with_sms(
        dir.path(),
        "CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id TEXT)",
        |_, _| {},
    );
    let err = backup
        .read_messages(&mut MemoryParts::default(), &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert!(matches!(
        err,
        IphoneError::MissingTable {
            table: "message",
            ..
        }
    ));
    assert!(err.to_string().contains("message database"), "{err}");
    // No date column.
    let dir = tempfile::tempdir().unwrap();
    let backup = backup_with_sms(
        dir.path(),
        "CREATE TABLE message (ROWID INTEGER PRIMARY KEY, text TEXT)",
        |_, _| {},
    );
    let err = backup
        .read_messages(&mut MemoryParts::default(), &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert!(matches!(
        err,
        IphoneError::MissingColumn { column: "date", .. }
    ));
    // Not SQLite at all.
    let dir = tempfile::tempdir().unwrap();
    let backup = Backup::create(dir.path());
    backup.add_file(fixture::SMS_DB.0, fixture::SMS_DB.1, &[0x5a; 4096]);
    drop(backup);
    let backup = IphoneBackup::open(dir.path()).unwrap();
    let err = backup
        .read_messages(&mut MemoryParts::default(), &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap_err();
    assert!(matches!(err, IphoneError::Database { .. }), "{err:?}");
    assert!(err
        .to_string()
        .starts_with("The backup's message database (Library/SMS/sms.db) cannot be read"));
}

#[test]
fn hostile_call_rows_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let backup = Backup::create(dir.path());
    {
        let calls = backup.add_database(fixture::CALL_HISTORY, fixture::CALL_HISTORY_SCHEMA);
        calls
            .execute_batch(
                "INSERT INTO ZCALLRECORD (Z_PK, ZDATE) VALUES (1, NULL);
                 INSERT INTO ZCALLRECORD (Z_PK, ZDATE) VALUES (2, 'abc');
                 INSERT INTO ZCALLRECORD (Z_PK, ZDATE) VALUES (3, 1e300);
                 INSERT INTO ZCALLRECORD (Z_PK, ZDATE, ZDURATION, ZADDRESS, ZCALLTYPE, ZSERVICE_PROVIDER, ZORIGINATED, ZANSWERED)
                     VALUES (4, 731340000, -3, X'', 1, 'net.whatsapp.WhatsApp', 'x', NULL);
                 INSERT INTO ZCALLRECORD (Z_PK, ZDATE, ZDURATION, ZADDRESS, ZCALLTYPE) VALUES (5, 731340000, 'NaN', ' +15551230001 ', 99);",
            )
            .unwrap();
    }
    drop(backup);
    let backup = IphoneBackup::open(dir.path()).unwrap();
    let (records, summary) = calls(&backup);
    assert_eq!((summary.records, summary.unreadable), (2, 3));
    assert_eq!(
        summary.problems,
        [
            "call 1: it has no date",
            "call 2: its date is not a number",
            "call 3: its date (1e300) is not a time"
        ]
    );
    let whatsapp = &records[0].record;
    assert_eq!(whatsapp.service, Some(Service::WhatsApp));
    assert_eq!(whatsapp.status, Status::Missed);
    assert_eq!(whatsapp.duration_s, None);
    assert!(whatsapp.hidden);
    let odd = &records[1].record;
    assert_eq!(odd.service, None);
    assert_eq!(odd.address.as_deref(), Some(ALEX));
    assert_eq!(odd.duration_s, None);

    // No ZCALLRECORD table.
    let dir = tempfile::tempdir().unwrap();
    let backup = Backup::create(dir.path());
    backup
        .add_database(fixture::CALL_HISTORY, "CREATE TABLE ZOTHER (Z_PK INTEGER)")
        .execute("INSERT INTO ZOTHER VALUES (1)", [])
        .unwrap();
    drop(backup);
    let backup = IphoneBackup::open(dir.path()).unwrap();
    let err = backup
        .read_calls(&mut |_| ControlFlow::Continue(()))
        .unwrap_err();
    assert!(matches!(
        err,
        IphoneError::MissingTable {
            table: "ZCALLRECORD",
            ..
        }
    ));
}

#[test]
fn a_large_backup_is_streamed_in_order() {
    let dir = tempfile::tempdir().unwrap();
    const MESSAGES: i64 = 30_000;
    let backup = backup_with_sms(dir.path(), fixture::SMS_SCHEMA, |sms, _| {
        sms.execute_batch("BEGIN").unwrap();
        let mut chats = Vec::new();
        for i in 0..50 {
            let a = fixture::add_handle(sms, &format!("+1555000{i:04}"), "iMessage");
            let b = fixture::add_handle(sms, &format!("+1555100{i:04}"), "iMessage");
            let members: &[i64] = if i % 5 == 0 { &[a, b] } else { &[a] };
            chats.push((
                fixture::add_chat(
                    sms,
                    &format!("c{i}"),
                    "iMessage",
                    if i % 5 == 0 { 43 } else { 45 },
                    members,
                ),
                a,
            ));
        }
        let mut with_attachments = Vec::new();
        for n in 1..=MESSAGES {
            let (chat, handle) = chats[(n % 50) as usize];
            let guid = format!("m{n}");
            let text = format!("message {n}");
            let id = fixture::add_message(
                sms,
                &Message {
                    guid: &guid,
                    text: Some(&text),
                    handle_id: handle,
                    service: "iMessage",
                    date: fixture::apple_ns(T0 + n, 0),
                    has_attachments: n % 10 == 0,
                    associated_message_type: if n % 97 == 0 { 2000 } else { 0 },
                    chat,
                    ..Message::default()
                },
            );
            if n % 10 == 0 {
                with_attachments.push((id, n));
            }
        }
        // Attachments added newest first, so their rows are not in message order.
        for (id, n) in with_attachments.into_iter().rev() {
            fixture::add_attachment(
                sms,
                id,
                &format!("a{n}"),
                &format!("~/Library/SMS/Attachments/x/{n}.jpg"),
                Some("image/jpeg"),
                &format!("{n}.jpg"),
                n,
            );
        }
        sms.execute_batch("COMMIT").unwrap();
    });
    let mut count = 0i64;
    let mut last = 0;
    let summary = backup
        .read_messages(&mut MemoryParts::default(), &mut |r| {
            let m = &r.record;
            assert!(m.position > last);
            last = m.position;
            let n = m.position as i64;
            assert_eq!(m.body.as_deref(), Some(format!("message {n}").as_str()));
            assert_eq!(m.at_ms, (T0 + n) * 1000);
            if n % 10 == 0 {
                assert_eq!(m.parts.len(), 1, "message {n}");
                assert_eq!(m.parts[0].declared_size, Some(n as u64));
            } else {
                assert!(m.parts.is_empty(), "message {n}");
            }
            let group = (n % 50) % 5 == 0;
            assert_eq!(
                m.kind == RecordKind::Mms,
                group || n % 10 == 0,
                "message {n}"
            );
            count += 1;
            ControlFlow::Continue(())
        })
        .unwrap();
    let reactions = MESSAGES / 97;
    assert_eq!(count, MESSAGES - reactions);
    assert_eq!(summary.records as i64, count);
    assert_eq!(summary.skipped as i64, reactions);
}
