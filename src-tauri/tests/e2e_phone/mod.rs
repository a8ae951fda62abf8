//! The "Messages and calls" screen in the real app: Android backups (issue 14), WhatsApp chat
//! exports and iPhone backup folders (issue 15), imported through the native dialogs and by
//! drag and drop.

use crate::common::{App, PASSPHRASE};
use crate::e2e_support::{drop_on_window, flat, pdf_text, write_large_backup};
use crate::sms_backup;

/// "Messages and calls" (issue 14), in the real app: a phone backup of texts and one of calls
/// (SMS Backup & Restore, written here) imported in the native dialog; the restrained person's
/// conversation listed first and marked; their texts, a picture, calls in line and a call from
/// a hidden number shown with local time and zone; another number marked as theirs; an
/// incident made from chosen texts and calls; a backup dropped on the window (a real X drag and
/// drop); a large import cancelled while its progress shows, leaving nothing behind; and the
/// court report printing a family member's conversation only once it is ticked on the export
/// screen.
#[tokio::test(flavor = "multi_thread")]
async fn phone_backup_imported_threads_shown_number_marked_incident_made() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    // Times in March 2026 in California (PST, UTC-8).
    let at = |local: &str| {
        chrono::DateTime::parse_from_rfc3339(&format!("2026-03-02T{local}-08:00"))
            .expect("time")
            .timestamp_millis()
    };
    let photo = daybook::demo::sample_photo(21, "2026:03:02 03:40:00");
    let texts = sms_backup::messages_file(&[
        sms_backup::sms(
            "(510) 555-0100",
            at("02:50:00"),
            1,
            "Are you okay? Call me tonight.",
            "Mom",
        ),
        sms_backup::sms(
            "+1 510-555-0142",
            at("03:14:07"),
            1,
            "You can't hide from me. I know where you work & when you leave.",
            "J",
        ),
        sms_backup::sms("5105550142", at("03:16:30"), 2, "Stop contacting me.", "J"),
        sms_backup::mms(
            "5105550142",
            at("03:40:00"),
            1,
            Some("Nice car."),
            Some(("image/jpeg", Some(photo.as_slice()))),
            &[("5105550142", 137)],
        ),
        sms_backup::sms(
            "510-555-0177",
            at("04:02:00"),
            1,
            "New number. Pick up.",
            "null",
        ),
    ]);
    let calls = sms_backup::calls_file(&[
        sms_backup::call("5105550142", at("03:20:00"), 3, 0, 1, "J"),
        sms_backup::call("", at("03:31:00"), 3, 0, 2, "null"),
        sms_backup::call("5105550142", at("03:45:00"), 1, 95, 1, "J"),
        sms_backup::call("5105550100", at("09:00:00"), 2, 300, 1, "Mom"),
    ]);
    let texts_file = dir.join("sms-20260303.xml");
    let calls_file = dir.join("calls-20260303.xml");
    std::fs::write(&texts_file, texts).expect("messages backup");
    std::fs::write(&calls_file, calls).expect("calls backup");

    // A journal with an order whose restrained person's phone is on record, and one incident
    // recorded in California (the zone the screen shows times in).
    let app = unlocked_app(
        tmp,
        "E2E-PHONE-1",
        ("Jordan Reyes", "(510) 555-0142"),
        "2026-01-10",
        "2026-02-20T18:05",
    )
    .await;

    // The screen, before anything is imported, says what happens to the rest of a backup.
    app.click("nav button[data-screen=messages]").await;
    let intro = app.text("main .intro").await;
    assert!(intro.contains("stays encrypted"), "{intro}");
    app.wait_text("#threads", "No texts or calls yet").await;

    // Both files through the native dialog; each says what it held, in the CLI's words.
    app.click("#import-backup").await;
    app.answer_file_dialog("Choose the phone backup", &texts_file, false);
    app.wait_text(
        "#import-result",
        "sms-20260303.xml: SMS Backup & Restore (Android): 5 messages and 0 calls; 5 new, 0 already in the journal",
    )
    .await;
    app.click("#import-backup").await;
    app.answer_file_dialog("Choose the phone backup", &calls_file, false);
    let result = app
        .wait_text(
            "#import-result",
            "calls-20260303.xml: SMS Backup & Restore (Android): 0 messages and 4 calls; 4 new, 0 already in the journal",
        )
        .await;
    assert!(result.contains("kept, encrypted"), "{result}");
    app.wait_text("#messages", "4 new texts and calls imported")
        .await;
    // Importing the same file again adds nothing.
    app.click("#import-backup").await;
    app.answer_file_dialog("Choose the phone backup", &calls_file, false);
    app.wait_text("#import-result", "0 new, 4 already in the journal")
        .await;

    // Threads: the restrained person's first and marked, with the last time and zone; the
    // others below, one line each, the phone's label given as its label.
    app.wait_count("#threads button.thread", 3).await;
    let first = app.text("#threads li:first-child button.thread").await;
    assert!(first.contains("Jordan Reyes"), "{first}");
    assert!(first.contains("Restrained person"), "{first}");
    assert!(first.contains("Last: Mon 2 Mar 2026, 03:45 PST"), "{first}");
    assert!(first.contains("3 texts, 3 calls"), "{first}");
    assert!(first.contains("1 from a hidden number"), "{first}");
    let all = app.text("#threads").await;
    assert!(all.contains("+1 510-555-0100"), "{all}");
    assert!(all.contains("saved in the phone as “Mom”"), "{all}");
    assert!(all.contains("+1 510-555-0177"), "{all}");
    assert!(
        app.text("#zone-note").await.contains("America/Los_Angeles"),
        "the zone is named"
    );

    let shots = std::env::var_os("DAYBOOK_SCREENSHOTS").map(std::path::PathBuf::from);
    if let Some(shots) = &shots {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        app.screenshot(&shots.join("app-messages-threads.png"))
            .await;
    }

    // Search over the texts and numbers.
    app.fill("#message-search", "tonight").await;
    app.wait_text("#thread-count", "1 conversation match").await;
    app.wait_count("#threads button.thread", 1).await;
    assert!(app.text("#threads").await.contains("+1 510-555-0100"));
    app.js("const s = document.querySelector('#message-search'); s.value = ''; s.dispatchEvent(new Event('input'))")
        .await;
    app.wait_count("#threads button.thread", 3).await;

    // The restrained person's thread: bubbles with time and zone, calls in line, the hidden
    // number's call, the picture drawn from its decrypted bytes.
    app.click("#threads li:first-child button.thread").await;
    let thread = app.wait_text("#thread", "You can't hide from me").await;
    for wanted in [
        "Mon 2 Mar 2026",
        "03:14 PST",
        "I know where you work & when you leave.",
        "Stop contacting me.",
        "Nice car.",
        "Missed call from +1 510-555-0142",
        "Missed call from a hidden number",
        "Call from +1 510-555-0142, 1:35",
    ] {
        assert!(thread.contains(wanted), "{wanted:?} in {thread}");
    }
    assert!(
        !thread.contains("Call me tonight"),
        "only his texts: {thread}"
    );
    assert_eq!(app.count("#thread li.item.text.in").await, 2);
    assert_eq!(app.count("#thread li.item.text.out").await, 1);
    assert_eq!(app.count("#thread li.item.call").await, 3);
    let mut width = serde_json::Value::Null;
    for _ in 0..100 {
        width = app
            .js("const i = document.querySelector('#thread .picture img'); return i && i.complete ? i.naturalWidth : 0")
            .await;
        if width.as_u64().unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        width.as_u64().unwrap_or(0) > 0,
        "the picture is shown: {width}"
    );
    assert_eq!(app.unlabelled_controls().await, Vec::<String>::new());
    // Choose the first text and the calls after it, for the picture and the incident.
    let pick = |n: usize| format!("#thread li.item:nth-child({n}) input.pick");
    app.click(&pick(1)).await;
    app.click(&pick(3)).await;
    app.click(&pick(4)).await;
    app.wait_text("#selection-count", "3 texts and calls selected")
        .await;
    if let Some(shots) = &shots {
        app.js("window.scrollTo(0, 0)").await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        app.screenshot(&shots.join("app-messages.png")).await;
    }
    // The conversation's own search is answered by the journal (a conversation is read a
    // page at a time): the two missed calls, then all again, the choice kept throughout.
    app.fill("#thread-search", "missed").await;
    app.wait_count("#thread li.item", 2).await;
    assert!(app
        .text("#thread")
        .await
        .contains("Missed call from a hidden number"));
    app.js("const s = document.querySelector('#thread-search'); s.value = ''; s.dispatchEvent(new Event('input'))")
        .await;
    app.wait_count("#thread li.item", 6).await;
    assert_eq!(
        app.count("#thread li.item.selected input.pick:checked")
            .await,
        3
    );
    assert_eq!(
        app.text("#selection-count").await,
        "3 texts and calls selected"
    );

    // Another number marked as his: after a confirmation it joins his thread.
    app.click("#back-to-threads").await;
    app.click("#threads button.thread[data-key=\"numbers:+15105550177\"]")
        .await;
    app.wait_text("#thread", "New number. Pick up.").await;
    app.click("#mark-number").await;
    app.click("#mark-confirm").await;
    app.wait_text(
        "#messages",
        "+1 510-555-0177 is now on record as Jordan Reyes's number",
    )
    .await;
    app.wait_count("#threads button.thread", 2).await;
    let first = app.text("#threads li:first-child button.thread").await;
    assert!(first.contains("4 texts, 3 calls"), "{first}");
    assert!(first.contains("+1 510-555-0177"), "{first}");

    // An incident from the chosen texts and calls: the editor opens on it, with the words.
    app.click("#threads li:first-child button.thread").await;
    app.wait_text("#thread", "New number. Pick up.").await;
    app.click(&pick(1)).await;
    app.click(&pick(3)).await;
    app.click(&pick(4)).await;
    app.click("#make-incident").await;
    app.wait_text("#messages", "Incident #2 made from 3 texts and calls")
        .await;
    let quotes = app
        .find("#quotes")
        .await
        .prop("value")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert!(quotes.contains("You can't hide from me."), "{quotes}");
    app.wait_text("#cited-messages", "Cites 3 texts and calls")
        .await;
    let zone = app
        .find("#zone")
        .await
        .prop("value")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert_eq!(zone, "America/Los_Angeles");

    // The text from the second number added to the first incident.
    app.click("nav button[data-screen=messages]").await;
    app.click("#threads li:first-child button.thread").await;
    app.wait_text("#thread", "New number. Pick up.").await;
    app.click(&pick(7)).await;
    app.click("#cite-incident").await;
    app.find("#cite-which").await;
    // Offered: the incidents near the chosen texts, not every incident of the journal.
    assert_eq!(
        app.text("#cite-offered").await,
        "Incidents within a month of these texts and calls."
    );
    if let Some(shots) = &shots {
        app.screenshot(&shots.join("app-messages-cite.png")).await;
    }
    app.js("const s = document.querySelector('#cite-which'); s.value = s.options[s.options.length - 1].value; s.dispatchEvent(new Event('change'))")
        .await;
    app.click("#cite-confirm").await;
    app.wait_text("#messages", "Added to incident #1").await;
    app.wait_text("#cited-messages", "Cites 1 text or call")
        .await;

    // A backup dropped on the window, as from a file manager (see `drop_on_window` for what
    // this does and does not exercise): imported, summed up, and its conversation listed.
    app.click("nav button[data-screen=messages]").await;
    app.wait_count("#threads button.thread", 2).await;
    let dropped = app.tmp.path().join("sms-20260310.xml");
    std::fs::write(
        &dropped,
        sms_backup::messages_file(&[sms_backup::sms(
            "(510) 555-0123",
            at("10:00:00"),
            1,
            "Dinner Sunday? Bring the kids.",
            "Sam",
        )]),
    )
    .expect("dropped backup");
    drop_on_window(&app, &dropped).await;
    app.wait_text(
        "#import-result",
        "sms-20260310.xml: SMS Backup & Restore (Android): 1 message and 0 calls; 1 new, 0 already in the journal",
    )
    .await;
    app.wait_text("#messages", "1 new text or call imported")
        .await;
    app.wait_count("#threads button.thread", 3).await;
    assert!(app.text("#threads").await.contains("+1 510-555-0123"));

    // A large backup (pictures sent by another number) cancelled while its progress shows:
    // the app says so, the journal holds what it held before (the same conversations and
    // count, no new encrypted file in its folder), and the screen goes on working.
    let counted = app
        .wait_text("#thread-count", "texts and calls in the journal")
        .await;
    let blobs = || {
        std::fs::read_dir(app.journal.join("blobs"))
            .expect("the journal's files")
            .count()
    };
    let kept = blobs();
    let big = app.tmp.path().join("sms-20260311-full.xml");
    let size = write_large_backup(&big, "+1 510-555-0188", 60);
    assert!(size > 100_000_000, "{size} bytes");
    app.click("#import-backup").await;
    app.answer_file_dialog("Choose the phone backup", &big, false);
    app.wait_text("#progress .label", "Importing sms-20260311-full.xml: ")
        .await;
    app.click("#progress button").await;
    app.wait_text("#messages", "Cancelled.").await;
    let said = app
        .wait_text(
            "#import-result",
            "sms-20260311-full.xml: The import was cancelled.",
        )
        .await;
    assert!(said.contains("Nothing was imported"), "{said}");
    assert_eq!(app.text("#thread-count").await, counted);
    app.wait_count("#threads button.thread", 3).await;
    assert!(
        !app.text("#threads").await.contains("510-555-0188"),
        "nothing from the cancelled file is listed"
    );
    assert_eq!(blobs(), kept, "the cancelled import left no file behind");
    assert!(!app
        .find("#progress")
        .await
        .is_displayed()
        .await
        .expect("progress shown or not"));
    app.fill("#message-search", "tonight").await;
    app.wait_text("#thread-count", "1 conversation match").await;

    // The export screen: the other conversations (his are not among them), closed and none
    // ticked. Unticked, the report prints only his texts and calls.
    app.click("nav button[data-screen=export]").await;
    assert!(app
        .text("#export-threads summary")
        .await
        .contains("Other conversations to include"));
    assert_eq!(
        app.js("return document.querySelector('#export-threads').open")
            .await,
        serde_json::json!(false)
    );
    assert_eq!(app.count("#export-threads input[type=checkbox]").await, 2);
    assert_eq!(
        app.count("#export-threads input[type=checkbox]:checked")
            .await,
        0
    );
    let heading = "Other conversations the protected person chose to include";
    let his_only = app.tmp.path().join("report-his-only.pdf");
    app.click("#export-report").await;
    app.answer_file_dialog("Save the court report", &his_only, true);
    app.wait_text("#export-result", "report-his-only.pdf").await;
    let text = flat(&pdf_text(&his_only));
    assert!(text.contains("Stop contacting me."), "{text}");
    for private in ["Call me tonight", "Dinner Sunday", heading] {
        assert!(!text.contains(private), "{private:?} printed unchosen");
    }

    // Mom's conversation ticked: printed under its own heading; Sam's, unticked, is not.
    app.click("#export-threads summary").await;
    let listed = app.text("#export-threads fieldset").await;
    assert!(
        listed.contains("“Mom”, +1 510-555-0100: 1 text, 1 call"),
        "{listed}"
    );
    assert!(
        listed.contains("“Sam”, +1 510-555-0123: 1 text"),
        "{listed}"
    );
    assert!(
        !listed.contains("510-555-0142"),
        "his are not offered: {listed}"
    );
    assert!(app
        .text("#export-threads")
        .await
        .contains("Everything else from your phone stays private"));
    assert_eq!(app.unlabelled_controls().await, Vec::<String>::new());
    app.click("#export-threads input[value=\"+15105550100\"]")
        .await;
    if let Some(shots) = &shots {
        app.js("document.querySelector('#export-threads').scrollIntoView({block: 'center'})")
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        app.screenshot(&shots.join("app-export-conversations.png"))
            .await;
    }
    let with_mom = app.tmp.path().join("report-with-mom.pdf");
    app.click("#export-report").await;
    app.answer_file_dialog("Save the court report", &with_mom, true);
    app.wait_text("#export-result", "report-with-mom.pdf").await;
    let text = flat(&pdf_text(&with_mom));
    let (his, chosen) = text
        .split_once(heading)
        .unwrap_or_else(|| panic!("{heading:?} in {text}"));
    assert!(his.contains("Stop contacting me."), "{his}");
    assert!(
        chosen.contains("Are you okay? Call me tonight."),
        "{chosen}"
    );
    assert!(!text.contains("Dinner Sunday"), "Sam's was not chosen");
    app.close().await;
}

