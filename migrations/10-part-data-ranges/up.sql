-- Where each MMS part's base64 data lies in the kept backup file (byte offsets, end
-- exclusive). An evidence packet's extract of a backup copies each printed record byte for
-- byte, except that a picture exported without its location must replace that text with the
-- copy's; the offsets say where. Parts imported before this are NULL: such a picture can go
-- into an extract only as the exact original.
ALTER TABLE message_parts ADD COLUMN data_start INTEGER;
ALTER TABLE message_parts ADD COLUMN data_end INTEGER;
