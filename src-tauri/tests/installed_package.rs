//! The installed package's app, started as the menu entry starts it (`/usr/bin/daybook-desktop`,
//! no arguments), on a journal the installed `daybook` command made: it must reach the unlock
//! screen and open the journal. scripts/package-test runs this after
//! `apt-get install ./daybook_*.deb`; a plain `cargo test` has nothing installed, so it is
//! ignored there.
//!
//!   DAYBOOK_APP=/usr/bin/daybook-desktop DAYBOOK_PACKAGE_JOURNAL=DIR \
//!   DAYBOOK_PACKAGE_PASSPHRASE=... DAYBOOK_PACKAGE_SCREENSHOT=unlock.png \
//!   cargo test -p daybook-desktop --test installed_package -- --ignored

mod common;

use std::path::PathBuf;

use common::App;

fn required(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by scripts/package-test"))
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the installed package; scripts/package-test runs it"]
async fn the_installed_app_opens_the_journal_the_installed_command_made() {
    let installed = common::application();
    assert!(
        installed.starts_with("/usr/bin"),
        "DAYBOOK_APP names the installed app, not {}",
        installed.display()
    );
    let journal = PathBuf::from(required("DAYBOOK_PACKAGE_JOURNAL"));
    let passphrase = required("DAYBOOK_PACKAGE_PASSPHRASE");
    let screenshot = PathBuf::from(required("DAYBOOK_PACKAGE_SCREENSHOT"));

    let tmp = tempfile::tempdir().expect("temp dir");
    let app = App::start_with(tmp, journal, &[]).await;
    app.wait_text("form h1", "Unlock your journal").await;
    assert_eq!(
        app.client.title().await.expect("window title"),
        "Daybook",
        "the window title stays neutral"
    );
    // The form is in the page before WebKit has painted it, and WebKitWebDriver's element
    // screenshots come back blank, so the whole window is read back: the unlock card is
    // drawn when most of its area is no longer the main area's flat background.
    let (x, y, width, height) = app
        .find("form")
        .await
        .rectangle()
        .await
        .expect("the form's place on screen");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        app.screenshot(&screenshot).await;
        let drawn = drawn_fraction(&screenshot, x, y, width, height);
        if drawn > 0.5 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the unlock card was never drawn: {:.0} % of it differs from the background",
            drawn * 100.0
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    app.fill("#passphrase", &passphrase).await;
    app.click("#unlock-button").await;
    app.wait_text("#count", "1 incident").await;
    app.close().await;
}

/// The share of the rectangle's pixels that differ from the colour just left of it (the main
/// area's background): near 0 for an undrawn card, most of it for a white card with text.
fn drawn_fraction(png_path: &std::path::Path, x: f64, y: f64, width: f64, height: f64) -> f64 {
    let file = std::fs::File::open(png_path).expect("the screenshot was written");
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .expect("the screenshot is a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("PNG pixels");
    let channels = info.color_type.samples();
    let at = |px: usize, py: usize| {
        let start = (py * info.width as usize + px) * channels;
        pixels[start..start + 3].to_vec()
    };
    let (left, top) = (x.max(0.0) as usize, y.max(0.0) as usize);
    let right = ((x + width) as usize).min(info.width as usize);
    let bottom = ((y + height) as usize).min(info.height as usize);
    assert!(
        left > 2 && right > left && bottom > top,
        "the form is on screen"
    );
    let background = at(left - 2, top);
    let (mut differing, mut all) = (0usize, 0usize);
    for py in top..bottom {
        for px in left..right {
            all += 1;
            if at(px, py) != background {
                differing += 1;
            }
        }
    }
    differing as f64 / all.max(1) as f64
}
