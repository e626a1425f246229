-- Migration 021: a version's body is stored once. Every new article wrote its body twice, in
-- `articles` and in its version 1, which doubled what each batch wrote and each checkpoint
-- compressed. The versions move to `version_log`, whose `body` is NULL where it is the same
-- as the article's current body (always so for the latest version, until a revision or a
-- reprocess replaces that body: the loader first writes the old body into the versions that
-- relied on it). The view `article_versions` (views.sql) shows every version with its body.
ALTER TABLE article_versions ALTER COLUMN body DROP NOT NULL;
ALTER TABLE article_versions RENAME TO version_log;
UPDATE version_log SET body = NULL FROM articles a WHERE a.id = version_log.article_id AND version_log.body = a.body;

COMMENT ON TABLE version_log IS 'one row per version of each article, as stored: its body only where it differs from the article''s current body (the view article_versions shows every body)';
COMMENT ON COLUMN version_log.body IS 'the cleaned body of this version; NULL: the same as articles.body';
