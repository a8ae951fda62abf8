-- What the iPhone and WhatsApp readers say about a record beyond the Android fields. Each is
-- NULL when it says nothing, and the hash chain covers a field only when it is set, so the
-- digests of earlier imports hold.
ALTER TABLE communications ADD COLUMN service TEXT;        -- 'imessage', 'sms', 'whats_app', ...
ALTER TABLE communications ADD COLUMN marks TEXT;          -- JSON: ["edited", "unsent", ...]
-- JSON, when the time is what the phone showed rather than the record's own clock field:
-- {"basis": "as_shown", "zone": "America/Los_Angeles", "seconds": false}
ALTER TABLE communications ADD COLUMN clock TEXT;
ALTER TABLE communications ADD COLUMN locator TEXT;        -- the format's own id (a guid)
-- JSON: parts the message had but the backup or export did not hold, [{name, mime, size}]
ALTER TABLE communications ADD COLUMN missing_parts TEXT;
