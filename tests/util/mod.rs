//! Test helper: each test gets its own temp folder, a journal path inside it and a `daybook`
//! command already pointed at that journal with a scripted passphrase.
#![allow(dead_code)]

pub mod sms_backup;

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub const PASSPHRASE: &str = "correct horse battery staple";

/// Names a program that stands in for the CLI, given the same arguments: for example a wrapper
/// that runs the cross-built `daybook.exe` under Wine (`scripts/windows` writes one), so these
/// tests check the Windows binary too. Unset, the tests run the `daybook` cargo just built.
pub const CLI_ENV: &str = "DAYBOOK_TEST_CLI";

/// A command that runs the CLI under test: `DAYBOOK_TEST_CLI` when it is set, otherwise the
/// cargo-built `daybook`. The only place tests find the program, so every test runs the same one.
pub fn cli() -> std::process::Command {
    match std::env::var_os(CLI_ENV) {
        Some(program) if !program.is_empty() => std::process::Command::new(program),
        _ => std::process::Command::new(assert_cmd::cargo::cargo_bin("daybook")),
    }
}

/// True when the CLI is the stand-in named by `DAYBOOK_TEST_CLI` (a Windows build under Wine)
/// and the caller checks something only a Unix build has; `reason` goes to stderr so a skipped
/// test is never mistaken for a passed one.
pub fn unix_only(reason: &str) -> bool {
    if std::env::var_os(CLI_ENV).is_some_and(|v| !v.is_empty()) {
        eprintln!("skipped under {CLI_ENV}: {reason}");
        return true;
    }
    false
}

/// Why link tests are skipped under Wine: Wine 8.0 shows a Unix symbolic link to a Windows
/// program as the file it points to (no reparse point), so `daybook.exe` cannot see the link
/// there. On Windows itself a link is a reparse point, which the standard library reports.
pub const WINE_HIDES_LINKS: &str =
    "Wine 8.0 shows a Unix symbolic link to daybook.exe as the file it points to";

pub struct TestDir {
    pub tmp: tempfile::TempDir,
    pub journal: PathBuf,
}

impl TestDir {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let journal = tmp.path().join("journal");
        Self { tmp, journal }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// `daybook` with this test's journal and passphrase, and the lowest allowed KDF cost.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::from_std(cli());
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.tmp.path())
            .env("DAYBOOK_JOURNAL", &self.journal)
            .env("DAYBOOK_PASSPHRASE", PASSPHRASE)
            .env("DAYBOOK_SCRYPT_LOG_N", "17");
        cmd
    }

    /// Creates the journal and returns the recovery key printed once by `init`.
    pub fn init(&self) -> String {
        let out = self
            .cmd()
            .arg("init")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).expect("utf-8");
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
            .expect("init prints the recovery key")
            .to_string()
    }

    /// Runs `daybook ARGS` with `stdin`, asserts success, returns trimmed stdout.
    pub fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self
            .cmd()
            .args(args)
            .write_stdin(stdin)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).expect("utf-8").trim().to_string()
    }

    /// Runs `daybook ARGS`, asserts failure, returns stderr.
    pub fn fails(&self, args: &[&str], stdin: &str) -> String {
        let out: Output = self
            .cmd()
            .args(args)
            .write_stdin(stdin)
            .assert()
            .failure()
            .get_output()
            .clone();
        String::from_utf8(out.stderr).expect("utf-8")
    }

    /// `daybook export packet --out OUT --originals ORIGINALS` ("exact" or "without-location"),
    /// which must succeed.
    pub fn export_packet(&self, out: &Path, originals: &str) -> String {
        self.ok(&packet_args(out, originals), "")
    }

    /// The same, which must fail; returns its error.
    pub fn export_packet_fails(&self, out: &Path, originals: &str) -> String {
        self.fails(&packet_args(out, originals), "")
    }

    pub fn add_incident(&self, json: &serde_json::Value) -> String {
        self.ok(&["incident", "add", "--json", "-"], &json.to_string())
    }

    pub fn list_json(&self) -> Vec<serde_json::Value> {
        let text = self.ok(&["list", "--json"], "");
        serde_json::from_str(&text).expect("list --json is JSON")
    }

    /// Every regular file under the journal folder, with its bytes.
    pub fn journal_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        files_under(&self.journal)
    }
}

