//! Where the texts-and-calls search index files each record, and how a search's counts per
//! conversation are read from the index's lists of matches without reading the records.
//!
//! The index (migration 14) is FTS5 over what `search::index_texts` makes of each record. An
//! entry's rowid, its *place*, is
//!
//! ```text
//!   conversation number (26 bits) | hour of its time since 1970 (21 bits) | turn (16 bits)
//! ```
//!
//! FTS5 returns a word's matches in rowid order, so they arrive grouped by conversation and in
//! hour order within each: the counts are read from the places alone, and a conversation's
//! latest match is among the matches of its last hours (`latest_of`), the few whose times are
//! looked up. Reading each match's conversation and time instead (migration 13) cost 0.7 µs a
//! match: half a second for a common word at a million records.
//!
//! What every place holds to, and `latest_of` relies on: its conversation is the record's, and
//! an entry filed under an hour before the last has a time before that hour's end. A record is
//! filed under its own hour, or, when all 65,536 turns of that hour are taken, after the
//! conversation's last entry (later, never earlier); a time before 1970 is filed under hour 0
//! and one after 2209 under the last hour.
//!
//! FTS5 writes fast only when rowids come in order (an earlier rowid makes it write what it
//! holds as a segment of its own), and a backup's records come in the phone's order, so the
//! triggers only note new records (`communication_search_pending`), and `index_pending` files
//! them in order of place: before an import commits, at every unlock, and before a search.

use rusqlite::{params, Connection, OptionalExtension};

use super::search::{index_texts, StoredFields};
use super::RecordGroup;

const TURN_BITS: u32 = 16;
const HOUR_BITS: u32 = 21;
const GROUP_BITS: u32 = 26;
const HOUR_SHIFT: u32 = TURN_BITS;
const GROUP_SHIFT: u32 = TURN_BITS + HOUR_BITS;
const LAST_TURN: i64 = (1 << TURN_BITS) - 1;
const LAST_HOUR: i64 = (1 << HOUR_BITS) - 1;
const LAST_GROUP: i64 = (1 << GROUP_BITS) - 1;
const HOUR_MS: i64 = 3_600_000;

/// How the index's entries are made, beyond its schema: the Unicode version of Rust's
/// lowercasing (`search::fold`) and this number, raised whenever what an entry holds changes
/// (the fields, the folding, or how `numbers::display` prints:
/// `numbers_are_printed_as_the_index_has_them` fails when an update of the phone-number
/// library prints them otherwise).
fn index_format() -> String {
    let (major, minor, patch) = char::UNICODE_VERSION;
    format!("2; unicode {major}.{minor}.{patch}")
}

/// The hour a time is filed under: hours since 1970, within what a place can hold.
fn filed_hour(at_ms: i64) -> i64 {
    at_ms.div_euclid(HOUR_MS).clamp(0, LAST_HOUR)
}

fn group_of(place: i64) -> i64 {
    place >> GROUP_SHIFT
}

fn hour_of(place: i64) -> i64 {
    (place >> HOUR_SHIFT) & LAST_HOUR
}

/// The first place of a conversation's hour.
fn hour_start(group: i64, at_ms: i64) -> i64 {
    (group << GROUP_SHIFT) | (filed_hour(at_ms) << HOUR_SHIFT)
}

/// What a journal cannot hold: more conversations, or more records in one, than places have
/// room for (67 million; 2^37 records). Only a made-up backup comes near.
fn no_room(what: &str) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
        Some(format!("the search index has no room for {what}")),
    )
}

