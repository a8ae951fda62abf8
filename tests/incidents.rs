//! Recording, amending, deleting, listing and searching incidents through the CLI.

mod util;

use serde_json::json;
use util::{incident, TestDir};

fn order_json() -> serde_json::Value {
    json!({
        "kind": "after_hearing",
        "court": "Superior Court of California, County of Alameda",
        "state": "CA",
        "case_number": "HF26-014327",
        "issued_on": "2026-01-15",
        "served_on": "2026-01-15",
        "expires_on": "2029-01-15",
        "respondent": {"name": "Marcus Ellison", "vehicle": "Black F-150", "phones": ["510-555-0199"]},
        "protected_persons": [{"name": "Dana Ellison", "addresses": ["1418 Linden St"]}],
        "terms": [
            {"type": "stay_away", "distance": 100, "unit": "yards", "places": ["home", "work"]},
            {"type": "no_contact"},
            {"type": "no_firearms"},
            {"type": "other", "text": "No posts about the protected person"}
        ]
    })
}

#[test]
fn list_is_chronological_by_occurrence_not_by_entry() {
    let t = TestDir::new();
    t.init();
    t.add_incident(&incident("2026-04-10T09:00", "third"));
    t.add_incident(&incident("2026-02-01T18:30", "first"));
    t.add_incident(&incident("2026-03-15T12:00", "second"));
    // Same wall-clock time, different zones: New York's 10:00 came before Los Angeles' 08:00.
    t.add_incident(&json!({"occurred_at": "2026-05-01T08:00", "timezone": "America/Los_Angeles", "description": "fifth (LA 08:00 = 15:00Z)"}));
    t.add_incident(&json!({"occurred_at": "2026-05-01T10:00", "timezone": "America/New_York", "description": "fourth (NY 10:00 = 14:00Z)"}));
    let list = t.list_json();
    let descriptions: Vec<&str> = list
        .iter()
        .map(|i| i["description"].as_str().unwrap())
        .collect();
    assert_eq!(
        descriptions,
        [
            "first",
            "second",
            "third",
            "fourth (NY 10:00 = 14:00Z)",
            "fifth (LA 08:00 = 15:00Z)"
        ]
    );
    // Numbers follow entry order and never change.
    let numbers: Vec<i64> = list.iter().map(|i| i["number"].as_i64().unwrap()).collect();
    assert_eq!(numbers, [2, 3, 1, 5, 4]);
    // Recorded-at comes from the clock, not from the input.
    let recorded = list[0]["recorded_at"].as_str().unwrap();
    assert!(
        recorded.starts_with("20") && recorded.ends_with('Z'),
        "{recorded}"
    );
}

#[test]
fn times_store_instant_zone_and_offset() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&json!({
        "occurred_at": "2026-03-04T21:15", "ended_at": "2026-03-04T21:40",
        "timezone": "America/Los_Angeles", "approximate": true, "description": "x"
    }));
    let shown: serde_json::Value =
        serde_json::from_str(&t.ok(&["incident", "show", &id, "--json"], "")).unwrap();
    assert_eq!(shown["occurred"]["utc"], "2026-03-05T05:15:00Z");
    assert_eq!(shown["occurred"]["utc_offset"], "-08:00");
    assert_eq!(shown["occurred"]["abbreviation"], "PST");
    assert_eq!(shown["occurred"]["timezone"], "America/Los_Angeles");
    assert_eq!(shown["ended"]["utc"], "2026-03-05T05:40:00Z");
    assert_eq!(shown["approximate"], true);
}

#[test]
fn dst_gap_and_overlap_are_refused_with_the_choices_and_nothing_is_saved() {
    let t = TestDir::new();
    t.init();
    let overlap = json!({"occurred_at": "2025-11-02T01:30", "timezone": "America/New_York", "description": "x"});
    let err = t.fails(&["incident", "add", "--json", "-"], &overlap.to_string());
    assert!(err.contains("happened twice"), "{err}");
    assert!(
        err.contains("01:30 EDT") && err.contains("01:30 EST"),
        "{err}"
    );
    assert!(
        err.contains("2025-11-02T01:30-04:00") && err.contains("2025-11-02T01:30-05:00"),
        "{err}"
    );
    let gap = json!({"occurred_at": "2026-03-08T02:30", "timezone": "America/New_York", "description": "x"});
    let err = t.fails(&["incident", "add", "--json", "-"], &gap.to_string());
    assert!(
        err.contains("did not exist") && err.contains("01:30 EST") && err.contains("03:30 EDT"),
        "{err}"
    );
    assert!(t.list_json().is_empty());
    // Picking a side with the offset works.
    let picked = json!({"occurred_at": "2025-11-02T01:30-05:00", "timezone": "America/New_York", "description": "second 01:30"});
    let id = t.add_incident(&picked);
    let shown: serde_json::Value =
        serde_json::from_str(&t.ok(&["incident", "show", &id, "--json"], "")).unwrap();
    assert_eq!(shown["occurred"]["utc"], "2025-11-02T06:30:00Z");
    assert_eq!(shown["occurred"]["abbreviation"], "EST");
}

