//! The court's own order kept with the order record, carried into the officer sheet and into
//! a notice for a school, workplace or building (issue 19). The order PDFs are made here with
//! lopdf, shaped like an e-filed order: text pages, an inherited media box, a turned page, a
//! filled form field that lives in an annotation, a scanned seal whose JPEG carries GPS, and
//! the author and XMP metadata court software writes. Every export is read back with poppler
//! and qpdf.

mod util;

use std::path::{Path, PathBuf};

use lopdf::{dictionary, Document, Object, Stream};
use serde_json::json;
use util::{p, run, TestDir};

/// Words that must never reach a handout: each is planted in the order PDF's own metadata.
const LEAKS: [&str; 4] = ["LEAKYCLERK", "LEAKYPRODUCER", "LEAKYXMP", "LEAKYARTIST"];

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn pages(pdf: &Path) -> usize {
    let info = run("pdfinfo", &[p(pdf)]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo gives a page count")
}

fn text_of_page(pdf: &Path, page: usize) -> String {
    let n = page.to_string();
    run("pdftotext", &["-f", &n, "-l", &n, "-layout", p(pdf), "-"])
}

/// A JPEG "scan" whose EXIF says where and by whom it was made, as a phone scanner app writes.
fn scan_with_gps(t: &TestDir, name: &str, seed: u64) -> PathBuf {
    let path = t.path(name);
    util::photo_with_location(&path, seed, "2026:01:16 10:00:00", &["-Artist=LEAKYARTIST"]);
    path
}

/// Width and height from a baseline or progressive JPEG's frame header.
fn jpeg_size(jpeg: &[u8]) -> (i64, i64) {
    let sof = jpeg
        .windows(2)
        .position(|w| w[0] == 0xFF && (w[1] == 0xC0 || w[1] == 0xC2))
        .expect("a JPEG frame header");
    let h = i64::from(u16::from_be_bytes([jpeg[sof + 5], jpeg[sof + 6]]));
    let w = i64::from(u16::from_be_bytes([jpeg[sof + 7], jpeg[sof + 8]]));
    (w, h)
}

/// A three-page order as a court's e-filing system might send it (see the module comment).
fn order_pdf(t: &TestDir, seal: &Path) -> PathBuf {
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let seal_bytes = std::fs::read(seal).unwrap();
    let (w, h) = jpeg_size(&seal_bytes);
    let image = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => w, "Height" => h,
            "ColorSpace" => "DeviceRGB", "BitsPerComponent" => 8, "Filter" => "DCTDecode",
        },
        seal_bytes,
    ));
    let field = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), 300.into(), 24.into()],
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        },
        b"BT /F1 12 Tf 4 8 Td (FILLED-FIELD-VALUE) Tj ET".to_vec(),
    ));
    let mut kids = Vec::new();
    for n in 1..=3 {
        let text = format!(
            "BT /F1 16 Tf 72 700 Td (ORDER AFTER HEARING - page {n}) Tj 0 -24 Td (QUOKKA-{n}) Tj ET\n{}",
            if n == 2 { "q 120 0 0 90 72 450 cm /Seal Do Q" } else { "" }
        );
        let content = doc.add_object(Stream::new(dictionary! {}, text.into_bytes()));
        let mut page = dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content,
            "Resources" => dictionary! {
                "Font" => dictionary! { "F1" => font },
                "XObject" => dictionary! { "Seal" => image },
            },
        };
        if n == 1 {
            let annotation = doc.add_object(dictionary! {
                "Type" => "Annot", "Subtype" => "Widget", "FT" => "Tx", "F" => 4,
                "T" => Object::string_literal("respondent_name"),
                "Rect" => vec![72.into(), 500.into(), 372.into(), 524.into()],
                "AP" => dictionary! { "N" => field },
            });
            page.set("Annots", vec![Object::Reference(annotation)]);
        }
        if n == 3 {
            page.set("Rotate", 90);
        }
        kids.push(Object::Reference(doc.add_object(page)));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => kids, "Count" => 3,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        }),
    );
    let xmp = doc.add_object(Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        b"<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/'><dc:creator>LEAKYXMP</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>".to_vec(),
    ));
    let catalog = doc.add_object(dictionary! {
        "Type" => "Catalog", "Pages" => pages_id, "Metadata" => xmp,
    });
    let info = doc.add_object(dictionary! {
        "Author" => Object::string_literal("LEAKYCLERK"),
        "Producer" => Object::string_literal("LEAKYPRODUCER"),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    let path = t.path("order.pdf");
    doc.save(&path).unwrap();
    path
}

fn journal_with_order(t: &TestDir) -> String {
    t.init();
    let order = t.ok(
        &["order", "add", "--json", "-"],
        &json!({
            "kind": "after_hearing", "court": "Superior Court of California, County of Alameda",
            "state": "CA", "case_number": "HF26-014327", "issued_on": "2026-01-15",
            "served_on": "2026-01-16", "expires_on": "2099-01-15", "petitioner": "Dana Ellison",
            "respondent": {"name": "Marcus Ellison", "vehicle": "Black F-150, plate 8ABC123",
                           "description": "6'1\", beard", "phones": ["510-555-0100"]},
            "protected_persons": [
                {"name": "Dana Ellison", "addresses": ["12 Oak St, Oakland, CA"], "phones": ["510-555-0199"]},
                {"name": "Lily Ellison", "minor": true}
            ],
            "terms": [
                {"type": "stay_away", "distance": 100, "unit": "yards",
                 "places": ["home, 12 Oak St", "work", "the children's school"]},
                {"type": "no_contact"},
                {"type": "no_firearms"}
            ]
        })
        .to_string(),
    );
    let mut incident = util::incident("2026-04-10T09:00", "Parked outside my home at midnight.");
    incident["order_id"] = json!(order);
    t.add_incident(&incident);
    order
}

#[test]
fn the_officer_sheet_carries_the_order_as_it_is_without_what_its_file_says_about_itself() {
    let t = TestDir::new();
    let order = journal_with_order(&t);
    let seal = scan_with_gps(&t, "seal.jpg", 3);
    let pdf = order_pdf(&t, &seal);

    // Kept with the order: the file's id and SHA-256, listed by `order show`.
    let kept = t.ok(&["order", "attach", &order, p(&pdf)], "");
    let sha = sha256_hex(&std::fs::read(&pdf).unwrap());
    assert!(kept.contains(&sha), "{kept}");
    let shown = t.ok(&["order", "show", &order], "");
    assert!(
        shown.contains("Order: order.pdf (application/pdf") && shown.contains(&sha),
        "{shown}"
    );
    let shown: serde_json::Value =
        serde_json::from_str(&t.ok(&["order", "show", &order, "--json"], "")).unwrap();
    assert_eq!(shown["papers"][0]["paper_kind"], "order");
    assert_eq!(shown["papers"][0]["kind"], "document");
    assert_eq!(shown["papers"][0]["sha256"], sha.as_str());
    assert!(
        t.ok(&["verify"], "").contains("all check out"),
        "verify after attach"
    );

    let sheet = t.path("sheet.pdf");
    let said = t.ok(
        &[
            "export",
            "officer-sheet",
            "--with-order",
            "--out",
            p(&sheet),
        ],
        "",
    );
    assert!(said.contains("4 pages"), "{said}");
    assert_eq!(pages(&sheet), 1 + 3);
    run("qpdf", &["--check", p(&sheet)]);
    let first = text_of_page(&sheet, 1);
    assert!(
        first.contains(
            "Copies of the order (3 pages) on file with the protected person follow this sheet."
        ),
        "the sheet says the order follows:\n{first}"
    );
    for n in 1..=3 {
        let text = text_of_page(&sheet, n + 1);
        assert!(
            text.contains(&format!("QUOKKA-{n}")),
            "order page {n} is text:\n{text}"
        );
        assert!(
            text.contains("Copy of the order on file with the protected person - the certified order controls"),
            "page {} is footed as a copy:\n{text}",
            n + 1
        );
    }
    assert!(
        text_of_page(&sheet, 2).contains("FILLED-FIELD-VALUE"),
        "a filled-in field prints filled"
    );

    // Nothing the order's file said about itself, in any stream, uncompressed.
    let flat = t.path("flat.pdf");
    run(
        "qpdf",
        &["--qdf", "--object-streams=disable", p(&sheet), p(&flat)],
    );
    let bytes = std::fs::read(&flat).unwrap();
    for leak in LEAKS {
        assert!(!util::contains(&bytes, leak.as_bytes()), "{leak} leaked");
    }
    assert!(
        !util::contains(&bytes, b"pdfaid:part"),
        "the combined file no longer claims PDF/A"
    );
    // The seal is still there, as a JPEG, without EXIF.
    let listed = run("pdfimages", &["-list", p(&sheet)]);
    assert!(listed.contains("jpeg"), "{listed}");
    let images = t.path("images");
    std::fs::create_dir_all(&images).unwrap();
    run("pdfimages", &["-all", p(&sheet), p(&images.join("img"))]);
    for image in std::fs::read_dir(&images).unwrap() {
        let image = image.unwrap().path();
        let tags = run("exiftool", &["-a", "-G1", p(&image)]);
        assert!(
            !tags.contains("GPS") && !tags.contains("LEAKY"),
            "{} keeps metadata:\n{tags}",
            image.display()
        );
    }

    // The proof of service follows the order, footed as what it is.
    let service = scan_with_gps(&t, "served.jpg", 9);
    t.ok(
        &[
            "order",
            "attach",
            &order,
            "--kind",
            "proof-of-service",
            p(&service),
        ],
        "",
    );
    let sheet2 = t.path("sheet2.pdf");
    t.ok(
        &[
            "export",
            "officer-sheet",
            "--with-order",
            "--out",
            p(&sheet2),
        ],
        "",
    );
    assert_eq!(pages(&sheet2), 1 + 3 + 1);
    assert!(
        text_of_page(&sheet2, 1).contains("the order (3 pages) and its proof of service (1 page)")
    );
    assert!(text_of_page(&sheet2, 5).contains("Copy of the proof of service"));
    // Without --with-order the sheet is one page, as before.
    let alone = t.path("alone.pdf");
    t.ok(&["export", "officer-sheet", "--out", p(&alone)], "");
    assert_eq!(pages(&alone), 1);
    assert!(t.ok(&["verify"], "").contains("all check out"));
}

#[test]
fn photos_of_the_order_are_pages_of_their_own_and_a_locked_or_damaged_pdf_is_named() {
    let t = TestDir::new();
    let order = journal_with_order(&t);
    // Without a copy of the order there is nothing to add: say how to add one.
    let out = t.path("none.pdf");
    let said = t.fails(
        &["export", "officer-sheet", "--with-order", "--out", p(&out)],
        "",
    );
    assert!(said.contains("daybook order attach"), "{said}");
    assert!(!out.exists());

    // A page photographed (JPEG) and one saved by an iPhone (HEIC).
    let jpeg = scan_with_gps(&t, "page1.jpg", 5);
    let png = t.path("page2.png");
    std::fs::write(&png, daybook::demo::sample_png(6)).unwrap();
    let heic = t.path("page2.heic");
    run("heif-enc", &["-q", "60", "-o", p(&heic), p(&png)]);
    t.ok(&["order", "attach", &order, p(&jpeg), p(&heic)], "");
    let sheet = t.path("sheet.pdf");
    t.ok(
        &[
            "export",
            "officer-sheet",
            "--with-order",
            "--out",
            p(&sheet),
        ],
        "",
    );
    assert_eq!(pages(&sheet), 1 + 2);
    run("qpdf", &["--check", p(&sheet)]);
    let listed = run("pdfimages", &["-list", p(&sheet)]);
    let page_of = |line: &str| line.split_whitespace().next().map(str::to_string);
    let pictured: Vec<String> = listed.lines().skip(2).filter_map(page_of).collect();
    assert_eq!(pictured, ["2", "3"], "one picture on each page:\n{listed}");
    let flat = std::fs::read(&sheet).unwrap();
    assert!(!util::contains(&flat, b"LEAKYARTIST"));

    // A second order whose PDF is locked with a password, and a third whose PDF is cut short:
    // kept (they are what the person has), with a warning now, and refused at export.
    let locked_src = order_pdf(&t, &jpeg);
    let locked = t.path("locked.pdf");
    run(
        "qpdf",
        &[
            "--encrypt",
            "userpw",
            "ownerpw",
            "256",
            "--",
            p(&locked_src),
            p(&locked),
        ],
    );
    let damaged = t.path("damaged.pdf");
    let whole = std::fs::read(&locked_src).unwrap();
    std::fs::write(&damaged, &whole[..whole.len() / 3]).unwrap();
    for (file, case, expect) in [
        (&locked, "LOCK-1", "locked with a password"),
        (&damaged, "DAMAGE-1", "damaged"),
    ] {
        let newer = t.ok(
            &["order", "add", "--json", "-"],
            &json!({"kind": "temporary", "court": "Court", "state": "CA", "case_number": case,
                    "issued_on": "2026-02-01", "expires_on": "2099-01-01"})
            .to_string(),
        );
        let out = t
            .cmd()
            .args(["order", "attach", &newer, p(file)])
            .assert()
            .success()
            .get_output()
            .clone();
        let warned = String::from_utf8_lossy(&out.stderr);
        assert!(
            warned.contains("Kept, but note") && warned.contains(expect),
            "{warned}"
        );
        let out = t.path(&format!("{case}.pdf"));
        let said = t.fails(
            &[
                "export",
                "officer-sheet",
                "--order",
                &newer,
                "--with-order",
                "--out",
                p(&out),
            ],
            "",
        );
        assert!(
            said.contains(expect) && said.contains("Nothing was written"),
            "{said}"
        );
        assert!(!out.exists(), "nothing written for {case}");
        // The person agrees to the sheet alone: it is written.
        t.ok(
            &[
                "export",
                "officer-sheet",
                "--order",
                &newer,
                "--out",
                p(&out),
            ],
            "",
        );
        assert_eq!(pages(&out), 1);
    }
    assert!(t.ok(&["verify"], "").contains("all check out"));
}

#[test]
fn a_school_notice_names_the_children_and_the_school_and_nothing_of_home() {
    let t = TestDir::new();
    let order = journal_with_order(&t);
    let respondent = t
        .ok(&["person", "list"], "")
        .lines()
        .find(|l| l.contains("Marcus Ellison"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    let portrait = t.path("marcus.jpg");
    std::fs::write(&portrait, daybook::demo::sample_portrait()).unwrap();
    t.ok(&["person", "photo", &respondent, p(&portrait)], "");

    let notice = t.path("school.pdf");
    t.ok(
        &[
            "export",
            "notice",
            "--for",
            "school",
            "--call",
            "510-555-0142",
            "--out",
            p(&notice),
        ],
        "",
    );
    assert_eq!(pages(&notice), 1);
    run("qpdf", &["--check", p(&notice)]);
    let text = run("pdftotext", &[p(&notice), "-"]).replace('\n', " ");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for wanted in [
        "For the school office",
        "Children protected Lily Ellison",
        "Marcus Ellison",
        "Black F-150",
        "HF26-014327",
        "Stay at least 100 yards away from: the children's school",
        "No contact",
        "Do not release the children to Marcus Ellison",
        "call 911",
        "Then call Dana at 510-555-0142.",
    ] {
        assert!(text.contains(wanted), "{wanted:?} missing from:\n{text}");
    }
    for secret in ["Oak St", "510-555-0199", "midnight", "firearms", "work"] {
        assert!(
            !text.contains(secret),
            "{secret:?} is on the school notice:\n{text}"
        );
    }
    let listed = run("pdfimages", &["-list", p(&notice)]);
    assert_eq!(listed.lines().count(), 3, "the photo is on it:\n{listed}");

    // A workplace notice: the protected adult, the work term, nothing of the children.
    let work = t.path("work.pdf");
    t.ok(
        &["export", "notice", "--for", "workplace", "--out", p(&work)],
        "",
    );
    let text = run("pdftotext", &[p(&work), "-"]).replace('\n', " ");
    assert!(
        text.contains("away from: work") && text.contains("Dana"),
        "{text}"
    );
    assert!(!text.contains("Lily") && !text.contains("school"), "{text}");

    // With the order's pages after it, for a person described at length: the photo shrinks
    // so that the notice stays one page.
    t.ok(
        &["person", "edit", &respondent, "--json", "-"],
        &json!({
            "aliases": ["Marc", "M.J."],
            "description": "Male, 6'1\", about 210 lb, short dark hair, beard, tattoo of a compass on left forearm, walks with a slight limp, often wears a grey hooded jacket",
            "vehicle": "Black 2018 Ford F-150 pickup, CA plate 8KXR412, dent in rear bumper, ladder rack"
        })
        .to_string(),
    );
    let seal = scan_with_gps(&t, "seal.jpg", 3);
    let pdf = order_pdf(&t, &seal);
    t.ok(&["order", "attach", &order, p(&pdf)], "");
    let both = t.path("school-with-order.pdf");
    t.ok(
        &[
            "export",
            "notice",
            "--for",
            "school",
            "--with-order",
            "--out",
            p(&both),
        ],
        "",
    );
    assert_eq!(pages(&both), 1 + 3);
    assert!(text_of_page(&both, 4).contains("QUOKKA-3"));
    let said = t.fails(
        &[
            "export",
            "notice",
            "--for",
            "school",
            "--call",
            "call me",
            "--out",
            p(&t.path("x.pdf")),
        ],
        "",
    );
    assert!(said.contains("does not look like a phone number"), "{said}");
}

#[test]
fn handouts_refuse_an_expired_order_and_name_the_one_in_force() {
    let t = TestDir::new();
    t.init();
    let old = t.ok(
        &["order", "add", "--json", "-"],
        &json!({"kind": "temporary", "court": "Court", "state": "CA", "case_number": "OLD-1",
                "issued_on": "2025-01-01", "expires_on": "2025-02-01"})
        .to_string(),
    );
    let out = t.path("sheet.pdf");
    let said = t.fails(&["export", "officer-sheet", "--out", p(&out)], "");
    assert!(
        said.contains("OLD-1 expired on 2025-02-01") && said.contains("daybook order edit"),
        "{said}"
    );
    let said = t.fails(
        &["export", "notice", "--for", "building", "--out", p(&out)],
        "",
    );
    assert!(said.contains("expired"), "{said}");
    assert!(!out.exists());

    let new = t.ok(
        &["order", "add", "--json", "-"],
        &json!({"kind": "after_hearing", "court": "Court", "state": "CA", "case_number": "NEW-2",
                "issued_on": "2025-02-01", "expires_on": "2099-02-01"})
        .to_string(),
    );
    let said = t.fails(
        &["export", "officer-sheet", "--order", &old, "--out", p(&out)],
        "",
    );
    assert!(said.contains("NEW-2") && said.contains(&new), "{said}");
    t.ok(&["export", "officer-sheet", "--out", p(&out)], "");
    assert!(run("pdftotext", &[p(&out), "-"]).contains("NEW-2"));

    // The court extended the old order: correcting its date makes it usable again.
    t.ok(
        &["order", "edit", &old, "--json", "-"],
        r#"{"expires_on": "2099-03-01"}"#,
    );
    let again = t.path("again.pdf");
    t.ok(
        &[
            "export",
            "officer-sheet",
            "--order",
            &old,
            "--out",
            p(&again),
        ],
        "",
    );
    assert!(run("pdftotext", &[p(&again), "-"]).contains("OLD-1"));
}

#[test]
fn orders_and_people_are_edited_with_merge_patches_and_keep_their_history() {
    let t = TestDir::new();
    let order = journal_with_order(&t);
    let before: serde_json::Value =
        serde_json::from_str(&t.ok(&["order", "show", &order, "--json"], "")).unwrap();
    t.ok(
        &["order", "edit", &order, "--json", "-"],
        r#"{"served_on": null, "notes": "Renewal hearing set", "terms": [{"id": "T2", "type": "no_contact"}]}"#,
    );
    let after: serde_json::Value =
        serde_json::from_str(&t.ok(&["order", "show", &order, "--json"], "")).unwrap();
    assert_eq!(after["served_on"], serde_json::Value::Null);
    assert_eq!(after["notes"], "Renewal hearing set");
    assert_eq!(after["terms"].as_array().unwrap().len(), 1);
    // What the patch did not name stays as it was.
    assert_eq!(after["respondent_id"], before["respondent_id"]);
    assert_eq!(after["case_number"], before["case_number"]);
    let history: Vec<serde_json::Value> =
        serde_json::from_str(&t.ok(&["order", "history", &order, "--json"], "")).unwrap();
    assert_eq!(history.len(), 2, "created, then edited");

    let respondent = after["respondent_id"].as_str().unwrap().to_string();
    t.ok(
        &["person", "edit", &respondent, "--json", "-"],
        r#"{"vehicle": "Grey Honda Civic", "aliases": ["Marc"]}"#,
    );
    let people: Vec<serde_json::Value> =
        serde_json::from_str(&t.ok(&["person", "list", "--json"], "")).unwrap();
    let marcus = people
        .iter()
        .find(|p| p["id"] == respondent.as_str())
        .unwrap();
    assert_eq!(marcus["vehicle"], "Grey Honda Civic");
    assert_eq!(marcus["description"], "6'1\", beard");
    let history: Vec<serde_json::Value> =
        serde_json::from_str(&t.ok(&["person", "history", &respondent, "--json"], "")).unwrap();
    assert_eq!(history.len(), 2);

    // Bad edits change nothing and say why.
    let journal_before = t.journal_files();
    let said = t.fails(
        &["person", "edit", &respondent, "--json", "-"],
        r#"{"role": "witness"}"#,
    );
    assert!(said.contains("role cannot be changed"), "{said}");
    let said = t.fails(
        &["order", "edit", &order, "--json", "-"],
        r#"{"issued_on": "2026-02-30"}"#,
    );
    assert!(said.contains("issued_on"), "{said}");
    let said = t.fails(
        &["order", "edit", &order, "--json", "-"],
        r#"{"colour": "red"}"#,
    );
    assert!(said.contains("colour"), "{said}");
    let said = t.fails(&["order", "edit", &order, "--json", "-"], "[1, 2]");
    assert!(said.contains("JSON object"), "{said}");
    assert_eq!(
        util::db_bytes(&t.journal_files()),
        util::db_bytes(&journal_before)
    );
    assert!(t.ok(&["verify"], "").contains("all check out"));
}
