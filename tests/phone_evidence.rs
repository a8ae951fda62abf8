//! Phone evidence and what it gives away. A phone photo records where it was taken (for our
//! users usually their home, a shelter or a new workplace) and the phone's serial numbers; a
//! filed report is served on the restrained person. Fixtures are made here with exiftool, as a
//! phone would write them, and every export is read back with pdfimages, qpdf and exiftool.

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;
use util::{p, run, TestDir};

const LATITUDE: &str = "37.8044";
const LONGITUDE: &str = "122.2712";

/// A camera JPEG with what phones record: GPS in EXIF and in XMP, the body's serial number, the
/// owner's name, and an embedded thumbnail.
fn phone_photo(t: &TestDir, name: &str, seed: u64) -> PathBuf {
    let path = t.path(name);
    std::fs::write(
        &path,
        daybook::demo::sample_photo(seed, "2026:04:10 09:02:00"),
    )
    .unwrap();
    let thumb = t.path(&format!("{name}.thumb.jpg"));
    std::fs::write(
        &thumb,
        daybook::demo::sample_photo(seed + 1, "2026:04:10 09:02:00"),
    )
    .unwrap();
    exiftool_gps(&[
        "-GPSAltitude=12",
        "-ExifIFD:SerialNumber=C39XK2P1Q",
        "-ExifIFD:OwnerName=Dana Ellison",
        &format!("-XMP:GPSLatitude={LATITUDE}"),
        &format!("-XMP:GPSLongitude=-{LONGITUDE}"),
        &format!("-ThumbnailImage<={}", p(&thumb)),
        p(&path),
    ]);
    path
}

/// exiftool writing the test's GPS position (EXIF, in place), then `more` arguments and files.
fn exiftool_gps(more: &[&str]) {
    let lat = format!("-GPSLatitude={LATITUDE}");
    let lon = format!("-GPSLongitude={LONGITUDE}");
    let mut args = vec![
        "-q",
        "-overwrite_original",
        &lat,
        "-GPSLatitudeRef=N",
        &lon,
        "-GPSLongitudeRef=W",
    ];
    args.extend_from_slice(more);
    run("exiftool", &args);
}

/// What exiftool finds in `file`: every tag, as JSON.
fn tags(file: &Path) -> serde_json::Map<String, serde_json::Value> {
    let text = run("exiftool", &["-json", "-a", "-G1", "-n", p(file)]);
    let list: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    list[0].as_object().unwrap().clone()
}

/// The raw EXIF rationals of the photo's latitude and longitude, as they are stored.
fn raw_rationals(photo: &[u8]) -> Vec<Vec<u8>> {
    let exif = exif::Reader::new()
        .read_from_container(&mut std::io::Cursor::new(photo))
        .unwrap();
    let big_endian = !exif.little_endian();
    [exif::Tag::GPSLatitude, exif::Tag::GPSLongitude]
        .iter()
        .map(|tag| {
            let field = exif.get_field(*tag, exif::In::PRIMARY).unwrap();
            let exif::Value::Rational(parts) = &field.value else {
                panic!("rationals")
            };
            parts
                .iter()
                .flat_map(|r| {
                    let (n, d) = if big_endian {
                        (r.num.to_be_bytes(), r.denom.to_be_bytes())
                    } else {
                        (r.num.to_le_bytes(), r.denom.to_le_bytes())
                    };
                    [n, d].concat()
                })
                .collect()
        })
        .collect()
}

/// Fails if `bytes` hold the position in any form: decimal, degrees and minutes (XMP), the
/// stored rationals.
fn assert_no_position(what: &str, bytes: &[u8], rationals: &[Vec<u8>]) {
    let text = String::from_utf8_lossy(bytes);
    for needle in [LATITUDE, LONGITUDE, "37,48.26", "122,16.27", "37 deg 48"] {
        assert!(!text.contains(needle), "{what} holds {needle}");
    }
    for r in rationals {
        assert!(
            !util::contains(bytes, r),
            "{what} holds the raw GPS rationals"
        );
    }
}

/// Every stream of a PDF decompressed (images stay as they are), so a search sees everything.
fn uncompressed(t: &TestDir, pdf: &Path) -> Vec<u8> {
    let out = t.path("uncompressed.pdf");
    run(
        "qpdf",
        &["--qdf", "--object-streams=disable", p(pdf), p(&out)],
    );
    std::fs::read(out).unwrap()
}

