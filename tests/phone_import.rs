//! Texts and calls imported from SMS Backup & Restore files (issue 14): every field read from
//! the right place, the backup kept byte for byte, duplicates across overlapping backups
//! recognised, a cut file imported up to where it stops, and the records in the hash chain.
//! The backups are written here (tests/util/sms_backup.rs) the way the Android app writes them.

mod util;

use serde_json::{json, Value};
use util::sms_backup::{call, calls_file, messages_file, mms, sms};
use util::{p, TestDir};

/// 2026-03-02 03:14:07.250 in Los Angeles (PST), as UTC milliseconds.
const T0: i64 = 1_772_450_047_250;
const MINUTE: i64 = 60_000;

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// A journal with an order from California whose restrained person has one number on record.
fn journal() -> TestDir {
    let t = TestDir::new();
    t.init();
    t.ok(
        &["order", "add", "--json", "-"],
        &json!({
            "kind": "after_hearing", "court": "Superior Court of California, County of Alameda",
            "state": "CA", "case_number": "HF26-014327", "issued_on": "2026-01-15",
            "expires_on": "2099-01-15", "petitioner": "Dana Ellison",
            "respondent": {"name": "Marcus Ellison", "phones": ["(510) 555-0100"]},
            "protected_persons": [{"name": "Dana Ellison"}],
            "terms": [{"type": "no_contact"}]
        })
        .to_string(),
    );
    t
}

fn messages_json(t: &TestDir, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["messages", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&t.ok(&all, "")).unwrap()
}

fn blob_count(t: &TestDir) -> usize {
    std::fs::read_dir(t.journal.join("blobs")).unwrap().count()
}

/// The first backup: texts both ways (one with an emoji the app writes as two surrogate
/// references), a group MMS with a picture, a text from a family member, and calls of every
/// type, one from a withheld number.
fn first_backups(t: &TestDir) -> (std::path::PathBuf, std::path::PathBuf, Vec<u8>) {
    let picture = daybook::demo::sample_png(5);
    let texts = messages_file(&[
        sms(
            "(510) 555-0100",
            T0,
            1,
            "I know where you are \u{1F600}",
            "Marcus",
        ),
        sms(
            "510-555-0100",
            T0 + MINUTE,
            2,
            "Stop contacting me.",
            "Marcus",
        ),
        mms(
            "+15105550100~+15105550177",
            T0 + 2 * MINUTE,
            1,
            Some("Look who I'm with"),
            Some(("image/png", Some(&picture))),
            &[
                ("+15105550100", 137),
                ("+15105550199", 151),
                ("+15105550177", 151),
            ],
        ),
        sms(
            "+15105550142",
            T0 + 3 * MINUTE,
            1,
            "Mom: dinner at 6?",
            "null",
        ),
    ]);
    let calls = calls_file(&[
        call("5105550100", T0 + 10 * MINUTE, 1, 42, 1, "Marcus"),
        call("5105550100", T0 + 11 * MINUTE, 2, 5, 1, "Marcus"),
        call("5105550100", T0 + 12 * MINUTE, 3, 0, 1, "Marcus"),
        call("5105550100", T0 + 13 * MINUTE, 4, 31, 1, "Marcus"),
        call("5105550100", T0 + 14 * MINUTE, 5, 0, 1, "Marcus"),
        call("5105550100", T0 + 15 * MINUTE, 6, 0, 1, "Marcus"),
        call("5105550100", T0 + 16 * MINUTE, 7, 12, 1, "Marcus"),
        call("", T0 + 17 * MINUTE, 3, 0, 2, "null"),
    ]);
    let texts_path = t.path("sms-20260303091244.xml");
    let calls_path = t.path("calls-20260303091244.xml");
    std::fs::write(&texts_path, texts).unwrap();
    std::fs::write(&calls_path, calls).unwrap();
    (texts_path, calls_path, picture)
}

