"""The plain-text report: corpus counts, the last run, and the clusters found."""

from __future__ import annotations

from pathlib import Path

from newswash.warehouse.store import open_warehouse

MAX_CLUSTERS = 20


def text_report(db_path: Path) -> str:
    """Counts and the largest duplicate clusters, as text."""
    with open_warehouse(db_path, read_only=True) as con:
        articles, canonical, clusters = con.execute(
            "SELECT count(*), count(*) FILTER (is_canonical), "
            "count(DISTINCT cluster_id) FILTER (cluster_id IN "
            "(SELECT cluster_id FROM articles GROUP BY 1 HAVING count(*) > 1)) FROM articles"
        ).fetchone()
        kinds = dict(con.execute("SELECT kind, count(*) FROM duplicates GROUP BY 1 ORDER BY 1").fetchall())
        run = con.execute(
            "SELECT run_id, status, read, skipped, extracted, failed, new, exact_duplicates, near_duplicates "
            "FROM runs ORDER BY run_id DESC LIMIT 1"
        ).fetchone()
        top = con.execute(
            """
            SELECT c.id, c.title, c.source, count(*) AS size
            FROM articles a JOIN articles c ON c.id = a.cluster_id
            GROUP BY ALL HAVING count(*) > 1 ORDER BY size DESC, c.id LIMIT ?
            """,
            [MAX_CLUSTERS],
        ).fetchall()
        members = {
            cid: con.execute(
                "SELECT a.source, d.kind, d.similarity, a.title FROM articles a "
                "JOIN duplicates d ON d.article_id = a.id WHERE a.cluster_id = ? ORDER BY a.id",
                [cid],
            ).fetchall()
            for cid, *_ in top
        }

    lines = [
        f"articles: {articles}   canonical stories: {canonical}   duplicate clusters: {clusters}",
        "duplicates: " + (", ".join(f"{k} {v}" for k, v in kinds.items()) or "none"),
    ]
    if run:
        lines.append(
            "last run #{}: {} — read {}, skipped {}, extracted {}, failed {}, new {}, "
            "exact duplicates {}, near duplicates {}".format(*run)
        )
    if top:
        lines.append("")
        lines.append(f"clusters (largest {MAX_CLUSTERS}):")
    for cid, title, source, size in top:
        lines.append(f"  [{size}] {title or '(untitled)'} — canonical: {source} (article {cid})")
        for member_source, kind, similarity, member_title in members[cid]:
            lines.append(f"        {kind:<9} {similarity:.2f}  {member_source}: {member_title or '(untitled)'}")
    return "\n".join(lines)
