"""newswash reprocess: archived pages (WARC) re-extracted and re-cleaned with today's rules, no fetching."""

from __future__ import annotations

import argparse
from pathlib import Path

from newswash.settings import Settings

HELP = "re-extract and re-clean every archived page with today's rules, without fetching again"
UPDATED = ("title", "author", "published_at", "updated_at", "language", "site_name", "attribution", "body")


def configure(parser: argparse.ArgumentParser) -> None:
    """No options beyond --db and --config."""


def run(args: argparse.Namespace, settings: Settings) -> int:
    from newswash.cleaners import Cleaner
    from newswash.warehouse.store import finish_run, open_warehouse, record_failures, start_run

    cleaner = Cleaner.from_toml(settings.cleaning_rules)
    with open_warehouse(Path(args.db or settings.db_path)) as con:
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
            batch = rows[start:start + settings.batch_size]
            counts_batch = reprocess_batch(con, run_id, batch, cleaner)
            counts["extracted"] += counts_batch[0]
            counts["failed"] += len(counts_batch[1])
            record_failures(con, run_id, counts_batch[1])
        finish_run(con, run_id, "completed", counts)
    print(f"run #{run_id}: reprocessed {counts['extracted']} of {counts['read']} archived pages, failed {counts['failed']}")
    return 0


def reprocess_batch(con, run_id: int, rows: list[tuple], cleaner) -> tuple[int, list]:  # noqa: ANN001
    """Re-extract one batch of (id, url, warc_path, warc_offset) and update those articles in one transaction.

    Clusters and MinHash signatures are kept as they are: a body changes, the article stays where it is.
    """
    from newswash.pipeline import extract_and_clean
    from newswash.records import Article, Failure
    from newswash.sources.charset import decode
    from newswash.sources.warc import read_at

    failures: list[Failure] = []
    updates, removals = [], []
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
            continue
        updates.append([getattr(result, name) for name in UPDATED] + [article_id])
        removals += [(article_id, r.rule, r.text, run_id) for r in result.removals]
    con.execute("BEGIN")
    try:
        if updates:
            assignments = ", ".join(f"{name} = ?" for name in UPDATED)
            con.executemany(f"UPDATE articles SET {assignments} WHERE id = ?", updates)
            con.execute("DELETE FROM cleaning_log WHERE article_id IN (SELECT unnest(?))", [[u[-1] for u in updates]])
        if removals:
            con.executemany("INSERT INTO cleaning_log (article_id, rule, removed, run_id) VALUES (?, ?, ?, ?)", removals)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return len(updates), failures
