//! Bad input the other test files do not already cover: non-UTF-8 text, malformed and
//! truncated media, packets with paths that leave the folder or hide behind links. Refused
//! input gets a clear error and leaves journal.db byte-identical; damaged media is still
//! evidence, so it is imported whole, with only the facts that could be read.

mod util;

use serde_json::json;
use util::{incident, TestDir};

#[test]
fn non_utf8_json_and_transcripts_are_refused_and_change_nothing() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "x"));
    let wav = t.path("vm.wav");
    std::fs::write(&wav, daybook::demo::sample_voicemail(1)).unwrap();
    let line = t.ok(&["attach", &id, wav.to_str().unwrap()], "");
    let attachment = line.split(' ').next().unwrap().to_string();
    let before = t.journal_files();

    let latin1 = t.path("latin1.json");
    let mut bytes =
        br#"{"occurred_at": "2026-03-04T21:15", "timezone": "UTC", "description": "Se"#.to_vec();
    bytes.extend_from_slice(&[0xF1, 0x6F, 0x72, b'"', b'}']); // "Señor" in Latin-1
    std::fs::write(&latin1, &bytes).unwrap();
    for args in [
        vec!["incident", "add", "--json", latin1.to_str().unwrap()],
        vec!["incident", "edit", &id, "--json", latin1.to_str().unwrap()],
        vec!["order", "add", "--json", latin1.to_str().unwrap()],
        vec![
            "attachment",
            "describe",
            &attachment,
            "--transcript-file",
            latin1.to_str().unwrap(),
        ],
    ] {
        let err = t.fails(&args, "");
        assert!(
            err.contains("Could not read") && err.contains("valid UTF-8"),
            "{args:?}: {err}"
        );
    }
    for (args, input, expected) in [
        (
            vec!["incident", "edit", &id, "--json", "-"],
            "[1, 2]",
            "An edit is a JSON object",
        ),
        (
            vec!["order", "add", "--json", "-"],
            "{\"kind\": \"forever\"}",
            "unknown variant `forever`",
        ),
        (
            vec!["person", "add", "--json", "-"],
            "{\"name\": 5}",
            "invalid type",
        ),
        (vec!["incident", "add", "--json", "-"], "", "is empty"),
        (
            vec!["incident", "add", "--json", "-"],
            "\u{feff}{}",
            "not valid",
        ),
    ] {
        let err = t.fails(&args, input);
        assert!(err.contains(expected), "{args:?} {input:?}: {err}");
    }
    assert_eq!(util::db_bytes(&before), util::db_bytes(&t.journal_files()));
}

#[test]
fn malformed_truncated_and_lying_media_are_kept_whole_with_what_could_be_read() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "Damaged files from my phone"));
    let jpeg = daybook::demo::sample_photo(2, "2026:03:04 21:10:00");
    let png = daybook::demo::sample_png(2);
    let wav = daybook::demo::sample_voicemail(2);
    // A PNG header claiming 4 billion pixels square: size is read from the header only.
    let mut giant = png[..33].to_vec();
    giant[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
    giant[20..24].copy_from_slice(&u32::MAX.to_be_bytes());
    let mut bad_wav = wav[..44].to_vec();
    bad_wav[22] = 0; // zero channels
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("cut.jpg", jpeg[..jpeg.len() / 3].to_vec(), "image"),
        ("header-only.jpg", jpeg[..4].to_vec(), "image"),
        ("cut.png", png[..40].to_vec(), "image"),
        ("giant.png", giant, "image"),
        ("cut.wav", wav[..60].to_vec(), "audio"),
        ("no-channels.wav", bad_wav, "audio"),
        (
            "text-named.jpg",
            b"not a picture at all\n".to_vec(),
            "document",
        ),
        (
            "noise.mp3",
            (0..5000u32).map(|i| (i * 97 % 251) as u8).collect(),
            "other",
        ),
    ];
    for (name, bytes, kind) in &cases {
        let path = t.path(name);
        std::fs::write(&path, bytes).unwrap();
        let line = t.ok(&["attach", &id, path.to_str().unwrap()], "");
        let attachment = line.split(' ').next().unwrap().to_string();
        let shown: serde_json::Value =
            serde_json::from_str(&t.ok(&["incident", "show", &id, "--json"], "")).unwrap();
        let saved = shown["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == attachment.as_str())
            .unwrap()
            .clone();
        assert_eq!(saved["kind"], *kind, "{name}: {saved}");
        assert_eq!(saved["size"], bytes.len(), "{name}");
        let out = t.path(&format!("out-{name}"));
        t.ok(
            &[
                "attachment",
                "export",
                &attachment,
                "--out",
                out.to_str().unwrap(),
            ],
            "",
        );
        assert_eq!(&std::fs::read(&out).unwrap(), bytes, "{name} round-trips");
    }
    let verify = t.ok(&["verify"], "");
    assert!(
        verify.contains(&format!("{} attachments", cases.len())),
        "{verify}"
    );
}

