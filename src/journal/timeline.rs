//! The timeline: the list of incidents the app shows, filtered and searched in one query.
//!
//! A row shows a few fields of an incident, not its whole text. Those fields are stored in
//! short columns beside the body (migration 05), written in the same transaction as the body
//! and checked against it by `verify`, so a list of 10,000 incidents reads them instead of
//! decoding 10,000 bodies: decoding was most of the timeline's cost (docs/performance.md).

use std::collections::HashSet;

use rusqlite::{Connection, Row};
use serde::Serialize;

use super::incidents::{filter_sql, IncidentBody, TIMELINE_ORDER};
use super::model::IncidentKind;
use super::search::{fts_query, matches_clause};
use super::{IncidentFilter, Journal, JournalError, Result};

/// How much of the description a row shows: about two lines of the list. Migration 05 uses
/// the same number for incidents saved before it. Changing it (or anything `ListColumns::of`
/// derives) needs a migration that recomputes the columns, or verify would report every
/// older incident as changed.
pub const SUMMARY_CHARS: usize = 160;

/// One incident as the timeline lists it: enough to recognise it, not its whole text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineRow {
    pub id: String,
    /// What people say aloud ("incident 12").
    pub number: i64,
    /// `YYYY-MM-DDTHH:MM:SS` as on the clock where it happened.
    pub local: String,
    /// Zone abbreviation in force then, `PDT`.
    pub abbreviation: String,
    pub approximate: bool,
    pub kinds: Vec<IncidentKind>,
    /// The description's first [`SUMMARY_CHARS`] characters, and "…" when there is more.
    pub summary: String,
    pub location: Option<String>,
    /// Files attached: the exhibits the report will number.
    pub exhibits: usize,
    pub reported: bool,
    pub amended: bool,
}

/// The list columns of `incidents` as they must be for `body`; `write_incident` stores them
/// with the body, `verify` compares them with it.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ListColumns {
    pub abbreviation: String,
    pub kinds: String,
    pub location: Option<String>,
    pub summary: String,
    pub exhibits: i64,
    pub reported: bool,
}

impl ListColumns {
    pub(super) fn of(body: &IncidentBody) -> Self {
        ListColumns {
            abbreviation: body.occurred.abbreviation.clone(),
            kinds: body
                .kinds
                .iter()
                .map(|k| k.key())
                .collect::<Vec<_>>()
                .join(","),
            location: body.location.clone(),
            summary: summary(&body.description),
            exhibits: body.attachments.len() as i64,
            reported: body.police.is_some(),
        }
    }

    /// Reads the columns from `row`, starting at column `first`, in the order written below.
    fn read(row: &Row<'_>, first: usize) -> rusqlite::Result<Self> {
        Ok(ListColumns {
            abbreviation: row.get(first)?,
            kinds: row.get(first + 1)?,
            location: row.get(first + 2)?,
            summary: row.get(first + 3)?,
            exhibits: row.get(first + 4)?,
            reported: row.get(first + 5)?,
        })
    }
}

const LIST_COLUMNS: &str =
    "i.occurred_abbreviation, i.kinds, i.location, i.summary, i.exhibits, i.reported";

