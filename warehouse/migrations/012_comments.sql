-- Migration 012: comments on the tables and columns that migrations 002 and 010 added.

COMMENT ON COLUMN runs.status IS 'running | completed | failed | abandoned (killed; its committed batches stay)';
COMMENT ON COLUMN runs.fetched IS 'pages and listings downloaded (HTTP 200)';
COMMENT ON COLUMN runs.unchanged IS 'conditional GETs answered 304 Not Modified';

COMMENT ON TABLE fetch_log IS 'one row per HTTP request newswash made, with its outcome';
COMMENT ON COLUMN fetch_log.run_id IS 'the run that made the request';
COMMENT ON COLUMN fetch_log.url IS 'normalized URL asked for (tracking parameters stripped): the incremental key';
COMMENT ON COLUMN fetch_log.final_url IS 'URL after redirects';
COMMENT ON COLUMN fetch_log.kind IS 'page | listing (feed, sitemap, homepage, URL list) | robots';
COMMENT ON COLUMN fetch_log.source IS 'configured source the URL came from';
COMMENT ON COLUMN fetch_log.status IS 'last HTTP status; NULL when there was no answer';
COMMENT ON COLUMN fetch_log.bytes IS 'bytes received on the wire';
COMMENT ON COLUMN fetch_log.elapsed IS 'seconds, retries and waits included';
COMMENT ON COLUMN fetch_log.attempts IS 'requests made for this URL in this run (retries included)';
COMMENT ON COLUMN fetch_log.outcome IS 'fetched | unchanged (304) | refused (permanent) | failed (transient)';
COMMENT ON COLUMN fetch_log.reason IS 'why the request was refused or failed';
COMMENT ON COLUMN fetch_log.content_type IS 'media type of the response';
COMMENT ON COLUMN fetch_log.etag IS 'ETag, sent back as If-None-Match on the next check';
COMMENT ON COLUMN fetch_log.last_modified IS 'Last-Modified, sent back as If-Modified-Since on the next check';
COMMENT ON COLUMN fetch_log.canonical_url IS 'the page''s <link rel="canonical">';
COMMENT ON COLUMN fetch_log.warc_path IS 'WARC file holding the raw response (for newswash reprocess)';
COMMENT ON COLUMN fetch_log.warc_offset IS 'byte offset of the response record in warc_path';
COMMENT ON COLUMN fetch_log.fetched_at IS 'when the request finished (UTC)';

COMMENT ON COLUMN articles.authors IS 'every author named (JSON-LD or byline); author is the first';
COMMENT ON COLUMN articles.tags IS 'keywords and tags of the page (JSON-LD, article:tag, trafilatura)';
COMMENT ON COLUMN articles.paywalled IS 'true when the page says it is not free or the text is a teaser cut short';

COMMENT ON TABLE source_articles IS 'learned boilerplate: articles counted per source';
COMMENT ON COLUMN source_articles.source IS 'source name';
COMMENT ON COLUMN source_articles.articles IS 'articles of the source counted so far';
COMMENT ON TABLE source_lines IS 'learned boilerplate: per source and normalized line, the articles carrying it';
COMMENT ON COLUMN source_lines.source IS 'source name';
COMMENT ON COLUMN source_lines.line_hash IS 'hash of the normalized line (cleaners.boilerplate.line_hash)';
COMMENT ON COLUMN source_lines.articles IS 'distinct articles of the source with this line';

COMMENT ON TABLE schema_views IS 'hash of the views.sql the views were last created from';
COMMENT ON COLUMN schema_views.sha256 IS 'SHA-256 of warehouse/migrations/views.sql when it was applied';
