//! A report over the size cap, split into volumes and read back with real tools: every
//! volume under the cap, page numbers running straight through, references between volumes
//! that land on the right page, and a packet that holds and checks every volume.

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;

use util::TestDir;

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

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn pages(pdf: &Path) -> usize {
    tool("pdfinfo", &[p(pdf)])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Text of each page, in order (pdftotext ends every page with a form feed).
fn page_texts(pdf: &Path) -> Vec<String> {
    let text = tool("pdftotext", &["-layout", p(pdf), "-"]);
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    pages.pop();
    assert_eq!(pages.len(), self::pages(pdf));
    pages
}

/// Every "Page N of M" footer in the file, in page order.
fn footers(texts: &[String]) -> Vec<(usize, usize)> {
    let re = regex::Regex::new(r"Page (\d+) of (\d+)").unwrap();
    texts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let c = re
                .captures_iter(text)
                .last()
                .unwrap_or_else(|| panic!("page {} has no page number", i + 1));
            (c[1].parse().unwrap(), c[2].parse().unwrap())
        })
        .collect()
}

/// The demo journal plus one known photo, whose bytes must come back out of a volume.
fn demo(t: &TestDir) -> Vec<u8> {
    t.ok(&["demo"], "");
    let photo = daybook::demo::sample_photo(99, "2026:04:10 09:02:00");
    let path = t.path("known.jpg");
    std::fs::write(&path, &photo).unwrap();
    let first = t.list_json()[0]["id"].as_str().unwrap().to_string();
    t.ok(&["attach", &first, p(&path)], "");
    photo
}

fn volume_files(dir: &Path, stem: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|f| {
            f.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{stem}-vol"))
        })
        .collect();
    files.sort_by_key(|f| {
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        name.rsplit("vol").next().unwrap().parse::<usize>().unwrap()
    });
    files
}

const CAP: u64 = 500_000;

