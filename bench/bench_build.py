"""Index build costs: a full build, adding one article, and a build with nothing changed.

The corpus is the shipped articles copied N times under new names (so each is embedded); the
baseline is the full rebuild that a non-incremental tool would do for every change.

    python bench/bench_build.py --copies 40
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from qa.build import build_index
from qa.encoders import DEFAULT_MODEL, load_encoder

ROOT = Path(__file__).resolve().parent.parent
NEW = " date 2024-06 De gemeente Maastricht opent een opvangcentrum voor 250 asielzoekers aan de Maas."


def timed(corpus: Path, index: Path, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    report = build_index(corpus, index, log=lambda _: None, **kwargs)
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=40)
    args = parser.parse_args()
    load_encoder(DEFAULT_MODEL)  # model load is app start-up, not build work
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        for copy in range(args.copies):
            for path in sorted((ROOT / "corpus").glob("*.txt")):
                text = path.read_text(encoding="utf-8")
                (corpus / f"{copy:03d}-{path.name}").write_text(text + f"\n\nKopie {copy}.", encoding="utf-8")
        full, report = timed(corpus, index)
        (corpus / "new.txt").write_text(NEW, encoding="utf-8")
        added, added_report = timed(corpus, index)
        unchanged, _ = timed(corpus, index)
        (corpus / "new.txt").unlink()
        removed, _ = timed(corpus, index)
        rebuild, _ = timed(corpus, index, rebuild=True)
        shutil.rmtree(index)
    print(f"command: python bench/bench_build.py --copies {args.copies}")
    print(f"corpus: {report.total_articles} articles, {report.total_chunks} chunks, model {report.model}")
    print(f"full build (baseline)      {full:7.2f} s   {report.total_chunks / full:6.1f} chunks/s")
    chunks, sentences = report.embedding_seconds["chunks"], report.embedding_seconds["sentences"]
    print(f"  of which embedding       {chunks:7.2f} s   chunks ({report.total_chunks})")
    print(f"                           {sentences:7.2f} s   sentences ({report.sentences_embedded}), "
          f"{sentences / full:.0%} of the build")  # fmt: skip
    print(f"add one article            {added:7.2f} s   {full / added:6.1f}x faster than a full build "
          f"({added_report.chunks_embedded} chunks embedded)")  # fmt: skip
    print(f"remove one article         {removed:7.2f} s   {full / removed:6.1f}x faster")
    print(f"nothing changed            {unchanged:7.2f} s   {full / unchanged:6.1f}x faster")
    print(f"forced rebuild             {rebuild:7.2f} s")


if __name__ == "__main__":
    main()
