"""robots.txt rules for one host: may we fetch a URL, how long to wait between requests, its sitemaps.

Parsed by Protego, which follows RFC 9309 as written: `*` wildcards and `$` anchors in
paths, the longest matching rule wins, Allow wins a tie.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from protego import Protego


@dataclass
class RobotRules:
    """Parsed robots.txt; `reason` is set when the whole host is off limits (robots.txt unreachable)."""

    parser: Protego | None = None
    reason: str | None = None

    @classmethod
    def from_response(cls, status: int | None, text: str) -> RobotRules:
        """RFC 9309: 2xx parsed; 4xx means no rules; 5xx and no answer at all mean stay away."""
        if status is not None and 200 <= status < 300:
            return cls(Protego.parse(text))
        if status is not None and 400 <= status < 500:
            return cls()
        return cls(reason=f"robots.txt unreachable ({f'HTTP {status}' if status else 'no response'})")

    def allowed(self, user_agent: str, url: str) -> bool:
        if self.reason:
            return False
        return self.parser is None or bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float:
        """Seconds between requests the host asks for; 0 when none (or not a finite, positive number)."""
        delay = self.parser.crawl_delay(user_agent) if self.parser else None
        return float(delay) if delay is not None and math.isfinite(delay) and delay > 0 else 0.0

    def sitemaps(self) -> list[str]:
        return list(self.parser.sitemaps) if self.parser else []
