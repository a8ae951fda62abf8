//! Texts and calls from iPhones and WhatsApp (issue 15), on the Android import's model.
//!
//! WhatsApp chat exports: the iPhone `.zip` with its media and the Android `.txt` with media
//! beside it, in English and Spanish; the zone the person names, a repeated fall-back hour and
//! an undecidable date order refused until they say, the chat tied to the restrained person
//! only by their statement, and the report and packet that follow.
//!
//! iPhone computer backups (built by tests/util/iphone_backup.rs with the real table shapes):
//! read without changing the backup, each database kept, every record's row and id in the
//! report, a second import adding nothing; an encrypted one read with its backup password to
//! the same records, with nothing decrypted written outside the journal.

#[path = "util/iphone_backup.rs"]
mod iphone_backup;
mod util;

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};
use util::{p, TestDir};

/// A journal with an order from California; the restrained person's number is on record but
/// the chat names him only "Marcus Ellison" (as the protected person's phone saved him).
fn journal() -> (TestDir, String) {
    journal_with_number("(510) 555-0100")
}

fn journal_with_number(phone: &str) -> (TestDir, String) {
    let t = TestDir::new();
    t.init();
    t.ok(
        &["order", "add", "--json", "-"],
        &json!({
            "kind": "after_hearing", "court": "Superior Court of California, County of Alameda",
            "state": "CA", "case_number": "HF26-014327", "issued_on": "2026-01-15",
            "expires_on": "2099-01-15", "petitioner": "Dana Ellison",
            "respondent": {"name": "Marcus Ellison", "phones": [phone]},
            "protected_persons": [{"name": "Dana Ellison"}],
            "terms": [{"type": "no_contact"}]
        })
        .to_string(),
    );
    let people: Vec<Value> =
        serde_json::from_str(&t.ok(&["person", "list", "--json"], "")).unwrap();
    let him = people
        .iter()
        .find(|p| p["details"]["name"] == "Marcus Ellison" || p["name"] == "Marcus Ellison")
        .expect("the respondent is a person");
    (t, him["id"].as_str().unwrap().to_string())
}

fn messages(t: &TestDir) -> Vec<Value> {
    serde_json::from_str(&t.ok(&["messages", "--json"], "")).unwrap()
}

/// The iPhone export's text: seconds, 12-hour clock with U+202F, the U+200E marks WhatsApp
/// puts before attachments and system lines, a line that continues a message, an edited and a
/// deleted message, an omitted picture and a missed call.
const IPHONE_CHAT: &str = "\u{200E}[3/14/26, 9:58:01\u{202F}PM] Marcus Ellison: \u{200E}Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.\n\
[3/14/26, 10:02:15\u{202F}PM] Marcus Ellison: I'm outside your building\n\
[3/14/26, 10:02:40\u{202F}PM] Marcus Ellison: come down\n\
or I come up\n\
[3/14/26, 10:05:09\u{202F}PM] Dana: Leave me alone. You are not allowed to contact me.\n\
\u{200E}[3/14/26, 10:07:33\u{202F}PM] Marcus Ellison: \u{200E}<attached: 00000007-PHOTO-2026-03-14-22-07-33.jpg>\n\
[3/14/26, 10:08:00\u{202F}PM] Marcus Ellison: \u{200E}image omitted\n\
[3/14/26, 10:09:12\u{202F}PM] Marcus Ellison: see? <This message was edited>\n\
[3/14/26, 10:10:00\u{202F}PM] Marcus Ellison: \u{200E}This message was deleted.\n\
[3/14/26, 10:11:45\u{202F}PM] Marcus Ellison: \u{200E}Missed voice call\n";

