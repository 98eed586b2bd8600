"""`qa stats` on a large index: what it reads (LocalIndex.describe: the manifest and the chunk store)
against opening the whole index as it did before (LocalIndex.open: vectors and BM25 too), in the
same run, on bench_ask.py's scale corpus (derived vectors, real chunk text).

    python bench/bench_stats.py --sizes 100000 400000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ask import build_scale_index

from qa.encoders import DEFAULT_MODEL, load_encoder
from qa.store import LocalIndex


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 400_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    encoder = load_encoder(DEFAULT_MODEL)
    print(f"command: python bench/bench_stats.py --sizes {' '.join(map(str, args.sizes))}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "index"
            folder.mkdir()
            build_scale_index(folder, size, encoder)
            whole, described = [], []
            for _ in range(args.runs):
                started = time.perf_counter()
                index = LocalIndex.open(folder)
                index.stats(), index.articles()
                index.close()
                whole.append(time.perf_counter() - started)
                started = time.perf_counter()
                LocalIndex.describe(folder)
                described.append(time.perf_counter() - started)
            w, d = statistics.median(whole), statistics.median(described)
            print(f"{size} chunks: describe {d:.3f} s, baseline open the whole index {w:.3f} s "
                  f"({w / d:.1f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
