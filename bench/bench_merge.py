"""Merging ten 100k-chunk segments into one IVF segment, as the last step of a million-chunk build:
the streamed merge (qa.vectors.write_merged_segment, one source segment in memory at a time)
against the baseline in the same run, every source's vectors concatenated and then written
(write_segment, what a merge did before). Each in a process of its own, for its peak RSS.

Vectors: bench_vectors.py's cache (make_archive + derived.py), which that script writes first.

    python bench/bench_vectors.py --sizes 1000000 --nprobe 256   # once, for the vectors
    python bench/bench_merge.py
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.vectors import read_segment, segment_contents, write_merged_segment, write_segment

SEGMENTS = 10
SEGMENT_CHUNKS = 100_000


def merge(work: Path, how: str) -> str:
    paths = [work / f"s{i}.faiss" for i in range(SEGMENTS)]
    started = time.perf_counter()
    if how == "whole":
        parts = [segment_contents(read_segment(p)) for p in paths]
        ids = np.concatenate([i for i, _ in parts])
        write_segment(work / "merged.faiss", ids, np.concatenate([v for _, v in parts]), "ivf")
    else:

        def parts():
            for p in paths:
                yield segment_contents(read_segment(p))

        write_merged_segment(work / "merged.faiss", parts, SEGMENTS * SEGMENT_CHUNKS, 512, "ivf")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"{time.perf_counter() - started:5.0f} s   peak RSS {peak:6.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, default=Path("/tmp/bench-vectors.npy"))
    parser.add_argument("--merge", choices=["streamed", "whole"], help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.merge:
        print(merge(args.work, args.merge))
        return
    vectors = np.load(args.cache, mmap_mode="r")
    if len(vectors) < SEGMENTS * SEGMENT_CHUNKS:
        raise SystemExit(f"{args.cache} holds {len(vectors)} vectors; run bench_vectors.py --sizes 1000000")
    print("command: python bench/bench_merge.py")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for i in range(SEGMENTS):
            rows = slice(i * SEGMENT_CHUNKS, (i + 1) * SEGMENT_CHUNKS)
            ids = np.arange(rows.start, rows.stop, dtype=np.int64)
            write_segment(work / f"s{i}.faiss", ids, np.asarray(vectors[rows]), "flat")
        for how in ("streamed", "whole"):
            command = [sys.executable, __file__, "--merge", how, "--work", str(work)]
            result = subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
            label = "streamed (write_merged_segment)" if how == "streamed" else "baseline: concatenated"
            print(f"{SEGMENTS} x {SEGMENT_CHUNKS:,} flat -> 1 IVF   {label:<32} {result}")


if __name__ == "__main__":
    main()
