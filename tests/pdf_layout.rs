//! The PDF layout layer, checked with the tools a clerk's office or an archivist would use:
//! poppler-utils (pdftotext, pdffonts, pdfimages, pdfinfo) and qpdf. Nothing here is skipped
//! when a tool is missing: the test fails and says what to install.

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::TimeZone;
use daybook::report::layout::{DocInfo, Font, Layout, LayoutError, PaperSize, Style};

const SPANISH: &str = "Él dijo: «¿dónde estás?» — señora Núñez";
const CURLY: &str = "She said “I’ll be outside at 9 – 10…” and paid €20";
const HEADER: &str = "Doe v. Roe, Case No. 26-PO-0412 — Petitioner’s log of violations";
const DOC_ID: [u8; 16] = *b"daybook-test-id!";

fn info() -> DocInfo {
    DocInfo {
        title: "Violation log — Núñez".to_string(),
        author: "Ana Núñez".to_string(),
        subject: "Protective order violations".to_string(),
        created: chrono::Utc
            .with_ymd_and_hms(2026, 5, 2, 14, 3, 11)
            .single()
            .expect("valid date"),
        document_id: DOC_ID,
        paper: PaperSize::Letter,
    }
}

fn photo() -> Vec<u8> {
    daybook::demo::sample_photo(1, "2026:05:02 14:03:11")
}

/// A paragraph long enough to run over three pages, with numbered words to check order.
fn long_paragraph() -> String {
    let mut s = String::from("LONGSTART ");
    for i in 0..1500 {
        s.push_str(&format!("w{i:04} "));
        if i % 9 == 0 {
            s.push_str("messages, ");
        }
    }
    s.push_str("LONGEND");
    s
}

/// The sample document: every public method at least once.
fn sample() -> (Vec<u8>, Vec<u8>) {
    let jpeg = photo();
    let mut l = Layout::new(info()).expect("layout");
    l.set_header(HEADER);
    l.bookmark("Summary", 1);
    l.heading("Summary of violations", 1);
    l.paragraph(&format!("PARAALPHA {SPANISH}"), Style::body());
    l.paragraph(CURLY, Style::body());
    let top = l.anchor();
    let exhibit = l.new_anchor();
    l.link_text(
        "See the photograph, Exhibit 3 (internal link)",
        Style::body(),
        exhibit,
    );
    l.paragraph(
        "PARABRAVO Emoji must not crash 😀👍🏽 and text stays sane.\nSecond line forced.",
        Style::body(),
    );
    l.quote("“If you call the police again you will regret it.” — exact words, 14:03");
    l.key_values(&[
        ("Date".to_string(), "2 May 2026, 14:03".to_string()),
        (
            "Location".to_string(),
            "Outside the petitioner’s workplace, 1200 Main Street, Springfield; he stayed across \
             the street in a grey sedan for about forty minutes"
                .to_string(),
        ),
        ("SHA-256".to_string(), "9f2c4e1b".repeat(8)),
    ]);
    l.paragraph(&"9f2c4e1b".repeat(8), Style::mono());
    l.paragraph(
        "Supersupercalifragilisticexpialidocious".repeat(6).as_str(),
        Style::body(),
    );
    l.bookmark("Incidents", 1);
    l.heading("Incidents", 2);
    l.bookmark("2 May 2026 — workplace", 2);
    l.bookmark("Witness statement", 3);
    l.paragraph(&long_paragraph(), Style::body());
    l.paragraph("PARACHARLIE after the long one.", Style::italic());
    l.bookmark("Call log", 2);
    l.heading("Call log", 3);
    let columns = vec![
        ("Date".to_string(), 0.2),
        ("Time".to_string(), 0.12),
        ("From".to_string(), 0.23),
        ("Notes".to_string(), 0.45),
    ];
    let rows: Vec<Vec<String>> = (1..=70)
        .map(|i| {
            vec![
                format!("2026-04-{:02}", i % 30 + 1),
                format!("{:02}:{:02}", i % 24, (i * 7) % 60),
                "+1 555 0100".to_string(),
                if i % 10 == 0 {
                    format!("ROW{i} a much longer note that has to wrap onto several lines inside its cell because it describes a voicemail in detail")
                } else {
                    format!("ROW{i} missed call")
                },
            ]
        })
        .collect();
    l.table(&columns, &rows);
    l.paragraph("PARADELTA after the table.", Style::body());
    l.drawing(120.0, |c| {
        let (w, h) = (c.width(), c.height());
        c.rect(0.0, 0.0, w, h, None, Some(0.5));
        for (i, v) in [3.0f32, 7.0, 2.0, 9.0, 4.0].iter().enumerate() {
            let x = 20.0 + i as f32 * 60.0;
            c.rect(x, 20.0, 30.0, v * 10.0, Some(0.3), None);
        }
        c.line(0.0, 20.0, w, 20.0, 1.0, 0.0);
        let label = "Calls per week";
        let tw = c.text_width(label, 10.0, Font::Bold);
        c.text(w - tw - 8.0, h - 16.0, label, 10.0, Font::Bold);
        // Deliberately outside the block: must be clipped away, not printed in the margin.
        c.text(-60.0, h + 20.0, "OUTSIDEDRAWING", 12.0, Font::Regular);
    });
    l.new_page();
    l.set_page_tag(Some("Exhibit 3"));
    l.bookmark("Exhibits", 1);
    l.bookmark("Exhibit 3 — photograph", 2);
    l.big_label("Exhibit 3", 28.0);
    l.space(12.0);
    l.place_anchor(exhibit);
    l.jpeg(&jpeg, Some(300.0)).expect("jpeg");
    let (w, h) = (64u32, 48u32);
    let rgb: Vec<u8> = (0..w * h)
        .flat_map(|i| {
            let v = (i % w * 4) as u8;
            [v, 255 - v, 128]
        })
        .collect();
    l.rgb_image(w, h, &rgb, Some(100.0)).expect("rgb");
    l.paragraph("PARAECHO caption under the images.", Style::small());
    l.link_text("Back to the summary", Style::body(), top);
    l.set_page_tag(None);
    let total = l.page_count();
    assert!(l.current_page() >= 1);
    (l.finish(1, total).expect("finish"), jpeg)
}

