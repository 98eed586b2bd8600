"""Reading and sentence splitting of one large file, here and in a baseline revision, for each shape.

Each case runs in its own process with a time limit, so a quadratic baseline is cut off rather than
waited for; `--baseline` names a git revision of this repository to measure the same way.

    python bench/bench_split.py --baseline 2d77a17
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Each shape is a unit of text repeated to the size asked for; all but paragraphs.txt are one paragraph.
SHAPES = {
    # The shipped plain-text articles' sentences joined into one paragraph: ordinary news.
    "news.txt": None,
    # The same sentences in paragraphs of five, as long articles or concatenated archives come.
    "paragraphs.txt": None,
    # A list of names with titles: every "dhr." is glued to the name after it, so the sentence the
    # abbreviation merging builds grows to the whole paragraph.
    "titles.txt": "dhr. Jansen, mevr. De Boer, prof. Bakker en dr. Smit, ",
    # Emphasis markers that never close: the Markdown cleaning's worst case.
    "emphasis.md": "De *minister zei _dat het 2 * 3 was. ",
}


def news(root: Path) -> list[str]:
    """The sentences of the seed articles in plain text (the fifth is HTML), without date lines."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((root / "corpus").glob("00[0-3]_*.txt"))]
    text = " ".join(re.sub(r"^\s*date\s+\S+", "", t).strip() for t in texts)
    return re.split(r"(?<=[.?!]) (?=[A-Z])", " ".join(text.split()))


def paragraph(shape: str, size: int, root: Path) -> str:
    unit = SHAPES[shape]
    if shape == "news.txt":
        unit = " ".join(news(root)) + " "
    elif shape == "paragraphs.txt":
        sentences = news(root)
        unit = "\n\n".join(" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)) + "\n\n"
    text = unit * (size // len(unit) + 1)
    return text[:size].rsplit(" ", 1)[0]


def measure(shape: str, size: int) -> dict[str, float]:
    """Run in a child process whose sys.path starts at the checkout under test."""
    import hashlib

    from qa.articles import SourceFile, parse_article
    from qa.chunking import sentence_spans

    data = paragraph(shape, size, ROOT).encode("utf-8")
    started = time.perf_counter()
    article = parse_article(SourceFile(shape, Path(shape), data, hashlib.sha256(data).hexdigest()))
    read = time.perf_counter() - started
    started = time.perf_counter()
    spans = sentence_spans(article.text)
    return {"read": read, "split": time.perf_counter() - started, "sentences": len(spans)}


def run(checkout: Path, shape: str, size: int, timeout: float) -> dict[str, float] | None:
    # The checkout under test comes first on sys.path, this file's folder before it for `measure`.
    path = [str(ROOT / "bench"), str(checkout)]
    code = (
        f"import sys, json; sys.path[:0] = {path!r}; import bench_split; "
        f"print(json.dumps(bench_split.measure({shape!r}, {size})))"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, check=True
        )
    except subprocess.TimeoutExpired:
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True).stdout.strip()


def export(rev: str, folder: Path) -> None:
    """The files of `rev` in `folder`, without touching this checkout's worktrees."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)


def cell(figures: dict[str, float] | None, timeout: float) -> str:
    if figures is None:
        return f"{'(over ' + format(timeout, '.0f') + ' s)':>19}"
    return f"{figures['read']:>7.2f} s {figures['split']:>7.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1,5", help="file sizes in MB, comma-separated (default 1,5)")
    parser.add_argument("--baseline", help="a git revision to measure the same way, e.g. main")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one case may take")
    args = parser.parse_args()
    print("$ python bench/bench_split.py " + " ".join(sys.argv[1:]))
    dirty = " with uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else ""
    print(f"this checkout: {git('rev-parse', '--short', 'HEAD')}{dirty}", end="")
    with tempfile.TemporaryDirectory() as tmp:
        checkouts = [ROOT]
        if args.baseline:
            export(args.baseline, Path(tmp))
            checkouts.append(Path(tmp))
            print(f"; baseline: {args.baseline} = {git('rev-parse', '--short', args.baseline)}", end="")
        print(f"; one case may take {args.timeout:.0f} s")
        print(f"{'':<26}" + " | ".join(f"{n:^19}" for n in ["this checkout", "baseline"][: len(checkouts)]))
        print(f"{'file':<18} {'size':>7} " + " | ".join(f"{'read':>9} {'split':>9}" for _ in checkouts))
        for shape in SHAPES:
            for mb in (float(s) for s in args.sizes.split(",")):
                size = int(mb * 1_000_000)
                cells = [cell(run(path, shape, size, args.timeout), args.timeout) for path in checkouts]
                print(f"{shape:<18} {mb:>4g} MB " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