/// The first incident whose list columns (or the number, local time and approximate mark a
/// row also shows) differ from what its body says, if any. `verify`
/// asks after checking each body against the chain, so the list cannot quietly disagree
/// with the history.
pub(super) fn list_columns_mismatch(conn: &Connection) -> Result<Option<String>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT i.id, i.body, i.number, i.occurred_local, i.approximate, {LIST_COLUMNS}
         FROM incidents i"
    ))?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let id: String = row.get(0)?;
        let damaged = |e: &dyn std::fmt::Display| {
            JournalError::Damaged(format!("incident {id} cannot be read: {e}"))
        };
        let text = row.get_ref(1)?.as_str().map_err(|e| damaged(&e))?;
        let body: IncidentBody = serde_json::from_str(text).map_err(|e| damaged(&e))?;
        // The row also shows these three older columns; they must agree too.
        let shown: (i64, String, bool) = (row.get(2)?, row.get(3)?, row.get(4)?);
        if shown != (body.number, body.occurred.local.clone(), body.approximate)
            || ListColumns::read(row, 5)? != ListColumns::of(&body)
        {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Above this many matching incidents a search's page walks the timeline in order (see
/// `timeline_page`): then about one row in 200 matches at a million incidents, and a page of
/// 200 reads at most about 40,000 rows.
pub(super) const DENSE_MATCHES: usize = 5_000;

/// One page of the timeline: what the app draws first, and then as the person scrolls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelinePage {
    pub rows: Vec<TimelineRow>,
    /// Ask for the page after this one with `after: Some(number)`; `None` at the end.
    pub next_after: Option<i64>,
    /// How many incidents match in all; counted only for the first page (`after: None`).
    pub total: Option<usize>,
}

impl Journal {
    /// Incidents in the order they occurred, as [`Journal::incidents`] selects them, narrowed
    /// to those matching every word of `words` (as [`Journal::search`]) unless it is blank.
    pub fn timeline(&self, filter: &IncidentFilter, words: &str) -> Result<Vec<TimelineRow>> {
        Ok(self.timeline_rows(filter, words, None, None, None)?.0)
    }

    /// Up to `limit` rows of [`Journal::timeline`], starting after the incident numbered
    /// `after` (the last row of the page before). A page costs about the same at any journal
    /// size: the rows are read in index order from that incident on and the query stops at
    /// `limit` (docs/performance.md); the first page also counts every match.
    pub fn timeline_page(
        &self,
        filter: &IncidentFilter,
        words: &str,
        after: Option<i64>,
        limit: usize,
    ) -> Result<TimelinePage> {
        self.paged(filter, words, after, limit, DENSE_MATCHES, true)
    }

    /// [`Journal::timeline_page`] without counting all matches: counting a million incidents
    /// takes longer than reading a page, so the window shows its first rows at once and asks
    /// [`Journal::timeline_total`] after. `total` is given only when it is known without
    /// counting (the whole list fits in the page, or a common word with no other filter).
    pub fn timeline_page_uncounted(
        &self,
        filter: &IncidentFilter,
        words: &str,
        after: Option<i64>,
        limit: usize,
    ) -> Result<TimelinePage> {
        self.paged(filter, words, after, limit, DENSE_MATCHES, false)
    }

    /// How many incidents [`Journal::timeline`] lists for this filter and search.
    pub fn timeline_total(&self, filter: &IncidentFilter, words: &str) -> Result<usize> {
        // The search index's matches count them only with no other filter; reading them for a
        // filtered search would be work thrown away.
        let dense = match *filter == IncidentFilter::default() {
            true => self.dense_matches(words, DENSE_MATCHES)?,
            false => None,
        };
        match known_total(filter, dense.as_ref()) {
            Some(total) => Ok(total),
            None => self.timeline_count(filter, words),
        }
    }

    /// The numbers of the incidents a search finds, when there are more than `dense_above`
    /// of them (then its pages walk the timeline); `None` for a rarer word or no search.
    fn dense_matches(&self, words: &str, dense_above: usize) -> Result<Option<HashSet<i64>>> {
        Ok(match fts_query(words) {
            Some(query) if !words.trim().is_empty() => {
                let numbers = self.matching_numbers(&query)?;
                (numbers.len() > dense_above).then_some(numbers)
            }
            _ => None,
        })
    }

