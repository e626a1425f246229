-- Stories already counted for learned boilerplate: a copy of one of them (same source, same
-- lines) under another URL, in a later batch or run, adds nothing to the counts. Rows of
-- articles loaded before this migration are not here: a later copy of one of them counts once more.
CREATE TABLE IF NOT EXISTS source_stories (
    source VARCHAR NOT NULL,
    story  BIGINT NOT NULL                 -- cleaners.boilerplate.story_key of the article's lines
);

COMMENT ON TABLE source_stories IS 'learned boilerplate: the stories counted per source (a copy under another URL counts once)';
COMMENT ON COLUMN source_stories.source IS 'source name';
COMMENT ON COLUMN source_stories.story IS 'hash of the set of the article''s line hashes (cleaners.boilerplate.story_key)';
