//! I/O faults: a full disk and a read-only disk during import, edit, export and passphrase
//! change. Each must fail with a clear error, lose nothing saved, and leave nothing
//! half-written. The disks are real: small tmpfs mounts made by the test (CI runs as root);
//! where mounting is impossible the test says so and skips.

mod util;

use std::path::{Path, PathBuf};
use std::process::Command;

use util::{incident, TestDir};

/// A tmpfs of `size` mounted inside the test's folder, unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(t: &TestDir, name: &str, size: &str) -> Option<Self> {
        let dir = t.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Self { dir }),
            Ok(o) => {
                eprintln!(
                    "SKIPPED: cannot mount a tmpfs here ({}); run as root to test full and read-only disks",
                    String::from_utf8_lossy(&o.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("SKIPPED: cannot run mount ({e})");
                None
            }
        }
    }

    fn remount(&self, mode: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.dir)
            .status()
            .unwrap();
        assert!(status.success(), "remount {mode}");
    }

    /// Writes a filler file until the disk is full; returns its path.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.dir.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let block = vec![0x5au8; 4096];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
    }
}

/// A TestDir whose journal lives on the given disk.
fn journal_on(disk: &Tmpfs) -> TestDir {
    let mut t = TestDir::new();
    t.journal = disk.dir.join("journal");
    t
}

fn names(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = util::files_under(dir)
        .into_iter()
        .map(|(p, _)| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

fn random_file(path: &Path, len: usize) -> Vec<u8> {
    let bytes: Vec<u8> = (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    std::fs::write(path, &bytes).unwrap();
    bytes
}

fn verify_ok(t: &TestDir) -> String {
    let out = t.ok(&["verify"], "");
    assert!(out.starts_with("OK:"), "{out}");
    out
}

#[test]
fn a_full_disk_during_import_edit_and_passphrase_change_loses_nothing() {
    let host = TestDir::new();
    let Some(disk) = Tmpfs::mount(&host, "disk", "4m") else {
        return;
    };
    let t = journal_on(&disk);
    t.init();
    let id = t.add_incident(&incident(
        "2026-03-04T21:15",
        "Saved before the disk filled",
    ));
    let photo = t.path("before.png");
    std::fs::write(&photo, daybook::demo::sample_png(3)).unwrap();
    t.ok(&["attach", &id, photo.to_str().unwrap()], "");
    let before_verify = verify_ok(&t);
    let before_names = names(&t.journal);

    // Import bigger than the free space: the encrypted copy cannot be written.
    let big = t.path("video.bin");
    random_file(&big, 6 << 20);
    let err = t.fails(&["attach", &id, big.to_str().unwrap()], "");
    assert!(
        err.contains("Could not save the encrypted copy") && err.contains("No space left"),
        "{err}"
    );
    assert_eq!(before_names, names(&t.journal), "no temp blob left behind");
    assert_eq!(before_verify, verify_ok(&t));

    // Disk completely full: an edit, a new incident and a passphrase change all fail plainly.
    let filler = disk.fill();
    let err = t.fails(
        &["incident", "edit", &id, "--json", "-"],
        &serde_json::json!({"description": "x".repeat(20_000)}).to_string(),
    );
    assert!(
        err.contains("The disk is full, so nothing was saved"),
        "{err}"
    );
    let err = t.fails(
        &["incident", "add", "--json", "-"],
        &incident("2026-03-05T10:00", &"y".repeat(30_000)).to_string(),
    );
    assert!(
        err.contains("The disk is full, so nothing was saved"),
        "{err}"
    );
    let err = t
        .cmd()
        .env("DAYBOOK_NEW_PASSPHRASE", "a passphrase that never lands")
        .arg("passwd")
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&err.get_output().stderr).to_string();
    assert!(err.contains("No space left"), "{err}");

    // Space again: everything saved is intact, the old passphrase works, nothing half-written.
    std::fs::remove_file(filler).unwrap();
    assert_eq!(before_verify, verify_ok(&t));
    assert_eq!(before_names, names(&t.journal));
    let shown = t.ok(&["incident", "show", &id, "--json"], "");
    assert!(shown.contains("Saved before the disk filled"), "{shown}");
    let fits = t.path("fits.bin");
    random_file(&fits, 1 << 20);
    t.ok(&["attach", &id, fits.to_str().unwrap()], "");
    verify_ok(&t);
}

#[test]
fn a_full_disk_during_export_leaves_no_partial_output() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "Exported to a small stick"));
    let photo = t.path("photo.bin");
    random_file(&photo, 600_000);
    let line = t.ok(&["attach", &id, photo.to_str().unwrap()], "");
    let attachment = line.split(' ').next().unwrap().to_string();
    let Some(stick) = Tmpfs::mount(&t, "stick", "256k") else {
        return;
    };
    let before = t.journal_files();
    let report = stick.dir.join("report.pdf");
    let packet = stick.dir.join("packet");
    let exported = stick.dir.join("photo.bin");
    for (args, out) in [
        (vec!["export", "packet", "--out"], &packet),
        (
            vec!["attachment", "export", &attachment, "--out"],
            &exported,
        ),
    ] {
        let mut args: Vec<&str> = args;
        args.push(out.to_str().unwrap());
        let err = t.fails(&args, "");
        assert!(err.contains("No space left"), "{args:?}: {err}");
        assert!(!out.exists(), "{args:?} left {}", out.display());
    }
    // The report is small; fill the stick first so it cannot be written either.
    let filler = stick.fill();
    let err = t.fails(&["export", "report", "--out", report.to_str().unwrap()], "");
    assert!(err.contains("No space left"), "{err}");
    assert!(!report.exists());
    std::fs::remove_file(filler).unwrap();
    assert_eq!(
        names(&stick.dir),
        Vec::<String>::new(),
        "nothing half-written"
    );
    assert_eq!(before.len(), t.journal_files().len());
    assert_eq!(util::db_bytes(&before), util::db_bytes(&t.journal_files()));
}

#[test]
fn a_read_only_disk_refuses_writes_plainly_and_changes_nothing() {
    let host = TestDir::new();
    let Some(disk) = Tmpfs::mount(&host, "disk", "8m") else {
        return;
    };
    let t = journal_on(&disk);
    t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "Saved before read-only"));
    let photo = t.path("p.png");
    std::fs::write(&photo, daybook::demo::sample_png(5)).unwrap();
    let before = t.journal_files();
    disk.remount("ro");
    for args in [
        vec!["attach", &id, photo.to_str().unwrap()],
        vec!["incident", "delete", &id, "--reason", "test"],
        vec!["passwd"],
        vec!["list"],
    ] {
        let out = t
            .cmd()
            .env("DAYBOOK_NEW_PASSPHRASE", "never set on a read-only disk")
            .args(&args)
            .assert()
            .failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains("Read-only file system"), "{args:?}: {err}");
    }
    assert_eq!(before, t.journal_files());
    disk.remount("rw");
    verify_ok(&t);

    // A read-only destination for exports.
    let Some(out_disk) = Tmpfs::mount(&host, "out", "8m") else {
        return;
    };
    out_disk.remount("ro");
    for args in [
        vec!["export", "report", "--out"],
        vec!["export", "packet", "--out"],
    ] {
        let mut args = args;
        let dest = out_disk.dir.join("export");
        args.push(dest.to_str().unwrap());
        let err = t.fails(&args, "");
        assert!(err.contains("Read-only file system"), "{args:?}: {err}");
    }
    assert_eq!(before.len(), t.journal_files().len());
}
