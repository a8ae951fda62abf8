-- An index for searching the texts and calls (src/journal/communications/search.rs). Without it
-- a search read and decrypted every record: 4.5 s at a million (docs/performance.md, issue 18).
--
-- A search matches parts of words and of numbers, so the index is FTS5's trigram tokenizer
-- over the text the search reads, which Rust builds (lowercased, the status as the app names
-- it) through communication_search_text, and the numbers as printed with the digits of it
-- all, which a word that may be a number also reads, through communication_search_numbers:
-- the functions are defined on every connection that opens a journal (store::open), and the
-- records already stored are indexed by this migration's hook (search::fill_index).
--
-- The trigram phrase of a word matches exactly where the word is part of that text, so for
-- words of three letters or more the index answers a search by itself. Each entry also keeps what the Messages screen
-- counts matches by (thread, call or text, hidden caller, the phone's label, and the time), so
-- a search's counts per conversation are read from the index alone: reading the matching
-- records themselves decrypted most of a million-record journal for a common word. The text is
-- not kept (contentless: it is in `communications`); the UNINDEXED columns' values are
-- (contentless_unindexed). Records are found by their id, not by rowid: a rowid table without
-- an INTEGER PRIMARY KEY may be renumbered by a VACUUM. The table is derived, nothing in the
-- hash chain covers it, and it can be rebuilt from `communications` at any time.
CREATE VIRTUAL TABLE communication_search USING fts5 (
    id UNINDEXED,
    thread UNINDEXED,
    call UNINDEXED,
    hidden UNINDEXED,
    contact_name UNINDEXED,
    at_ms UNINDEXED,
    haystack,
    numbers,
    content = '',
    contentless_delete = 1,
    contentless_unindexed = 1,
    tokenize = 'trigram case_sensitive 1'
);

-- How the entries were made (search::INDEX_FORMAT: the folding's Unicode version and the
-- way numbers are printed). When it is not the running version's, every entry is made again
-- at unlock (search::keep_index_current), so the index never answers by older rules than
-- the search checks with. The hook fills it.
CREATE TABLE communication_search_format (format TEXT NOT NULL) STRICT;

CREATE TRIGGER communication_search_insert AFTER INSERT ON communications
BEGIN
    INSERT INTO communication_search (id, thread, call, hidden, contact_name, at_ms, haystack,
        numbers)
    VALUES (new.id, new.thread, new.kind = 'call', new.hidden, coalesce(new.contact_name, ''),
        new.at_ms,
        communication_search_text(new.body, new.subject, new.number_raw, new.contact_name,
            new.thread, new.status),
        communication_search_numbers(new.body, new.subject, new.number_raw, new.contact_name,
            new.thread, new.status));
END;

-- Records are never deleted or changed once an import commits; these keep the index right
-- should that ever change (a delete finds the id by reading the index's ids).
CREATE TRIGGER communication_search_delete AFTER DELETE ON communications
BEGIN
    DELETE FROM communication_search WHERE id = old.id;
END;

CREATE TRIGGER communication_search_update
AFTER UPDATE OF id, kind, at_ms, hidden, body, subject, number_raw, contact_name, thread, status
ON communications
BEGIN
    DELETE FROM communication_search WHERE id = old.id;
    INSERT INTO communication_search (id, thread, call, hidden, contact_name, at_ms, haystack,
        numbers)
    VALUES (new.id, new.thread, new.kind = 'call', new.hidden, coalesce(new.contact_name, ''),
        new.at_ms,
        communication_search_text(new.body, new.subject, new.number_raw, new.contact_name,
            new.thread, new.status),
        communication_search_numbers(new.body, new.subject, new.number_raw, new.contact_name,
            new.thread, new.status));
END;
