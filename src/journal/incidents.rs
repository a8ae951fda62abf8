//! Recording, amending and listing incidents. Every write appends a revision in the same
//! transaction as the row it changes, so the current state can always be checked against the
//! chain.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model::{
    Deletion, Incident, IncidentInput, IncidentKind, PoliceContact, ResolvedTime, Witness,
};
use super::revisions::{self, Entity, NewRevision, Op};
use super::timeline::ListColumns;
use super::{time, Journal, JournalError, Result};
use crate::evidence::Attachment;

/// Longest description we accept: about twenty printed pages. Longer text is almost always a
/// pasted file, which belongs in an attachment.
pub const MAX_DESCRIPTION_CHARS: usize = 50_000;
const MAX_QUOTE_CHARS: usize = 10_000;
const MAX_SHORT_CHARS: usize = 1_000;
const MAX_LIST_ITEMS: usize = 200;

/// The incident as hashed into the chain and stored in `incidents.body`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct IncidentBody {
    pub number: i64,
    pub occurred: ResolvedTime,
    pub ended: Option<ResolvedTime>,
    pub approximate: bool,
    pub recorded_at: String,
    pub kinds: Vec<IncidentKind>,
    pub location: Option<String>,
    pub description: String,
    pub quotes: Vec<String>,
    pub witnesses: Vec<Witness>,
    pub order_id: Option<String>,
    pub term: Option<String>,
    pub police: Option<PoliceContact>,
    pub impact: Option<String>,
    pub attachments: Vec<AttachmentRef>,
    /// Left out when empty, so incidents recorded before imports keep their exact bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub communications: Vec<String>,
}

/// What of an attachment the chain covers: which file (by hash) and the words the user gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AttachmentRef {
    pub id: String,
    pub sha256: String,
    pub original_name: String,
    pub caption: Option<String>,
    pub transcript: Option<String>,
}

/// Which incidents to list. Dates are compared with the local date where it happened.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub kind: Option<IncidentKind>,
    pub order_id: Option<String>,
    /// Some(true): only those reported to police; Some(false): only those not reported.
    pub reported: Option<bool>,
}

impl Journal {
    /// Records a new incident; `recorded_at` is now, from the system clock.
    pub fn add_incident(&mut self, input: &IncidentInput) -> Result<Incident> {
        let id = uuid::Uuid::new_v4().to_string();
        let tx = self.conn.transaction()?;
        let number: i64 = tx.query_row(
            "SELECT COALESCE(MAX(number), 0) + 1 FROM incidents",
            [],
            |r| r.get(0),
        )?;
        let body = build_body(&tx, input, number, time::now_utc(), Vec::new())?;
        write_incident(&tx, &id, &body, Op::Create, None)?;
        tx.commit()?;
        self.incident(&id)
    }

    /// Amends an incident with a JSON merge patch (RFC 7386) over its current input form: a
    /// full object replaces every field it names, `null` clears a field. The old text stays in
    /// the chain and the incident is marked amended.
    pub fn edit_incident(&mut self, id: &str, patch: &Value) -> Result<Incident> {
        let current = self.incident(id)?;
        let mut base = serde_json::to_value(current.to_input())
            .map_err(|e| JournalError::Invalid(e.to_string()))?;
        // A new zone with the old clock time should be read in the new zone, not keep the old
        // offset (which would then be refused as not in force there).
        if let (Some(patch_obj), Some(base_obj)) = (patch.as_object(), base.as_object_mut()) {
            if patch_obj.contains_key("timezone") {
                if !patch_obj.contains_key("occurred_at") {
                    base_obj.insert(
                        "occurred_at".into(),
                        Value::String(current.occurred.local.clone()),
                    );
                }
                if let (false, Some(end)) = (patch_obj.contains_key("ended_at"), &current.ended) {
                    base_obj.insert("ended_at".into(), Value::String(end.local.clone()));
                }
            }
        }
        merge_patch(&mut base, patch);
        let input: IncidentInput = serde_json::from_value(base)
            .map_err(|e| JournalError::Invalid(format!("The edit is not valid: {e}.")))?;
        let tx = self.conn.transaction()?;
        let (old, deleted) = load_body(&tx, id)?;
        if deleted {
            return Err(JournalError::Invalid(
                "That incident was deleted; it can no longer be edited.".into(),
            ));
        }
        let body = build_body(
            &tx,
            &input,
            old.number,
            old.recorded_at.clone(),
            old.attachments.clone(),
        )?;
        if body == old {
            return Err(JournalError::NothingChanged);
        }
        write_incident(&tx, id, &body, Op::Edit, None)?;
        tx.commit()?;
        self.incident(id)
    }

