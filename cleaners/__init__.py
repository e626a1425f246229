"""Extraction and cleaning stage: ``extract.extract`` fills an Article from HTML or text
(imported from its module: trafilatura loads with it, 0.2 s the flow's process does without),
``Cleaner`` strips boilerplate lines by the rules in ``config/cleaning.toml``."""

from .boilerplate import BoilerplateSettings, LineCounts, count_lines, remove_site_boilerplate
from .cleaner import Cleaner, rule_hits

__all__ = [
    "BoilerplateSettings", "Cleaner", "LineCounts", "count_lines", "remove_site_boilerplate", "rule_hits",
]
