"""The language a page's text is in: its declared language, else py3langid's reading of the text.

``languages_of`` answers for many texts at once with the same model and the same answers as
``py3langid.classify``: py3langid walks its byte automaton in a Python loop, a byte at a time
(a third of a worker's time on short texts, profiled), then scores each text apart; here the
walk advances every text of the batch a byte per numpy step, and the scores of all are one
sparse product. The sums are the same but added in another order, so a score can differ
in its last bits; the languages were measured equal on every text of the dev sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import py3langid
from py3langid.langid import RAW_FLOOR, _get_identifier

IDENTIFY_CHARS = 2000  # enough text for py3langid to be sure; more only costs time


def language_of(declared: str | None, text: str) -> str | None:
    """``declared`` (e.g. ``en`` from ``<html lang>`` or trafilatura's metadata) when given,
    else the language py3langid identifies in ``text``; None for text without letters."""
    if declared:
        return language_code(declared)
    sample = _sample(text)
    return py3langid.classify(sample)[0] if sample else None


def languages_of(declared: Sequence[str | None], texts: Sequence[str]) -> list[str | None]:
    """``language_of(declared[i], texts[i])`` for every i, the identifications done together."""
    out: list[str | None] = [language_code(d) if d else None for d in declared]
    samples = {i: sample for i, text in enumerate(texts) if not declared[i] and (sample := _sample(text))}
    for i, language in zip(samples, _classify_all(list(samples.values()))):
        out[i] = language
    return out


def language_code(declared: str) -> str:
    """A declared language as its primary code: ``en-GB``, ``en_GB`` and ``EN`` are ``en``."""
    return declared.replace("_", "-").split("-")[0].lower()


def _sample(text: str) -> str | None:
    """What of ``text`` py3langid reads; None when it holds no letter."""
    sample = text[:IDENTIFY_CHARS]
    return sample if any(ch.isalpha() for ch in sample) else None


def _classify_all(samples: list[str]) -> list[str]:
    """``py3langid.classify(s)[0]`` of each sample."""
    identifier = _get_identifier()
    if identifier.min_confidence is not None or identifier._norm_probs or not samples:
        return [py3langid.classify(s)[0] for s in samples]  # the default model is neither
    scores = _scores([identifier._encode(s) for s in samples], identifier)
    for i, j in identifier._alias_pairs:  # as py3langid's _decide, without normalisation
        scores[:, i] = np.maximum(scores[:, i], scores[:, j])
        scores[:, j] = RAW_FLOOR
    return [identifier.nb_classes[i] for i in scores.argmax(axis=1)]


@lru_cache(maxsize=1)
def _model(identifier: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """py3langid's model as arrays: its byte automaton as two tables indexed by a transition
    (a state's row offset plus a byte), the row offset and one more than the feature emitted
    (0: none) of the state it leads to; and the feature-class weights, in float32 as its
    product computes them."""
    nextmove = np.asarray(identifier.tk_nextmove, dtype=np.int64)
    rowbase = np.asarray(identifier._rowbase, dtype=np.int64)
    output = np.asarray(identifier.tk_output, dtype=np.int32)
    return rowbase[nextmove].astype(np.int32), output[nextmove] + 1, identifier.nb_ptc.astype(np.float32)


def _scores(encoded: list[bytes], identifier: object) -> np.ndarray:
    """Naive Bayes scores (a row a byte string, a column a class), as py3langid's ``_raw_score``:
    ``log1p(count) @ nb_ptc + nb_pc`` over the features the automaton emits (RAW_FLOOR
    everywhere for a string that emits none), every string walked at once, longest first."""
    from scipy.sparse import csr_matrix  # 90 ms to import: loaded where texts are scored, not by the flow's process

    next_offset, next_output, weights = _model(identifier)
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    order = np.argsort(-lengths, kind="stable")
    longest = int(lengths.max())
    grid = np.zeros((longest, len(encoded)), dtype=np.uint8)  # a row a byte position, a column a string
    for column, i in enumerate(order):
        grid[: lengths[i], column] = np.frombuffer(encoded[i], dtype=np.uint8)
    active = np.searchsorted(-lengths[order], -np.arange(longest), side="left").tolist()  # strings longer than each position
    offset = np.full(len(encoded), next_offset.dtype.type(identifier._rowbase[0]))  # each string's state, as its row offset
    emitted = np.zeros((longest, len(encoded)), dtype=np.int32)  # one more than the feature each string's byte emits
    for position, n in enumerate(active):
        move = offset[:n] + grid[position, :n]
        offset[:n] = next_offset[move]
        emitted[position, :n] = next_output[move]
    emitted = emitted.reshape(-1)
    hits = np.flatnonzero(emitted)
    width = weights.shape[0]
    keys, counts = _counted(order[hits % len(encoded)], emitted[hits] - 1, width, len(encoded))
    rows = keys // width  # sorted: a CSR matrix of log1p(count), rows and columns in order
    indptr = np.searchsorted(rows, np.arange(len(encoded) + 1))
    matrix = csr_matrix((np.log1p(counts.astype(np.float32)), keys % width, indptr), shape=(len(encoded), width))
    scores = np.asarray(matrix @ weights, dtype=np.float32) + identifier.nb_pc
    scores[np.diff(indptr) == 0] = RAW_FLOOR
    return scores


def _counted(columns: np.ndarray, features: np.ndarray, width: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(columns * width + features, return_counts=True)``, in a third of its time:
    the keys sorted as 32-bit integers when they fit (half the bytes to sort), the runs of
    equal keys counted by hand (``unique`` spends as long again around its sort)."""
    dtype = np.int32 if rows * width < 2**31 else np.int64
    keys = columns.astype(dtype) * dtype(width) + features.astype(dtype)
    keys.sort()
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
    return keys[starts].astype(np.int64), np.diff(np.r_[starts, len(keys)])