#[test]
fn impossible_future_and_unknown_zone_times_are_refused() {
    let t = TestDir::new();
    t.init();
    for (input, expected) in [
        (
            json!({"occurred_at": "2026-02-30T10:00", "timezone": "UTC", "description": "x"}),
            "is not a date and time",
        ),
        (
            json!({"occurred_at": "2026-01-01T10:00", "timezone": "Mars/Olympus_Mons", "description": "x"}),
            "is not a time zone name",
        ),
        (
            json!({"occurred_at": "2099-01-01T10:00", "timezone": "UTC", "description": "x"}),
            "is in the future",
        ),
        (
            json!({"occurred_at": "2026-01-01T10:00", "ended_at": "2026-01-01T09:00", "timezone": "UTC", "description": "x"}),
            "before the start",
        ),
    ] {
        let err = t.fails(&["incident", "add", "--json", "-"], &input.to_string());
        assert!(err.contains(expected), "{input}: {err}");
    }
    assert!(t.list_json().is_empty());
}

#[test]
fn malformed_json_and_unknown_fields_get_clear_errors() {
    let t = TestDir::new();
    t.init();
    let err = t.fails(&["incident", "add", "--json", "-"], "{\"occurred_at\": ");
    assert!(
        err.contains("The JSON in standard input is not valid"),
        "{err}"
    );
    let err = t.fails(&["incident", "add", "--json", "-"], &json!({"occurred_at": "2026-01-01T10:00", "timezone": "UTC", "description": "x", "colour": "red"}).to_string());
    assert!(err.contains("unknown field `colour`"), "{err}");
    let err = t.fails(&["incident", "add", "--json", "-"], &json!({"occurred_at": "2026-01-01T10:00", "timezone": "UTC", "description": "x", "kinds": ["texting"]}).to_string());
    assert!(err.contains("unknown variant `texting`"), "{err}");
    let err = t.fails(
        &["incident", "add", "--json", "-"],
        &json!({"occurred_at": "2026-01-01T10:00", "timezone": "UTC", "description": "   "})
            .to_string(),
    );
    assert!(err.contains("Describe what happened"), "{err}");
    let err = t.fails(
        &[
            "incident",
            "add",
            "--json",
            t.path("missing.json").to_str().unwrap(),
        ],
        "",
    );
    assert!(err.contains("Could not read"), "{err}");
    assert!(t.list_json().is_empty());
}

#[test]
fn huge_and_control_character_text_is_refused_and_nothing_changes() {
    let t = TestDir::new();
    t.init();
    let before = t.journal_files();
    let huge = "a".repeat(10 * 1024 * 1024);
    let err = t.fails(
        &["incident", "add", "--json", "-"],
        &incident("2026-01-01T10:00", &huge).to_string(),
    );
    assert!(err.contains("too long"), "{}", &err[..err.len().min(300)]);
    let err = t.fails(
        &["incident", "add", "--json", "-"],
        &incident("2026-01-01T10:00", "bell\u{7}here").to_string(),
    );
    assert!(err.contains("control characters"), "{err}");
    // The database file is byte-for-byte what it was (the lock file aside).
    let after = t.journal_files();
    assert_eq!(util::db_bytes(&before), util::db_bytes(&after));
}

#[test]
fn unicode_text_round_trips_exactly() {
    let t = TestDir::new();
    t.init();
    let description = "Me siguió hasta la tienda. Dijo «ya verás» 😡🚗 — señora Núñez lo vio. 你好";
    let quote = "¿Por qué no contestas? Te estoy viendo 👀";
    let id = t.add_incident(&json!({
        "occurred_at": "2026-06-01T19:05", "timezone": "Europe/Madrid",
        "description": description, "quotes": [quote],
        "location": "Calle de Alcalá 42, Madrid",
        "witnesses": [{"name": "José Ñúñez", "contact": "+34 600 000 000"}]
    }));
    let shown: serde_json::Value =
        serde_json::from_str(&t.ok(&["incident", "show", &id, "--json"], "")).unwrap();
    assert_eq!(shown["description"], description);
    assert_eq!(shown["quotes"][0], quote);
    assert_eq!(shown["witnesses"][0]["name"], "José Ñúñez");
    assert_eq!(shown["occurred"]["abbreviation"], "CEST");
}

