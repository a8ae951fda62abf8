//! Court-ready exports read back with real tools: pdftotext, pdfinfo, pdffonts, pdfimages,
//! qpdf and sha256sum.

mod util;

use std::path::Path;
use std::process::Command;

use serde_json::json;
use util::{incident, TestDir};

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!("{name} could not run ({e}); install poppler-utils and qpdf (scripts/test does)")
    });
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pdftotext(pdf: &Path) -> String {
    tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"])
}

/// A journal with an order, incidents entered out of order (Spanish text and quotes among them),
/// one amended, one deleted, and a JPEG, a PNG and a voicemail attached.
fn journal(t: &TestDir) -> Vec<u8> {
    t.init();
    let order = t.ok(
        &["order", "add", "--json", "-"],
        &json!({
            "kind": "after_hearing", "court": "Superior Court of California, County of Alameda", "state": "CA",
            "case_number": "HF26-014327", "issued_on": "2026-01-15", "served_on": "2026-01-15", "expires_on": "2029-01-15",
            "petitioner": "Dana Ellison",
            "respondent": {"name": "Marcus Ellison", "vehicle": "Black F-150, CA 8KXR412", "description": "6'1\", beard"},
            "terms": [{"type": "stay_away", "distance": 100, "unit": "yards", "places": ["home", "work"]}, {"type": "no_contact"}]
        })
        .to_string(),
    );
    let mut third = incident(
        "2026-04-10T09:00",
        "THIRD entry: truck parked outside work for an hour.",
    );
    third["order_id"] = json!(order);
    third["term"] = json!("T1");
    third["police"] = json!({"agency": "Oakland Police Department", "report_number": "26-031337"});
    let third = t.add_incident(&third);
    let mut first = incident(
        "2026-02-01T18:30",
        "FIRST entry: Me dijo que me iba a encontrar. Señora Núñez lo vio.",
    );
    first["quotes"] = json!(["¿Dónde estás? Te estoy viendo."]);
    first["order_id"] = json!(order);
    let first = t.add_incident(&first);
    t.add_incident(&incident(
        "2026-03-15T12:00",
        "SECOND entry: voicemail from a blocked number.",
    ));
    let gone = t.add_incident(&incident(
        "2026-03-16T12:00",
        "DELETED entry that must not appear.",
    ));
    t.ok(&["incident", "delete", &gone, "--reason", "Duplicate"], "");
    t.ok(
        &["incident", "edit", &first, "--json", "-"],
        &json!({"location": "Lincoln Elementary pickup line"}).to_string(),
    );
    let photo = daybook::demo::sample_photo(4, "2026:04:10 09:02:00");
    let jpg = t.path("IMG_0001.jpg");
    std::fs::write(&jpg, &photo).unwrap();
    let png = t.path("post.png");
    std::fs::write(&png, daybook::demo::sample_png(5)).unwrap();
    t.ok(
        &[
            "attach",
            &third,
            jpg.to_str().unwrap(),
            png.to_str().unwrap(),
        ],
        "",
    );
    let wav = t.path("voicemail.wav");
    std::fs::write(&wav, daybook::demo::sample_voicemail(7)).unwrap();
    let line = t.ok(&["attach", &first, wav.to_str().unwrap()], "");
    let vm = line.split(' ').next().unwrap().to_string();
    t.ok(
        &["attachment", "describe", &vm, "--transcript-file", "-"],
        "Pick up. You're making a mistake.",
    );
    photo
}

