//! Redaction removes the text itself: the withheld strings are in neither `pdftotext`'s output
//! nor the uncompressed PDF (qpdf --qdf), and the protected person's address and phone number
//! are left out even with no court profile.

mod util;

use std::process::Command;

use serde_json::json;
use util::TestDir;

const SECRET_ADDRESS: &str = "1234 Oak Street";
const SECRET_PHONE_DIGITS: &str = "555-0199";

fn journal(t: &TestDir) {
    t.init();
    t.ok(
        &["order", "add", "--json", "-"],
        &json!({
            "kind": "after_hearing", "court": "Superior Court of California, County of Alameda",
            "state": "CA", "case_number": "HF26-014327", "issued_on": "2026-01-15",
            "respondent": {"name": "Marcus Ellison"},
            "protected_persons": [{"name": "Dana Ellison", "phones": ["(510) 555-0199"],
                                   "addresses": ["1234 Oak Street, Oakland, CA 94607"]}],
            "terms": [{"type": "stay_away", "distance": 100, "places": ["1234 Oak Street, Oakland, CA 94607"]}]
        })
        .to_string(),
    );
    t.ok(
        &["person", "add", "--json", "-"],
        &json!({"role": "other", "name": "Sofia Ellison", "minor": true}).to_string(),
    );
    t.add_incident(&json!({
        "occurred_at": "2026-04-10T09:00",
        "timezone": "America/Los_Angeles",
        "kinds": ["came_within_distance"],
        "description": "He waited outside 1234 oak street, Oakland, CA 94607 and phoned 510-555-0199. \
            Sofia Ellison saw him. He showed a card 4111 1111 1111 1111 and said my SSN 123-45-6789.",
        "quotes": ["I know you live at 1234 Oak Street."]
    }));
}

fn export(t: &TestDir, name: &str, profile: &str) -> (String, String) {
    let pdf = t.path(name);
    t.ok(
        &[
            "export",
            "report",
            "--out",
            pdf.to_str().unwrap(),
            "--redact",
            profile,
        ],
        "",
    );
    let text = Command::new("pdftotext")
        .args([pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext");
    let qdf = t.path(&format!("{name}.qdf"));
    let status = Command::new("qpdf")
        .args(["--qdf", "--object-streams=disable"])
        .arg(&pdf)
        .arg(&qdf)
        .status()
        .expect("qpdf");
    assert!(status.success());
    // Lines are joined: a withheld phrase must not hide behind a line break.
    (
        String::from_utf8_lossy(&text.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        String::from_utf8_lossy(&std::fs::read(qdf).unwrap()).into_owned(),
    )
}

#[test]
fn the_protected_persons_address_and_phone_never_reach_the_report() {
    let t = TestDir::new();
    journal(&t);
    let (text, raw) = export(&t, "none.pdf", "none");
    for gone in [SECRET_ADDRESS, "Oak Street", SECRET_PHONE_DIGITS] {
        assert!(
            !text.to_lowercase().contains(&gone.to_lowercase()),
            "{gone} in the text"
        );
        assert!(!raw.contains(gone), "{gone} in the PDF bytes");
    }
    assert!(text.contains("[address withheld]") && text.contains("[phone withheld]"));
    // No court profile: numbers and names stay.
    assert!(text.contains("123-45-6789") && text.contains("Sofia Ellison"));
    assert!(text.contains("no court profile"));
}

#[test]
fn federal_civil_masks_numbers_and_minors_in_the_text_layer() {
    let t = TestDir::new();
    journal(&t);
    let (text, raw) = export(&t, "frcp.pdf", "federal-civil");
    for gone in ["123-45-6789", "4111 1111 1111", "Sofia", SECRET_ADDRESS] {
        assert!(!text.contains(gone), "{gone} in the text");
        assert!(!raw.contains(gone), "{gone} in the PDF bytes");
    }
    for kept in ["XXX-XX-6789", "XXXX XXXX XXXX 1111", "S.E.", "FRCP 5.2"] {
        assert!(text.contains(kept), "{kept} missing");
    }
}

#[test]
fn an_unknown_profile_is_refused_with_the_choices() {
    let t = TestDir::new();
    journal(&t);
    let said = t.fails(
        &[
            "export",
            "report",
            "--out",
            t.path("x.pdf").to_str().unwrap(),
            "--redact",
            "ohio",
        ],
        "",
    );
    assert!(said.contains("federal-civil"), "{said}");
    assert!(!t.path("x.pdf").exists());
}

#[test]
fn file_names_and_invisible_characters_do_not_leak_into_the_report_or_the_packet() {
    let t = TestDir::new();
    journal(&t);
    let id = t.add_incident(&json!({
        "occurred_at": "2026-04-11T09:00",
        "timezone": "America/Los_Angeles",
        "description": "He read my SSN out loud: 987-65-\u{200B}4321.",
    }));
    let wav = t.path("Sofia_voicemail.wav");
    std::fs::write(&wav, daybook::demo::sample_voicemail(2)).unwrap();
    t.ok(&["attach", &id, wav.to_str().unwrap()], "");
    let (text, raw) = export(&t, "civil.pdf", "federal-civil");
    for gone in ["Sofia", "987-65", "65-4321"] {
        assert!(!text.contains(gone), "{gone} in the text layer:\n{text}");
        assert!(!raw.contains(gone), "{gone} in the uncompressed PDF");
    }
    assert!(text.contains("XXX-XX-4321"), "{text}");

    let dir = t.path("packet");
    t.ok(
        &[
            "export",
            "packet",
            "--out",
            dir.to_str().unwrap(),
            "--redact",
            "federal-civil",
        ],
        "",
    );
    let names: Vec<String> = std::fs::read_dir(dir.join("exhibits"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1);
    assert!(!names[0].contains("Sofia"), "{names:?}");
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(!manifest.contains("Sofia"), "{manifest}");
    let report = Command::new("pdftotext")
        .args([dir.join("Report.pdf").to_str().unwrap(), "-"])
        .output()
        .unwrap();
    let report: String = String::from_utf8_lossy(&report.stdout)
        .split_whitespace()
        .collect();
    assert!(
        report.contains(&names[0]),
        "the report names the packet's file {}",
        names[0]
    );
    assert_eq!(
        std::fs::read(dir.join("exhibits").join(&names[0])).unwrap(),
        daybook::demo::sample_voicemail(2),
        "the recording is the original"
    );
    t.ok(&["verify", dir.to_str().unwrap()], "");
}

#[test]
fn an_address_confidentiality_program_address_is_the_only_one_printed() {
    let t = TestDir::new();
    t.init();
    t.ok(
        &["order", "add", "--json", "-"],
        &json!({
            "kind": "after_hearing", "court": "Superior Court of California, County of Alameda",
            "state": "CA", "case_number": "HF26-014327", "issued_on": "2026-01-15",
            "protected_persons": [{"name": "Dana Ellison",
                                   "addresses": ["1234 Oak Street, Oakland, CA 94607"],
                                   "substitute_address": "PO Box 1409, Sacramento, CA 95812"}]
        })
        .to_string(),
    );
    t.add_incident(&util::incident(
        "2026-04-10T09:00",
        "He drove past 1234 Oak Street.",
    ));
    let (text, raw) = export(&t, "acp.pdf", "none");
    assert!(text.contains("PO Box 1409, Sacramento, CA 95812"), "{text}");
    assert!(!text.contains(SECRET_ADDRESS) && !raw.contains(SECRET_ADDRESS));
    assert!(t.ok(&["verify"], "").starts_with("OK"));
}