fn iphone_zip(t: &TestDir) -> std::path::PathBuf {
    let picture = t.path("00000007-PHOTO-2026-03-14-22-07-33.jpg");
    util::photo_with_location(&picture, 7, "2026:03:14 22:07:30", &[]);
    let zip_path = t.path("WhatsApp Chat - Marcus Ellison.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("_chat.txt", options).unwrap();
    zip.write_all(IPHONE_CHAT.as_bytes()).unwrap();
    zip.start_file("00000007-PHOTO-2026-03-14-22-07-33.jpg", options)
        .unwrap();
    zip.write_all(&std::fs::read(&picture).unwrap()).unwrap();
    zip.finish().unwrap();
    std::fs::remove_file(picture).unwrap();
    zip_path
}

/// Importing `chat` in `zone` is refused with every one of `said` in the error and nothing
/// changed, then imported once the person says `answer`.
fn refused_until_said(t: &TestDir, (chat, zone): (&Path, &str), said: &[&str], answer: &[&str]) {
    let before = t.journal_files();
    let err = t.fails(&["import", p(chat), "--timezone", zone], "");
    for words in said {
        assert!(err.contains(words), "{words:?} in {err}");
    }
    assert_eq!(t.journal_files(), before);
    let mut args = vec!["import", p(chat), "--timezone", zone];
    args.extend_from_slice(answer);
    t.ok(&args, "");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn an_iphone_export_is_read_in_the_named_zone_tied_to_him_only_as_stated_and_reported() {
    let (t, him) = journal();
    let zip = iphone_zip(&t);
    let before = t.journal_files();

    // No zone: refused, with the flag to give, and nothing changes.
    let err = t.fails(&["import", p(&zip)], "");
    assert!(err.contains("has no time zone in it"), "{err}");
    assert!(err.contains("--timezone"), "{err}");
    assert_eq!(t.journal_files(), before);

    let out = t.ok(
        &[
            "import",
            p(&zip),
            "--timezone",
            "America/Los_Angeles",
            "--with",
            &him,
        ],
        "",
    );
    assert!(
        out.contains("WhatsApp chat export: 7 messages and 1 call; 8 new"),
        "{out}"
    );

    let list = messages(&t);
    assert_eq!(list.len(), 8, "{list:#?}");
    // 10:02:15 PM PDT on 2026-03-14 (DST began 2026-03-08) is 05:02:15 UTC the next day.
    assert_eq!(list[0]["at"], "2026-03-15T05:02:15.000Z");
    assert_eq!(list[0]["incoming"], true);
    assert_eq!(list[0]["service"], "whatsapp");
    assert_eq!(
        list[0]["clock"],
        json!({"basis": "as_shown", "zone": "America/Los_Angeles", "seconds": true})
    );
    assert_eq!(list[0]["contact_name"], "Marcus Ellison");
    assert_eq!(list[0]["numbers"], json!([format!("person:{him}")]));
    assert_eq!(list[1]["body"], "come down\nor I come up");
    assert_eq!(list[2]["incoming"], false);
    assert_eq!(list[2]["status"], "sent");
    assert_eq!(list[3]["kind"], "mms");
    assert_eq!(list[3]["parts"][0]["mime"], "image/jpeg");
    assert_eq!(
        list[4]["missing_parts"],
        json!([{"mime": "picture"}]),
        "an omitted picture is named, not dropped"
    );
    assert_eq!(list[5]["body"], "see?");
    assert_eq!(list[5]["marks"], json!(["edited"]));
    assert_eq!(list[6]["marks"], json!(["unsent"]));
    assert_eq!(list[6]["body"], Value::Null);
    assert_eq!(
        (&list[7]["kind"], &list[7]["status"]),
        (&json!("call"), &json!("missed"))
    );

    // The same zip again adds nothing and keeps nothing.
    let files = t.journal_files();
    let again = t.ok(
        &["import", p(&zip), "--timezone", "America/Los_Angeles"],
        "",
    );
    assert!(
        again.contains("this exact file was imported before"),
        "{again}"
    );
    assert_eq!(t.journal_files().len(), files.len());

    // The report prints the chat with his texts, says how exact its times are, what the
    // format cannot say and on whose word it is his; the picture is an exhibit.
    t.add_incident(&util::incident(
        "2026-03-14T22:00",
        "He came to my building and messaged me on WhatsApp.",
    ));
    let pdf = t.path("report.pdf");
    t.ok(&["export", "report", "--out", p(&pdf)], "");
    let text = util::run("pdftotext", &[p(&pdf), "-"]);
    let section = text
        .split("Communications with the restrained person")
        .nth(1)
        .expect("the section follows the incidents");
    let flat = section.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "22:02:15 PDT (as shown on the phone) WhatsApp message received from Marcus Ellison",
        "“I'm outside your building”",
        "WhatsApp message sent to Marcus Ellison",
        "edited after it was sent (the last version is shown)",
        "deleted by its sender",
        "Sent with it: a picture that the export left out",
        "Missed call (WhatsApp) from Marcus Ellison",
        "Source: line 2 of chat file 1 (_chat.txt)",
        "WhatsApp chat exports are text files without a time zone",
        "The protected person stated, when importing the chat, that “Marcus Ellison” in it is the restrained person",
        "Attached: Exhibit 1",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{flat}");
    }
    assert!(!flat.contains("person:"), "{flat}");
    if let Some(dir) = std::env::var_os("DAYBOOK_LOOK_DIR") {
        std::fs::copy(&pdf, Path::new(&dir).join("whatsapp-report.pdf")).unwrap();
    }

    // The packet's extract is the printed lines, byte for byte, as text.
    let out = t.path("packet");
    t.export_packet(&out, "exact");
    let extract = std::fs::read_to_string(out.join("communications/_chat-extract.txt")).unwrap();
    let kept_sha = sha256_hex(IPHONE_CHAT.as_bytes());
    assert!(extract.starts_with("[Extract made by Daybook"), "{extract}");
    assert!(extract.contains(&kept_sha), "names the kept text's SHA-256");
    let lines: Vec<&str> = IPHONE_CHAT.split_inclusive('\n').collect();
    assert_eq!(
        extract.split_once('\n').unwrap().1,
        lines[1..].concat(),
        "every message but the system line, byte for byte"
    );
}

/// Android in Spanish, 12-hour clock "p. m.", media beside the `.txt`; the day comes first
/// only the 13th can tell.
const ANDROID_SPANISH: &str = "12/3/26, 11:58\u{202F}p.\u{00A0}m. - Los mensajes y las llamadas están cifrados de extremo a extremo.\n\
12/3/26, 11:59\u{202F}p.\u{00A0}m. - Marcus: Sé dónde estás\n\
13/3/26, 12:01\u{202F}a.\u{00A0}m. - Marcus: IMG-20260313-WA0001.jpg (archivo adjunto)\n\
mira afuera\n\
13/3/26, 12:02\u{202F}a.\u{00A0}m. - Marcus: <Multimedia omitido>\n\
13/3/26, 12:03\u{202F}a.\u{00A0}m. - Dana: Déjame en paz\n\
13/3/26, 12:04\u{202F}a.\u{00A0}m. - Marcus: Se eliminó este mensaje.\n";

#[test]
fn android_exports_in_spanish_and_english_with_what_the_file_leaves_open() {
    let (t, _) = journal();
    let dir = t.path("export");
    std::fs::create_dir(&dir).unwrap();
    let chat = dir.join("Chat de WhatsApp con Marcus.txt");
    std::fs::write(&chat, ANDROID_SPANISH).unwrap();
    std::fs::write(
        dir.join("IMG-20260313-WA0001.jpg"),
        daybook::demo::sample_photo(3, "2026:03:13 00:01:00"),
    )
    .unwrap();
    let out = t.ok(
        &["import", p(&chat), "--timezone", "America/Los_Angeles"],
        "",
    );
    assert!(out.contains("5 messages and 0 calls; 5 new"), "{out}");
    let list = messages(&t);
    // 11:59 PM on 12 March (day first: the next lines are the 13th), to the minute.
    assert_eq!(list[0]["at"], "2026-03-13T06:59:00.000Z");
    assert_eq!(list[0]["body"], "Sé dónde estás");
    assert_eq!(list[0]["clock"]["seconds"], false);
    // Not stated to be him, and no number: his thread is the chat's label.
    assert_eq!(list[0]["numbers"], json!(["Marcus"]));
    assert_eq!(list[1]["body"], "mira afuera");
    assert_eq!(list[1]["parts"][0]["mime"], "image/jpeg");
    assert_eq!(list[2]["missing_parts"], json!([{"mime": "media file"}]));
    assert_eq!(list[3]["incoming"], false);
    assert_eq!(list[4]["marks"], json!(["unsent"]));

    // English, 24-hour: every date could be day or month first and runs forward either way.
    let unclear = t.path("WhatsApp Chat with Marcus.txt");
    std::fs::write(
        &unclear,
        "02/03/2026, 21:15 - Marcus: one\n03/03/2026, 21:16 - Marcus: two\n03/03/2026, 21:20 - Dana: three\n",
    )
    .unwrap();
    refused_until_said(
        &t,
        (&unclear, "Europe/London"),
        &["could be read day first or month first", "--date-order"],
        &["--date-order", "day-first"],
    );
    let list = messages(&t);
    assert!(list
        .iter()
        .any(|m| m["body"] == "one" && m["at"] == "2026-03-02T21:15:00.000Z"));

    // The hour the clocks went back (1 November 2026, 01:00-02:00 in Los Angeles) happened
    // twice: refused until the person says which pass.
    let repeated = t.path("WhatsApp Chat with Marcus (1).txt");
    std::fs::write(
        &repeated,
        "31/10/2026, 23:50 - Marcus: late\n01/11/2026, 01:30 - Marcus: still up?\n01/11/2026, 01:40 - Dana: stop\n",
    )
    .unwrap();
    refused_until_said(
        &t,
        (&repeated, "America/Los_Angeles"),
        &[
            "2 message(s) of the chat, the first on line 2, were sent between 01:00 and 02:00 on 2026-11-01",
            "--repeated-hour",
        ],
        &["--repeated-hour", "second"],
    );
    let list = messages(&t);
    // 01:30 PST (UTC-8), the second pass.
    assert!(list
        .iter()
        .any(|m| m["body"] == "still up?" && m["at"] == "2026-11-01T09:30:00.000Z"));

    // A group chat names no one person, and Daybook cannot tell which sender is the person.
    let group = t.path("WhatsApp Chat with Family.txt");
    std::fs::write(
        &group,
        "14/03/2026, 10:00 - Ana: hola\n14/03/2026, 10:01 - Luis: hi\n14/03/2026, 10:02 - Dana: hey\n",
    )
    .unwrap();
    let err = t.fails(
        &["import", p(&group), "--timezone", "America/Los_Angeles"],
        "",
    );
    assert!(
        err.contains("cannot tell which of the chat's senders is you"),
        "{err}"
    );
    assert!(err.contains("--me"), "{err}");
    let out = t.ok(
        &[
            "import",
            p(&group),
            "--timezone",
            "America/Los_Angeles",
            "--me",
            "Dana",
        ],
        "",
    );
    assert!(out.contains("3 new"), "{out}");
}

#[test]
fn an_iphone_backup_is_read_unchanged_kept_per_database_and_reported_by_row() {
    // The sample's "Alex" is the restrained person here.
    let (t, _) = journal_with_number(iphone_backup::ALEX);
    let folder = t.path("00008110-001A2B3C4D5E6F70");
    let sample = iphone_backup::sample(&folder);
    let before = util::files_under(&folder);

    let out = t.ok(&["import", p(&folder)], "");
    for database in [
        "(Library/SMS/sms.db): iPhone backup:",
        "(Library/CallHistoryDB/CallHistory.storedata): iPhone backup:",
        "(Library/Voicemail/voicemail.db): iPhone backup:",
    ] {
        assert!(out.contains(database), "{out}");
    }
    assert_eq!(
        util::files_under(&folder),
        before,
        "the backup is left as it was"
    );

    let list = messages(&t);
    let by_guid = |guid: &str| {
        list.iter()
            .find(|m| m["locator"] == guid)
            .unwrap_or_else(|| panic!("{guid} in {list:#?}"))
    };
    let first = by_guid("6F2A0C41-1A2B-4C3D-8E9F-000000000001");
    assert_eq!(first["service"], "imessage");
    assert_eq!(first["body"], "Where are you?");
    assert_eq!(first["source"]["position"], 1);
    // Nanoseconds after 2001: T0 + 0.123456789 s, to the millisecond.
    assert_eq!(first["at_ms"], iphone_backup::T0 * 1000 + 123);
    assert!(
        list.iter().any(|m| m["body"] == sample.attributed_text),
        "the text held only in attributedBody"
    );
    assert!(list.iter().any(|m| m["marks"] == json!(["edited"])));
    assert!(list.iter().any(|m| m["marks"] == json!(["unsent"])));
    assert!(list
        .iter()
        .any(|m| m["marks"] == json!(["recently_deleted"])));
    assert!(list.iter().any(|m| m["service"] == "rcs"));
    assert!(list.iter().any(|m| m["service"] == "sms"));
    assert!(
        list.iter()
            .all(|m| m["body"] != "Loved \u{201c}Leave me alone\u{201d}"),
        "a tapback is not a message"
    );
    let missing: Vec<&Value> = list
        .iter()
        .flat_map(|m| m["missing_parts"].as_array().into_iter().flatten())
        .collect();
    assert!(
        missing
            .iter()
            .any(|p| p["name"] == "IMG_0002.JPG" && p["size"] == 2_345_678),
        "{missing:#?}"
    );
    let picture = list
        .iter()
        .flat_map(|m| m["parts"].as_array().into_iter().flatten())
        .find(|p| p["mime"] == "image/heic")
        .expect("the picture in the backup is kept");
    assert_eq!(picture["sha256"], sha256_hex(&sample.picture));
    assert!(list.iter().any(|m| m["status"] == "voicemail"));
    assert!(list.iter().any(|m| m["service"] == "facetime_video"));

    // The same backup again: every database is recognised, nothing is kept twice.
    let files = t.journal_files().len();
    let again = t.ok(&["import", p(&folder)], "");
    assert_eq!(
        again.matches("this exact file was imported before").count(),
        3,
        "{again}"
    );
    assert_eq!(t.journal_files().len(), files);

    t.add_incident(&json!({
        "occurred_at": "2024-03-05T06:10",
        "timezone": "America/Los_Angeles",
        "kinds": ["text_message"],
        "location": "Home",
        "description": "He messaged me all morning.",
    }));
    let pdf = t.path("report.pdf");
    t.ok(&["export", "report", "--out", p(&pdf)], "");
    let text = util::run("pdftotext", &[p(&pdf), "-"]);
    let section = text
        .split("Communications with the restrained person")
        .nth(1)
        .expect("the section follows the incidents");
    let flat = section.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "iMessage received from +1 555-123-0001",
        "“Where are you?”",
        "Source: row 1 (id 6F2A0C41-1A2B-4C3D-8E9F-000000000001) of database file 1 (sms.db)",
        "in the phone's Recently Deleted when the backup was made",
        "edited after it was sent",
        "IMG_0002.JPG",
        "not in the backup or export",
        "Source files",
        "sms.db,",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{flat}");
    }
    if let Some(dir) = std::env::var_os("DAYBOOK_LOOK_DIR") {
        std::fs::copy(&pdf, Path::new(&dir).join("iphone-report.pdf")).unwrap();
    }

    // The packet gives the printed rows of each database, as read, naming its SHA-256.
    let out = t.path("packet");
    t.export_packet(&out, "exact");
    let extract: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("communications/sms-extract.json")).unwrap(),
    )
    .unwrap();
    let (domain, path) = iphone_backup::SMS_DB;
    let id = iphone_backup::file_id(domain, path);
    let db_sha = sha256_hex(&std::fs::read(folder.join(&id[..2]).join(&id)).unwrap());
    assert!(extract["note"].as_str().unwrap().contains(&db_sha));
    assert!(extract["records"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["locator"] == "6F2A0C41-1A2B-4C3D-8E9F-000000000001"));
}

