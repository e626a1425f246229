-- Migration 002: fetching. Every http request newswash makes, and the run counts it adds.
CREATE TABLE IF NOT EXISTS fetch_log (
    run_id        BIGINT NOT NULL,
    url           VARCHAR NOT NULL,         -- normalized URL asked for (the incremental key)
    final_url     VARCHAR,                  -- after redirects
    kind          VARCHAR NOT NULL,         -- page | listing (feed, sitemap, homepage, URL list) | robots
    source        VARCHAR,
    status        INTEGER,                  -- last HTTP status; NULL when there was no answer
    bytes         BIGINT,                   -- bytes on the wire
    elapsed       DOUBLE,                   -- seconds, retries and waits included
    attempts      INTEGER,
    outcome       VARCHAR NOT NULL,         -- fetched | unchanged (304) | refused (permanent) | failed (transient)
    reason        VARCHAR,                  -- why refused or failed
    content_type  VARCHAR,
    etag          VARCHAR,
    last_modified VARCHAR,
    canonical_url VARCHAR,                  -- the page's <link rel="canonical">
    warc_path     VARCHAR,                  -- the raw response, archived
    warc_offset   BIGINT,
    fetched_at    TIMESTAMP NOT NULL
);

ALTER TABLE runs ADD COLUMN fetched BIGINT DEFAULT 0;    -- pages and listings downloaded (200)
ALTER TABLE runs ADD COLUMN unchanged BIGINT DEFAULT 0;  -- conditional GETs answered 304