#[test]
fn a_report_over_the_cap_is_split_into_volumes_numbered_straight_through() {
    let t = TestDir::new();
    let photo = demo(&t);
    let out = t.ok(
        &[
            "export",
            "report",
            "--out",
            p(&t.path("report.pdf")),
            "--max-mb",
            "0.5",
        ],
        "",
    );
    assert!(out.contains("volumes"), "{out}");
    assert!(
        !t.path("report.pdf").exists(),
        "the whole report is not also written"
    );
    let files = volume_files(t.tmp.path(), "report");
    let n = files.len();
    assert!(
        n >= 3,
        "the 1.5 MB demo report needs several 0.5 MB volumes: {out}"
    );

    let mut next = 1;
    let mut total = None;
    let mut extracted = Vec::new();
    for (k, file) in files.iter().enumerate() {
        let k = k + 1;
        let size = std::fs::metadata(file).unwrap().len();
        assert!(size <= CAP, "volume {k} is {size} bytes");
        tool("qpdf", &["--check", p(file)]);

        // "Page a of N" ... on every page, continuing from the volume before.
        let texts = page_texts(file);
        let numbers = footers(&texts);
        for (i, (page, of)) in numbers.iter().enumerate() {
            assert_eq!(*page, next + i, "volume {k}, page {}", i + 1);
            assert_eq!(*total.get_or_insert(*of), *of, "one total for all volumes");
        }
        let (first, last) = (next, next + numbers.len() - 1);
        let cover = &texts[0];
        let line = format!(
            "Volume {k} of {n}, pages {first}-{last} of {}",
            total.unwrap()
        );
        assert!(
            cover.contains(&line),
            "cover of volume {k} lacks \"{line}\":\n{cover}"
        );
        let json: serde_json::Value =
            serde_json::from_str(&tool("qpdf", &["--json", p(file)])).unwrap();
        assert_eq!(
            json["pagelabels"][0]["label"]["/St"], first,
            "page labels match the printed numbers"
        );
        next = last + 1;

        // Court-safe file: embedded subset fonts, PDF/A markers, nothing active.
        for line in tool("pdffonts", &[p(file)]).lines().skip(2) {
            assert!(line.contains(" yes yes "), "volume {k}: {line}");
        }
        let raw = std::fs::read(file).unwrap();
        for needed in [&b"pdfaid:part"[..], b"/OutputIntents", b"/PageLabels"] {
            assert!(
                util::contains(&raw, needed),
                "volume {k} lacks PDF/A markers"
            );
        }
        for forbidden in [&b"/URI"[..], b"/JavaScript", b"/EmbeddedFile", b"/Launch"] {
            assert!(!util::contains(&raw, forbidden), "volume {k}");
        }
        // Links stay inside their own file and land on an exhibit.
        let links = util::pdf_links(file);
        if k == 1 {
            assert!(
                !links.is_empty(),
                "entries link to the exhibits in volume 1"
            );
        }
        for (from, to) in links {
            assert!(
                texts[to - 1].contains("Exhibit "),
                "volume {k}: link from page {from} to {to}"
            );
        }
        let dir = t.path(&format!("images{k}"));
        std::fs::create_dir(&dir).unwrap();
        tool("pdfimages", &["-j", p(file), p(&dir.join("img"))]);
        for image in std::fs::read_dir(&dir).unwrap() {
            extracted.push(std::fs::read(image.unwrap().path()).unwrap());
        }
        // Bookmarks: later volumes open with their cover and continue the exhibits.
        let outline = tool("qpdf", &["--json", "--json-key=outlines", p(file)]);
        if k > 1 {
            assert!(
                outline.contains(&format!("Volume {k} of {n} (cover)")),
                "{outline}"
            );
        }
    }
    assert_eq!(
        next - 1,
        total.unwrap(),
        "the volumes' pages add up to the total"
    );
    let sum: usize = files.iter().map(|f| pages(f)).sum();
    assert_eq!(sum, total.unwrap(), "pdfinfo's page counts add up");
    // The JPEG's image data is embedded unchanged; its EXIF is not.
    let embedded = extracted
        .iter()
        .find(|e| {
            e.starts_with(&[0xFF, 0xD8]) && util::from_first_sos(e) == util::from_first_sos(&photo)
        })
        .expect("the JPEG exhibit's image data is embedded byte-for-byte");
    assert!(
        !util::contains(embedded, b"Exif\0\0"),
        "EXIF left in a volume"
    );

    // Volume 1 carries the master index, and its references to other volumes are plain
    // text naming the volume and page, which hold that exhibit.
    let first = tool("pdftotext", &["-layout", p(&files[0]), "-"]);
    assert!(first.contains("Master index") && first.contains("Exhibit index"));
    let re =
        regex::Regex::new(r"See (Exhibit \d+) \([^)]*\) \(Volume (\d+), page (\d+)\)").unwrap();
    let text: String = first.split_whitespace().collect::<Vec<_>>().join(" ");
    let refs: Vec<(String, usize, usize)> = re
        .captures_iter(&text)
        .map(|c| {
            (
                c[1].to_string(),
                c[2].parse().unwrap(),
                c[3].parse().unwrap(),
            )
        })
        .collect();
    assert!(
        refs.iter().any(|r| r.1 > 1),
        "some exhibits are in later volumes"
    );
    let starts: Vec<usize> = files
        .iter()
        .scan(1, |next, f| {
            let start = *next;
            *next += pages(f);
            Some(start)
        })
        .collect();
    let texts: Vec<Vec<String>> = files.iter().map(|f| page_texts(f)).collect();
    for (label, volume, page) in refs {
        let target = &texts[volume - 1][page - starts[volume - 1]];
        assert!(
            target.contains(&format!("{label} \u{b7} Page {page} of")),
            "{label} is said to be on page {page} of volume {volume}:\n{target}"
        );
    }
}