#[test]
fn edit_appends_a_revision_marks_amended_and_keeps_recorded_at() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "He called twice"));
    let before: serde_json::Value =
        serde_json::from_str(&t.ok(&["incident", "show", &id, "--json"], "")).unwrap();
    assert_eq!(before["amended"], false);
    let edited = t.ok(&["incident", "edit", &id, "--json", "-"], &json!({"description": "He called three times", "police": {"agency": "Oakland PD", "report_number": "26-031337"}}).to_string());
    assert_eq!(edited, id);
    let after: serde_json::Value =
        serde_json::from_str(&t.ok(&["incident", "show", &id, "--json"], "")).unwrap();
    assert_eq!(after["amended"], true);
    assert_eq!(after["description"], "He called three times");
    assert_eq!(after["recorded_at"], before["recorded_at"]);
    assert_eq!(
        after["location"], "Home",
        "fields not named in the patch stay"
    );
    assert_eq!(after["police"]["report_number"], "26-031337");
    // null clears a field; edits by number work too.
    t.ok(
        &["incident", "edit", "1", "--json", "-"],
        &json!({"police": null}).to_string(),
    );
    let cleared: serde_json::Value =
        serde_json::from_str(&t.ok(&["incident", "show", "#1", "--json"], "")).unwrap();
    assert!(cleared["police"].is_null());
    // An edit that changes nothing is refused rather than marking the entry amended again.
    let err = t.fails(
        &["incident", "edit", &id, "--json", "-"],
        &json!({"description": "He called three times"}).to_string(),
    );
    assert!(err.contains("changes nothing"), "{err}");
    // The chain has create + 2 edits for the incident, and verify is happy.
    let verify = t.ok(&["verify"], "");
    assert!(verify.starts_with("OK: 3 revisions"), "{verify}");
}

#[test]
fn changing_only_the_zone_rereads_the_same_clock_time() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "x"));
    t.ok(
        &["incident", "edit", &id, "--json", "-"],
        &json!({"timezone": "America/New_York"}).to_string(),
    );
    let shown: serde_json::Value =
        serde_json::from_str(&t.ok(&["incident", "show", &id, "--json"], "")).unwrap();
    assert_eq!(shown["occurred"]["local"], "2026-03-04T21:15:00");
    assert_eq!(shown["occurred"]["utc"], "2026-03-05T02:15:00Z");
}

#[test]
fn delete_is_a_tombstone_with_a_reason() {
    let t = TestDir::new();
    t.init();
    let keep = t.add_incident(&incident("2026-03-04T21:15", "keep me"));
    let gone = t.add_incident(&incident("2026-03-05T21:15", "entered twice"));
    let err = t.fails(&["incident", "delete", &gone, "--reason", " "], "");
    assert!(err.contains("Say why"), "{err}");
    t.ok(
        &[
            "incident",
            "delete",
            &gone,
            "--reason",
            "Duplicate of the entry before",
        ],
        "",
    );
    let ids: Vec<String> = t
        .list_json()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, [keep]);
    assert!(t.ok(&["search", "twice"], "").contains("No incidents"));
    let err = t.fails(
        &["incident", "edit", &gone, "--json", "-"],
        &json!({"description": "y"}).to_string(),
    );
    assert!(err.contains("deleted"), "{err}");
    let verify = t.ok(&["verify"], "");
    assert!(
        verify.starts_with("OK: 3 revisions, 1 incidents"),
        "{verify}"
    );
}