#[test]
fn report_is_chronological_searchable_and_court_safe() {
    let t = TestDir::new();
    let photo = journal(&t);
    let pdf = t.path("report.pdf");
    let out = t.ok(&["export", "report", "--out", pdf.to_str().unwrap()], "");
    assert!(out.starts_with("Wrote"), "{out}");
    let text = pdftotext(&pdf);
    let first = text.find("FIRST entry").expect("first entry in the text");
    let second = text.find("SECOND entry").expect("second");
    let third = text.find("THIRD entry").expect("third");
    assert!(
        first < second && second < third,
        "entries are in occurrence order"
    );
    assert!(!text.contains("DELETED entry"));
    assert!(text.contains("Señora Núñez"), "Spanish text intact");
    assert!(
        text.contains("¿Dónde estás? Te estoy viendo."),
        "quote intact"
    );
    assert!(text.contains("Dana Ellison v. Marcus Ellison, Case No. HF26-014327"));
    assert!(
        text.contains("Exhibit index")
            && text.contains("Amendments")
            && text.contains("penalty of perjury")
    );
    assert!(
        text.contains("Pick up. You're making a mistake."),
        "transcript on the audio placeholder"
    );
    assert!(text.contains("Exhibit 1") && text.contains("Exhibit 3"));
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(
        info.contains("Page size:       612 x 792 pts (letter)"),
        "{info}"
    );
    assert!(info.contains("Encrypted:       no"), "{info}");
    let pages: usize = info
        .lines()
        .find(|l| l.starts_with("Pages:"))
        .unwrap()
        .split_whitespace()
        .last()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        text.contains(&format!("Page 1 of {pages}"))
            && text.contains(&format!("Page {pages} of {pages}"))
    );
    let year = chrono::Utc::now().format("%Y").to_string();
    assert!(
        info.lines()
            .any(|l| l.starts_with("CreationDate:") && l.contains(&year)),
        "{info}"
    );
    let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
    for line in fonts.lines().skip(2) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert!(
            line.contains(" yes yes "),
            "font not embedded and subset: {line} ({cols:?})"
        );
    }
    let images = tool("pdfimages", &["-list", pdf.to_str().unwrap()]);
    assert!(images.lines().any(|l| l.contains(" jpeg ")), "{images}");
    let dir = t.path("images");
    std::fs::create_dir(&dir).unwrap();
    tool(
        "pdfimages",
        &[
            "-j",
            pdf.to_str().unwrap(),
            dir.join("img").to_str().unwrap(),
        ],
    );
    let extracted: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    // The compressed image data goes in unchanged (no re-encode), without the file's EXIF.
    let embedded = extracted
        .iter()
        .find(|e| util::from_first_sos(e) == util::from_first_sos(&photo))
        .expect("the JPEG's image data is embedded byte-for-byte");
    assert!(
        !util::contains(embedded, b"Exif\0\0"),
        "EXIF left in the report"
    );
    tool("qpdf", &["--check", pdf.to_str().unwrap()]);
    let raw = std::fs::read(&pdf).unwrap();
    for forbidden in [
        &b"/URI"[..],
        b"/JavaScript",
        b"/EmbeddedFile",
        b"/Launch",
        b"/AcroForm",
        b"/Encrypt",
    ] {
        assert!(
            !util::contains(&raw, forbidden),
            "{} in the PDF",
            String::from_utf8_lossy(forbidden)
        );
    }
    // Each entry links to its exhibits' pages.
    let links = util::pdf_links(&pdf);
    assert_eq!(links.len(), 3, "one link per exhibit reference: {links:?}");
    for (from, to) in links {
        assert!(to > from, "links go forward to the exhibits");
        let page = to.to_string();
        let target = tool(
            "pdftotext",
            &["-f", &page, "-l", &page, pdf.to_str().unwrap(), "-"],
        );
        assert!(
            target.contains("Exhibit "),
            "link from page {from} lands on page {to}:\n{target}"
        );
    }
    let outline = tool(
        "qpdf",
        &["--json", "--json-key=outlines", pdf.to_str().unwrap()],
    );
    for n in 1..=3 {
        assert!(
            outline.contains(&format!("Exhibit {n} - ")),
            "bookmark for exhibit {n}: {outline}"
        );
    }
    // Refuses to overwrite.
    let err = t.fails(&["export", "report", "--out", pdf.to_str().unwrap()], "");
    assert!(err.contains("already exists"), "{err}");
}

#[test]
fn report_scope_limits_dates_and_refuses_empty() {
    let t = TestDir::new();
    journal(&t);
    let pdf = t.path("march.pdf");
    t.ok(
        &[
            "export",
            "report",
            "--out",
            pdf.to_str().unwrap(),
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
        ],
        "",
    );
    let text = pdftotext(&pdf);
    assert!(
        text.contains("SECOND entry")
            && !text.contains("FIRST entry")
            && !text.contains("THIRD entry")
    );
    let err = t.fails(
        &[
            "export",
            "report",
            "--out",
            t.path("none.pdf").to_str().unwrap(),
            "--from",
            "2020-01-01",
            "--to",
            "2020-01-31",
        ],
        "",
    );
    assert!(err.contains("nothing to report"), "{err}");
    assert!(!t.path("none.pdf").exists());
}