#[test]
fn the_packet_holds_and_checks_every_volume() {
    let t = TestDir::new();
    demo(&t);
    let dir = t.path("packet");
    t.ok(
        &["export", "packet", "--out", p(&dir), "--max-mb", "0.5"],
        "",
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let reports: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["role"] == "report")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(reports.len() >= 3, "{reports:?}");
    let sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    for (k, name) in reports.iter().enumerate() {
        assert_eq!(*name, format!("Report-vol{}.pdf", k + 1));
        assert!(
            sums.contains(&format!("  {name}\n")),
            "{name} in SHA256SUMS"
        );
        assert!(std::fs::metadata(dir.join(name)).unwrap().len() <= CAP);
    }
    assert!(!dir.join("Report.pdf").exists());
    let readme = std::fs::read_to_string(dir.join("README.txt")).unwrap();
    assert!(
        readme.contains("Report-vol1.pdf, Report-vol2.pdf"),
        "{readme}"
    );
    let check = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(check.status.success());
    t.ok(&["verify", p(&dir)], "");
    // A volume changed is caught and named.
    let victim = dir.join(reports[1]);
    let mut bytes = std::fs::read(&victim).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&victim, &bytes).unwrap();
    let err = t.fails(&["verify", p(&dir)], "");
    assert!(
        err.contains(&format!("{} does not match", reports[1])),
        "{err}"
    );
}

/// A valid JPEG of at least `bytes` bytes of image data (noise compresses badly), so one
/// exhibit alone passes a small cap. Padding with metadata would not do: reports strip it.
fn padded_jpeg(bytes: usize) -> Vec<u8> {
    let mut side = 200u16;
    loop {
        let mut seed = 0x2545_f491_u32;
        let pixels: Vec<u8> = (0..usize::from(side) * usize::from(side) * 3)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                seed as u8
            })
            .collect();
        let mut out = Vec::new();
        jpeg_encoder::Encoder::new(&mut out, 100)
            .encode(&pixels, side, side, jpeg_encoder::ColorType::Rgb)
            .unwrap();
        if out.len() >= bytes {
            return out;
        }
        side += 100;
    }
}

