//! The whole path a user takes, in the real app: create a journal -> record incidents (Ctrl+N)
//! -> attach a screenshot in the native dialog -> find it by search -> amend it (the amended
//! mark shows) -> export the court report (pdftotext shows the incident) -> lock -> a wrong
//! passphrase is refused -> unlock.

mod common;
/// The "Messages and calls" screen: phone backups and chat exports imported in the app.
mod e2e_phone;
mod e2e_support;

use std::process::Command;

use common::{App, PASSPHRASE};
use e2e_support::{pdf_pages, pdf_text};

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
    // The whole history was walked after unlock (unlock itself walked from the checkpoint).
    app.wait_text("#history-status", "recorded changes were checked")
        .await;
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

/// The court's papers kept with an order (issue 19), in the real app: the orders screen lists
/// them with what each is and shows a picture of a page from memory; a paper is added in the
/// native dialog; the officer sheet and the notice carry the order's pages; and when an
/// order's PDF is damaged the sheet is written without its pages only after the person asks.
#[tokio::test(flavor = "multi_thread")]
async fn order_papers_listed_added_and_carried_into_the_handouts() {
    use daybook::journal::{Journal, KdfCost};
    use daybook::model::{DocumentKind, OrderInput};
    use secrecy::SecretString;

    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let page = dir.join("order-page-1.jpg");
    std::fs::write(
        &page,
        daybook::demo::sample_photo(11, "2026:02:01 10:00:00"),
    )
    .expect("page");
    let service = dir.join("proof-of-service.jpg");
    std::fs::write(
        &service,
        daybook::demo::sample_photo(12, "2026:02:03 10:00:00"),
    )
    .expect("proof");
    // A PDF cut off part way, as a failed download leaves it.
    let broken = dir.join("order-download.pdf");
    std::fs::write(
        &broken,
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pa",
    )
    .expect("broken pdf");

    let today = chrono::Local::now().date_naive();
    let order = |case: &str| -> OrderInput {
        serde_json::from_value(serde_json::json!({
            "kind": "after_hearing",
            "court": "Superior Court of California, County of Alameda",
            "state": "CA",
            "case_number": case,
            "issued_on": (today - chrono::Days::new(40)).to_string(),
            "expires_on": (today + chrono::Days::new(300)).to_string(),
            "petitioner": "Dana R. Ellison",
            "respondent": { "name": "Jordan Reyes", "description": "Tall, short dark hair" },
            "terms": [
                { "type": "no_contact", "direct": true, "indirect": true },
                { "type": "stay_away", "distance": 100, "unit": "yards", "places": ["my workplace"] },
            ],
        }))
        .expect("order input")
    };
    let journal = dir.join("journal");
    let passphrase = SecretString::from(PASSPHRASE.to_string());
    let (mut j, _) = Journal::create(&journal, &passphrase, KdfCost::LogN(17)).expect("create");
    let good = j.add_order(&order("E2E-PAPERS-1")).expect("order");
    let damaged = j.add_order(&order("E2E-BROKEN-2")).expect("order");
    let kept = j
        .attach_order_documents(&good.id, &[&page], DocumentKind::Order, &mut |_, _, _| true)
        .expect("attach the order's page");
    assert_eq!(kept.attached.len(), 1, "{:?}", kept.problems);
    let kept = j
        .attach_order_documents(
            &damaged.id,
            &[&broken],
            DocumentKind::Order,
            &mut |_, _, _| true,
        )
        .expect("attach the damaged PDF");
    assert_eq!(
        kept.attached.len(),
        1,
        "a damaged PDF is still kept: {:?}",
        kept.problems
    );
    j.lock();

    let app = App::start_with(tmp, journal, &[]).await;
    app.client
        .set_window_size(1100, 1300)
        .await
        .expect("window size");
    app.fill("#passphrase", PASSPHRASE).await;
    app.click("#unlock-button").await;
    app.wait_text("#count", "0 incidents").await;

    // The orders screen lists each paper with what it is, and draws the page from memory.
    app.click("nav button[data-screen=orders]").await;
    let good_card = format!("#orders li.card[data-order=\"{}\"]", good.id);
    let damaged_card = format!("#orders li.card[data-order=\"{}\"]", damaged.id);
    let listed = app
        .wait_text(&format!("{good_card} ul.papers"), "order-page-1.jpg")
        .await;
    assert!(listed.contains("Order"), "{listed}");
    assert!(listed.contains("SHA-256"), "{listed}");
    app.wait_text(&format!("{good_card} .pages-status"), "Ready to add")
        .await;
    let mut width = serde_json::Value::Null;
    for _ in 0..100 {
        width = app
            .js(&format!(
                "const i = document.querySelector('{good_card} ul.papers img'); return i && i.complete ? i.naturalWidth : 0"
            ))
            .await;
        if width.as_u64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        width.as_u64().unwrap_or(0) > 0,
        "the page is shown: {width}"
    );
    // A click shows it larger, in a dialog that closes back to the list.
    app.click(&format!("{good_card} button.page-thumb")).await;
    app.find("#page-view img").await;
    app.click("#page-view button[type=submit]").await;
    app.wait_count("#page-view", 0).await;
    // The damaged PDF is named and the person is told its pages cannot be copied.
    let status = app
        .wait_text(&format!("{damaged_card} .pages-status"), "damaged")
        .await;
    assert!(status.contains("order-download.pdf"), "{status}");
    assert!(
        app.text(&format!("{damaged_card} ul.papers"))
            .await
            .contains("PDF"),
        "the PDF is described by its type"
    );

    if let Some(shots) = std::env::var_os("DAYBOOK_SCREENSHOTS") {
        app.js(&format!(
            "document.querySelector('{damaged_card} .order-papers').scrollIntoView({{block: 'center'}})"
        ))
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        app.screenshot(&std::path::Path::new(&shots).join("app-order-papers-damaged.png"))
            .await;
    }

    // Add the proof of service through the native dialog.
    app.js(&format!(
        "const s = document.querySelector('#paper-kind-{}'); s.value = 'proof_of_service'; s.dispatchEvent(new Event('change'))",
        good.id
    ))
    .await;
    app.click(&format!("{good_card} button.add-papers")).await;
    app.answer_file_dialog("Choose the court's papers", &service, false);
    app.wait_text("#messages", "1 paper(s) kept with case E2E-PAPERS-1")
        .await;
    let listed = app
        .wait_text(&format!("{good_card} ul.papers"), "proof-of-service.jpg")
        .await;
    assert!(listed.contains("Proof of service"), "{listed}");
    app.wait_text(
        &format!("{good_card} .pages-status"),
        "2 pages of the order and its proof of service",
    )
    .await;
    assert_eq!(app.unlabelled_controls().await, Vec::<String>::new());
    let shots = std::env::var_os("DAYBOOK_SCREENSHOTS").map(std::path::PathBuf::from);
    if let Some(shots) = &shots {
        app.js(&format!(
            "document.querySelector('{good_card} .order-papers').scrollIntoView({{block: 'center'}})"
        ))
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        app.screenshot(&shots.join("app-order-papers.png")).await;
    }

    // The officer sheet with the order's pages: the sheet, then each page marked as a copy.
    app.click("nav button[data-screen=export]").await;
    app.find("#notice-section").await;
    assert_eq!(app.unlabelled_controls().await, Vec::<String>::new());
    let label = app.text("label[for=sheet-with-order]").await;
    assert_eq!(label, "Add the order's pages after the sheet");
    app.js(&format!(
        "const s = document.querySelector('#sheet-order'); s.value = '{}'; s.dispatchEvent(new Event('change'))",
        good.id
    ))
    .await;
    app.wait_text("#sheet-with-order-status", "Ready to add: 2 pages")
        .await;
    app.click("#sheet-with-order").await;
    app.click("#export-sheet").await;
    let sheet = app.tmp.path().join("sheet.pdf");
    app.answer_file_dialog("Save the officer sheet", &sheet, true);
    app.wait_text("#messages", "with a copy of the order's pages")
        .await;
    assert_eq!(
        pdf_pages(&sheet),
        3,
        "the sheet, the order's page, the proof"
    );
    let text = pdf_text(&sheet);
    assert!(text.contains("Copy of the order on file"), "{text}");
    assert!(
        text.contains("Copy of the proof of service on file"),
        "{text}"
    );

    // The damaged PDF: refused before any dialog, saying why; saved alone only when asked.
    app.js(&format!(
        "const s = document.querySelector('#sheet-order'); s.value = '{}'; s.dispatchEvent(new Event('change'))",
        damaged.id
    ))
    .await;
    app.click("#export-sheet").await;
    let refusal = app.wait_text("#messages .message.error", "damaged").await;
    assert!(refusal.contains("order-download.pdf"), "{refusal}");
    assert!(refusal.contains("Nothing was written"), "{refusal}");
    // Said again under the sheet's button, with the offer, which takes the focus.
    app.wait_text("#sheet-offer .message.error", "damaged")
        .await;
    assert_eq!(
        app.text("#sheet-offer #save-without-order").await,
        "Save the sheet without the order's pages"
    );
    assert_eq!(
        app.js("return document.activeElement.id").await,
        serde_json::json!("save-without-order")
    );
    if let Some(shots) = &shots {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        app.screenshot(&shots.join("app-sheet-without-order.png"))
            .await;
    }
    app.click("#save-without-order").await;
    let alone = app.tmp.path().join("sheet-alone.pdf");
    app.answer_file_dialog("Save the officer sheet", &alone, true);
    app.wait_text("#messages", "Saved the one-page officer sheet")
        .await;
    assert_eq!(
        app.count("#sheet-offer *").await,
        0,
        "the offer is gone once saved"
    );
    assert_eq!(pdf_pages(&alone), 1, "the sheet alone");
    assert!(pdf_text(&alone).contains("E2E-BROKEN-2"));

    // The notice for a workplace, with the number chosen for it and the order's pages.
    app.js(&format!(
        "const p = document.querySelector('#notice-place'); p.value = 'workplace'; p.dispatchEvent(new Event('change'));
         const s = document.querySelector('#notice-order'); s.value = '{}'; s.dispatchEvent(new Event('change'))",
        good.id
    ))
    .await;
    app.fill("#notice-call", "(415) 555-0199").await;
    app.click("#notice-with-order").await;
    assert!(app.text("#notice-section").await.contains(
        "The number staff should call after 911. Choose one for this notice; it is printed."
    ));
    if let Some(shots) = &shots {
        app.js("document.querySelector('#notice-section').scrollIntoView({block: 'center'})")
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        app.screenshot(&shots.join("app-export-notice.png")).await;
    }
    app.click("#export-notice").await;
    let notice = app.tmp.path().join("notice.pdf");
    app.answer_file_dialog("Save the notice", &notice, true);
    app.wait_text("#messages", "Saved the notice for the workplace")
        .await;
    let text = pdf_text(&notice);
    assert!(
        text.contains("For the employer, reception and security"),
        "{text}"
    );
    assert!(text.contains("(415) 555-0199"), "{text}");
    assert!(text.contains("Copy of the order on file"), "{text}");
    assert_eq!(
        pdf_pages(&notice),
        3,
        "the notice, the order's page, the proof"
    );

    // Nothing the person picked is named in GTK's recent-files list.
    if let Ok(list) = std::fs::read_to_string(app.home().join(".local/share/recently-used.xbel")) {
        assert!(!list.contains("proof-of-service"), "{list}");
    }
    app.close().await;
}

