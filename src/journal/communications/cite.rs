//! Incidents from imported texts and calls: a night of messages becomes one incident, or is
//! added to one, that cites each record by id (in its body, so the chain covers the link), so
//! a reader of the report can go from the incident to the records and from there to the kept
//! backup file.

use chrono::TimeZone;
use serde_json::json;

use crate::journal::{time, Journal, JournalError, Result};
use crate::model::{Incident, IncidentInput, IncidentKind};
use crate::phone::{numbers, RecordKind, Status};

/// Most exact words a drafted incident quotes (the report's quote limit).
const MAX_QUOTES: usize = 200;

impl Journal {
    /// Records an incident citing `ids`, drafted by [`Journal::draft_from_communications`].
    pub fn incident_from_communications(&mut self, ids: &[String], zone: &str) -> Result<Incident> {
        let draft = self.draft_from_communications(ids, zone)?;
        self.add_incident(&draft)
    }

    /// Adds `ids` to what an incident cites (an edit, kept in its history).
    pub fn cite_communications(&mut self, incident_id: &str, ids: &[String]) -> Result<Incident> {
        let incident = self.incident(incident_id)?;
        let mut all = incident.communications.clone();
        for id in ids {
            self.communication(id)?;
            if !all.contains(id) {
                all.push(id.clone());
            }
        }
        if all == incident.communications {
            return Err(JournalError::NothingChanged);
        }
        self.edit_incident(incident_id, &json!({ "communications": all }))
    }

    /// An incident drafted from texts and calls: from the first to the last (in `zone`), text
    /// and call kinds, the other side's exact words as quotes, the order in force on that day,
    /// and a plain summary the person can rewrite. Nothing is saved.
    pub fn draft_from_communications(&self, ids: &[String], zone: &str) -> Result<IncidentInput> {
        if ids.is_empty() {
            return Err(JournalError::Invalid(
                "Choose at least one text or call for the incident.".into(),
            ));
        }
        let tz = time::parse_zone(zone)?;
        let mut records = ids
            .iter()
            .map(|id| self.communication(id))
            .collect::<Result<Vec<_>>>()?;
        records.sort_by_key(|c| c.at_ms);
        records.dedup_by(|a, b| a.id == b.id);
        let local = |ms: i64| {
            tz.timestamp_millis_opt(ms)
                .single()
                .ok_or_else(|| JournalError::Invalid(format!("{ms} is not a time")))
        };
        let first = local(records[0].at_ms)?;
        let last = local(records[records.len() - 1].at_ms)?;
        let texts_in = records
            .iter()
            .filter(|c| !c.kind.is_call() && c.incoming)
            .count();
        let texts_out = records
            .iter()
            .filter(|c| !c.kind.is_call() && !c.incoming)
            .count();
        let calls_in = records
            .iter()
            .filter(|c| c.kind.is_call() && c.incoming)
            .count();
        let calls_out = records
            .iter()
            .filter(|c| c.kind.is_call() && !c.incoming)
            .count();
        let missed = records
            .iter()
            .filter(|c| {
                matches!(
                    c.status,
                    Status::Missed | Status::Rejected | Status::Blocked
                )
            })
            .count();
        let mut parties: Vec<String> = records
            .iter()
            .flat_map(|c| c.numbers.iter().map(|n| numbers::display(n)))
            .collect();
        parties.sort();
        parties.dedup();
        if records.iter().any(|c| c.from_withheld_number()) {
            parties.push("a withheld number".into());
        }
        let mut counts = Vec::new();
        for (n, one, many) in [
            (texts_in, "text received", "texts received"),
            (texts_out, "text sent", "texts sent"),
            (calls_in, "call received", "calls received"),
            (calls_out, "call made", "calls made"),
        ] {
            match n {
                0 => {}
                1 => counts.push(format!("1 {one}")),
                n => counts.push(format!("{n} {many}")),
            }
        }
        let mut description = format!(
            "{} between {} and {} ({}) with {}",
            counts.join(", "),
            first.format("%H:%M"),
            last.format("%H:%M %Z on %A, %B %-d, %Y"),
            tz,
            parties.join(", ")
        );
        if missed > 0 {
            description.push_str(&format!(
                "; {missed} of the calls missed, rejected or blocked"
            ));
        }
        description.push_str(
            ". Read from the phone's own backup; each one is listed, with its source, under \"Communications with the restrained person\".",
        );
        let mut kinds = Vec::new();
        if records.iter().any(|c| !c.kind.is_call()) {
            kinds.push(IncidentKind::TextMessage);
        }
        if records.iter().any(|c| c.kind == RecordKind::Call) {
            kinds.push(IncidentKind::PhoneCall);
        }
        if records.iter().any(|c| c.status == Status::Voicemail) {
            kinds.push(IncidentKind::Voicemail);
        }
        let quotes = records
            .iter()
            .filter(|c| c.incoming && !c.kind.is_call())
            .filter_map(|c| c.body.clone())
            .filter(|b| !b.trim().is_empty())
            .take(MAX_QUOTES)
            .collect();
        let day = first.format("%Y-%m-%d").to_string();
        let order_id = self
            .orders()?
            .into_iter()
            .filter(|o| o.issued_on <= day)
            .max_by(|a, b| a.issued_on.cmp(&b.issued_on))
            .map(|o| o.id);
        let with_offset =
            |t: &chrono::DateTime<chrono_tz::Tz>| t.format("%Y-%m-%dT%H:%M:%S%:z").to_string();
        Ok(IncidentInput {
            occurred_at: with_offset(&first),
            ended_at: (last > first).then(|| with_offset(&last)),
            timezone: zone.to_string(),
            approximate: false,
            kinds,
            location: Some("By phone".into()),
            description,
            quotes,
            witnesses: Vec::new(),
            order_id,
            term: None,
            police: None,
            impact: None,
            communications: records.into_iter().map(|c| c.id).collect(),
        })
    }
}
