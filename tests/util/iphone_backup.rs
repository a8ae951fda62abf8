//! Unencrypted iPhone computer backups as Finder, Apple Devices and iTunes write them, for
//! tests: a folder with `Manifest.db` (the `Files` table, each file stored as
//! `<first two hex digits of its id>/<id>`, the id being the SHA-1 of `domain-relativePath`),
//! `Manifest.plist` (XML), `Info.plist` (XML), `Status.plist` (binary, as iTunes writes it), and
//! the phone's databases with the tables and columns iOS 17 gives them (`sms.db`,
//! `CallHistory.storedata`, `voicemail.db`, each left in WAL mode like the phone's).
//!
//! Used by the reader's unit tests (`src/phone/iphone`) through `#[path]`, and by integration
//! tests. [`sample`] builds the whole backup the tests describe with nothing but rusqlite and
//! std; [`encrypted_copy`] makes an encrypted copy of a backup the way an iPhone encrypts one
//! (the inverse of every step Daybook takes to read it, over the RustCrypto primitives, with
//! small round counts so the tests stay fast).
#![allow(dead_code)]

/// Encrypted copies of these backups (iOS 10.2 and later), in a file of their own.
#[path = "iphone_backup_encrypted.rs"]
mod encrypted;
// Not every includer uses them (the bench writes only plain backups).
#[allow(unused_imports)]
pub use encrypted::*;

use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection};

/// Seconds from 1970 to 2001-01-01T00:00:00Z, Apple's reference date.
pub const APPLE_EPOCH_S: i64 = 978_307_200;

/// 2024-03-05T14:00:00Z in Unix seconds: the sample's messages are from then on.
pub const T0: i64 = 1_709_647_200;

/// Apple nanoseconds (iOS 11 and later) of Unix seconds `unix_s` plus `extra_ns`.
pub fn apple_ns(unix_s: i64, extra_ns: i64) -> i64 {
    (unix_s - APPLE_EPOCH_S) * 1_000_000_000 + extra_ns
}

/// Apple seconds (before iOS 11) of Unix seconds `unix_s`.
pub fn apple_s(unix_s: i64) -> i64 {
    unix_s - APPLE_EPOCH_S
}

/// SHA-1 (FIPS 180-4) in lowercase hex, as backup file ids are written.
pub fn sha1_hex(data: &[u8]) -> String {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut message = data.to_vec();
    let bits = (data.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bits.to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
            *word = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, word) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*word);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

/// A file's name in the backup.
pub fn file_id(domain: &str, relative_path: &str) -> String {
    sha1_hex(format!("{domain}-{relative_path}").as_bytes())
}

