//! `daybook import` and `daybook messages`: texts and calls from the phone's backups.

use std::path::PathBuf;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::{output, CliError, Config, Result};
use crate::journal::{
    time, CommunicationFilter, ImportError, IncidentFilter, Journal, PhoneImport,
};
use crate::phone::whatsapp::{ChatChoices, ChatError};
use crate::phone::RecordKind;

pub fn import(config: &Config, files: &[PathBuf], choices: &ChatChoices) -> Result<()> {
    let mut journal = config.unlock()?;
    for file in files {
        if file.is_dir() {
            // An encrypted backup's password is asked for before anything is read; a folder
            // that is not a backup is refused by the import itself, in its words.
            let password = match crate::phone::iphone::is_encrypted(file) {
                Ok(true) => Some(super::read_backup_password(file)?),
                _ => None,
            };
            for report in journal.import_iphone_backup_with_password(
                file,
                password.as_ref(),
                &mut |_, _| true,
            )? {
                print_import(&report)?;
            }
            continue;
        }
        let report = journal
            .import_phone_records(file, choices, &mut |_, _| true)
            .map_err(|e| match e {
                ImportError::Chat(chat) => CliError::Usage(format!(
                    "{}: {chat}{}",
                    file.display(),
                    chat_flag_hint(&chat)
                )),
                other => other.into(),
            })?;
        print_import(&report)?;
    }
    Ok(())
}

/// The flag that answers what a chat export left open.
fn chat_flag_hint(e: &ChatError) -> &'static str {
    match e {
        ChatError::NoZone | ChatError::UnknownZone(_) => {
            " Import it again with --timezone, for example --timezone America/Los_Angeles."
        }
        ChatError::DateOrderUnknown { .. } => {
            " Import it again with --date-order day-first or --date-order month-first."
        }
        ChatError::WhoIsMe { .. } | ChatError::NotASender { .. } => {
            " Import it again with --me and your name exactly as the chat writes it."
        }
        ChatError::RepeatedHour { .. } => {
            " Import it again with --repeated-hour first or --repeated-hour second."
        }
        ChatError::NotOneOther { .. } => " Import it again without --with.",
        _ => "",
    }
}

fn print_import(r: &PhoneImport) -> Result<()> {
    let held = format!(
        "{} and {}",
        count(r.messages, "message", "messages"),
        count(r.calls, "call", "calls")
    );
    let news = format!(
        "{} new, {} already in the journal",
        r.added, r.already_there
    );
    let kept = match &r.id {
        Some(id) => format!("kept as {id}, SHA-256 {}", r.sha256),
        None => match &r.same_file_as {
            Some(first) => {
                format!("this exact file was imported before ({first}), so it was not kept again")
            }
            None => "nothing new, so the file was not kept".to_string(),
        },
    };
    output::emit(&format!(
        "{}: {}: {held}; {news}; {kept}\n",
        r.path.display(),
        r.format.describe()
    ))?;
    if let Some(stopped) = &r.stopped {
        eprintln!(
            "Note: {} stops at line {} ({}); the {} whole records before it were imported. If the backup was copied from the phone, copy it again and import it: nothing is added twice.",
            r.path.display(),
            stopped.line,
            stopped.what,
            r.messages + r.calls
        );
    }
    if r.unreadable > 0 {
        eprintln!(
            "Note: {} in {} could not be read and {} left out: {}",
            count(r.unreadable, "record", "records"),
            r.path.display(),
            if r.unreadable == 1 { "was" } else { "were" },
            r.problems.join("; ")
        );
    }
    if r.parts_missing > 0 {
        eprintln!(
            "Note: {} in {} had no data in the backup ({}) or could not be read; the messages are imported without them, and the report names what is missing.",
            count(r.parts_missing, "picture or other attachment", "pictures or other attachments"),
            r.path.display(),
            r.format.why_parts_missing()
        );
    }
    Ok(())
}

fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

pub struct MessagesArgs {
    pub with: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub calls: bool,
    pub texts: bool,
    pub zone: Option<String>,
    pub json: bool,
}

