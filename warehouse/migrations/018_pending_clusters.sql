-- Migration 018: backfills (`newswash ingest --bulk`). A backfill loads its batches clustered
-- within themselves and lists their articles here; its last transaction clusters them across
-- batches and with the articles stored before them, and empties the table. Rows left by a
-- backfill that was killed wait for the next one, which finishes them.
CREATE TABLE IF NOT EXISTS pending_clusters (
    article_id BIGINT PRIMARY KEY,
    batch      BIGINT NOT NULL             -- the smallest article id of its batch
);

COMMENT ON TABLE pending_clusters IS 'articles of a backfill (ingest --bulk) loaded with the clusters of their own batch, waiting to be clustered across batches; empty once the backfill ends';
COMMENT ON COLUMN pending_clusters.article_id IS 'the article (articles.id)';
COMMENT ON COLUMN pending_clusters.batch IS 'the batch it was loaded in, as the smallest article id of that batch';