/// Issue 15 in the real app: a WhatsApp chat export chosen in the file dialog asks in one
/// dialog what the file cannot say (the phone's zone, which sender is the person, how the phone
/// writes dates, who the other sender is), then the hour the clocks went back, and imports it
/// into the restrained person's conversation only as stated; an encrypted iPhone backup folder
/// chosen in the folder dialog asks for its password (a wrong one is said so, and asked again)
/// and is imported database by database; the same backup unencrypted, dropped on the window,
/// adds nothing.
#[tokio::test(flavor = "multi_thread")]
async fn whatsapp_chat_questions_answered_and_iphone_folder_imported() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    // Every date could be day or month first; the hour after 01:00 on 1 November 2026
    // happened twice in Los Angeles.
    let chat = dir.join("WhatsApp Chat with Marcus.txt");
    std::fs::write(
        &chat,
        "01/11/2026, 01:20 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.\n\
         01/11/2026, 01:25 - Marcus: You can't hide from me\n\
         01/11/2026, 01:40 - Dana: Stop writing to me\n\
         01/11/2026, 01:41 - Marcus: I'm outside your building\n",
    )
    .expect("chat export");
    let backup = dir.join("00008110-001A2B3C4D5E6F70");
    crate::iphone_backup::sample(&backup);
    let encrypted = dir.join("encrypted").join("00008110-001A2B3C4D5E6F70");
    crate::iphone_backup::encrypted_copy(
        &backup,
        &encrypted,
        crate::iphone_backup::BACKUP_PASSWORD,
    );

    let app = unlocked_app(
        tmp,
        "E2E-CHAT-1",
        ("Marcus Ellison", "+1 555-123-0001"),
        "2024-01-10",
        "2026-10-20T18:05",
    )
    .await;
    app.click("nav button[data-screen=messages]").await;
    app.wait_text("#threads", "No texts or calls yet").await;

    // The chat: one dialog with its questions, answered as the person would.
    app.click("#import-backup").await;
    app.answer_file_dialog("Choose the phone backup", &chat, false);
    let asked = app
        .wait_text(
            "dialog.chat-questions",
            "WhatsApp chat: WhatsApp Chat with Marcus.txt",
        )
        .await;
    assert!(asked.contains("3 messages from 2 senders"), "{asked}");
    assert!(
        asked.contains("01/11/2026"),
        "the date it cannot read: {asked}"
    );
    assert!(asked.contains("Who is “Marcus”?"), "{asked}");
    let answers = app
        .js("const d = document.querySelector('dialog.chat-questions');
             const v = (s) => d.querySelector(s).value;
             return [v('input[id$=-zone]'), v('select[id$=-me]'), v('select[id$=-order]')];")
        .await;
    assert_eq!(
        answers,
        serde_json::json!(["America/Los_Angeles", "Dana", ""]),
        "the zone of the latest incident, the sender the chat is not named after, no date order guessed"
    );
    assert!(app.unlabelled_controls().await.is_empty());
    if let Some(shots) = std::env::var_os("DAYBOOK_SCREENSHOTS") {
        let shots = std::path::PathBuf::from(shots);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        app.screenshot(&shots.join("app-chat-questions.png")).await;
    }
    app.js("const d = document.querySelector('dialog.chat-questions');
         const set = (s, pick) => { const el = d.querySelector(s);
           el.value = [...el.options].find(pick).value; el.dispatchEvent(new Event('change')); };
         set('select[id$=-order]', (o) => o.value === 'day-first');
         set('select[id$=-with]', (o) => o.textContent.includes('Marcus Ellison'));
         return null;")
        .await;
    app.click("dialog.chat-questions button[value=ok]").await;
    // 01:25 on 1 November happened twice: asked, answered "the second" (PST, after 02:00 PDT).
    let hour = app
        .wait_text("#repeated-hour-dialog", "an hour that happened twice")
        .await;
    assert!(
        hour.contains("between 01:00 and 02:00 on 2026-11-01"),
        "{hour}"
    );
    app.click("#repeated-second").await;
    let result = app
        .wait_text(
            "#import-result",
            "WhatsApp Chat with Marcus.txt: WhatsApp chat export: 3 messages and 0 calls; 3 new",
        )
        .await;
    assert!(!result.contains("hour that happened twice"), "{result}");
    app.wait_text("#messages", "3 new texts and calls imported")
        .await;

    // His conversation holds the chat, as stated, with its times as the phone showed them.
    let first = app
        .wait_text("#threads li:first-child button.thread", "Marcus Ellison")
        .await;
    assert!(first.contains("3 texts"), "{first}");
    app.click("#threads li:first-child button.thread").await;
    let thread = app.wait_text("main", "You can't hide from me").await;
    assert!(thread.contains("01:25 PST"), "the second 01:25: {thread}");
    assert!(thread.contains("WhatsApp"), "{thread}");
    assert!(thread.contains("time as shown on the phone"), "{thread}");
    let source = app
        .js("return document.querySelector('li.item').title")
        .await;
    assert_eq!(source, "From WhatsApp Chat with Marcus.txt, line 2");
    app.click("nav button[data-screen=messages]").await;

    // The encrypted iPhone backup folder, in the folder dialog: its password asked for, a
    // wrong one said so and asked again; then one line per database read.
    app.click("#import-iphone").await;
    app.answer_folder_dialog("Choose the iPhone backup folder", &encrypted);
    app.wait_text("#backup-password-dialog", "an encrypted iPhone backup")
        .await;
    assert!(app.unlabelled_controls().await.is_empty());
    app.fill("#backup-password", "not the password").await;
    app.click("#backup-password-ok").await;
    app.wait_text(
        "#backup-password-dialog",
        "The backup password is not right",
    )
    .await;
    if let Some(shots) = std::env::var_os("DAYBOOK_SCREENSHOTS") {
        let shots = std::path::PathBuf::from(shots);
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        app.screenshot(&shots.join("app-backup-password.png")).await;
    }
    app.fill("#backup-password", crate::iphone_backup::BACKUP_PASSWORD)
        .await;
    app.click("#backup-password-ok").await;
    let result = app
        .wait_text(
            "#import-result",
            "00008110-001A2B3C4D5E6F70: sms.db: iPhone backup:",
        )
        .await;
    assert!(
        result.contains("00008110-001A2B3C4D5E6F70: CallHistory.storedata: iPhone backup:"),
        "{result}"
    );
    assert!(result.contains("voicemail.db"), "{result}");
    assert!(!result.contains("could not"), "{result}");
    app.click("#threads li:first-child button.thread").await;
    let thread = app.wait_text("main", "I know where you live").await;
    assert!(thread.contains("iMessage"), "{thread}");
    assert!(thread.contains("edited"), "{thread}");
    assert!(
        thread.contains("You can't hide from me"),
        "one conversation: {thread}"
    );
    let rows = app
        .js("return [...document.querySelectorAll('li.item')].map((li) => li.title).filter((t) => t.includes('sms.db'))")
        .await;
    assert!(
        rows.as_array().is_some_and(|r| r
            .iter()
            .any(|t| t.as_str().is_some_and(|t| t.contains("sms.db, row ")))),
        "{rows}"
    );
    app.click("nav button[data-screen=messages]").await;

    // The same backup unencrypted, dropped on the window (as from a file manager), adds
    // nothing: its databases are the ones the password opened.
    drop_on_window(&app, &backup).await;
    // (The folder has the encrypted one's name: the summary changes when the import ends.)
    let again = app
        .wait_text("#import-result", "This exact file was imported before")
        .await;
    assert!(
        again.contains("00008110-001A2B3C4D5E6F70: sms.db: iPhone backup: 12 messages and 0 calls; 0 new, 12 already in the journal"),
        "{again}"
    );
    app.close().await;
}

/// The app, unlocked, on a journal with a no-contact order from California against
/// `respondent` (name, phone) issued on `issued_on`, and one incident recorded in Los Angeles
/// at `incident_at` (whose zone the screens start from).
async fn unlocked_app(
    tmp: tempfile::TempDir,
    case_number: &str,
    (respondent, phone): (&str, &str),
    issued_on: &str,
    incident_at: &str,
) -> App {
    use daybook::journal::{Journal, KdfCost};
    use daybook::model::{IncidentInput, OrderInput};
    use secrecy::SecretString;

    let journal = tmp.path().join("journal");
    let passphrase = SecretString::from(PASSPHRASE.to_string());
    let (mut j, _) = Journal::create(&journal, &passphrase, KdfCost::LogN(17)).expect("create");
    let order: OrderInput = serde_json::from_value(serde_json::json!({
        "kind": "after_hearing",
        "court": "Superior Court of California, County of Alameda",
        "state": "CA",
        "case_number": case_number,
        "issued_on": issued_on,
        "expires_on": "2029-01-10",
        "petitioner": "Dana R. Ellison",
        "respondent": { "name": respondent, "phones": [phone] },
        "terms": [{ "type": "no_contact", "direct": true, "indirect": true }],
    }))
    .expect("order input");
    let order = j.add_order(&order).expect("order");
    let incident: IncidentInput = serde_json::from_value(serde_json::json!({
        "occurred_at": incident_at,
        "timezone": "America/Los_Angeles",
        "kinds": ["came_within_distance"],
        "description": "Parked across from my work.",
        "order_id": order.id,
    }))
    .expect("incident input");
    j.add_incident(&incident).expect("incident");
    j.lock();

    let app = App::start_with(tmp, journal, &[]).await;
    app.client
        .set_window_size(1100, 1300)
        .await
        .expect("window size");
    app.fill("#passphrase", PASSPHRASE).await;
    app.click("#unlock-button").await;
    app.wait_text("#count", "1 incident").await;
    app
}
