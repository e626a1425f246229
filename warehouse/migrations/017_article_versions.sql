-- Migration 017: article revisions. A stored article whose page is fetched again (a revisit,
-- [fetch] revisit_after / revisit_until) and whose cleaned title or body changed gets a new
-- version; `articles` holds the latest. Version 1 is the first fetch: every new article gets
-- its row as it is loaded, and this migration backfills version 1 of the articles stored
-- before it (its fetch time and WARC record from fetch_log when it was fetched), so every
-- article has its whole history here and the bodies of the first versions survive edits.
CREATE TABLE IF NOT EXISTS article_versions (
    article_id    BIGINT NOT NULL,
    version       INTEGER NOT NULL,
    fetched_at    TIMESTAMP NOT NULL,
    title         VARCHAR,
    body          VARCHAR NOT NULL,
    words_added   INTEGER,                 -- NULL on version 1
    words_removed INTEGER,                 -- NULL on version 1
    warc_path     VARCHAR,
    warc_offset   BIGINT,
    run_id        BIGINT NOT NULL,
    PRIMARY KEY (article_id, version)
);

INSERT INTO article_versions
    SELECT a.id, 1, coalesce(f.fetched_at, a.ingested_at), a.title, a.body, NULL, NULL, f.warc_path, f.warc_offset,
           a.run_id
    FROM articles a LEFT JOIN (
        SELECT url, min(fetched_at) AS fetched_at, arg_min(warc_path, fetched_at) AS warc_path,
               arg_min(warc_offset, fetched_at) AS warc_offset
        FROM fetch_log WHERE outcome = 'fetched' GROUP BY url
    ) f USING (url);

ALTER TABLE runs ADD COLUMN revisited BIGINT DEFAULT 0;  -- stored pages fetched again to look for edits
ALTER TABLE runs ADD COLUMN revised BIGINT DEFAULT 0;    -- of those, articles whose title or body changed

COMMENT ON TABLE article_versions IS 'one row per version of each article: 1 is the first fetch, a new one each time a revisit found its cleaned title or body changed; articles holds the latest';
COMMENT ON COLUMN article_versions.article_id IS 'the article (articles.id)';
COMMENT ON COLUMN article_versions.version IS 'from 1 (the first fetch), one more per change';
COMMENT ON COLUMN article_versions.fetched_at IS 'when this version was fetched (UTC)';
COMMENT ON COLUMN article_versions.title IS 'the cleaned title of this version';
COMMENT ON COLUMN article_versions.body IS 'the cleaned body of this version';
COMMENT ON COLUMN article_versions.words_added IS 'words (title and body) in this version and not the one before; NULL on version 1';
COMMENT ON COLUMN article_versions.words_removed IS 'words (title and body) of the version before that this one no longer has; NULL on version 1';
COMMENT ON COLUMN article_versions.warc_path IS 'WARC file holding the response this version was extracted from (as in fetch_log); NULL for files';
COMMENT ON COLUMN article_versions.warc_offset IS 'offset of that response record in warc_path';
COMMENT ON COLUMN article_versions.run_id IS 'the run that stored this version';
COMMENT ON COLUMN runs.revisited IS 'stored pages fetched again to look for edits (revisit_after, revisit_until)';
COMMENT ON COLUMN runs.revised IS 'revisited articles whose cleaned title or body changed (a new row in article_versions)';
