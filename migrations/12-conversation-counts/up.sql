-- The Messages screen lists conversations with their counts and latest time. Counting every
-- text and call each time it opens grows with the journal (a million records took seconds), so
-- the counts are kept here, per thread and per what the list tells apart (call or text, hidden
-- caller, the phone's contact label), by triggers: no code path that stores a record can miss
-- them. The table is derived: nothing in the hash chain covers it, and it can be rebuilt from
-- `communications` at any time with the INSERT below.
CREATE TABLE communication_groups (
    thread       TEXT NOT NULL,      -- as communications.thread ('' for no other party)
    call         INTEGER NOT NULL,   -- 1 for calls, 0 for texts
    hidden       INTEGER NOT NULL,   -- as communications.hidden
    contact_name TEXT NOT NULL,      -- the phone's label, '' when it gave none
    records      INTEGER NOT NULL,
    last_ms      INTEGER NOT NULL,
    PRIMARY KEY (thread, call, hidden, contact_name)
) STRICT, WITHOUT ROWID;

INSERT INTO communication_groups (thread, call, hidden, contact_name, records, last_ms)
    SELECT thread, kind = 'call', hidden, coalesce(contact_name, ''), count(*), max(at_ms)
    FROM communications GROUP BY 1, 2, 3, 4;

CREATE TRIGGER communication_groups_insert AFTER INSERT ON communications
BEGIN
    INSERT INTO communication_groups (thread, call, hidden, contact_name, records, last_ms)
    VALUES (new.thread, new.kind = 'call', new.hidden, coalesce(new.contact_name, ''), 1,
            new.at_ms)
    ON CONFLICT DO UPDATE SET records = records + 1, last_ms = max(last_ms, excluded.last_ms);
END;

-- Records are never deleted or changed once an import commits (a failed import rolls back
-- with its counts); these keep the counts right should that ever change.
CREATE TRIGGER communication_groups_delete AFTER DELETE ON communications
BEGIN
    UPDATE communication_groups SET records = records - 1
    WHERE thread = old.thread AND call = (old.kind = 'call') AND hidden = old.hidden
        AND contact_name = coalesce(old.contact_name, '');
    DELETE FROM communication_groups WHERE records <= 0;
    UPDATE communication_groups SET last_ms = (
        SELECT max(at_ms) FROM communications c
        WHERE c.thread = communication_groups.thread
            AND (c.kind = 'call') = communication_groups.call
            AND c.hidden = communication_groups.hidden
            AND coalesce(c.contact_name, '') = communication_groups.contact_name)
    WHERE thread = old.thread;
END;

CREATE TRIGGER communication_groups_update
AFTER UPDATE OF thread, kind, hidden, contact_name, at_ms ON communications
BEGIN
    UPDATE communication_groups SET records = records - 1
    WHERE thread = old.thread AND call = (old.kind = 'call') AND hidden = old.hidden
        AND contact_name = coalesce(old.contact_name, '');
    DELETE FROM communication_groups WHERE records <= 0;
    INSERT INTO communication_groups (thread, call, hidden, contact_name, records, last_ms)
    VALUES (new.thread, new.kind = 'call', new.hidden, coalesce(new.contact_name, ''), 1,
            new.at_ms)
    ON CONFLICT DO UPDATE SET records = records + 1;
    UPDATE communication_groups SET last_ms = (
        SELECT max(at_ms) FROM communications c
        WHERE c.thread = communication_groups.thread
            AND (c.kind = 'call') = communication_groups.call
            AND c.hidden = communication_groups.hidden
            AND coalesce(c.contact_name, '') = communication_groups.contact_name)
    WHERE thread IN (old.thread, new.thread);
END;
