-- The court's own papers (the order as served, scans of its pages, the proof of service) are
-- attachments of an order. An attachment belonged to exactly one incident or one person; it
-- now belongs to exactly one incident, person or order. SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt and its rows copied unchanged (the
-- "12-step" procedure of https://www.sqlite.org/lang_altertable.html; nothing references
-- attachments, so foreign keys stay on).
CREATE TABLE attachments_new (
    id              TEXT PRIMARY KEY NOT NULL,   -- also the blob's file name: random, not a hash
    incident_id     TEXT REFERENCES incidents (id),
    person_id       TEXT REFERENCES people (id),
    order_id        TEXT REFERENCES orders (id),
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
    position        INTEGER NOT NULL,            -- order within its owner
    reveals         TEXT,                        -- JSON, see migration 07
    CHECK ((incident_id IS NOT NULL) + (person_id IS NOT NULL) + (order_id IS NOT NULL) = 1)
) STRICT;

INSERT INTO attachments_new (id, incident_id, person_id, order_id, sha256, size, original_name,
        mime, kind, width, height, captured_at, duration_ms, file_modified_at, imported_at,
        caption, transcript, position, reveals)
    SELECT id, incident_id, person_id, NULL, sha256, size, original_name, mime, kind, width,
        height, captured_at, duration_ms, file_modified_at, imported_at, caption, transcript,
        position, reveals
    FROM attachments;

DROP INDEX attachments_incident;
DROP TABLE attachments;
ALTER TABLE attachments_new RENAME TO attachments;
CREATE INDEX attachments_incident ON attachments (incident_id, position);
CREATE INDEX attachments_order ON attachments (order_id, position) WHERE order_id IS NOT NULL;
