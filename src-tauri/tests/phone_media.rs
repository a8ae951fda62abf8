//! Phone media in the real app: an iPhone HEIC photo is shown (converted in memory), a phone
//! video plays from decrypted bytes, both say where they were taken, and the evidence packet
//! asks before it hands that place over, with focus going back where it came from.

#![cfg(feature = "phone-media")]

mod common;

use std::path::Path;
use std::process::Command;

use common::App;
use daybook::journal::{Journal, KdfCost};
use daybook::model::IncidentInput;
use secrecy::SecretString;

const PASSPHRASE: &str = "a long enough passphrase for the test";

fn run(program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (scripts/packages.sh): {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

#[tokio::test(flavor = "multi_thread")]
async fn heic_is_shown_video_plays_and_the_packet_asks_about_locations() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let png = dir.join("source.png");
    std::fs::write(&png, daybook::demo::sample_png(4)).expect("png");
    let heic = dir.join("IMG_0420.HEIC");
    run("heif-enc", &["-q", "60", "-o", p(&heic), p(&png)]);
    run(
        "exiftool",
        &[
            "-q",
            "-overwrite_original",
            "-GPSLatitude=37.8044",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=122.2712",
            "-GPSLongitudeRef=W",
            p(&heic),
        ],
    );
    let video = dir.join("doorbell.mp4");
    run(
        "ffmpeg",
        &[
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=2:size=320x240:rate=10",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            p(&video),
        ],
    );

    let journal = dir.join("journal");
    let passphrase = SecretString::from(PASSPHRASE.to_string());
    let (mut j, _) = Journal::create(&journal, &passphrase, KdfCost::LogN(17)).expect("create");
    let input: IncidentInput = serde_json::from_value(serde_json::json!({
        "occurred_at": "2026-04-10T09:00",
        "timezone": "America/Los_Angeles",
        "description": "He stood at the door; the doorbell camera recorded him.",
    }))
    .expect("input");
    let incident = j.add_incident(&input).expect("add");
    j.attach_files(&incident.id, &[&heic, &video], None, &mut |_, _, _| true)
        .expect("attach");
    j.lock();

    let app = App::start_with(tmp, journal, &[]).await;
    app.fill("#passphrase", PASSPHRASE).await;
    app.click("#unlock-button").await;
    app.wait_text("#count", "1 incident").await;
    app.click("button.incident").await;
    app.wait_count("#attachments li", 2).await;
    // A video loads only when asked for.
    assert_eq!(app.count("#attachments video").await, 0);
    app.click("#attachments button.play-video").await;

    // The HEIC is decoded into a picture the web view can draw.
    let mut shown = serde_json::Value::Null;
    let mut playable = serde_json::Value::Null;
    for _ in 0..100 {
        shown = app
            .js("const i = document.querySelector('#attachments img'); return i && i.complete ? i.naturalWidth : 0")
            .await;
        playable = app
            .js("const v = document.querySelector('#attachments video'); return v ? v.readyState : -1")
            .await;
        if shown.as_u64().unwrap_or(0) > 0 && playable.as_i64().unwrap_or(-1) >= 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(shown, serde_json::json!(480), "the HEIC shows at its width");
    assert!(
        playable.as_i64().unwrap_or(-1) >= 1,
        "the video loads: {playable}"
    );
    // It plays: time moves on.
    app.js("document.querySelector('#attachments video').muted = true; document.querySelector('#attachments video').play()").await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let time = app
        .js("return document.querySelector('#attachments video').currentTime")
        .await;
    assert!(
        time.as_f64().unwrap_or(0.0) > 0.0,
        "the video plays: {time}"
    );
    let notes = app.text("#attachments").await;
    assert!(
        notes.contains("This photo records where it was taken: 37.8044, -122.2712."),
        "{notes}"
    );
    let shots = std::env::var_os("DAYBOOK_SCREENSHOTS");
    if let Some(shots) = &shots {
        app.js("document.querySelector('#attachments').scrollIntoView()")
            .await;
        app.screenshot(&Path::new(shots).join("app-phone-media.png"))
            .await;
    }

    // The packet asks first; cancelling writes nothing and returns focus to the button.
    app.click("nav button[data-screen=export]").await;
    app.click("#export-packet").await;
    app.find("#originals-dialog").await;
    let question = app.text("#originals-dialog").await;
    assert!(
        question.contains("Exhibit 1 (IMG_0420.HEIC)") && question.contains("37.8044, -122.2712"),
        "{question}"
    );
    assert_eq!(
        app.js("return document.activeElement.id").await,
        serde_json::json!("originals-without-location"),
        "the recommended choice has focus"
    );
    if let Some(shots) = &shots {
        app.screenshot(&Path::new(shots).join("app-packet-question.png"))
            .await;
    }
    app.click("#originals-dialog button[type=button]:not(.quick-exit)")
        .await;
    app.wait_text("#messages", "Nothing was written").await;
    assert_eq!(
        app.js("return document.activeElement.id").await,
        serde_json::json!("export-packet"),
        "focus goes back where it came from"
    );

    // Choosing "remove the location" writes copies without it.
    app.click("#export-packet").await;
    app.click("#originals-without-location").await;
    let packet = app.tmp.path().join("packet");
    app.answer_file_dialog("Name the new evidence packet folder", &packet, true);
    app.wait_text("#messages", "Saved the evidence packet")
        .await;
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(packet.join("manifest.json")).expect("manifest"))
            .expect("json");
    let heic_entry = &manifest["exhibits"][0];
    assert!(heic_entry["original_sha256"].is_string(), "{heic_entry}");
    let copy = packet.join(heic_entry["file"].as_str().expect("file"));
    let tags = Command::new("exiftool")
        .args(["-a", "-G1", p(&copy)])
        .output()
        .expect("exiftool");
    let tags = String::from_utf8_lossy(&tags.stdout);
    assert!(!tags.contains("GPS"), "{tags}");
    app.close().await;
}
