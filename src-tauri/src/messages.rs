//! "Messages and calls": texts and calls imported from the phone's backups (issue 14). Import
//! (native dialog or drop, with progress and Cancel), threads by the other party with the
//! restrained person's first, one thread's texts and calls with local time and zone, marking a
//! number as the restrained person's, incidents made from (or citing) chosen ones, and the
//! other conversations the person may choose to add to a court report or packet.
//!
//! Split from commands.rs by concept; the same rules hold (every name is in command_names.rs,
//! paths come only from a dialog or a drop, answers are sentences a person can act on). The
//! whole backup never crosses to the window at once: the thread list carries counts and the
//! last time, and a thread's texts are sent only when the person opens it.

use std::collections::BTreeMap;

use daybook::journal::{
    time, Communication, CommunicationFilter, IncidentFilter, Journal, JournalError,
};
use daybook::model::PersonRole;
use daybook::phone::numbers;
use serde::Serialize;
use tauri::State;

use crate::commands::{with_journal, Answer};
use crate::state::AppState;

// ---------------------------------------------------------------------------------------------
// Threads

/// The zone times are shown in: the latest incident's (the app records incidents in the zone
/// where they happened), else the computer's, which the window sends.
pub(crate) struct Zone {
    pub(crate) name: String,
    from_incidents: bool,
}

pub(crate) fn display_zone(
    journal: &Journal,
    computer: Option<&str>,
) -> Result<Zone, JournalError> {
    let latest = journal
        .incidents(&IncidentFilter::default())?
        .into_iter()
        .rfind(|i| i.deleted.is_none())
        .map(|i| i.occurred.timezone);
    if let Some(name) = latest.filter(|n| time::parse_zone(n).is_ok()) {
        return Ok(Zone {
            name,
            from_incidents: true,
        });
    }
    let name = computer
        .filter(|n| time::parse_zone(n).is_ok())
        .unwrap_or("UTC")
        .to_string();
    Ok(Zone {
        name,
        from_incidents: false,
    })
}

impl Zone {
    fn sentence(&self) -> String {
        if self.from_incidents {
            format!(
                "Times are shown in {}, the time zone of your latest incident.",
                self.name
            )
        } else {
            format!(
                "Times are shown in {}, this computer's time zone.",
                self.name
            )
        }
    }

    /// ("Mon 2 Mar 2026", "03:14 PST") for an instant in milliseconds.
    fn local(&self, at_ms: i64) -> (String, String) {
        let (Ok(zone), Some(t)) = (
            time::parse_zone(&self.name),
            chrono::DateTime::from_timestamp_millis(at_ms),
        ) else {
            return (String::new(), String::new());
        };
        let t = t.with_timezone(&zone);
        (
            t.format("%a %-d %b %Y").to_string(),
            t.format("%H:%M %Z").to_string(),
        )
    }
}

/// A restrained person, with their numbers as imports store them.
pub(crate) struct Restrained {
    pub(crate) id: String,
    pub(crate) name: String,
    /// Their phone numbers, normalised.
    numbers: Vec<String>,
    /// The party a chat stated at import to be with them has (`person:<id>`).
    stated: String,
}

impl Restrained {
    fn is_party(&self, n: &str) -> bool {
        self.numbers.iter().any(|m| m == n) || self.stated == n
    }

    /// What a filter for their texts and calls looks for.
    fn parties(&self) -> Vec<String> {
        let mut all = self.numbers.clone();
        all.push(self.stated.clone());
        all
    }
}

pub(crate) fn restrained_people(journal: &Journal) -> Result<Vec<Restrained>, JournalError> {
    let mut out = Vec::new();
    for person in journal.people()? {
        if person.role != PersonRole::Restrained {
            continue;
        }
        let mut numbers = Vec::new();
        for raw in &person.details.phones {
            if let Some(n) = journal.normalise_number(raw)? {
                if !numbers.contains(&n) {
                    numbers.push(n);
                }
            }
        }
        out.push(Restrained {
            stated: daybook::journal::stated_party(&person.id),
            id: person.id,
            name: person.details.name,
            numbers,
        });
    }
    Ok(out)
}