    /// Deletes by tombstone: the incident leaves lists and searches, but every revision and
    /// attachment stays, and the report's appendix shows the deletion and its reason.
    pub fn delete_incident(&mut self, id: &str, reason: &str) -> Result<()> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(JournalError::Invalid(
                "Say why the incident is being deleted; the reason is kept with it.".into(),
            ));
        }
        check_text("reason", reason, MAX_SHORT_CHARS)?;
        let tx = self.conn.transaction()?;
        let (body, deleted) = load_body(&tx, id)?;
        if deleted {
            return Err(JournalError::Invalid(
                "That incident is already deleted.".into(),
            ));
        }
        write_incident(&tx, id, &body, Op::Delete, Some(reason))?;
        tx.commit()?;
        Ok(())
    }

    /// Accepts an incident's id or its number ("12", "#12") as people say it.
    pub fn resolve_incident_ref(&self, reference: &str) -> Result<String> {
        let trimmed = reference.trim().trim_start_matches('#');
        if let Ok(number) = trimmed.parse::<i64>() {
            return self
                .conn
                .query_row(
                    "SELECT id FROM incidents WHERE number = ?1",
                    [number],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| JournalError::NotFound {
                    what: "incident",
                    id: format!("#{number}"),
                });
        }
        Ok(trimmed.to_string())
    }

    pub fn incident(&self, id: &str) -> Result<Incident> {
        let mut incidents =
            self.query_incidents("i.id = ?1", &[&id as &dyn rusqlite::ToSql], true)?;
        incidents.pop().ok_or_else(|| JournalError::NotFound {
            what: "incident",
            id: id.to_string(),
        })
    }

    /// Incidents in the order they occurred (ties by record order), deleted ones left out.
    pub fn incidents(&self, filter: &IncidentFilter) -> Result<Vec<Incident>> {
        let (where_clause, args) = filter_sql(filter);
        let refs: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a.as_ref()).collect();
        self.query_incidents(&where_clause, &refs, false)
    }

    pub(crate) fn query_incidents(
        &self,
        where_clause: &str,
        args: &[&dyn rusqlite::ToSql],
        include_deleted: bool,
    ) -> Result<Vec<Incident>> {
        let mut stmt = self.conn.prepare_cached(&incidents_sql(where_clause))?;
        let rows = stmt.query_map(args, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<String>>(5)?,
            ))
        })?;
        let mut parsed = Vec::new();
        for row in rows {
            let (id, body, updated_at, amended, deleted_at, deleted_reason) = row?;
            if deleted_at.is_some() && !include_deleted {
                continue;
            }
            let body: IncidentBody = serde_json::from_str(&body)
                .map_err(|e| JournalError::Damaged(format!("incident {id} cannot be read: {e}")))?;
            let deleted = deleted_at.map(|at| Deletion {
                at,
                reason: deleted_reason.unwrap_or_default(),
            });
            parsed.push((id, body, updated_at, amended, deleted));
        }
        let mut attachments = if parsed.is_empty() {
            HashMap::new()
        } else {
            self.attachments_by_incident(where_clause, args)?
        };
        Ok(parsed
            .into_iter()
            .map(|(id, body, updated_at, amended, deleted)| {
                let files = attachments.remove(&id).unwrap_or_default();
                Incident {
                    deleted,
                    ..to_incident(id, body, updated_at, amended, files)
                }
            })
            .collect())
    }

    /// The attachments of the incidents `where_clause` selects, by incident, in order: one
    /// indexed query, not a pass over every attachment in the journal.
    fn attachments_by_incident(
        &self,
        where_clause: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<HashMap<String, Vec<Attachment>>> {
        let mut by_incident: HashMap<String, Vec<Attachment>> = HashMap::new();
        for attachment in self.incident_attachments_where(where_clause, args)? {
            if let Some(incident) = attachment.incident_id.clone() {
                by_incident.entry(incident).or_default().push(attachment);
            }
        }
        Ok(by_incident)
    }
}