/// The records the triggers noted, filed in the index in order of place. Atomic on its own
/// (a savepoint), and within an import's transaction. A no-op but for one read when nothing
/// is pending.
pub fn index_pending(conn: &Connection) -> rusqlite::Result<()> {
    let pending: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM communication_search_pending)",
        [],
        |r| r.get(0),
    )?;
    if !pending {
        return Ok(());
    }
    conn.execute_batch("SAVEPOINT search_index")?;
    // CROSS JOIN: SQLite then reads the few pending and looks each record up, rather than
    // read every record to look each up among the pending (0.25 s of an import of 1,000 into
    // 100,000).
    let filed = file_records(
        conn,
        "communication_search_pending p CROSS JOIN communications c ON c.id = p.id",
    )
    .and_then(|()| conn.execute_batch("DELETE FROM communication_search_pending"));
    match filed {
        Ok(()) => conn.execute_batch("RELEASE search_index"),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO search_index; RELEASE search_index");
            Err(e)
        }
    }
}

/// Makes every entry again when they were made by other rules than this version's
/// (`index_format`), then files what is pending. A record's entry is made once, when it is
/// filed, and the search checks by the running version's rules. Called at every unlock.
pub fn keep_index_current(conn: &Connection) -> rusqlite::Result<()> {
    let made: Option<String> = conn
        .query_row("SELECT format FROM communication_search_format", [], |r| {
            r.get(0)
        })
        .optional()?;
    if made.as_deref() != Some(index_format().as_str()) {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let filled = fill_index(conn).and_then(|()| conn.execute_batch("COMMIT"));
        if filled.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        filled?;
    }
    index_pending(conn)
}

/// Fills the index with every record stored (migration 14's hook, and `keep_index_current`),
/// merged into one segment: written in one go, FTS5 leaves many small segments whose merging
/// the next imports would pay for (an import of 1,000 records into 100,000 took 2.5x as
/// long). Records what rules the entries were made by.
pub fn fill_index(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "DELETE FROM communication_search_format;
         DELETE FROM communication_search_pending;
         DELETE FROM communication_search_entry;
         DELETE FROM communication_search_group;
         INSERT INTO communication_search (communication_search) VALUES ('delete-all');",
    )?;
    conn.execute(
        "INSERT INTO communication_search_format (format) VALUES (?1)",
        [index_format()],
    )?;
    file_records(conn, "communications c")?;
    conn.execute_batch(
        "INSERT INTO communication_search (communication_search) VALUES ('optimize')",
    )
}