struct Sample {
    _dir: tempfile::TempDir,
    pdf: PathBuf,
    bytes: Vec<u8>,
    jpeg: Vec<u8>,
}

fn write_sample() -> Sample {
    let (bytes, jpeg) = sample();
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = dir.path().join("sample.pdf");
    std::fs::write(&pdf, &bytes).expect("write pdf");
    if let Some(out) = std::env::var_os("DAYBOOK_LAYOUT_SAMPLE") {
        std::fs::write(out, &bytes).expect("copy sample");
    }
    Sample {
        _dir: dir,
        pdf,
        bytes,
        jpeg,
    }
}

/// Run a command-line tool; a missing tool is a test failure with install instructions.
fn run(tool: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new(tool)
        .args(args)
        .env("TZ", "UTC")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "could not run `{tool}` ({e}). These tests need the real PDF tools: \
                 install them with `apt-get install -y poppler-utils qpdf`"
            )
        });
    out
}

fn run_ok(tool: &str, args: &[&str]) -> String {
    let out = run(tool, args);
    assert!(
        out.status.success(),
        "`{tool} {}` failed: {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).expect("tool output is UTF-8")
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

fn page_count(pdf: &Path) -> usize {
    let info = run_ok("pdfinfo", &[p(pdf)]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pdfinfo reports the page count")
}

fn page_text(pdf: &Path, page: usize) -> String {
    let n = page.to_string();
    run_ok("pdftotext", &["-layout", "-f", &n, "-l", &n, p(pdf), "-"])
}

#[test]
fn text_is_real_extractable_and_in_order() {
    let s = write_sample();
    let text = run_ok("pdftotext", &["-layout", p(&s.pdf), "-"]);
    assert!(
        text.contains(SPANISH),
        "Spanish text must extract exactly:\n{text}"
    );
    assert!(
        text.contains(CURLY),
        "curly quotes, dashes, ellipsis, euro:\n{text}"
    );
    let order = [
        "PARAALPHA",
        "PARABRAVO",
        "LONGSTART",
        "w0000",
        "w0700",
        "w1499",
        "LONGEND",
        "PARACHARLIE",
        "ROW1 ",
        "ROW70",
        "PARADELTA",
        "Exhibit 3",
        "PARAECHO",
    ];
    let mut at = 0;
    for marker in order {
        let found = text[at..]
            .find(marker)
            .unwrap_or_else(|| panic!("{marker} missing or out of order"));
        at += found + marker.len();
    }
    let n = page_count(&s.pdf);
    assert!(n >= 6, "expected a multi-page sample, got {n} pages");
    assert!(text.contains(&format!("Page 1 of {n}")));
    assert!(text.contains(&format!("Page {n} of {n}")));
    assert!(
        text.contains(&format!("Exhibit 3 · Page {n} of {n}")),
        "tagged footer"
    );
    assert!(
        text.contains("Doe v. Roe, Case No. 26-PO-0412"),
        "running header"
    );
    // DejaVu draws 😀 itself and Noto Emoji the 👍; the skin-tone modifier is folded away.
    assert!(text.contains("crash 😀👍 and text stays sane"), "{text}");
    assert!(text.contains("Second line forced."));
    assert!(
        !text.contains("OUTSIDEDRAWING"),
        "drawing text outside its block is dropped"
    );
    assert!(
        text.contains("Calls per week"),
        "drawing text inside its block is kept"
    );
    // Every page is numbered.
    for page in 1..=n {
        assert!(
            page_text(&s.pdf, page).contains(&format!("Page {page} of {n}")),
            "page {page} lacks its number"
        );
    }
}

#[test]
fn long_paragraph_spans_three_pages() {
    let s = write_sample();
    let n = page_count(&s.pdf);
    let pages: Vec<String> = (1..=n).map(|i| page_text(&s.pdf, i)).collect();
    let start = pages
        .iter()
        .position(|t| t.contains("LONGSTART"))
        .expect("start");
    let end = pages
        .iter()
        .position(|t| t.contains("LONGEND"))
        .expect("end");
    assert!(
        end - start >= 2,
        "the long paragraph covers at least three pages"
    );
}

#[test]
fn table_header_repeats_on_every_page_of_the_table() {
    let s = write_sample();
    let n = page_count(&s.pdf);
    let pages: Vec<String> = (1..=n).map(|i| page_text(&s.pdf, i)).collect();
    let with_rows: Vec<&String> = pages.iter().filter(|t| t.contains("missed call")).collect();
    assert!(with_rows.len() >= 2, "the table is longer than one page");
    for t in with_rows {
        assert!(
            t.lines()
                .any(|l| l.contains("Date") && l.contains("Time") && l.contains("Notes")),
            "header row repeated:\n{t}"
        );
    }
}

#[test]
fn fonts_are_embedded_and_subset() {
    let s = write_sample();
    let out = run_ok("pdffonts", &[p(&s.pdf)]);
    let rows: Vec<&str> = out
        .lines()
        .skip(2)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(
        rows.len() >= 5,
        "regular, bold, italic, mono and emoji are used:\n{out}"
    );
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type... emb sub uni object-id: emb/sub/uni are the 5th-3rd from the end.
        let (emb, sub, uni) = (
            cols[cols.len() - 5],
            cols[cols.len() - 4],
            cols[cols.len() - 3],
        );
        assert_eq!((emb, sub, uni), ("yes", "yes", "yes"), "font row: {row}");
        assert!(
            row.contains("+DejaVuSans") || row.contains("+NotoEmoji-Regular"),
            "subset tag present: {row}"
        );
    }
}

#[test]
fn jpeg_image_data_is_embedded_byte_for_byte_without_its_metadata() {
    let s = write_sample();
    let list = run_ok("pdfimages", &["-list", p(&s.pdf)]);
    let jpeg_rows: Vec<&str> = list.lines().filter(|l| l.contains(" jpeg ")).collect();
    assert_eq!(jpeg_rows.len(), 1, "one DCT image:\n{list}");
    assert!(
        jpeg_rows[0].contains(" 800 ") && jpeg_rows[0].contains(" 600 "),
        "{list}"
    );
    assert!(
        list.lines()
            .any(|l| l.contains(" image ") && l.contains(" 64 ")),
        "RGB image:\n{list}"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let prefix = dir.path().join("img");
    run_ok("pdfimages", &["-j", p(&s.pdf), p(&prefix)]);
    let jpgs: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    assert_eq!(jpgs.len(), 1, "pdfimages extracted one JPEG");
    let extracted = std::fs::read(&jpgs[0]).expect("read extracted");
    assert!(
        util::from_first_sos(&extracted) == util::from_first_sos(&s.jpeg),
        "the extracted JPEG's image data differs from the original's"
    );
    // The encoder's JFIF segment is not needed to decode it, so it is not embedded.
    assert!(!extracted.windows(4).any(|w| w == b"JFIF"));
}

/// `pdfinfo` fields by name, values trimmed (its column alignment varies between versions).
fn pdfinfo(args: &[&str]) -> std::collections::HashMap<String, String> {
    run_ok("pdfinfo", args)
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}

#[test]
fn document_info_size_and_no_encryption() {
    let s = write_sample();
    let info = pdfinfo(&["-isodates", p(&s.pdf)]);
    assert_eq!(info["Page size"], "612 x 792 pts (letter)");
    assert_eq!(info["Encrypted"], "no");
    assert!(
        info["CreationDate"].starts_with("2026-05-02T14:03:11"),
        "{info:?}"
    );
    assert_eq!(info["Title"], "Violation log — Núñez");
    assert_eq!(info["Author"], "Ana Núñez");
    assert_eq!(info["PDF version"], "1.7");
    assert_eq!(info["JavaScript"], "no");
    assert_eq!(info["Form"], "none");
    assert_eq!(info["Metadata Stream"], "yes");
}

#[test]
fn qpdf_check_passes() {
    let s = write_sample();
    let out = run_ok("qpdf", &["--check", p(&s.pdf)]);
    assert!(out.contains("No syntax or stream encoding errors"), "{out}");
}

#[test]
fn nothing_active_or_external_and_pdfa_markers_present() {
    let s = write_sample();
    // Decompress everything so the check also sees inside streams.
    let dir = tempfile::tempdir().expect("temp dir");
    let qdf = dir.path().join("qdf.pdf");
    run_ok(
        "qpdf",
        &["--qdf", "--object-streams=disable", p(&s.pdf), p(&qdf)],
    );
    let expanded = std::fs::read(&qdf).expect("read qdf");
    for raw in [&s.bytes, &expanded] {
        let text = String::from_utf8_lossy(raw);
        for banned in [
            "/URI",
            "/JavaScript",
            "/JS ",
            "/EmbeddedFile",
            "/Launch",
            "/AcroForm",
            "/Encrypt",
        ] {
            assert!(!text.contains(banned), "{banned} must not appear");
        }
    }
    let raw = String::from_utf8_lossy(&s.bytes);
    let qdf_text = String::from_utf8_lossy(&expanded);
    assert!(raw.contains("/PageLabels"));
    assert!(qdf_text.contains("/PageMode /UseOutlines"));
    assert!(raw.contains("<pdfaid:part>2</pdfaid:part>"));
    assert!(raw.contains("<pdfaid:conformance>B</pdfaid:conformance>"));
    assert!(raw.contains("/GTS_PDFA1"));
    assert!(raw.contains("/DestOutputProfile"));
    assert!(raw.contains("<xmp:CreateDate>2026-05-02T14:03:11+00:00</xmp:CreateDate>"));
    // The trailer ID is the caller's document ID, twice (no later revisions exist).
    let id = hex::encode_upper(DOC_ID);
    let compact: String = raw.split_whitespace().collect();
    assert!(
        compact.contains(&format!("/ID[<{id}><{id}>]")),
        "document ID"
    );
    let expanded = String::from_utf8_lossy(&expanded);
    assert!(expanded.contains("/S /GoTo"), "internal link present");
    assert!(expanded.contains("/Subtype /Link"));
    assert!(
        expanded.contains("/F 4"),
        "link annotations are printable (PDF/A)"
    );
}

fn qpdf_json(pdf: &Path) -> serde_json::Value {
    let out = run_ok("qpdf", &["--json", p(pdf)]);
    serde_json::from_str(&out).expect("qpdf --json output")
}

#[test]
fn outline_is_nested_and_labels_match_printed_numbers() {
    let s = write_sample();
    let json = qpdf_json(&s.pdf);
    let outlines = json["outlines"].as_array().expect("outlines");
    let titles: Vec<&str> = outlines
        .iter()
        .filter_map(|o| o["title"].as_str())
        .collect();
    assert_eq!(titles, ["Summary", "Incidents", "Exhibits"]);
    let incidents = &outlines[1]["kids"];
    assert_eq!(incidents[0]["title"], "2 May 2026 — workplace");
    assert_eq!(incidents[0]["kids"][0]["title"], "Witness statement");
    assert_eq!(incidents[1]["title"], "Call log");
    assert_eq!(outlines[2]["kids"][0]["title"], "Exhibit 3 — photograph");
    // The exhibit bookmark points at the exhibit page, which is the last one.
    let n = page_count(&s.pdf);
    assert_eq!(outlines[2]["destpageposfrom1"], n);

    let labels = json["pagelabels"].as_array().expect("pagelabels");
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0]["label"]["/S"], "/D");
    assert_eq!(labels[0]["label"]["/St"], 1);
}

#[test]
fn continuous_numbering_across_volumes() {
    let mut l = Layout::new(info()).expect("layout");
    l.paragraph("Volume two starts here.", Style::body());
    let bytes = l.finish(41, 60).expect("finish");
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = dir.path().join("vol2.pdf");
    std::fs::write(&pdf, bytes).expect("write");
    let text = run_ok("pdftotext", &["-layout", p(&pdf), "-"]);
    assert!(text.contains("Page 41 of 60"), "{text}");
    let json = qpdf_json(&pdf);
    assert_eq!(json["pagelabels"][0]["label"]["/St"], 41);
}

#[test]
fn body_text_is_twelve_point_and_inside_the_margins() {
    let s = write_sample();
    let html = run_ok("pdftotext", &["-bbox", p(&s.pdf), "-"]);
    let mut checked = 0;
    for line in html
        .lines()
        .filter(|l| l.trim_start().starts_with("<word "))
    {
        let attr = |name: &str| -> f64 {
            let key = format!("{name}=\"");
            let start = line.find(&key).expect("attribute") + key.len();
            let end = start + line[start..].find('"').expect("closing quote");
            line[start..end].parse().expect("number")
        };
        let (x0, x1) = (attr("xMin"), attr("xMax"));
        assert!(
            x0 >= 71.5 && x1 <= 540.5,
            "word outside the 1-inch side margins: {line}"
        );
        let word = line.rsplit_once("\">").map(|(_, w)| w).unwrap_or("");
        if word.starts_with("PARAALPHA") || word.starts_with("LONGSTART") || word.starts_with("w0")
        {
            let height = attr("yMax") - attr("yMin");
            // DejaVu's ascent+descent is 1.16 em: 12 pt text gives a ~14 pt tall box.
            assert!(height >= 13.5, "body text smaller than 12 pt: {line}");
            checked += 1;
        }
    }
    assert!(checked > 100, "found the body words ({checked})");

    // No text anywhere below 10 pt (footers, tables), from the content streams themselves.
    let dir = tempfile::tempdir().expect("temp dir");
    let qdf = dir.path().join("qdf.pdf");
    run_ok(
        "qpdf",
        &["--qdf", "--object-streams=disable", p(&s.pdf), p(&qdf)],
    );
    let expanded = String::from_utf8_lossy(&std::fs::read(&qdf).expect("read")).into_owned();
    let sizes: Vec<f64> = expanded
        .lines()
        .filter(|l| l.ends_with(" Tf"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect();
    assert!(!sizes.is_empty());
    assert!(
        sizes.iter().all(|s| *s >= 10.0),
        "text below 10 pt: {sizes:?}"
    );
    assert!(sizes.contains(&12.0), "body text is set in 12 pt");
}

#[test]
fn output_is_deterministic() {
    let (a, _) = sample();
    let (b, _) = sample();
    assert!(a == b, "same input must give identical bytes");
}

#[test]
fn headings_are_never_stranded_at_a_page_bottom() {
    let mut l = Layout::new(info()).expect("layout");
    for k in 0..30 {
        let filler = (0..(k % 7) * 3 + 1)
            .map(|i| format!("filler line {i} of section {k}"))
            .collect::<Vec<_>>()
            .join("\n");
        l.paragraph(&filler, Style::body());
        l.heading(&format!("HEAD{k:02}"), 2);
        l.paragraph(&format!("BODY{k:02} first line"), Style::body());
    }
    let total = l.page_count();
    let bytes = l.finish(1, total).expect("finish");
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = dir.path().join("headings.pdf");
    std::fs::write(&pdf, bytes).expect("write");
    let n = page_count(&pdf);
    assert!(n >= 3);
    for page in 1..=n {
        let text = page_text(&pdf, page);
        for k in 0..30 {
            if text.contains(&format!("HEAD{k:02}")) {
                assert!(
                    text.contains(&format!("BODY{k:02}")),
                    "heading {k} separated from its text on page {page}"
                );
            }
        }
    }
}

#[test]
fn a_heading_moves_with_a_table_or_image_that_needs_a_new_page() {
    // Tables, drawings and images are taller than the two body lines a heading reserves; put
    // the heading at every height near the bottom of a page and check it is never left there.
    let dir = tempfile::tempdir().expect("temp dir");
    for fillers in 28..40 {
        let mut l = Layout::new(info()).expect("layout");
        for i in 0..fillers {
            l.paragraph(
                &format!("filler {i}"),
                Style {
                    space_after: 0.0,
                    ..Style::body()
                },
            );
        }
        l.bookmark("THEHEAD", 1);
        l.heading("THEHEAD", 2);
        let rows: Vec<Vec<String>> = (0..3)
            .map(|r| vec![format!("cell {r}\nsecond\nthird\nfourth"), "x".into()])
            .collect();
        l.table(&[("COLA".into(), 0.5), ("COLB".into(), 0.5)], &rows);
        let total = l.page_count();
        let pdf = dir.path().join(format!("orphan-{fillers}.pdf"));
        std::fs::write(&pdf, l.finish(1, total).expect("finish")).expect("write");
        let heading_page = (1..=page_count(&pdf))
            .find(|p| page_text(&pdf, *p).contains("THEHEAD"))
            .expect("heading printed");
        assert!(
            page_text(&pdf, heading_page).contains("COLA"),
            "{fillers} fillers: the heading was left alone on page {heading_page}"
        );
        // Its bookmark follows it.
        let json = qpdf_json(&pdf);
        let outline = json["outlines"].to_string();
        assert!(outline.contains("THEHEAD"), "{outline}");
        let dest_page = json["outlines"][0]["destpageposfrom1"].as_u64();
        assert_eq!(
            dest_page,
            Some(heading_page as u64),
            "{fillers} fillers: bookmark points at page {dest_page:?}"
        );
    }
}

#[test]
fn bad_input_gives_errors_not_panics() {
    let mut l = Layout::new(info()).expect("layout");
    assert!(matches!(
        l.jpeg(b"not a jpeg", None),
        Err(LayoutError::InvalidJpeg(_))
    ));
    assert!(matches!(
        l.rgb_image(4, 4, &[0; 10], None),
        Err(LayoutError::InvalidImage(_))
    ));
    let err = l.jpeg(&[0xFF, 0xD8, 0xFF], None).expect_err("truncated");
    assert!(err.to_string().contains("JPEG"), "{err}");
    l.paragraph("x", Style::body());
    assert!(matches!(l.finish(3, 2), Err(LayoutError::PageNumbering(_))));
}

#[test]
fn empty_layout_still_makes_a_valid_one_page_pdf() {
    let l = Layout::new(DocInfo {
        paper: PaperSize::A4,
        ..info()
    })
    .expect("layout");
    assert_eq!(l.page_count(), 1);
    let bytes = l.finish(1, 1).expect("finish");
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = dir.path().join("empty.pdf");
    std::fs::write(&pdf, bytes).expect("write");
    run_ok("qpdf", &["--check", p(&pdf)]);
    let info = run_ok("pdfinfo", &[p(&pdf)]);
    assert!(info.contains("595 x 842 pts (A4)"), "{info}");
}

#[test]
fn internal_links_go_to_their_anchors_forward_and_back() {
    let s = write_sample();
    let n = page_count(&s.pdf);
    let links = util::pdf_links(&s.pdf);
    assert!(
        links.contains(&(1, n)),
        "forward link from page 1 to the exhibit: {links:?}"
    );
    assert!(
        links.contains(&(n, 1)),
        "link back to the summary: {links:?}"
    );
}

#[test]
fn a_link_to_an_unplaced_anchor_is_an_error() {
    let mut l = Layout::new(info()).expect("layout");
    let nowhere = l.new_anchor();
    l.link_text("dangling", Style::body(), nowhere);
    assert!(matches!(l.finish(1, 1), Err(LayoutError::UnplacedAnchor)));
}

/// A JPEG whose top-left quadrant is red and the rest blue, tagged with an EXIF orientation.
fn oriented_jpeg(orientation: u16) -> Vec<u8> {
    let (w, h) = (80u16, 40u16);
    let mut px = Vec::new();
    for y in 0..h {
        for x in 0..w {
            let red = x < w / 2 && y < h / 2;
            px.extend_from_slice(if red { &[230, 20, 20] } else { &[20, 20, 230] });
        }
    }
    let mut plain = Vec::new();
    jpeg_encoder::Encoder::new(&mut plain, 90)
        .encode(&px, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    // APP1 "Exif": little-endian TIFF, IFD0 with one SHORT Orientation entry.
    let mut tiff = b"Exif\0\0II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0".to_vec();
    tiff.extend_from_slice(&orientation.to_le_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&u16::try_from(tiff.len() + 2).expect("small").to_be_bytes());
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&plain[2..]);
    out
}

/// Render one page at 36 dpi and return (width, height, RGB pixels) of its text block.
fn render(pdf: &Path, page: usize, dir: &Path) -> (usize, usize, Vec<u8>) {
    let n = page.to_string();
    let prefix = dir.join(format!("r{page}"));
    run_ok(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "36",
            "-f",
            &n,
            "-l",
            &n,
            "-singlefile",
            p(pdf),
            p(&prefix),
        ],
    );
    let file = std::fs::File::open(prefix.with_extension("png")).expect("rendered png");
    let mut reader = png::Decoder::new(file).read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut buf).expect("png frame");
    assert_eq!(frame.color_type, png::ColorType::Rgb);
    buf.truncate(frame.buffer_size());
    let (w, h) = (frame.width as usize, frame.height as usize);
    // Blank the 1-inch margins (36 px at 36 dpi) so header and footer text cannot count.
    for y in 0..h {
        for x in 0..w {
            if y < 36 || y >= h - 36 || x < 36 || x >= w - 36 {
                let i = (y * w + x) * 3;
                buf[i..i + 3].copy_from_slice(&[255, 255, 255]);
            }
        }
    }
    (w, h, buf)
}

/// Bounding box (x0, y0, x1, y1) of pixels matching `pred`, in image rows from the top.
fn bbox(
    img: &(usize, usize, Vec<u8>),
    pred: impl Fn(&[u8]) -> bool,
) -> Option<(usize, usize, usize, usize)> {
    let (w, h, px) = img;
    let mut b: Option<(usize, usize, usize, usize)> = None;
    for y in 0..*h {
        for x in 0..*w {
            let i = (y * w + x) * 3;
            if pred(&px[i..i + 3]) {
                b = Some(match b {
                    None => (x, y, x, y),
                    Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
                });
            }
        }
    }
    b
}

#[test]
fn exif_orientation_cmyk_and_grey_jpegs_render_the_right_way_up() {
    let mut l = Layout::new(info()).expect("layout");
    for o in [1u16, 3, 6, 8] {
        l.new_page();
        l.jpeg(&oriented_jpeg(o), Some(200.0))
            .expect("oriented jpeg");
    }
    // CMYK, Adobe-inverted as every CMYK JPEG encoder writes it: black top, cyan bottom.
    let mut cmyk = Vec::new();
    for y in 0..40 {
        for _ in 0..40 {
            cmyk.extend_from_slice(if y < 20 {
                &[0, 0, 0, 255]
            } else {
                &[255, 0, 0, 0]
            });
        }
    }
    let mut cmyk_jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut cmyk_jpeg, 90)
        .encode(&cmyk, 40, 40, jpeg_encoder::ColorType::Cmyk)
        .expect("cmyk");
    l.new_page();
    l.jpeg(&cmyk_jpeg, Some(200.0)).expect("cmyk jpeg");
    let mut grey = Vec::new();
    jpeg_encoder::Encoder::new(&mut grey, 90)
        .encode(&[40u8; 30 * 30], 30, 30, jpeg_encoder::ColorType::Luma)
        .expect("grey");
    l.new_page();
    l.jpeg(&grey, Some(200.0)).expect("grey jpeg");
    let total = l.page_count();
    let bytes = l.finish(1, total).expect("finish");
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = dir.path().join("orient.pdf");
    std::fs::write(&pdf, bytes).expect("write");
    run_ok("qpdf", &["--check", p(&pdf)]);

    let is_red = |c: &[u8]| c[0] > 150 && c[1] < 100 && c[2] < 100;
    let is_blue = |c: &[u8]| c[2] > 150 && c[0] < 100 && c[1] < 100;
    // Where the red quadrant must end up after applying each orientation.
    for (page, (o, want_right, want_bottom)) in [
        (1, false, false),
        (3, true, true),
        (6, true, false),
        (8, false, true),
    ]
    .into_iter()
    .enumerate()
    {
        let img = render(&pdf, page + 1, dir.path());
        let all = bbox(&img, |c| is_red(c) || is_blue(c)).expect("image visible");
        let red = bbox(&img, is_red).expect("red quadrant visible");
        let (w, h) = (all.2 - all.0, all.3 - all.1);
        if o >= 5 {
            assert!(h > w, "orientation {o} displays portrait ({w}x{h})");
        } else {
            assert!(w > h, "orientation {o} displays landscape ({w}x{h})");
        }
        let red_cx = (red.0 + red.2) / 2;
        let red_cy = (red.1 + red.3) / 2;
        let right = red_cx > (all.0 + all.2) / 2;
        let bottom = red_cy > (all.1 + all.3) / 2;
        assert_eq!(
            (right, bottom),
            (want_right, want_bottom),
            "orientation {o}"
        );
    }
    let cmyk_page = render(&pdf, 5, dir.path());
    let dark = bbox(&cmyk_page, |c| c.iter().all(|v| *v < 60)).expect("black half");
    let h = cmyk_page.1;
    assert!(
        dark.3 < h / 2,
        "CMYK black half is at the top, not inverted"
    );
    let cyan = bbox(&cmyk_page, |c| c[0] < 80 && c[1] > 150 && c[2] > 150).expect("cyan half");
    assert!(cyan.1 > dark.3, "cyan below black");
    if let Some(out) = std::env::var_os("DAYBOOK_LAYOUT_ORIENT") {
        std::fs::copy(&pdf, out).expect("copy");
    }
    let grey_page = render(&pdf, 6, dir.path());
    assert!(
        bbox(&grey_page, |c| c.iter().all(|v| (25..60).contains(v))).is_some(),
        "grey JPEG drawn"
    );
}

