"""Write a deterministic `.jsonl` news archive of N articles for the scale benchmarks.

Raw material: the dev archive (eval/devarchive/corpus) and the shipped articles, cleaned by our
own loader. Each generated article takes a title and paragraphs recombined from them (sentences
shuffled within and across source articles), a date between 2010 and 2026 and one of the
sources' categories, so that text, vocabulary, dates and categories vary the way an archive's do.
The same N and seed give the same file, byte for byte.

    python bench/make_archive.py 80000 --out /tmp/archive.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.articles import ArticleError, parse_article, scan_corpus  # noqa: E402
from qa.chunking import sentence_spans  # noqa: E402

CATEGORIES = ("binnenland", "buitenland", "politiek", "economie", "tech", "sport", "cultuur", "klimaat")


def raw_material() -> tuple[list[str], list[list[str]]]:
    """The source articles' titles, and their paragraphs as lists of sentences."""
    titles, paragraphs = [], []
    for folder in (ROOT / "eval" / "devarchive" / "corpus", ROOT / "corpus"):
        for source in scan_corpus(folder):
            try:
                article = parse_article(source)
            except ArticleError:
                continue
            titles.append(article.title)
            for paragraph in article.text.split("\n\n"):
                sentences = [paragraph[s:e] for s, e in sentence_spans(paragraph)]
                if sentences:
                    paragraphs.append(sentences)
    return titles, paragraphs


def articles(n: int, seed: int = 11):
    """`n` articles as dicts, recombined from the raw material."""
    titles, paragraphs = raw_material()
    rng = random.Random(seed)
    for i in range(n):
        body = []
        for _ in range(rng.randint(3, 9)):
            # A paragraph keeps the run of sentences it starts with, then borrows from elsewhere:
            # local coherence, global variety.
            own = rng.choice(paragraphs)
            sentences = own[: rng.randint(1, len(own))] + rng.choice(paragraphs)[: rng.randint(0, 2)]
            body.append(" ".join(sentences))
        year, month, day = rng.randint(2010, 2026), rng.randint(1, 12), rng.randint(1, 28)
        yield {
            "id": f"a{i:07d}",
            "title": f"{rng.choice(titles)} ({i})",
            "date": f"{year}-{month:02d}-{day:02d}",
            "category": rng.choice(CATEGORIES),
            "url": f"https://nieuws.example/{year}/{i}",
            "text": "\n\n".join(body),
        }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", type=int, help="how many articles")
    parser.add_argument("--out", type=Path, required=True, help="the .jsonl file to write")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as handle:
        for article in articles(args.n, args.seed):
            handle.write(json.dumps(article, ensure_ascii=False) + "\n")
    print(f"wrote {args.n} articles to {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