/// Which thread a record belongs to: the first restrained person one of whose numbers is
/// among its other parties; else, for a call from a withheld number, the first restrained
/// person with a number on record (the report lists those calls with theirs); else its other
/// parties.
fn thread_key(c: &Communication, restrained: &[Restrained]) -> String {
    if let Some(r) = restrained
        .iter()
        .find(|r| c.numbers.iter().any(|n| r.is_party(n)))
    {
        return format!("person:{}", r.id);
    }
    if c.numbers.is_empty() {
        if c.hidden && c.kind.is_call() {
            if let Some(r) = restrained.iter().find(|r| !r.numbers.is_empty()) {
                return format!("person:{}", r.id);
            }
            return "hidden".into();
        }
        return "unknown".into();
    }
    format!("numbers:{}", c.numbers.join(" "))
}

#[derive(Serialize)]
pub struct ThreadSummary {
    key: String,
    /// The person's name for the restrained person's thread, else the numbers as printed.
    title: String,
    restrained: bool,
    person_id: Option<String>,
    /// The other parties, as printed ("+1 510-555-0100").
    numbers: Vec<String>,
    /// The names the phone's contacts gave these numbers: its owner's labels, not identity.
    saved_as: Vec<String>,
    texts: u64,
    calls: u64,
    hidden_calls: u64,
    last_day: String,
    last_time: String,
    last_ms: i64,
    /// How many of its texts and calls match the search, when there is one.
    matches: Option<u64>,
    /// A single phone number not yet the restrained person's: it can be marked as theirs.
    can_mark: bool,
    /// Normalised, for marking.
    number: Option<String>,
}

#[derive(Serialize)]
pub struct Threads {
    zone: String,
    zone_note: String,
    threads: Vec<ThreadSummary>,
    /// Restrained people (id, name), for "This is the restrained person's number".
    restrained: Vec<(String, String)>,
    /// Whether any restrained person has a phone number on record.
    numbers_on_record: bool,
    total: usize,
}

/// Whether a record matches the search words (case-insensitive): its text, subject, the
/// numbers as written, normalised or printed, and the phone's contact label.
fn matches(c: &Communication, words: &[String]) -> bool {
    if words.is_empty() {
        return true;
    }
    let mut hay = String::new();
    for part in [&c.body, &c.subject, &c.number_raw, &c.contact_name]
        .into_iter()
        .flatten()
    {
        hay.push_str(&part.to_lowercase());
        hay.push('\n');
    }
    for n in &c.numbers {
        hay.push_str(&n.to_lowercase());
        hay.push('\n');
        hay.push_str(&numbers::display(n).to_lowercase());
        hay.push('\n');
    }
    let digits: String = hay.chars().filter(char::is_ascii_digit).collect();
    words.iter().all(|w| {
        // A number typed any way ("510 555 0100", "(510) 555-0100") finds it however stored.
        let phone_like = w.chars().all(|c| c.is_ascii_digit() || "+-().".contains(c));
        let wd: String = w.chars().filter(char::is_ascii_digit).collect();
        hay.contains(w.as_str()) || (phone_like && wd.len() >= 3 && digits.contains(&wd))
    })
}

fn search_words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_lowercase).collect()
}