pub fn messages(config: &Config, args: MessagesArgs) -> Result<()> {
    let journal = config.unlock()?;
    let zone = display_zone(&journal, args.zone.as_deref())?;
    let mut filter = CommunicationFilter::default();
    if let Some(with) = &args.with {
        filter.numbers = numbers_of(&journal, with)?;
    }
    filter.from_ms = args.from.map(|d| day_start_ms(d, zone)).transpose()?;
    filter.to_ms = args
        .to
        .map(|d| day_start_ms(d.succ_opt().unwrap_or(d), zone))
        .transpose()?;
    if args.calls {
        filter.kinds = Some(vec![RecordKind::Call]);
    } else if args.texts {
        filter.kinds = Some(vec![RecordKind::Sms, RecordKind::Mms]);
    }
    let list = journal.communications(&filter)?;
    if args.json {
        return output::print_json(&list);
    }
    let restrained = journal.restrained_numbers()?;
    let mut text = String::new();
    for c in &list {
        text.push_str(&line(c, zone, &restrained));
        text.push('\n');
    }
    if list.is_empty() {
        text.push_str(
            "No texts or calls match. Import a phone backup with `daybook import FILE`.\n",
        );
    }
    output::emit(&text)
}

/// One communication: `2026-03-02 03:14 PST  missed call from +1 509-555-0123 (restrained person)`.
fn line(c: &crate::journal::Communication, zone: Tz, restrained: &[String]) -> String {
    let when = chrono::DateTime::from_timestamp_millis(c.at_ms)
        .map(|t| {
            t.with_timezone(&zone)
                .format("%Y-%m-%d %H:%M:%S %Z")
                .to_string()
        })
        .unwrap_or_else(|| c.at.clone());
    let who = |numbers: &[String]| -> String {
        if c.hidden && numbers.is_empty() {
            return "a hidden number".into();
        }
        let shown: Vec<String> = numbers
            .iter()
            .map(|n| {
                let mark = if restrained.contains(n) {
                    " (restrained person)"
                } else {
                    ""
                };
                format!("{}{mark}", c.party_name(n))
            })
            .collect();
        if shown.is_empty() {
            "an unknown number".into()
        } else {
            shown.join(", ")
        }
    };
    let label = c
        .contact_name
        .as_deref()
        .map(|n| format!(" [\"{n}\" in the phone's contacts]"))
        .unwrap_or_default();
    let what = if c.kind.is_call() {
        let duration = c
            .duration_s
            .filter(|d| *d > 0)
            .map(|d| format!(", {}:{:02}", d / 60, d % 60))
            .unwrap_or_default();
        let direction = if c.incoming { "from" } else { "to" };
        format!(
            "{} {direction} {}{label}{duration}",
            c.status.label(),
            who(&c.numbers)
        )
    } else {
        let direction = if c.incoming { "from" } else { "to" };
        let parties = if c.incoming {
            match &c.sender {
                Some(sender) if c.numbers.len() > 1 => format!(
                    "{} (group with {})",
                    who(std::slice::from_ref(sender)),
                    who(&c.numbers)
                ),
                _ => who(&c.numbers),
            }
        } else {
            who(&c.numbers)
        };
        let status = match c.status {
            crate::phone::Status::Received | crate::phone::Status::Sent => String::new(),
            other => format!(" ({})", other.label()),
        };
        let pictures = match c.parts.len() {
            0 => String::new(),
            1 => " [1 attachment]".into(),
            n => format!(" [{n} attachments]"),
        };
        let kind = match c.service {
            Some(crate::phone::Service::WhatsApp) => "WhatsApp message",
            Some(crate::phone::Service::IMessage) => "iMessage",
            Some(crate::phone::Service::Rcs) => "RCS message",
            _ => "text",
        };
        let marks: String = c
            .marks
            .iter()
            .map(|m| match m {
                crate::phone::Mark::Edited => " (edited)",
                crate::phone::Mark::Unsent => " (deleted by its sender)",
                crate::phone::Mark::RecentlyDeleted => " (in Recently Deleted)",
            })
            .collect();
        format!(
            "{kind} {direction} {parties}{label}{status}{marks}: {}{pictures}",
            c.body.as_deref().unwrap_or("")
        )
    };
    format!("{when}  {what}")
}

