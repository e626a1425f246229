"""The pipeline: the order of the steps, written once.

    read → skip known → fetch → extract → clean → fingerprint → learned boilerplate → revisions → dedup → load

Every command runs this list or a part of it: ``ingest``, ``run`` and ``serve`` all of it;
a stored page due for a revisit is fetched again and, when its cleaned title or body changed,
stored as its article's next version (``revisions``, then ``load``);
``reprocess`` reads archived responses instead of fetching and updates stored articles
(then forms every cluster again); ``extract`` stops after clean. ``ingest --bulk`` (a
backfill) runs the same steps with dedup clustering each batch among itself and load listing
it as pending; after the last batch the pending articles are clustered across batches (the
candidate shuffle on Dask, ``dedup/bulk.py``) and with the stored ones, in one transaction. Each step is a module of
``newswash/steps/`` with one job; where a step runs (a worker, the flow's process) is the
flow's choice (``flows/ingest.py``), by the step's ``per_article``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from newswash.cleaners import Cleaner
from newswash.records import Article, Failure, StepCount
from newswash.settings import Settings
from newswash.step import Batch, Step, short_reason
from newswash.steps.clean import Clean
from newswash.steps.dedup import Dedup
from newswash.steps.extract import Extract
from newswash.steps.fetch import Fetch
from newswash.steps.fingerprint import Fingerprint
from newswash.steps.learned_boilerplate import LearnedBoilerplate
from newswash.steps.load import Load
from newswash.steps.revisions import Revisions
from newswash.steps.skip_known import SkipKnown
from newswash.steps.update import Update

if TYPE_CHECKING:
    from newswash.sources.crawl import Crawl
    from newswash.warehouse import Warehouse

READ = "read"
# What a page still to be fetched counts towards a batch's characters (``read_batches``): about
# what the 774 pages of ``bench/peers.py``'s WARC hold on average (27,500 characters of HTML).
UNFETCHED_CHARS = 30_000


def ingest_steps(settings: Settings, warehouse: Warehouse, crawl: Crawl, run_id: int,
                 bulk: bool = False) -> list[Step]:
    """Everything after reading, in order (``bulk``: a backfill's, clustered across batches at its end)."""
    cleaner = Cleaner(settings.cleaning)
    return [
        SkipKnown(warehouse, crawl),
        Fetch(crawl),
        *article_steps(settings, cleaner),
        Fingerprint(settings.dedup),
        LearnedBoilerplate(warehouse, cleaner, settings.dedup),
        Revisions(warehouse),
        Dedup(warehouse, settings.dedup, alone=bulk),
        Load(warehouse, run_id, settings.dedup, pending=bulk),
    ]


def reprocess_steps(settings: Settings, warehouse: Warehouse, run_id: int, ids: dict[str, int]) -> list[Step]:
    """Archived pages through the same steps, updating their stored articles (``ids``: url → id)."""
    cleaner = Cleaner(settings.cleaning)
    return [
        *article_steps(settings, cleaner),
        Fingerprint(settings.dedup),
        LearnedBoilerplate(warehouse, cleaner, settings.dedup),
        Update(warehouse, run_id, ids),
    ]


def article_steps(settings: Settings, cleaner: Cleaner | None = None) -> list[Step]:
    """Extract and clean: all ``newswash extract`` runs."""
    return [Extract(), Clean(cleaner or Cleaner(settings.cleaning))]


def read_batches(items: Iterable[Article | Failure], size: int, chars: int | None = None) -> Iterator[Batch]:
    """What the readers give, in batches of ``size`` items, or fewer once their content
    reaches ``chars`` characters (pages are far longer than texts; one still to be fetched
    counts as ``UNFETCHED_CHARS``), each with its ``read`` count; a batch cut short because
    the readers ran out is the last one, and says so (``Batch.last``)."""
    iterator = iter(items)
    limit = chars or float("inf")
    while True:
        chunk: list[Article | Failure] = []
        held = 0
        for item in iterator:
            chunk.append(item)
            held += (len(item.content) or UNFETCHED_CHARS) if isinstance(item, Article) else 0
            if len(chunk) == size or held >= limit:
                break
        if not chunk:
            return
        failures = [item for item in chunk if isinstance(item, Failure)]
        count = StepCount(READ, len(chunk), len(chunk) - len(failures), Counter(short_reason(f.reason) for f in failures))
        ran_out = len(chunk) < size and held < limit
        yield Batch([item for item in chunk if isinstance(item, Article)], failures, [count], last=ran_out)
        if ran_out:
            return


def placement(steps: Sequence[Step]) -> list[tuple[bool, list[Step]]]:
    """The steps in runs of the same ``per_article`` (those the flow may hand to workers), in order."""
    groups: list[tuple[bool, list[Step]]] = []
    for step in steps:
        if groups and groups[-1][0] == step.per_article:
            groups[-1][1].append(step)
        else:
            groups.append((step.per_article, [step]))
    return groups