#[test]
fn a_backup_is_read_field_by_field_kept_byte_for_byte_and_verified() {
    let t = journal();
    let (texts, calls, picture) = first_backups(&t);
    let out = t.ok(&["import", p(&texts), p(&calls)], "");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].contains("SMS Backup & Restore (Android): 4 messages and 0 calls; 4 new, 0 already in the journal; kept as"),
        "{out}"
    );
    assert!(lines[1].contains("0 messages and 8 calls; 8 new"), "{out}");

    let all = messages_json(&t, &[]);
    assert_eq!(all.len(), 12);
    // The instant is the `date` field (UTC ms), never the French readable_date.
    assert_eq!(all[0]["at"], "2026-03-02T11:14:07.250Z");
    assert_eq!(all[0]["body"], "I know where you are \u{1F600}");
    assert_eq!(all[0]["numbers"], json!(["+15105550100"]));
    assert_eq!(all[0]["number_raw"], "(510) 555-0100");
    assert_eq!(all[0]["status"], "received");
    assert_eq!(all[0]["contact_name"], "Marcus");
    assert_eq!(all[1]["status"], "sent");
    assert_eq!(all[1]["incoming"], false);
    // The group MMS: both other members, its sender, the text, the picture kept as sent.
    let group = &all[2];
    assert_eq!(group["kind"], "mms");
    assert_eq!(group["numbers"], json!(["+15105550100", "+15105550177"]));
    assert_eq!(group["sender"], "+15105550100");
    assert_eq!(group["body"], "Look who I'm with");
    assert_eq!(group["participants"].as_array().unwrap().len(), 3);
    assert_eq!(group["parts"][0]["sha256"], sha256_hex(&picture));
    let part_id = group["parts"][0]["attachment_id"].as_str().unwrap();
    let exported = t.path("picture.png");
    t.ok(
        &["attachment", "export", part_id, "--out", p(&exported)],
        "",
    );
    assert_eq!(std::fs::read(&exported).unwrap(), picture);
    // `null` is no contact name.
    assert_eq!(all[3]["contact_name"], Value::Null);
    let statuses: Vec<&str> = all[4..]
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "incoming",
            "outgoing",
            "missed",
            "voicemail",
            "rejected",
            "blocked",
            "answered_elsewhere",
            "missed"
        ]
    );
    assert_eq!(all[4]["duration_s"], 42);
    assert_eq!(all[11]["hidden"], true);
    assert_eq!(all[11]["numbers"], json!([]));
    // Every record says where it came from: the kept file, its place and line in it.
    assert_eq!(all[2]["source"]["position"], 3);
    assert_eq!(all[2]["source"]["line"], 7);
    let import_id = all[0]["source"]["import_id"].as_str().unwrap();
    let kept = t.path("kept.xml");
    t.ok(&["attachment", "export", import_id, "--out", p(&kept)], "");
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        std::fs::read(&texts).unwrap()
    );

    // The restrained person's texts and calls, and the lines people read.
    let with = messages_json(&t, &["--with", "510.555.0100"]);
    assert_eq!(
        with.len(),
        10,
        "the family member's text and the hidden call are not his"
    );
    assert_eq!(messages_json(&t, &["--calls"]).len(), 8);
    let text = t.ok(
        &["messages", "--texts", "--zone", "America/Los_Angeles"],
        "",
    );
    assert!(
        text.contains("2026-03-02 03:14:07 PST  text from +1 510-555-0100 (restrained person) [\"Marcus\" in the phone's contacts]: I know where you are \u{1F600}"),
        "{text}"
    );
    let calls_text = t.ok(
        &["messages", "--calls", "--zone", "America/Los_Angeles"],
        "",
    );
    assert!(
        calls_text.contains("missed call from a hidden number"),
        "{calls_text}"
    );
    assert!(calls_text.contains("incoming call from +1 510-555-0100 (restrained person) [\"Marcus\" in the phone's contacts], 0:42"), "{calls_text}");

    let verified = t.ok(&["verify"], "");
    assert!(verified.starts_with("OK:"), "{verified}");
}

#[test]
fn overlapping_backups_add_nothing_twice() {
    let t = journal();
    let (texts, calls, _) = first_backups(&t);
    t.ok(&["import", p(&texts), p(&calls)], "");
    let blobs = blob_count(&t);
    // The same file again: nothing new, nothing kept twice.
    let again = t.ok(&["import", p(&texts)], "");
    assert!(
        again.contains("0 new, 4 already in the journal; this exact file was imported before"),
        "{again}"
    );
    assert_eq!(blob_count(&t), blobs);
    // A later backup: the same messages with other milliseconds and number formats, the SMS
    // saved as an MMS, the group picture without its data, and two new ones.
    let later = t.path("sms-later.xml");
    std::fs::write(
        &later,
        messages_file(&[
            sms(
                "+1 510 555 0100",
                T0 + 400,
                1,
                "I know where you are \u{1F600}",
                "Marcus E",
            ),
            mms(
                "5105550100",
                T0 + MINUTE - 250,
                2,
                Some("Stop contacting me."),
                None,
                &[],
            ),
            mms(
                "+15105550100~+15105550177",
                T0 + 2 * MINUTE,
                1,
                Some("Look who I'm with"),
                Some(("image/png", None)),
                &[("+15105550100", 137)],
            ),
            sms(
                "+15105550142",
                T0 + 3 * MINUTE,
                1,
                "Mom: dinner at 6?",
                "Mom",
            ),
            sms("+15105550100", T0 + 60 * MINUTE, 1, "Answer me", "Marcus"),
            sms("+15105550100", T0 + 61 * MINUTE, 1, "Answer me", "Marcus"),
        ]),
    )
    .unwrap();
    let out = t.ok(&["import", p(&later)], "");
    assert!(
        out.contains("6 messages and 0 calls; 2 new, 4 already in the journal; kept as"),
        "{out}"
    );
    assert_eq!(messages_json(&t, &[]).len(), 14);
    assert!(t.ok(&["verify"], "").starts_with("OK:"));
}

