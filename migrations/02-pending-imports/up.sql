-- Imports in flight. A row is committed before an attachment's blob is written, and removed in
-- the transaction that records the attachment. The unlock-time sweep deletes only blobs named
-- here, so a restored, replaced or mismatched database can never cause saved evidence in
-- blobs/ to be deleted.
CREATE TABLE pending_imports (
    id         TEXT PRIMARY KEY NOT NULL,
    started_at TEXT NOT NULL
) STRICT;