/// A change to a revision the chain checkpoint vouches for: unlock does not walk it again,
/// but the whole walk the app runs after unlock finds it and says so at once, and Settings
/// names it; from then on every unlock says so too (the checkpoint is gone).
#[tokio::test(flavor = "multi_thread")]
async fn a_change_to_the_history_is_found_after_unlock() {
    use daybook::journal::{Journal, KdfCost, Unlock};
    use secrecy::SecretString;

    let tmp = tempfile::tempdir().expect("temp dir");
    let journal = tmp.path().join("journal");
    let passphrase = SecretString::from(PASSPHRASE.to_string());
    let (mut j, recovery) =
        Journal::create(&journal, &passphrase, KdfCost::LogN(17)).expect("journal");
    for words in [
        "He parked outside my work.",
        "He called twice from a new number.",
    ] {
        let input = serde_json::from_value(serde_json::json!({
            "occurred_at": "2026-03-02T21:15",
            "timezone": "America/Los_Angeles",
            "description": words,
        }))
        .expect("input");
        j.add_incident(&input).expect("incident");
    }
    j.lock();
    // Unlocked and checked in full, as the app does: the checkpoint is left at the head.
    let (j, report) = Journal::open(&journal, Unlock::RecoveryKey(&recovery)).expect("open");
    assert_eq!(report.revisions_vouched, 0);
    let mut check = j.begin_history_check();
    while j
        .continue_history_check(&mut check, 100)
        .expect("walk")
        .is_none()
    {}
    j.lock();
    {
        let wrapped = std::fs::read(journal.join("unlock/recovery.age")).expect("key file");
        let key = daybook::journal::keys::unwrap_with_recovery(&wrapped, &recovery).expect("key");
        let conn = rusqlite::Connection::open(journal.join("journal.db")).expect("db");
        conn.execute_batch(&format!(
            "PRAGMA key = \"{}\"; DROP TRIGGER revisions_no_update;
             UPDATE revisions SET body = replace(body, 'outside', 'near') WHERE seq = 1;",
            key.sqlcipher_literal().as_str()
        ))
        .expect("rewrite revision 1");
    }

    let app = App::start_with(tmp, journal, &[]).await;
    app.fill("#passphrase", PASSPHRASE).await;
    app.click("#unlock-button").await;
    app.wait_text("#count", "2 incidents").await;
    app.wait_text("#history-alert", "does not check out (Revision 1 (incident")
        .await;
    app.click("nav button[data-screen=settings]").await;
    app.wait_text("#history-status", "Revision 1").await;
    if let Some(shots) = std::env::var_os("DAYBOOK_SCREENSHOTS") {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        app.screenshot(&std::path::PathBuf::from(shots).join("app-history-problem.png"))
            .await;
    }
    app.click("#lock-button").await;
    app.fill("#passphrase", PASSPHRASE).await;
    app.click("#unlock-button").await;
    app.wait_text("#history-alert", "does not check out (Revision 1")
        .await;
    app.close().await;
}

