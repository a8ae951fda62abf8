-- Texts and calls read from the phone's own backups (src/phone, src/journal/communications.rs).
--
-- Each imported backup file is a phone import: kept byte for byte as an attachment of the
-- import (its id is the import's id), with one revision in the hash chain that names the file's
-- SHA-256 and a digest of every record the import added. Pictures and other MMS parts are
-- attachments of the import too, linked to their message by message_parts.

CREATE TABLE phone_imports (
    id          TEXT PRIMARY KEY NOT NULL,  -- also the kept file's attachment id
    format      TEXT NOT NULL,              -- 'sms-backup-restore'
    body        TEXT NOT NULL,              -- canonical JSON, the same as its revision's body
    imported_at TEXT NOT NULL
) STRICT;

-- A phone import is an entity of the hash chain. The CHECK on revisions.entity cannot be
-- changed in place, so the table is rebuilt with every revision copied unchanged (each keeps its
-- seq and hash; verify_chain recomputes them all) and its append-only triggers made again.
CREATE TABLE revisions_new (
    seq          INTEGER PRIMARY KEY,
    entity       TEXT NOT NULL CHECK (entity IN ('order', 'person', 'incident', 'phone_import')),
    entity_id    TEXT NOT NULL,
    op           TEXT NOT NULL CHECK (op IN ('create', 'edit', 'attach', 'annotate', 'delete')),
    recorded_at  TEXT NOT NULL,
    reason       TEXT,
    body         TEXT NOT NULL,
    attachments  TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE
) STRICT;
INSERT INTO revisions_new SELECT seq, entity, entity_id, op, recorded_at, reason, body,
    attachments, prev_hash, hash FROM revisions;
DROP TRIGGER revisions_no_update;
DROP TRIGGER revisions_no_delete;
DROP INDEX revisions_entity;
DROP TABLE revisions;
ALTER TABLE revisions_new RENAME TO revisions;
CREATE INDEX revisions_entity ON revisions (entity, entity_id, seq);
CREATE TRIGGER revisions_no_update BEFORE UPDATE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;
CREATE TRIGGER revisions_no_delete BEFORE DELETE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are append-only'); END;

-- An attachment now belongs to exactly one incident, person, order or phone import (the
-- 12-step rebuild of migration 08; nothing references attachments).
CREATE TABLE attachments_new (
    id              TEXT PRIMARY KEY NOT NULL,
    incident_id     TEXT REFERENCES incidents (id),
    person_id       TEXT REFERENCES people (id),
    order_id        TEXT REFERENCES orders (id),
    phone_import_id TEXT REFERENCES phone_imports (id),
    sha256          TEXT NOT NULL,
    size            INTEGER NOT NULL,
    original_name   TEXT NOT NULL,
    mime            TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('image', 'audio', 'video', 'document', 'other')),
    width           INTEGER,
    height          INTEGER,
    captured_at     TEXT,
    duration_ms     INTEGER,
    file_modified_at TEXT,
    imported_at     TEXT NOT NULL,
    caption         TEXT,
    transcript      TEXT,
    position        INTEGER NOT NULL,
    reveals         TEXT,
    CHECK ((incident_id IS NOT NULL) + (person_id IS NOT NULL) + (order_id IS NOT NULL)
           + (phone_import_id IS NOT NULL) = 1)
) STRICT;

INSERT INTO attachments_new (id, incident_id, person_id, order_id, phone_import_id, sha256,
        size, original_name, mime, kind, width, height, captured_at, duration_ms,
        file_modified_at, imported_at, caption, transcript, position, reveals)
    SELECT id, incident_id, person_id, order_id, NULL, sha256, size, original_name, mime, kind,
        width, height, captured_at, duration_ms, file_modified_at, imported_at, caption,
        transcript, position, reveals
    FROM attachments;

DROP INDEX attachments_incident;
DROP INDEX attachments_order;
DROP TABLE attachments;
ALTER TABLE attachments_new RENAME TO attachments;
CREATE INDEX attachments_incident ON attachments (incident_id, position);
CREATE INDEX attachments_order ON attachments (order_id, position) WHERE order_id IS NOT NULL;
CREATE INDEX attachments_phone_import ON attachments (phone_import_id, position)
    WHERE phone_import_id IS NOT NULL;

-- One text, MMS or call. Times are UTC milliseconds from the backup's own clock field.
CREATE TABLE communications (
    id            TEXT PRIMARY KEY NOT NULL,
    import_id     TEXT NOT NULL REFERENCES phone_imports (id),
    position      INTEGER NOT NULL,   -- the record's place in the kept file (1 = first record)
    line          INTEGER NOT NULL,   -- the line of the kept file it starts on
    byte_start    INTEGER NOT NULL,   -- its element's bytes in the kept file: [start, end)
    byte_end      INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('sms', 'mms', 'call')),
    at_ms         INTEGER NOT NULL,
    status        TEXT NOT NULL,      -- received, sent, draft, ...; incoming, missed, ... for calls
    incoming      INTEGER NOT NULL,   -- 1 when the other party sent it or placed the call
    number_raw    TEXT,               -- the other party(ies) as the phone wrote them
    thread        TEXT NOT NULL,      -- the other parties' normalised numbers, sorted, joined by ' '
    sender        TEXT,               -- normalised number of who sent an incoming group MMS
    hidden        INTEGER NOT NULL,   -- caller ID withheld, unknown or a payphone
    contact_name  TEXT,               -- the phone's own label, not proof of identity
    body          TEXT,
    subject       TEXT,
    duration_s    INTEGER,
    participants  TEXT,               -- JSON: group MMS addresses with their roles
    content_key   TEXT NOT NULL,      -- what duplicates share (see communications.rs)
    UNIQUE (import_id, position)
) STRICT;
CREATE INDEX communications_time ON communications (at_ms);
CREATE INDEX communications_thread ON communications (thread, at_ms);
CREATE INDEX communications_duplicates ON communications (content_key, at_ms);

CREATE TABLE message_parts (
    communication_id TEXT NOT NULL REFERENCES communications (id),
    position         INTEGER NOT NULL,
    attachment_id    TEXT NOT NULL REFERENCES attachments (id),
    PRIMARY KEY (communication_id, position)
) STRICT;
