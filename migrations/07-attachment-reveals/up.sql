-- What each original file records about where and with what it was made (a photo's GPS
-- position, a camera's serial number), as JSON (evidence::privacy::Reveals), read once at
-- import so that the app, `incident show` and every export can say so before an original
-- leaves the journal. NULL for files imported before this column: those are examined from
-- their decrypted bytes when an export needs to know.
ALTER TABLE attachments ADD COLUMN reveals TEXT;
