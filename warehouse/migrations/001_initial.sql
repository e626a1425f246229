-- Migration 001: the initial schema.
CREATE SEQUENCE IF NOT EXISTS run_ids START 1;
CREATE SEQUENCE IF NOT EXISTS article_ids START 1;


CREATE TABLE IF NOT EXISTS runs (
    run_id           BIGINT PRIMARY KEY,
    started_at       TIMESTAMP NOT NULL,
    finished_at      TIMESTAMP,
    status           VARCHAR NOT NULL,     -- running | completed | failed
    inputs           VARCHAR[],
    read             BIGINT DEFAULT 0,     -- records and pages read
    skipped          BIGINT DEFAULT 0,     -- already in the warehouse, not processed again
    extracted        BIGINT DEFAULT 0,     -- articles with a body after extraction and cleaning
    failed           BIGINT DEFAULT 0,     -- inputs that failed; reasons in `failures`
    new              BIGINT DEFAULT 0,     -- articles added
    exact_duplicates BIGINT DEFAULT 0,     -- new articles whose body equals a stored one
    near_duplicates  BIGINT DEFAULT 0      -- new articles in a cluster by similarity or containment
);

CREATE TABLE IF NOT EXISTS failures (
    run_id    BIGINT NOT NULL,
    location  VARCHAR NOT NULL,            -- URL, path, or path:line
    stage     VARCHAR NOT NULL,            -- read | fetch | extract
    reason    VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS articles (
    id            BIGINT PRIMARY KEY,
    url           VARCHAR NOT NULL UNIQUE,
    source        VARCHAR,
    path          VARCHAR,
    title         VARCHAR,
    author        VARCHAR,
    published_at  TIMESTAMP,
    updated_at    TIMESTAMP,
    language      VARCHAR,
    site_name     VARCHAR,
    canonical_url VARCHAR,
    attribution   VARCHAR,
    body          VARCHAR NOT NULL,
    cluster_id    BIGINT,                  -- id of the cluster's canonical article
    is_canonical  BOOLEAN,
    run_id        BIGINT NOT NULL,
    ingested_at   TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS cleaning_log (
    article_id BIGINT NOT NULL,
    rule       VARCHAR NOT NULL,
    removed    VARCHAR NOT NULL,
    run_id     BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS signatures (
    article_id BIGINT PRIMARY KEY,
    exact      VARCHAR NOT NULL,           -- hash of the normalized body
    size       INTEGER NOT NULL,           -- distinct shingles
    signature  BLOB NOT NULL               -- MinHash values, little-endian
);

CREATE TABLE IF NOT EXISTS band_keys (
    band       SMALLINT NOT NULL,
    key        BIGINT NOT NULL,
    article_id BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS duplicates (
    article_id   BIGINT NOT NULL,          -- a non-canonical member of a cluster
    canonical_id BIGINT NOT NULL,
    kind         VARCHAR NOT NULL,         -- exact | near | contained
    similarity   DOUBLE NOT NULL,          -- estimated Jaccard (containment for `contained`)
    run_id       BIGINT NOT NULL
);

CREATE OR REPLACE VIEW corpus AS
    SELECT * FROM articles WHERE is_canonical;
