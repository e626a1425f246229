"""The lookups beside the warehouse: stored URLs answered as the articles table would, through
catch-ups, a lost folder, a stale manifest and a key that two URLs share."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from newswash.dedup import fingerprint
from newswash.records import Article
from newswash.settings import load_dedup
from newswash.warehouse.load import load_batch
from newswash.warehouse.sidecar import pair_keys, text_keys
from newswash.warehouse.store import open_warehouse, start_run
from newswash.warehouse.urls import PARTS, stored_ids

SETTINGS = load_dedup()


def _store(con, lo: int, hi: int) -> None:
    """Articles lo..hi-1, loaded as a run loads a batch."""
    articles = [Article(url=f"https://x.example/{i}", source="x", body=f"Story number {i} of the day, told once.")
                for i in range(lo, hi)]
    load_batch(con, start_run(con, ["test"]), articles, fingerprint([a.body for a in articles], SETTINGS), SETTINGS)


def _truth(con, urls: list[str]) -> dict[str, int]:
    return {u: i for i, u in con.execute("SELECT id, url FROM articles").fetchall() if u in set(urls)}


def test_stored_urls_are_the_articles_tables(tmp_path: Path) -> None:
    asked = [f"https://x.example/{i}" for i in range(0, 400, 3)] + ["https://y.example/new"]
    with open_warehouse(tmp_path / "w.duckdb") as con:
        assert stored_ids(con, asked) == {}
        for lo in range(0, 300, 60):  # the lookup catches up a batch at a time
            _store(con, lo, lo + 60)
            assert stored_ids(con, asked) == _truth(con, asked)
        assert len(_truth(con, asked)) == 100
        shutil.rmtree(tmp_path / "w-urls")  # lost: rebuilt from the table
        assert stored_ids(con, asked) == _truth(con, asked)
        with open_warehouse(tmp_path / "other.duckdb") as other:  # another warehouse's manifest: stale
            _store(other, 1000, 1010)
            stored_ids(other, asked)
        shutil.copy(tmp_path / "other-urls" / "manifest.json", tmp_path / "w-urls" / "manifest.json")
        assert stored_ids(con, asked) == _truth(con, asked)


def test_a_key_shared_by_two_urls_is_checked_against_the_stored_one(tmp_path: Path) -> None:
    """A probe's hit is a hint: a new URL whose key came to match a stored article's is not taken for it."""
    from newswash.warehouse.sidecar import Sidecar

    with open_warehouse(tmp_path / "w.duckdb") as con:
        _store(con, 0, 10)
        assert stored_ids(con, ["https://x.example/3"]) == {"https://x.example/3": 4}
        lookup = Sidecar(tmp_path / "w-urls", PARTS)
        forged = "https://y.example/collides"
        lookup.add("urls", text_keys([forged]), np.array([4]))  # as if its hash were article 4's
        lookup.save()
        manifest = json.loads((tmp_path / "w-urls" / "manifest.json").read_text("utf-8"))
        manifest["urls"]["entries"] -= 1  # the forged entry hidden from the count check
        (tmp_path / "w-urls" / "manifest.json").write_text(json.dumps(manifest), "utf-8")
        assert stored_ids(con, [forged, "https://x.example/3"]) == {"https://x.example/3": 4}


def test_keys_hash_alike_in_lists_and_arrow_columns() -> None:
    import pyarrow as pa

    texts = ["a", "b", "a", "ç"]
    assert np.array_equal(text_keys(texts), text_keys(pa.chunked_array([texts])))
    assert text_keys(texts)[0] == text_keys(texts)[2] != text_keys(texts)[1]
    keys = pair_keys(texts, np.array([1, 1, 2, 1]))
    assert len(set(keys.tolist())) == 4 and len(text_keys([])) == 0
