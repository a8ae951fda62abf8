//! Conversations at any size: what the Messages screen lists and shows, read so that it does
//! not grow with the journal. The list comes from the counts migration 12 keeps per thread
//! (a few rows per conversation, whatever the number of texts), and a conversation is read a
//! page at a time, newest first, from the thread index. Only a search reads every record,
//! and then in SQL, without building each one.

use rusqlite::functions::FunctionFlags;
use rusqlite::params_from_iter;
use serde::{Deserialize, Serialize};

use super::{read_row, Communication, SELECT_COMMUNICATIONS};
use crate::journal::{Journal, JournalError};
use crate::phone::{numbers, Status};

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

/// The words a search is made of, lowercased.
pub fn search_words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_lowercase).collect()
}

/// A record's fields a search looks in.
pub struct SearchedFields<'a> {
    pub body: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub number_raw: Option<&'a str>,
    pub contact_name: Option<&'a str>,
    /// The other parties' normalised numbers, joined by spaces (as stored).
    pub thread: &'a str,
    /// "missed call", "sent" ...: what the app shows of the record's status.
    pub status_label: &'a str,
}

/// Whether a record's fields hold every search word (case-insensitive): its text, subject,
/// the numbers as written, normalised or printed, the phone's contact label and its status
/// ("missed call"). A word that looks like a phone number matches its digits however the
/// number was written.
pub fn fields_match(fields: &SearchedFields<'_>, words: &[String]) -> bool {
    if words.is_empty() {
        return true;
    }
    let mut hay = String::new();
    for part in [
        fields.body,
        fields.subject,
        fields.number_raw,
        fields.contact_name,
        Some(fields.status_label),
    ]
    .into_iter()
    .flatten()
    {
        hay.push_str(&part.to_lowercase());
        hay.push('\n');
    }
    // A number as printed ("+1 510-555-0100") and the digits of everything matter only to a
    // word that looks like a number: a search reads every record, so the rest skips them.
    let phone_like = |w: &str| w.chars().all(|c| c.is_ascii_digit() || "+-().".contains(c));
    let any_number = words.iter().any(|w| phone_like(w));
    for n in fields.thread.split(' ').filter(|n| !n.is_empty()) {
        hay.push_str(&n.to_lowercase());
        hay.push('\n');
        if any_number {
            hay.push_str(&numbers::display(n).to_lowercase());
            hay.push('\n');
        }
    }
    let digits: String = if any_number {
        hay.chars().filter(char::is_ascii_digit).collect()
    } else {
        String::new()
    };
    words.iter().all(|w| {
        // A number typed any way ("510 555 0100", "(510) 555-0100") finds it however stored.
        let wd: String = w.chars().filter(char::is_ascii_digit).collect();
        hay.contains(w.as_str()) || (phone_like(w) && wd.len() >= 3 && digits.contains(&wd))
    })
}

impl Communication {
    /// Whether the record holds every search word (`fields_match`).
    pub fn matches_words(&self, words: &[String]) -> bool {
        let thread = self.numbers.join(" ");
        let fields = SearchedFields {
            body: self.body.as_deref(),
            subject: self.subject.as_deref(),
            number_raw: self.number_raw.as_deref(),
            contact_name: self.contact_name.as_deref(),
            thread: &thread,
            status_label: self.status.label(),
        };
        fields_match(&fields, words)
    }
}

/// The SQL function a search is read through: `search_matches(body, subject, number_raw,
/// contact_name, thread, status)` with the words of this search.
const MATCH_FUNCTION: &str = "search_matches";
const MATCH_CALL: &str = "search_matches(body, subject, number_raw, contact_name, thread, status)";

impl Journal {
    /// Every thread's texts and calls counted: from the kept counts without a search, else
    /// those of the records that hold every word (a read of every record, in SQL).
    pub fn record_groups(&self, words: &[String]) -> Result<Vec<RecordGroup>, JournalError> {
        let sql = if words.is_empty() {
            "SELECT thread, call, hidden, contact_name, records, last_ms
             FROM communication_groups"
                .to_string()
        } else {
            self.register_search(words)?;
            format!(
                "SELECT thread, kind = 'call', hidden, coalesce(contact_name, ''), count(*),
                     max(at_ms)
                 FROM communications WHERE {MATCH_CALL} GROUP BY 1, 2, 3, 4"
            )
        };
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([], |r| {
            let thread: String = r.get(0)?;
            let contact: String = r.get(3)?;
            Ok(RecordGroup {
                numbers: split_thread(&thread),
                call: r.get(1)?,
                hidden: r.get(2)?,
                contact_name: (!contact.is_empty()).then_some(contact),
                records: r.get::<_, i64>(4)?.max(0) as u64,
                last_ms: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
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
        if !words.is_empty() {
            self.register_search(words)?;
        }
        let mut found: Vec<Communication> = Vec::new();
        for part in parts {
            let (sql, args) = page_query(part, !words.is_empty(), before, limit + 1);
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
            move |ctx| {
                let text = |i| ctx.get::<Option<String>>(i);
                let (body, subject, number_raw, contact_name) =
                    (text(0)?, text(1)?, text(2)?, text(3)?);
                let thread: String = ctx.get(4)?;
                let status: String = ctx.get(5)?;
                let fields = SearchedFields {
                    body: body.as_deref(),
                    subject: subject.as_deref(),
                    number_raw: number_raw.as_deref(),
                    contact_name: contact_name.as_deref(),
                    thread: &thread,
                    status_label: Status::from_key(&status).label(),
                };
                Ok(fields_match(&fields, &words))
            },
        )?;
        Ok(())
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

/// One part's page, newest first, one row more than the page to tell whether more follow.
fn page_query(
    part: &ThreadPart,
    search: bool,
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
    if search {
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
            let (sql, args) = page_query(&part, false, before, 501);
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