/// The import's printed lines without what differs between two journals and folders: each
/// line from the database's path on the phone on, with the import's id left out.
fn import_lines(out: &str) -> Vec<String> {
    out.lines()
        .map(|line| {
            let line = &line[line.find("(Library/").expect("a database line")..];
            match line.split_once("kept as ") {
                Some((head, tail)) => {
                    let sha = tail
                        .split_once(", SHA-256")
                        .expect("the id, then the SHA-256")
                        .1;
                    format!("{head}kept as <id>, SHA-256{sha}")
                }
                None => line.to_string(),
            }
        })
        .collect()
}

/// What the journal shows of each record, without its import's ids.
fn record_facts(t: &TestDir) -> Vec<Value> {
    let mut out: Vec<Value> = messages(t)
        .into_iter()
        .map(|m| {
            json!({
                "locator": m["locator"], "at_ms": m["at_ms"], "body": m["body"],
                "status": m["status"], "service": m["service"], "marks": m["marks"],
                "address": m["address"], "position": m["source"]["position"],
                "parts": m["parts"].as_array().map(|parts| parts
                    .iter()
                    .map(|p| json!([p["mime"], p["sha256"], p["size"]]))
                    .collect::<Vec<_>>()),
                "missing_parts": m["missing_parts"],
            })
        })
        .collect();
    out.sort_by_key(|v| v.to_string());
    out
}

