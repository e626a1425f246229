"""Dedup reports: the figures (`report_data`), as rich text, and as markdown for one run."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import duckdb
from rich.console import Console
from rich.table import Table

from newswash.warehouse.query import markdown_table
from newswash.warehouse.steps import last_steps_run, run_steps
from newswash.warehouse.store import open_warehouse

MAX_CLUSTERS = 20
MAX_EDITS = 10
MAX_SOURCES = 15
TOP_REASONS = 3
STEP_COLUMNS = ["step", "in", "kept", "dropped", "top reasons", "seconds"]


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _clusters(con: duckdb.DuckDBPyConnection, where: str = "TRUE", params: list[Any] | None = None,
              limit: int = MAX_CLUSTERS) -> list[dict[str, Any]]:
    """The largest clusters (filtered by `where` over `syndication`), each with its members, original first."""
    members = _rows(
        con,
        f"""
        SELECT cluster_id, cluster_size, original_source, original_title, article_id, source, title,
               kind, round(similarity, 2) AS similarity, delay_hours
        FROM syndication
        WHERE cluster_id IN (
            SELECT cluster_id FROM syndication WHERE {where}
            GROUP BY cluster_id, cluster_size ORDER BY cluster_size DESC, cluster_id LIMIT ?)
        ORDER BY cluster_size DESC, cluster_id, kind = 'original' DESC, published_at, article_id
        """,
        [*(params or []), limit],
    )
    clusters: dict[int, dict[str, Any]] = {}
    for m in members:
        cluster = clusters.setdefault(m["cluster_id"], {
            "id": m["cluster_id"], "size": m["cluster_size"], "title": m["original_title"],
            "original_source": m["original_source"], "members": [],
        })
        cluster["members"].append({k: m[k] for k in ("article_id", "source", "title", "kind", "similarity", "delay_hours")})
    return list(clusters.values())


def _top_reasons(reasons: dict[str, int]) -> str:
    more = len(reasons) - TOP_REASONS
    shown = "; ".join(f"{reason}: {n}" for reason, n in list(reasons.items())[:TOP_REASONS])
    return shown + (f" (+{more} more)" if more > 0 else "")


def step_rows(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps (from `run_steps`) as the rows of the reports' step table, `STEP_COLUMNS`."""
    return [{"step": s["step"], "in": s["seen"], "kept": s["kept"], "dropped": s["dropped"],
             "top reasons": _top_reasons(s["reasons"]), "seconds": round(s["seconds"], 2)} for s in steps]


