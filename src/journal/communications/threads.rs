//! Conversations at any size: what the Messages screen lists and shows, read so that it does
//! not grow with the journal. The list comes from the counts migration 12 keeps per thread
//! (a few rows per conversation, whatever the number of texts), and a conversation is read a
//! page at a time, newest first, from the thread index. A search's counts come from the
//! search index (search_index.rs) when it can look up every word, and otherwise from the
//! records it names (or every record) checked in SQL without building each one; a search's
//! page of a conversation checks each of the records it reads.

use rusqlite::functions::FunctionFlags;
use rusqlite::params_from_iter;
use serde::{Deserialize, Serialize};

use super::search::{fields_match, index_query, with_fields, IndexQuery};
use super::search_index::{counted_matches, index_pending, named_by_index};
use super::{read_row, Communication, SELECT_COMMUNICATIONS};
use crate::journal::{Journal, JournalError};

/// The texts or the calls of one thread that share a hidden flag and the phone's label for
/// the other side, counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordGroup {
    /// The other parties' normalised numbers (or a stated person), as stored.
    pub numbers: Vec<String>,
    pub call: bool,
    pub hidden: bool,
    /// The phone's label for the other side, not proof of who it is.
    pub contact_name: Option<String>,
    pub records: u64,
    pub last_ms: i64,
}

impl RecordGroup {
    /// Calls whose caller withheld their number: the report lists them with the restrained
    /// person's (`Communication::from_withheld_number`).
    pub fn withheld_calls(&self) -> bool {
        self.call && self.hidden && self.numbers.is_empty()
    }
}

/// Which stored thread a conversation reads, and for the thread of no other party, which of
/// its records: calls from a withheld number (`Some(true)`) or the rest (`Some(false)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadPart {
    pub numbers: Vec<String>,
    pub withheld_calls: Option<bool>,
}

/// Where a page of a conversation stopped: its oldest record. The next page holds those
/// before it, in the order (time, import, place in the file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordCursor {
    pub at_ms: i64,
    pub import_id: String,
    pub position: u64,
}

/// Up to `limit` records of a conversation, oldest first, and where the earlier ones start
/// (`None` when there are none).
#[derive(Debug, Clone)]
pub struct ConversationPage {
    pub records: Vec<Communication>,
    pub earlier: Option<RecordCursor>,
}

/// The SQL function a search is read through: `search_matches(body, subject, number_raw,
/// contact_name, thread, status)` with the words of this search.
const MATCH_FUNCTION: &str = "search_matches";
const MATCH_CALL: &str = "search_matches(body, subject, number_raw, contact_name, thread, status)";