pub fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read");
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

pub fn incident(occurred_at: &str, description: &str) -> serde_json::Value {
    serde_json::json!({
        "occurred_at": occurred_at,
        "timezone": "America/Los_Angeles",
        "kinds": ["text_message"],
        "location": "Home",
        "description": description,
    })
}

/// Every link annotation in `pdf` as (from page, to page), 1-based, read with `qpdf --json`.
/// Panics unless each one is an internal GoTo to a page of the same file.
pub fn pdf_links(pdf: &Path) -> Vec<(usize, usize)> {
    let out = std::process::Command::new("qpdf")
        .args(["--json", pdf.to_str().expect("utf-8 path")])
        .output()
        .expect("qpdf runs (install qpdf)");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("qpdf json");
    let objects = &json["qpdf"][1];
    let value = |r: &str| objects[format!("obj:{r}")]["value"].clone();
    let pages: Vec<String> = json["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .map(|p| p["object"].as_str().expect("page ref").to_string())
        .collect();
    let mut links = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let Some(annots) = value(page)["/Annots"].as_array().cloned() else {
            continue;
        };
        for a in annots {
            let annot = value(a.as_str().expect("indirect annotation"));
            assert_eq!(annot["/Subtype"], "/Link");
            assert_eq!(annot["/A"]["/S"], "/GoTo");
            let dest = annot["/A"]["/D"][0]
                .as_str()
                .expect("dest page")
                .to_string();
            let to = pages
                .iter()
                .position(|p| *p == dest)
                .expect("dest is a page");
            links.push((i + 1, to + 1));
        }
    }
    links
}

/// The bytes of `journal.db` within a `journal_files` listing.
pub fn db_bytes(files: &[(PathBuf, Vec<u8>)]) -> Vec<u8> {
    files
        .iter()
        .find(|(p, _)| p.ends_with("journal.db"))
        .expect("journal.db is in the listing")
        .1
        .clone()
}

/// From the first start-of-scan marker to the end, found by walking the marker segments (an
/// EXIF thumbnail is a JPEG inside a segment, with an SOS of its own).
pub fn from_first_sos(jpeg: &[u8]) -> &[u8] {
    let mut pos = 2;
    while let (Some(0xFF), Some(&marker)) = (jpeg.get(pos), jpeg.get(pos + 1)) {
        if marker == 0xDA {
            return &jpeg[pos..];
        }
        let len = jpeg
            .get(pos + 2..pos + 4)
            .map_or(0, |l| u16::from_be_bytes([l[0], l[1]]));
        pos += 2 + usize::from(len);
    }
    &[] // not a JPEG, or no scan: matches nothing real
}

/// Runs a tool the tests read exports back with (poppler, qpdf, exiftool ...), asserting that
/// it is installed and succeeds; returns its standard output.
pub fn run(program: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (scripts/packages.sh): {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A test path as a command-line argument.
pub fn p(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

/// Writes at `path` a camera JPEG (`daybook::demo::sample_photo`) taken at `taken` ("YYYY:MM:DD
/// HH:MM:SS") whose EXIF says where (a place in Oakland, written by exiftool as a phone does),
/// plus any `more` exiftool arguments.
pub fn photo_with_location(path: &Path, seed: u64, taken: &str, more: &[&str]) {
    std::fs::write(path, daybook::demo::sample_photo(seed, taken)).expect("write the photo");
    let mut args = vec![
        "-q",
        "-overwrite_original",
        "-GPSLatitude=37.8044",
        "-GPSLatitudeRef=N",
        "-GPSLongitude=122.2712",
        "-GPSLongitudeRef=W",
    ];
    args.extend_from_slice(more);
    args.push(p(path));
    run("exiftool", &args);
}

fn packet_args<'a>(out: &'a Path, originals: &'a str) -> [&'a str; 6] {
    [
        "export",
        "packet",
        "--out",
        p(out),
        "--originals",
        originals,
    ]
}