#[test]
fn layout_can_move_to_a_worker_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<Layout>();
    let handle = std::thread::spawn(|| {
        let mut l = Layout::new(info()).expect("layout");
        l.paragraph("built on a worker thread", Style::body());
        l.finish(1, 1).expect("finish")
    });
    assert!(handle.join().expect("thread").starts_with(b"%PDF-1.7"));
}

/// A text as it was received: emoji DejaVu lacks (🔪 👍 👩 💻), ones it has (😡 ❤), a
/// variation selector, a skin tone and a ZWJ sequence.
const THREAT: &str = "Answer me 😡😡 or else 🔪 ❤\u{FE0F} 👍\u{1F3FD} 👩\u{200D}💻";
/// How `THREAT` prints: the variation selector, skin tone and joiner are invisible.
const THREAT_PRINTED: &str = "Answer me 😡😡 or else 🔪 ❤ 👍 👩💻";

/// `THREAT` in body, bold, quote and mono styles, a line of emoji long enough to wrap, and a
/// table cell; or the same document with the emoji taken out.
fn emoji_pdf(dir: &Path, with_emoji: bool) -> PathBuf {
    let threat = if with_emoji {
        THREAT.to_string()
    } else {
        "Answer me or else".to_string()
    };
    let knives = if with_emoji {
        "🔪👍 ".repeat(60)
    } else {
        "kn ".repeat(60)
    };
    let mut l = Layout::new(info()).expect("layout");
    l.set_header(HEADER);
    l.heading("Texts received", 2);
    l.paragraph(&threat, Style::body());
    l.paragraph(&threat, Style::bold());
    l.quote(&threat);
    l.paragraph(&threat, Style::mono());
    l.paragraph(&knives, Style::body());
    l.table(
        &[("When".to_string(), 0.3), ("Text".to_string(), 0.7)],
        &[vec!["2 May 2026, 14:03".to_string(), threat.clone()]],
    );
    let total = l.page_count();
    let pdf = dir.join(if with_emoji { "emoji.pdf" } else { "plain.pdf" });
    std::fs::write(&pdf, l.finish(1, total).expect("finish")).expect("write");
    if let (true, Some(out)) = (with_emoji, std::env::var_os("DAYBOOK_LAYOUT_EMOJI")) {
        std::fs::copy(&pdf, out).expect("copy");
    }
    pdf
}

