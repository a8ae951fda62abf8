//! The whole path a user takes, in the real app: create a journal -> record incidents (Ctrl+N)
//! -> attach a screenshot in the native dialog -> find it by search -> amend it (the amended
//! mark shows) -> export the court report (pdftotext shows the incident) -> lock -> a wrong
//! passphrase is refused -> unlock.

mod common;

use std::process::Command;

use common::{App, PASSPHRASE};

#[tokio::test(flavor = "multi_thread")]
async fn create_record_attach_search_amend_export_lock_unlock() {
    let app = App::start(&[]).await;
    let screenshot = app.tmp.path().join("chat-screenshot.jpg");
    std::fs::write(
        &screenshot,
        daybook::demo::sample_photo(7, "2026:03:04 18:02:11"),
    )
    .expect("screenshot file");

    // First run: passphrase twice, then the recovery key once.
    app.fill("#new-passphrase", PASSPHRASE).await;
    app.fill("#confirm-passphrase", PASSPHRASE).await;
    app.click("form button[type=submit]").await;
    let key = app.text("#recovery-key").await;
    assert!(key.starts_with("AGE-SECRET-KEY-1"), "{key}");
    assert_eq!(
        app.find("#continue")
            .await
            .attr("disabled")
            .await
            .ok()
            .flatten(),
        Some("true".into()),
        "going on needs the 'I have saved it' box"
    );
    app.click("#saved-key").await;
    app.click("#continue").await;
    app.wait_text("#count", "0 incidents").await;

    // Quick add from the keyboard, twice; the second opens the full editor.
    for (text, more) in [
        (
            "A bouquet was left on the porch with a card. No one seen.",
            false,
        ),
        (
            "Jordan parked across the street from my work and waved at me. Marigold van.",
            true,
        ),
    ] {
        app.find("body")
            .await
            .send_keys("\u{E009}n")
            .await
            .expect("Ctrl+N");
        app.fill("#qa-description", text).await;
        if more {
            app.click("#quick-add input[value=came_within_distance]")
                .await;
        }
        app.click(if more { "#qa-more" } else { "#qa-save" }).await;
        if !more {
            app.wait_text("#count", "1 incident").await;
        }
    }

    // Attach the screenshot through the native file dialog; its thumbnail is drawn from
    // decrypted bytes in memory.
    app.click("#add-files").await;
    app.answer_file_dialog("Choose screenshots", &screenshot, false);
    app.wait_count("#attachments li", 1).await;
    app.find("#attachments img").await;
    app.wait_text("#messages", "1 file(s) added").await;

    // Search as you type finds it, and only it.
    app.click("nav button[data-screen=timeline]").await;
    app.wait_text("#count", "2 incidents").await;
    app.fill("#search", "marigo").await;
    app.wait_text("#count", "1 incident match").await;
    let row = app.text("button.incident").await;
    assert!(row.contains("1 exhibit"), "{row}");
    // Kinds are listed by their plain names, not their keys.
    assert!(row.contains("Came within the stay-away distance"), "{row}");
    app.click("button.incident").await;

    // Every control of the editor (attachments included) has a label.
    assert_eq!(app.unlabelled_controls().await, Vec::<String>::new());

    // Amend it: the amended mark shows.
    let description = app.find("#description").await;
    description
        .send_keys(" He drove off at 18:20.")
        .await
        .expect("type");
    app.click("#save-incident").await;
    app.find("#amended-mark").await;
    app.wait_text("#messages", "marked amended").await;

    // Export the court report through the native save dialog.
    let pdf = app.tmp.path().join("report.pdf");
    for screen in ["orders", "settings", "timeline", "export"] {
        app.click(&format!("nav button[data-screen={screen}]"))
            .await;
        app.find("h1").await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(
            app.unlabelled_controls().await,
            Vec::<String>::new(),
            "on {screen}"
        );
    }
    app.click("#export-report").await;
    app.answer_file_dialog("Save the court report", &pdf, true);
    app.wait_text("#export-result", "report.pdf").await;
    let text = Command::new("pdftotext")
        .args([pdf.to_str().expect("utf-8 path"), "-"])
        .output()
        .expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.contains("Marigold van"),
        "the report shows the incident"
    );
    assert!(text.contains("He drove off at 18:20"));
    assert!(text.contains("chat-screenshot.jpg"));

    // An evidence packet as one zip locked with a passphrase for the recipient: the dialog's
    // name gets the .zip.age ending, and the packet opens with that passphrase and checks out.
    app.js("const s = document.querySelector('#packet-format'); s.value = 'zip-passphrase'; s.dispatchEvent(new Event('change'))").await;
    app.fill("#packet-passphrase", "tell the attorney by phone")
        .await;
    app.fill("#packet-passphrase-again", "tell the attorney by phone")
        .await;
    app.click("#export-packet").await;
    app.answer_file_dialog(
        "Save the evidence packet",
        &app.tmp.path().join("packet.zip"),
        true,
    );
    app.wait_text("#export-result", "packet.zip.age").await;
    let packet = app.tmp.path().join("packet.zip.age");
    let packet_key = daybook::packet::PacketKey::Passphrase(secrecy::SecretString::from(
        "tell the attorney by phone".to_string(),
    ));
    let checked =
        daybook::packet::verify_packet(&packet, &packet_key).expect("the packet checks out");
    assert_eq!(checked.exhibits, 1, "the packet holds the one attachment");
    assert!(
        daybook::packet::verify_packet(&packet, &daybook::packet::PacketKey::None).is_err(),
        "the packet does not open without its passphrase"
    );

    // Lock; a wrong passphrase is refused; the right one opens the timeline again.
    app.click("#lock-button").await;
    app.wait_text("#messages", "Locked").await;
    app.fill("#passphrase", "not my passphrase").await;
    app.click("#unlock-button").await;
    app.wait_text(".message.error", "passphrase").await;
    app.fill("#passphrase", PASSPHRASE).await;
    app.click("#unlock-button").await;
    // The search typed before the lock is gone: nothing of it is left on screen.
    app.wait_text("#count", "2 incidents").await;
    assert_eq!(
        app.find("#search").await.prop("value").await.ok().flatten(),
        Some(String::new())
    );

    // Passphrase forgotten: the recovery key opens it, and a new passphrase is set without the
    // old one; the old passphrase then no longer works.
    app.click("#lock-button").await;
    app.click("#use-recovery").await;
    app.fill("#passphrase", &key).await;
    app.click("#unlock-button").await;
    app.wait_text("#messages", "recovery key").await;
    app.click("nav button[data-screen=settings]").await;
    assert_eq!(app.count("#current-passphrase").await, 0);
    app.fill("#next-passphrase", "kettle meadow violin harbor")
        .await;
    app.fill("#next-passphrase-again", "kettle meadow violin harbor")
        .await;
    app.click("#change-passphrase").await;
    app.wait_text("#messages", "Passphrase changed").await;
    app.click("#lock-button").await;
    app.fill("#passphrase", PASSPHRASE).await;
    app.click("#unlock-button").await;
    app.wait_text(".message.error", "passphrase").await;
    app.fill("#passphrase", "kettle meadow violin harbor").await;
    app.click("#unlock-button").await;
    app.wait_text("#count", "2 incidents").await;

    // An order that expires in 30 days: added in the order form, then reminded of on the
    // timeline.
    let today = chrono::Local::now().date_naive();
    let issued = today - chrono::Days::new(335);
    let expires = today + chrono::Days::new(30);
    app.click("nav button[data-screen=orders]").await;
    app.click("#add-order").await;
    app.fill(
        "#order-court",
        "Superior Court of California, County of Alameda",
    )
    .await;
    app.fill("#order-state", "CA").await;
    app.fill("#order-case", "E2E-4471").await;
    app.js(&format!(
        "document.querySelector('#order-issued').value = '{issued}';
         document.querySelector('#order-expires').value = '{expires}';
         const r = document.querySelector('#order-respondent');
         r.value = 'new'; r.dispatchEvent(new Event('change'));"
    ))
    .await;
    app.fill("#order-respondent-name", "Jordan Reyes").await;
    app.click("#save-order").await;
    app.wait_text("#orders", "E2E-4471").await;
    app.wait_text("#orders", "in 30 days").await;
    app.click("nav button[data-screen=timeline]").await;
    app.wait_text(".renewal", "in 30 days").await;

    // Nothing the user picked is named in GTK's recent-files list.
    let recent = app.home().join(".local/share/recently-used.xbel");
    if let Ok(list) = std::fs::read_to_string(&recent) {
        assert!(
            !list.contains("chat-screenshot") && !list.contains("report.pdf"),
            "recently-used.xbel names a picked file:\n{list}"
        );
    }
    app.close().await;
}