def revision_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Articles changed since first seen: totals, per source, the largest edits, the headline changes."""
    totals = _rows(
        con,
        """
        SELECT count(DISTINCT article_id) AS articles_changed, count(*) AS changes,
               count(*) FILTER (headline_changed) AS headline_changes,
               round(median(hours_since_first) FILTER (version = 2), 2) AS median_hours_to_first_edit
        FROM revisions
        """,
    )[0]
    return {
        **totals,
        "per_source": _rows(
            con,
            """
            SELECT a.source, count(DISTINCT a.id) AS articles,
                   count(DISTINCT r.article_id) AS changed, count(r.article_id) AS changes,
                   count(r.article_id) FILTER (r.headline_changed) AS headline_changes
            FROM articles a LEFT JOIN revisions r ON r.article_id = a.id
            GROUP BY a.source HAVING count(r.article_id) > 0 ORDER BY changed DESC, a.source
            """,
        ),
        "largest_edits": _rows(
            con,
            "SELECT article_id, source, url, version, title_after AS title, words_added, words_removed, "
            "hours_since_first FROM revisions ORDER BY words_added + words_removed DESC, fetched_at LIMIT ?",
            [MAX_EDITS],
        ),
        "headlines": _rows(
            con,
            "SELECT article_id, source, version, title_before, title_after, fetched_at FROM revisions "
            "WHERE headline_changed ORDER BY fetched_at DESC LIMIT ?",
            [MAX_EDITS],
        ),
    }


def report_data(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Everything the reports show, as plain values: totals, last run, the steps of the last run
    that recorded them, clusters, sources, days, revisions, rules."""
    totals = _rows(
        con,
        """
        SELECT count(*) AS articles, count(*) FILTER (is_canonical) AS stories,
               (SELECT count(DISTINCT cluster_id) FROM syndication) AS clusters,
               count(*) FILTER (NOT is_canonical) AS duplicates,
               (SELECT count(*) FROM duplicates WHERE kind = 'exact') AS exact,
               (SELECT count(*) FROM duplicates WHERE kind = 'near') AS near,
               (SELECT count(*) FROM duplicates WHERE kind = 'contained') AS contained
        FROM articles
        """,
    )[0]
    runs = _rows(con, "SELECT * EXCLUDE (inputs) FROM runs ORDER BY run_id DESC LIMIT 1")
    steps_run = last_steps_run(con)
    return {
        "totals": totals,
        "last_run": runs[0] if runs else None,
        "steps": {"run_id": steps_run, "steps": run_steps(con, steps_run)} if steps_run is not None else None,
        "cluster_sizes": _rows(
            con, "SELECT cluster_size AS size, count(DISTINCT cluster_id) AS clusters FROM syndication GROUP BY 1 ORDER BY 1"
        ),
        "clusters": _clusters(con),
        "sources": _rows(con, "SELECT * FROM source_stats"),
        "daily": _rows(con, "SELECT * FROM daily"),
        "revisions": revision_summary(con),
        "cleaning_rules": _rows(
            con, "SELECT rule, count(*) AS hits, count(DISTINCT article_id) AS articles FROM cleaning_log "
                 "GROUP BY rule ORDER BY hits DESC, rule"
        ),
    }


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _rich_table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> Table:
    table = Table(*columns, title=title, title_justify="left")
    for row in rows:
        table.add_row(*(_cell(row[c]) for c in columns))
    return table


def render_text(data: dict[str, Any]) -> str:
    """The report as rich tables, rendered to plain text."""
    t = data["totals"]
    console = Console(width=140, record=True, file=io.StringIO())
    console.print(
        f"articles: {t['articles']}   canonical stories: {t['stories']}   duplicate clusters: {t['clusters']}\n"
        f"duplicates: {t['duplicates']} (exact {t['exact']}, near {t['near']}, contained {t['contained']})"
    )
    if run := data["last_run"]:
        console.print(
            f"last run #{run['run_id']}: {run['status']} — read {run['read']}, skipped {run['skipped']}, "
            f"extracted {run['extracted']}, failed {run['failed']}, new {run['new']}, "
            f"exact duplicates {run['exact_duplicates']}, near duplicates {run['near_duplicates']}, "
            f"revisited {run['revisited']}, revised {run['revised']}"
        )
    if steps := data["steps"]:
        console.print(_rich_table(f"steps of the last run (#{steps['run_id']})", step_rows(steps["steps"]), STEP_COLUMNS))
    if data["clusters"]:
        table = Table("size", "story", "source", "kind", "similarity", "hours after", title=f"clusters (largest {MAX_CLUSTERS})",
                      title_justify="left")
        for cluster in data["clusters"]:
            for i, m in enumerate(cluster["members"]):
                table.add_row(_cell(cluster["size"]) if i == 0 else "", m["title"] or "(untitled)", m["source"],
                              m["kind"], _cell(m["similarity"]), _cell(m["delay_hours"]),
                              end_section=i == len(cluster["members"]) - 1)
        console.print(table)
    columns = ["source", "articles", "duplicates", "duplicate_share", "first_published", "first_share", "median_delay_hours"]
    console.print(_rich_table("sources", data["sources"][:MAX_SOURCES], columns))
    _revisions_text(console, data["revisions"])
    if data["cleaning_rules"]:
        console.print(_rich_table("cleaning rules hit", data["cleaning_rules"], ["rule", "hits", "articles"]))
    return console.export_text().rstrip("\n")