    /// [`Journal::timeline_page`], with the number of matches above which a search walks the
    /// timeline (tests set it to 0 to check that path on a small journal), and whether a
    /// first page counts every match.
    fn paged(
        &self,
        filter: &IncidentFilter,
        words: &str,
        after: Option<i64>,
        limit: usize,
        dense_above: usize,
        count: bool,
    ) -> Result<TimelinePage> {
        let limit = limit.max(1);
        // A word found in many incidents ("truck" in 30% of a million) is paged by walking the
        // timeline in order and keeping the matches: a page then reads a few hundred rows,
        // where reading every match and sorting them by time read them all (5.9 s for the
        // first page at 1,000,000 incidents; docs/performance.md). Rarer words are found
        // through the search index as before.
        let dense = self.dense_matches(words, dense_above)?;
        let (rows, more) = match &dense {
            Some(numbers) => self.timeline_rows(filter, "", after, Some(limit), Some(numbers))?,
            None => self.timeline_rows(filter, words, after, Some(limit), None)?,
        };
        // Uncounted, a first page still says the count when it is known already.
        let total = match after {
            Some(_) => None,
            None if !more => Some(rows.len()),
            None => match known_total(filter, dense.as_ref()) {
                Some(total) => Some(total),
                None if count => Some(self.timeline_count(filter, words)?),
                None => None,
            },
        };
        let next_after = if more {
            rows.last().map(|r| r.number)
        } else {
            None
        };
        Ok(TimelinePage {
            rows,
            next_after,
            total,
        })
    }

    /// The WHERE clause and arguments of the timeline's query.
    fn timeline_where(
        filter: &IncidentFilter,
        words: &str,
    ) -> Result<(String, Vec<Box<dyn rusqlite::ToSql>>)> {
        let (mut where_clause, mut args) = filter_sql(filter);
        if !words.trim().is_empty() {
            let query = fts_query(words)
                .ok_or_else(|| JournalError::Invalid("Type a word to search for.".into()))?;
            args.push(Box::new(query));
            where_clause = format!("{where_clause} AND {}", matches_clause(args.len()));
        }
        Ok((where_clause, args))
    }

    fn timeline_count(&self, filter: &IncidentFilter, words: &str) -> Result<usize> {
        let (where_clause, args) = Self::timeline_where(filter, words)?;
        let args: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a.as_ref()).collect();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT count(*) FROM incidents i WHERE {where_clause}"
        ))?;
        let count: i64 = stmt.query_row(&*args, |r| r.get(0))?;
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// The numbers of the incidents matching an FTS query (deleted ones are not in the index).
    fn matching_numbers(&self, fts: &str) -> Result<HashSet<i64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT rowid FROM incident_search WHERE incident_search MATCH ?1")?;
        let numbers = stmt
            .query_map([fts], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(numbers)
    }

    /// The rows after incident `after` (all with `None`), at most `limit`, and whether more
    /// follow; with `only`, just the incidents numbered in it.
    fn timeline_rows(
        &self,
        filter: &IncidentFilter,
        words: &str,
        after: Option<i64>,
        limit: Option<usize>,
        only: Option<&HashSet<i64>>,
    ) -> Result<(Vec<TimelineRow>, bool)> {
        let (mut where_clause, mut args) = Self::timeline_where(filter, words)?;
        if let Some(after) = after {
            args.push(Box::new(after));
            where_clause = format!("{where_clause} AND {}", after_clause(args.len()));
        }
        // One row more than asked says whether another page follows. Rows left out by `only`
        // are skipped as they are read, so then the query has no limit of its own.
        let fetch = match (limit, only) {
            (Some(n), None) => i64::try_from(n.saturating_add(1)).unwrap_or(i64::MAX),
            _ => -1,
        };
        args.push(Box::new(fetch));
        let limit_param = args.len();
        let args: Vec<&dyn rusqlite::ToSql> = args.iter().map(|a| a.as_ref()).collect();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT i.id, i.number, i.occurred_local, i.approximate, i.amended, {LIST_COLUMNS}
             FROM incidents i WHERE {where_clause} {TIMELINE_ORDER} LIMIT ?{limit_param}"
        ))?;
        let mut rows = stmt.query(&*args)?;
        let mut listed = Vec::new();
        while let Some(row) = rows.next()? {
            let number: i64 = row.get(1)?;
            if only.is_some_and(|numbers| !numbers.contains(&number)) {
                continue;
            }
            if limit.is_some_and(|n| listed.len() == n) {
                return Ok((listed, true));
            }
            let id: String = row.get(0)?;
            let columns = ListColumns::read(row, 5)?;
            let kinds = columns
                .kinds
                .split(',')
                .filter(|k| !k.is_empty())
                .map(|k| {
                    IncidentKind::from_key(k).ok_or_else(|| {
                        JournalError::Damaged(format!("incident {id} has an unknown kind {k:?}"))
                    })
                })
                .collect::<Result<_>>()?;
            listed.push(TimelineRow {
                number,
                local: row.get(2)?,
                abbreviation: columns.abbreviation,
                approximate: row.get(3)?,
                kinds,
                summary: columns.summary,
                location: columns.location,
                exhibits: columns.exhibits as usize,
                reported: columns.reported,
                amended: row.get(4)?,
                id,
            });
        }
        Ok((listed, false))
    }
}

