"""datatrove 0.10.1's pipeline on a folder of WARC files, as its examples write it: WarcReader →
Trafilatura(favour_precision=True) → JsonlWriter, then its four MinHash stages (signatures,
buckets, clusters, filter). Run by ``bench/peers.py`` with the peers' own venv.

    bench/.peers-venv/bin/python bench/peer_datatrove.py WARC_FOLDER OUT_FOLDER [--tasks 2] [--workers 2]

Writes the extracted documents to OUT/extracted and the deduplicated ones to OUT/deduped.
"""

from __future__ import annotations

import argparse

from datatrove.executor.local import LocalPipelineExecutor
from datatrove.pipeline.dedup.minhash import (
    MinhashConfig,
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.extractors import Trafilatura
from datatrove.pipeline.readers import JsonlReader, WarcReader
from datatrove.pipeline.writers import JsonlWriter
from datatrove.utils.typeshelper import Languages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warcs")
    parser.add_argument("out")
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    out, config = args.out, MinhashConfig()
    parallel = {"tasks": args.tasks, "workers": args.workers}
    extract = LocalPipelineExecutor(pipeline=[
        WarcReader(args.warcs, glob_pattern="*.warc.gz"),
        Trafilatura(favour_precision=True),
        JsonlWriter(f"{out}/extracted"),
    ], logging_dir=f"{out}/logs/extract", **parallel)
    signatures = LocalPipelineExecutor(pipeline=[
        JsonlReader(f"{out}/extracted"),
        MinhashDedupSignature(output_folder=f"{out}/signatures", config=config, language=Languages.english),
    ], logging_dir=f"{out}/logs/signatures", depends=extract, **parallel)
    buckets = LocalPipelineExecutor(pipeline=[
        MinhashDedupBuckets(input_folder=f"{out}/signatures", output_folder=f"{out}/buckets", config=config),
    ], tasks=config.num_buckets, workers=args.workers, logging_dir=f"{out}/logs/buckets", depends=signatures)
    clusters = LocalPipelineExecutor(pipeline=[
        MinhashDedupCluster(input_folder=f"{out}/buckets", output_folder=f"{out}/remove_ids", config=config),
    ], tasks=1, logging_dir=f"{out}/logs/clusters", depends=buckets)
    dedup = LocalPipelineExecutor(pipeline=[
        JsonlReader(f"{out}/extracted"),
        MinhashDedupFilter(input_folder=f"{out}/remove_ids", exclusion_writer=JsonlWriter(f"{out}/removed")),
        JsonlWriter(f"{out}/deduped"),
    ], logging_dir=f"{out}/logs/dedup", depends=clusters, **parallel)
    dedup.run()


if __name__ == "__main__":  # datatrove's executor starts its workers with forkserver
    main()
