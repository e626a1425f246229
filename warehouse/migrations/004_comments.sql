-- Migration 004: comments on every table and column (the views' are in views.sql); see data_dictionary.

COMMENT ON TABLE schema_version IS 'one row per migration applied to this warehouse';
COMMENT ON COLUMN schema_version.version IS 'number of an applied migration (warehouse/migrations/NNN_*.sql)';

COMMENT ON TABLE runs IS 'one row per ingest run, with its counts';
COMMENT ON COLUMN runs.run_id IS 'run number, from 1';
COMMENT ON COLUMN runs.started_at IS 'when the run started (UTC)';
COMMENT ON COLUMN runs.finished_at IS 'when the run ended (UTC); NULL while running or if it was killed';
COMMENT ON COLUMN runs.status IS 'running | completed | failed';
COMMENT ON COLUMN runs.inputs IS 'the paths and URLs the run was given';
COMMENT ON COLUMN runs.read IS 'records and pages read';
COMMENT ON COLUMN runs.skipped IS 'records whose URL was already stored, not processed again';
COMMENT ON COLUMN runs.extracted IS 'articles with a body after extraction and cleaning';
COMMENT ON COLUMN runs.failed IS 'inputs that failed; reasons in failures';
COMMENT ON COLUMN runs.new IS 'articles added';
COMMENT ON COLUMN runs.exact_duplicates IS 'new articles whose normalized body equals a stored one';
COMMENT ON COLUMN runs.near_duplicates IS 'new articles joined to a cluster by similarity or containment';

COMMENT ON TABLE failures IS 'one row per input that could not become an article';
COMMENT ON COLUMN failures.run_id IS 'the run that met it (runs.run_id)';
COMMENT ON COLUMN failures.location IS 'URL, path, or path:line';
COMMENT ON COLUMN failures.stage IS 'read | fetch | extract';
COMMENT ON COLUMN failures.reason IS 'why it failed';

COMMENT ON TABLE articles IS 'one row per article ever ingested, duplicates included';
COMMENT ON COLUMN articles.id IS 'article id; grows with ingest order';
COMMENT ON COLUMN articles.url IS 'the article''s URL (file:// for files); unique';
COMMENT ON COLUMN articles.source IS 'publisher: the folder name of a file, or the source field of a JSONL record';
COMMENT ON COLUMN articles.path IS 'file it was read from, if any';
COMMENT ON COLUMN articles.title IS 'headline';
COMMENT ON COLUMN articles.author IS 'byline';
COMMENT ON COLUMN articles.published_at IS 'publication time (UTC) from the page or record; NULL when unknown';
COMMENT ON COLUMN articles.updated_at IS 'last update time (UTC) from the page, if any';
COMMENT ON COLUMN articles.language IS 'language code found by extraction';
COMMENT ON COLUMN articles.site_name IS 'site name found by extraction';
COMMENT ON COLUMN articles.canonical_url IS 'the page''s own canonical URL, if it names one';
COMMENT ON COLUMN articles.attribution IS 'attribution line cleaning moved out of the body (e.g. a wire credit)';
COMMENT ON COLUMN articles.body IS 'cleaned text';
COMMENT ON COLUMN articles.cluster_id IS 'id of the canonical article of its cluster (itself when canonical)';
COMMENT ON COLUMN articles.is_canonical IS 'true for the original of its cluster: earliest published, then first ingested, then longest';
COMMENT ON COLUMN articles.run_id IS 'the run that added it';
COMMENT ON COLUMN articles.ingested_at IS 'when it was loaded (UTC)';

COMMENT ON TABLE cleaning_log IS 'one row per piece of text a cleaning rule removed';
COMMENT ON COLUMN cleaning_log.article_id IS 'the article it came from (articles.id)';
COMMENT ON COLUMN cleaning_log.rule IS 'name of the rule in config/cleaning.toml';
COMMENT ON COLUMN cleaning_log.removed IS 'the text removed';
COMMENT ON COLUMN cleaning_log.run_id IS 'the run that cleaned it';

COMMENT ON TABLE signatures IS 'MinHash state of each article, so later runs compare new articles with everything stored';
COMMENT ON COLUMN signatures.article_id IS 'articles.id';
COMMENT ON COLUMN signatures.exact IS 'hash of the normalized body';
COMMENT ON COLUMN signatures.size IS 'number of distinct shingles';
COMMENT ON COLUMN signatures.signature IS 'MinHash values, little-endian';

COMMENT ON TABLE band_keys IS 'LSH band keys of each signature: articles sharing a key are candidate duplicates';
COMMENT ON COLUMN band_keys.band IS 'band number';
COMMENT ON COLUMN band_keys.key IS 'hash of the band''s MinHash values';
COMMENT ON COLUMN band_keys.article_id IS 'articles.id';

COMMENT ON TABLE duplicates IS 'one row per non-canonical article: which original it copies and how closely';
COMMENT ON COLUMN duplicates.article_id IS 'the copy (articles.id)';
COMMENT ON COLUMN duplicates.canonical_id IS 'the original of its cluster (articles.id)';
COMMENT ON COLUMN duplicates.kind IS 'exact | near | contained';
COMMENT ON COLUMN duplicates.similarity IS 'estimated Jaccard similarity (containment for contained)';
COMMENT ON COLUMN duplicates.run_id IS 'the run that last assigned it';

COMMENT ON TABLE sources IS 'one row per publisher seen, updated at the end of each run';
COMMENT ON COLUMN sources.name IS 'publisher name, as in articles.source';
COMMENT ON COLUMN sources.first_seen_at IS 'when its first article was loaded (UTC)';
COMMENT ON COLUMN sources.last_seen_at IS 'when its latest article was loaded (UTC)';
COMMENT ON COLUMN sources.first_run_id IS 'the run that loaded its first article';
COMMENT ON COLUMN sources.last_run_id IS 'the run that loaded its latest article';