/// A typedstream number the way `NSArchiver` writes it: one byte when it fits a signed byte
/// outside the tags (0x80..=0x91), else 0x81 and two bytes, else 0x82 and four (little-endian).
fn put_number(out: &mut Vec<u8>, n: u32) {
    if n < 0x80 {
        out.push(n as u8);
    } else if let Ok(n) = u16::try_from(n) {
        out.push(0x81);
        out.extend_from_slice(&n.to_le_bytes());
    } else {
        out.push(0x82);
        out.extend_from_slice(&n.to_le_bytes());
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_number(out, bytes.len() as u32);
    out.extend_from_slice(bytes);
}

/// A new shared string (class name, type): 0x84 then its length and bytes.
fn put_new(out: &mut Vec<u8>, s: &[u8]) {
    out.push(0x84);
    put_bytes(out, s);
}

/// An `attributedBody` as iOS writes it: an `NSAttributedString` over an `NSString` holding
/// `text`, with one attribute run (`__kIMMessagePartAttributeName` = 0) over all of it.
pub fn attributed_body(text: &str) -> Vec<u8> {
    archive(text, false)
}

/// The same as a Mac writes it: `NSMutableAttributedString` over `NSMutableString`, one more
/// class in each chain (so every reference number moves).
pub fn mutable_attributed_body(text: &str) -> Vec<u8> {
    archive(text, true)
}

fn archive(text: &str, mutable: bool) -> Vec<u8> {
    let mut out = b"\x04\x0bstreamtyped\x81\xe8\x03".to_vec();
    // Shared strings and objects are numbered from 0x92 in the order they first appear.
    put_new(&mut out, b"@");
    out.push(0x84); // the root object
    if mutable {
        out.push(0x84);
        put_new(&mut out, b"NSMutableAttributedString");
        out.push(0);
    }
    out.push(0x84);
    put_new(&mut out, b"NSAttributedString");
    out.push(0);
    out.push(0x84);
    put_new(&mut out, b"NSObject");
    out.push(0);
    out.push(0x85);
    // Objects so far: root, its classes; NSObject is number 2 (3 when mutable).
    let ns_object = if mutable { 0x95 } else { 0x94 };
    out.push(0x92); // "@"
    out.push(0x84); // the string object
    if mutable {
        out.push(0x84);
        put_new(&mut out, b"NSMutableString");
        out.push(1);
    }
    out.push(0x84);
    put_new(&mut out, b"NSString");
    out.push(1);
    out.push(ns_object);
    put_new(&mut out, b"+");
    put_bytes(&mut out, text.as_bytes());
    out.push(0x86);
    // One attribute run: index 1 over the whole text (its length in UTF-16 units).
    put_new(&mut out, b"iI");
    out.push(1);
    put_number(&mut out, text.encode_utf16().count() as u32);
    out.push(0x92); // "@": the run's attributes
    out.push(0x84);
    out.push(0x84);
    put_new(&mut out, b"NSDictionary");
    out.push(0);
    out.push(ns_object);
    put_new(&mut out, b"i");
    out.push(1); // one entry
                 // Strings so far: @, [NSMutableAttributedString], NSAttributedString, NSObject,
                 // [NSMutableString], NSString, +, iI, NSDictionary, i.
    let shift = if mutable { 2 } else { 0 };
    let string_class = 0x96 + shift; // the NSString class among the objects
    let plus = 0x96 + shift; // "+" among the shared strings
    out.push(0x92);
    out.extend_from_slice(&[0x84, string_class, plus]);
    put_bytes(&mut out, b"__kIMMessagePartAttributeName");
    out.push(0x86);
    out.push(0x92);
    out.push(0x84);
    out.push(0x84);
    put_new(&mut out, b"NSNumber");
    out.push(0);
    out.push(0x84);
    put_new(&mut out, b"NSValue");
    out.push(0);
    out.push(ns_object);
    put_new(&mut out, b"*");
    let i = 0x99 + shift; // "i" among the shared strings
    out.extend_from_slice(&[0x84, i, i, 0x00]);
    out.extend_from_slice(&[0x86, 0x86, 0x86]);
    out
}

/// A value in a binary property list.
pub enum Bplist<'a> {
    Bool(bool),
    Int(u64),
    Ascii(&'a str),
}

/// A binary property list (`bplist00`) of one dictionary, as iTunes writes Status.plist.
pub fn binary_plist(entries: &[(&str, Bplist<'_>)]) -> Vec<u8> {
    assert!(entries.len() < 15);
    let ascii = |out: &mut Vec<u8>, s: &str| {
        if s.len() < 15 {
            out.push(0x50 | s.len() as u8);
        } else {
            out.push(0x5F);
            out.push(0x10);
            out.push(u8::try_from(s.len()).expect("a short string"));
        }
        out.extend_from_slice(s.as_bytes());
    };
    let mut out = b"bplist00".to_vec();
    let mut offsets = vec![out.len()];
    out.push(0xD0 | entries.len() as u8);
    for i in 0..entries.len() * 2 {
        out.push(u8::try_from(i + 1).expect("few objects"));
    }
    for (key, _) in entries {
        offsets.push(out.len());
        ascii(&mut out, key);
    }
    for (_, value) in entries {
        offsets.push(out.len());
        match value {
            Bplist::Bool(b) => out.push(if *b { 0x09 } else { 0x08 }),
            Bplist::Int(n) => {
                out.push(0x13);
                out.extend_from_slice(&n.to_be_bytes());
            }
            Bplist::Ascii(s) => ascii(&mut out, s),
        }
    }
    let table = out.len() as u64;
    for offset in &offsets {
        out.extend_from_slice(&u16::try_from(*offset).expect("small").to_be_bytes());
    }
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0, 2, 1]);
    out.extend_from_slice(&(offsets.len() as u64).to_be_bytes());
    out.extend_from_slice(&0u64.to_be_bytes());
    out.extend_from_slice(&table.to_be_bytes());
    out
}

const PLIST_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n";

/// Manifest.plist as Finder writes it (XML), abridged: no app list.
pub fn manifest_plist(encrypted: bool) -> String {
    format!(
        "{PLIST_HEAD}<dict>\n\t<key>BackupKeyBag</key>\n\t<data>\n\tVkVSUwAAAAQAAAAFVFlQRQAAAAQAAAAAVVVJRAAAABA=\n\t</data>\n\t<key>Date</key>\n\t<date>2024-03-06T09:15:00Z</date>\n\t<key>IsEncrypted</key>\n\t<{}/>\n\t<key>Lockdown</key>\n\t<dict>\n\t\t<key>BuildVersion</key>\n\t\t<string>21D61</string>\n\t\t<key>DeviceName</key>\n\t\t<string>Sam’s iPhone</string>\n\t\t<key>ProductType</key>\n\t\t<string>iPhone14,5</string>\n\t\t<key>ProductVersion</key>\n\t\t<string>17.3.1</string>\n\t\t<key>UniqueDeviceID</key>\n\t\t<string>00008110-000A1B2C3D4E5F6A</string>\n\t</dict>\n\t<key>SystemDomainsVersion</key>\n\t<string>24.0</string>\n\t<key>Version</key>\n\t<string>10.0</string>\n\t<key>WasPasscodeSet</key>\n\t<true/>\n</dict>\n</plist>\n",
        if encrypted { "true" } else { "false" }
    )
}

/// Info.plist (XML), abridged.
pub fn info_plist() -> String {
    format!(
        "{PLIST_HEAD}<dict>\n\t<key>Build Version</key>\n\t<string>21D61</string>\n\t<key>Device Name</key>\n\t<string>Sam’s iPhone</string>\n\t<key>Display Name</key>\n\t<string>Sam’s iPhone</string>\n\t<key>GUID</key>\n\t<string>4F8E2C1A9B7D6E5F4A3B2C1D0E9F8A7B</string>\n\t<key>Last Backup Date</key>\n\t<date>2024-03-06T09:15:00Z</date>\n\t<key>Product Name</key>\n\t<string>iPhone 13</string>\n\t<key>Product Type</key>\n\t<string>iPhone14,5</string>\n\t<key>Product Version</key>\n\t<string>17.3.1</string>\n\t<key>Serial Number</key>\n\t<string>F2LXK0AAAAAA</string>\n\t<key>Target Identifier</key>\n\t<string>00008110-000A1B2C3D4E5F6A</string>\n\t<key>Target Type</key>\n\t<string>Device</string>\n\t<key>Unique Identifier</key>\n\t<string>00008110-000A1B2C3D4E5F6A</string>\n</dict>\n</plist>\n"
    )
}

/// Status.plist (binary): a finished backup.
pub fn status_plist() -> Vec<u8> {
    binary_plist(&[
        ("BackupState", Bplist::Ascii("new")),
        ("IsFullBackup", Bplist::Bool(false)),
        ("SnapshotState", Bplist::Ascii("finished")),
        (
            "UUID",
            Bplist::Ascii("5C1B7E3A-2F4D-4E6B-9A8C-1D2E3F4A5B6C"),
        ),
        ("Version", Bplist::Ascii("3.3")),
    ])
}

const MANIFEST_SCHEMA: &str = "
CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);
CREATE INDEX FilesDomainIdx ON Files(domain);
CREATE INDEX FilesRelativePathIdx ON Files(relativePath);
CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);
";

