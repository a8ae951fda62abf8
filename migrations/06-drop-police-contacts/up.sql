-- police_contacts copied each incident's police details out of its body for one reader, the
-- "reported to police" filter. Since migration 05 that filter reads incidents.reported, which
-- verify checks against the body, so nothing reads this table any more: it was written on
-- every save for nothing and could disagree with the history unnoticed. The details stay in
-- each incident's body and its revisions, and report numbers stay searchable.
DROP INDEX police_contacts_report;
DROP TABLE police_contacts;