#[test]
fn an_encrypted_iphone_backup_is_read_with_its_password_and_nothing_decrypted_is_written() {
    let (t, _) = journal_with_number(iphone_backup::ALEX);
    let sample = iphone_backup::sample(&t.path("plain/00008110-001A2B3C4D5E6F70"));
    let folder = t.path("00008110-001A2B3C4D5E6F70");
    iphone_backup::encrypted_copy(&sample.dir, &folder, iphone_backup::BACKUP_PASSWORD);
    let backup_before = util::files_under(&folder);
    let journal_before = t.journal_files();
    // The import's own temp folder, to see that nothing is left (or written) there.
    let tmp = t.path("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let import = |password: Option<&str>| {
        let mut cmd = t.cmd();
        cmd.env("TMPDIR", &tmp).args(["import", p(&folder)]);
        if let Some(password) = password {
            cmd.env("DAYBOOK_BACKUP_PASSWORD", password);
        }
        cmd.write_stdin("").assert()
    };
    let stderr = |a: assert_cmd::assert::Assert| {
        String::from_utf8(a.failure().get_output().stderr.clone()).unwrap()
    };

    // The help says where the password comes from.
    let help = t.ok(&["import", "--help"], "");
    assert!(help.contains("DAYBOOK_BACKUP_PASSWORD"), "{help}");
    assert!(help.contains("not the phone's passcode"), "{help}");

    // No password and no terminal to ask at: refused, naming the variable.
    let err = stderr(import(None));
    assert!(err.contains("is an encrypted iPhone backup"), "{err}");
    assert!(err.contains("DAYBOOK_BACKUP_PASSWORD"), "{err}");
    assert!(err.contains("Nothing was imported"), "{err}");
    assert_eq!(t.journal_files(), journal_before);

    // A wrong password: refused in plain words, and nothing changes.
    let err = stderr(import(Some("not the password")));
    assert!(
        err.contains("The backup password is not right. Nothing was imported."),
        "{err}"
    );
    assert_eq!(t.journal_files(), journal_before);

    // The right one: the same records and the same report as the unencrypted sample.
    let out = String::from_utf8(
        import(Some(iphone_backup::BACKUP_PASSWORD))
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    assert_eq!(
        util::files_under(&folder),
        backup_before,
        "the backup is unchanged"
    );
    assert!(
        util::files_under(&tmp).is_empty(),
        "nothing was written to the temp folder"
    );

    let (plain_journal, _) = journal_with_number(iphone_backup::ALEX);
    let plain_out = plain_journal.ok(&["import", p(&sample.dir)], "");
    assert_eq!(import_lines(out.trim()), import_lines(&plain_out));
    assert_eq!(import_lines(&plain_out).len(), 3);
    assert_eq!(record_facts(&t), record_facts(&plain_journal));

    // No decrypted byte of the phone's databases is anywhere outside the journal's
    // encrypted blobs: not in the journal folder, the backup or the temp folder.
    let marker = "Stop messaging the family".as_bytes();
    for (path, bytes) in util::files_under(t.tmp.path()) {
        if path.starts_with(sample.dir.parent().unwrap()) {
            continue;
        }
        assert!(!util::contains(&bytes, marker), "{}", path.display());
    }

    // The report lists the decrypted sms.db it cites, and the encrypted file the backup holds
    // (whose hash is the one a hash of the backup folder gives).
    let encrypted_sms = folder.join({
        let id = iphone_backup::file_id(iphone_backup::SMS_DB.0, iphone_backup::SMS_DB.1);
        format!("{}/{id}", &id[..2])
    });
    let encrypted_sha = sha256_hex(&std::fs::read(&encrypted_sms).unwrap());
    t.add_incident(&json!({
        "occurred_at": "2024-03-05T06:10",
        "timezone": "America/Los_Angeles",
        "kinds": ["text_message"],
        "description": "He messaged me all morning.",
    }));
    let pdf = t.path("report.pdf");
    t.ok(&["export", "report", "--out", p(&pdf)], "");
    let text = util::run("pdftotext", &[p(&pdf), "-"])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("Decrypted from an encrypted iPhone backup with the backup password"),
        "{text}"
    );
    // (A hash may be wrapped at any character.)
    let unbroken: String = text.split_whitespace().collect();
    assert!(unbroken.contains(&encrypted_sha), "{text}");
}