#[test]
fn orders_terms_and_people_are_recorded_and_incidents_reference_terms() {
    let t = TestDir::new();
    t.init();
    let order_id = t.ok(&["order", "add", "--json", "-"], &order_json().to_string());
    let orders: serde_json::Value =
        serde_json::from_str(&t.ok(&["order", "list", "--json"], "")).unwrap();
    let order = &orders[0];
    assert_eq!(order["id"], order_id.as_str());
    assert_eq!(order["kind"], "after_hearing");
    let term_ids: Vec<&str> = order["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(term_ids, ["T1", "T2", "T3", "T4"]);
    let text = t.ok(&["order", "list"], "");
    assert!(
        text.contains("T1: Stay at least 100 yards away from: home, work"),
        "{text}"
    );
    let people: serde_json::Value =
        serde_json::from_str(&t.ok(&["person", "list", "--json"], "")).unwrap();
    let roles: Vec<&str> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles.len(), 2);
    assert!(roles.contains(&"restrained") && roles.contains(&"protected"));
    assert_eq!(
        order["respondent_id"],
        people
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["role"] == "restrained")
            .unwrap()["id"]
    );

    let mut with_term = incident("2026-03-04T21:15", "Parked outside my work");
    with_term["order_id"] = json!(order_id);
    with_term["term"] = json!("t1");
    let id = t.add_incident(&with_term);
    let shown: serde_json::Value =
        serde_json::from_str(&t.ok(&["incident", "show", &id, "--json"], "")).unwrap();
    assert_eq!(shown["term"], "T1");
    with_term["term"] = json!("T9");
    let err = t.fails(&["incident", "add", "--json", "-"], &with_term.to_string());
    assert!(
        err.contains("no term \"T9\"") && err.contains("T1, T2, T3, T4"),
        "{err}"
    );
    with_term["order_id"] = json!("no-such-order");
    let err = t.fails(&["incident", "add", "--json", "-"], &with_term.to_string());
    assert!(
        err.contains("There is no order with id no-such-order"),
        "{err}"
    );
    // A witness added on its own.
    let witness = t.ok(
        &["person", "add", "--json", "-"],
        &json!({"role": "witness", "name": "Alicia Moreno"}).to_string(),
    );
    assert!(!witness.is_empty());
    let bad = json!({"kind": "after_hearing", "court": "X", "state": "CA", "case_number": "1", "issued_on": "2026-13-01"});
    let err = t.fails(&["order", "add", "--json", "-"], &bad.to_string());
    assert!(
        err.contains("issued_on \"2026-13-01\" is not a date"),
        "{err}"
    );
}

#[test]
fn search_finds_words_in_every_field_ignoring_accents_and_case() {
    let t = TestDir::new();
    t.init();
    let a = t.add_incident(&json!({
        "occurred_at": "2026-03-04T21:15", "timezone": "UTC",
        "description": "Me amenazó por teléfono", "location": "Parque Central"
    }));
    let b = t.add_incident(&json!({
        "occurred_at": "2026-03-05T21:15", "timezone": "UTC", "description": "Truck outside",
        "quotes": ["I'm watching you 👀"], "police": {"agency": "Oakland PD", "report_number": "26-031337"}
    }));
    let ids = |text: &str| -> Vec<String> {
        let out = t.ok(&["search", text, "--json"], "");
        let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
        list.iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("amenazo"), [a.as_str()]);
    assert_eq!(ids("TELEFONO"), [a.as_str()]);
    assert_eq!(ids("parque"), [a.as_str()]);
    assert_eq!(ids("watching"), [b.as_str()]);
    assert_eq!(ids("26-031337"), [b.as_str()]);
    assert_eq!(ids("watch"), [b.as_str()], "prefix match while typing");
    assert!(ids("nothing-like-this").is_empty());
    // FTS syntax typed by a person is just words.
    assert!(ids("\"NOT* OR (").is_empty());
    let err = t.fails(&["search", " -- "], "");
    assert!(err.contains("Type a word"), "{err}");
}

#[test]
fn filters_by_date_kind_and_police_report() {
    let t = TestDir::new();
    t.init();
    t.add_incident(&json!({"occurred_at": "2026-01-10T10:00", "timezone": "UTC", "kinds": ["phone_call"], "description": "a"}));
    t.add_incident(&json!({"occurred_at": "2026-02-10T10:00", "timezone": "UTC", "kinds": ["text_message"], "description": "b", "police": {"agency": "PD"}}));
    t.add_incident(&json!({"occurred_at": "2026-03-10T10:00", "timezone": "UTC", "kinds": ["text_message", "threat"], "description": "c"}));
    let list = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["list", "--json"];
        all.extend_from_slice(args);
        let out = t.ok(&all, "");
        let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
        list.iter()
            .map(|i| i["description"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(list(&["--from", "2026-02-01"]), ["b", "c"]);
    assert_eq!(list(&["--to", "2026-02-10"]), ["a", "b"]);
    assert_eq!(list(&["--kind", "text_message"]), ["b", "c"]);
    assert_eq!(list(&["--reported"]), ["b"]);
    assert_eq!(list(&["--not-reported"]), ["a", "c"]);
    let err = t.fails(&["list", "--kind", "texting"], "");
    assert!(err.contains("unknown kind"), "{err}");
}

#[test]
fn text_list_shows_marks_people_read() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&json!({"occurred_at": "2026-02-10T21:05", "timezone": "America/Chicago", "approximate": true, "kinds": ["voicemail"], "description": "Left a voicemail", "police": {"agency": "PD"}}));
    t.ok(
        &["incident", "edit", &id, "--json", "-"],
        &json!({"description": "Left two voicemails"}).to_string(),
    );
    let text = t.ok(&["list"], "");
    assert!(text.starts_with("#1    2026-02-10 21:05 ~CST"), "{text}");
    assert!(
        text.contains("Voicemail") && text.contains("[police, amended]"),
        "{text}"
    );
}

