"""newswash reprocess: archived pages (WARC) re-extracted and re-cleaned with today's rules, no fetching."""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from newswash.cleaners import Cleaner
from newswash.dedup import DedupSettings, fingerprint
from newswash.records import Article, Failure
from newswash.settings import Settings

HELP = "re-extract and re-clean every archived page with today's rules, without fetching again"
UPDATED = ("title", "author", "published_at", "updated_at", "language", "site_name", "attribution", "body")


def configure(parser: argparse.ArgumentParser) -> None:
    """No options beyond --db and --config."""


def run(args: argparse.Namespace, settings: Settings) -> int:
    from newswash.warehouse.load import recluster_all
    from newswash.warehouse.lock import writer_lock
    from newswash.warehouse.store import finish_run, open_warehouse, record_failures, start_run

    cleaner = Cleaner.from_toml(settings.cleaning_rules)
    dedup = DedupSettings.from_toml(settings.dedup_settings)
    db = Path(args.db or settings.db_path)
    with writer_lock(db, settings.lock_wait), open_warehouse(db) as con:
        rows = con.execute(
            """
            SELECT a.id, a.url, l.warc_path, l.warc_offset FROM articles a JOIN (
                SELECT url, arg_max(warc_path, fetched_at) AS warc_path, arg_max(warc_offset, fetched_at) AS warc_offset
                FROM fetch_log WHERE outcome = 'fetched' AND warc_path IS NOT NULL GROUP BY url
            ) l USING (url) ORDER BY a.id
            """
        ).fetchall()
        run_id = start_run(con, ["reprocess"])
        counts = {"read": len(rows), "extracted": 0, "failed": 0}
        for start in range(0, len(rows), settings.batch_size):
            updated, failures = reprocess_batch(con, run_id, rows[start:start + settings.batch_size], cleaner, dedup)
            counts["extracted"] += updated
            counts["failed"] += len(failures)
            record_failures(con, run_id, failures)
        clusters = recluster_all(con, run_id, dedup)  # bodies changed: so may their clusters
        counts["exact_duplicates"], counts["near_duplicates"] = clusters.exact_duplicates, clusters.near_duplicates
        finish_run(con, run_id, "completed", counts)
    print(f"run #{run_id}: reprocessed {counts['extracted']} of {counts['read']} archived pages, "
          f"failed {counts['failed']}; clusters formed again")
    return 0


def reprocess_batch(
    con: duckdb.DuckDBPyConnection, run_id: int, rows: list[tuple], cleaner: Cleaner, dedup: DedupSettings
) -> tuple[int, list[Failure]]:
    """Re-extract one batch of (id, url, warc_path, warc_offset); update articles, cleaning log and
    signatures in one transaction."""
    from newswash.pipeline import extract_and_clean
    from newswash.sources.charset import decode
    from newswash.sources.warc import read_at
    from newswash.warehouse.load import insert_cleaning_log, refresh_signatures
    from newswash.warehouse.store import transaction

    failures: list[Failure] = []
    updated: list[tuple[int, Article]] = []
    for article_id, url, warc_path, offset in rows:
        record = read_at(Path(warc_path), offset)
        if record is None:
            failures.append(Failure(url, "read", f"archived response missing: {warc_path}@{offset}"))
            continue
        article = Article(url=url, content=decode(record.content, record.charset),
                          content_type="text" if record.media_type == "text/plain" else "html")
        result = extract_and_clean(article, cleaner)
        if isinstance(result, Failure):
            failures.append(result)
        else:
            updated.append((article_id, result))
    if not updated:
        return 0, failures
    ids = [article_id for article_id, _ in updated]
    assignments = ", ".join(f"{name} = ?" for name in UPDATED)
    with transaction(con):
        con.executemany(f"UPDATE articles SET {assignments} WHERE id = ?",
                        [[getattr(a, name) for name in UPDATED] + [i] for i, a in updated])
        con.execute("DELETE FROM cleaning_log WHERE article_id IN (SELECT unnest(?))", [ids])
        insert_cleaning_log(con, run_id, ids, [a for _, a in updated])
        refresh_signatures(con, ids, fingerprint([a.body for _, a in updated], dedup))
    return len(updated), failures