/// `pdffonts` rows (name ... emb sub uni object-id) whose name contains `name`.
fn font_rows(pdf: &Path, name: &str) -> Vec<String> {
    run_ok("pdffonts", &[p(pdf)])
        .lines()
        .skip(2)
        .filter(|l| l.contains(name))
        .map(str::to_string)
        .collect()
}

#[test]
fn emoji_print_as_real_text_in_an_embedded_subset_emoji_font() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf = emoji_pdf(dir.path(), true);
    let text = run_ok("pdftotext", &[p(&pdf), "-"]);
    for emoji in ["😡", "🔪", "❤", "👍", "👩", "💻"] {
        assert!(text.contains(emoji), "{emoji} extracts:\n{text}");
    }
    assert!(!text.contains('\u{FFFD}'), "no replacement marker:\n{text}");
    // Word for word in every style: the emoji runs sit where the text around them expects.
    let words: Vec<&str> = THREAT_PRINTED.split(' ').collect();
    let flat: Vec<&str> = text.split_whitespace().collect();
    let found = flat.windows(words.len()).filter(|w| *w == words).count();
    assert!(found >= 4, "body, bold, quote and mono ({found}):\n{text}");

    let rows = font_rows(&pdf, "NotoEmoji");
    assert_eq!(
        rows.len(),
        1,
        "one Noto Emoji font for all styles: {rows:?}"
    );
    let cols: Vec<&str> = rows[0].split_whitespace().collect();
    assert!(cols[0].ends_with("+NotoEmoji-Regular"), "{}", rows[0]);
    let (emb, sub, uni) = (
        cols[cols.len() - 5],
        cols[cols.len() - 4],
        cols[cols.len() - 3],
    );
    assert_eq!((emb, sub, uni), ("yes", "yes", "yes"), "{}", rows[0]);
    run_ok("qpdf", &["--check", p(&pdf)]);

    // Emoji are measured by their real widths: the wrapped line of them keeps to the margins.
    let html = run_ok("pdftotext", &["-bbox", p(&pdf), "-"]);
    let mut knives = 0;
    for line in html.lines().filter(|l| l.contains("🔪")) {
        let attr = |name: &str| -> f64 {
            let key = format!("{name}=\"");
            let start = line.find(&key).expect("attribute") + key.len();
            let end = start + line[start..].find('"').expect("closing quote");
            line[start..end].parse().expect("number")
        };
        assert!(
            attr("xMin") >= 71.5 && attr("xMax") <= 540.5,
            "outside the margins: {line}"
        );
        knives += line.matches('🔪').count();
    }
    assert!(knives >= 60, "{knives} knives");
}

#[test]
fn a_document_without_emoji_carries_no_emoji_font() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plain = emoji_pdf(dir.path(), false);
    assert!(font_rows(&plain, "NotoEmoji").is_empty());
    assert!(!font_rows(&plain, "+DejaVuSans").is_empty());
    let with = emoji_pdf(dir.path(), true);
    assert_eq!(font_rows(&with, "NotoEmoji").len(), 1);
    // A subset: the handful of emoji used, not the 880 kB font.
    let grew = std::fs::metadata(&with).expect("size").len()
        - std::fs::metadata(&plain).expect("size").len();
    assert!(grew < 40_000, "the emoji added {grew} bytes");
}