#[test]
fn a_cut_backup_imports_what_is_whole_and_says_where_it_stopped() {
    let t = journal();
    let whole = messages_file(&[
        sms("5105550100", T0, 1, "one", "Marcus"),
        sms("5105550100", T0 + MINUTE, 1, "two", "Marcus"),
        sms("5105550100", T0 + 2 * MINUTE, 1, "three", "Marcus"),
    ]);
    let cut_at = whole.find("body=\"three").unwrap() + 9;
    let cut = t.path("cut.xml");
    std::fs::write(&cut, &whole[..cut_at]).unwrap();
    let out = t
        .cmd()
        .args(["import", p(&cut)])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("2 messages and 0 calls; 2 new"), "{stdout}");
    assert!(
        stderr.contains("stops at line 7 (the file ends in the middle of a record); the 2 whole records before it were imported"),
        "{stderr}"
    );
    assert_eq!(messages_json(&t, &[]).len(), 2);

    // Cut before the first whole record: refused, nothing changed.
    let t = journal();
    let blobs = blob_count(&t);
    let early = t.path("early.xml");
    std::fs::write(&early, &whole[..whole.find("body=\"one").unwrap()]).unwrap();
    let err = t.fails(&["import", p(&early)], "");
    assert!(
        err.contains("stops at line 5, before its first whole message or call"),
        "{err}"
    );
    assert!(err.contains("Nothing was imported"), "{err}");
    assert_eq!(blob_count(&t), blobs);
    assert!(messages_json(&t, &[]).is_empty());
    assert!(t.ok(&["verify"], "").starts_with("OK:"));
}

#[test]
fn files_are_recognised_by_content_and_others_refused_without_change() {
    let t = journal();
    let renamed = t.path("backup.txt");
    std::fs::write(
        &renamed,
        calls_file(&[call("5105550100", T0, 3, 0, 1, "Marcus")]),
    )
    .unwrap();
    let out = t.ok(&["import", p(&renamed)], "");
    assert!(out.contains("0 messages and 1 call; 1 new"), "{out}");

    let picture = t.path("sms.xml");
    std::fs::write(&picture, daybook::demo::sample_png(2)).unwrap();
    let err = t.fails(&["import", p(&picture)], "");
    assert!(
        err.contains("is not a phone backup Daybook can read"),
        "{err}"
    );
    let empty = t.path("empty.xml");
    std::fs::write(&empty, messages_file(&[])).unwrap();
    let err = t.fails(&["import", p(&empty)], "");
    assert!(err.contains("holds no messages or calls"), "{err}");
    assert_eq!(messages_json(&t, &[]).len(), 1);
}

#[test]
fn a_changed_imported_record_fails_verify() {
    let t = journal();
    let (texts, _, _) = first_backups(&t);
    t.ok(&["import", p(&texts)], "");
    change_journal(
        &t,
        "UPDATE communications SET body = 'I never said that' WHERE body LIKE 'Stop%'",
    );
    let err = t.fails(&["verify"], "");
    assert!(err.contains("phone import"), "{err}");
}

/// Changes the journal's database behind Daybook's back (SQLCipher, opened with its key).
fn change_journal(t: &TestDir, sql: &str) {
    let wrapped = std::fs::read(t.journal.join("unlock/passphrase.age")).unwrap();
    let key = daybook::journal::keys::unwrap_with_passphrase(
        &wrapped,
        &age::secrecy::SecretString::from(util::PASSPHRASE.to_string()),
    )
    .unwrap();
    let conn = rusqlite::Connection::open(t.journal.join("journal.db")).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA key = \"{}\";",
        key.sqlcipher_literal().as_str()
    ))
    .unwrap();
    conn.execute(sql, []).unwrap();
}

