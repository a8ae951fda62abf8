//! "Communications with the restrained person": the texts and calls imported from the phone's
//! backups (journal::communications) in the report's period, day by day, each with its local
//! time and zone, direction, number, text exactly as received, and where it came from (its
//! place and line in a backup file kept unchanged in the journal, named with its SHA-256).
//!
//! Only the restrained person's numbers on record are printed, and calls from a withheld
//! number (listed as such: the backup cannot say who called). The rest of a backup (family,
//! friends, an attorney) never leaves the journal through a report, unless the person chooses
//! a conversation (`Scope::threads`): those print after his, under their own heading.
//!
//! Pictures and other parts of the printed messages are numbered exhibits (report::exhibits),
//! shown on their own pages without file metadata like every other exhibit; an entry names
//! its exhibits and links to them.

use std::collections::HashMap;

use chrono::NaiveDate;
use chrono_tz::Tz;

use super::super::exhibits::Exhibit;
use super::super::layout::{Anchor, Layout, Style};
use super::plan::Plan;
use crate::evidence::human_size;

use crate::journal::{is_stated_party, Communication, Journal, JournalError};
use crate::phone::{numbers, Clock, Mark, Service};

/// What the section prints, loaded once (and redacted) for all layout passes.
pub(super) struct Communications {
    zone: Tz,
    numbers: Vec<String>,
    /// With the restrained person (and calls from a withheld number), in time order.
    records: Vec<Communication>,
    /// Other conversations the person chose to include, in time order.
    chosen: Vec<Communication>,
    /// Each message's exhibits (number, label), from the selection.
    exhibits: HashMap<String, Vec<(usize, String)>>,
    /// A kept database decrypted from an encrypted iPhone backup: the encrypted file's SHA-256
    /// and size, by its number in `sources`.
    decrypted: HashMap<usize, (String, u64)>,
    /// The kept backups (file name, size, SHA-256), numbered in the order the records first
    /// cite them, and each import's number.
    sources: Vec<(String, u64, String)>,
    file_no: HashMap<String, usize>,
}

impl Communications {
    /// `records` are the selection's (already redacted); their kept backups are looked up.
    pub(super) fn load(
        journal: &Journal,
        records: &[Communication],
        exhibits: &[Exhibit],
        zone: Tz,
    ) -> Result<Self, JournalError> {
        let numbers = journal.restrained_numbers()?;
        let mut by_message: HashMap<String, Vec<(usize, String)>> = HashMap::new();
        for e in exhibits {
            if let Some(m) = &e.message {
                by_message
                    .entry(m.communication_id.clone())
                    .or_default()
                    .push((e.number, e.label.clone()));
            }
        }
        let mut sources = Vec::new();
        let mut file_no = HashMap::new();
        let mut decrypted = HashMap::new();
        for record in records {
            if !file_no.contains_key(&record.source.import_id) {
                let kept = journal.attachment(&record.source.import_id).map_err(|e| {
                    JournalError::Damaged(format!("the kept backup of a message: {e}"))
                })?;
                sources.push((kept.original_name, kept.size, kept.sha256));
                file_no.insert(record.source.import_id.clone(), sources.len());
                if let Some(original) = journal.encrypted_original(&record.source.import_id)? {
                    decrypted.insert(sources.len(), original);
                }
            }
        }
        let (records, chosen) = records
            .iter()
            .cloned()
            .partition(|c: &Communication| c.is_with_restrained(&numbers));
        Ok(Self {
            zone,
            numbers,
            records,
            chosen,
            exhibits: by_message,
            decrypted,
            sources,
            file_no,
        })
    }

    pub(super) fn is_empty(&self) -> bool {
        self.records.is_empty() && self.chosen.is_empty()
    }

