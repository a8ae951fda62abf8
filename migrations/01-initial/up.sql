-- Daybook journal schema, version 1.
--
-- The source of truth is `revisions`: an append-only hash chain of every change to an order,
-- person or incident. `orders`, `people`, `incidents`, `police_contacts` and `attachments` hold
-- the current state for fast queries; they are written in the same transaction as the revision,
-- and `daybook verify` checks that they still match the chain.

-- Secrets and facts about the journal itself (its X25519 blob identity, its Ed25519 signing
-- key, its id). Lives only inside the encrypted database.
CREATE TABLE journal_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE revisions (
    seq          INTEGER PRIMARY KEY,            -- 1, 2, 3 ... in chain order
    entity       TEXT NOT NULL CHECK (entity IN ('order', 'person', 'incident')),
    entity_id    TEXT NOT NULL,
    op           TEXT NOT NULL CHECK (op IN ('create', 'edit', 'attach', 'annotate', 'delete')),
    recorded_at  TEXT NOT NULL,                  -- UTC, RFC 3339, from the system clock
    reason       TEXT,                           -- why (required for delete)
    body         TEXT NOT NULL,                  -- canonical JSON of the entity after this change
    attachments  TEXT NOT NULL,                  -- hex SHA-256s of its attachments, comma-joined
    prev_hash    TEXT NOT NULL,                  -- hex; 64 zeros for the first revision
    hash         TEXT NOT NULL UNIQUE            -- hex SHA-256(prev || canonical revision || attachment hashes)
) STRICT;
CREATE INDEX revisions_entity ON revisions (entity, entity_id, seq);

-- Revisions are append-only, also against a careless UPDATE from a future bug.
CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
CREATE TRIGGER revisions_no_delete BEFORE DELETE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;

CREATE TABLE people (
    id          TEXT PRIMARY KEY NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('restrained', 'protected', 'witness', 'other')),
    name        TEXT NOT NULL,
    body        TEXT NOT NULL,                   -- JSON: description, vehicle, phones, accounts ...
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    deleted_at  TEXT
) STRICT;

CREATE TABLE orders (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('emergency', 'temporary', 'after_hearing',
                      'criminal_no_contact', 'civil_harassment', 'other')),
    court        TEXT NOT NULL,
    state        TEXT NOT NULL,
    case_number  TEXT NOT NULL,
    issued_on    TEXT NOT NULL,                  -- YYYY-MM-DD
    served_on    TEXT,
    expires_on   TEXT,
    respondent_id TEXT REFERENCES people (id),
    body         TEXT NOT NULL,                  -- JSON: terms, protected persons, notes
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    deleted_at   TEXT
) STRICT;

CREATE TABLE incidents (
    id              TEXT PRIMARY KEY NOT NULL,
    number          INTEGER NOT NULL UNIQUE,     -- 1, 2, 3 ... in order of recording, for people
    occurred_utc    TEXT NOT NULL,               -- RFC 3339 UTC instant; sorts chronologically
    occurred_end_utc TEXT,
    occurred_local  TEXT NOT NULL,               -- wall clock where it happened, for date filters
    timezone        TEXT NOT NULL,               -- IANA name
    utc_offset_s    INTEGER NOT NULL,            -- offset in force at the local time entered
    approximate     INTEGER NOT NULL CHECK (approximate IN (0, 1)),
    recorded_at     TEXT NOT NULL,               -- first saved; never changes
    updated_at      TEXT NOT NULL,
    amended         INTEGER NOT NULL DEFAULT 0 CHECK (amended IN (0, 1)),
    order_id        TEXT REFERENCES orders (id),
    body            TEXT NOT NULL,               -- JSON of the incident as entered and resolved
    deleted_at      TEXT,
    deleted_reason  TEXT
) STRICT;
CREATE INDEX incidents_occurred ON incidents (occurred_utc) WHERE deleted_at IS NULL;

CREATE TABLE police_contacts (
    incident_id    TEXT NOT NULL REFERENCES incidents (id),
    agency         TEXT NOT NULL,
    officer        TEXT,
    badge          TEXT,
    report_number  TEXT,
    outcome        TEXT,
    PRIMARY KEY (incident_id)
) STRICT;
CREATE INDEX police_contacts_report ON police_contacts (report_number);

CREATE TABLE attachments (
    id              TEXT PRIMARY KEY NOT NULL,   -- also the blob's file name: random, not a hash
    incident_id     TEXT REFERENCES incidents (id),
    person_id       TEXT REFERENCES people (id),
    sha256          TEXT NOT NULL,               -- hex SHA-256 of the original bytes
    size            INTEGER NOT NULL,
    original_name   TEXT NOT NULL,
    mime            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('image', 'audio', 'video', 'document', 'other')),
    width           INTEGER,
    height          INTEGER,
    captured_at     TEXT,                        -- EXIF DateTimeOriginal as written in the file
    duration_ms     INTEGER,
    file_modified_at TEXT,                       -- the original file's mtime, UTC RFC 3339
    imported_at     TEXT NOT NULL,
    caption         TEXT,
    transcript      TEXT,
    position        INTEGER NOT NULL,            -- order within its incident
    CHECK ((incident_id IS NULL) <> (person_id IS NULL))
) STRICT;
CREATE INDEX attachments_incident ON attachments (incident_id, position);

-- Full-text search over what a person would remember of an incident. Diacritics folded, so
-- "amenazo" finds "amenazó".
CREATE VIRTUAL TABLE incident_search USING fts5 (
    incident_id UNINDEXED,
    location,
    description,
    quotes,
    captions,
    transcripts,
    extra,
    tokenize = 'unicode61 remove_diacritics 2'
);
