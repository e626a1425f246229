-- Migration 010: cleaning metadata and learned site boilerplate.
-- New Article fields (the loader stores every Article field that has a same-named column).
ALTER TABLE articles ADD COLUMN IF NOT EXISTS authors VARCHAR[];
ALTER TABLE articles ADD COLUMN IF NOT EXISTS tags VARCHAR[];
ALTER TABLE articles ADD COLUMN IF NOT EXISTS paywalled BOOLEAN DEFAULT false;

-- Learned boilerplate (cleaners/boilerplate.py): articles counted per source, and per
-- source and normalized-line hash the number of distinct articles carrying that line.
CREATE TABLE IF NOT EXISTS source_articles (
    source   VARCHAR PRIMARY KEY,
    articles BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS source_lines (
    source    VARCHAR NOT NULL,
    line_hash BIGINT NOT NULL,             -- cleaners.boilerplate.line_hash
    articles  BIGINT NOT NULL,             -- distinct articles of the source with this line
    PRIMARY KEY (source, line_hash)
);
