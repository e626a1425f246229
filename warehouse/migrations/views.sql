-- The views, with their comments. Not a migration: re-applied whenever a migration runs or
-- this file changes (so `SELECT *` views see columns that migrations add).

CREATE OR REPLACE VIEW corpus AS
    SELECT * FROM articles WHERE is_canonical;
-- A delay is how long after its cluster's original an article was published (NULL when either date is unknown).

CREATE OR REPLACE VIEW syndication AS
    SELECT
        o.id                                                   AS cluster_id,
        count(*) OVER (PARTITION BY o.id)                      AS cluster_size,
        o.source                                               AS original_source,
        o.title                                                AS original_title,
        o.published_at                                         AS original_published_at,
        a.id                                                   AS article_id,
        a.source,
        a.title,
        a.url,
        a.published_at,
        CASE WHEN a.is_canonical THEN 'original' ELSE d.kind END AS kind,
        CASE WHEN a.is_canonical THEN 1.0 ELSE d.similarity END AS similarity,
        a.published_at - o.published_at                        AS delay,
        round(date_diff('second', o.published_at, a.published_at) / 3600, 2) AS delay_hours
    FROM articles a
    JOIN articles o ON o.id = a.cluster_id
    LEFT JOIN duplicates d ON d.article_id = a.id
    WHERE a.cluster_id IN (SELECT cluster_id FROM articles GROUP BY cluster_id HAVING count(*) > 1)
    ORDER BY cluster_size DESC, cluster_id, a.is_canonical DESC, a.published_at, a.id;

CREATE OR REPLACE VIEW source_stats AS
    WITH sized AS (
        SELECT a.*, count(*) OVER (PARTITION BY a.cluster_id) AS cluster_size,
               date_diff('second', o.published_at, a.published_at) / 3600 AS delay_hours
        FROM articles a JOIN articles o ON o.id = a.cluster_id
    )
    SELECT
        source,
        count(*)                                                   AS articles,
        count(*) FILTER (NOT is_canonical)                         AS duplicates,
        round(duplicates / count(*), 3)                            AS duplicate_share,
        count(*) FILTER (cluster_size > 1)                         AS syndicated,
        count(*) FILTER (cluster_size > 1 AND is_canonical)        AS first_published,
        round(first_published / nullif(syndicated, 0), 3)          AS first_share,
        round(median(delay_hours) FILTER (NOT is_canonical), 2)    AS median_delay_hours
    FROM sized
    GROUP BY source
    ORDER BY articles DESC, source;

CREATE OR REPLACE VIEW daily AS
    SELECT
        coalesce(published_at, ingested_at)::DATE AS day,
        count(*)                                  AS articles,
        count(*) FILTER (is_canonical)            AS new_stories,
        count(*) FILTER (NOT is_canonical)        AS duplicates
    FROM articles
    GROUP BY day
    ORDER BY day;

CREATE OR REPLACE VIEW article_versions AS
    SELECT v.article_id, v.version, v.fetched_at, v.title, coalesce(v.body, a.body) AS body, v.words_added,
           v.words_removed, v.warc_path, v.warc_offset, v.run_id
    FROM version_log v JOIN articles a ON a.id = v.article_id;

CREATE OR REPLACE VIEW revisions AS
    WITH ordered AS (
        SELECT v.*, lag(v.title) OVER w AS title_before, lag(v.fetched_at) OVER w AS before_at,
               first_value(v.fetched_at) OVER w AS first_fetched_at
        FROM version_log v WINDOW w AS (PARTITION BY v.article_id ORDER BY v.version)
    )
    SELECT
        o.article_id,
        a.url,
        a.source,
        o.version,
        o.before_at                                             AS previous_fetched_at,
        o.fetched_at,
        o.title_before,
        o.title                                                 AS title_after,
        o.title IS DISTINCT FROM o.title_before                 AS headline_changed,
        o.words_added,
        o.words_removed,
        round(date_diff('second', o.first_fetched_at, o.fetched_at) / 3600, 2) AS hours_since_first,
        o.warc_path,
        o.warc_offset
    FROM ordered o JOIN articles a ON a.id = o.article_id
    WHERE o.version > 1
    ORDER BY o.fetched_at, o.article_id, o.version;

CREATE OR REPLACE VIEW data_dictionary AS
    SELECT
        c.table_name,
        CASE WHEN v.view_name IS NULL THEN 'table' ELSE 'view' END AS kind,
        coalesce(t.comment, v.comment)                             AS table_comment,
        c.column_name,
        c.data_type,
        c.comment
    FROM duckdb_columns() c
    LEFT JOIN duckdb_tables() t
        ON t.database_name = c.database_name AND t.schema_name = c.schema_name AND t.table_name = c.table_name
    LEFT JOIN duckdb_views() v
        ON v.database_name = c.database_name AND v.schema_name = c.schema_name AND v.view_name = c.table_name
    WHERE c.database_name = current_database() AND c.schema_name = 'main' AND NOT c.internal
    ORDER BY c.table_name, c.column_index;