/// Files the records `from` names (`c` being `communications`): numbers their conversations,
/// gives each a place, and writes their entries in order of place.
fn file_records(conn: &Connection, from: &str) -> rusqlite::Result<()> {
    conn.execute(
        &format!(
            "INSERT INTO communication_search_group (thread, call, hidden, contact_name)
             SELECT DISTINCT c.thread, c.kind = 'call', c.hidden, coalesce(c.contact_name, '')
             FROM {from} WHERE true ON CONFLICT DO NOTHING"
        ),
        [],
    )?;
    let last_group: Option<i64> = conn.query_row(
        "SELECT max(number) FROM communication_search_group",
        [],
        |r| r.get(0),
    )?;
    if last_group.unwrap_or(0) > LAST_GROUP {
        return Err(no_room("so many conversations"));
    }
    // (first place of its hour, time, rowid in `communications`): 24 bytes a record, so a
    // million records are ordered in 24 MB before any text is read.
    let mut records: Vec<(i64, i64, i64)> = {
        let mut stmt = conn.prepare(&format!(
            "SELECT g.number, c.at_ms, c.rowid FROM {from}
             JOIN communication_search_group g ON g.thread = c.thread
                 AND g.call = (c.kind = 'call') AND g.hidden = c.hidden
                 AND g.contact_name = coalesce(c.contact_name, '')"
        ))?;
        let rows = stmt.query_map([], |r| {
            let (group, at_ms): (i64, i64) = (r.get(0)?, r.get(1)?);
            Ok((hour_start(group, at_ms), at_ms, r.get(2)?))
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    records.sort_unstable();
    let mut read = conn.prepare(
        "SELECT id, body, subject, number_raw, contact_name, thread, status
         FROM communications WHERE rowid = ?1",
    )?;
    let mut add_entry = conn
        .prepare("INSERT INTO communication_search_entry (place, id, at_ms) VALUES (?1, ?2, ?3)")?;
    let mut add_text = conn.prepare(
        "INSERT INTO communication_search (rowid, haystack, numbers) VALUES (?1, ?2, ?3)",
    )?;
    for (start, at_ms, rowid) in records {
        let place = free_place(conn, start)?;
        let (id, texts) = read.query_row([rowid], |r| {
            let stored = StoredFields::read(|i| r.get(i + 1))?;
            Ok((r.get::<_, String>(0)?, index_texts(&stored.fields())))
        })?;
        add_entry.execute(params![place, id, at_ms])?;
        add_text.execute(params![place, texts.0, texts.1])?;
    }
    Ok(())
}

/// The place for a record whose hour begins at `start`: the hour's next turn, or, when the
/// hour is full, the one after the conversation's last entry.
fn free_place(conn: &Connection, start: i64) -> rusqlite::Result<i64> {
    let mut last_taken = conn.prepare_cached(
        "SELECT max(place) FROM communication_search_entry WHERE place BETWEEN ?1 AND ?2",
    )?;
    let hour_end = start | LAST_TURN;
    match last_taken.query_row([start, hour_end], |r| r.get::<_, Option<i64>>(0))? {
        None => Ok(start),
        Some(taken) if taken < hour_end => Ok(taken + 1),
        Some(_) => {
            let group_end = start | ((1 << GROUP_SHIFT) - 1);
            let last = last_taken
                .query_row([start, group_end], |r| r.get::<_, Option<i64>>(0))?
                .unwrap_or(hour_end);
            if last >= group_end {
                return Err(no_room("so many records in one conversation"));
            }
            Ok(last + 1)
        }
    }
}

/// The records the index names for `query` (FTS5 query syntax), counted per conversation
/// with the latest time of each, from their places and the times of the last few.
pub fn counted_matches(conn: &Connection, query: &str) -> rusqlite::Result<Vec<RecordGroup>> {
    // One read: places are numbered again when the index is filled again (`fill_index`), and
    // the times and conversations looked up must be those of the places listed.
    conn.execute_batch("SAVEPOINT search_read")?;
    let counted = count_places(conn, query);
    conn.execute_batch("RELEASE search_read")?;
    counted
}

fn count_places(conn: &Connection, query: &str) -> rusqlite::Result<Vec<RecordGroup>> {
    let places: Vec<i64> = {
        let mut stmt = conn.prepare_cached(
            "SELECT rowid FROM communication_search WHERE communication_search MATCH ?1
             ORDER BY rowid",
        )?;
        let rows = stmt.query_map([query], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut time_of =
        conn.prepare_cached("SELECT at_ms FROM communication_search_entry WHERE place = ?1")?;
    let mut group = conn.prepare_cached(
        "SELECT thread, call, hidden, contact_name FROM communication_search_group
         WHERE number = ?1",
    )?;
    let mut counted = Vec::new();
    let mut rest = places.as_slice();
    while let Some(&first) = rest.first() {
        let number = group_of(first);
        let len = rest.partition_point(|&p| group_of(p) == number);
        let (mine, after) = rest.split_at(len);
        rest = after;
        let last_ms = latest_of(mine, |place| time_of.query_row([place], |r| r.get(0)))?;
        counted.push(group.query_row([number], |r| {
            let thread: String = r.get(0)?;
            Ok(RecordGroup::stored(
                &thread,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                mine.len() as u64,
                last_ms,
            ))
        })?);
    }
    Ok(counted)
}

/// The latest time among one conversation's `places` (ascending), reading the times of the
/// last hour's, then the hour before, until no earlier hour can hold a later time: an entry
/// under hour `h` (not the last) has a time before `h + 1` hours (the module's invariant).
fn latest_of(
    places: &[i64],
    mut time_of: impl FnMut(i64) -> rusqlite::Result<i64>,
) -> rusqlite::Result<i64> {
    let mut latest = i64::MIN;
    let mut end = places.len();
    while end > 0 {
        let hour = hour_of(places[end - 1]);
        let start = places[..end].partition_point(|&p| hour_of(p) < hour);
        for &place in &places[start..end] {
            latest = latest.max(time_of(place)?);
        }
        if latest >= hour * HOUR_MS {
            break;
        }
        end = start;
    }
    Ok(latest)
}

/// SQL that holds when the record's `id` is among those the index names for the query in
/// parameter `?n`.
pub fn named_by_index(n: usize) -> String {
    format!(
        "id IN (SELECT id FROM communication_search_entry WHERE place IN (
             SELECT rowid FROM communication_search WHERE communication_search MATCH ?{n}))"
    )
}

#[cfg(test)]
mod tests {
    use super::{
        counted_matches, group_of, hour_of, index_pending, latest_of, HOUR_MS, LAST_HOUR, LAST_TURN,
    };
    use crate::journal::communications::search::{index_query, search_words};
    use rusqlite::Connection;

    fn journal() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::journal::store::migrate_for_test(&mut conn);
        conn.execute_batch(
            "INSERT INTO phone_imports (id, format, body, imported_at) VALUES ('i1', 'f', '{}', 't')",
        )
        .unwrap();
        conn
    }

    fn add(conn: &Connection, id: &str, thread: &str, at_ms: i64, body: &str) {
        conn.execute(
            "INSERT INTO communications (id, import_id, position, line, byte_start, byte_end,
                 kind, at_ms, status, incoming, thread, hidden, body, content_key)
             VALUES (?1, 'i1', (SELECT count(*) + 1 FROM communications), 1, 0, 1, 'sms', ?2,
                 'received', 1, ?3, 0, ?4, ?1)",
            rusqlite::params![id, at_ms, thread, body],
        )
        .unwrap();
    }

    fn place(conn: &Connection, id: &str) -> i64 {
        conn.query_row(
            "SELECT place FROM communication_search_entry WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap()
    }

    fn counted(conn: &Connection, search: &str) -> Vec<(String, u64, i64)> {
        index_pending(conn).unwrap();
        let query = index_query(&search_words(search)).unwrap().query;
        let mut counted: Vec<_> = counted_matches(conn, &query)
            .unwrap()
            .into_iter()
            .map(|g| (g.numbers.join(" "), g.records, g.last_ms))
            .collect();
        counted.sort();
        counted
    }

    const fn at(hours: i64, minutes: i64) -> i64 {
        hours * HOUR_MS + minutes * 60_000
    }

    /// A record whose hour is full is filed after its conversation's last entry, and the
    /// latest match of a conversation is still its latest: when the last hour's matches are
    /// all filed there from earlier hours, the hours before are read too.
    #[test]
    fn a_full_hour_files_later_and_the_latest_match_stays_right() {
        let conn = journal();
        add(&conn, "b", "+1510", at(20, 1), "porch");
        add(&conn, "d", "+1510", at(15, 30), "gate");
        index_pending(&conn).unwrap();
        assert_eq!(hour_of(place(&conn, "b")), 20);
        assert_eq!(hour_of(place(&conn, "d")), 15);
        let group = group_of(place(&conn, "b"));
        // Every turn of hour 10 taken (as by 65,536 records in that hour).
        let hour_10 = (group << super::GROUP_SHIFT) | (10 << super::HOUR_SHIFT);
        conn.execute(
            "WITH RECURSIVE t(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM t WHERE n < ?2)
             INSERT INTO communication_search_entry (place, id, at_ms)
             SELECT ?1 + n, 'taken' || n, ?3 FROM t",
            rusqlite::params![hour_10, LAST_TURN, at(10, 0)],
        )
        .unwrap();
        add(&conn, "a", "+1510", at(10, 5), "porch gate");
        index_pending(&conn).unwrap();
        assert_eq!(
            place(&conn, "a"),
            place(&conn, "b") + 1,
            "after the last entry"
        );
        assert_eq!(counted(&conn, "porch"), [("+1510".into(), 2, at(20, 1))]);
        // Hour 20 holds only "a" of these matches, filed there from hour 10: hour 15 is read.
        assert_eq!(counted(&conn, "gate"), [("+1510".into(), 2, at(15, 30))]);
    }

    /// Times a place cannot hold (before 1970, after 2209) are filed under the first and last
    /// hours, and counted with their own times.
    #[test]
    fn times_out_of_range_are_filed_at_the_ends() {
        let conn = journal();
        let far = (LAST_HOUR + 500) * HOUR_MS;
        add(&conn, "old", "+1", -5 * HOUR_MS, "porch");
        add(&conn, "far", "+2", far, "porch");
        add(&conn, "far2", "+2", far - 7, "porch");
        add(&conn, "near", "+2", at(30, 0), "porch");
        index_pending(&conn).unwrap();
        assert_eq!(hour_of(place(&conn, "old")), 0);
        assert_eq!(hour_of(place(&conn, "far")), LAST_HOUR);
        assert_eq!(
            counted(&conn, "porch"),
            [("+1".into(), 1, -5 * HOUR_MS), ("+2".into(), 3, far)]
        );
    }

    /// Records are filed in order of place whatever order they came in, and a record stored
    /// and not yet filed is filed before a search reads the index.
    #[test]
    fn records_are_filed_by_conversation_then_hour() {
        let conn = journal();
        add(&conn, "x3", "+3", at(5, 0), "porch");
        add(&conn, "x1", "+1", at(9, 0), "porch");
        add(&conn, "x2", "+1", at(2, 0), "porch");
        index_pending(&conn).unwrap();
        let (p1, p2, p3) = (place(&conn, "x1"), place(&conn, "x2"), place(&conn, "x3"));
        assert_eq!(group_of(p1), group_of(p2));
        assert_ne!(group_of(p1), group_of(p3));
        assert!(p2 < p1, "hour 2 before hour 9 in one conversation");
        // Written in order of place, FTS5 wrote the batch as one segment.
        let segments: i64 = conn
            .query_row(
                "SELECT count(DISTINCT segid) FROM communication_search_idx",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(segments, 1);
        add(&conn, "x4", "+3", at(6, 0), "porch");
        assert_eq!(
            counted(&conn, "porch"),
            [("+1".into(), 2, at(9, 0)), ("+3".into(), 2, at(6, 0))]
        );
    }

    /// The latest time is read from the last hour's entries only when one of them is in it.
    #[test]
    fn the_latest_time_reads_few_entries() {
        let place = |hour: i64, turn: i64| (hour << super::HOUR_SHIFT) | turn;
        let times = |places: &[i64]| {
            let mut read = Vec::new();
            let latest = latest_of(places, |p| {
                read.push(p);
                Ok(hour_of(p) * HOUR_MS + (p & LAST_TURN))
            })
            .unwrap();
            (latest, read.len())
        };
        let places: Vec<i64> = (0..100)
            .map(|h| place(h, 0))
            .chain([place(100, 0), place(100, 1)])
            .collect();
        assert_eq!(times(&places), (100 * HOUR_MS + 1, 2));
        // Entries filed late (times from long before their hour) make it read on.
        let late = |p: i64| {
            if hour_of(p) == 100 {
                Ok(0)
            } else {
                Ok(hour_of(p) * HOUR_MS)
            }
        };
        assert_eq!(latest_of(&places, late).unwrap(), 99 * HOUR_MS);
    }

    /// Migration 14 takes migration 13's index away whole (its tables of its own too).
    #[test]
    fn the_index_before_is_gone() {
        let conn = journal();
        let names: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE name LIKE 'communication_search%'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            !names.iter().any(|n| n == "communication_search_content"),
            "{names:?}"
        );
        assert!(names.iter().any(|n| n == "communication_search_entry"));
    }
}
