-- Migration 003: one row per source, kept up to date at the end of each run.
CREATE TABLE IF NOT EXISTS sources (
    name          VARCHAR PRIMARY KEY,
    first_seen_at TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    first_run_id  BIGINT NOT NULL,
    last_run_id   BIGINT NOT NULL
);

-- Warehouses from before this migration: every source their articles name.
INSERT INTO sources
    SELECT coalesce(source, ''), min(ingested_at), max(ingested_at), min(run_id), max(run_id)
    FROM articles GROUP BY 1
ON CONFLICT DO NOTHING;