COMMENT ON VIEW corpus IS 'the canonical article of each cluster: one row per story';

COMMENT ON VIEW syndication IS 'one row per member of each cluster of two or more articles, original first';
COMMENT ON COLUMN syndication.cluster_id IS 'id of the cluster''s original (articles.id)';
COMMENT ON COLUMN syndication.cluster_size IS 'articles in the cluster';
COMMENT ON COLUMN syndication.original_source IS 'publisher of the original';
COMMENT ON COLUMN syndication.original_title IS 'headline of the original';
COMMENT ON COLUMN syndication.original_published_at IS 'when the original was published';
COMMENT ON COLUMN syndication.article_id IS 'this member (articles.id)';
COMMENT ON COLUMN syndication.source IS 'publisher of this member';
COMMENT ON COLUMN syndication.title IS 'headline of this member';
COMMENT ON COLUMN syndication.url IS 'URL of this member';
COMMENT ON COLUMN syndication.published_at IS 'when this member was published';
COMMENT ON COLUMN syndication.kind IS 'original, or how the copy matched: exact | near | contained';
COMMENT ON COLUMN syndication.similarity IS 'similarity to the original (1 for the original)';
COMMENT ON COLUMN syndication.delay IS 'how long after the original this member was published; NULL when a date is unknown';
COMMENT ON COLUMN syndication.delay_hours IS 'delay in hours, two decimals';

COMMENT ON VIEW source_stats IS 'one row per publisher: volume, duplicates, who publishes first, how far behind copies come';
COMMENT ON COLUMN source_stats.source IS 'publisher';
COMMENT ON COLUMN source_stats.articles IS 'articles it published';
COMMENT ON COLUMN source_stats.duplicates IS 'of those, copies of an earlier article (non-canonical)';
COMMENT ON COLUMN source_stats.duplicate_share IS 'duplicates / articles';
COMMENT ON COLUMN source_stats.syndicated IS 'its articles that belong to a cluster of two or more';
COMMENT ON COLUMN source_stats.first_published IS 'of those, the ones it published first (the original)';
COMMENT ON COLUMN source_stats.first_share IS 'first_published / syndicated; NULL when nothing is syndicated';
COMMENT ON COLUMN source_stats.median_delay_hours IS 'median hours its copies appeared after the original';

COMMENT ON VIEW daily IS 'one row per day: articles, new stories and duplicates';
COMMENT ON COLUMN daily.day IS 'publication date (load date when unknown)';
COMMENT ON COLUMN daily.articles IS 'articles that day';
COMMENT ON COLUMN daily.new_stories IS 'canonical articles: stories first seen';
COMMENT ON COLUMN daily.duplicates IS 'copies of a story';

COMMENT ON VIEW article_versions IS 'one row per version of each article: 1 is the first fetch, a new one each time a revisit found its cleaned title or body changed; articles holds the latest';
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

COMMENT ON VIEW revisions IS 'one row per change of an article after it was first seen (article_versions from version 2)';
COMMENT ON COLUMN revisions.article_id IS 'the article (articles.id)';
COMMENT ON COLUMN revisions.url IS 'its URL';
COMMENT ON COLUMN revisions.source IS 'its publisher';
COMMENT ON COLUMN revisions.version IS 'the version this change made (2 is the first edit)';
COMMENT ON COLUMN revisions.previous_fetched_at IS 'when the version before was fetched';
COMMENT ON COLUMN revisions.fetched_at IS 'when the changed version was fetched';
COMMENT ON COLUMN revisions.title_before IS 'headline before the change';
COMMENT ON COLUMN revisions.title_after IS 'headline after the change';
COMMENT ON COLUMN revisions.headline_changed IS 'whether the headline changed';
COMMENT ON COLUMN revisions.words_added IS 'words (title and body) the change added';
COMMENT ON COLUMN revisions.words_removed IS 'words (title and body) the change removed';
COMMENT ON COLUMN revisions.hours_since_first IS 'hours from the first fetch (version 1) to this change';
COMMENT ON COLUMN revisions.warc_path IS 'WARC file of the changed version''s response';
COMMENT ON COLUMN revisions.warc_offset IS 'offset of that record in warc_path';

COMMENT ON VIEW data_dictionary IS 'every column of every table and view, with its comment';
COMMENT ON COLUMN data_dictionary.table_name IS 'table or view';
COMMENT ON COLUMN data_dictionary.kind IS 'table | view';
COMMENT ON COLUMN data_dictionary.table_comment IS 'what one row of the table or view is';
COMMENT ON COLUMN data_dictionary.column_name IS 'column';
COMMENT ON COLUMN data_dictionary.data_type IS 'DuckDB type';
COMMENT ON COLUMN data_dictionary.comment IS 'what the column holds';