#[test]
fn a_picture_whose_place_in_the_backup_is_unknown_or_wrong_is_refused_not_shipped() {
    let t = journal();
    picture_with_a_location(&t);
    let without_location = |name: &str| {
        let out = t.path(name);
        let err = t.export_packet_fails(&out, "without-location");
        assert!(!out.exists(), "nothing is written");
        err
    };
    // Imported by a Daybook that did not note where the picture lies (before migration 10).
    change_journal(
        &t,
        "UPDATE message_parts SET data_start = NULL, data_end = NULL",
    );
    let err = without_location("older");
    assert!(err.contains("older Daybook"), "{err}");
    // A place outside its message (a damaged journal): refused, never the original.
    change_journal(&t, "UPDATE message_parts SET data_start = 0, data_end = 10");
    let err = without_location("damaged");
    assert!(err.contains("not inside its message"), "{err}");
    // Exact originals, knowingly chosen, still go.
    let exact = t.path("exact");
    t.export_packet(&exact, "exact");
}

/// A journal with an incident that night and both first backups imported; the texts file.
fn imported_with_an_incident() -> (TestDir, std::path::PathBuf) {
    let t = journal();
    t.add_incident(&util::incident(
        "2026-03-02T03:30",
        "He texted and called all night after the order was served.",
    ));
    let (texts, calls, _) = first_backups(&t);
    t.ok(&["import", p(&texts), p(&calls)], "");
    (t, texts)
}

#[test]
fn the_report_prints_his_texts_and_calls_day_by_day_with_their_source_and_nothing_else() {
    let (t, _) = imported_with_an_incident();
    let pdf = t.path("report.pdf");
    t.ok(&["export", "report", "--out", p(&pdf)], "");
    if let Some(dir) = std::env::var_os("DAYBOOK_LOOK_DIR") {
        std::fs::copy(
            &pdf,
            std::path::Path::new(&dir).join("communications-report.pdf"),
        )
        .unwrap();
    }
    let text = util::run("pdftotext", &[p(&pdf), "-"]);
    let section = text
        .split("Communications with the restrained person")
        .nth(1)
        .expect("the section follows the incidents");
    let section = section.split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "Monday, March 2, 2026",
        "03:14:07 PST Text received from +1 510-555-0100",
        "I know where you are",
        "Source: record 1, line 5 of backup file",
        "Missed call from a withheld number",
        "Incoming call from +1 510-555-0100",
        "0 min 42 s",
        "Call rejected from +1 510-555-0100",
        "sms-20260303091244.xml",
        "Look who I'm with",
    ] {
        assert!(
            section.contains(expected),
            "{expected:?} not in:\n{section}"
        );
    }
    // A conversation with someone else stays in the journal.
    assert!(!text.contains("dinner at 6"), "{text}");
    assert!(!text.contains("555-0142"), "{text}");
}

#[test]
fn a_day_of_his_texts_and_calls_becomes_one_incident_that_cites_them() {
    let t = journal();
    let (texts, calls, _) = first_backups(&t);
    t.ok(&["import", p(&texts), p(&calls)], "");
    let id = t.ok(
        &[
            "incident",
            "from-messages",
            "--day",
            "2026-03-02",
            "--zone",
            "America/Los_Angeles",
        ],
        "",
    );
    let incident: Value =
        serde_json::from_str(&t.ok(&["incident", "show", id.trim(), "--json"], "")).unwrap();
    // His ten: three texts (one a group picture message) and seven calls; not the family
    // member's text, not the call from a withheld number.
    assert_eq!(
        incident["communications"].as_array().unwrap().len(),
        10,
        "{incident}"
    );
    assert_eq!(incident["occurred"]["local"], "2026-03-02T03:14:07");
    assert_eq!(incident["ended"]["local"], "2026-03-02T03:30:07");
    assert_eq!(
        incident["kinds"],
        json!(["phone_call", "text_message", "voicemail"])
    );
    assert_eq!(
        incident["quotes"],
        json!(["I know where you are \u{1F600}", "Look who I'm with"])
    );
    let description = incident["description"].as_str().unwrap();
    assert!(
        description.starts_with("2 texts received, 1 text sent, 6 calls received, 1 call made between 03:14 and 03:30 PST on Monday, March 2, 2026 (America/Los_Angeles) with +1 510-555-0100, +1 510-555-0177; 3 of the calls missed, rejected or blocked."),
        "{description}"
    );
    assert!(incident["order_id"].is_string());

    // The family member's text added to an incident recorded by hand, once.
    let other = t.add_incident(&util::incident("2026-03-02T03:40", "Called my mother."));
    let family = messages_json(&t, &["--with", "+15105550142"]);
    let family_id = family[0]["id"].as_str().unwrap();
    t.ok(
        &[
            "incident",
            "from-messages",
            family_id,
            "--add-to",
            other.trim(),
        ],
        "",
    );
    let shown: Value =
        serde_json::from_str(&t.ok(&["incident", "show", other.trim(), "--json"], "")).unwrap();
    assert_eq!(shown["communications"], json!([family_id]));
    let err = t.fails(
        &[
            "incident",
            "from-messages",
            family_id,
            "--add-to",
            other.trim(),
        ],
        "",
    );
    assert!(err.contains("changes nothing"), "{err}");
    let err = t.fails(&["incident", "from-messages", "no-such-id"], "");
    assert!(
        err.contains("There is no message or call with id no-such-id"),
        "{err}"
    );
    let err = t.fails(
        &[
            "incident",
            "from-messages",
            "--day",
            "2026-03-05",
            "--zone",
            "America/Los_Angeles",
        ],
        "",
    );
    assert!(err.contains("no imported texts or calls"), "{err}");

    let pdf = t.path("report.pdf");
    t.ok(&["export", "report", "--out", p(&pdf)], "");
    let text = util::run("pdftotext", &[p(&pdf), "-"])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("Cites 10 texts and calls from the phone's backup"),
        "{text}"
    );
    assert!(t.ok(&["verify"], "").starts_with("OK:"));
}