REVISION_SOURCE_COLUMNS = ["source", "articles", "changed", "changes", "headline_changes"]
EDIT_COLUMNS = ["source", "title", "version", "words_added", "words_removed", "hours_since_first"]
HEADLINE_COLUMNS = ["source", "title_before", "title_after", "fetched_at"]


def revisions_line(r: dict[str, Any]) -> str:
    """The revisions section's totals in one sentence."""
    return (f"articles changed since first seen: {r['articles_changed']} ({r['changes']} changes, "
            f"{r['headline_changes']} headline changes); median hours to the first edit: "
            f"{_cell(r['median_hours_to_first_edit']) or '-'}")


def _revisions_text(console: Console, r: dict[str, Any]) -> None:
    console.print(revisions_line(r))
    if r["per_source"]:
        console.print(_rich_table("revisions per source", r["per_source"], REVISION_SOURCE_COLUMNS))
        console.print(_rich_table(f"largest edits (top {MAX_EDITS})", r["largest_edits"], EDIT_COLUMNS))
    if r["headlines"]:
        console.print(_rich_table(f"headline changes (latest {MAX_EDITS})", r["headlines"], HEADLINE_COLUMNS))


def text_report(db_path: Path) -> str:
    """The report of the warehouse at `db_path`, as text."""
    with open_warehouse(db_path, read_only=True) as con:
        return render_text(report_data(con))


def _md_rows(rows: list[dict[str, Any]], columns: list[str]) -> str:
    return markdown_table(columns, [tuple(row[c] for c in columns) for row in rows])


def markdown_report(con: duckdb.DuckDBPyConnection, run_id: int) -> str:
    """One run as markdown (the Prefect artifact): counts, steps, failures, and the clusters it added to."""
    runs = _rows(con, "SELECT * EXCLUDE (inputs, run_id) FROM runs WHERE run_id = ?", [run_id])
    if not runs:
        return f"# newswash run #{run_id}\n\nNo such run."
    run = runs[0]
    counts = ["read", "skipped", "extracted", "failed", "new", "exact_duplicates", "near_duplicates", "revisited",
              "revised"]
    parts = [
        f"# newswash run #{run_id}: {run['status']}",
        f"Started {run['started_at']}, finished {run['finished_at']}.",
        _md_rows([{"count": c, "value": run[c]} for c in counts], ["count", "value"]),
    ]
    if steps := run_steps(con, run_id):
        parts += ["## Steps", _md_rows(step_rows(steps), STEP_COLUMNS)]
    failures = _rows(con, "SELECT stage, count(*) AS inputs, any_value(reason) AS example FROM failures "
                          "WHERE run_id = ? GROUP BY stage ORDER BY inputs DESC", [run_id])
    if failures:
        parts += ["## Failures", _md_rows(failures, ["stage", "inputs", "example"])]
    clusters = _clusters(con, "cluster_id IN (SELECT cluster_id FROM articles WHERE run_id = ?)", [run_id])
    if clusters:
        parts.append(f"## Clusters this run added to (largest {MAX_CLUSTERS})")
        parts.append(_md_rows(
            [{"size": c["size"], "story": c["title"] or "(untitled)", "original": c["original_source"],
              "copies": ", ".join(m["source"] for m in c["members"][1:])} for c in clusters],
            ["size", "story", "original", "copies"],
        ))
    sources = _rows(con, "SELECT * FROM source_stats WHERE source IN (SELECT source FROM articles WHERE run_id = ?) "
                         "LIMIT ?", [run_id, MAX_SOURCES])
    if sources:
        parts += ["## Sources in this run (all-time figures)",
                  _md_rows(sources, ["source", "articles", "duplicate_share", "first_share", "median_delay_hours"])]
    return "\n\n".join(parts) + "\n"
