"""Extraction and cleaning stage: ``extract`` fills an Article from HTML or text,
``Cleaner`` strips boilerplate lines by the rules in ``config/cleaning.toml``."""

from .cleaner import Cleaner
from .extract import extract

__all__ = ["Cleaner", "extract"]