#[test]
fn a_packet_holds_an_extract_of_the_printed_records_and_the_whole_backup_only_when_asked() {
    let (t, texts) = imported_with_an_incident();
    let packet = t.path("packet");
    t.ok(&["export", "packet", "--out", p(&packet)], "");
    let original = std::fs::read_to_string(&texts).unwrap();
    let extract_path = packet.join("communications/sms-20260303091244-extract.xml");
    let extract = std::fs::read_to_string(&extract_path).unwrap();
    // His two texts and the group message, each element exactly as in the original; not the
    // family member's text.
    let elements: Vec<&str> = extract
        .lines()
        .filter(|l| l.trim_start().starts_with("<sms ") || l.trim_start().starts_with("<mms "))
        .collect();
    assert_eq!(elements.len(), 3, "{extract}");
    assert!(extract.contains("<smses count=\"3\">"), "{extract}");
    let mms_start = original.find("<mms ").unwrap();
    let mms_end = original.find("</mms>").unwrap() + "</mms>".len();
    assert!(
        extract.contains(&original[mms_start..mms_end]),
        "the MMS is copied whole, picture data included"
    );
    for element in &elements[..2] {
        assert!(original.contains(element), "{element}");
    }
    assert!(!extract.contains("dinner"), "{extract}");
    assert!(!packet
        .join("communications/sms-20260303091244.xml")
        .exists());
    let calls_extract =
        std::fs::read_to_string(packet.join("communications/calls-20260303091244-extract.xml"))
            .unwrap();
    assert_eq!(
        calls_extract.matches("<call ").count(),
        8,
        "his seven and the withheld one"
    );

    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(packet.join("manifest.json")).unwrap())
            .unwrap();
    let backups = manifest["phone_backups"].as_array().unwrap();
    assert_eq!(backups.len(), 2);
    assert_eq!(
        backups[0]["original_sha256"],
        sha256_hex(original.as_bytes())
    );
    assert_eq!(backups[0]["records"], 3);
    assert!(t.ok(&["verify", p(&packet)], "").starts_with("OK"));
    let readme = std::fs::read_to_string(packet.join("README.txt"))
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        readme.contains("communications/: for 2 phone backup(s)")
            && readme.contains("0 whole backup(s) included"),
        "{readme}"
    );

    // The extract is itself a backup that reads back (here into a fresh journal).
    let other = journal();
    let out = other.ok(&["import", p(&extract_path)], "");
    assert!(out.contains("3 messages and 0 calls; 3 new"), "{out}");

    // Asked for: the whole backup too, byte for byte.
    let full = t.path("full-packet");
    t.ok(
        &[
            "export",
            "packet",
            "--include-source-backups",
            "--out",
            p(&full),
        ],
        "",
    );
    assert_eq!(
        std::fs::read(full.join("communications/sms-20260303091244.xml")).unwrap(),
        original.as_bytes()
    );
    assert!(t.ok(&["verify", p(&full)], "").starts_with("OK"));
    assert!(std::fs::read_to_string(full.join("README.txt"))
        .unwrap()
        .contains("2 whole backup(s) included"));
}