/// The threads: the restrained person's first, then the others, latest first.
#[tauri::command]
pub async fn message_threads(
    state: State<'_, AppState>,
    text: Option<String>,
    zone: Option<String>,
) -> Answer<Threads> {
    let words = search_words(text.as_deref().unwrap_or(""));
    with_journal(&state, |journal| {
        let zone = display_zone(journal, zone.as_deref())?;
        let restrained = restrained_people(journal)?;
        let all = journal.communications(&CommunicationFilter::default())?;
        let total = all.len();
        let mut by_key: BTreeMap<String, ThreadSummary> = BTreeMap::new();
        for r in &restrained {
            if !r.numbers.is_empty() {
                by_key.insert(format!("person:{}", r.id), empty_thread(r));
            }
        }
        for c in &all {
            let key = thread_key(c, &restrained);
            let thread = by_key.entry(key.clone()).or_insert_with(|| {
                match restrained
                    .iter()
                    .find(|r| key == format!("person:{}", r.id))
                {
                    Some(r) => empty_thread(r),
                    None => number_thread(&key, c),
                }
            });
            thread.count(c);
            if !words.is_empty() && matches(c, &words) {
                *thread.matches.get_or_insert(0) += 1;
            }
        }
        let mut threads: Vec<ThreadSummary> = by_key
            .into_values()
            .filter(|t| words.is_empty() || t.matches.is_some())
            .map(|mut t| {
                if t.last_ms != i64::MIN {
                    (t.last_day, t.last_time) = zone.local(t.last_ms);
                }
                t
            })
            .collect();
        threads.sort_by_key(|t| (!t.restrained, std::cmp::Reverse(t.last_ms)));
        Ok::<_, JournalError>(Threads {
            zone_note: zone.sentence(),
            zone: zone.name,
            threads,
            numbers_on_record: restrained.iter().any(|r| !r.numbers.is_empty()),
            restrained: restrained.into_iter().map(|r| (r.id, r.name)).collect(),
            total,
        })
    })
}

/// A conversation with numbers not on a restrained person's record, titled by them (or as the
/// hidden or unknown caller), before its texts and calls are counted in.
impl ThreadSummary {
    /// Counts one text or call into the conversation: kind, hidden caller, the phone's label
    /// and the latest time.
    fn count(&mut self, c: &Communication) {
        if c.kind.is_call() {
            self.calls += 1;
            if c.from_withheld_number() {
                self.hidden_calls += 1;
            }
        } else {
            self.texts += 1;
        }
        if let Some(name) = &c.contact_name {
            if !self.saved_as.contains(name) {
                self.saved_as.push(name.clone());
            }
        }
        self.last_ms = self.last_ms.max(c.at_ms);
    }
}

fn number_thread(key: &str, first: &Communication) -> ThreadSummary {
    let shown: Vec<String> = first.numbers.iter().map(|n| numbers::display(n)).collect();
    let single = (first.numbers.len() == 1).then(|| first.numbers[0].clone());
    ThreadSummary {
        key: key.to_string(),
        title: match key {
            "hidden" => "Calls from a hidden number".into(),
            "unknown" => "Unknown number".into(),
            _ => shown.join(", "),
        },
        restrained: false,
        person_id: None,
        numbers: shown,
        saved_as: Vec::new(),
        texts: 0,
        calls: 0,
        hidden_calls: 0,
        last_day: String::new(),
        last_time: String::new(),
        last_ms: i64::MIN,
        matches: None,
        can_mark: single.as_deref().is_some_and(|n| n.starts_with('+')),
        number: single,
    }
}

fn empty_thread(r: &Restrained) -> ThreadSummary {
    ThreadSummary {
        key: format!("person:{}", r.id),
        title: r.name.clone(),
        restrained: true,
        person_id: Some(r.id.clone()),
        numbers: r.numbers.iter().map(|n| numbers::display(n)).collect(),
        saved_as: Vec::new(),
        texts: 0,
        calls: 0,
        hidden_calls: 0,
        last_day: String::new(),
        last_time: String::new(),
        last_ms: i64::MIN,
        matches: None,
        can_mark: false,
        number: None,
    }
}