/// The SQL condition (over `incidents i`) and its parameters for `filter`. Each condition is
/// written so an index serves it: the date range uses `incidents_local_date` (migration 04),
/// whose expression must stay exactly `substr(i.occurred_local, 1, 10)`.
pub(super) fn filter_sql(filter: &IncidentFilter) -> (String, Vec<Box<dyn rusqlite::ToSql>>) {
    let mut clauses = vec!["i.deleted_at IS NULL".to_string()];
    let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
    if let Some(from) = filter.from {
        args.push(Box::new(from.format("%Y-%m-%d").to_string()));
        clauses.push(format!(
            "substr(i.occurred_local, 1, 10) >= ?{}",
            args.len()
        ));
    }
    if let Some(to) = filter.to {
        args.push(Box::new(to.format("%Y-%m-%d").to_string()));
        clauses.push(format!(
            "substr(i.occurred_local, 1, 10) <= ?{}",
            args.len()
        ));
    }
    if let Some(kind) = filter.kind {
        args.push(Box::new(kind.key().to_string()));
        // The kinds column (migration 05) holds the keys comma-separated; reading it spares
        // decoding every body's JSON.
        clauses.push(format!(
            "instr(',' || i.kinds || ',', ',' || ?{} || ',') > 0",
            args.len()
        ));
    }
    if let Some(order) = &filter.order_id {
        args.push(Box::new(order.clone()));
        clauses.push(format!("i.order_id = ?{}", args.len()));
    }
    // The same `reported` column the timeline's badge shows (migration 05, checked by verify),
    // so the filter and the badge cannot disagree.
    match filter.reported {
        Some(true) => clauses.push("i.reported = 1".into()),
        Some(false) => clauses.push("i.reported = 0".into()),
        None => {}
    }
    (clauses.join(" AND "), args)
}

/// The order of every incident list: as they occurred, ties in record order. The
/// `incidents_timeline` index returns the rows in this order without a sort.
pub(super) const TIMELINE_ORDER: &str = "ORDER BY i.occurred_utc, i.number";

/// The one statement every query of whole incidents runs.
fn incidents_sql(where_clause: &str) -> String {
    format!(
        "SELECT i.id, i.body, i.updated_at, i.amended, i.deleted_at, i.deleted_reason FROM incidents i
         WHERE {where_clause} {TIMELINE_ORDER}"
    )
}

fn to_incident(
    id: String,
    body: IncidentBody,
    updated_at: String,
    amended: bool,
    attachments: Vec<Attachment>,
) -> Incident {
    Incident {
        id,
        number: body.number,
        occurred: body.occurred,
        ended: body.ended,
        approximate: body.approximate,
        recorded_at: body.recorded_at,
        updated_at,
        amended,
        kinds: body.kinds,
        location: body.location,
        description: body.description,
        quotes: body.quotes,
        witnesses: body.witnesses,
        order_id: body.order_id,
        term: body.term,
        police: body.police,
        impact: body.impact,
        attachments,
        communications: body.communications,
        deleted: None,
    }
}