/// A picture he texted, taken with the phone's location on (exiftool writes GPS, as a phone
/// does), and a text from a family member; imported into `journal()`.
fn picture_with_a_location(t: &TestDir) -> (std::path::PathBuf, Vec<u8>) {
    t.add_incident(&util::incident(
        "2026-03-02T03:30",
        "He texted me a picture of my new front door.",
    ));
    let photo_path = t.path("photo.jpg");
    util::photo_with_location(&photo_path, 7, "2026:03:02 03:10:00", &[]);
    let photo = std::fs::read(&photo_path).unwrap();
    let texts = messages_file(&[
        mms(
            "+15105550100",
            T0,
            1,
            Some("Nice door"),
            Some(("image/jpeg", Some(&photo))),
            &[("+15105550100", 137), ("+15105550199", 151)],
        ),
        sms("+15105550142", T0 + MINUTE, 1, "Mom: dinner at 6?", "Mom"),
    ]);
    let path = t.path("sms-20260303.xml");
    std::fs::write(&path, texts).unwrap();
    t.ok(&["import", p(&path)], "");
    (path, photo)
}

/// The base64 data of the first picture part in an XML extract, decoded.
fn extract_picture(extract: &str) -> Vec<u8> {
    use base64::Engine;
    let at = extract.find("ct=\"image/jpeg\"").expect("a picture part");
    let data = &extract[at..];
    let start = data.find(" data=\"").unwrap() + " data=\"".len();
    let end = start + data[start..].find('"').unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(&data[start..end])
        .unwrap()
}

fn has_gps(jpeg: &[u8]) -> bool {
    exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(jpeg))
        .map(|e| e.fields().any(|f| f.tag == exif::Tag::GPSLatitude))
        .unwrap_or(false)
}

