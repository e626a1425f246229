-- Migration 020: source_lines and source_stories become logs, a row per batch (appended with the
-- batch's articles, never updated), summed for lookup in the folder `<warehouse>-lines/` beside
-- the file (warehouse/sidecar.py), which is rebuilt from them when missing or stale. The
-- MERGE that kept one row per (source, line_hash) joined every batch with the whole table: its
-- cost grew with the warehouse. Rows from before this migration are batch 0.
CREATE SEQUENCE IF NOT EXISTS line_batches START 1;
ALTER TABLE source_lines ADD COLUMN batch BIGINT DEFAULT 0;
ALTER TABLE source_stories ADD COLUMN batch BIGINT DEFAULT 0;

COMMENT ON TABLE source_lines IS 'learned boilerplate, a log: per batch, source and normalized line, the articles carrying it (sum over batches for the total)';
COMMENT ON COLUMN source_lines.articles IS 'distinct articles of the source with this line, in the batch';
COMMENT ON COLUMN source_lines.batch IS 'the batch that counted them (sequence line_batches; 0: before migration 020)';
COMMENT ON COLUMN source_stories.batch IS 'the batch that counted the story (sequence line_batches; 0: before migration 020)';