#[test]
fn packet_holds_originals_and_is_checked_by_sha256sum_and_daybook() {
    let t = TestDir::new();
    let photo = journal(&t);
    let dir = t.path("packet");
    let out = t.ok(&["export", "packet", "--out", dir.to_str().unwrap()], "");
    assert!(out.contains("3 exhibits"), "{out}");
    let exhibits: Vec<String> = {
        let mut names: Vec<String> = std::fs::read_dir(dir.join("exhibits"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(exhibits.len(), 3, "{exhibits:?}");
    assert!(
        exhibits[0].starts_with("Exhibit-001_2026-02-01_voicemail")
            && exhibits[0].ends_with(".wav"),
        "{exhibits:?}"
    );
    assert!(
        exhibits[1].starts_with("Exhibit-002_2026-04-10_IMG_0001") && exhibits[1].ends_with(".jpg")
    );
    for name in &exhibits {
        assert!(
            name.len() <= 50
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
            "{name}"
        );
    }
    assert_eq!(
        std::fs::read(dir.join("exhibits").join(&exhibits[1])).unwrap(),
        photo
    );
    let sums = Command::new("sha256sum")
        .arg("-c")
        .arg("SHA256SUMS")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        sums.status.success(),
        "{}",
        String::from_utf8_lossy(&sums.stdout)
    );
    assert!(String::from_utf8_lossy(&sums.stdout)
        .lines()
        .all(|l| l.ends_with(": OK")));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["exhibits"].as_array().unwrap().len(), 3);
    assert_eq!(manifest["exhibits"][1]["original_name"], "IMG_0001.jpg");
    let verify = t
        .cmd()
        .env_remove("DAYBOOK_PASSPHRASE")
        .args(["verify", dir.to_str().unwrap()])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&verify.get_output().stdout).starts_with("OK: "));
    let readme = std::fs::read_to_string(dir.join("README.txt")).unwrap();
    assert!(readme.contains("sha256sum -c SHA256SUMS"));
    // A clerk on Windows: certutil or Get-FileHash one file at a time, or the script.
    assert!(readme.contains("certutil -hashfile") && readme.contains("Get-FileHash"));
    assert!(readme.contains("check-packet.ps1") && dir.join("check-packet.ps1").is_file());
    let check = |dir: &std::path::Path| {
        let out = Command::new("sh")
            .arg("check-packet.sh")
            .current_dir(dir)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (ok, said) = check(&dir);
    assert!(ok, "{said}");
    let listed = std::fs::read_to_string(dir.join("SHA256SUMS"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(
        said.trim(),
        format!("OK: all {listed} files match SHA256SUMS.")
    );
    let text = pdftotext(&dir.join("Report.pdf"));
    let compact: String = text.split_whitespace().collect();
    assert!(
        compact.contains(manifest["journal_fingerprint"].as_str().unwrap()),
        "report and packet carry the same fingerprint"
    );

    // Tampering: an exhibit changed, caught by both tools and named.
    let victim = dir.join("exhibits").join(&exhibits[1]);
    let mut bytes = std::fs::read(&victim).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&victim, &bytes).unwrap();
    let sums = Command::new("sha256sum")
        .arg("-c")
        .arg("SHA256SUMS")
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(!sums.status.success());
    let (ok, said) = check(&dir);
    assert!(!ok, "{said}");
    assert!(
        said.starts_with(&format!("MISMATCH: exhibits/{}", exhibits[1])),
        "{said}"
    );
    let err = t.fails(&["verify", dir.to_str().unwrap()], "");
    assert!(
        err.contains(&format!("exhibits/{} does not match", exhibits[1])),
        "{err}"
    );
    bytes[middle] ^= 1;
    std::fs::write(&victim, &bytes).unwrap();

    // The manifest edited (and SHA256SUMS recomputed to hide it): the signature catches it.
    let manifest_path = dir.join("manifest.json");
    let original = std::fs::read_to_string(&manifest_path).unwrap();
    std::fs::write(
        &manifest_path,
        original.replace("IMG_0001.jpg", "IMG_9999.jpg"),
    )
    .unwrap();
    let err = t.fails(&["verify", dir.to_str().unwrap()], "");
    assert!(err.contains("changed after it was signed"), "{err}");
    std::fs::write(&manifest_path, &original).unwrap();

    // A file slipped in.
    std::fs::write(dir.join("exhibits").join("extra.jpg"), b"x").unwrap();
    let err = t.fails(&["verify", dir.to_str().unwrap()], "");
    assert!(
        err.contains("exhibits/extra.jpg is not part of the packet"),
        "{err}"
    );
    std::fs::remove_file(dir.join("exhibits").join("extra.jpg")).unwrap();
    t.ok(&["verify", dir.to_str().unwrap()], "");

    // Not a packet, and an existing folder is never written into.
    let err = t.fails(&["verify", t.tmp.path().to_str().unwrap()], "");
    assert!(err.contains("is not a Daybook evidence packet"), "{err}");
    let err = t.fails(&["export", "packet", "--out", dir.to_str().unwrap()], "");
    assert!(err.contains("already exists"), "{err}");
}

/// Found by `stress crash` (2026-11-30): a folder packet of a journal with no attachment failed
/// with "Could not write the packet to ...: No such file or directory" (it synced an exhibits/
/// folder that was never created) and removed what it had written.
#[test]
fn packet_without_attachments_is_written_and_verifies() {
    let t = TestDir::new();
    t.init();
    t.add_incident(&incident("2026-03-04T21:15", "Called eleven times"));
    let dir = t.path("packet");
    let out = t.ok(&["export", "packet", "--out", dir.to_str().unwrap()], "");
    assert!(out.contains("0 exhibits"), "{out}");
    assert!(dir.join("manifest.json").is_file(), "{out}");
    assert!(!dir.join("exhibits").exists());
    t.ok(&["verify", dir.to_str().unwrap()], "");
}

/// An officer sheet is one page, and the respondent's photo is its one JPEG.
fn assert_one_page_with_the_photo(pdf: &Path) {
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(info.contains("Pages:           1"), "{info}");
    let images = tool("pdfimages", &["-list", pdf.to_str().unwrap()]);
    assert_eq!(
        images.lines().filter(|l| l.contains(" jpeg ")).count(),
        1,
        "the respondent's photo: {images}"
    );
}

#[test]
fn officer_sheet_is_one_page_with_the_order_and_recent_violations() {
    let t = TestDir::new();
    journal(&t);
    let people: serde_json::Value =
        serde_json::from_str(&t.ok(&["person", "list", "--json"], "")).unwrap();
    let respondent = people
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["role"] == "restrained")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let portrait = t.path("face.jpg");
    std::fs::write(&portrait, daybook::demo::sample_portrait()).unwrap();
    t.ok(
        &["person", "photo", &respondent, portrait.to_str().unwrap()],
        "",
    );
    let err = t.fails(
        &[
            "person",
            "photo",
            &respondent,
            t.path("IMG_0001.jpg")
                .with_file_name("voicemail.wav")
                .to_str()
                .unwrap(),
        ],
        "",
    );
    assert!(
        err.contains("must be a picture (JPEG, PNG, HEIC, TIFF or WebP)"),
        "{err}"
    );
    assert!(
        t.ok(&["verify"], "").starts_with("OK"),
        "the photo is covered by the chain"
    );
    let pdf = t.path("sheet.pdf");
    t.ok(
        &[
            "export",
            "officer-sheet",
            "--out",
            pdf.to_str().unwrap(),
            "--last",
            "50",
        ],
        "",
    );
    assert_one_page_with_the_photo(&pdf);
    let text = pdftotext(&pdf);
    for expected in [
        "HF26-014327",
        "Marcus Ellison",
        "Black F-150",
        "the certified order controls",
        "18 U.S.C.",
        "26-031337",
        "100 yards",
        "Exhibits",
        // The third entry's photo and screenshot, numbered as in the court report (the first
        // entry's voicemail is Exhibit 1).
        "2, 3",
    ] {
        assert!(
            text.contains(expected),
            "{expected} missing from the sheet:\n{text}"
        );
    }
    tool("qpdf", &["--check", pdf.to_str().unwrap()]);
}

#[test]
fn officer_sheet_of_the_demo_lists_the_two_most_recent_violations_beside_the_photo() {
    let t = TestDir::new();
    t.ok(&["demo"], "");
    let pdf = t.path("sheet.pdf");
    t.ok(
        &["export", "officer-sheet", "--out", pdf.to_str().unwrap()],
        "",
    );
    assert_one_page_with_the_photo(&pdf);
    // The demo's newest incidents all fall under its second order, the default one.
    let incidents = t.list_json();
    let text = pdftotext(&pdf);
    assert!(text.contains("Most recent violations"), "{text}");
    for incident in incidents.iter().rev().take(2) {
        let local = incident["occurred"]["local"].as_str().unwrap();
        let when = local.replacen('T', " ", 1)[..16].to_string();
        assert!(
            text.contains(&when),
            "{when} missing from the sheet:\n{text}"
        );
    }
}