/// One conversation the person may add to a court report or packet besides the restrained
/// person's: every text and call with one number not on their record, as the report prints it
/// when the number is chosen (`ExportRequest::threads`; group messages with the number
/// included, those with the restrained person left out as they are printed with theirs).
#[derive(Serialize)]
pub struct OtherConversation {
    /// Normalised, as imports store it and the export request takes it.
    number: String,
    /// As printed ("+1 510-555-0100").
    shown: String,
    /// The names the phone's contacts gave the number: its owner's labels, not identity.
    saved_as: Vec<String>,
    texts: u64,
    calls: u64,
    #[serde(skip)]
    last_ms: i64,
}

/// The conversations not with the restrained person, latest first, for the export screen's
/// "Other conversations to include". Empty when the journal holds none.
#[tauri::command]
pub async fn other_conversations(state: State<'_, AppState>) -> Answer<Vec<OtherConversation>> {
    with_journal(&state, |journal| {
        let restrained = journal.restrained_numbers()?;
        let mut by_number: BTreeMap<String, OtherConversation> = BTreeMap::new();
        for c in journal.communications(&CommunicationFilter::default())? {
            if c.is_with_restrained(&restrained) {
                continue;
            }
            for n in &c.numbers {
                let conversation =
                    by_number
                        .entry(n.clone())
                        .or_insert_with(|| OtherConversation {
                            number: n.clone(),
                            shown: numbers::display(n),
                            saved_as: Vec::new(),
                            texts: 0,
                            calls: 0,
                            last_ms: i64::MIN,
                        });
                if c.kind.is_call() {
                    conversation.calls += 1;
                } else {
                    conversation.texts += 1;
                }
                // A group message's label names the group, not this number.
                if let (Some(name), 1) = (&c.contact_name, c.numbers.len()) {
                    if !conversation.saved_as.contains(name) {
                        conversation.saved_as.push(name.clone());
                    }
                }
                conversation.last_ms = conversation.last_ms.max(c.at_ms);
            }
        }
        let mut list: Vec<OtherConversation> = by_number.into_values().collect();
        list.sort_by_key(|c| std::cmp::Reverse(c.last_ms));
        Ok::<_, JournalError>(list)
    })
}

/// One text or call as the thread shows it.
#[derive(Serialize)]
pub struct ThreadItem {
    #[serde(flatten)]
    record: Communication,
    status_label: &'static str,
    /// "iMessage", "WhatsApp": the network, when the source says it.
    service_label: Option<&'static str>,
    day: String,
    time: String,
    /// The other parties as printed, and the sender of a group message.
    shown_numbers: Vec<String>,
    shown_sender: Option<String>,
    /// "sms-2026.xml, line 12": where it came from.
    source: String,
}

#[derive(Serialize)]
pub struct ThreadView {
    #[serde(flatten)]
    summary: ThreadSummary,
    zone: String,
    zone_note: String,
    items: Vec<ThreadItem>,
}