/// `sms.db` as iOS 17 has it: the tables the reader uses with their real columns (the
/// `message` table abridged to the columns that matter), indexes included.
pub const SMS_SCHEMA: &str = "
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT, service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT, UNIQUE (id, service));
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER, state INTEGER, account_id TEXT, properties BLOB, chat_identifier TEXT, service_name TEXT, room_name TEXT, account_login TEXT, is_archived INTEGER DEFAULT 0, last_addressed_handle TEXT, display_name TEXT, group_id TEXT, is_filtered INTEGER DEFAULT 0, successful_query INTEGER, engram_id TEXT, server_change_token TEXT, ck_sync_state INTEGER DEFAULT 0, original_group_id TEXT, last_read_message_timestamp INTEGER DEFAULT 0, cloudkit_record_id TEXT, last_addressed_sim_id TEXT, is_blackholed INTEGER DEFAULT 0, syndication_date INTEGER DEFAULT 0, syndication_type INTEGER DEFAULT 0, is_recovered INTEGER DEFAULT 0, is_deleting_incoming_messages INTEGER DEFAULT 0);
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0, subject TEXT, country TEXT, attributedBody BLOB, version INTEGER DEFAULT 0, type INTEGER DEFAULT 0, service TEXT, account TEXT, account_guid TEXT, error INTEGER DEFAULT 0, date INTEGER, date_read INTEGER, date_delivered INTEGER, is_delivered INTEGER DEFAULT 0, is_finished INTEGER DEFAULT 0, is_emote INTEGER DEFAULT 0, is_from_me INTEGER DEFAULT 0, is_empty INTEGER DEFAULT 0, is_delayed INTEGER DEFAULT 0, is_auto_reply INTEGER DEFAULT 0, is_prepared INTEGER DEFAULT 0, is_read INTEGER DEFAULT 0, is_system_message INTEGER DEFAULT 0, is_sent INTEGER DEFAULT 0, has_dd_results INTEGER DEFAULT 0, is_service_message INTEGER DEFAULT 0, is_forward INTEGER DEFAULT 0, was_downgraded INTEGER DEFAULT 0, is_archive INTEGER DEFAULT 0, cache_has_attachments INTEGER DEFAULT 0, cache_roomnames TEXT, was_data_detected INTEGER DEFAULT 0, was_deduplicated INTEGER DEFAULT 0, is_audio_message INTEGER DEFAULT 0, is_played INTEGER DEFAULT 0, date_played INTEGER, item_type INTEGER DEFAULT 0, other_handle INTEGER DEFAULT 0, group_title TEXT, group_action_type INTEGER DEFAULT 0, share_status INTEGER DEFAULT 0, share_direction INTEGER DEFAULT 0, is_expirable INTEGER DEFAULT 0, expire_state INTEGER DEFAULT 0, message_action_type INTEGER DEFAULT 0, message_source INTEGER DEFAULT 0, associated_message_guid TEXT DEFAULT NULL, associated_message_type INTEGER DEFAULT 0, balloon_bundle_id TEXT DEFAULT NULL, payload_data BLOB, expressive_send_style_id TEXT DEFAULT NULL, associated_message_range_location INTEGER DEFAULT 0, associated_message_range_length INTEGER DEFAULT 0, time_expressive_send_played INTEGER DEFAULT 0, message_summary_info BLOB DEFAULT NULL, ck_sync_state INTEGER DEFAULT 0, ck_record_id TEXT DEFAULT NULL, ck_record_change_tag TEXT DEFAULT NULL, destination_caller_id TEXT DEFAULT NULL, is_corrupt INTEGER DEFAULT 0, reply_to_guid TEXT DEFAULT NULL, sort_id INTEGER DEFAULT 0, is_spam INTEGER DEFAULT 0, has_unseen_mention INTEGER DEFAULT 0, thread_originator_guid TEXT DEFAULT NULL, thread_originator_part TEXT DEFAULT NULL, syndication_ranges TEXT DEFAULT NULL, synced_syndication_ranges TEXT DEFAULT NULL, was_delivered_quietly INTEGER DEFAULT 0, did_notify_recipient INTEGER DEFAULT 0, date_retracted INTEGER DEFAULT 0, date_edited INTEGER DEFAULT 0, was_detonated INTEGER DEFAULT 0, part_count INTEGER, is_stewie INTEGER DEFAULT 0, is_kt_verified INTEGER DEFAULT 0, is_sos INTEGER DEFAULT 0, is_critical INTEGER DEFAULT 0, bia_reference_id TEXT DEFAULT NULL, fallback_hash TEXT DEFAULT NULL);
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, created_date INTEGER DEFAULT 0, start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT, transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0, user_info BLOB, transfer_name TEXT, total_bytes INTEGER DEFAULT 0, is_sticker INTEGER DEFAULT 0, sticker_user_info BLOB, attribution_info BLOB, hide_attachment INTEGER DEFAULT 0, ck_sync_state INTEGER DEFAULT 0, ck_server_change_token_blob BLOB, ck_record_id TEXT, original_guid TEXT UNIQUE NOT NULL, is_commsafety_sensitive INTEGER DEFAULT 0);
CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, handle_id INTEGER REFERENCES handle (ROWID) ON DELETE CASCADE, UNIQUE(chat_id, handle_id));
CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
CREATE TABLE message_attachment_join (message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE, UNIQUE(message_id, attachment_id));
CREATE TABLE chat_recoverable_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE, message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, delete_date INTEGER, ck_sync_state INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id), CHECK (delete_date != 0));
CREATE INDEX chat_message_join_idx_message_id_only ON chat_message_join(message_id);
CREATE INDEX chat_message_join_idx_message_date_id_chat_id ON chat_message_join(chat_id, message_date, message_id);
CREATE INDEX message_attachment_join_idx_message_id ON message_attachment_join(message_id);
CREATE INDEX chat_handle_join_idx_handle_id ON chat_handle_join(handle_id);
CREATE INDEX message_idx_handle ON message(handle_id, date);
CREATE INDEX message_idx_is_read ON message(is_read, is_from_me, is_finished);
";

