//! Evidence packets as one zip, and as a zip encrypted with age for the person who receives it:
//! `daybook verify` and plain `unzip` + `sha256sum -c` both accept them, a changed byte is
//! caught, and a bad public key writes nothing.

mod util;

use std::path::Path;
use std::process::Command;

use age::secrecy::ExposeSecret;
use serde_json::json;
use util::TestDir;

fn journal_with_exhibit(t: &TestDir) {
    t.init();
    let id = t.add_incident(&json!({
        "occurred_at": "2026-04-10T09:00",
        "timezone": "America/Los_Angeles",
        "kinds": ["came_within_distance"],
        "description": "Truck parked outside work for an hour."
    }));
    let jpg = t.path("IMG_0001.jpg");
    std::fs::write(&jpg, daybook::demo::sample_photo(4, "2026:04:10 09:02:00")).unwrap();
    t.ok(&["attach", &id, jpg.to_str().unwrap()], "");
}

fn flip_middle_byte(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_zip_packet_verifies_with_daybook_and_with_unzip_and_sha256sum() {
    let t = TestDir::new();
    journal_with_exhibit(&t);
    let out = t.path("Packet");
    t.ok(
        &["export", "packet", "--out", out.to_str().unwrap(), "--zip"],
        "",
    );
    let zip = t.path("Packet.zip");
    assert!(zip.is_file() && !out.exists(), "only the zip is written");
    let said = t.ok(&["verify", zip.to_str().unwrap()], "");
    assert!(said.starts_with("OK:"), "{said}");

    let unpacked = t.path("unpacked");
    let status = Command::new("unzip")
        .args([
            "-q",
            zip.to_str().unwrap(),
            "-d",
            unpacked.to_str().unwrap(),
        ])
        .status()
        .expect("unzip");
    assert!(status.success());
    let folder = std::fs::read_dir(&unpacked)
        .unwrap()
        .next()
        .expect("one folder inside")
        .unwrap()
        .path();
    let check = Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(&folder)
        .output()
        .expect("sha256sum");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );

    flip_middle_byte(&zip);
    let said = t.fails(&["verify", zip.to_str().unwrap()], "");
    assert!(said.contains("FAILED"), "{said}");
}

#[test]
fn a_packet_encrypted_to_a_public_key_opens_only_with_its_secret_key() {
    let t = TestDir::new();
    journal_with_exhibit(&t);
    let attorney = age::x25519::Identity::generate();
    let key_file = t.path("attorney.key");
    std::fs::write(&key_file, attorney.to_string().expose_secret()).unwrap();
    let out = t.path("ForCounsel");
    let recipient = attorney.to_public().to_string();
    t.ok(
        &[
            "export",
            "packet",
            "--out",
            out.to_str().unwrap(),
            "--encrypt-to",
            &recipient,
        ],
        "",
    );
    let sealed = t.path("ForCounsel.zip.age");
    assert!(sealed.is_file());
    let names: Vec<_> = std::fs::read_dir(t.tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("ForCounsel") && n != "ForCounsel.zip.age"),
        "no plaintext zip or folder next to it: {names:?}"
    );
    let said = t.ok(
        &[
            "verify",
            sealed.to_str().unwrap(),
            "--identity",
            key_file.to_str().unwrap(),
        ],
        "",
    );
    assert!(said.starts_with("OK:"), "{said}");

    let stranger = age::x25519::Identity::generate();
    let stranger_file = t.path("stranger.key");
    std::fs::write(&stranger_file, stranger.to_string().expose_secret()).unwrap();
    t.fails(
        &[
            "verify",
            sealed.to_str().unwrap(),
            "--identity",
            stranger_file.to_str().unwrap(),
        ],
        "",
    );

    flip_middle_byte(&sealed);
    t.fails(
        &[
            "verify",
            sealed.to_str().unwrap(),
            "--identity",
            key_file.to_str().unwrap(),
        ],
        "",
    );
}

#[test]
fn a_passphrase_packet_verifies_with_that_passphrase_only() {
    let t = TestDir::new();
    journal_with_exhibit(&t);
    let out = t.path("Shared");
    let mut cmd = t.cmd();
    cmd.env("DAYBOOK_PACKET_PASSPHRASE", "orchard lantern copper tide")
        .args([
            "export",
            "packet",
            "--out",
            out.to_str().unwrap(),
            "--encrypt-passphrase",
        ])
        .assert()
        .success();
    let sealed = t.path("Shared.zip.age");
    let mut cmd = t.cmd();
    cmd.env("DAYBOOK_PACKET_PASSPHRASE", "orchard lantern copper tide")
        .args(["verify", sealed.to_str().unwrap()])
        .assert()
        .success();
    let mut cmd = t.cmd();
    cmd.env("DAYBOOK_PACKET_PASSPHRASE", "not the packet passphrase")
        .args(["verify", sealed.to_str().unwrap()])
        .assert()
        .failure();
}

#[test]
fn a_bad_public_key_is_refused_and_nothing_is_written() {
    let t = TestDir::new();
    journal_with_exhibit(&t);
    let out = t.path("Nope");
    let said = t.fails(
        &[
            "export",
            "packet",
            "--out",
            out.to_str().unwrap(),
            "--encrypt-to",
            "age1notakey",
        ],
        "",
    );
    assert!(!said.trim().is_empty());
    let names: Vec<_> = std::fs::read_dir(t.tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("Nope"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}
