-- The search index keyed by the incident's number (FTS5 rowid = incidents.number), so saving
-- an incident replaces its search row by key. Matching on incident_id, an UNINDEXED column,
-- scanned the whole index on every save: O(n) per write, O(n^2) to build a journal.
CREATE VIRTUAL TABLE incident_search_by_number USING fts5 (
    incident_id UNINDEXED,
    location,
    description,
    quotes,
    captions,
    transcripts,
    extra,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO incident_search_by_number
    (rowid, incident_id, location, description, quotes, captions, transcripts, extra)
SELECT i.number, s.incident_id, s.location, s.description, s.quotes, s.captions, s.transcripts, s.extra
FROM incident_search s JOIN incidents i ON i.id = s.incident_id;
DROP TABLE incident_search;
ALTER TABLE incident_search_by_number RENAME TO incident_search;
