"""Near-duplicate detection: pure functions over texts and arrays, no storage.

``fingerprint`` turns texts into exact hashes, MinHash signatures, shingle counts
and LSH band keys; rows sharing a band key are candidates; ``verify_pairs`` keeps
near and contained pairs; ``UnionFind`` joins them; ``choose_canonical`` names each
cluster's canonical record. ``cluster`` runs it all in memory.
"""

from .clusters import Member, UnionFind, choose_canonical
from .fingerprint import SIGNATURE_DTYPE, Fingerprints, fingerprint
from .lsh import band_keys, candidate_pairs
from .memory import cluster, duplicate_pairs
from .normalize import normalize
from .settings import DedupSettings
from .verify import CONTAINED, NEAR, verify_pairs, verify_rows

__all__ = [
    "CONTAINED",
    "SIGNATURE_DTYPE",
    "NEAR",
    "DedupSettings",
    "Fingerprints",
    "Member",
    "UnionFind",
    "band_keys",
    "candidate_pairs",
    "choose_canonical",
    "cluster",
    "duplicate_pairs",
    "fingerprint",
    "normalize",
    "verify_pairs",
    "verify_rows",
]
