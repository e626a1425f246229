"""Near-duplicate detection: pure functions over texts and arrays, no storage.

``fingerprint`` turns texts into exact hashes, MinHash signatures, shingle counts and LSH
band keys; ``assign`` clusters a batch against a ``ClusterStore`` (candidates, verification,
components, the canonical rule); ``MemoryStore`` is the in-memory store and ``cluster`` runs
it all on a list of texts.
"""

from .clusters import (
    EXACT, UNKNOWN_DATE, Assignment, ClusterStore, Sketches, assign, batch_pairs, canonicals, components, joined,
    published_key, reassign, settle,
)
from .fingerprint import SIGNATURE_DTYPE, Fingerprints, fingerprint
from .lsh import band_keys, candidate_pairs
from .memory import MemoryStore, cluster
from .settings import DedupSettings
from .verify import CONTAINED, NEAR, verify_pairs, verify_rows

__all__ = [
    "CONTAINED", "EXACT", "NEAR", "SIGNATURE_DTYPE", "UNKNOWN_DATE", "Assignment", "ClusterStore", "DedupSettings",
    "Fingerprints", "MemoryStore", "Sketches", "assign", "band_keys", "batch_pairs", "candidate_pairs", "canonicals",
    "cluster", "components", "fingerprint", "joined", "published_key", "reassign", "settle", "verify_pairs",
    "verify_rows",
]
