-- The texts-and-calls search index again, laid out so that a search's counts per conversation
-- are read from the index's lists of matches alone (src/journal/communications/search_index.rs).
--
-- Migration 13's index kept each entry's conversation and time beside it, and counting a
-- common word's matches looked each of them up: 0.55-0.77 s for a word in half of a million
-- records (docs/performance.md, issue 18 part 4). Here an entry's rowid, its place, says
-- where it belongs: the conversation's number, the hour of its time, and its turn in that
-- hour (search_index.rs has the layout). FTS5 lists matches by rowid, so its list of a word's
-- matches is already grouped by conversation and ordered by hour within each.
--
-- FTS5 writes fastest, and writes whole segments only, when rowids come in order, which
-- triggers firing record by record in the order of a backup would not give: so the triggers
-- only note which records are new (communication_search_pending), and Rust files them, in
-- order of place (one segment for an import, but where an hour is full), before the import
-- that stored them commits, at every unlock and before a search
-- (search_index::index_pending). The tables are derived: nothing in the hash chain covers
-- them, and they can be rebuilt from `communications` at any time (the hook does).
DROP TRIGGER communication_search_insert;
DROP TRIGGER communication_search_delete;
DROP TRIGGER communication_search_update;
DROP TABLE communication_search;
-- FTS5 leaves the table of a contentless table's UNINDEXED values behind: SQLite 3.51's
-- sqlite3Fts5DropAll drops `_content` only for a table with content (search_index.rs tests).
DROP TABLE IF EXISTS communication_search_content;
DELETE FROM communication_search_format;

-- A number for each conversation the Messages screen counts apart (as communication_groups).
CREATE TABLE communication_search_group (
    number       INTEGER PRIMARY KEY,
    thread       TEXT NOT NULL,
    call         INTEGER NOT NULL,
    hidden       INTEGER NOT NULL,
    contact_name TEXT NOT NULL,
    UNIQUE (thread, call, hidden, contact_name)
) STRICT;

-- Each indexed record: its place (the index's rowid), and its id and time.
CREATE TABLE communication_search_entry (
    place INTEGER PRIMARY KEY,
    id    TEXT NOT NULL,
    at_ms INTEGER NOT NULL
) STRICT;

-- Records stored and not yet filed in the index.
CREATE TABLE communication_search_pending (id TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;

-- As migration 13's, without the columns beside the text.
CREATE VIRTUAL TABLE communication_search USING fts5 (
    haystack,
    numbers,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram case_sensitive 1'
);

CREATE TRIGGER communication_search_insert AFTER INSERT ON communications
BEGIN
    INSERT INTO communication_search_pending (id) VALUES (new.id) ON CONFLICT DO NOTHING;
END;

-- Records are never deleted, changed or replaced once an import commits; these keep the index
-- right should that ever change (they find the entry by reading every entry's id: an index of
-- the ids would cost 50 MB and a slower import at a million records, for what never happens).
CREATE TRIGGER communication_search_delete AFTER DELETE ON communications
BEGIN
    DELETE FROM communication_search_pending WHERE id = old.id;
    DELETE FROM communication_search
        WHERE rowid IN (SELECT place FROM communication_search_entry WHERE id = old.id);
    DELETE FROM communication_search_entry WHERE id = old.id;
END;

CREATE TRIGGER communication_search_update
AFTER UPDATE OF id, kind, at_ms, hidden, body, subject, number_raw, contact_name, thread, status
ON communications
BEGIN
    DELETE FROM communication_search_pending WHERE id = old.id;
    DELETE FROM communication_search
        WHERE rowid IN (SELECT place FROM communication_search_entry WHERE id = old.id);
    DELETE FROM communication_search_entry WHERE id = old.id;
    INSERT INTO communication_search_pending (id) VALUES (new.id) ON CONFLICT DO NOTHING;
END;