/// Rows after the incident numbered by parameter `param`, in the timeline's order
/// (occurred_utc, number): the query starts in the timeline index right after that incident
/// instead of counting rows from the top.
pub(super) fn after_clause(param: usize) -> String {
    format!(
        "(i.occurred_utc, i.number) > (SELECT occurred_utc, number FROM incidents WHERE number = ?{param})"
    )
}

/// The count of all matches when it is known without counting: a common word's matches
/// from the search index, with no other filter (deleted incidents leave the search index, so
/// every match is listed).
fn known_total(filter: &IncidentFilter, dense: Option<&HashSet<i64>>) -> Option<usize> {
    dense
        .filter(|_| *filter == IncidentFilter::default())
        .map(HashSet::len)
}

fn summary(description: &str) -> String {
    match description.char_indices().nth(SUMMARY_CHARS) {
        Some((cut, _)) => format!("{}…", &description[..cut]),
        None => description.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{summary, TimelineRow, DENSE_MATCHES, SUMMARY_CHARS};
    use crate::journal::model::{Incident, IncidentKind};
    use crate::journal::{IncidentFilter, Journal, JournalError, KdfCost, VerifyProblem};
    use chrono::NaiveDate;
    use secrecy::SecretString;
    use serde_json::json;

    /// The row as the app built it from a whole incident before rows had their own query.
    fn row_of(incident: &Incident) -> TimelineRow {
        let mut summary: String = incident.description.chars().take(SUMMARY_CHARS).collect();
        if incident.description.chars().count() > SUMMARY_CHARS {
            summary.push('…');
        }
        TimelineRow {
            id: incident.id.clone(),
            number: incident.number,
            local: incident.occurred.local.clone(),
            abbreviation: incident.occurred.abbreviation.clone(),
            approximate: incident.approximate,
            kinds: incident.kinds.clone(),
            summary,
            location: incident.location.clone(),
            exhibits: incident.attachments.len(),
            reported: incident.police.is_some(),
            amended: incident.amended,
        }
    }

    /// The demo journal (amended, deleted, reported incidents and exhibits) plus one
    /// description with escapes and more than [`SUMMARY_CHARS`] two-byte characters.
    fn demo_journal(dir: &std::path::Path) -> Journal {
        let passphrase = SecretString::from("correct horse battery staple 42".to_string());
        let (mut journal, _) =
            Journal::create(&dir.join("j"), &passphrase, KdfCost::LogN(10)).unwrap();
        crate::demo::fill(&mut journal, 7).unwrap();
        let input = serde_json::from_value(json!({
            "occurred_at": "2026-03-02T21:15",
            "timezone": "America/Los_Angeles",
            "kinds": ["text_message", "threat"],
            "description": format!("He wrote \"you can't hide\"\n\tand then {}", "é".repeat(200)),
        }))
        .unwrap();
        journal.add_incident(&input).unwrap();
        // Either side of the cut, where an off-by-one would show.
        for chars in [SUMMARY_CHARS, SUMMARY_CHARS + 1] {
            let input = serde_json::from_value(json!({
                "occurred_at": "2026-03-03T08:00",
                "timezone": "America/Los_Angeles",
                "description": "ñ".repeat(chars),
            }))
            .unwrap();
            journal.add_incident(&input).unwrap();
        }
        journal
    }

    /// Each row against the row the app used to build from the whole incident.
    fn assert_rows_match(journal: &Journal) {
        let june = NaiveDate::from_ymd_opt(2026, 6, 1);
        let filters = [
            IncidentFilter::default(),
            IncidentFilter {
                from: june,
                ..IncidentFilter::default()
            },
            IncidentFilter {
                to: june,
                kind: Some(IncidentKind::TextMessage),
                ..IncidentFilter::default()
            },
            IncidentFilter {
                kind: Some(IncidentKind::Threat),
                ..IncidentFilter::default()
            },
            IncidentFilter {
                reported: Some(true),
                ..IncidentFilter::default()
            },
            IncidentFilter {
                reported: Some(false),
                ..IncidentFilter::default()
            },
        ];
        let everything = journal.incidents(&IncidentFilter::default()).unwrap();
        assert!(everything.iter().any(|i| i.amended));
        assert!(everything.iter().any(|i| i.police.is_some()));
        assert!(everything.iter().any(|i| !i.attachments.is_empty()));
        for filter in &filters {
            for words in [
                "",
                "  ",
                "truck",
                "hide",
                "you can't",
                "nothing-matches-this",
            ] {
                let expected: Vec<TimelineRow> = if words.trim().is_empty() {
                    journal
                        .incidents(filter)
                        .unwrap()
                        .iter()
                        .map(row_of)
                        .collect()
                } else {
                    let found: Vec<String> = journal
                        .search(words)
                        .unwrap()
                        .into_iter()
                        .map(|i| i.id)
                        .collect();
                    journal
                        .incidents(filter)
                        .unwrap()
                        .iter()
                        .filter(|i| found.contains(&i.id))
                        .map(row_of)
                        .collect()
                };
                assert_eq!(
                    journal.timeline(filter, words).unwrap(),
                    expected,
                    "{filter:?} {words:?}"
                );
                assert_pages_join_up(journal, filter, words, &expected);
            }
        }
        let threats = IncidentFilter {
            kind: Some(IncidentKind::Threat),
            ..IncidentFilter::default()
        };
        let threats = journal.timeline(&threats, "").unwrap();
        assert!(threats.len() > 1 && threats.len() < everything.len());
        assert!(threats
            .iter()
            .all(|r| r.kinds.contains(&IncidentKind::Threat)));
        // Both filters read list columns; counted here from the whole incidents instead.
        let with_threat = everything
            .iter()
            .filter(|i| i.kinds.contains(&IncidentKind::Threat));
        assert_eq!(threats.len(), with_threat.count());
        let reported = IncidentFilter {
            reported: Some(true),
            ..IncidentFilter::default()
        };
        let reported = journal.timeline(&reported, "").unwrap();
        let with_police = everything.iter().filter(|i| i.police.is_some());
        assert_eq!(reported.len(), with_police.count());
        let trucks = journal
            .timeline(&IncidentFilter::default(), "truck")
            .unwrap();
        assert!(!trucks.is_empty() && trucks.len() < everything.len());
        let all = journal.timeline(&IncidentFilter::default(), "").unwrap();
        assert_eq!(all.len(), everything.len());
        assert!(all
            .iter()
            .any(|r| r.summary.starts_with("He wrote \"you can't hide\"\n\t")
                && r.summary.ends_with('…')));
        assert!(matches!(
            journal.timeline(&IncidentFilter::default(), "-- **"),
            Err(JournalError::Invalid(_))
        ));
    }

    /// Pages of any size, each asked for after the last row of the one before, are the
    /// whole timeline in order; the first says how many there are in all.
    fn assert_pages_join_up(
        journal: &Journal,
        filter: &IncidentFilter,
        words: &str,
        whole: &[TimelineRow],
    ) {
        // Both ways of paging a search: through the search index, and walking the timeline.
        for (limit, dense_above) in [1, 2, 5, whole.len().max(1), whole.len() + 1]
            .into_iter()
            .flat_map(|limit| [(limit, DENSE_MATCHES), (limit, 0)])
        {
            let mut joined = Vec::new();
            let mut after = None;
            let mut pages = 0;
            loop {
                let page = journal
                    .paged(filter, words, after, limit, dense_above, true)
                    .unwrap();
                pages += 1;
                assert!(page.rows.len() <= limit);
                let expected_total = (after.is_none()).then_some(whole.len());
                assert_eq!(page.total, expected_total, "{filter:?} {words:?} {limit}");
                // The same page uncounted, and the count asked for on its own.
                let uncounted = journal
                    .paged(filter, words, after, limit, dense_above, false)
                    .unwrap();
                assert!(uncounted
                    .total
                    .is_none_or(|total| Some(total) == expected_total));
                assert_eq!(
                    (&uncounted.rows, uncounted.next_after),
                    (&page.rows, page.next_after)
                );
                joined.extend(page.rows);
                match page.next_after {
                    Some(number) => after = Some(number),
                    None => break,
                }
            }
            assert_eq!(joined, whole, "{filter:?} {words:?} pages of {limit}");
            assert_eq!(journal.timeline_total(filter, words).unwrap(), whole.len());
            assert_eq!(pages, whole.len().div_ceil(limit).max(1), "{limit}");
        }
    }

    #[test]
    fn rows_match_whole_incidents_for_every_filter_and_search() {
        let dir = tempfile::tempdir().unwrap();
        assert_rows_match(&demo_journal(dir.path()));
    }

    /// Journals saved before migration 05 get their list columns from SQL; they must be what
    /// the journal itself would have written.
    #[test]
    fn migration_05_fills_the_columns_as_the_journal_writes_them() {
        let dir = tempfile::tempdir().unwrap();
        let journal = demo_journal(dir.path());
        let migration = include_str!("../../migrations/05-timeline-columns/up.sql");
        let backfill = &migration[migration.find("UPDATE incidents SET").unwrap()..];
        journal
            .conn
            .execute_batch(&format!(
                "UPDATE incidents SET occurred_abbreviation = '', kinds = '', location = NULL,
                     summary = '', exhibits = 0, reported = 0;
                 {backfill}"
            ))
            .unwrap();
        assert!(journal.verify().unwrap().is_ok());
        assert_rows_match(&journal);
    }

    #[test]
    fn verify_notices_a_list_column_that_disagrees_with_the_history() {
        let dir = tempfile::tempdir().unwrap();
        let journal = demo_journal(dir.path());
        assert!(journal.verify().unwrap().is_ok());
        let tamper = |sql: &str| journal.conn.execute_batch(sql).unwrap();
        let original: String = journal
            .conn
            .query_row("SELECT summary FROM incidents WHERE number = 3", [], |r| {
                r.get(0)
            })
            .unwrap();
        tamper("UPDATE incidents SET summary = 'Nothing happened.' WHERE number = 3");
        let problem = journal.verify().unwrap().unwrap_err();
        assert!(
            matches!(&problem, VerifyProblem::StateMismatch { entity, .. } if entity == "incident"),
            "{problem:?}"
        );
        journal
            .conn
            .execute(
                "UPDATE incidents SET summary = ?1 WHERE number = 3",
                [&original],
            )
            .unwrap();
        assert!(journal.verify().unwrap().is_ok());
        // The older columns a row shows are checked too.
        tamper("UPDATE incidents SET occurred_local = '2020-01-01T00:00:00' WHERE number = 5");
        assert!(journal.verify().unwrap().is_err());
    }

    #[test]
    fn summary_cuts_at_a_character_not_a_byte() {
        let exact = "é".repeat(SUMMARY_CHARS);
        assert_eq!(summary(&exact), exact);
        let longer = format!("{exact}ñ");
        assert_eq!(summary(&longer), format!("{exact}…"));
        assert_eq!(summary(""), "");
    }
}