/// Reads an incident's stored body; `true` when it has been deleted.
pub(crate) fn load_body(tx: &Transaction<'_>, id: &str) -> Result<(IncidentBody, bool)> {
    let row: Option<(String, Option<String>)> = tx
        .query_row(
            "SELECT body, deleted_at FROM incidents WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (body, deleted_at) = row.ok_or_else(|| JournalError::NotFound {
        what: "incident",
        id: id.to_string(),
    })?;
    let body = serde_json::from_str(&body)
        .map_err(|e| JournalError::Damaged(format!("incident {id} cannot be read: {e}")))?;
    Ok((body, deleted_at.is_some()))
}

/// Appends the revision and brings the current-state rows and the search index in line.
pub(crate) fn write_incident(
    tx: &Transaction<'_>,
    id: &str,
    body: &IncidentBody,
    op: Op,
    reason: Option<&str>,
) -> Result<()> {
    let revision = append_incident_revision(tx, id, body, op, reason)?;
    store_incident(tx, id, body, op, reason, &revision)
}

/// Appends a revision of the incident without touching its current-state rows: a batch of
/// attachments appends one per file, then stores the last state once with `store_incident`
/// (the same rows as one `write_incident` per file, without rewriting the search row each time).
pub(crate) fn append_incident_revision(
    tx: &Transaction<'_>,
    id: &str,
    body: &IncidentBody,
    op: Op,
    reason: Option<&str>,
) -> Result<revisions::Revision> {
    let value = serde_json::to_value(body).map_err(|e| JournalError::Invalid(e.to_string()))?;
    let hashes: Vec<String> = body.attachments.iter().map(|a| a.sha256.clone()).collect();
    Ok(revisions::append(
        tx,
        NewRevision {
            entity: Entity::Incident,
            entity_id: id,
            op,
            reason,
            body: &value,
            attachments: &hashes,
        },
    )?)
}

/// Brings the incident's current-state row and its search row in line with `body`, which
/// `revision` (appended in this transaction) records.
pub(crate) fn store_incident(
    tx: &Transaction<'_>,
    id: &str,
    body: &IncidentBody,
    op: Op,
    reason: Option<&str>,
    revision: &revisions::Revision,
) -> Result<()> {
    let offset_s = parse_offset_seconds(&body.occurred.utc_offset);
    let deleted_at = (op == Op::Delete).then(|| revision.recorded_at.clone());
    // What the timeline lists, stored beside the body in the same statement (migration 05).
    let list = ListColumns::of(body);
    tx.execute(
        "INSERT INTO incidents (id, number, occurred_utc, occurred_end_utc, occurred_local, timezone,
             utc_offset_s, approximate, recorded_at, updated_at, amended, order_id, body, deleted_at, deleted_reason,
             occurred_abbreviation, kinds, location, summary, exhibits, reported)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)
         ON CONFLICT (id) DO UPDATE SET
             occurred_utc = excluded.occurred_utc, occurred_end_utc = excluded.occurred_end_utc,
             occurred_local = excluded.occurred_local, timezone = excluded.timezone,
             utc_offset_s = excluded.utc_offset_s, approximate = excluded.approximate,
             updated_at = excluded.updated_at, amended = amended OR excluded.amended,
             order_id = excluded.order_id, body = excluded.body,
             deleted_at = excluded.deleted_at, deleted_reason = excluded.deleted_reason,
             occurred_abbreviation = excluded.occurred_abbreviation, kinds = excluded.kinds,
             location = excluded.location, summary = excluded.summary,
             exhibits = excluded.exhibits, reported = excluded.reported",
        params![
            id,
            body.number,
            body.occurred.utc,
            body.ended.as_ref().map(|e| e.utc.clone()),
            body.occurred.local,
            body.occurred.timezone,
            offset_s,
            body.approximate,
            body.recorded_at,
            revision.recorded_at,
            op == Op::Edit,
            body.order_id,
            revision.body,
            deleted_at,
            reason,
            list.abbreviation,
            list.kinds,
            list.location,
            list.summary,
            list.exhibits,
            list.reported,
        ],
    )?;
    // The search row is keyed by the incident's number (its rowid): replaced by key, where a
    // match on the UNINDEXED incident_id column would scan the whole index on every save.
    tx.execute(
        "DELETE FROM incident_search WHERE rowid = ?1",
        [body.number],
    )?;
    if op != Op::Delete {
        let join = |items: Vec<&str>| items.join("\n");
        tx.execute(
            "INSERT INTO incident_search (rowid, incident_id, location, description, quotes, captions, transcripts, extra)
             VALUES (?8, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                body.location.as_deref().unwrap_or(""),
                body.description,
                join(body.quotes.iter().map(String::as_str).collect()),
                join(body.attachments.iter().filter_map(|a| a.caption.as_deref()).collect()),
                join(body.attachments.iter().filter_map(|a| a.transcript.as_deref()).collect()),
                search_extra(body),
                body.number,
            ],
        )?;
    }
    Ok(())
}

