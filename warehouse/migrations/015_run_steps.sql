-- Migration 015: the counted steps of each run (read, skip known, fetch, extract, clean, …).
-- Per run and step, one row of totals (reason NULL) and one row per reason items were dropped
-- for. No key: a NULL reason cannot be in a primary key and UNIQUE lets NULLs repeat;
-- warehouse/steps.py record_steps replaces a run's rows as a whole instead. No CHECK either:
-- with one (dropped = seen - kept), DuckDB 1.4.4 could not replay the WAL of a run killed
-- before its first checkpoint ("GetDefaultDatabase with no default database set");
-- newswash.records.StepCount keeps seen = kept + dropped.
CREATE TABLE IF NOT EXISTS run_steps (
    run_id   BIGINT NOT NULL,
    position INTEGER NOT NULL,             -- the step's place in the pipeline, from 0
    step     VARCHAR NOT NULL,
    seen     BIGINT,                       -- totals row only: items that came in
    kept     BIGINT,                       -- totals row only: items passed on
    dropped  BIGINT NOT NULL,              -- seen - kept on the totals row; the reason's count otherwise
    reason   VARCHAR,                      -- NULL on the totals row
    seconds  DOUBLE                        -- totals row only
);

COMMENT ON TABLE run_steps IS 'one row per run and step with its totals (reason NULL), and one per run, step and reason items were dropped for';
COMMENT ON COLUMN run_steps.run_id IS 'the run (runs.run_id)';
COMMENT ON COLUMN run_steps.position IS 'the step''s place in the pipeline, from 0';
COMMENT ON COLUMN run_steps.step IS 'name of the step (e.g. read, skip known, fetch, extract, clean, dedup, load)';
COMMENT ON COLUMN run_steps.seen IS 'items that came into the step; NULL on reason rows';
COMMENT ON COLUMN run_steps.kept IS 'items the step passed on; NULL on reason rows';
COMMENT ON COLUMN run_steps.dropped IS 'items dropped: seen - kept on the totals row, the count for the reason on a reason row';
COMMENT ON COLUMN run_steps.reason IS 'why items were dropped (e.g. known URL, HTTP 404, exact duplicate); NULL on the totals row';
COMMENT ON COLUMN run_steps.seconds IS 'seconds the step took, summed over batches and workers; NULL on reason rows';