/// The README's picture of one report section holding all three sources (an Android text, the
/// iPhone sample, a WhatsApp chat stated to be his), made by hand:
/// `DAYBOOK_LOOK_DIR=/tmp cargo test --release -p daybook --test phone_sources -- --ignored
/// three_sources`, then `pdftoppm -png -r 80 -f N -l N` of the section's page into
/// docs/report-three-sources.png.
#[test]
#[ignore = "makes the README's picture; run by hand"]
fn three_sources_in_one_report_section() {
    let (t, him) = journal_with_number(iphone_backup::ALEX);
    let at = |local: &str| {
        chrono::DateTime::parse_from_rfc3339(&format!("2024-03-05T{local}-08:00"))
            .unwrap()
            .timestamp_millis()
    };
    let xml = t.path("sms-20240305.xml");
    std::fs::write(
        &xml,
        util::sms_backup::messages_file(&[util::sms_backup::sms(
            "(555) 123-0001",
            at("05:58:00"),
            1,
            "Pick up. I know you're home.",
            "Marcus",
        )]),
    )
    .unwrap();
    t.ok(&["import", p(&xml)], "");
    let sample = iphone_backup::sample(&t.path("00008110-001A2B3C4D5E6F70"));
    t.ok(&["import", p(&sample.dir)], "");
    let chat = t.path("WhatsApp Chat with Marcus Ellison.txt");
    std::fs::write(
        &chat,
        "3/5/24, 05:59 - Marcus Ellison: You blocked me there too?\n\
         3/5/24, 05:59 - Dana: Stop contacting me.\n\
         3/5/24, 05:59 - Marcus Ellison: I'll come by tonight\n",
    )
    .unwrap();
    t.ok(
        &[
            "import",
            p(&chat),
            "--timezone",
            "America/Los_Angeles",
            "--date-order",
            "month-first",
            "--with",
            &him,
        ],
        "",
    );
    t.add_incident(&json!({
        "occurred_at": "2024-03-05T06:10",
        "timezone": "America/Los_Angeles",
        "kinds": ["text_message"],
        "description": "He messaged and called all morning.",
    }));
    let pdf = t.path("report.pdf");
    t.ok(&["export", "report", "--out", p(&pdf)], "");
    let text = util::run("pdftotext", &[p(&pdf), "-"]);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "the record and line number in a backup file, the row number and the phone's own id in a phone database or the line number in a chat export",
        "of backup file",
        "(sms-20240305.xml)",
        "of database file",
        "of chat file",
    ] {
        assert!(flat.contains(expected), "missing {expected:?} in:\n{flat}");
    }
    if let Some(dir) = std::env::var_os("DAYBOOK_LOOK_DIR") {
        std::fs::copy(&pdf, Path::new(&dir).join("three-sources-report.pdf")).unwrap();
    }
}