/// One thread's texts and calls, in time order.
#[tauri::command]
pub async fn message_thread(
    state: State<'_, AppState>,
    key: String,
    zone: Option<String>,
) -> Answer<ThreadView> {
    with_journal(&state, |journal| {
        let zone = display_zone(journal, zone.as_deref())?;
        let restrained = restrained_people(journal)?;
        let mut filter = CommunicationFilter::default();
        if let Some(numbers) = key.strip_prefix("numbers:") {
            filter.numbers = numbers.split(' ').map(str::to_string).collect();
        } else if let Some(id) = key.strip_prefix("person:") {
            filter.numbers = restrained
                .iter()
                .find(|r| r.id == id)
                .map(Restrained::parties)
                .unwrap_or_default();
        }
        // The numbers filter finds any record with one of them among its parties; the thread
        // holds the records whose key is this one (a group with the restrained person is
        // theirs, not the group's), plus calls from a withheld number for theirs.
        let mut records: Vec<Communication> =
            if filter.numbers.is_empty() && key != "hidden" && key != "unknown" {
                Vec::new()
            } else if filter.numbers.is_empty() {
                journal.communications(&filter)?
            } else {
                let mut found = journal.communications(&filter)?;
                if key.starts_with("person:") {
                    filter.numbers.clear();
                    filter.kinds = Some(vec![daybook::phone::RecordKind::Call]);
                    found.extend(
                        journal
                            .communications(&filter)?
                            .into_iter()
                            .filter(Communication::from_withheld_number),
                    );
                    found.sort_by_key(|c| c.at_ms);
                }
                found
            };
        records.retain(|c| thread_key(c, &restrained) == key);
        let mut summary = match restrained
            .iter()
            .find(|r| format!("person:{}", r.id) == key)
        {
            Some(r) => empty_thread(r),
            None => {
                let first = records.first().ok_or_else(|| {
                    JournalError::Invalid(
                        "These texts and calls are no longer in the journal.".into(),
                    )
                })?;
                number_thread(&key, first)
            }
        };
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut items = Vec::with_capacity(records.len());
        for c in records {
            summary.count(&c);
            let file = match names.get(&c.source.import_id) {
                Some(name) => name.clone(),
                None => {
                    let name = journal
                        .attachment(&c.source.import_id)
                        .map(|a| a.original_name)
                        .unwrap_or_else(|_| "the kept backup".into());
                    names.insert(c.source.import_id.clone(), name.clone());
                    name
                }
            };
            let (day, time) = zone.local(c.at_ms);
            items.push(ThreadItem {
                status_label: c.status.label(),
                service_label: c.service.map(daybook::phone::Service::label),
                day,
                time,
                shown_numbers: c.numbers.iter().map(|n| c.party_name(n)).collect(),
                shown_sender: c.sender.as_deref().map(numbers::display),
                source: format!("{file}, {}", c.place_in_source().1),
                record: c,
            });
        }
        if summary.last_ms != i64::MIN {
            (summary.last_day, summary.last_time) = zone.local(summary.last_ms);
        }
        Ok::<_, JournalError>(ThreadView {
            summary,
            zone_note: zone.sentence(),
            zone: zone.name,
            items,
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Marking a number, and incidents

#[derive(Serialize)]
pub struct Marked {
    name: String,
    number: String,
}

/// Adds `number` (normalised, from a thread) to the restrained person `person_id`'s phones.
#[tauri::command(async)]
pub fn mark_restrained_number(
    state: State<'_, AppState>,
    person_id: String,
    number: String,
) -> Answer<Marked> {
    with_journal(&state, |journal| {
        let person = journal.person(&person_id)?;
        if person.role != PersonRole::Restrained {
            return Err(JournalError::Invalid(format!(
                "{} is not recorded as the restrained person. Nothing was changed.",
                person.details.name
            )));
        }
        let shown = numbers::display(&number);
        let mut phones = person.details.phones.clone();
        let already = phones.iter().any(|p| {
            journal.normalise_number(p).ok().flatten().as_deref() == Some(number.as_str())
        });
        if !already {
            phones.push(shown.clone());
            journal.edit_person_patch(&person_id, &serde_json::json!({ "phones": phones }))?;
        }
        Ok(Marked {
            name: person.details.name,
            number: shown,
        })
    })
}

/// Records an incident citing the chosen texts and calls (core: `incident_from_communications`):
/// from the first to the last in `zone`, their kinds, the other side's exact words as quotes,
/// and the order in force. The window then opens it in the editor.
#[tauri::command(async)]
pub fn incident_from_messages(
    state: State<'_, AppState>,
    ids: Vec<String>,
    zone: String,
) -> Answer<daybook::model::Incident> {
    with_journal(&state, |journal| {
        journal.incident_from_communications(&ids, &zone)
    })
}

/// Adds the chosen texts and calls to what an existing incident cites (an edit, kept in its
/// history).
#[tauri::command(async)]
pub fn cite_messages(
    state: State<'_, AppState>,
    incident_id: String,
    ids: Vec<String>,
) -> Answer<daybook::model::Incident> {
    with_journal(&state, |journal| {
        journal.cite_communications(&incident_id, &ids)
    })
}
