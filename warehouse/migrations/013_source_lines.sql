-- Migration 013: source_lines without its primary key. Its index made every batch's upsert
-- (and every checkpoint) slower as the table grew, to millions of rows; the loader's MERGE
-- (warehouse/boilerplate.py) keeps one row per (source, line_hash) by itself.
ALTER TABLE source_lines RENAME TO source_lines_012;

CREATE TABLE source_lines (
    source    VARCHAR NOT NULL,
    line_hash BIGINT NOT NULL,             -- cleaners.boilerplate.line_hash
    articles  BIGINT NOT NULL              -- distinct articles of the source with this line
);

INSERT INTO source_lines SELECT source, line_hash, articles FROM source_lines_012;
DROP TABLE source_lines_012;

COMMENT ON TABLE source_lines IS 'learned boilerplate: per source and normalized line, the articles carrying it (one row per source and line_hash)';
COMMENT ON COLUMN source_lines.source IS 'source name';
COMMENT ON COLUMN source_lines.line_hash IS 'hash of the normalized line (cleaners.boilerplate.line_hash)';
COMMENT ON COLUMN source_lines.articles IS 'distinct articles of the source with this line';