/// `CallHistory.storedata` (Core Data) as iOS 17 has it.
pub const CALL_HISTORY_SCHEMA: &str = "
CREATE TABLE ZCALLRECORD ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZANSWERED INTEGER, ZCALL_CATEGORY INTEGER, ZCALLTYPE INTEGER, ZDISCONNECTED_CAUSE INTEGER, ZFACE_TIME_DATA_USAGE INTEGER, ZFILTERED_OUT_REASON INTEGER, ZHANDLE_TYPE INTEGER, ZNUMBER_AVAILABILITY INTEGER, ZORIGINATED INTEGER, ZREAD INTEGER, ZJUNKCONFIDENCE INTEGER, ZJUNKIDENTIFICATIONCATEGORY INTEGER, ZVERIFICATIONSTATUS INTEGER, ZDATE TIMESTAMP, ZDURATION FLOAT, ZADDRESS VARCHAR, ZDEVICE_ID VARCHAR, ZISO_COUNTRY_CODE VARCHAR, ZLOCATION VARCHAR, ZNAME VARCHAR, ZSERVICE_PROVIDER VARCHAR, ZUNIQUE_ID VARCHAR );
CREATE TABLE ZHANDLE ( Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTYPE INTEGER, ZNORMALIZEDVALUE VARCHAR, ZVALUE VARCHAR );
CREATE TABLE Z_2REMOTEPARTICIPANTHANDLES ( Z_2REMOTEPARTICIPANTCALLS INTEGER, Z_4REMOTEPARTICIPANTHANDLES INTEGER, PRIMARY KEY (Z_2REMOTEPARTICIPANTCALLS, Z_4REMOTEPARTICIPANTHANDLES) );
CREATE INDEX ZCALLRECORD_ZDATE_INDEX ON ZCALLRECORD (ZDATE);
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE Z_MODELCACHE (Z_CONTENT BLOB);
";

/// `voicemail.db` as iOS 17 has it.
pub const VOICEMAIL_SCHEMA: &str = "
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE voicemail (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, remote_uid INTEGER, date INTEGER, token TEXT, sender TEXT, callback_num TEXT, duration INTEGER, expiration INTEGER, trashed_date INTEGER, flags INTEGER, receiver TEXT, uuid TEXT);
CREATE INDEX date_index on voicemail(date);
CREATE INDEX remote_uid_index on voicemail(remote_uid);
";

/// Where the phone keeps its databases.
pub const SMS_DB: (&str, &str) = ("HomeDomain", "Library/SMS/sms.db");
pub const CALL_HISTORY: (&str, &str) =
    ("HomeDomain", "Library/CallHistoryDB/CallHistory.storedata");
pub const VOICEMAIL_DB: (&str, &str) = ("HomeDomain", "Library/Voicemail/voicemail.db");

/// A backup folder being written.
pub struct Backup {
    pub dir: PathBuf,
    manifest: Connection,
}

