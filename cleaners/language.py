"""The language a page's text is in: its declared language, else py3langid's reading of the text."""

from __future__ import annotations

import py3langid

IDENTIFY_CHARS = 2000  # enough text for py3langid to be sure; more only costs time


def language_of(declared: str | None, text: str) -> str | None:
    """``declared`` (e.g. ``en`` from ``<html lang>`` or trafilatura's metadata) when given,
    else the language py3langid identifies in ``text``; None for text without letters."""
    if declared:
        return declared.replace("_", "-").split("-")[0].lower()
    sample = text[:IDENTIFY_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return None
    return py3langid.classify(sample)[0]
