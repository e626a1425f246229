"""The report as one self-contained HTML file: matplotlib charts inlined as SVG, tables, no scripts."""

from __future__ import annotations

import base64
import io
from html import escape
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from newswash.warehouse.report import (
    EDIT_COLUMNS, HEADLINE_COLUMNS, MAX_SOURCES, REVISION_SOURCE_COLUMNS, STEP_COLUMNS, revisions_line, step_rows,
)

ORIGINAL, COPY = "#2b6cb0", "#dd6b20"

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #1a202c; padding: 0 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.totals { display: flex; gap: 1.5rem; flex-wrap: wrap; }
.totals div { background: #edf2f7; border-radius: 6px; padding: .6rem 1rem; }
.totals b { display: block; font-size: 1.4rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 1rem; }
figure { margin: 0; } figure img { width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e2e8f0; vertical-align: top; }
tr.original td { font-weight: 600; border-top: 2px solid #a0aec0; }
.steps figure { max-width: 700px; }
"""


def _svg(fig: Figure) -> str:
    """The figure as an <img> with an inline SVG data URI (ids stay local to each chart)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{escape(fig.get_suptitle())}" src="data:image/svg+xml;base64,{data}">'


def _figure(title: str) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(7, 4), layout="constrained")
    fig.suptitle(title, fontsize=12)
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _empty(ax: Axes, what: str) -> None:
    ax.text(0.5, 0.5, f"no {what} yet", ha="center", va="center", transform=ax.transAxes, color="#718096")
    ax.set_axis_off()


def _cluster_sizes(data: dict[str, Any]) -> Figure:
    fig, ax = _figure("Cluster sizes")
    rows = data["cluster_sizes"]
    if not rows:
        _empty(ax, "clusters")
        return fig
    ax.bar([str(r["size"]) for r in rows], [r["clusters"] for r in rows], color=ORIGINAL)
    ax.set_xlabel("articles in the cluster")
    ax.set_ylabel("clusters")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return fig


def _stacked_barh(ax: Axes, names: list[str], series: dict[str, list[int]], xlabel: str) -> None:
    """Two series of horizontal bars, the second (COPY) after the first (ORIGINAL), labelled by their keys."""
    (first_label, first), (second_label, second) = series.items()
    ax.barh(names, first, color=ORIGINAL, label=first_label)
    ax.barh(names, second, left=first, color=COPY, label=second_label)
    ax.set_xlabel(xlabel)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(frameon=False, loc="lower right")


def _publishers(data: dict[str, Any]) -> Figure:
    fig, ax = _figure("Original publishers and re-publishers")
    rows = sorted((r for r in data["sources"] if r["syndicated"]),
                  key=lambda r: (r["first_published"] + r["duplicates"], r["source"]))[-MAX_SOURCES:]
    if not rows:
        _empty(ax, "syndicated stories")
        return fig
    _stacked_barh(ax, [r["source"] for r in rows], {"published first": [r["first_published"] for r in rows],
                                                    "republished": [r["duplicates"] for r in rows]},
                  "articles in clusters")
    return fig


def _per_day(data: dict[str, Any]) -> Figure:
    fig, ax = _figure("New stories and duplicates per day")
    rows = data["daily"]
    if not rows:
        _empty(ax, "articles")
        return fig
    x = range(len(rows))
    stories = [r["new_stories"] for r in rows]
    ax.bar(x, stories, color=ORIGINAL, label="new stories")
    ax.bar(x, [r["duplicates"] for r in rows], bottom=stories, color=COPY, label="duplicates")
    step = max(1, len(rows) // 12)
    ax.set_xticks(x[::step], [str(r["day"]) for r in rows[::step]], rotation=45, ha="right")
    ax.set_ylabel("articles")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(frameon=False)
    return fig


def _rules(data: dict[str, Any]) -> Figure:
    fig, ax = _figure("Cleaning rules hit")
    rows = data["cleaning_rules"][:MAX_SOURCES][::-1]
    if not rows:
        _empty(ax, "cleaning rule hits")
        return fig
    ax.barh([r["rule"] for r in rows], [r["hits"] for r in rows], color=ORIGINAL)
    ax.set_xlabel("lines removed")
    ax.xaxis.get_major_locator().set_params(integer=True)
    return fig


def _revisions_chart(revisions: dict[str, Any]) -> Figure:
    """Per source, its articles changed since first seen and those not (the most changed on top)."""
    fig, ax = _figure("Articles changed since first seen")
    rows = revisions["per_source"][:MAX_SOURCES][::-1]
    if not rows:
        _empty(ax, "changed articles")
        return fig
    _stacked_barh(ax, [r["source"] for r in rows], {"changed": [r["changed"] for r in rows],
                                                   "not changed": [r["articles"] - r["changed"] for r in rows]},
                  "articles")
    return fig


def _revisions_section(revisions: dict[str, Any]) -> str:
    """Articles changed since first seen: the totals, a chart per source, the largest edits and headline changes."""
    parts = [f"<p>{escape(revisions_line(revisions))}.</p>",
             f'<section class="steps"><figure>{_svg(_revisions_chart(revisions))}</figure></section>']
    if revisions["per_source"]:
        parts += [_rows_table(revisions["per_source"], REVISION_SOURCE_COLUMNS), "<h3>Largest edits</h3>",
                  _rows_table(revisions["largest_edits"], EDIT_COLUMNS)]
    if revisions["headlines"]:
        parts += ["<h3>Headline changes</h3>", _rows_table(revisions["headlines"], HEADLINE_COLUMNS)]
    return "".join(parts)


def _steps_chart(steps: list[dict[str, Any]]) -> Figure:
    """Kept and dropped items of each step, the first step on top."""
    fig, ax = _figure("Items kept and dropped per step")
    fig.set_size_inches(7, 1.2 + 0.4 * len(steps))
    rows = steps[::-1]
    _stacked_barh(ax, [r["step"] for r in rows], {"kept": [r["kept"] for r in rows],
                                                 "dropped": [r["dropped"] for r in rows]}, "items")
    return fig


def _tr(cells: list[Any], css: str = "") -> str:
    cells_html = "".join(f"<td>{escape('' if v is None else str(v))}</td>" for v in cells)
    return f'<tr class="{css}">{cells_html}</tr>' if css else f"<tr>{cells_html}</tr>"


def _table(columns: list[str], body: list[str]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _rows_table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    return _table(columns, [_tr([row[c] for c in columns]) for row in rows])


def _clusters_table(clusters: list[dict[str, Any]]) -> str:
    body = [
        _tr([cluster["size"] if m["kind"] == "original" else "", m["source"], m["title"] or "(untitled)",
             m["kind"], m["similarity"], m["delay_hours"]], "original" if m["kind"] == "original" else "")
        for cluster in clusters for m in cluster["members"]
    ]
    return _table(["size", "source", "title", "kind", "similarity", "hours after"], body)


def _steps_section(steps: dict[str, Any] | None) -> str:
    """The steps of the last run that recorded them (`report_data`'s "steps"): chart and table."""
    if steps is None:
        return "<p>No run has recorded its steps yet.</p>"
    chart = _svg(_steps_chart(steps["steps"]))
    return (f"<p>Run #{steps['run_id']}: the items each step took in, passed on and dropped.</p>"
            f'<section class="steps"><figure>{chart}</figure></section>'
            f"{_rows_table(step_rows(steps['steps']), STEP_COLUMNS)}")


def html_report(data: dict[str, Any]) -> str:
    """The report (from `report_data`) as a standalone HTML page."""
    t = data["totals"]
    totals = "".join(
        f"<div><b>{escape(str(v))}</b>{escape(k)}</div>"
        for k, v in [("articles", t["articles"]), ("stories", t["stories"]), ("duplicate clusters", t["clusters"]),
                     ("duplicates", t["duplicates"]), ("exact", t["exact"]), ("near", t["near"]),
                     ("contained", t["contained"])]
    )
    charts = "".join(f"<figure>{_svg(chart(data))}</figure>" for chart in (_cluster_sizes, _publishers, _per_day, _rules))
    run = data["last_run"]
    run_line = (
        f"<p>Last run #{run['run_id']}: {escape(run['status'])}, started {run['started_at']:%Y-%m-%d %H:%M} UTC; "
        f"{run['new']} new articles, {run['exact_duplicates']} exact and {run['near_duplicates']} near duplicates, "
        f"{run['failed']} failed.</p>" if run else "<p>No runs yet.</p>"
    )
    source_columns = ["source", "articles", "duplicates", "duplicate_share", "syndicated", "first_published",
                      "first_share", "median_delay_hours"]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>newswash dedup report</title>
<style>{STYLE}</style>
</head>
<body>
<h1>newswash dedup report</h1>
<section class="totals">{totals}</section>
{run_line}
<section class="charts">{charts}</section>
<h2>Steps of the last run</h2>
{_steps_section(data["steps"])}
<h2>Sources</h2>
{_rows_table(data["sources"], source_columns)}
<h2>Articles changed since first seen</h2>
{_revisions_section(data["revisions"])}
<h2>Largest clusters</h2>
{_clusters_table(data["clusters"]) if data["clusters"] else "<p>No duplicate clusters.</p>"}
<h2>Cleaning rules hit</h2>
{_rows_table(data["cleaning_rules"], ["rule", "hits", "articles"]) if data["cleaning_rules"] else "<p>None.</p>"}
</body>
</html>
"""