impl Backup {
    /// An empty unencrypted backup in `dir`: Manifest.db with no files, and the three plists.
    pub fn create(dir: &Path) -> Backup {
        fs::create_dir_all(dir).unwrap();
        fs::write(dir.join("Manifest.plist"), manifest_plist(false)).unwrap();
        fs::write(dir.join("Info.plist"), info_plist()).unwrap();
        fs::write(dir.join("Status.plist"), status_plist()).unwrap();
        let manifest = Connection::open(dir.join("Manifest.db")).unwrap();
        manifest.execute_batch(MANIFEST_SCHEMA).unwrap();
        let backup = Backup {
            dir: dir.to_path_buf(),
            manifest,
        };
        for (domain, path) in [
            ("HomeDomain", "Library"),
            ("HomeDomain", "Library/SMS"),
            ("HomeDomain", "Library/CallHistoryDB"),
            ("HomeDomain", "Library/Voicemail"),
            ("MediaDomain", "Library"),
            ("MediaDomain", "Library/SMS"),
            ("MediaDomain", "Library/SMS/Attachments"),
        ] {
            backup.list(domain, path, 2);
        }
        backup
    }

    /// An encrypted backup as Finder leaves it: Manifest.plist says so and Manifest.db is
    /// ciphertext.
    pub fn create_encrypted(dir: &Path) {
        fs::create_dir_all(dir).unwrap();
        fs::write(dir.join("Manifest.plist"), manifest_plist(true)).unwrap();
        fs::write(dir.join("Info.plist"), info_plist()).unwrap();
        fs::write(dir.join("Status.plist"), status_plist()).unwrap();
        let noise: Vec<u8> = (0..8192u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        fs::write(dir.join("Manifest.db"), noise).unwrap();
    }

    /// Lists a file (flags 1) or folder (2) in Manifest.db, without writing it.
    pub fn list(&self, domain: &str, relative_path: &str, flags: i64) -> String {
        let id = file_id(domain, relative_path);
        self.manifest
            .execute(
                "INSERT OR REPLACE INTO Files (fileID, domain, relativePath, flags, file) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, domain, relative_path, flags, binary_plist(&[("$version", Bplist::Int(100_000))])],
            )
            .unwrap();
        id
    }

    /// Lists a row with a file id of the caller's choice (for hostile Manifest.db tests).
    pub fn list_as(&self, domain: &str, relative_path: &str, file_id: &str) {
        self.manifest
            .execute(
                "INSERT OR REPLACE INTO Files (fileID, domain, relativePath, flags, file) VALUES (?1, ?2, ?3, 1, NULL)",
                params![file_id, domain, relative_path],
            )
            .unwrap();
    }

    /// Where the backup keeps the file the phone calls `domain`/`relative_path`.
    pub fn path(&self, domain: &str, relative_path: &str) -> PathBuf {
        let id = file_id(domain, relative_path);
        self.dir.join(&id[..2]).join(&id)
    }

    /// Lists and writes a file.
    pub fn add_file(&self, domain: &str, relative_path: &str, data: &[u8]) -> PathBuf {
        self.list(domain, relative_path, 1);
        let path = self.path(domain, relative_path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, data).unwrap();
        path
    }

    /// Lists a database and creates it with `schema`, in WAL mode like the phone's; drop the
    /// connection before reading the backup.
    pub fn add_database(&self, (domain, relative_path): (&str, &str), schema: &str) -> Connection {
        self.list(domain, relative_path, 1);
        let path = self.path(domain, relative_path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let conn = Connection::open(&path).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        conn.execute_batch(schema).unwrap();
        conn
    }
}

/// A handle (the other party's number or address); gives its ROWID.
pub fn add_handle(sms: &Connection, id: &str, service: &str) -> i64 {
    sms.execute(
        "INSERT INTO handle (id, country, service, uncanonicalized_id) VALUES (?1, 'us', ?2, ?1)",
        params![id, service],
    )
    .unwrap();
    sms.last_insert_rowid()
}

/// A conversation with `handles`; style 43 is a group, 45 one other person. Gives its ROWID.
pub fn add_chat(
    sms: &Connection,
    identifier: &str,
    service: &str,
    style: i64,
    handles: &[i64],
) -> i64 {
    sms.execute(
        "INSERT INTO chat (guid, style, state, chat_identifier, service_name, display_name) VALUES (?1, ?2, 3, ?3, ?4, '')",
        params![format!("{service};{};{identifier}", if style == 43 { "+" } else { "-" }), style, identifier, service],
    )
    .unwrap();
    let chat = sms.last_insert_rowid();
    for handle in handles {
        sms.execute(
            "INSERT INTO chat_handle_join (chat_id, handle_id) VALUES (?1, ?2)",
            params![chat, handle],
        )
        .unwrap();
    }
    chat
}

/// A message row, with what the sample varies.
#[derive(Default, Clone)]
pub struct Message<'a> {
    pub guid: &'a str,
    pub text: Option<&'a str>,
    pub attributed_body: Option<Vec<u8>>,
    pub handle_id: i64,
    pub service: &'a str,
    pub date: i64,
    pub date_edited: i64,
    pub date_retracted: i64,
    pub is_from_me: bool,
    pub associated_message_type: i64,
    pub item_type: i64,
    pub has_attachments: bool,
    /// The conversation it is in (`chat_message_join`); 0 for none.
    pub chat: i64,
}

/// Adds a message; gives its ROWID.
pub fn add_message(sms: &Connection, m: &Message<'_>) -> i64 {
    sms.execute(
        "INSERT INTO message (guid, text, attributedBody, handle_id, service, account, date, date_read, date_delivered, is_delivered, is_finished, is_from_me, is_read, is_sent, cache_has_attachments, item_type, associated_message_type, associated_message_guid, date_edited, date_retracted, part_count)
         VALUES (?1, ?2, ?3, ?4, ?5, 'P:+15550000000', ?6, ?6, ?6, 1, 1, ?7, 1, ?7, ?8, ?9, ?10, CASE WHEN ?10 != 0 THEN 'p:0/' || ?1 END, ?11, ?12, 1)",
        params![
            m.guid,
            m.text,
            m.attributed_body,
            m.handle_id,
            m.service,
            m.date,
            m.is_from_me,
            m.has_attachments,
            m.item_type,
            m.associated_message_type,
            m.date_edited,
            m.date_retracted
        ],
    )
    .unwrap();
    let id = sms.last_insert_rowid();
    if m.chat != 0 {
        sms.execute(
            "INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (?1, ?2, ?3)",
            params![m.chat, id, m.date],
        )
        .unwrap();
    }
    id
}

/// Puts a message in Recently Deleted, as iOS does: out of its conversation, into
/// `chat_recoverable_message_join`.
pub fn recently_delete(sms: &Connection, chat: i64, message: i64, delete_date: i64) {
    sms.execute(
        "DELETE FROM chat_message_join WHERE message_id = ?1",
        [message],
    )
    .unwrap();
    sms.execute(
        "INSERT INTO chat_recoverable_message_join (chat_id, message_id, delete_date) VALUES (?1, ?2, ?3)",
        params![chat, message, delete_date],
    )
    .unwrap();
}

/// An attachment of `message`; `filename` as the phone writes it (`~/Library/SMS/...`).
pub fn add_attachment(
    sms: &Connection,
    message: i64,
    guid: &str,
    filename: &str,
    mime: Option<&str>,
    transfer_name: &str,
    total_bytes: i64,
) -> i64 {
    sms.execute(
        "INSERT INTO attachment (guid, created_date, filename, uti, mime_type, transfer_state, is_outgoing, transfer_name, total_bytes, original_guid)
         VALUES (?1, 0, ?2, 'public.heic', ?3, 5, 0, ?4, ?5, ?1)",
        params![guid, filename, mime, transfer_name, total_bytes],
    )
    .unwrap();
    let id = sms.last_insert_rowid();
    sms.execute(
        "INSERT INTO message_attachment_join (message_id, attachment_id) VALUES (?1, ?2)",
        params![message, id],
    )
    .unwrap();
    id
}

/// A call row of `CallHistory.storedata`.
pub struct Call<'a> {
    pub date: f64,
    pub duration: f64,
    pub answered: bool,
    pub originated: bool,
    pub call_type: i64,
    /// The number as text, as bytes (some iOS versions), or none (withheld).
    pub address: Address<'a>,
    pub provider: &'a str,
    pub unique_id: &'a str,
}

