"""robots.txt rules for one host: may we fetch a URL, how long to wait between requests, its sitemaps."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.robotparser import RobotFileParser


@dataclass
class RobotRules:
    """Parsed robots.txt; `reason` is set when the whole host is off limits (robots.txt unreachable)."""

    parser: RobotFileParser | None = None
    reason: str | None = None

    @classmethod
    def from_response(cls, status: int | None, text: str) -> RobotRules:
        """RFC 9309: 2xx parsed; 4xx means no rules; 5xx and no answer at all mean stay away."""
        if status is not None and 200 <= status < 300:
            parser = RobotFileParser()
            parser.parse(_parseable(text.splitlines()))
            return cls(parser)
        if status is not None and 400 <= status < 500:
            return cls()
        return cls(reason=f"robots.txt unreachable ({f'HTTP {status}' if status else 'no response'})")

    def allowed(self, user_agent: str, url: str) -> bool:
        if self.reason:
            return False
        return self.parser is None or self.parser.can_fetch(user_agent, url)

    def crawl_delay(self, user_agent: str) -> float:
        delay = self.parser.crawl_delay(user_agent) if self.parser else None
        return float(delay or 0.0)

    def sitemaps(self) -> list[str]:
        return list(self.parser.site_maps() or []) if self.parser else []


def _parseable(lines: list[str]) -> list[str]:
    """The lines urllib's parser can take: it calls int() on Crawl-delay and Request-rate values
    that `str.isdigit()` accepts, which raises for non-ASCII digits (superscripts, Arabic-Indic)."""
    return [
        line for line in lines
        if line.partition(":")[0].strip().lower() not in ("crawl-delay", "request-rate")
        or line.partition(":")[2].isascii()
    ]
