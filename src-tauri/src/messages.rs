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
    search_words, time, Communication, Journal, JournalError, RecordCursor, RecordGroup, ThreadPart,
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
    let latest = journal.latest_incident_zone()?;
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

/// Which conversation a stored thread's records belong to: the first restrained person one of
/// whose numbers is among its other parties; else, for calls from a withheld number, the
/// first restrained person with a number on record (the report lists those calls with
/// theirs); else its other parties.
fn thread_key(numbers: &[String], withheld_calls: bool, restrained: &[Restrained]) -> String {
    if let Some(r) = restrained
        .iter()
        .find(|r| numbers.iter().any(|n| r.is_party(n)))
    {
        return format!("person:{}", r.id);
    }
    if numbers.is_empty() {
        if withheld_calls {
            if let Some(r) = restrained.iter().find(|r| !r.numbers.is_empty()) {
                return format!("person:{}", r.id);
            }
            return "hidden".into();
        }
        return "unknown".into();
    }
    format!("numbers:{}", numbers.join(" "))
}

fn group_key(g: &RecordGroup, restrained: &[Restrained]) -> String {
    thread_key(&g.numbers, g.withheld_calls(), restrained)
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
    total: u64,
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
        let groups = journal.record_groups(&[])?;
        let total: u64 = groups.iter().map(|g| g.records).sum();
        let mut by_key: BTreeMap<String, ThreadSummary> = BTreeMap::new();
        for r in &restrained {
            if !r.numbers.is_empty() {
                by_key.insert(format!("person:{}", r.id), empty_thread(r));
            }
        }
        for g in &groups {
            let key = group_key(g, &restrained);
            let thread = by_key
                .entry(key.clone())
                .or_insert_with(|| summary_for(&key, &g.numbers, &restrained));
            thread.count(g);
        }
        if !words.is_empty() {
            for g in journal.record_groups(&words)? {
                if let Some(thread) = by_key.get_mut(&group_key(&g, &restrained)) {
                    *thread.matches.get_or_insert(0) += g.records;
                }
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
    /// Counts a group of texts or calls into the conversation: kind, hidden caller, the
    /// phone's label and the latest time.
    fn count(&mut self, g: &RecordGroup) {
        if g.call {
            self.calls += g.records;
            if g.withheld_calls() {
                self.hidden_calls += g.records;
            }
        } else {
            self.texts += g.records;
        }
        if let Some(name) = &g.contact_name {
            if !self.saved_as.contains(name) {
                self.saved_as.push(name.clone());
            }
        }
        self.last_ms = self.last_ms.max(g.last_ms);
    }
}

/// The restrained person's conversation for their key, else one titled by its numbers.
fn summary_for(key: &str, numbers: &[String], restrained: &[Restrained]) -> ThreadSummary {
    match restrained
        .iter()
        .find(|r| key == format!("person:{}", r.id))
    {
        Some(r) => empty_thread(r),
        None => number_thread(key, numbers),
    }
}

fn number_thread(key: &str, numbers: &[String]) -> ThreadSummary {
    let shown: Vec<String> = numbers.iter().map(|n| numbers::display(n)).collect();
    let single = (numbers.len() == 1).then(|| numbers[0].clone());
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
        for g in journal.record_groups(&[])? {
            if g.withheld_calls() || g.numbers.iter().any(|n| restrained.contains(n)) {
                continue;
            }
            for n in &g.numbers {
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
                if g.call {
                    conversation.calls += g.records;
                } else {
                    conversation.texts += g.records;
                }
                // A group message's label names the group, not this number.
                if let (Some(name), 1) = (&g.contact_name, g.numbers.len()) {
                    if !conversation.saved_as.contains(name) {
                        conversation.saved_as.push(name.clone());
                    }
                }
                conversation.last_ms = conversation.last_ms.max(g.last_ms);
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
    /// A page of the conversation, oldest first: the newest texts and calls, or those before
    /// `before`.
    items: Vec<ThreadItem>,
    /// Where the earlier texts and calls start, when there are any (the search's only, with
    /// one).
    earlier: Option<RecordCursor>,
}

/// The texts and calls a conversation shows at once, and each time the person asks for
/// earlier ones.
const THREAD_PAGE: usize = 500;

/// A page of one conversation's texts and calls (with `text`, those holding its words), in
/// time order: the newest, or those before `before`.
#[tauri::command]
pub async fn message_thread(
    state: State<'_, AppState>,
    key: String,
    zone: Option<String>,
    text: Option<String>,
    before: Option<RecordCursor>,
) -> Answer<ThreadView> {
    let words = search_words(text.as_deref().unwrap_or(""));
    with_journal(&state, |journal| {
        let zone = display_zone(journal, zone.as_deref())?;
        let restrained = restrained_people(journal)?;
        let mut parts: Vec<ThreadPart> = Vec::new();
        let mut summary = None;
        for g in journal.record_groups(&[])? {
            if group_key(&g, &restrained) != key {
                continue;
            }
            let part = ThreadPart {
                withheld_calls: g.numbers.is_empty().then_some(g.withheld_calls()),
                numbers: g.numbers.clone(),
            };
            summary
                .get_or_insert_with(|| summary_for(&key, &g.numbers, &restrained))
                .count(&g);
            if !parts.contains(&part) {
                parts.push(part);
            }
        }
        let mut summary = match summary {
            Some(summary) => summary,
            None => match restrained
                .iter()
                .find(|r| format!("person:{}", r.id) == key)
            {
                Some(r) => empty_thread(r),
                None => {
                    return Err(JournalError::Invalid(
                        "These texts and calls are no longer in the journal.".into(),
                    ))
                }
            },
        };
        let page = journal.conversation_page(&parts, &words, before.as_ref(), THREAD_PAGE)?;
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut items = Vec::with_capacity(page.records.len());
        for c in page.records {
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
            earlier: page.earlier,
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