/// Every image of a PDF as pdfimages writes it (-all: JPEGs as they are embedded).
fn pdf_images(t: &TestDir, pdf: &Path, stem: &str) -> Vec<PathBuf> {
    let dir = t.path(stem);
    std::fs::create_dir_all(&dir).unwrap();
    run("pdfimages", &["-all", p(pdf), p(&dir.join("img"))]);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// Nothing but pixels: exiftool finds no EXIF, XMP, IPTC, GPS, maker notes or comment.
fn assert_no_metadata(image: &Path) {
    for (tag, value) in tags(image) {
        let group = tag.split(':').next().unwrap_or_default();
        assert!(
            !matches!(
                group,
                "IFD0"
                    | "IFD1"
                    | "ExifIFD"
                    | "GPS"
                    | "XMP-exif"
                    | "XMP-x"
                    | "XMP-rdf"
                    | "IPTC"
                    | "Photoshop"
                    | "MakerNotes"
            ) && !tag.contains("GPS")
                && !tag.ends_with(":Comment"),
            "{} holds {tag} = {value}",
            image.display()
        );
    }
}

/// `daybook export packet --out PACKET --originals without-location`, which must succeed.
fn without_location(t: &TestDir, packet: &Path) {
    t.export_packet(packet, "without-location");
}

fn journal_with_order(t: &TestDir) -> (String, String) {
    t.init();
    let order = t.ok(
        &["order", "add", "--json", "-"],
        &json!({
            "kind": "after_hearing", "court": "Superior Court of California, County of Alameda", "state": "CA",
            "case_number": "HF26-014327", "issued_on": "2026-01-15", "served_on": "2026-01-15", "expires_on": "2029-01-15",
            "petitioner": "Dana Ellison",
            "respondent": {"name": "Marcus Ellison", "vehicle": "Black F-150", "description": "6'1\", beard"},
            "terms": [{"type": "no_contact"}]
        })
        .to_string(),
    );
    let mut incident = util::incident("2026-04-10T09:00", "Truck parked outside my home.");
    incident["order_id"] = json!(order);
    (order, t.add_incident(&incident))
}

#[test]
fn a_photo_location_leaves_the_journal_only_when_the_person_chooses_exact_originals() {
    let t = TestDir::new();
    let (order, incident) = journal_with_order(&t);
    let photo_path = phone_photo(&t, "IMG_0412.jpg", 11);
    let photo = std::fs::read(&photo_path).unwrap();
    let rationals = raw_rationals(&photo);
    // The fixture really holds what a phone writes.
    let before = tags(&photo_path);
    assert!(before.contains_key("GPS:GPSLatitude") && before.contains_key("IFD1:ThumbnailImage"));

    // Import says what the file records, and so do `incident show` and `attachment describe`.
    let out = t
        .cmd()
        .args(["attach", &incident, p(&photo_path)])
        .assert()
        .success()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("This photo records where it was taken: 37.8044, -122.2712."),
        "{stderr}"
    );
    assert!(
        stderr.contains("camera serial number C39XK2P1Q"),
        "{stderr}"
    );
    let attachment = String::from_utf8(out.stdout).unwrap();
    let attachment = attachment.split(' ').next().unwrap().to_string();
    let shown = t.ok(&["incident", "show", &incident], "");
    assert!(
        shown.contains("note: This photo records where it was taken: 37.8044, -122.2712."),
        "{shown}"
    );
    let described = t
        .cmd()
        .args(["attachment", "describe", &attachment, "--caption", "Truck"])
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8(described)
        .unwrap()
        .contains("records where it was taken"));

    // The person's photo on the officer sheet is a phone photo too.
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
    let portrait = phone_photo(&t, "face.jpg", 21);
    let portrait_bytes = std::fs::read(&portrait).unwrap();
    t.ok(&["person", "photo", &respondent, p(&portrait)], "");

    // Report (with a redaction profile) and officer sheet: the pictures' image data as it
    // was, and no metadata at all.
    let report = t.path("report.pdf");
    t.ok(
        &[
            "export",
            "report",
            "--out",
            p(&report),
            "--redact",
            "california",
        ],
        "",
    );
    let sheet = t.path("sheet.pdf");
    t.ok(
        &[
            "export",
            "officer-sheet",
            "--out",
            p(&sheet),
            "--order",
            &order,
        ],
        "",
    );
    for (pdf, original) in [(&report, &photo), (&sheet, &portrait_bytes)] {
        let images = pdf_images(
            &t,
            pdf,
            &format!("{}-images", pdf.file_stem().unwrap().to_str().unwrap()),
        );
        let jpegs: Vec<&PathBuf> = images
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "jpg"))
            .collect();
        assert!(!jpegs.is_empty(), "{images:?}");
        for image in &images {
            assert_no_metadata(image);
        }
        let shown = jpegs
            .iter()
            .map(|f| std::fs::read(f).unwrap())
            .find(|j| util::from_first_sos(j) == util::from_first_sos(original))
            .expect("the photo's scan data is embedded unchanged");
        assert!(
            !util::contains(&shown, b"Exif\0\0") && !util::contains(&shown, b"http://ns.adobe.com")
        );
        assert_no_position(
            &pdf.display().to_string(),
            &uncompressed(&t, pdf),
            &rationals,
        );
        assert_no_position(
            &pdf.display().to_string(),
            &std::fs::read(pdf).unwrap(),
            &rationals,
        );
    }
    let text = run("pdftotext", &[p(&report), "-"]);
    assert!(text.contains("without its file metadata"), "{text}");
    // The document's own metadata says nothing the redacted pages do not.
    let flat = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let printed = flat(&text);
    let info = run("pdfinfo", &[p(&report)]);
    for field in ["Title:", "Subject:", "Author:", "Keywords:"] {
        if let Some(value) = info.lines().find_map(|l| l.strip_prefix(field)) {
            assert!(
                printed.contains(&flat(value)),
                "{field} {value} is not printed in the report"
            );
        }
    }
    let xmp = run("pdfinfo", &["-meta", p(&report)]);
    for value in regex::Regex::new(r">([^<>]{4,})<")
        .unwrap()
        .captures_iter(&xmp)
        .map(|c| c[1].trim().to_string())
    {
        let is_format = value.starts_with("uuid:")
            || value.chars().next().is_some_and(|c| c.is_ascii_digit())
            || ["Daybook", "application/pdf"]
                .iter()
                .any(|k| value.starts_with(k));
        assert!(
            is_format || printed.contains(&flat(&value)),
            "the XMP metadata holds {value:?}, which the report does not print"
        );
    }

    // The packet stops and asks, naming the exhibit and both choices, and writes nothing.
    let packet = t.path("packet");
    let err = t.fails(&["export", "packet", "--out", p(&packet)], "");
    assert!(
        err.contains("Exhibit 1 (IMG_0412.jpg): 37.8044, -122.2712"),
        "{err}"
    );
    assert!(
        err.contains("--originals without-location") && err.contains("--originals exact"),
        "{err}"
    );
    assert!(err.contains("Nothing was written"), "{err}");
    assert!(!packet.exists(), "a refused packet leaves no folder");
    let zipped = t.path("packet.zip");
    t.fails(&["export", "packet", "--out", p(&zipped)], "");
    assert!(!zipped.exists(), "a refused zip leaves no file");

    // Without location: a copy with no GPS and no serial number, every other byte the same.
    without_location(&t, &packet);
    let exhibit = std::fs::read_dir(packet.join("exhibits"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let copy = std::fs::read(&exhibit).unwrap();
    assert_eq!(copy.len(), photo.len());
    assert_eq!(util::from_first_sos(&copy), util::from_first_sos(&photo));
    let after = tags(&exhibit);
    assert!(after.keys().all(|k| !k.contains("GPS")), "{after:?}");
    for device in ["ExifIFD:SerialNumber", "ExifIFD:OwnerName"] {
        assert!(
            after.get(device).is_none_or(|v| v == ""),
            "{device} is still in the copy: {after:?}"
        );
    }
    assert!(
        !after.contains_key("ExifTool:Warning"),
        "the copy is a well-formed file: {after:?}"
    );
    assert_eq!(
        after.get("ExifIFD:DateTimeOriginal"),
        before.get("ExifIFD:DateTimeOriginal")
    );
    assert!(
        after.contains_key("IFD1:ThumbnailImage"),
        "only location and device details are removed"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(packet.join("manifest.json")).unwrap()).unwrap();
    let entry = &manifest["exhibits"][0];
    assert_eq!(entry["original_sha256"], json!(sha256_hex(&photo)));
    assert_eq!(entry["sha256"], json!(sha256_hex(&copy)));
    assert!(entry["removed"]
        .as_array()
        .unwrap()
        .contains(&json!("GPS location")));
    let readme = std::fs::read_to_string(packet.join("README.txt")).unwrap();
    assert!(readme.contains("--originals exact"), "{readme}");
    for (path, bytes) in util::files_under(&packet) {
        let bytes = if path.extension().is_some_and(|e| e == "pdf") {
            uncompressed(&t, &path)
        } else {
            bytes
        };
        assert_no_position(&path.display().to_string(), &bytes, &rationals);
    }
    t.ok(&["verify", p(&packet)], "");
    let sums = Command::new("sha256sum")
        .args(["--quiet", "-c", "SHA256SUMS"])
        .current_dir(&packet)
        .status()
        .unwrap();
    assert!(sums.success());

    // Exact originals: the photo byte for byte, location included, because the person chose it.
    let exact = t.path("exact");
    t.export_packet(&exact, "exact");
    let exhibit = std::fs::read_dir(exact.join("exhibits"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(std::fs::read(exhibit).unwrap(), photo);

    // `attachment export` hands over the exact original and warns once.
    let out = t.path("original.jpg");
    let warned = t
        .cmd()
        .args(["attachment", "export", &attachment, "--out", p(&out)])
        .assert()
        .success()
        .get_output()
        .stderr
        .clone();
    let warned = String::from_utf8(warned).unwrap();
    assert_eq!(warned.matches("Warning:").count(), 1, "{warned}");
    assert!(warned.contains("37.8044, -122.2712"), "{warned}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// An iPhone-style HEIC photo with GPS in its EXIF item, and a phone video with its location
/// box and recording time, as `heif-enc`, `exiftool` and `ffmpeg` write them.
fn heic_and_video(t: &TestDir) -> (PathBuf, PathBuf, PathBuf) {
    let png = t.path("source.png");
    std::fs::write(&png, daybook::demo::sample_png(3)).unwrap();
    let heic = t.path("IMG_0420.HEIC");
    run("heif-enc", &["-q", "60", "-o", p(&heic), p(&png)]);
    exiftool_gps(&[p(&heic)]);
    let video = t.path("doorbell.mp4");
    run(
        "ffmpeg",
        &[
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=3:size=320x240:rate=10",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-metadata",
            &format!("location=+{LATITUDE}-{LONGITUDE}/"),
            "-metadata",
            "creation_time=2026-04-10T16:02:00Z",
            p(&video),
        ],
    );
    // The same video as a MOV: ffmpeg writes a QuickTime `©xyz` box there (a 3GPP `loci` box
    // in the MP4), as phones do.
    let mov = t.path("porch.mov");
    run(
        "ffmpeg",
        &[
            "-loglevel",
            "error",
            "-i",
            p(&video),
            "-c",
            "copy",
            "-metadata",
            &format!("location=+{LATITUDE}-{LONGITUDE}/"),
            p(&mov),
        ],
    );
    (heic, video, mov)
}

/// A video whose only location is in XMP (a `uuid` box), with a serial number there too, as
/// editing tools write it.
fn xmp_video(t: &TestDir, from: &Path) -> PathBuf {
    let plain = t.path("edited.mp4");
    run(
        "ffmpeg",
        &[
            "-loglevel",
            "error",
            "-i",
            p(from),
            "-c",
            "copy",
            "-map_metadata",
            "-1",
            p(&plain),
        ],
    );
    run(
        "exiftool",
        &[
            "-q",
            "-overwrite_original",
            &format!("-XMP:GPSLatitude={LATITUDE}"),
            &format!("-XMP:GPSLongitude=-{LONGITUDE}"),
            "-XMP:SerialNumber=C39XK2P1Q",
            p(&plain),
        ],
    );
    plain
}

#[test]
fn iphone_photos_and_phone_videos_are_shown_and_their_locations_stay_home() {
    let t = TestDir::new();
    let (_, incident) = journal_with_order(&t);
    let (heic, video, mov) = heic_and_video(&t);
    let edited = xmp_video(&t, &video);
    for fixture in [&heic, &video, &mov] {
        assert!(
            tags(fixture).keys().any(|k| k.contains("GPSLatitude")),
            "{} has GPS",
            fixture.display()
        );
    }
    let out = t
        .cmd()
        .args([
            "attach",
            &incident,
            p(&heic),
            p(&video),
            p(&mov),
            p(&edited),
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let notes = String::from_utf8(out.stderr).unwrap();
    assert!(
        notes.contains("IMG_0420.HEIC: This photo records where it was taken: 37.8044, -122.2712."),
        "{notes}"
    );
    for video in ["doorbell.mp4", "porch.mov", "edited.mp4"] {
        assert!(
            notes.contains(&format!(
                "{video}: This video records where it was taken: 37.8044, -122.2712."
            )),
            "{notes}"
        );
    }

    let report = t.path("report.pdf");
    t.ok(&["export", "report", "--out", p(&report)], "");
    let text = run("pdftotext", &[p(&report), "-"]);
    let images = if cfg!(feature = "phone-media") {
        assert!(text.contains("Shown converted from HEI"), "{text}");
        assert!(text.contains("Stills from the video"), "{text}");
        for offset in ["At 0:00", "At 0:01", "At 0:02"] {
            assert!(text.contains(offset), "{offset}: {text}");
        }
        assert!(
            text.contains("320 x 240 pixels") && text.contains("2026-04-10 16:02:00 UTC"),
            "{text}"
        );
        let images = pdf_images(&t, &report, "report-images");
        assert!(
            images.len() >= 9,
            "one converted photo and four stills of each video: {images:?}"
        );
        images
    } else {
        // A build without libheif and GStreamer (Windows) cannot show these: the report says
        // so for each, and the originals still go in the packet below.
        let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            flat.contains("This image format cannot be shown in the PDF."),
            "{flat}"
        );
        assert_eq!(
            flat.matches("No stills could be taken from this video")
                .count(),
            3,
            "{flat}"
        );
        assert!(!flat.contains("Shown converted from"), "{flat}");
        pdf_images(&t, &report, "report-images")
    };
    for image in &images {
        assert_no_metadata(image);
    }
    let no_rationals: Vec<Vec<u8>> = Vec::new();
    assert_no_position("report", &uncompressed(&t, &report), &no_rationals);

    let packet = t.path("packet");
    let err = t.fails(&["export", "packet", "--out", p(&packet)], "");
    assert!(
        err.contains("Exhibit 1 (IMG_0420.HEIC)")
            && err.contains("Exhibit 2 (doorbell.mp4)")
            && err.contains("Exhibit 3 (porch.mov)")
            && err.contains("Exhibit 4 (edited.mp4)"),
        "{err}"
    );
    without_location(&t, &packet);
    for (path, bytes) in util::files_under(&packet.join("exhibits")) {
        let name = path.to_string_lossy().into_owned();
        let original = if name.ends_with("edited.mp4") {
            &edited
        } else if name.ends_with(".mp4") {
            &video
        } else if name.ends_with(".mov") {
            &mov
        } else {
            &heic
        };
        assert_eq!(
            bytes.len() as u64,
            std::fs::metadata(original).unwrap().len(),
            "{name}: only bytes are blanked, none added or removed"
        );
        let left = tags(&path);
        assert!(
            left.keys().all(|k| !k.contains("GPS")),
            "{}: {left:?}",
            path.display()
        );
        assert!(
            !left.contains_key("ExifTool:Warning"),
            "{}: {left:?}",
            path.display()
        );
        assert_no_position(&path.display().to_string(), &bytes, &no_rationals);
    }
    t.ok(&["verify", p(&packet)], "");
    // The copy of the video still plays: ffmpeg decodes every frame without an error.
    let copy = util::files_under(&packet.join("exhibits"))
        .into_iter()
        .find(|(path, _)| path.to_string_lossy().ends_with(".mp4"))
        .unwrap()
        .0;
    run(
        "ffmpeg",
        &[
            "-loglevel",
            "error",
            "-xerror",
            "-i",
            p(&copy),
            "-f",
            "null",
            "-",
        ],
    );
}
