-- Indexes for the timeline's own queries, found with benches/perf.rs at 100,000 incidents.
--
-- The timeline is ordered by (occurred_utc, number); an index on occurred_utc alone left SQLite
-- to sort every row again in a temporary b-tree. This one returns the rows in order.
DROP INDEX incidents_occurred;
CREATE INDEX incidents_timeline ON incidents (occurred_utc, number) WHERE deleted_at IS NULL;

-- Date filters (a month on the timeline, a report's dates) compare the local calendar date
-- where it happened, `substr(occurred_local, 1, 10)`. Without an index on that expression
-- every such query read every incident row: at 100,000 incidents one month took as long as
-- the whole timeline. The expression must stay exactly the one the queries use.
CREATE INDEX incidents_local_date ON incidents (substr(occurred_local, 1, 10))
    WHERE deleted_at IS NULL;