/// A timeline longer than the window keeps only the rows near it: scrolled to its end, the page
/// holds a few hundred of its 1,500 rows, the last among them; scrolled back, the rows passed
/// are drawn again where they were, and a row holding the focus is never taken away.
#[tokio::test(flavor = "multi_thread")]
async fn a_long_timeline_keeps_only_the_rows_near_the_window() {
    use daybook::journal::{Journal, KdfCost};
    use secrecy::SecretString;

    const INCIDENTS: u32 = 1_500;
    let tmp = tempfile::tempdir().expect("temp dir");
    let journal = tmp.path().join("journal");
    let passphrase = SecretString::from(PASSPHRASE.to_string());
    let (mut j, _) = Journal::create(&journal, &passphrase, KdfCost::LogN(17)).expect("journal");
    for i in 0..INCIDENTS {
        let day = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date")
            + chrono::Days::new(u64::from(i / 4));
        let input = serde_json::from_value(serde_json::json!({
            "occurred_at": format!("{day}T{:02}:15", 8 + i % 4),
            "timezone": "America/Chicago",
            "description": format!("Row {i}: he drove past the house again."),
        }))
        .expect("input");
        j.add_incident(&input).expect("incident");
    }
    j.lock();

    let app = App::start_with(tmp, journal, &[]).await;
    app.fill("#passphrase", PASSPHRASE).await;
    app.click("#unlock-button").await;
    app.wait_text("#count", "1500 incidents").await;
    // Where a row is on screen (null when it is not in the page).
    // Where a row is on screen (null when it is not in the page).
    let top = "const top = (number) => {
                 const row = [...document.querySelectorAll('button.incident .number')]
                   .find((n) => n.textContent === '#' + number)
                 return row ? Math.round(row.getBoundingClientRect().top) : null
               }";

    // The focus on the first row, then half a screenful at a time to the end, as a person
    // scrolls, noting how many rows the page holds at each step.
    app.js("document.querySelector('button.incident').focus(); return null")
        .await;
    let step = format!(
        "{top}
         const seen = {{ drawn: document.querySelectorAll('button.incident').length,
           y: window.scrollY, row: top(700), last: top({INCIDENTS}), height: window.innerHeight }}
         window.scrollBy(0, window.innerHeight / 2)
         return seen"
    );
    let mut most = 0;
    let mut marked = None;
    for _ in 0..2_000 {
        let seen = app.js(&step).await;
        most = most.max(seen["drawn"].as_u64().expect("a count"));
        let (row, height) = (
            seen["row"].as_i64(),
            seen["height"].as_i64().expect("height"),
        );
        if marked.is_none() && row.is_some_and(|y| y > 100 && y < height - 50) {
            // Row 700 on screen: where the window was, and where the row was in it.
            marked = Some((seen["y"].clone(), seen["row"].clone()));
        }
        if !seen["last"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        !app.js(&format!("{top};\n return top({INCIDENTS})"))
            .await
            .is_null(),
        "the end of the list was reached"
    );
    assert!(
        most < u64::from(INCIDENTS) / 2,
        "at most {most} of {INCIDENTS} rows were in the page at once"
    );
    assert!(
        app.js(&format!("{top};\n return top(700)")).await.is_null(),
        "row 700 was let go"
    );
    assert_eq!(
        app.js("return document.activeElement.querySelector('.number').textContent")
            .await,
        "#1",
        "the row holding the focus stays"
    );

    // Back to where row 700 came on screen: it is drawn again, in the same place.
    let (y, was) = marked.expect("row 700 was passed on the way");
    app.js(&format!("window.scrollTo(0, {y}); return null"))
        .await;
    // Drawn again once every chunk near the window has its rows and gave up the height it kept.
    let settled = "return document.querySelector('.chunk[style*=height]:not(:empty)') === null
                     && [...document.querySelectorAll('.chunk')].some((c) => c.contains(
                          document.elementFromPoint(innerWidth / 2, innerHeight / 2)))";
    let mut again = serde_json::Value::Null;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if app.js(settled).await == true {
            again = app.js(&format!("{top};\n return top(700)")).await;
            break;
        }
    }
    assert_eq!(again, was, "row 700 is drawn again where it was");
    assert_eq!(
        app.js("return window.scrollY").await,
        y,
        "the window did not move"
    );
    if let Some(shots) = std::env::var_os("DAYBOOK_SCREENSHOTS") {
        // Where one chunk ends and the next goes on with the same month (rows 600 and 601).
        for _ in 0..100 {
            let at = app
                .js(&format!(
                    "{top};\n const at = top(601)
                     if (at === null) window.scrollBy(0, -innerHeight / 3)
                     else window.scrollBy(0, at - innerHeight / 2)
                     return at"
                ))
                .await;
            if !at.is_null() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        app.screenshot(&std::path::PathBuf::from(shots).join("app-timeline-long.png"))
            .await;
    }
    app.close().await;
}