#[test]
fn a_texted_picture_is_a_numbered_exhibit_and_its_location_leaves_only_as_chosen() {
    let t = journal();
    let (texts, photo) = picture_with_a_location(&t);
    assert!(has_gps(&photo));

    // The report: the picture is Exhibit 1, named in the message's entry and in the index,
    // and printed (without its file metadata) on its own page.
    let pdf = t.path("report.pdf");
    t.ok(&["export", "report", "--out", p(&pdf)], "");
    let text = util::run("pdftotext", &[p(&pdf), "-"]);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let pages: usize = util::run("pdfinfo", &[p(&pdf)])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("a page count");
    let exhibit_page = (1..=pages)
        .find(|n| {
            let n = n.to_string();
            util::run("pdftotext", &["-f", &n, "-l", &n, p(&pdf), "-"]).contains("Came with")
        })
        .unwrap_or_else(|| panic!("the exhibit has its own page: {pages} pages: {text}"));
    assert!(
        flat.contains(&format!(
            "Attached: Exhibit 1, page {exhibit_page} (picture, image/jpeg), SHA-256"
        )),
        "{flat}"
    );
    assert!(
        flat.contains("Text message of 2026-03-02 03:14:07 PST"),
        "{flat}"
    );
    assert!(flat.contains("Came with"), "{flat}");
    let images = util::run("pdfimages", &["-list", p(&pdf)]);
    assert!(
        images.lines().count() > 2,
        "the picture is printed: {images}"
    );
    assert!(!flat.contains("dinner"), "{flat}");

    // A packet asks first, and writes nothing until answered.
    let asked = t.path("asked");
    let err = t.fails(&["export", "packet", "--out", p(&asked)], "");
    assert!(err.contains("--originals without-location"), "{err}");
    assert!(!asked.join("manifest.json").exists());

    // Without location: the exhibit and the extract's picture are the same copy, with no GPS;
    // the rest of the message element is the original's, byte for byte.
    let packet = t.path("packet");
    t.export_packet(&packet, "without-location");
    let extract =
        std::fs::read_to_string(packet.join("communications/sms-20260303-extract.xml")).unwrap();
    let copied = extract_picture(&extract);
    assert_ne!(copied, photo);
    assert!(!has_gps(&copied));
    assert_eq!(copied.len(), photo.len(), "blanked in place");
    let exhibit = std::fs::read_dir(packet.join("exhibits"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("Exhibit-001_2026-03-02"))
        .expect("the picture is exhibit 1 in the packet");
    assert_eq!(std::fs::read(&exhibit).unwrap(), copied);
    let original = std::fs::read_to_string(&texts).unwrap();
    let head = &original[original.find("<mms ").unwrap()..original.find(" data=\"").unwrap()];
    assert!(
        extract.contains(head),
        "the element up to the data is the original's"
    );
    assert!(
        extract.contains("a copy with the place where it was taken"),
        "{extract}"
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(packet.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["phone_backups"][0]["pictures_without_location"], 1);
    let listed = &manifest["exhibits"][0];
    assert!(listed["communication_id"].is_string(), "{listed}");
    assert!(listed.get("incident_number").is_none(), "{listed}");
    assert!(t.ok(&["verify", p(&packet)], "").starts_with("OK"));

    // Exact originals, when chosen: the whole element byte for byte, location included.
    let exact = t.path("exact");
    t.export_packet(&exact, "exact");
    let extract =
        std::fs::read_to_string(exact.join("communications/sms-20260303-extract.xml")).unwrap();
    let element = &original[original.find("<mms ").unwrap()..original.find("</mms>").unwrap()];
    assert!(extract.contains(element));
    assert_eq!(extract_picture(&extract), photo);
}

#[test]
fn another_conversation_is_printed_only_when_chosen() {
    let t = journal();
    picture_with_a_location(&t);
    let plain = t.path("plain.pdf");
    t.ok(&["export", "report", "--out", p(&plain)], "");
    let text = util::run("pdftotext", &[p(&plain), "-"]);
    assert!(
        !text.contains("dinner") && !text.contains("555-0142"),
        "{text}"
    );

    let chosen = t.path("chosen.pdf");
    t.ok(
        &[
            "export",
            "report",
            "--thread",
            "(510) 555-0142",
            "--out",
            p(&chosen),
        ],
        "",
    );
    let text = util::run("pdftotext", &[p(&chosen), "-"]);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let others = flat
        .split("Other conversations the protected person chose to include")
        .nth(1)
        .expect("its own heading, after his");
    assert!(others.contains("with +1 510-555-0142"), "{others}");
    assert!(others.contains("Mom: dinner at 6?"), "{others}");
    assert!(!others.contains("Nice door"), "{others}");
}

/// The Messages screen reads conversations without reading every record (issue 18): its
/// counts come from a table triggers keep, and a conversation is read in pages from the thread
/// index. Both must say exactly what reading every record says: the counts per thread, kind,
/// hidden caller and label, and pages of any size that join up, in order, to the whole
/// conversation (records at the same millisecond included), with and without a search.
#[test]
fn conversations_are_counted_and_paged_as_every_record_says() {
    use daybook::journal::{CommunicationFilter, RecordGroup, ThreadPart};
    use std::collections::BTreeMap;
    /// Thread, call, hidden caller, the phone's label.
    type GroupKey = (Vec<String>, bool, bool, Option<String>);

    let t = journal();
    let (texts, calls, _) = first_backups(&t);
    // A second backup: ties at one millisecond across threads, the withheld caller again, a
    // second label for the same number, and a thread only of calls.
    let more_texts = messages_file(&[
        sms(
            "(510) 555-0100",
            T0 + 20 * MINUTE,
            1,
            "Answer me",
            "Marcus E",
        ),
        sms(
            "(510) 555-0100",
            T0 + 20 * MINUTE,
            1,
            "Answer me now",
            "Marcus E",
        ),
        sms(
            "+15105550142",
            T0 + 20 * MINUTE,
            2,
            "Call you later Mom",
            "Mom",
        ),
        sms(
            "(510) 555-0100",
            T0 + 21 * MINUTE,
            2,
            "Leave me alone",
            "Marcus E",
        ),
    ]);
    let more_calls = calls_file(&[
        call("", T0 + 22 * MINUTE, 3, 0, 2, "null"),
        call("+15105550188", T0 + 23 * MINUTE, 1, 60, 1, "Clinic"),
        call("+15105550188", T0 + 23 * MINUTE, 3, 0, 1, "Clinic"),
    ]);
    let (more_texts_path, more_calls_path) = (t.path("sms-2.xml"), t.path("calls-2.xml"));
    std::fs::write(&more_texts_path, more_texts).unwrap();
    std::fs::write(&more_calls_path, more_calls).unwrap();
    for file in [&texts, &calls, &more_texts_path, &more_calls_path] {
        t.ok(&["import", p(file)], "");
    }
    let passphrase = age::secrecy::SecretString::from(util::PASSPHRASE.to_string());
    let (journal, _) =
        daybook::Journal::open(&t.journal, daybook::Unlock::Passphrase(&passphrase)).unwrap();
    let all = journal
        .communications(&CommunicationFilter::default())
        .unwrap();
    assert_eq!(all.len(), 19);

    // The kept counts against a count of every record, with and without a search; words of
    // three letters or more are looked up in the search index, shorter ones read every record.
    for words in [
        vec![],
        vec!["me".to_string()],
        vec!["missed".into(), "call".into()],
        vec!["510 555 0100".into()],
        vec!["nothing-says-this".into()],
        vec!["ANSWER".into(), "me".into()],
        vec!["marcus".into()],
        vec!["(510)".into(), "0188".into()],
        vec!["+1 510-555-0142".into()],
        vec!["5550100".into()],
        vec!["clinic".into(), "received".into()],
        vec!["mom".into()],
    ] {
        let words = daybook::journal::search_words(&words.join(" "));
        let mut counted: BTreeMap<GroupKey, (u64, i64)> = BTreeMap::new();
        for c in all.iter().filter(|c| c.matches_words(&words)) {
            let group = counted
                .entry((
                    c.numbers.clone(),
                    c.kind.is_call(),
                    c.hidden,
                    c.contact_name.clone(),
                ))
                .or_insert((0, i64::MIN));
            group.0 += 1;
            group.1 = group.1.max(c.at_ms);
        }
        let kept: BTreeMap<_, _> = journal
            .record_groups(&words)
            .unwrap()
            .into_iter()
            .map(|g: RecordGroup| {
                (
                    (g.numbers, g.call, g.hidden, g.contact_name),
                    (g.records, g.last_ms),
                )
            })
            .collect();
        assert_eq!(kept, counted, "search {words:?}");
        if words == ["missed", "call"] {
            assert!(!kept.is_empty() && kept.keys().all(|k| k.1), "{kept:?}");
        }
    }

    // Every conversation's pages, of every size, join up to its records in order.
    let his = vec!["+15105550100".to_string()];
    let conversations: Vec<Vec<ThreadPart>> = vec![
        vec![ThreadPart {
            numbers: his.clone(),
            withheld_calls: None,
        }],
        vec![
            ThreadPart {
                numbers: his.clone(),
                withheld_calls: None,
            },
            ThreadPart {
                numbers: vec!["+15105550100".into(), "+15105550177".into()],
                withheld_calls: None,
            },
            ThreadPart {
                numbers: vec![],
                withheld_calls: Some(true),
            },
        ],
        vec![ThreadPart {
            numbers: vec!["+15105550142".into()],
            withheld_calls: None,
        }],
        vec![ThreadPart {
            numbers: vec!["+15105550188".into()],
            withheld_calls: None,
        }],
        vec![ThreadPart {
            numbers: vec![],
            withheld_calls: Some(false),
        }],
    ];
    let in_part = |c: &daybook::journal::Communication, part: &ThreadPart| {
        c.numbers == part.numbers
            && part
                .withheld_calls
                .is_none_or(|w| w == c.from_withheld_number())
    };
    for parts in &conversations {
        for words in [
            vec![],
            vec!["me".to_string()],
            vec!["answer".into()],
            vec!["0100".into()],
        ] {
            let whole: Vec<String> = all
                .iter()
                .filter(|c| parts.iter().any(|part| in_part(c, part)) && c.matches_words(&words))
                .map(|c| c.id.clone())
                .collect();
            for size in [1, 2, 3, 7, whole.len() + 1] {
                let (mut joined, mut before, mut pages) = (Vec::new(), None, 0);
                loop {
                    let page = journal
                        .conversation_page(parts, &words, before.as_ref(), size)
                        .unwrap();
                    assert!(page.records.len() <= size);
                    let mut ids: Vec<String> = page.records.iter().map(|c| c.id.clone()).collect();
                    ids.extend(joined);
                    joined = ids;
                    pages += 1;
                    match page.earlier {
                        Some(cursor) => before = Some(cursor),
                        None => break,
                    }
                }
                assert_eq!(joined, whole, "{parts:?} {words:?} pages of {size}");
                assert_eq!(
                    pages,
                    whole.len().div_ceil(size).max(1),
                    "{parts:?} pages of {size}"
                );
            }
        }
    }
    // His thread holds his group message's picture too, read with its record.
    let page = journal
        .conversation_page(&conversations[1], &[], None, 100)
        .unwrap();
    assert!(page.records.iter().any(|c| !c.parts.is_empty()));
}

/// A record dated centuries ahead is not a real phone's: it is named and left out, and the
/// rest of the backup is imported (the search index tells times apart only up to 2209).
#[test]
fn a_record_dated_after_2200_is_left_out_and_named() {
    let t = journal();
    // 2300-01-01 UTC.
    const YEAR_2300: i64 = 10_413_792_000_000;
    let backup = t.path("far.xml");
    std::fs::write(
        &backup,
        messages_file(&[
            sms("5105550100", T0, 1, "today", "Marcus"),
            sms("5105550100", YEAR_2300, 1, "far ahead", "Marcus"),
        ]),
    )
    .unwrap();
    let out = t
        .cmd()
        .args(["import", p(&backup)])
        .assert()
        .success()
        .get_output()
        .clone();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("a message dated after the year 2200"),
        "{said}"
    );
    let stored = messages_json(&t, &[]);
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0]["body"], "today");
}
