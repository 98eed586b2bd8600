"""Reading one bulk archive's rows, by format: the same articles as JSON Lines (the baseline), a
JSON array (pretty-printed, as CMS exports write it, and on one line) and CSV/TSV.

What is timed is `read_archive` (the rows streamed out of the file, each a SourceRow), not the
cleaning of their text, which is the same for every format. Best of three runs, each format in
turn, so that a noisy moment hits them alike.

    python bench/bench_archives.py --articles 20000
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from make_archive import articles  # noqa: E402

from qa.articles import SourceRow, read_archive  # noqa: E402


def encoded(rows: list[dict]) -> dict[str, bytes]:
    """The rows in each format, as the bytes of a file."""
    jsonl = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    pretty = json.dumps(rows, ensure_ascii=False, indent=2)
    one_line = json.dumps(rows, ensure_ascii=False)
    tables = {}
    for name, delimiter in (("export.csv", ","), ("export.tsv", "\t")):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
        tables[name] = out.getvalue()
    files = {"export.jsonl": jsonl, "export.json (indented)": pretty, "export.json (one line)": one_line}
    return {name: text.encode("utf-8") for name, text in {**files, **tables}.items()}


def read_all(name: str, data: bytes) -> tuple[float, int]:
    suffix = "." + name.split(".", 1)[1].split()[0]
    start = time.perf_counter()
    rows = sum(
        isinstance(r, SourceRow) for r in read_archive(f"x{suffix}", Path(f"x{suffix}"), io.BytesIO(data))
    )
    return time.perf_counter() - start, rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=20_000)
    args = parser.parse_args()
    files = encoded(list(articles(args.articles)))
    best: dict[str, float] = {}
    counts: dict[str, int] = {}
    for _ in range(3):
        for name, data in files.items():
            seconds, counts[name] = read_all(name, data)
            best[name] = min(best.get(name, seconds), seconds)
    print(f"command: python bench/bench_archives.py --articles {args.articles}")
    baseline = best["export.jsonl"]
    for name, data in files.items():
        rate = counts[name] / best[name]
        print(
            f"{name:<24} {len(data) / 1e6:6.1f} MB  {counts[name]:>7} rows  {best[name]:6.2f} s  "
            f"{rate:>8,.0f} rows/s  {best[name] / baseline:4.2f}x the JSON Lines time"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