/// Found by the `attachment_metadata` fuzz target (fuzz/, 2026-11-30): an AAC (ADTS) file
/// whose first frame (as symphonia finds it) starts past the middle of the file made
/// symphonia's duration estimate subtract with overflow, and the import panicked. It is still
/// evidence: imported whole, as audio, with no duration.
const ADTS_THAT_PANICKED_THE_PROBE: [u8; 52] = [
    0xff, 0xf9, 0xca, 0x66, 0x4c, 0x63, 0x43, 0x00, 0x00, 0x00, 0xff, 0x00, 0x04, 0x00, 0x00, 0x07,
    0x00, 0xfe, 0xba, 0x3a, 0x9a, 0xca, 0x00, 0x37, 0xd2, 0xf8, 0x00, 0x03, 0xff, 0xf1, 0x00, 0x37,
    0x37, 0x30, 0xb4, 0xf8, 0x2d, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x09, 0x10, 0x00, 0x00, 0x03,
    0xff, 0xf1, 0x00, 0xff,
];

#[test]
fn an_aac_file_that_panicked_the_duration_probe_is_kept_whole() {
    let t = TestDir::new();
    let path = t.path("voicemail.aac");
    std::fs::write(&path, ADTS_THAT_PANICKED_THE_PROBE).unwrap();
    let facts = daybook::evidence::inspect(&path).expect("inspect does not fail or panic");
    assert_eq!(facts.kind, daybook::AttachmentKind::Audio, "{facts:?}");
    assert_eq!(facts.duration_ms, None, "{facts:?}");

    t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "Voicemail, damaged"));
    let line = t.ok(&["attach", &id, path.to_str().unwrap()], "");
    let attachment = line.split(' ').next().unwrap().to_string();
    let out = t.path("out.aac");
    t.ok(
        &[
            "attachment",
            "export",
            &attachment,
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(std::fs::read(&out).unwrap(), ADTS_THAT_PANICKED_THE_PROBE);
    let verify = t.ok(&["verify"], "");
    assert!(verify.contains("1 attachments"), "{verify}");
}

#[test]
fn paths_with_dot_dot_and_links_are_handled_as_the_files_they_name() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "x"));
    std::fs::create_dir_all(t.path("a/b")).unwrap();
    let real = t.path("a/photo.png");
    std::fs::write(&real, daybook::demo::sample_png(6)).unwrap();
    // `..` inside a path the user chose is just that file.
    let dotted = t.path("a/b/../photo.png");
    let line = t.ok(&["attach", &id, dotted.to_str().unwrap()], "");
    assert!(line.contains("photo.png"), "{line}");
    // A link as the file itself is refused, however it is spelled.
    if util::unix_only(util::WINE_HIDES_LINKS) {
        return;
    }
    std::os::unix::fs::symlink(&real, t.path("a/b/link.png")).unwrap();
    let before = t.journal_files();
    let err = t.fails(
        &["attach", &id, t.path("a/b/../b/link.png").to_str().unwrap()],
        "",
    );
    assert!(err.contains("is a link"), "{err}");
    assert_eq!(util::db_bytes(&before), util::db_bytes(&t.journal_files()));
}

#[test]
fn a_packet_whose_manifest_points_outside_or_through_links_is_refused() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "x"));
    let photo = t.path("p.png");
    std::fs::write(&photo, daybook::demo::sample_png(1)).unwrap();
    t.ok(&["attach", &id, photo.to_str().unwrap()], "");
    let packet = t.path("packet");
    t.ok(&["export", "packet", "--out", packet.to_str().unwrap()], "");
    let manifest_path = packet.join("manifest.json");
    let pristine = std::fs::read(&manifest_path).unwrap();
    let pristine_sig = std::fs::read(packet.join("manifest.sig")).unwrap();
    let outside = t.path("outside.txt");
    std::fs::write(&outside, b"secret").unwrap();

    // Paths that leave the folder are refused before anything is read, even in a manifest
    // re-signed with a key of the forger's own (the key is inside the manifest).
    use ed25519_dalek::Signer;
    let forger = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    for path in [
        "../outside.txt",
        "/etc/hostname",
        "exhibits/../../outside.txt",
    ] {
        let mut manifest: serde_json::Value = serde_json::from_slice(&pristine).unwrap();
        manifest["files"][0]["path"] = json!(path);
        manifest["public_key"] = json!(hex::encode(forger.verifying_key().as_bytes()));
        let bytes = serde_json::to_vec_pretty(&manifest).unwrap();
        std::fs::write(&manifest_path, &bytes).unwrap();
        let signature = hex::encode(forger.sign(&bytes).to_bytes());
        std::fs::write(packet.join("manifest.sig"), format!("{signature}\n")).unwrap();
        let out = t
            .cmd()
            .args(["verify", packet.to_str().unwrap()])
            .assert()
            .failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            err.contains("is not a safe path inside the packet"),
            "{path}: {err}"
        );
    }
    std::fs::write(&manifest_path, &pristine).unwrap();
    std::fs::write(packet.join("manifest.sig"), &pristine_sig).unwrap();
    t.ok(&["verify", packet.to_str().unwrap()], "");

    // An exhibit replaced by a link to a file with the same bytes is still refused.
    if util::unix_only(util::WINE_HIDES_LINKS) {
        return;
    }
    let exhibit = std::fs::read_dir(packet.join("exhibits"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let copy = t.path("same-bytes.png");
    std::fs::copy(&exhibit, &copy).unwrap();
    std::fs::remove_file(&exhibit).unwrap();
    std::os::unix::fs::symlink(&copy, &exhibit).unwrap();
    let out = t
        .cmd()
        .args(["verify", packet.to_str().unwrap()])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("is missing"), "{err}");
}
