"""newswash diff URL [--side-by-side] [--width N]: what changed between the stored versions of an article."""

from __future__ import annotations

import argparse

from newswash.errors import NewswashError
from newswash.settings import Settings

HELP = "the word-level changes between the stored versions of an article (unified or side by side)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", help="the article's URL")
    parser.add_argument("--side-by-side", action="store_true", help="old and new text in two columns")
    parser.add_argument("--width", type=int, default=120, help="columns of the side-by-side diff (default 120)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from newswash.sources.urls import clean_url
    from newswash.warehouse.store import open_warehouse
    from newswash.warehouse.versions import versions_of
    from newswash.word_diff import side_by_side, unified

    with open_warehouse(args.db or settings.db_path, read_only=True) as con:
        versions = versions_of(con, [u for u in (clean_url(args.url), args.url) if u])
    if not versions:
        raise NewswashError(f"no article with URL {args.url} in the warehouse")
    print(f"{args.url}: {len(versions)} version{'s' if len(versions) > 1 else ''}"
          + ("" if len(versions) > 1 else ", no change seen"))
    for old, new in zip(versions, versions[1:]):
        labels = tuple(f"version {v['version']} ({v['fetched_at']:%Y-%m-%d %H:%M:%S} UTC)" for v in (old, new))
        texts = (old["title"], old["body"]), (new["title"], new["body"])
        print(side_by_side(*texts, labels, args.width) if args.side_by_side else unified(*texts, labels))
        print(f"({new['words_added']} words added, {new['words_removed']} removed)")
    return 0