pub enum Address<'a> {
    Text(&'a str),
    Blob(&'a [u8]),
    Null,
}

pub fn add_call(calls: &Connection, c: &Call<'_>) -> i64 {
    let address: rusqlite::types::Value = match c.address {
        Address::Text(t) => t.to_string().into(),
        Address::Blob(b) => b.to_vec().into(),
        Address::Null => rusqlite::types::Value::Null,
    };
    calls
        .execute(
            "INSERT INTO ZCALLRECORD (Z_ENT, Z_OPT, ZANSWERED, ZCALL_CATEGORY, ZCALLTYPE, ZDISCONNECTED_CAUSE, ZHANDLE_TYPE, ZNUMBER_AVAILABILITY, ZORIGINATED, ZREAD, ZDATE, ZDURATION, ZADDRESS, ZISO_COUNTRY_CODE, ZSERVICE_PROVIDER, ZUNIQUE_ID)
             VALUES (2, 1, ?1, 1, ?2, 0, 2, ?3, ?4, 1, ?5, ?6, ?7, 'us', ?8, ?9)",
            params![
                c.answered,
                c.call_type,
                if matches!(c.address, Address::Null) { 1 } else { 0 },
                c.originated,
                c.date,
                c.duration,
                address,
                c.provider,
                c.unique_id
            ],
        )
        .unwrap();
    calls.last_insert_rowid()
}

/// What [`sample`] put in the backup that the tests compare against.
pub struct Sample {
    pub dir: PathBuf,
    /// The picture of message 12 (present in the backup).
    pub picture: Vec<u8>,
    /// The recording of voicemail 1 (present).
    pub voicemail_audio: Vec<u8>,
    /// The text of message 4, held only in its `attributedBody`.
    pub attributed_text: &'static str,
}

/// The sample's people.
pub const ALEX: &str = "+15551230001";
pub const BLAIR: &str = "+15551230002";
pub const FRIEND: &str = "friend@example.com";
pub const COUSIN: &str = "+15551230003";

/// A whole backup in `dir`:
///
/// Messages (sms.db ROWIDs):
/// 1. iMessage from Alex, "Where are you?", T0 + 0.123 s (nanoseconds).
/// 2. iMessage to Alex, "Leave me alone", T0 + 60 s.
/// 3. Alex's tapback on 2 (associated_message_type 2001): skipped.
/// 4. iMessage from Alex with NULL text, its words only in `attributedBody`, T0 + 120 s.
/// 5. Edited iMessage from Alex, "I'm outside now", T0 + 180 s.
/// 6. Unsent iMessage from Alex (no text left, date_edited and date_retracted set), T0 + 240 s.
/// 7. iMessage from Alex in Recently Deleted, "Delete this", T0 + 300 s.
/// 8. SMS from Alex, "Answer your phone", 2023-03-08T20:26:40Z in seconds (before iOS 11).
/// 9. RCS from Blair, "RCS hello", T0 + 400 s.
/// 10. Group iMessage from Alex to Friend and Cousin, "Group message from Alex", T0 + 500 s.
/// 11. Group iMessage from me, "Stop messaging the family", T0 + 560 s.
/// 12. iMessage from Alex with a picture in the backup (IMG_0001.HEIC), T0 + 600 s.
/// 13. iMessage to Alex, "Look at this", with a picture not in the backup (IMG_0002.JPG,
///     2,345,678 bytes, not listed) and a video listed but missing (IMG_0003.MOV,
///     10,000,000 bytes), T0 + 660 s.
/// 14. The group renamed (item_type 2): skipped.
///
/// Calls (ZCALLRECORD Z_PK): 1 incoming answered from Alex (42.6 s), 2 missed from Alex
/// (number as bytes), 3 outgoing to +15551239999, 4 missed from a withheld number, 5 FaceTime
/// video from Friend (125.4 s), 6 FaceTime audio to Alex.
///
/// Voicemails: 1 from Alex with its recording (27 s), 2 withheld, deleted, recording missing.
pub fn sample(dir: &Path) -> Sample {
    let backup = Backup::create(dir);
    let picture =
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic picture of the car outside".to_vec();
    let voicemail_audio = b"#!AMR\n\x3c\x48\xf5\x1f\x96\x66\x79\xe1\xe0\x01\xe7\x8a\xf0".to_vec();
    let attributed_text = "I know where you live. Te veré mañana 😡";
    {
        let sms = backup.add_database(SMS_DB, SMS_SCHEMA);
        let alex = add_handle(&sms, ALEX, "iMessage");
        let alex_sms = add_handle(&sms, ALEX, "SMS");
        let blair = add_handle(&sms, BLAIR, "RCS");
        let friend = add_handle(&sms, FRIEND, "iMessage");
        let cousin = add_handle(&sms, COUSIN, "iMessage");
        let alex_chat = add_chat(&sms, ALEX, "iMessage", 45, &[alex]);
        let sms_chat = add_chat(&sms, ALEX, "SMS", 45, &[alex_sms]);
        let rcs_chat = add_chat(&sms, BLAIR, "RCS", 45, &[blair]);
        let group = add_chat(
            &sms,
            "chat843021774401",
            "iMessage",
            43,
            &[alex, friend, cousin],
        );
        let at = |s: i64, ns: i64| apple_ns(T0 + s, ns);
        let base = Message {
            handle_id: alex,
            service: "iMessage",
            chat: alex_chat,
            ..Message::default()
        };
        let msgs = [
            Message {
                guid: "6F2A0C41-1A2B-4C3D-8E9F-000000000001",
                text: Some("Where are you?"),
                date: at(0, 123_456_789),
                ..base.clone()
            },
            Message {
                guid: "6F2A0C41-1A2B-4C3D-8E9F-000000000002",
                text: Some("Leave me alone"),
                date: at(60, 0),
                is_from_me: true,
                ..base.clone()
            },
            Message {
                guid: "6F2A0C41-1A2B-4C3D-8E9F-000000000003",
                text: Some("Loved “Leave me alone”"),
                date: at(70, 0),
                associated_message_type: 2001,
                ..base.clone()
            },
            Message {
                guid: "6F2A0C41-1A2B-4C3D-8E9F-000000000004",
                text: None,
                attributed_body: Some(attributed_body(attributed_text)),
                date: at(120, 0),
                ..base.clone()
            },
            Message {
                guid: "6F2A0C41-1A2B-4C3D-8E9F-000000000005",
                text: Some("I'm outside now"),
                attributed_body: Some(attributed_body("I'm outside now")),
                date: at(180, 0),
                date_edited: at(200, 0),
                ..base.clone()
            },
            Message {
                guid: "6F2A0C41-1A2B-4C3D-8E9F-000000000006",
                text: None,
                date: at(240, 0),
                date_edited: at(250, 0),
                date_retracted: at(250, 0),
                ..base.clone()
            },
            Message {
                guid: "6F2A0C41-1A2B-4C3D-8E9F-000000000007",
                text: Some("Delete this"),
                date: at(300, 0),
                ..base.clone()
            },
            Message {
                guid: "6F2A0C41-1A2B-4C3D-8E9F-000000000008",
                text: Some("Answer your phone"),
                handle_id: alex_sms,
                service: "SMS",
                date: apple_s(1_678_307_200),
                chat: sms_chat,
                ..base.clone()
            },
            Message {
                guid: "6F2A0C41-1A2B-4C3D-8E9F-000000000009",
                text: Some("RCS hello"),
                handle_id: blair,
                service: "RCS",
                date: at(400, 0),
                chat: rcs_chat,
                ..base.clone()
            },
            Message {
                guid: "6F2A0C41-1A2B-4C3D-8E9F-000000000010",
                text: Some("Group message from Alex"),
                date: at(500, 0),
                chat: group,
                ..base.clone()
            },
            Message {
                guid: "6F2A0C41-1A2B-4C3D-8E9F-000000000011",
                text: Some("Stop messaging the family"),
                handle_id: 0,
                is_from_me: true,
                date: at(560, 0),
                chat: group,
                ..base.clone()
            },
            Message {
                guid: "6F2A0C41-1A2B-4C3D-8E9F-000000000012",
                text: Some("\u{FFFC}"),
                date: at(600, 0),
                has_attachments: true,
                ..base.clone()
            },
            Message {
                guid: "6F2A0C41-1A2B-4C3D-8E9F-000000000013",
                text: Some("\u{FFFC}\u{FFFC}Look at this"),
                date: at(660, 0),
                is_from_me: true,
                has_attachments: true,
                ..base.clone()
            },
            Message {
                guid: "6F2A0C41-1A2B-4C3D-8E9F-000000000014",
                text: None,
                date: at(700, 0),
                item_type: 2,
                chat: group,
                ..base.clone()
            },
        ];
        for (i, m) in msgs.iter().enumerate() {
            assert_eq!(add_message(&sms, m), i as i64 + 1);
        }
        recently_delete(&sms, alex_chat, 7, at(900, 0));
        let present =
            "Library/SMS/Attachments/ab/12/8E1F2D3C-4B5A-6978-8796-A5B4C3D2E1F0/IMG_0001.HEIC";
        add_attachment(
            &sms,
            12,
            "at_0_8E1F2D3C-4B5A-6978-8796-A5B4C3D2E1F0",
            &format!("~/{present}"),
            Some("image/heic"),
            "IMG_0001.HEIC",
            picture.len() as i64,
        );
        backup.add_file("MediaDomain", present, &picture);
        add_attachment(
            &sms,
            13,
            "at_0_11111111-2222-3333-4444-555555555555",
            "~/Library/SMS/Attachments/cd/34/11111111-2222-3333-4444-555555555555/IMG_0002.JPG",
            Some("image/jpeg"),
            "IMG_0002.JPG",
            2_345_678,
        );
        let listed =
            "Library/SMS/Attachments/ef/56/66666666-7777-8888-9999-000000000000/IMG_0003.MOV";
        add_attachment(
            &sms,
            13,
            "at_1_66666666-7777-8888-9999-000000000000",
            &format!("~/{listed}"),
            Some("video/quicktime"),
            "IMG_0003.MOV",
            10_000_000,
        );
        backup.list("MediaDomain", listed, 1);
    }
    {
        let calls = backup.add_database(CALL_HISTORY, CALL_HISTORY_SCHEMA);
        let at = |s: i64, frac: f64| (T0 - APPLE_EPOCH_S + s) as f64 + frac;
        let telephony = "com.apple.Telephony";
        let facetime = "com.apple.FaceTime";
        let rows = [
            Call {
                date: at(-3600, 0.5),
                duration: 42.6,
                answered: true,
                originated: false,
                call_type: 1,
                address: Address::Text(ALEX),
                provider: telephony,
                unique_id: "0C2E4A6B-0000-4000-8000-000000000001",
            },
            Call {
                date: at(-3000, 0.0),
                duration: 0.0,
                answered: false,
                originated: false,
                call_type: 1,
                address: Address::Blob(ALEX.as_bytes()),
                provider: telephony,
                unique_id: "0C2E4A6B-0000-4000-8000-000000000002",
            },
            Call {
                date: at(-2400, 0.0),
                duration: 0.0,
                answered: false,
                originated: true,
                call_type: 1,
                address: Address::Text("+15551239999"),
                provider: telephony,
                unique_id: "0C2E4A6B-0000-4000-8000-000000000003",
            },
            Call {
                date: at(-1800, 0.0),
                duration: 0.0,
                answered: false,
                originated: false,
                call_type: 1,
                address: Address::Null,
                provider: telephony,
                unique_id: "0C2E4A6B-0000-4000-8000-000000000004",
            },
            Call {
                date: at(-1200, 0.25),
                duration: 125.4,
                answered: true,
                originated: false,
                call_type: 8,
                address: Address::Text(FRIEND),
                provider: facetime,
                unique_id: "0C2E4A6B-0000-4000-8000-000000000005",
            },
            Call {
                date: at(-600, 0.0),
                duration: 12.0,
                answered: true,
                originated: true,
                call_type: 16,
                address: Address::Text(ALEX),
                provider: facetime,
                unique_id: "0C2E4A6B-0000-4000-8000-000000000006",
            },
        ];
        for (i, c) in rows.iter().enumerate() {
            assert_eq!(add_call(&calls, c), i as i64 + 1);
        }
    }
    {
        let vm = backup.add_database(VOICEMAIL_DB, VOICEMAIL_SCHEMA);
        vm.execute(
            "INSERT INTO voicemail (remote_uid, date, token, sender, callback_num, duration, expiration, trashed_date, flags, receiver, uuid)
             VALUES (101, ?1, 'Complete', ?2, ?2, 27, 0, 0, 11, '+15550000000', 'A7B6C5D4-0000-4000-8000-000000000001')",
            params![T0 + 3600, ALEX],
        )
        .unwrap();
        vm.execute(
            "INSERT INTO voicemail (remote_uid, date, token, sender, callback_num, duration, expiration, trashed_date, flags, receiver, uuid)
             VALUES (102, ?1, 'Complete', NULL, NULL, 5, 0, ?2, 75, '+15550000000', 'A7B6C5D4-0000-4000-8000-000000000002')",
            params![T0 + 7200, apple_s(T0 + 9000)],
        )
        .unwrap();
        backup.add_file("HomeDomain", "Library/Voicemail/1.amr", &voicemail_audio);
    }
    Sample {
        dir: dir.to_path_buf(),
        picture,
        voicemail_audio,
        attributed_text,
    }
}
