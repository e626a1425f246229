"""Full-text search of the corpus: a BM25 index (DuckDB's fts extension) over title and body.

The index lives in the table `search_corpus` (a copy of the corpus's id, title and
body) and the schema `fts_main_search_corpus`. DuckDB's index cannot be updated in
place, and a rebuild costs time in the size of the whole corpus, so runs leave it
alone: `is_stale` tells when the corpus has changed since the last build, and the
search command then rebuilds it first (once per change, however many runs).
"""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from newswash.errors import NewswashError

def _extension_file() -> Path:
    """The fts extension shipped by the `duckdb-ext-fts` package, for this DuckDB version."""
    spec = importlib.util.find_spec("duckdb_ext")
    roots = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    for root in roots:
        found = sorted(root.glob(f"extensions/v{duckdb.__version__}/*/fts.duckdb_extension"))
        if found:
            return found[0]
    raise NewswashError(f"full-text search needs the duckdb-ext-fts package for DuckDB {duckdb.__version__}")


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load the fts extension from the package's file (no download, nothing written to ~/.duckdb)."""
    con.load_extension(str(_extension_file()))


def _stamp(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, int | None]:
    # New articles take the highest ids, so any change to the corpus changes its count or max id.
    return con.execute(f"SELECT count(*), max(id) FROM {relation}").fetchone()


def is_stale(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the index is missing or older than the corpus."""
    indexed = con.execute(
        "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_search_corpus' "
        "AND database_name = current_database()"
    ).fetchone()[0]
    return not indexed or _stamp(con, "search_corpus") != _stamp(con, "corpus")


SEARCH_COLUMNS = {
    "id": "article id (articles.id)",
    "title": "the title, empty when there is none",
    "body": "the cleaned body",
}


def build_index(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build the BM25 index over the corpus: English stemming and stop words, accents stripped."""
    load_fts(con)
    con.execute("CREATE OR REPLACE TABLE search_corpus AS SELECT id, coalesce(title, '') AS title, body FROM corpus")
    con.execute("COMMENT ON TABLE search_corpus IS 'what the full-text index covers: the corpus at the last rebuild'")
    for column, comment in SEARCH_COLUMNS.items():
        con.execute(f"COMMENT ON COLUMN search_corpus.{column} IS '{comment}'")
    con.execute("PRAGMA create_fts_index('search_corpus', 'id', 'title', 'body', overwrite = 1)")


def search(
    con: duckdb.DuckDBPyConnection,
    query: str,
    sources: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 20,
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Corpus articles matching `query`, best BM25 score first; dates are inclusive publication days."""
    if not query.strip():
        raise NewswashError("the search query is empty")
    load_fts(con)
    where, params = ["s.score IS NOT NULL"], [query]
    if sources:
        where.append("c.source IN (SELECT unnest(?))")
        params.append(sources)
    if since:
        where.append("c.published_at >= ?")
        params.append(since)
    if until:
        where.append("c.published_at < ?")
        params.append(until + timedelta(days=1))
    cursor = con.execute(
        f"""
        SELECT round(s.score, 3) AS score, c.id, c.source, c.published_at::DATE AS published, c.title, c.url
        FROM (SELECT id, fts_main_search_corpus.match_bm25(id, ?) AS score FROM search_corpus) s
        JOIN corpus c ON c.id = s.id
        WHERE {' AND '.join(where)}
        ORDER BY s.score DESC, c.id
        LIMIT ?
        """,
        [*params, limit],
    )
    return [d[0] for d in cursor.description], cursor.fetchall()