/// Not a test: the drag source `drop_on_window` starts (this binary again, with the file to
/// offer in DAYBOOK_E2E_DRAG_FILE and the app's display in DISPLAY). Without them it does
/// nothing. A small window at the screen's bottom right offers the file as `text/uri-list`,
/// says where it is on stdout once shown, and ends when a drag from it ends.
#[test]
#[ignore = "not a test: the drag source the messages test starts"]
fn drag_source() {
    use gtk::prelude::*;
    let Some(file) = std::env::var_os("DAYBOOK_E2E_DRAG_FILE") else {
        return;
    };
    gtk::init().expect("GTK opens the display");
    let uri = gtk::glib::filename_to_uri(std::path::Path::new(&file), None).expect("a file URI");
    let window = gtk::Window::new(gtk::WindowType::Toplevel);
    window.set_title("Drag source");
    window.set_default_size(160, 100);
    window.move_(1220, 1680);
    let area = gtk::EventBox::new();
    area.add(&gtk::Label::new(Some("Drag me")));
    area.drag_source_set(
        gtk::gdk::ModifierType::BUTTON1_MASK,
        &[gtk::TargetEntry::new(
            "text/uri-list",
            gtk::TargetFlags::OTHER_APP,
            0,
        )],
        gtk::gdk::DragAction::COPY,
    );
    area.connect_drag_data_get(move |_, _, data, _, _| {
        data.set_uris(&[uri.as_str()]);
    });
    area.connect_drag_end(|_, _| gtk::main_quit());
    window.add(&area);
    window.connect_map_event(|w, _| {
        if let Some(gdk_window) = w.window() {
            let (_, x, y) = gdk_window.origin();
            let (width, height) = (w.allocated_width(), w.allocated_height());
            println!("DRAG SOURCE AT {} {}", x + width / 2, y + height / 2);
        }
        gtk::glib::Propagation::Proceed
    });
    window.show_all();
    gtk::main();
}

/// SMS Backup & Restore files as the Android app writes them: the writer the core's tests use.
#[path = "../../tests/util/sms_backup.rs"]
mod sms_backup;

/// iPhone computer backups with the real table shapes: the builder the core's tests use.
#[path = "../../tests/util/iphone_backup.rs"]
mod iphone_backup;
