//! Editing orders and people, and per-journal settings, through the library (the desktop app's
//! path), checked against the chain with `daybook verify`.

mod util;

use daybook::journal::{Journal, JournalError, KdfCost, Settings};
use daybook::model::{OrderInput, PersonInput};
use secrecy::SecretString;
use util::{TestDir, PASSPHRASE};

fn order_json() -> serde_json::Value {
    serde_json::json!({
        "kind": "temporary",
        "court": "Superior Court of California, County of Alameda",
        "state": "CA",
        "case_number": "24DV001234",
        "issued_on": "2026-03-01",
        "expires_on": "2026-03-22",
        "respondent": {"name": "Jordan Reyes", "vehicle": "grey Honda Civic"},
        "terms": [{"type": "no_contact"}, {"type": "stay_away", "distance": 100, "places": ["home"]}]
    })
}

#[test]
fn orders_and_people_can_be_edited_and_the_chain_still_verifies() {
    let dir = TestDir::new();
    let passphrase = SecretString::from(PASSPHRASE.to_string());
    let (mut journal, _recovery) =
        Journal::create(&dir.journal, &passphrase, KdfCost::LogN(17)).expect("create");
    let input: OrderInput = serde_json::from_value(order_json()).expect("order input");
    let order = journal.add_order(&input).expect("add order");

    let mut changed = order_json();
    changed["expires_on"] = "2029-04-15".into();
    changed["kind"] = "after_hearing".into();
    changed["respondent"] = order.respondent_id.clone().expect("respondent").into();
    let changed: OrderInput = serde_json::from_value(changed).expect("edited input");
    let edited = journal.edit_order(&order.id, &changed).expect("edit order");
    assert_eq!(edited.id, order.id);
    assert_eq!(edited.created_at, order.created_at);
    assert_eq!(edited.expires_on.as_deref(), Some("2029-04-15"));
    assert_eq!(journal.orders().expect("orders"), vec![edited.clone()]);
    assert!(matches!(
        journal.edit_order(&order.id, &changed),
        Err(JournalError::NothingChanged)
    ));

    let respondent_id = order.respondent_id.expect("respondent");
    let mut person: PersonInput = journal.person(&respondent_id).expect("person").details;
    person.description = Some("5'10\", short dark hair, tattoo on left forearm".into());
    let person = journal
        .edit_person(&respondent_id, &person)
        .expect("edit person");
    assert_eq!(
        journal
            .person(&respondent_id)
            .expect("person")
            .details
            .description,
        person.details.description
    );
    let bad = PersonInput {
        name: "  ".into(),
        ..person.details.clone()
    };
    assert!(journal.edit_person(&respondent_id, &bad).is_err());
    assert_eq!(journal.person(&respondent_id).expect("person"), person);

    let history = journal
        .history(daybook::journal::revisions::Entity::Order, &order.id)
        .expect("history");
    assert_eq!(history.len(), 2, "the first version stays in the chain");
    journal.lock();
    dir.ok(&["verify"], "");
}

#[test]
fn settings_default_are_checked_and_survive_a_lock() {
    let dir = TestDir::new();
    let passphrase = SecretString::from(PASSPHRASE.to_string());
    let (mut journal, _) =
        Journal::create(&dir.journal, &passphrase, KdfCost::LogN(17)).expect("create");
    assert_eq!(journal.settings().expect("settings"), Settings::default());
    assert_eq!(Settings::default().idle_lock_minutes, 5);
    assert_eq!(Settings::default().renewal_window_days, 90);
    let never = Settings {
        idle_lock_minutes: 0,
        renewal_window_days: 90,
    };
    assert!(journal.set_settings(&never).is_err());
    let wanted = Settings {
        idle_lock_minutes: 2,
        renewal_window_days: 30,
    };
    journal.set_settings(&wanted).expect("set");
    journal.lock();
    let (journal, _) = Journal::open(
        &dir.journal,
        daybook::journal::Unlock::Passphrase(&passphrase),
    )
    .expect("open");
    assert_eq!(journal.settings().expect("settings"), wanted);
}

#[test]
fn the_current_passphrase_is_checked_before_a_change() {
    let dir = TestDir::new();
    let passphrase = SecretString::from(PASSPHRASE.to_string());
    let (journal, _) =
        Journal::create(&dir.journal, &passphrase, KdfCost::LogN(17)).expect("create");
    journal
        .check_passphrase(&passphrase)
        .expect("the right one");
    let wrong = SecretString::from("not the passphrase".to_string());
    let error = journal.check_passphrase(&wrong).expect_err("a wrong one");
    assert!(error.to_string().contains("passphrase"), "{error}");
}
