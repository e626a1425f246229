-- Migration 019: the LSH band keys leave the warehouse. Candidate lookup probes the index kept
-- beside the DuckDB file (`<warehouse>-dedup/`, dedup/index.py), which derives every band key
-- from `signatures` (the truth, from which the index is rebuilt); the table `band_keys` was
-- written on every load (35 rows an article) and read by nothing.
DROP TABLE IF EXISTS band_keys;
