-- What the timeline lists of each incident, stored beside the body as occurred_local and
-- approximate already are, so a list of 10,000 incidents is read from these short columns
-- instead of decoding every body (benches/perf.rs: decoding was most of the timeline's cost).
-- They are derived from the body in the same transaction that writes it
-- (journal::timeline::ListColumns), and `daybook verify` checks them against the chain.
ALTER TABLE incidents ADD COLUMN occurred_abbreviation TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN kinds TEXT NOT NULL DEFAULT '';         -- keys, comma-separated
ALTER TABLE incidents ADD COLUMN location TEXT;
ALTER TABLE incidents ADD COLUMN summary TEXT NOT NULL DEFAULT '';       -- description's start
ALTER TABLE incidents ADD COLUMN exhibits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE incidents ADD COLUMN reported INTEGER NOT NULL DEFAULT 0 CHECK (reported IN (0, 1));

-- The same values the journal writes, for incidents saved before this migration. length() and
-- substr() count characters, as the journal's summary does; 160 = timeline::SUMMARY_CHARS.
UPDATE incidents SET
    occurred_abbreviation = json_extract(body, '$.occurred.abbreviation'),
    kinds = COALESCE((SELECT group_concat(value, ',' ORDER BY key) FROM json_each(body, '$.kinds')), ''),
    location = json_extract(body, '$.location'),
    summary = CASE
        WHEN length(json_extract(body, '$.description')) > 160
        THEN substr(json_extract(body, '$.description'), 1, 160) || '…'
        ELSE json_extract(body, '$.description')
    END,
    exhibits = json_array_length(body, '$.attachments'),
    reported = json_extract(body, '$.police') IS NOT NULL;