    /// How the section's entries cite their sources, for the kinds of file it holds (an
    /// Android backup's records, an iPhone database's rows, a chat export's lines).
    fn source_places(&self) -> String {
        let mut kinds: Vec<&str> = Vec::new();
        for c in self.records.iter().chain(&self.chosen) {
            let kind = c.place_in_source().0;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        let places: Vec<&str> = ["backup file", "database file", "chat file"]
            .into_iter()
            .filter(|k| kinds.contains(k))
            .map(|k| match k {
                "backup file" => "the record and line number in a backup file",
                "database file" => "the row number and the phone's own id in a phone database",
                _ => "the line number in a chat export",
            })
            .collect();
        match places.as_slice() {
            [] => "its place in the file it was read from".to_string(),
            [one] => one.to_string(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        }
    }

    pub(super) fn lay_out(
        &self,
        l: &mut Layout,
        title: &str,
        plan: &Plan,
        anchors: &HashMap<usize, Anchor>,
    ) {
        l.bookmark(title, 1);
        l.heading(title, 1);
        let shown: Vec<String> = self
            .numbers
            .iter()
            .filter(|n| !is_stated_party(n))
            .map(|n| numbers::display(n))
            .collect();
        l.paragraph(
            &format!(
                "Texts and calls with the restrained person's number{} on record ({}), and calls from a withheld number, read from the protected person's phone backups. Times come from each record's own clock field and are shown in {}. A contact name is the label saved in the protected person's phone, not proof of who wrote. Each entry names where it was read: {}. Those files are kept in the journal and listed, with their SHA-256, at the end of this section.",
                if shown.len() == 1 { "" } else { "s" },
                if shown.is_empty() { "none".to_string() } else { shown.join(", ") },
                self.zone,
                self.source_places()
            ),
            Style::body(),
        );
        let all = || self.records.iter().chain(&self.chosen);
        if all().any(|c| c.service == Some(Service::WhatsApp)) {
            l.paragraph(
                "WhatsApp chat exports are text files without a time zone: they give the time the phone showed, to the minute (to the second from an iPhone), read here in the zone the protected person named at import. They name senders by the labels saved in the exporting phone's contacts (a number only for someone not saved), and WhatsApp can cut a long chat short when exporting it.",
                Style::body(),
            );
        }
        let mut stated: Vec<String> = self
            .records
            .iter()
            .flat_map(|c| {
                c.numbers
                    .iter()
                    .filter(|n| is_stated_party(n))
                    .map(|n| c.party_name(n))
            })
            .collect();
        stated.sort();
        stated.dedup();
        if !stated.is_empty() {
            l.paragraph(
                &format!(
                    "The protected person stated, when importing the chat, that {} in it is the restrained person; the chat itself names them only by that contact label.",
                    stated
                        .iter()
                        .map(|s| format!("\u{201c}{s}\u{201d}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Style::body(),
            );
        }
        if self.records.is_empty() {
            l.paragraph(
                "No texts or calls with these numbers in the period.",
                Style::body(),
            );
        }
        self.entries(l, &self.records, plan, anchors);
        if !self.chosen.is_empty() {
            let mut others: Vec<String> = self
                .chosen
                .iter()
                .flat_map(|c| c.numbers.iter().map(|n| c.party_name(n)))
                .collect();
            others.sort();
            others.dedup();
            l.heading(
                "Other conversations the protected person chose to include",
                2,
            );
            l.paragraph(
                &format!(
                    "These texts and calls are not with the restrained person's numbers on record. The protected person chose to include the conversation{} with {}, from the same backups and printed the same way.",
                    if others.len() == 1 { "" } else { "s" },
                    others.join(", ")
                ),
                Style::body(),
            );
            self.entries(l, &self.chosen, plan, anchors);
        }
        l.heading("Source files", 2);
        for (i, (name, size, sha)) in self.sources.iter().enumerate() {
            let kept = match self.decrypted.get(&(i + 1)) {
                // The backup folder holds it encrypted: its hash there is another one.
                Some((encrypted_sha, encrypted_size)) => format!(
                    "Decrypted from an encrypted iPhone backup with the backup password, and kept so in the journal; the backup holds it encrypted ({}, SHA-256 {encrypted_sha}).",
                    human_size(*encrypted_size)
                ),
                None => "Kept byte for byte in the journal.".to_string(),
            };
            l.paragraph(
                &format!(
                    "{}. {name}, {}, SHA-256 {sha}. {kept}",
                    i + 1,
                    human_size(*size)
                ),
                Style::body(),
            );
        }
        l.new_page();
    }

    /// Day by day: a heading for each day, then each record with its time, text and source.
    fn entries(
        &self,
        l: &mut Layout,
        records: &[Communication],
        plan: &Plan,
        anchors: &HashMap<usize, Anchor>,
    ) {
        let mut day: Option<NaiveDate> = None;
        for c in records {
            let Some(at) = chrono::DateTime::from_timestamp_millis(c.at_ms) else {
                continue;
            };
            let local = at.with_timezone(&self.zone);
            let date = local.date_naive();
            if day != Some(date) {
                day = Some(date);
                let heading = date.format("%A, %B %-d, %Y").to_string();
                l.heading(&heading, 2);
            }
            let time = match &c.clock {
                Some(Clock::AsShown { seconds: false, .. }) => local
                    .format("%H:%M %Z (as shown on the phone, to the minute)")
                    .to_string(),
                Some(Clock::AsShown { .. }) => local
                    .format("%H:%M:%S %Z (as shown on the phone)")
                    .to_string(),
                _ => local.format("%H:%M:%S %Z").to_string(),
            };
            l.paragraph(&format!("{time}  {}", self.describe(c)), Style::bold());
            if let Some(body) = c.body.as_deref().filter(|b| !b.is_empty()) {
                l.quote(&format!("\u{201c}{body}\u{201d}"));
            }
            self.attached(l, c, plan, anchors);
            let number = self.file_no[&c.source.import_id];
            let (name, _, _) = &self.sources[number - 1];
            let (kind, place) = c.place_in_source();
            let source = format!("Source: {place} of {kind} {number} ({name})");
            l.paragraph(&source, Style::small());
            l.space(4.0);
        }
    }

    /// A message's pictures and other parts: the exhibits they are, linked to their pages.
    fn attached(
        &self,
        l: &mut Layout,
        c: &Communication,
        plan: &Plan,
        anchors: &HashMap<usize, Anchor>,
    ) {
        let exhibits = self
            .exhibits
            .get(&c.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (part, (number, label)) in c.parts.iter().zip(exhibits) {
            // As in the incident entries: the volume is always named in a split report, so
            // the words do not depend on where this entry lands.
            let place = match plan.exhibit(*number) {
                Some((volume, page)) if plan.split() => format!(", volume {volume}, page {page}"),
                Some((_, page)) => format!(", page {page}"),
                None => String::new(),
            };
            let text = format!(
                "Attached: {label}{place} ({}, {}), SHA-256 {}",
                part_kind(&part.mime),
                part.mime,
                part.sha256
            );
            match anchors.get(number) {
                Some(anchor) => l.link_text(&text, Style::small(), *anchor),
                None => l.paragraph(&text, Style::small()),
            }
        }
        for missing in &c.missing_parts {
            let size = missing
                .size
                .map(|s| format!(", {}", human_size(s)))
                .unwrap_or_default();
            let text = match &missing.name {
                Some(name) => format!(
                    "Sent with it: {name} ({}{size}), not in the backup or export",
                    missing.mime
                ),
                None => {
                    let article = if missing.mime.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "an"
                    } else {
                        "a"
                    };
                    format!(
                        "Sent with it: {article} {} that the export left out",
                        missing.mime
                    )
                }
            };
            l.paragraph(&text, Style::small());
        }
        // Parts that are not exhibits (none, unless the journal changed under the report).
        for part in c.parts.iter().skip(exhibits.len()) {
            l.paragraph(
                &format!("Attached: {} (SHA-256 {})", part.mime, part.sha256),
                Style::small(),
            );
        }
    }

    fn describe(&self, c: &Communication) -> String {
        let mut text = self.describe_kind(c);
        for mark in &c.marks {
            text.push_str(match mark {
                Mark::Edited => " — edited after it was sent (the last version is shown)",
                Mark::Unsent => " — deleted by its sender (the phone keeps no text)",
                Mark::RecentlyDeleted => {
                    " — in the phone's Recently Deleted when the backup was made"
                }
            });
        }
        text
    }

    fn describe_kind(&self, c: &Communication) -> String {
        let party = |n: &String| c.party_name(n);
        let label = c
            .contact_name
            .as_deref()
            .map(|n| format!(" (saved in the phone as \u{201c}{n}\u{201d})"))
            .unwrap_or_default();
        if c.kind.is_call() {
            if c.from_withheld_number() {
                return format!(
                    "{} from a withheld number (caller ID hidden; the backup does not say who called)",
                    capitalise(c.status.label())
                );
            }
            let direction = if c.incoming { "from" } else { "to" };
            let duration = c
                .duration_s
                .filter(|d| *d > 0)
                .map(|d| format!(", {} min {:02} s", d / 60, d % 60))
                .unwrap_or_default();
            let who: Vec<String> = c.numbers.iter().map(party).collect();
            let over = match c.service {
                Some(Service::Cellular | Service::Sms | Service::Mms) | None => String::new(),
                Some(service) => format!(" ({})", service.label()),
            };
            return format!(
                "{}{over} {direction} {}{label}{duration}",
                capitalise(c.status.label()),
                who.join(", ")
            );
        }
        let kind = match c.service {
            Some(Service::WhatsApp) => "WhatsApp message",
            Some(Service::IMessage) => "iMessage",
            Some(Service::Rcs) => "RCS message",
            _ if c.kind == crate::phone::RecordKind::Mms => "Picture/group message",
            _ => "Text",
        };
        let who: Vec<String> = c.numbers.iter().map(party).collect();
        let mut text = if c.incoming {
            let from = c
                .sender
                .as_ref()
                .map(party)
                .unwrap_or_else(|| who.join(", "));
            format!("{kind} received from {from}{label}")
        } else {
            format!("{kind} sent to {}{label}", who.join(", "))
        };
        if c.numbers.len() > 1 {
            text.push_str(&format!(" (group of {})", who.join(", ")));
        }
        match c.status {
            crate::phone::Status::Received | crate::phone::Status::Sent => {}
            other => text.push_str(&format!(" — {}", other.label())),
        }
        text
    }
}

fn part_kind(mime: &str) -> &'static str {
    match mime.split('/').next().unwrap_or_default() {
        "image" => "picture",
        "audio" => "audio",
        "video" => "video",
        _ => "file",
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