/// Other words a person may search by: witnesses, police report numbers, file names, impact.
fn search_extra(body: &IncidentBody) -> String {
    let mut words: Vec<&str> = Vec::new();
    for w in &body.witnesses {
        words.push(&w.name);
        words.extend(w.saw.as_deref());
    }
    if let Some(p) = &body.police {
        words.push(&p.agency);
        words.extend(
            [
                p.officer.as_deref(),
                p.report_number.as_deref(),
                p.outcome.as_deref(),
            ]
            .into_iter()
            .flatten(),
        );
    }
    words.extend(body.impact.as_deref());
    words.extend(body.attachments.iter().map(|a| a.original_name.as_str()));
    words.join("\n")
}

fn parse_offset_seconds(offset: &str) -> i64 {
    offset
        .parse::<chrono::FixedOffset>()
        .map(|o| i64::from(o.local_minus_utc()))
        .unwrap_or(0)
}

/// Validates the input against the journal and resolves its times.
fn build_body(
    tx: &Transaction<'_>,
    input: &IncidentInput,
    number: i64,
    recorded_at: String,
    attachments: Vec<AttachmentRef>,
) -> Result<IncidentBody> {
    let occurred = time::resolve(&input.occurred_at, &input.timezone)?;
    time::ensure_not_future(&occurred)?;
    let ended = match input
        .ended_at
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(end) => {
            let in_end =
                |e: time::TimeError| JournalError::Invalid(format!("The end time (ended_at): {e}"));
            let end = time::resolve(end, &input.timezone).map_err(in_end)?;
            time::ensure_not_future(&end).map_err(in_end)?;
            time::ensure_ordered(&occurred, &end)?;
            Some(end)
        }
        None => None,
    };
    let description = input.description.trim().to_string();
    if description.is_empty() {
        return Err(JournalError::Invalid(
            "Describe what happened, even in a few words (facts: who, what, where).".into(),
        ));
    }
    check_text("description", &description, MAX_DESCRIPTION_CHARS)?;
    let location = clean_optional("location", input.location.as_deref())?;
    let impact = clean_optional_long("impact note", input.impact.as_deref())?;
    check_count("quotes", input.quotes.len())?;
    let quotes: Vec<String> = input
        .quotes
        .iter()
        .map(|q| q.trim().to_string())
        .filter(|q| !q.is_empty())
        .collect();
    for quote in &quotes {
        check_text("quote", quote, MAX_QUOTE_CHARS)?;
    }
    check_count("witnesses", input.witnesses.len())?;
    let mut witnesses = Vec::new();
    for w in &input.witnesses {
        let name = w.name.trim().to_string();
        if name.is_empty() {
            return Err(JournalError::Invalid(
                "Each witness needs a name (a first name or a description is fine).".into(),
            ));
        }
        check_text("witness name", &name, MAX_SHORT_CHARS)?;
        witnesses.push(Witness {
            name,
            contact: clean_optional("witness contact", w.contact.as_deref())?,
            saw: clean_optional_long("what the witness saw", w.saw.as_deref())?,
        });
    }
    let mut kinds = input.kinds.clone();
    kinds.sort();
    kinds.dedup();

    let order_id = input
        .order_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let term = input
        .term
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(order_id) = order_id {
        let order = super::orders::load_order(tx, order_id)?;
        if let Some(term) = term {
            if order.term(term).is_none() {
                let known: Vec<&str> = order.terms.iter().map(|t| t.id.as_str()).collect();
                return Err(JournalError::Invalid(format!(
                    "The order has no term \"{term}\". Its terms are: {}.",
                    if known.is_empty() {
                        "none recorded".to_string()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        }
    } else if term.is_some() {
        return Err(JournalError::Invalid(
            "A term was given without the order it belongs to (order_id).".into(),
        ));
    }
    let police = match &input.police {
        Some(p) => {
            let agency = p.agency.trim().to_string();
            if agency.is_empty() {
                return Err(JournalError::Invalid(
                    "Police contact needs the agency (for example \"Oakland Police Department\")."
                        .into(),
                ));
            }
            check_text("police agency", &agency, MAX_SHORT_CHARS)?;
            Some(PoliceContact {
                agency,
                officer: clean_optional("officer", p.officer.as_deref())?,
                badge: clean_optional("badge", p.badge.as_deref())?,
                report_number: clean_optional("report number", p.report_number.as_deref())?,
                outcome: clean_optional("police outcome", p.outcome.as_deref())?,
            })
        }
        None => None,
    };
    let communications = cited_communications(tx, &input.communications)?;
    Ok(IncidentBody {
        number,
        occurred,
        ended,
        approximate: input.approximate,
        recorded_at,
        kinds,
        location,
        description,
        quotes,
        witnesses,
        order_id: order_id.map(str::to_string),
        term: term.map(|t| t.to_ascii_uppercase()),
        police,
        impact,
        attachments,
        communications,
    })
}

/// Most texts and calls one incident cites (a night of them is a few hundred).
const MAX_CITED: usize = 5_000;

/// The cited ids, each once, in the order given; every one must be an imported record.
fn cited_communications(tx: &Transaction<'_>, ids: &[String]) -> Result<Vec<String>> {
    if ids.len() > MAX_CITED {
        return Err(JournalError::Invalid(format!(
            "An incident can cite at most {MAX_CITED} texts and calls; split them over several incidents."
        )));
    }
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    let mut exists = tx.prepare_cached("SELECT 1 FROM communications WHERE id = ?1")?;
    for id in ids {
        let id = id.trim();
        if out.iter().any(|o| o == id) {
            continue;
        }
        if !exists.exists([id])? {
            return Err(JournalError::Invalid(format!(
                "There is no imported text or call with id {id}."
            )));
        }
        out.push(id.to_string());
    }
    Ok(out)
}

/// A short optional field (names, numbers, places): trimmed, blank means absent.
pub(crate) fn clean_optional(field: &str, value: Option<&str>) -> Result<Option<String>> {
    clean_optional_up_to(field, value, MAX_SHORT_CHARS)
}

/// An optional field that may hold a paragraph or more (impact, captions, transcripts).
pub(crate) fn clean_optional_long(field: &str, value: Option<&str>) -> Result<Option<String>> {
    clean_optional_up_to(field, value, MAX_QUOTE_CHARS)
}

fn clean_optional_up_to(field: &str, value: Option<&str>, limit: usize) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => {
            check_text(field, v, limit)?;
            Ok(Some(v.to_string()))
        }
        None => Ok(None),
    }
}

/// Refuses text that is too long or carries invisible control characters (which print as
/// nothing and could hide content in a sworn document).
pub(crate) fn check_text(field: &str, text: &str, max_chars: usize) -> Result<()> {
    let count = text.chars().count();
    if count > max_chars {
        return Err(JournalError::Invalid(format!(
            "The {field} is too long ({count} characters; the limit is {max_chars}). Put long material in an attachment."
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(JournalError::Invalid(format!(
            "The {field} contains invisible control characters. Retype or paste it as plain text."
        )));
    }
    Ok(())
}

fn check_count(field: &str, count: usize) -> Result<()> {
    if count > MAX_LIST_ITEMS {
        return Err(JournalError::Invalid(format!(
            "Too many {field} ({count}); the limit is {MAX_LIST_ITEMS} per incident."
        )));
    }
    Ok(())
}

/// RFC 7386 JSON merge patch.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(entries) => {
            if !target.is_object() {
                *target = Value::Object(serde_json::Map::new());
            }
            if let Value::Object(map) = target {
                for (key, value) in entries {
                    if value.is_null() {
                        map.remove(key);
                    } else {
                        merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::{filter_sql, incidents_sql, merge_patch, IncidentFilter};
    use crate::journal::keys::KdfCost;
    use crate::journal::search::matches_clause;
    use crate::journal::Journal;
    use chrono::NaiveDate;
    use secrecy::SecretString;
    use serde_json::json;

    /// What SQLite plans for `where_clause` on a real (empty) journal: one line per step.
    fn plan(journal: &Journal, where_clause: &str, args: &[&dyn rusqlite::ToSql]) -> String {
        let mut stmt = journal
            .conn
            .prepare(&format!(
                "EXPLAIN QUERY PLAN {}",
                incidents_sql(where_clause)
            ))
            .unwrap();
        let rows = stmt.query_map(args, |r| r.get::<_, String>(3)).unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
    }

    /// The timeline, a month and a search are served by indexes (migrations 03 and 04). Each
    /// of these read every incident row before, which at 100,000 incidents made a month or a
    /// search cost as much as the whole timeline (benches/perf.rs, growth).
    #[test]
    fn timeline_month_and_search_use_their_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let passphrase = SecretString::from("correct horse battery staple 42".to_string());
        let (journal, _) =
            Journal::create(&dir.path().join("j"), &passphrase, KdfCost::LogN(10)).unwrap();

        let timeline = plan(&journal, &filter_sql(&IncidentFilter::default()).0, &[]);
        assert!(timeline.contains("incidents_timeline"), "{timeline}");
        assert!(!timeline.contains("TEMP B-TREE"), "{timeline}");

        // A later page of the timeline starts in the index after the last row shown.
        let page = format!(
            "{} AND {}",
            filter_sql(&IncidentFilter::default()).0,
            super::super::timeline::after_clause(1)
        );
        let page = plan(&journal, &page, &[&7_i64]);
        assert!(
            page.contains("SEARCH i USING INDEX incidents_timeline (occurred_utc>?)"),
            "{page}"
        );
        assert!(!page.contains("TEMP B-TREE"), "{page}");

        let month = IncidentFilter {
            from: NaiveDate::from_ymd_opt(2025, 6, 1),
            to: NaiveDate::from_ymd_opt(2025, 6, 30),
            ..IncidentFilter::default()
        };
        let (clause, args) = filter_sql(&month);
        let refs: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a.as_ref()).collect();
        let month = plan(&journal, &clause, &refs);
        assert!(
            month.contains("SEARCH i USING INDEX incidents_local_date"),
            "{month}"
        );

        let search = format!("i.deleted_at IS NULL AND {}", matches_clause(1));
        let search = plan(&journal, &search, &[&"\"truck\"*"]);
        assert!(search.contains("(number=?)"), "{search}");
        assert!(
            !search
                .lines()
                .any(|l| l == "SCAN i" || l.starts_with("SCAN i ")),
            "{search}"
        );
    }

    #[test]
    fn merge_patch_follows_rfc_7386_examples() {
        let mut doc = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut doc, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(doc, json!({"a": "z", "c": {"d": "e"}}));
        let mut doc = json!({"a": ["b"]});
        merge_patch(&mut doc, &json!({"a": ["c", "d"]}));
        assert_eq!(doc, json!({"a": ["c", "d"]}));
    }
}