#[test]
fn an_exhibit_larger_than_the_cap_gets_a_volume_of_its_own_and_a_warning() {
    let t = TestDir::new();
    t.init();
    let mut ids = Vec::new();
    for (day, what) in [(1, "First"), (2, "Second"), (3, "Third")] {
        ids.push(t.add_incident(&util::incident(
            &format!("2026-03-0{day}T10:00"),
            &format!("{what} incident."),
        )));
    }
    let small = t.path("small.jpg");
    std::fs::write(
        &small,
        daybook::demo::sample_photo(1, "2026:03:01 10:00:00"),
    )
    .unwrap();
    let big = t.path("big.jpg");
    let big_bytes = padded_jpeg(400_000);
    std::fs::write(&big, &big_bytes).unwrap();
    t.ok(&["attach", &ids[0], p(&small)], "");
    t.ok(&["attach", &ids[1], p(&big)], "");
    t.ok(&["attach", &ids[2], p(&small)], "");

    let out = t
        .cmd()
        .args([
            "export",
            "report",
            "--out",
            p(&t.path("r.pdf")),
            "--max-mb",
            "0.25",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Exhibit 2 (big.jpg") && stderr.contains("larger than the"),
        "a clear message names the exhibit: {stderr}"
    );
    let files = volume_files(t.tmp.path(), "r");
    let over: Vec<&PathBuf> = files
        .iter()
        .filter(|f| std::fs::metadata(f).unwrap().len() > 250_000)
        .collect();
    assert_eq!(
        over.len(),
        1,
        "only the big exhibit's volume is over the cap"
    );
    let text = tool("pdftotext", &["-layout", p(over[0]), "-"]);
    assert!(
        text.contains("Exhibit 2") && !text.contains("Exhibit 1 ") && !text.contains("Exhibit 3")
    );
    let dir = t.path("img");
    std::fs::create_dir(&dir).unwrap();
    tool("pdfimages", &["-j", p(over[0]), p(&dir.join("i"))]);
    let images: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(
        images
            .iter()
            .any(|i| util::from_first_sos(i) == util::from_first_sos(&big_bytes)),
        "the image data still byte-for-byte"
    );
}

#[test]
fn bad_sizes_and_taken_names_write_nothing() {
    let t = TestDir::new();
    demo(&t);
    let out = t.path("r.pdf");
    for bad in ["0", "-3", "ten", "NaN", "0.01"] {
        let err = t.fails(&["export", "report", "--out", p(&out), "--max-mb", bad], "");
        assert!(err.contains("megabytes"), "{bad}: {err}");
    }
    std::fs::write(t.path("r-vol2.pdf"), b"mine").unwrap();
    let err = t.fails(
        &["export", "report", "--out", p(&out), "--max-mb", "0.5"],
        "",
    );
    assert!(err.contains("r-vol2.pdf already exists"), "{err}");
    assert!(!t.path("r-vol1.pdf").exists() && !out.exists());
    assert_eq!(std::fs::read(t.path("r-vol2.pdf")).unwrap(), b"mine");
    // Under the cap: one file with the name given.
    t.ok(
        &["export", "report", "--out", p(&out), "--max-mb", "25"],
        "",
    );
    assert!(out.exists() && !t.path("r-vol1.pdf").exists());
}

/// The report written a volume at a time (`render_to_files`, what `export report` and the app
/// use, so that one volume's PDF is in memory at once) is byte for byte the report made in
/// memory; so is a report whose pictures were all let go after layout and decrypted again as
/// their volume was written. A cancel between volumes leaves nothing behind.
#[test]
fn volumes_written_one_at_a_time_are_the_report_made_in_memory() {
    use daybook::report::chronological::{render, render_to_files, ReportError, ReportOptions};
    let t = TestDir::new();
    demo(&t);
    let passphrase = age::secrecy::SecretString::from(util::PASSPHRASE.to_string());
    let (journal, _) =
        daybook::Journal::open(&t.journal, daybook::Unlock::Passphrase(&passphrase)).unwrap();
    let mut options = ReportOptions::new(Default::default());
    options.generated_at = "2026-12-05T08:00:00Z".parse().unwrap();
    options.max_bytes = Some(CAP);
    let in_memory: Vec<Vec<u8>> = render(&journal, &options)
        .unwrap()
        .volumes
        .into_iter()
        .map(|v| v.pdf)
        .collect();
    assert!(in_memory.len() >= 3, "{} volumes", in_memory.len());

    let out = t.path("streamed.pdf");
    let written = render_to_files(&journal, &options, &out, &|| false).unwrap();
    assert_eq!(written.volumes.len(), in_memory.len());
    for ((made, path), pdf) in written.volumes.iter().zip(&in_memory) {
        assert_eq!(&std::fs::read(path).unwrap(), pdf, "{}", path.display());
        assert_eq!(made.size, pdf.len() as u64);
    }

    let mut let_go = options.clone();
    let_go.pictures_kept_bytes = 0;
    let again: Vec<Vec<u8>> = render(&journal, &let_go)
        .unwrap()
        .volumes
        .into_iter()
        .map(|v| v.pdf)
        .collect();
    assert!(
        again == in_memory,
        "pictures decrypted again print the same"
    );

    let asked = std::cell::Cell::new(0);
    let cancel_second = || {
        asked.set(asked.get() + 1);
        asked.get() >= 2
    };
    let result = render_to_files(&journal, &options, &t.path("cancelled.pdf"), &cancel_second);
    assert!(matches!(result, Err(ReportError::Cancelled)));
    assert!(volume_files(t.tmp.path(), "cancelled").is_empty());
}