impl Journal {
    /// Every thread's texts and calls counted: from the kept counts without a search, else
    /// those of the records that hold every word: from the search index when it can look up
    /// every word, else the records it names (or all) checked one by one.
    pub fn record_groups(&self, words: &[String]) -> Result<Vec<RecordGroup>, JournalError> {
        let mut args: Vec<String> = Vec::new();
        let sql = if words.is_empty() {
            "SELECT thread, call, hidden, contact_name, records, last_ms
             FROM communication_groups"
                .to_string()
        } else {
            index_pending(&self.conn)?;
            match index_query(words) {
                Some(IndexQuery { query, exact: true }) => {
                    return Ok(counted_matches(&self.conn, &query)?)
                }
                index => {
                    self.register_search(words)?;
                    let named = match index {
                        Some(IndexQuery { query, .. }) => {
                            args.push(query);
                            format!("{} AND", named_by_index(1))
                        }
                        None => String::new(),
                    };
                    format!(
                        "SELECT thread, kind = 'call', hidden, coalesce(contact_name, ''),
                             count(*), max(at_ms)
                         FROM communications WHERE {named} {MATCH_CALL} GROUP BY 1, 2, 3, 4"
                    )
                }
            }
        };
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args.iter()), |r| {
            let thread: String = r.get(0)?;
            Ok(RecordGroup::stored(
                &thread,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get::<_, i64>(4)?.max(0) as u64,
                r.get(5)?,
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many records the index names for `query`, read from its lists of records alone.
    fn index_matches(&self, query: &str) -> Result<u64, JournalError> {
        let count: i64 = self.conn.query_row(
            "SELECT count(*) FROM communication_search WHERE communication_search MATCH ?1",
            [query],
            |r| r.get(0),
        )?;
        Ok(count.max(0) as u64)
    }

    /// A page of the conversation made of `parts`: up to `limit` of its records before
    /// `before` (the newest when `None`) that hold every word, oldest first. Each part is
    /// read newest first from the thread index, so a page costs the same at any size.
    pub fn conversation_page(
        &self,
        parts: &[ThreadPart],
        words: &[String],
        before: Option<&RecordCursor>,
        limit: usize,
    ) -> Result<ConversationPage, JournalError> {
        let search = if words.is_empty() {
            None
        } else {
            index_pending(&self.conn)?;
            self.register_search(words)?;
            Some(match index_query(words) {
                Some(index) if self.index_matches(&index.query)? <= LISTED_MATCHES_AT_MOST => {
                    PageSearch::Listed(index.query)
                }
                _ => PageSearch::Walk,
            })
        };
        let mut found: Vec<Communication> = Vec::new();
        for part in parts {
            let (sql, args) = page_query(part, search.as_ref(), before, limit + 1);
            let mut stmt = self.conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params_from_iter(args.iter()), read_row)?;
            found.extend(rows.collect::<rusqlite::Result<Vec<_>>>()?);
        }
        found.sort_by(|a, b| order_key(b).cmp(&order_key(a)));
        let earlier = found.len() > limit;
        found.truncate(limit);
        found.reverse();
        for comm in &mut found {
            comm.parts = self.parts_of(&comm.id)?;
        }
        let earlier = match (earlier, found.first()) {
            (true, Some(oldest)) => Some(RecordCursor {
                at_ms: oldest.at_ms,
                import_id: oldest.source.import_id.clone(),
                position: oldest.source.position,
            }),
            _ => None,
        };
        Ok(ConversationPage {
            records: found,
            earlier,
        })
    }

    /// The time zone of the latest incident not deleted, read from the timeline's index.
    pub fn latest_incident_zone(&self) -> Result<Option<String>, JournalError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row(
                "SELECT timezone FROM incidents WHERE deleted_at IS NULL
                 ORDER BY occurred_utc DESC, number DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// (Re)defines the search function with these words on the journal's connection.
    fn register_search(&self, words: &[String]) -> Result<(), JournalError> {
        let words = words.to_vec();
        self.conn.create_scalar_function(
            MATCH_FUNCTION,
            6,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            move |ctx| with_fields(ctx, |fields| fields_match(fields, &words)),
        )?;
        Ok(())
    }
}

impl RecordGroup {
    /// A group as the tables keep its key: the thread's numbers joined by spaces, and `''`
    /// for no label (communication_groups, communication_search_group).
    pub(super) fn stored(
        thread: &str,
        call: bool,
        hidden: bool,
        contact_name: String,
        records: u64,
        last_ms: i64,
    ) -> Self {
        RecordGroup {
            numbers: split_thread(thread),
            call,
            hidden,
            contact_name: (!contact_name.is_empty()).then_some(contact_name),
            records,
            last_ms,
        }
    }
}

fn split_thread(thread: &str) -> Vec<String> {
    thread
        .split(' ')
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// A conversation's order: time, then the import and the place in its file.
fn order_key(c: &Communication) -> (i64, &str, u64) {
    (c.at_ms, c.source.import_id.as_str(), c.source.position)
}

/// How a conversation's page is searched. Either way every row is checked (`MATCH_CALL`).
enum PageSearch {
    /// Only the records the index names for this query: the list of every match in the
    /// journal is made first, so this is for words with few matches.
    Listed(String),
    /// The conversation's records newest first, until a page of matches is found: for words
    /// the index cannot look up, or with so many matches that listing them all would cost
    /// more than reading the conversation until a page of them is found.
    Walk,
}

/// Up to how many matches in the whole journal a conversation's page is read from the list
/// of them (`PageSearch::Listed`). Listing costs a lookup for each match (half a million for
/// "you" at a million records, for every page); a word with more matches than this (at a
/// million records, one in 50 or more) is found by reading the conversation itself within a
/// few pages' worth of records.
const LISTED_MATCHES_AT_MOST: u64 = 20_000;

/// One part's page, newest first, one row more than the page to tell whether more follow.
fn page_query(
    part: &ThreadPart,
    search: Option<&PageSearch>,
    before: Option<&RecordCursor>,
    limit: usize,
) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut sql = format!("{SELECT_COMMUNICATIONS} WHERE thread = ?1");
    let mut args = vec![Value::Text(part.numbers.join(" "))];
    match part.withheld_calls {
        Some(true) => sql.push_str(" AND kind = 'call' AND hidden = 1"),
        Some(false) => sql.push_str(" AND NOT (kind = 'call' AND hidden = 1)"),
        None => {}
    }
    if let Some(cursor) = before {
        // The time bound alone uses the index; the rest breaks ties at the same millisecond.
        sql.push_str(
            " AND at_ms <= ?2 AND (at_ms < ?2 OR import_id < ?3
                OR (import_id = ?3 AND position < ?4))",
        );
        args.push(Value::Integer(cursor.at_ms));
        args.push(Value::Text(cursor.import_id.clone()));
        args.push(Value::Integer(cursor.position as i64));
    }
    if let Some(search) = search {
        if let PageSearch::Listed(query) = search {
            args.push(Value::Text(query.clone()));
            sql.push_str(&format!(" AND {}", named_by_index(args.len())));
        }
        sql.push_str(&format!(" AND {MATCH_CALL}"));
    }
    sql.push_str(&format!(
        " ORDER BY at_ms DESC, import_id DESC, position DESC LIMIT {limit}"
    ));
    (sql, args)
}

#[cfg(test)]
mod tests {
    use super::{page_query, RecordCursor, ThreadPart};

    /// A page starts in the thread index at the cursor's time: it reads a page's rows, not
    /// the conversation's.
    #[test]
    fn a_page_is_read_from_the_thread_index() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::journal::store::migrate_for_test(&mut conn);
        let part = ThreadPart {
            numbers: vec!["+15105550100".into()],
            withheld_calls: None,
        };
        let cursor = RecordCursor {
            at_ms: 5,
            import_id: "i".into(),
            position: 3,
        };
        for before in [None, Some(&cursor)] {
            let (sql, args) = page_query(&part, None, before, 501);
            let plan: Vec<String> = conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map(rusqlite::params_from_iter(args.iter()), |r| r.get(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let plan = plan.join("; ");
            let wanted = if before.is_some() {
                "USING INDEX communications_thread (thread=? AND at_ms<?)"
            } else {
                "USING INDEX communications_thread (thread=?)"
            };
            assert!(plan.contains(wanted), "{plan}");
            assert!(!plan.contains("SCAN"), "{plan}");
        }
    }
}

#[cfg(test)]
mod search_tests {
    use super::ThreadPart;
    use crate::journal::{search_words, Journal, KdfCost};
    use age::secrecy::SecretString;

    /// A record stored by any way but an import (which files it before it commits) is filed
    /// in the search index before a search reads it.
    #[test]
    fn a_search_files_what_is_pending_first() {
        let dir = tempfile::tempdir().unwrap();
        let passphrase = SecretString::from("correct horse battery staple 42".to_string());
        let (journal, _) =
            Journal::create(&dir.path().join("j"), &passphrase, KdfCost::LogN(10)).unwrap();
        journal
            .conn
            .execute_batch(
                "INSERT INTO phone_imports (id, format, body, imported_at)
                 VALUES ('i1', 'f', '{}', 't');
                 INSERT INTO communications (id, import_id, position, line, byte_start,
                     byte_end, kind, at_ms, status, incoming, thread, hidden, body, content_key)
                 VALUES ('c1', 'i1', 1, 1, 0, 1, 'sms', 1000, 'received', 1, '+15105550100',
                     0, 'on the porch', 'c1');",
            )
            .unwrap();
        let words = search_words("porch");
        let groups = journal.record_groups(&words).unwrap();
        assert_eq!(groups.len(), 1, "{groups:?}");
        assert_eq!((groups[0].records, groups[0].last_ms), (1, 1000));

        journal
            .conn
            .execute_batch(
                "INSERT INTO communications (id, import_id, position, line, byte_start,
                     byte_end, kind, at_ms, status, incoming, thread, hidden, body, content_key)
                 VALUES ('c2', 'i1', 2, 2, 0, 1, 'sms', 2000, 'received', 1, '+15105550100',
                     0, 'porch again', 'c2');",
            )
            .unwrap();
        let part = ThreadPart {
            numbers: vec!["+15105550100".into()],
            withheld_calls: None,
        };
        let page = journal
            .conversation_page(&[part], &words, None, 10)
            .unwrap();
        let ids: Vec<&str> = page.records.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["c1", "c2"]);
    }
}
