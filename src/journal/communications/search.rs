//! What a search of the texts and calls finds, and the index that finds it without reading
//! every record.
//!
//! A record matches when every word typed is part of its text, subject, the numbers as the
//! phone wrote them, normalised or printed, the phone's contact label or its status ("missed
//! call"); a word that looks like a phone number also matches its digits however the number
//! was written. That is substring matching, so the index is an FTS5 trigram index
//! (sqlite.org/fts5.html, "The Trigram Tokenizer") over the same text the match reads, built
//! here in Rust and lowercased the same way (`index_texts`; `search_index` files it). A trigram phrase matches exactly
//! where the word is part of the text, so a search whose words all have three letters or more
//! is answered by the index alone; a shorter word cannot be looked up, and the records the
//! other words name are checked with `fields_match`, or every record when no word is long
//! enough. Tests hold the index to `fields_match` record by record.

use rusqlite::functions::Context;

use super::Communication;
use crate::phone::{numbers, Status};

/// The words a search is made of, folded as the text they are looked for in (`fold`).
pub fn search_words(text: &str) -> Vec<String> {
    text.split_whitespace().map(fold).collect()
}

/// Lowercased, with the three characters SQLite's trigram tokenizer does not keep as they are
/// made U+FFFD: it drops NUL, and reads U+FFFE and U+FFFF as U+FFFD (sqlite3.c, `READ_UTF8`,
/// `fts5TriTokenize`). Both the text searched and the words are folded this way, so the index
/// and `fields_match` read the same characters (a NUL in a word would also end the index's
/// query early).
fn fold(text: &str) -> String {
    text.to_lowercase()
        .chars()
        .map(|c| match c {
            '\0' | '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
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

/// A word that may be (part of) a phone number: digits and the marks numbers are written with.
fn phone_like(word: &str) -> bool {
    word.chars()
        .all(|c| c.is_ascii_digit() || "+-().".contains(c))
}

fn digits_of(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// Each number of the thread as the app prints it ("+1 510-555-0100"), lowercased. Parsing a
/// number is most of what a record costs to search or index, so it is done once.
fn printed_numbers(fields: &SearchedFields<'_>) -> Vec<String> {
    fields
        .thread
        .split(' ')
        .filter(|n| !n.is_empty())
        .map(|n| fold(&numbers::display(n)))
        .collect()
}

/// The fields lowercased, one a line; with `printed` (`printed_numbers`), each number of the
/// thread also as printed.
fn haystack(fields: &SearchedFields<'_>, printed: Option<&[String]>) -> String {
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
        hay.push_str(&fold(part));
        hay.push('\n');
    }
    for (i, n) in fields
        .thread
        .split(' ')
        .filter(|n| !n.is_empty())
        .enumerate()
    {
        hay.push_str(&fold(n));
        hay.push('\n');
        if let Some(p) = printed.and_then(|p| p.get(i)) {
            hay.push_str(p);
            hay.push('\n');
        }
    }
    hay
}

/// Whether a record's fields hold every search word (case-insensitive): its text, subject,
/// the numbers as written, normalised or printed, the phone's contact label and its status
/// ("missed call"). A word that looks like a phone number matches its digits however the
/// number was written.
pub fn fields_match(fields: &SearchedFields<'_>, words: &[String]) -> bool {
    if words.is_empty() {
        return true;
    }
    // A number as printed and the digits of everything matter only to a word that looks like
    // a number: a search without an index reads every record, so the rest skips them.
    let any_number = words.iter().any(|w| phone_like(w));
    let printed = any_number.then(|| printed_numbers(fields));
    let hay = haystack(fields, printed.as_deref());
    let digits = if any_number {
        digits_of(&hay)
    } else {
        String::new()
    };
    words.iter().all(|w| {
        // A number typed any way ("510 555 0100", "(510) 555-0100") finds it however stored.
        let wd = digits_of(w);
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

/// The index's question for a search (FTS5 query syntax), and whether its answer is the
/// search's: each word of three letters or more is a trigram phrase, which matches exactly
/// where the word is part of the indexed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexQuery {
    pub query: String,
    /// Every word was looked up, so the records named are exactly those `fields_match`
    /// accepts; otherwise they are a superset, to be checked.
    pub exact: bool,
}

/// The index's question for these words; `None` when no word can be looked up (all shorter
/// than three letters), and every record must be read.
///
/// It asks what `fields_match` asks. A word is looked for in the record's text (`haystack`);
/// when a word of the search may be a number, every word also in the numbers as printed and
/// the digits of everything (`numbers`), as `fields_match` then reads them too; and a word that
/// may be a number, by its digits there. A word has no white space, so it cannot match across
/// the lines the columns are made of, and the digits line holds only digits, which a word with
/// anything else in it cannot match.
pub fn index_query(words: &[String]) -> Option<IndexQuery> {
    let any_number = words.iter().any(|w| phone_like(w));
    let phrase = |column: &str, w: &str| format!("{column} : \"{}\"", w.replace('"', "\"\""));
    let terms: Vec<String> = words
        .iter()
        .filter(|w| w.chars().count() >= 3)
        .map(|w| {
            let mut either = vec![phrase("haystack", w)];
            if any_number {
                either.push(phrase("numbers", w));
            }
            let wd = digits_of(w);
            if phone_like(w) && wd.len() >= 3 && wd != **w {
                either.push(phrase("numbers", &wd));
            }
            format!("({})", either.join(" OR "))
        })
        .collect();
    (!terms.is_empty()).then(|| IndexQuery {
        query: terms.join(" AND "),
        exact: words.iter().all(|w| w.chars().count() >= 3),
    })
}

/// What the index holds of a record (`search_index`): its text as `fields_match` reads it,
/// and the numbers as printed followed by the digits of all of it, which a word that may be a
/// number is also looked for in.
pub(super) fn index_texts(fields: &SearchedFields<'_>) -> (String, String) {
    let printed = printed_numbers(fields);
    let mut numbers = String::new();
    for p in &printed {
        numbers.push_str(p);
        numbers.push('\n');
    }
    numbers.push_str(&digits_of(&haystack(fields, Some(&printed))));
    (haystack(fields, None), numbers)
}

/// A record's searched fields as SQL gives them, in the order `(body, subject, number_raw,
/// contact_name, thread, status)`: an SQL function's arguments (`with_fields`) or a row's
/// columns (`search_index`).
pub(super) struct StoredFields {
    body: Option<String>,
    subject: Option<String>,
    number_raw: Option<String>,
    contact_name: Option<String>,
    thread: String,
    status: String,
}

impl StoredFields {
    /// Reads the six fields, `get(0)` being the body.
    pub(super) fn read(
        get: impl Fn(usize) -> rusqlite::Result<Option<String>>,
    ) -> rusqlite::Result<Self> {
        Ok(StoredFields {
            body: get(0)?,
            subject: get(1)?,
            number_raw: get(2)?,
            contact_name: get(3)?,
            thread: get(4)?.unwrap_or_default(),
            status: get(5)?.unwrap_or_default(),
        })
    }

    pub(super) fn fields(&self) -> SearchedFields<'_> {
        SearchedFields {
            body: self.body.as_deref(),
            subject: self.subject.as_deref(),
            number_raw: self.number_raw.as_deref(),
            contact_name: self.contact_name.as_deref(),
            thread: &self.thread,
            status_label: Status::from_key(&self.status).label(),
        }
    }
}

/// Calls `f` with the record in an SQL function's arguments `(body, subject, number_raw,
/// contact_name, thread, status)`.
pub(super) fn with_fields<T>(
    ctx: &Context<'_>,
    f: impl Fn(&SearchedFields<'_>) -> T,
) -> rusqlite::Result<T> {
    let stored = StoredFields::read(|i| ctx.get(i))?;
    Ok(f(&stored.fields()))
}

#[cfg(test)]
mod tests {
    use super::{fields_match, index_query, search_words, SearchedFields};
    use crate::phone::Status;
    use rusqlite::Connection;
    use std::collections::BTreeSet;

    /// (id, body, number as written, thread, contact label, status key)
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    );

    const ROWS: [Row; 8] = [
        (
            "c1",
            "Porch light is ON",
            "(510) 555-0100",
            "+15105550100",
            "Marcus E",
            "received",
        ),
        (
            "c2",
            "ÉL ESTÁ AQUÍ",
            "510.555.0100",
            "+15105550100",
            "",
            "received",
        ),
        ("c3", "", "", "", "", "missed"),
        (
            "c4",
            "said \"stop\" twice",
            "+44 20 7946 0958",
            "+442079460958",
            "Ofis",
            "sent",
        ),
        ("c5", "ok", "5550142", "+15105550142", "Mom", "sent"),
        (
            "c6",
            "İstanbul ß straße",
            "",
            "+15105550142 +15105550100",
            "",
            "received",
        ),
        ("c7", "call 555 0199", "", "", "", "received"),
        // Characters SQLite's trigram tokenizer changes, and one past the BMP.
        (
            "c8",
            "por\0ch ab\u{FFFF}cd f\u{FFFD}o x😀yz",
            "",
            "",
            "",
            "received",
        ),
    ];

    fn add(conn: &Connection, (id, body, raw, thread, name, status): Row) {
        conn.execute(
            "INSERT INTO communications (id, import_id, position, line, byte_start, byte_end,
                 kind, at_ms, status, incoming, number_raw, thread, hidden, contact_name, body,
                 content_key)
             VALUES (?1, 'i1', substr(?1, 2), 1, 0, 1, 'sms', 1, ?6, 1, nullif(?3, ''), ?4, 0,
                 nullif(?5, ''), nullif(?2, ''), ?1)",
            rusqlite::params![id, body, raw, thread, name, status],
        )
        .unwrap();
    }

    /// The ids `fields_match` accepts, read the slow way from every row.
    fn matching(rows: &[Row], words: &[String]) -> BTreeSet<String> {
        rows.iter()
            .filter(|(_, body, raw, thread, name, status)| {
                let fields = SearchedFields {
                    body: (!body.is_empty()).then_some(*body),
                    subject: None,
                    number_raw: (!raw.is_empty()).then_some(*raw),
                    contact_name: (!name.is_empty()).then_some(*name),
                    thread,
                    status_label: Status::from_key(status).label(),
                };
                fields_match(&fields, words)
            })
            .map(|r| r.0.to_string())
            .collect()
    }

    /// The ids the index names for `query`, once what is pending is filed (as a search does).
    fn indexed(conn: &Connection, query: &str) -> BTreeSet<String> {
        super::super::search_index::index_pending(conn).unwrap();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT id FROM communications WHERE {}",
                super::super::search_index::named_by_index(1)
            ))
            .unwrap();
        let ids = stmt.query_map([query], |r| r.get(0)).unwrap();
        ids.collect::<rusqlite::Result<_>>().unwrap()
    }

    /// The index is filled with the records stored before it (the migration's hook) and kept
    /// by triggers after; for every search whose words it can all look up it names exactly
    /// the records that match, and otherwise at least those.
    #[test]
    fn the_index_names_every_record_a_search_finds() {
        let mut conn = Connection::open_in_memory().unwrap();
        let migrations = crate::journal::store::MIGRATIONS.as_ref().unwrap();
        migrations.to_version(&mut conn, 12).unwrap();
        conn.execute_batch(
            "INSERT INTO phone_imports (id, format, body, imported_at) VALUES ('i1', 'f', '{}', 't')",
        )
        .unwrap();
        for row in &ROWS[..3] {
            add(&conn, *row);
        }
        migrations.to_latest(&mut conn).unwrap();
        for row in &ROWS[3..] {
            add(&conn, *row);
        }
        let searches = [
            "porch",
            "PORCH light",
            "light porch",
            "él está",
            "aquí",
            "missed call",
            "sent",
            "\"stop\"",
            "(510) 555-0100",
            "510 555 0100",
            "+1 510-555-0142",
            "5550100",
            "0100 marcus",
            "+44 20 7946 0958",
            "7946",
            "mom",
            "ofis",
            "i̇stanbul",
            "straße",
            "ss",
            "ok",
            "on",
            "nothing here",
            "+1-",
            "555 ok",
            "ext",
            "44 20",
            "+44",
            "0958 said",
            "1 5",
            "5550199",
            "555-0199",
            "510-555-0142",
            "por\0ch",
            "b\u{FFFF}c",
            "b\u{FFFD}c",
            "f\u{FFFF}o",
            "x😀yz",
            "😀yz",
        ];
        for search in searches {
            let words = search_words(search);
            let found = matching(&ROWS, &words);
            match index_query(&words) {
                Some(query) if query.exact => {
                    assert_eq!(found, indexed(&conn, &query.query), "{search}");
                }
                Some(query) => {
                    let named = indexed(&conn, &query.query);
                    assert!(found.is_subset(&named), "{search}: {found:?} {named:?}");
                }
                None => {}
            }
        }
        assert_eq!(
            indexed(&conn, &index_query(&search_words("porch")).unwrap().query),
            BTreeSet::from(["c1".to_string()])
        );
        assert_eq!(
            indexed(&conn, &index_query(&search_words("7946")).unwrap().query),
            BTreeSet::from(["c4".to_string()])
        );

        // A record changed or deleted leaves the index with it.
        conn.execute(
            "UPDATE communications SET body = 'gate' WHERE id = 'c1'",
            [],
        )
        .unwrap();
        conn.execute("DELETE FROM communications WHERE id = 'c4'", [])
            .unwrap();
        let ids = |search: &str| indexed(&conn, &index_query(&search_words(search)).unwrap().query);
        assert!(ids("porch").is_empty());
        assert_eq!(ids("gate"), BTreeSet::from(["c1".to_string()]));
        assert!(ids("7946").is_empty());
        assert_eq!(ids("received").len(), 5);

        // What the Messages screen counts by follows a change too (the subject is indexed).
        conn.execute(
            "UPDATE communications SET subject = 'Court date', contact_name = 'Mamá', hidden = 1
             WHERE id = 'c5'",
            [],
        )
        .unwrap();
        assert_eq!(ids("court"), BTreeSet::from(["c5".to_string()]));
        assert_eq!(ids("mamá"), BTreeSet::from(["c5".to_string()]));
        let (label, hidden): (String, i64) = conn
            .query_row(
                "SELECT g.contact_name, g.hidden FROM communication_search_entry e
                 JOIN communication_search_group g ON g.number = e.place >> 37
                 WHERE e.id = 'c5'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((label.as_str(), hidden), ("Mamá", 1));
    }

    #[test]
    fn a_query_looks_up_words_of_three_letters_or_more() {
        let query = |text: &str| index_query(&search_words(text)).map(|q| (q.query, q.exact));
        assert_eq!(query("at"), None);
        assert_eq!(
            query("at the Porch"),
            Some((
                r#"(haystack : "the") AND (haystack : "porch")"#.into(),
                false
            ))
        );
        assert_eq!(
            query("say \"hi\""),
            Some((
                r#"(haystack : "say") AND (haystack : """hi""")"#.into(),
                true
            ))
        );
        // With a word that may be a number, every word is also looked for in the numbers as
        // printed; a number typed with its marks also by its digits ("+1-" has too few, and
        // digits are their own).
        assert_eq!(
            query("(510) +1- 0100 marcus"),
            Some((
                [
                    r#"(haystack : "(510)" OR numbers : "(510)" OR numbers : "510")"#,
                    r#"(haystack : "+1-" OR numbers : "+1-")"#,
                    r#"(haystack : "0100" OR numbers : "0100")"#,
                    r#"(haystack : "marcus" OR numbers : "marcus")"#,
                ]
                .join(" AND "),
                true
            ))
        );
    }

    /// The index keeps numbers as printed when the record was stored: a phone-number library
    /// that prints them otherwise must raise `search_index::index_format`'s number, so they are made again.
    #[test]
    fn numbers_are_printed_as_the_index_has_them() {
        use crate::phone::numbers::display;
        assert_eq!(display("+15105550100"), "+1 510-555-0100");
        assert_eq!(display("+442079460958"), "+44 20 7946 0958");
        assert_eq!(display("+5215555555555"), "+52 15555555555");
        assert_eq!(display("5550142"), "5550142");
    }

    /// Entries made by other rules (another version's) are all made again at unlock.
    #[test]
    fn entries_made_by_other_rules_are_made_again() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::journal::store::migrate_for_test(&mut conn);
        conn.execute_batch(
            "INSERT INTO phone_imports (id, format, body, imported_at) VALUES ('i1', 'f', '{}', 't')",
        )
        .unwrap();
        add(&conn, ROWS[0]);
        super::super::search_index::index_pending(&conn).unwrap();
        // As if the entry had been made by an older version that left out the status.
        conn.execute_batch(
            "INSERT INTO communication_search (communication_search) VALUES ('delete-all');
             INSERT INTO communication_search (rowid, haystack, numbers)
             SELECT place, 'porch light is on', '' FROM communication_search_entry;
             UPDATE communication_search_format SET format = '0; unicode 1.0.0';",
        )
        .unwrap();
        let ids = |conn: &Connection, search: &str| {
            indexed(conn, &index_query(&search_words(search)).unwrap().query)
        };
        assert!(ids(&conn, "received").is_empty());
        super::super::search_index::keep_index_current(&conn).unwrap();
        assert_eq!(ids(&conn, "received"), BTreeSet::from(["c1".to_string()]));
        assert_eq!(ids(&conn, "porch"), BTreeSet::from(["c1".to_string()]));
        // Once current, nothing is made again.
        conn.execute_batch(
            "INSERT INTO communication_search (communication_search) VALUES ('delete-all')",
        )
        .unwrap();
        super::super::search_index::keep_index_current(&conn).unwrap();
        assert!(ids(&conn, "porch").is_empty());
    }

    #[test]
    fn numbers_match_their_digits_however_written() {
        let fields = SearchedFields {
            body: Some("Call me"),
            subject: None,
            number_raw: Some("(510) 555-0100"),
            contact_name: Some("Él"),
            thread: "+15105550100",
            status_label: "missed call",
        };
        for found in [
            "510 555 0100",
            "+1 510-555-0100",
            "5550100",
            "él",
            "missed",
            "CALL",
        ] {
            assert!(fields_match(&fields, &search_words(found)), "{found}");
        }
        for not_found in ["510 555 0199", "porch", "12"] {
            assert!(
                !fields_match(&fields, &search_words(not_found)),
                "{not_found}"
            );
        }
    }
}
