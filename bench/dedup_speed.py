"""Dedup throughput: newswash's numpy path vs datasketch's batch path, same docs, same process.

Generates ``--n`` documents from the newsweb-dev texts (../shared/eval/newsweb-dev):
about 70% new stories, each made of 3-12 paragraphs drawn from random records, with
30% of words substituted (so that they share little with each other), and 30% light
copies of an earlier generated document (2% words substituted, a paragraph dropped
or the order of two swapped, or cut to its first paragraphs plus a "read the full
story" line). Then times, for each path, text -> clusters:

- newswash: ``fingerprint`` (in ``--workers`` processes) + ``batch_pairs`` (exact
  hash groups, band-key grouping with numpy sorts, ``verify_pairs``) + ``components``;
- datasketch: word 5-gram sets, ``MinHash.bulk`` + ``MinHashLSH`` (same bands x rows)
  insertion session + one query per document + ``components`` over every match.

Reports docs/s, peak memory during each path (high-water mark of the proportional
set size of the process and its workers above the level before the path, sampled
every 100 ms: the generated texts are not counted), and the share of generated copies
each path put with their source (datasketch merges every LSH match unverified).

Usage: ``.venv/bin/python bench/dedup_speed.py [--n 100000] [--workers 2] [--no-datasketch]``

``--stored`` times the warehouse path instead: the documents are held as word ids
(``Corpus``) and written to a file; ``--workers`` processes read each bulk batch of
``--batch-size``, fingerprint it and count its boilerplate lines, one batch ahead of the main
process, which loads it with ``load_batch`` into a temporary DuckDB file (and its dedup index
beside it). At each size of ``--at`` and at ``--n`` stored, it times ``--repeats`` batches of
``--per-batch`` (the pipeline's default batch size) and one of ``--new`` (about 30% copies,
most of them of stored ones): its dedup and load (``load_batch``: what a run's flow process
does with a batch), with the time of each load step, and apart the fingerprints and line counts
computed before it in the main process (a worker's share in a run), and the peak memory (``VmHWM`` of the main process, and the sampled RSS of it
and its workers). ``--pad N`` then writes N articles of random signatures straight with SQL
(distinct stories: millions stored without generating millions of texts) and times the batches
again. With ``--check`` (a smaller ``--n``) the clusters at every size are compared with the
in-memory ``cluster`` partition of the same documents.

Usage: ``.venv/bin/python bench/dedup_speed.py --stored [--n 1000000] [--at 100000] [--pad 4000000]
[--workers 2] [--batch-size 50000] [--per-batch 2000] [--new 10000] [--tmp DIR] [--check]``

Each body stored once (``version_log``), the index's rows read with ``pread`` and its probes in
slices of the key range, ``--n 1000000 --at 100000``: 1,000,000 stored in 261.1 s and 267.0 s, 2.23
and 2.26 GiB main process, 2.61 and 2.60 GiB in all (cluster_batch 105 s, write_batch 84-91 s,
waiting for the workers 35-36 s), on a machine then slower than for the figures below (generating
the texts, in a process of its own, took 164-185 s against 140-144 s); the same day before the
change, on the faster machine: 227.1 s, 2.59 GiB in all. Timed in each batch there: the article
inserts 30.0 s, the version inserts 13.7 s, line counts 6.7 s, commits about 24 s, two checkpoints
of about 10 s (in the autocommit of the batch's ``nextval``), ``index_written`` 20.3 s,
``assign`` 60.9 s. Reading 273,181 scattered rows of a 2,059,927-row ``sketches.bin`` (the
candidates of 50,000 new): ``pread`` 0.57-0.69 s, a memory map 0.30 s; 17,736 rows (2,000 new):
0.05 s against 0.10 s.
Quiet machine, line counts appended to logs and summed beside the warehouse, candidates' rows read
once, ``--n 1000000 --at 100000``: 1,000,000 stored in 214.7 s, 2.36 GiB main process, 2.69 GiB in
all (cluster_batch 81.4 s, write_batch 83.1 s); dedup and load of 10,000 new against 100,000 stored
0.71 s, against 1,000,000 1.38 s; batches of 2,000 median 0.23 / 0.61 s.
Before, with the dedup index and set operations by sorting (dedup/sets.py), ``--n 1000000
--at 100000 --pad 4000000``: 1,000,000 stored in 225.8 s, 2.69 GiB main process, 3.04 GiB in all
(cluster_batch 76.6 s, write_batch 99.2 s); dedup and load of 10,000 new against 100,000 stored 1.12 s,
against 1,000,000 1.81 s, against 5,016,000 2.28 s (fingerprints and line counts apart: 1.9-2.5 s);
batches of 2,000 median 0.39 / 0.78 / 1.10 s.
Earlier, with the dedup index on a 2-vCPU VM oversubscribed 4-8x by other jobs: 1,000,000 stored in
1,158 s, 2.97 GiB in all.
Before (the candidate join in SQL over every stored band key):
Measured (2-vCPU dev VM shared with other jobs, batches of 50,000; "cluster" includes the candidate join):
    before (1 worker, line counts and an indexed upsert in the loader, checkpoint after each batch):
    1,000,000 stored 755 s   peak RSS 10.5 GiB  (signatures 252 s, add_line_counts 230 s, insert 21 s,
                     candidates 76 s, cluster 174 s); 10,000 new against them 15.6 s
    then (2 workers, fingerprinting 2.2x faster, one signature lookup per batch; workers spelled the
                     corpus out from word ids; PSS read from smaps_rollup every 100 ms):
    1,000,000 stored 183 s   peak RSS 2.67 GiB (main process), PSS of it and its workers +2.76 GiB over
                     the start; batches of 80,000: 190 s, 3.2 GiB; 10,000 new against them 3.2 s
    now (workers read the texts from a file; RSS sampled from statm; boilerplate line keys 12%
    faster; DuckDB memory_limit 600MB; the bench holds one batch at a time; workers do not load
    datasketch and scipy; machine quiet):
    1,000,000 stored 140.0 s peak RSS 2.16 GiB (main process), +2.09 GiB over the start, 2.52 GiB in
                     all, workers included (loader waiting for prepared batches 17 s, insert 28 s,
                     add_line_counts 8 s, candidates 26 s, cluster 59 s incl. candidates);
                     with story keys stored for learned boilerplate (migration 014): 145.3 s,
                     2.18 GiB main, 2.52 GiB in all; 10,000 new against them 3.0 s;
                     earlier runs 142.5 s / 2.74 GiB and 156.4 s / 2.77 GiB (workers with datasketch);
                     with memory_limit 1GB: 149 s, 3.15 GiB in all;
                     10,000 new against them 2.8-3.2 s (candidates 0.6 s, cluster 1.3 s)
    50,000 stored with --check: same partition as in-memory ``cluster`` (unbounded bucket window),
                     stored and stored + 10,000 new

Measured on the 2-vCPU dev VM, 128 perms, 35 bands x 2 rows, 1 worker:
    n          newswash                        datasketch                       speed-up
    100,000    17,124 docs/s  5.8 s  +158 MiB  1,591 docs/s  62.9 s  +3,682 MiB 10.8x
    100,000    16,945 docs/s  5.9 s  +110 MiB  1,696 docs/s  59.0 s  +3,680 MiB 10.0x  (RSS, spawned workers)
    (earlier, before the faster fingerprinting and with other jobs running: 20,000 3.7x,
    100,000 4.8x, 1,000,000 5,976 docs/s in 167 s, +1,435 MiB)
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import multiprocessing as mp
import multiprocessing.pool
import os
import random
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import nullcontext
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from newswash.cleaners.boilerplate import LineCounts, count_lines
from newswash.dedup import DedupSettings, Fingerprints, batch_pairs, components, fingerprint
from newswash.records import Article

if TYPE_CHECKING:
    import duckdb

DEFAULT_EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "newsweb-dev"
_WORD = re.compile(r"\w+")
_OUTLETS = ("The Dispatch", "Valley News", "Metro Wire", "Capitol Post", "Daily Herald", "Coastal Times")


class Corpus:
    """Generated documents as uint16 word ids (a paragraph break as ``BREAK``), a few
    bytes a word instead of the texts: ``texts(lo, hi)`` spells documents lo..hi-1 out.
    Held in chunks of numpy arrays, so that forked workers read them without copying."""

    BREAK, END = 0xFFFF, 0xFFFE  # paragraph break, end of document (while spelling out)
    CHUNK = 16384  # documents a chunk

    def __init__(self, words: list[str]) -> None:
        self.words = words  # grows: words of closing lines are appended
        self.index = {w: i for i, w in enumerate(words)}
        self._chunks: list[tuple[np.ndarray, np.ndarray]] = []  # (ids, start of each document + end)
        self._open: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self._chunks) * self.CHUNK + len(self._open)

    def ids(self, text: str) -> list[int]:
        """Ids of the words of ``text`` (new words are added)."""
        for w in text.split():
            if w not in self.index:
                self.index[w] = len(self.words)
                self.words.append(w)
        assert len(self.words) < self.END, "too many distinct words for uint16 ids"
        return [self.index[w] for w in text.split()]

    def append(self, paragraphs: list[list[int]]) -> None:
        doc = np.array([i for p in paragraphs for i in (*p, self.BREAK)][:-1], dtype=np.uint16)
        self._open.append(doc)
        if len(self._open) == self.CHUNK:
            sizes = [len(d) for d in self._open]
            self._chunks.append((np.concatenate(self._open), np.append(0, np.cumsum(sizes))))
            self._open = []

    def _doc(self, i: int) -> np.ndarray:
        if i >= len(self._chunks) * self.CHUNK:
            return self._open[i - len(self._chunks) * self.CHUNK]
        ids, starts = self._chunks[i // self.CHUNK]
        k = i % self.CHUNK
        return ids[starts[k] : starts[k + 1]]

    def paragraphs(self, i: int) -> list[list[int]]:
        """Word ids of each paragraph of document i."""
        doc = self._doc(i).tolist()
        breaks = [k for k, w in enumerate(doc) if w == self.BREAK]
        return [doc[a + 1 : b] for a, b in zip([-1, *breaks], [*breaks, len(doc)])]

    def texts(self, lo: int, hi: int) -> list[str]:
        """Documents lo..hi-1, spelled out in one join."""
        table = np.array([w + " " for w in self.words] + [""] * (self.END - len(self.words)) + ["\x00", "\n\n"],
                         dtype=object)
        ids = np.concatenate([np.append(self._doc(i), self.END) for i in range(lo, hi)]) if hi > lo else []
        text = "".join(table[ids].tolist()).replace(" \n\n", "\n\n").replace(" \x00", "\x00")
        return text.split("\x00")[:-1]


class TextFile:
    """Documents spelled out once into a file (UTF-8, each ended by NUL) and read back by
    range, as a reader would read its input: workers pay for reading, not for spelling
    the generated corpus out again, and nothing of it stays in memory."""

    def __init__(self, path: Path, corpus: Corpus, step: int = Corpus.CHUNK) -> None:
        self.path = path
        offsets = [0]
        with open(path, "wb") as fh:
            for lo in range(0, len(corpus), step):
                for text in corpus.texts(lo, min(lo + step, len(corpus))):
                    offsets.append(offsets[-1] + fh.write(text.encode() + b"\x00"))
        self.offsets = np.array(offsets, dtype=np.int64)

    def texts(self, lo: int, hi: int) -> list[str]:
        """Documents lo..hi-1."""
        start, end = int(self.offsets[lo]), int(self.offsets[hi])
        with open(self.path, "rb") as fh:
            return os.pread(fh.fileno(), end - start, start).decode().split("\x00")[:-1]


def eval_texts(folder: Path) -> list[str]:
    """The texts of the newsweb-dev records (``records.jsonl`` in ``folder``)."""
    return [json.loads(line)["text"] for line in (folder / "records.jsonl").read_text("utf-8").splitlines()]


def generate_corpus(texts: Sequence[str], n: int, seed: int = 0, copies: float = 0.3,
                    per_doc: tuple[int, int] = (3, 12)) -> tuple[Corpus, list[int]]:
    """``n`` documents and, for each, the index of the document it copies (itself if new);
    ``copies``: the share of copies; a new document is ``per_doc`` (fewest, most) paragraphs
    of ``texts``, words substituted."""
    rng = random.Random(seed)
    paragraphs = [p for t in texts for p in t.split("\n\n") if len(p.split()) >= 5]
    vocabulary = sorted({w for p in paragraphs for w in p.split()})
    corpus = Corpus(list(vocabulary))
    paragraphs_ids = [corpus.ids(p) for p in paragraphs]
    substitutes = range(len(vocabulary))  # rng.choice over it draws as over the vocabulary

    def substitute(words: list[int], rate: float) -> list[int]:
        return [rng.choice(substitutes) if rng.random() < rate else w for w in words]

    source: list[int] = []
    for i in range(n):
        if i and rng.random() < copies:
            j = rng.randrange(i)
            paras = [substitute(p, 0.02) for p in corpus.paragraphs(j)]
            edit = rng.randrange(3)
            if edit == 0 and len(paras) > 2:
                del paras[rng.randrange(1, len(paras) - 1)]
            elif edit == 1 and len(paras) > 2:
                a = rng.randrange(len(paras) - 1)
                paras[a], paras[a + 1] = paras[a + 1], paras[a]
            elif len(paras) > 3:
                keep = max(2, int(len(paras) * rng.uniform(0.6, 0.8)))
                paras = paras[:keep] + [corpus.ids(f"Read the full story at {rng.choice(_OUTLETS)}.")]
            corpus.append(paras)
            source.append(source[j])
        else:
            picked = rng.sample(paragraphs_ids, rng.randint(*per_doc))
            corpus.append([substitute(p, 0.3) for p in picked])
            source.append(i)
    return corpus, source


def generate(texts: Sequence[str], n: int, seed: int = 0,
             per_doc: tuple[int, int] = (3, 12)) -> tuple[list[str], list[int]]:
    """``n`` documents and, for each, the index of the document it copies (itself if new)."""
    corpus, source = generate_corpus(texts, n, seed, per_doc=per_doc)
    return corpus.texts(0, n), source


class PeakMemory:
    """High-water mark of the resident memory of this process and its workers while
    active, minus the level at the start, sampled every 100 ms. Workers are spawned
    (``worker_pool``), so no page is shared between processes and the sum counts each
    once (shared libraries aside: counted once per process, which errs high). RSS is
    read from ``/proc/<pid>/statm`` (a counter), not ``smaps_rollup`` (a page-table
    walk that cost the run a sizeable share of a core)."""

    _PAGE = os.sysconf("SC_PAGE_SIZE")

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()

    @classmethod
    def _rss(cls, pid: int) -> int:
        try:
            with open(f"/proc/{pid}/statm") as fh:
                return int(fh.read().split()[1]) * cls._PAGE
        except (FileNotFoundError, ProcessLookupError):
            return 0

    def _total(self) -> int:
        return self._rss(os.getpid()) + sum(self._rss(c.pid) for c in mp.active_children())

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, self._total() - self.start)

    def __enter__(self) -> PeakMemory:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # resets this process's VmHWM (peak RSS)
        self.start = self._total()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @staticmethod
    def own_peak() -> int:
        """Peak RSS of this process since the last ``__enter__`` (VmHWM)."""
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))

    def describe(self) -> str:
        return (f"peak RSS {self.own_peak() / 2**30:,.2f} GiB (main process), peak +{self.peak / 2**20:,.0f} MiB"
                f" over start, {(self.start + self.peak) / 2**30:,.2f} GiB in all (workers included)")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of process ``pid`` so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rpartition(")")[2].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_SETTINGS: DedupSettings | None = None  # a worker's, set by _init_worker
_TEXTS: TextFile | None = None


def _init_worker(settings: DedupSettings, texts: TextFile | None) -> None:
    global _SETTINGS, _TEXTS
    _SETTINGS, _TEXTS = settings, texts


def worker_pool(workers: int, settings: DedupSettings, texts: TextFile | None = None) -> mp.pool.Pool:
    """``workers`` spawned processes with the settings (and text file) their tasks use."""
    return mp.get_context("spawn").Pool(workers, _init_worker, (settings, texts))


def _fingerprint_slice(docs: list[str]) -> Fingerprints:
    return fingerprint(docs, _SETTINGS)


def fingerprint_parallel(docs: list[str], settings: DedupSettings, workers: int) -> Fingerprints:
    """``fingerprint`` over slices in ``workers`` processes (rows are independent)."""
    if workers <= 1:
        return fingerprint(docs, settings)
    n, step = len(docs), max(1000, min(20000, -(-len(docs) // (4 * workers))))
    exact: list[str] = []
    sigs = np.empty((n, settings.num_perm), dtype=np.uint32)
    sizes = np.empty(n, dtype=np.int64)
    keys = np.empty((n, settings.bands), dtype=np.int64)
    bounds = [(lo, min(lo + step, n)) for lo in range(0, n, step)]
    with worker_pool(workers, settings) as pool:
        parts = pool.imap(_fingerprint_slice, (docs[lo:hi] for lo, hi in bounds))
        for (lo, hi), part in zip(bounds, parts):
            exact.extend(part.exact)
            sigs[lo:hi], sizes[lo:hi], keys[lo:hi] = part.signatures, part.sizes, part.band_keys
    return Fingerprints(exact, sigs, sizes, keys)


def labels_of(n: int, a: np.ndarray, b: np.ndarray) -> list[int]:
    """Smallest row of the component of each of ``n`` rows after joining the pairs."""
    labels = np.arange(n)
    nodes, roots = components(a, b)
    labels[nodes] = roots
    return labels.tolist()


def newswash_path(
    docs: list[str], settings: DedupSettings, workers: int, timings: dict[str, float]
) -> list[int]:
    t = time.perf_counter()
    fp = fingerprint_parallel(docs, settings, workers)
    timings["fingerprint"] = time.perf_counter() - t
    t = time.perf_counter()
    a, b = batch_pairs(fp, settings)
    timings["exact + LSH candidates + verify"] = time.perf_counter() - t
    t = time.perf_counter()
    labels = labels_of(len(docs), a, b)
    timings["components"] = time.perf_counter() - t
    return labels


def datasketch_path(
    docs: list[str], settings: DedupSettings, timings: dict[str, float]
) -> list[int]:
    from datasketch import MinHash, MinHashLSH  # here: the stored path and its workers never load it (nor scipy)

    t = time.perf_counter()
    sets = []
    for d in docs:
        words = _WORD.findall(d.lower())
        n = settings.shingle_size
        sets.append({" ".join(words[i : i + n]).encode() for i in range(max(1, len(words) - n + 1))})
    timings["shingles"] = time.perf_counter() - t
    t = time.perf_counter()
    minhashes = MinHash.bulk(sets, num_perm=settings.num_perm, seed=settings.seed)
    timings["MinHash.bulk"] = time.perf_counter() - t
    t = time.perf_counter()
    lsh = MinHashLSH(num_perm=settings.num_perm, params=(settings.bands, settings.rows))
    with lsh.insertion_session() as session:
        for i, m in enumerate(minhashes):
            session.insert(i, m)
    pairs = [(i, j) for i, m in enumerate(minhashes) for j in lsh.query(m) if j > i]
    timings["LSH insert+query"] = time.perf_counter() - t
    t = time.perf_counter()
    labels = labels_of(len(docs), np.array([p[0] for p in pairs], dtype=np.int64),
                       np.array([p[1] for p in pairs], dtype=np.int64))
    timings["components"] = time.perf_counter() - t
    return labels


def copies_found(labels: Sequence[int], source: Sequence[int]) -> float:
    copies = [i for i, s in enumerate(source) if s != i]
    return sum(labels[i] == labels[source[i]] for i in copies) / max(1, len(copies))


def measure(
    name: str, run: Callable[[dict[str, float]], list[int]], n: int, source: Sequence[int]
) -> float:
    timings: dict[str, float] = {}
    with PeakMemory() as memory:
        start = time.perf_counter()
        labels = run(timings)
        seconds = time.perf_counter() - start
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())
    print(
        f"{name:11} {n / seconds:9,.0f} docs/s  {seconds:7.1f} s  peak +{memory.peak / 2**20:6,.0f} MiB"
        f"  copies joined {copies_found(labels, source):.3f}  ({steps})"
    )
    return n / seconds


class _StepTimer:
    """Wraps named functions of a module to add up the seconds spent in each."""

    def __init__(self, module: object, names: Sequence[str]) -> None:
        self.module, self.seconds = module, {name: 0.0 for name in names}
        self._saved = {name: getattr(module, name) for name in names}

    def __enter__(self) -> _StepTimer:
        for name, fn in self._saved.items():
            def timed(*args: object, _fn: Callable = fn, _name: str = name, **kw: object) -> object:
                t = time.perf_counter()
                try:
                    return _fn(*args, **kw)
                finally:
                    self.seconds[_name] += time.perf_counter() - t
            setattr(self.module, name, timed)
        return self

    def __exit__(self, *exc: object) -> None:
        for name, fn in self._saved.items():
            setattr(self.module, name, fn)

    def take(self) -> str:
        out = ", ".join(f"{k.strip('_')} {v:.1f}s" for k, v in self.seconds.items())
        self.seconds = dict.fromkeys(self.seconds, 0.0)
        return out


def bench_articles(lo: int, texts: list[str], published: Sequence[datetime | None] | None = None) -> list[Article]:
    """Articles of generated documents lo, lo+1, ... (their urls name their index)."""
    return [
        Article(url=f"https://bench.example/{i}", source=_OUTLETS[i % len(_OUTLETS)], body=text,
                published_at=published[i] if published else None)
        for i, text in enumerate(texts, lo)
    ]


Prepared = tuple[list[str], Fingerprints, LineCounts]  # texts, fingerprints, line counts of a slice


def _prepare(bounds: tuple[int, int]) -> Prepared:
    """Texts, fingerprints and boilerplate line counts of generated documents lo..hi-1."""
    lo, hi = bounds
    texts = _TEXTS.texts(lo, hi)
    return texts, fingerprint(texts, _SETTINGS), count_lines(bench_articles(lo, texts))


def prepared_batches(
    pool: mp.pool.Pool | None, bounds: list[tuple[int, int]], step: int = 10_000
) -> Iterator[tuple[int, list[str], Fingerprints, LineCounts]]:
    """(lo, texts, fingerprints, line counts) of each batch (lo, hi) of generated documents,
    prepared in ``pool`` (a ``worker_pool`` with the text file) in slices of ``step``: the
    next batch is being prepared while the caller loads this one (one batch ahead only, so
    that memory stays bounded)."""
    slices = [[(a, min(a + step, hi)) for a in range(lo, hi, step)] for lo, hi in bounds]
    if pool is None:
        for part in slices:
            yield _merge(part[0][0], [_prepare(b) for b in part])
        return
    pending = [pool.apply_async(_prepare, (b,)) for b in slices[0]] if slices else []
    for k, part in enumerate(slices):
        merged = _merge(part[0][0], [result.get() for result in pending])
        pending = [pool.apply_async(_prepare, (b,)) for b in slices[k + 1]] if k + 1 < len(slices) else []
        yield merged
        del merged  # the caller holds the batch it loads; the slices are gone


def _merge(lo: int, parts: list[Prepared]) -> tuple[int, list[str], Fingerprints, LineCounts]:
    """One batch (starting at document lo) from its prepared slices."""
    texts, fps, counts = zip(*parts)
    total = LineCounts()
    for part in counts:
        total += part
    return lo, [t for part in texts for t in part], Fingerprints.concat(fps), total


def _write_corpus(texts: list[str], n: int, path: Path) -> tuple[TextFile, list[int]]:
    """``generate_corpus`` written to ``path``; and the source of each document."""
    corpus, source = generate_corpus(texts, n)
    return TextFile(path, corpus), source


def _plan(args: argparse.Namespace) -> tuple[list[tuple[int, int]], list[tuple[int, list[tuple[int, int]]]]]:
    """Bulk batches of ``--batch-size`` (in generation order), and at each size of ``--at``
    (and at ``--n``) the measured batches that follow: ``--repeats`` of ``--per-batch`` then
    one of ``--new``. Returns the bulk bounds and (stored size, measured bounds) in order."""
    sizes = sorted({a for a in args.at if a < args.n} | {args.n})
    measured_docs = args.repeats * args.per_batch + args.new
    bulk, measured, lo, stored = [], [], 0, 0
    for size in sizes:
        while stored < size:
            hi = lo + min(args.batch_size, size - stored)
            bulk.append((lo, hi))
            stored += hi - lo
            lo = hi
        sizes_here = [args.per_batch] * args.repeats + [args.new]
        starts = np.cumsum([lo, *sizes_here])
        measured.append((stored, [(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:])]))
        lo = int(starts[-1])
        stored += measured_docs
    if args.pad:
        starts = np.cumsum([lo, *sizes_here])
        measured.append((stored + args.pad, [(int(a), int(b)) for a, b in zip(starts[:-1], starts[1:])]))
    return bulk, measured


def pad(con: duckdb.DuckDBPyConnection, run_id: int, count: int, settings: DedupSettings, chunk: int = 250_000) -> None:
    """``count`` articles of random signatures (distinct stories: never anyone's candidate)
    written straight with SQL (articles, signatures), so that the warehouse reaches
    millions without generating millions of texts; their bodies are a few words."""
    from newswash.warehouse.store import registered, transaction

    rng = np.random.default_rng(11)
    for lo in range(0, count, chunk):
        n = min(chunk, count - lo)
        ids = np.array(con.execute("SELECT nextval('article_ids') FROM range(?)", [n]).fetchnumpy()["nextval('article_ids')"
                                                                                                   ], dtype=np.int64)
        sigs = rng.integers(0, 2**32, (n, settings.num_perm), dtype=np.uint32)
        with transaction(con), registered(con, "pad_ids", id=ids), \
                registered(con, "pad_sigs", article_id=ids, exact=[f"{i:032x}" for i in rng.integers(0, 2**62, n)],
                           size=np.full(n, 300, np.int32), signature=[row.tobytes() for row in sigs]):
            con.execute("INSERT INTO articles (id, url, source, body, cluster_id, is_canonical, run_id, ingested_at) "
                        "SELECT id, 'https://pad.example/' || id, 'Pad', 'padding article ' || id, id, true, ?, "
                        "now()::TIMESTAMP FROM pad_ids", [run_id])
            con.execute("INSERT INTO signatures BY NAME SELECT * FROM pad_sigs")


def stored_path(args: argparse.Namespace, texts: list[str], settings: DedupSettings) -> int:
    """Load ``--n`` generated documents through the warehouse, timing batches at several stored sizes."""
    bulk, measured = _plan(args)
    total = max(hi for _, bounds in measured for _, hi in bounds)
    t = time.perf_counter()
    rng = random.Random(1)
    base = datetime(2024, 1, 1)
    # Distinct times, not in generation order (so canonicals are not simply the first
    # ingested); one in ten unknown.
    minutes = rng.sample(range(10 * total), total)
    published = [None if rng.random() < 0.1 else base + timedelta(minutes=m) for m in minutes]
    with tempfile.TemporaryDirectory(prefix="newswash-bench-", dir=args.tmp) as tmp:
        # Generated in a process of its own: the generator's leftovers do not count as the loader's memory.
        with mp.get_context("spawn").Pool(1) as generator:
            text_file, source = generator.apply(_write_corpus, (texts, total, Path(tmp) / "texts"))
        print(
            f"{total:,} docs generated and written in {time.perf_counter() - t:.0f} s; {settings.num_perm}"
            f" perms, {settings.bands} bands x {settings.rows} rows, {args.workers} workers,"
            f" bulk batches of {args.batch_size:,}", flush=True
        )
        return _load_stored(args, settings, text_file, source, published, bulk, measured)


def _load_stored(args: argparse.Namespace, settings: DedupSettings, text_file: TextFile, source: list[int],
                 published: list[datetime | None], bulk: list[tuple[int, int]],
                 measured: list[tuple[int, list[tuple[int, int]]]]) -> int:
    from newswash.dedup import cluster
    from newswash.warehouse import load
    from newswash.warehouse.store import open_warehouse, start_run

    steps = ["caught_up_index", "cluster_batch", "write_batch"]
    _init_worker(settings, text_file)  # without workers, batches are prepared here
    gc.freeze()  # as a run's flow process does before its first batch (``flows/ingest.py`` ``run_pipeline``)
    labels: list[tuple[int, np.ndarray]] = []
    with worker_pool(args.workers, settings, text_file) if args.workers > 1 else nullcontext() as pool:
        db = text_file.path.with_name("bench.duckdb")
        with open_warehouse(db) as con, _StepTimer(load, steps) as timer, PeakMemory() as memory:
            run_id = start_run(con, ["bench"])
            batches = prepared_batches(pool, bulk, step=min(10_000, args.batch_size))
            start, loaded, waited, main_cpu = time.perf_counter(), 0, 0.0, 0.0
            for stored, bounds in measured:
                if args.pad and stored == loaded + args.pad:  # the last sizes: padded, not loaded
                    t = time.perf_counter()
                    pad(con, run_id, args.pad, settings)
                    padded = time.perf_counter() - t
                    t = time.perf_counter()
                    load.caught_up_index(con, settings)
                    print(f"padded     {args.pad:,} articles of random signatures in {padded:.0f} s; the index caught"
                          f" up with them in {time.perf_counter() - t:.0f} s  {memory.describe()}", flush=True)
                    loaded += args.pad
                    timer.take()
                else:
                    cpu = time.process_time()
                    while loaded < stored:
                        t = time.perf_counter()
                        lo, docs, fp, line_counts = next(batches)
                        waited += time.perf_counter() - t
                        load.load_batch(con, run_id, bench_articles(lo, docs, published), fp, settings, line_counts)
                        loaded += len(docs)
                        del docs, fp, line_counts  # not held while the next batch arrives
                    main_cpu += time.process_time() - cpu
                    seconds = time.perf_counter() - start
                    workers_cpu = sum(_cpu_seconds(c.pid) for c in mp.active_children())
                    print(f"stored     {loaded:,} docs in {seconds:.1f} s ({loaded / seconds:,.0f} docs/s)"
                          f"  {memory.describe()}  CPU main {main_cpu:.0f} s, workers {workers_cpu:.0f} s  (waiting for texts, signatures and line counts {waited:.1f}s,"
                          f" {timer.take()})", flush=True)
                if args.check:
                    labels.append((loaded, _cluster_labels(con)))
                times, prepared = [], []
                for lo, hi in bounds:
                    docs = text_file.texts(lo, hi)
                    t = time.perf_counter()
                    articles = bench_articles(lo, docs, published)
                    fp, line_counts = fingerprint(docs, settings), count_lines(articles)  # a worker's share in a run
                    prepared.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    c = load.load_batch(con, run_id, articles, fp, settings, line_counts)
                    times.append(time.perf_counter() - t)
                    copies_of_stored = sum(1 for i in range(lo, hi) if source[i] < lo)
                    print(f"  batch    {hi - lo:,} new against {loaded:,} stored: dedup and load {times[-1]:.2f} s"
                          f" ({timer.take()}), after fingerprints and line counts {prepared[-1]:.2f}s"
                          f"  exact {c.exact_duplicates:,} near {c.near_duplicates:,}"
                          f" ({copies_of_stored:,} generated as copies of stored ones)", flush=True)
                    loaded += hi - lo
                per_batch = sorted(times[:-1])
                print(f"at {stored:,} stored: dedup and load of a batch of {args.per_batch:,} median"
                      f" {per_batch[len(per_batch) // 2]:.2f} s, of {args.new:,} new {times[-1]:.2f} s"
                      f" ({times[-1] + prepared[-1]:.2f} s with its fingerprints and line counts)  {memory.describe()}",
                      flush=True)
                start += sum(times) + sum(prepared)  # the bulk rate counts bulk batches only
            if args.check:
                labels.append((loaded, _cluster_labels(con)))

    if not args.check:
        return 0
    # The warehouse joins every pair of articles sharing a band key; in memory, rows of a
    # bucket pair with their next `bucket_window` neighbours only. With an unbounded
    # window both must give the same partition.
    check_docs = text_file.texts(0, loaded)
    unbounded = dataclasses.replace(settings, bucket_window=loaded)
    ok = True
    for count, rows in labels:
        got = _partition(rows.tolist())
        expected = _partition(cluster(check_docs[:count], published[:count], unbounded))
        ok &= expected == got
        print(f"check      {count:,} stored: {'same partition' if expected == got else 'DIFFERENT partition'} as"
              f" in-memory cluster() with an unbounded bucket window ({len(expected):,} clusters vs {len(got):,})")
    return 0 if ok else 1


def _cluster_labels(con: duckdb.DuckDBPyConnection) -> np.ndarray:
    """Cluster id of each stored generated document, by index (its url names it)."""
    return con.execute(
        "SELECT cluster_id FROM articles ORDER BY CAST(split_part(url, '/', -1) AS BIGINT)"
    ).fetchnumpy()["cluster_id"]


def _partition(labels: Sequence[int]) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, set()).add(i)
    return {frozenset(g) for g in groups.values()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="documents to generate")
    parser.add_argument(
        "--workers", type=int, default=2, help="fingerprint processes (rows are independent; the dev VM has 2 cores)"
    )
    parser.add_argument("--no-datasketch", action="store_true", help="time newswash only")
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="newsweb-dev folder")
    parser.add_argument("--config", type=Path, default=None, help="dedup TOML (default: bundled)")
    parser.add_argument("--stored", action="store_true", help="time the warehouse path (load_batch)")
    parser.add_argument("--batch-size", type=int, default=50_000, help="--stored: articles per bulk load_batch")
    parser.add_argument("--at", type=lambda v: [int(x) for x in v.split(",")], default=[100_000, 1_000_000],
                        help="--stored: stored sizes (comma-separated) at which batches are timed, besides --n")
    parser.add_argument("--per-batch", type=int, default=2_000, help="--stored: a timed batch (the pipeline's default)")
    parser.add_argument("--repeats", type=int, default=3, help="--stored: timed batches of --per-batch at each size")
    parser.add_argument("--new", type=int, default=10_000, help="--stored: documents in the last timed batch")
    parser.add_argument("--pad", type=int, default=0,
                        help="--stored: then this many articles of random signatures, and batches timed again")
    parser.add_argument("--tmp", type=Path, default=None, help="--stored: where the temporary warehouse goes")
    parser.add_argument("--check", action="store_true", help="--stored: compare with the in-memory partition")
    args = parser.parse_args(argv)
    if args.check and args.pad:
        parser.error("--check compares generated documents only: not with --pad")
    if not (args.eval / "records.jsonl").exists():
        print(f"skipped: no newsweb-dev set at {args.eval}")
        return 0
    settings = DedupSettings.from_toml(args.config)
    texts = eval_texts(args.eval)
    if args.stored:
        return stored_path(args, texts, settings)
    t = time.perf_counter()
    docs, source = generate(texts, args.n)
    print(
        f"{args.n:,} docs generated in {time.perf_counter() - t:.0f} s"
        f" ({sum(map(len, docs)) / 2**20:,.0f} MiB of text); {settings.num_perm} perms,"
        f" {settings.bands} bands x {settings.rows} rows, {args.workers} workers"
    )
    ours = measure(
        "newswash", lambda tm: newswash_path(docs, settings, args.workers, tm), args.n, source
    )
    if not args.no_datasketch:
        theirs = measure("datasketch", lambda tm: datasketch_path(docs, settings, tm), args.n, source)
        print(f"speed-up: {ours / theirs:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
