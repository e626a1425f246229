"""Extraction and cleaning stage: ``extract`` fills an Article from HTML or text,
``Cleaner`` strips boilerplate lines by the rules in ``config/cleaning.toml``."""

from .boilerplate import BoilerplateSettings, LineCounts, count_lines, remove_site_boilerplate
from .cleaner import Cleaner, rule_hits
from .extract import extract

__all__ = [
    "BoilerplateSettings", "Cleaner", "LineCounts", "count_lines", "extract", "remove_site_boilerplate", "rule_hits",
]