#[test]
fn future_end_times_are_refused_and_named_as_the_end() {
    let t = TestDir::new();
    t.init();
    let err = t.fails(
        &["incident", "add", "--json", "-"],
        &json!({"occurred_at": "2026-03-01T10:00", "ended_at": "2099-01-01T10:00", "timezone": "UTC", "description": "x"}).to_string(),
    );
    assert!(
        err.contains("The end time (ended_at)") && err.contains("in the future"),
        "{err}"
    );
}

#[test]
fn show_prints_every_field_and_marks_deleted_incidents() {
    let t = TestDir::new();
    t.init();
    let order = t.ok(
        &["order", "add", "--json", "-"],
        &json!({"kind": "temporary", "court": "Court", "state": "TX", "case_number": "C-1", "issued_on": "2026-01-01",
                "terms": [{"type": "no_contact"}]})
        .to_string(),
    );
    let id = t.add_incident(&json!({
        "occurred_at": "2026-03-01T10:00", "timezone": "America/Chicago", "description": "Called me",
        "order_id": order, "term": "T1", "impact": "Could not sleep",
        "witnesses": [{"name": "Ana", "saw": "Heard the call on speaker"}],
        "police": {"agency": "Austin PD", "officer": "Officer Ruiz", "badge": "881", "report_number": "R-5", "outcome": "Report taken"}
    }));
    let text = t.ok(&["incident", "show", &id], "");
    for expected in [
        "Order:     Temporary (ex parte) order, case C-1",
        "Term:      T1: No contact",
        "Impact:    Could not sleep",
        "saw: Heard the call on speaker",
        "Officer: Officer Ruiz",
        "Badge: 881",
        "Outcome: Report taken",
    ] {
        assert!(text.contains(expected), "{expected} missing:\n{text}");
    }
    t.ok(&["incident", "delete", &id, "--reason", "Wrong person"], "");
    let text = t.ok(&["incident", "show", &id], "");
    assert!(
        text.starts_with("DELETED on ") && text.contains("reason: Wrong person"),
        "{text}"
    );
    let shown: serde_json::Value =
        serde_json::from_str(&t.ok(&["incident", "show", &id, "--json"], "")).unwrap();
    assert_eq!(shown["deleted"]["reason"], "Wrong person");
}

#[test]
fn search_takes_several_words_without_quotes() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&json!({"occurred_at": "2026-03-01T10:00", "timezone": "UTC", "description": "Gritó junto al coche"}));
    let out = t.ok(&["search", "coche", "grito", "--json"], "");
    assert!(out.contains(&id), "{out}");
}

#[test]
fn a_typo_inside_an_inline_person_names_the_field() {
    let t = TestDir::new();
    t.init();
    let err = t.fails(
        &["order", "add", "--json", "-"],
        &json!({"kind": "temporary", "court": "C", "state": "CA", "case_number": "1", "issued_on": "2026-01-01", "respondent": {"nmae": "x"}}).to_string(),
    );
    assert!(err.contains("in a person: unknown field `nmae`"), "{err}");
    let err = t.fails(&["incident", "add", "--json", "-"], "  \n");
    assert!(err.contains("Standard input is empty"), "{err}");
}

#[test]
fn history_lists_every_version_with_its_kind_of_change() {
    let t = TestDir::new();
    t.init();
    let id = t.add_incident(&incident("2026-03-04T21:15", "first words"));
    t.ok(
        &["incident", "edit", "1", "--json", "-"],
        &json!({"description": "second words"}).to_string(),
    );
    t.ok(
        &["incident", "delete", "1", "--reason", "Entered twice"],
        "",
    );
    let text = t.ok(&["incident", "history", &id], "");
    let kinds: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("Revision"))
        .map(|l| l.rsplit("UTC  ").next().unwrap())
        .collect();
    assert_eq!(kinds, ["first recorded", "amended", "deleted"], "{text}");
    assert!(text.contains("reason: Entered twice"), "{text}");
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&t.ok(&["incident", "history", "1", "--json"], "")).unwrap();
    assert_eq!(json.len(), 3);
    assert!(
        json[0]["body"].as_str().unwrap().contains("first words"),
        "the original text is kept"
    );
}