pub struct FromMessagesArgs {
    pub ids: Vec<String>,
    pub day: Option<NaiveDate>,
    pub with: Option<String>,
    pub zone: Option<String>,
    pub add_to: Option<String>,
}

/// `daybook incident from-messages`: a new incident citing them, or more cited by one.
pub fn from_messages(config: &Config, args: FromMessagesArgs) -> Result<()> {
    if args.ids.is_empty() && args.day.is_none() {
        return Err(CliError::Usage(
            "Give the ids of texts and calls (from `daybook messages --json`), or --day DATE for all of a day's with the restrained person.".into(),
        ));
    }
    let mut journal = config.unlock()?;
    let zone = display_zone(&journal, args.zone.as_deref())?;
    let mut ids = args.ids.clone();
    if let Some(day) = args.day {
        let numbers = match &args.with {
            Some(with) => numbers_of(&journal, with)?,
            None => journal.restrained_numbers()?,
        };
        if numbers.is_empty() {
            return Err(CliError::Usage(
                "The restrained person has no phone numbers on record. Add them to his record (`daybook person edit ID --json`, \"phones\"), or give --with NUMBER.".into(),
            ));
        }
        let filter = CommunicationFilter {
            numbers,
            from_ms: Some(day_start_ms(day, zone)?),
            to_ms: Some(day_start_ms(day.succ_opt().unwrap_or(day), zone)?),
            kinds: None,
        };
        let found = journal.communications(&filter)?;
        if found.is_empty() {
            return Err(CliError::Usage(format!(
                "There are no imported texts or calls with those numbers on {day} ({zone})."
            )));
        }
        ids.extend(found.into_iter().map(|c| c.id));
    }
    let incident = match &args.add_to {
        Some(reference) => {
            let id = journal.resolve_incident_ref(reference)?;
            journal.cite_communications(&id, &ids)?
        }
        None => journal.incident_from_communications(&ids, zone.name())?,
    };
    output::emit(&format!("{}\n", incident.id))
}

/// The numbers `with` names: a person's phones (by id), or one number.
pub(super) fn numbers_of(journal: &Journal, with: &str) -> Result<Vec<String>> {
    if let Ok(person) = journal.person(with) {
        let numbers: Vec<String> = person
            .details
            .phones
            .iter()
            .filter_map(|p| journal.normalise_number(p).ok().flatten())
            .collect();
        if numbers.is_empty() {
            return Err(CliError::Usage(format!(
                "{} has no phone numbers on record. Add them with `daybook person edit {with} --json` (\"phones\").",
                person.details.name
            )));
        }
        return Ok(numbers);
    }
    match journal.normalise_number(with)? {
        Some(number) => Ok(vec![number]),
        None => Err(CliError::Usage(format!(
            "{with} is neither a phone number nor a person's id."
        ))),
    }
}

/// The zone asked for, else the latest incident's, else UTC.
fn display_zone(journal: &Journal, asked: Option<&str>) -> Result<Tz> {
    if let Some(name) = asked {
        return Ok(time::parse_zone(name).map_err(crate::journal::JournalError::from)?);
    }
    let latest = journal
        .incidents(&IncidentFilter::default())?
        .into_iter()
        .last()
        .map(|i| i.occurred.timezone);
    Ok(latest
        .and_then(|name| time::parse_zone(&name).ok())
        .unwrap_or(Tz::UTC))
}

fn day_start_ms(day: NaiveDate, zone: Tz) -> Result<i64> {
    crate::journal::day_start_ms(day, zone)
        .ok_or_else(|| CliError::Usage(format!("{day} has no midnight in {zone}.")))
}
