"""The `qa` command line: build, ask, eval, stats.

Parses options (flags, then QA_* environment variables, then defaults) and prints; no logic of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

from qa.answer import Answer, pages_note, period_note
from qa.errors import QAError
from qa.location import Location, locate
from qa.search import MODES, SearchSettings

EXIT_CODES = """exit codes:
  0  success
  1  bad input or setup (the message says which file or option)
  2  wrong command-line usage
  3  no usable index: missing, corrupt, or built with another model (run `qa build`)"""


def _env_path(name: str, default: str) -> Path:
    return Path(os.environ.get(name) or default)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Semantic question answering over a folder of (Dutch) news articles.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def index_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--index",
            type=Path,
            default=_env_path("QA_INDEX", "index"),
            help="index folder (env QA_INDEX; default: index)",
        )
        store_options(p, "--store", "the index in Milvus instead of a folder")

    def store_options(p: argparse.ArgumentParser, name: str, what: str) -> None:
        p.add_argument(
            name,
            default=(os.environ.get("QA_STORE") or None) if name == "--store" else None,
            required=name != "--store",
            metavar="STORE",
            help=f"{what}: milvus://host:19530, https://… (token in env QA_MILVUS_TOKEN), or a "
            "milvus-lite file ending in .db" + (" (env QA_STORE)" if name == "--store" else ""),
        )
        p.add_argument(
            "--collection",
            default=os.environ.get("QA_COLLECTION") or None,
            help="name of the index's collections in Milvus (env QA_COLLECTION; default: qa)",
        )

    def reader_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--model",
            default=os.environ.get("QA_MODEL") or None,
            help="fail unless the index was built with this model (env QA_MODEL)",
        )
        index_option(p)

    build = commands.add_parser(
        "build",
        help="build or update the index from the corpus folder",
        description="Embed new and changed articles, drop deleted ones; unchanged ones cost nothing.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    build.add_argument(
        "--corpus",
        type=Path,
        default=_env_path("QA_CORPUS", "corpus"),
        help="folder of articles (env QA_CORPUS; default: corpus)",
    )
    index_option(build)
    build.add_argument(
        "--model",
        default=os.environ.get("QA_MODEL") or None,
        help="sentence-transformers model name or folder (env QA_MODEL; default: "
        "the index's current model, else the packaged default)",
    )
    build.add_argument("--max-words", type=int, default=None, help="chunk size in words")
    build.add_argument("--overlap", type=int, default=None, help="sentences shared by neighbouring chunks")
    build.add_argument("--rebuild", action="store_true", help="re-embed everything")
    vector_options(build)
    build.add_argument(
        "--max-file-mb",
        default=os.environ.get("QA_MAX_FILE_MB") or None,
        help="skip larger files unread (env QA_MAX_FILE_MB; default 20)",
    )
    build.add_argument(
        "--json",
        action="store_true",
        help="print the report as JSON: what was added, changed, skipped and why",
    )

    ask = commands.add_parser(
        "ask",
        help="show the passages that best answer a question",
        description="With no QUESTION, reads questions from standard input, one per line.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ask.add_argument("question", nargs="?", help="the question (omit to read lines from stdin)")
    ask.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    ask.add_argument("--json", action="store_true", help="print JSON (JSON Lines for stdin input)")
    ask.add_argument("--since", help="only articles from this date on: 2019, 2019-04 or 2019-04-12")
    ask.add_argument("--until", help="only articles up to this date")
    ask.add_argument("--category", help="only articles of this category")
    ask.add_argument(
        "--no-period",
        "--no-auto-filter",
        dest="use_period",
        action="store_false",
        help="ignore a period the question names ('in 2017', 'sinds 2020'), which otherwise ranks "
        "passages about it first (it never filters)",
    )
    ask.add_argument("--mode", choices=MODES, default="hybrid", help="retrieval (default hybrid)")
    ask.add_argument(
        "--per-article", type=int, default=SearchSettings.per_article, help="most passages from one article"
    )
    reader_options(ask)

    evaluate = commands.add_parser(
        "eval",
        help="measure retrieval quality on a question set",
        description="QUESTIONS.tsv has the columns question and answer: a string the right passage "
        "contains, or empty for a question the corpus cannot answer.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluate.add_argument("questions", type=Path, help="tab-separated question set")
    evaluate.add_argument("--json", action="store_true", help="print JSON")
    evaluate.add_argument(
        "--misses", action="store_true", help="list the questions answered wrongly, with what was answered"
    )
    evaluate.add_argument(
        "--mode", choices=MODES, default="hybrid", help="retrieval to measure (default hybrid)"
    )
    reader_options(evaluate)

    stats = commands.add_parser(
        "stats",
        help="what the index holds and how it was built",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    stats.add_argument("--json", action="store_true", help="print JSON")
    index_option(stats)

    migrate = commands.add_parser(
        "migrate",
        help="copy a local index into Milvus, without embedding anything again",
        description="Copies the articles, chunks, vectors, sentence vectors and file fingerprints of the "
        "index folder into the Milvus store, replacing the index it held if any; later builds with "
        "--store update it incrementally.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    migrate.add_argument(
        "--index",
        type=Path,
        default=_env_path("QA_INDEX", "index"),
        help="the local index folder to copy (env QA_INDEX; default: index)",
    )
    store_options(migrate, "--to", "where to copy it")
    vector_options(migrate)
    return parser


def vector_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--index-type",
        choices=("auto", "flat", "ivf", "ivf_flat", "ivf_sq8", "hnsw", "diskann"),
        default=None,
        help="how chunk vectors are searched. A folder: exact (flat), approximate (ivf), or by size "
        "(auto: exact while a segment is small). Milvus: its index type (ivf is IVF_FLAT; auto is FLAT on "
        "milvus-lite, which has FLAT and IVF_FLAT only, and HNSW on a server). Kept for later builds; "
        "default: what the index has, else auto",
    )
    p.add_argument(
        "--index-params",
        default=None,
        metavar="JSON",
        help='Milvus only: index parameters as JSON, e.g. \'{"nlist": 1024, "nprobe": 64}\' or '
        '\'{"M": 32, "ef": 256}\' (nprobe, ef and search_list are used when searching)',
    )


def _where(args: argparse.Namespace, option: str = "store") -> Location:
    """The index the options name: --store (or migrate's --to) if given, else the --index folder."""
    return locate(
        getattr(args, option, None) or args.index,
        collection=args.collection,
        token=os.environ.get("QA_MILVUS_TOKEN") or None,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        commands = {"build": _build, "ask": _ask, "eval": _eval, "stats": _stats, "migrate": _migrate}
        return commands[args.command](args)
    except QAError as e:
        print(f"qa: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("qa: interrupted; the index is as it was before this command", file=sys.stderr)
        return 130


def _build(args: argparse.Namespace) -> int:
    from qa.backends import vector_settings
    from qa.build import build_index, max_file_mb
    from qa.chunking import ChunkSettings

    defaults = ChunkSettings()
    chunking = ChunkSettings(
        max_words=args.max_words or defaults.max_words,
        overlap_sentences=defaults.overlap_sentences if args.overlap is None else args.overlap,
    )
    if chunking.max_words < 1 or chunking.overlap_sentences < 0:
        raise QAError("error_chunking_options")
    where = _where(args)
    report = build_index(
        args.corpus,
        where,
        model=args.model,
        chunking=chunking,
        rebuild=args.rebuild,
        log=lambda line: print(line, file=sys.stderr),
        max_file_bytes=int(max_file_mb(args.max_file_mb) * 1_000_000),
        vectors=vector_settings(where, args.index_type, args.index_params),
    )
    print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if args.json else report.summary())
    return 0


def _questions(args: argparse.Namespace) -> Iterator[str]:
    if args.question is not None:
        yield args.question
        return
    for line in sys.stdin:
        if line.strip():
            yield line.strip()


def _ask(args: argparse.Namespace) -> int:
    from qa.answering import ask
    from qa.filters import Filters
    from qa.search import Retriever

    if args.question is not None and not args.question.strip():
        raise QAError("error_empty_question")
    if args.per_article < 1:
        raise QAError("error_per_article")
    filters = Filters(since=args.since, until=args.until, category=args.category)
    search = SearchSettings(mode=args.mode, per_article=args.per_article)
    retriever = Retriever.open(_where(args), model=args.model)
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    for question in _questions(args):
        answer = ask(question, args.k, filters=filters, use_period=args.use_period, search=search,
                     retriever=retriever)  # fmt: skip
        if args.json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False), flush=True)
        else:
            print(format_answer(answer, color), flush=True)
    return 0


def format_answer(answer: Answer, color: bool = False) -> str:
    """The answer first, then each numbered passage with its supporting sentences marked."""

    bold, dim, off = ("\033[1m", "\033[2m", "\033[0m") if color else ("", "", "")
    lines = [f"? {answer.question}", ""]
    lines += textwrap.wrap(answer.text, width=96) or [""]
    if answer.filters.active:
        lines.append(f"{dim}filter: {answer.filters.describe(answer.language)}{off}")
    if answer.period:
        lines.append(f"{dim}period: {period_note(answer.period, answer.language)}{off}")
    lines += [f"{dim}note: {note}{off}" for note in answer.notes]
    lines.append("")
    for p in answer.passages:
        meta = ", ".join(x for x in (p.article.date, p.article.category) if x)
        weak = "  (weak)" if answer.abstained else ""
        lines.append(f"{bold}[{p.rank}]{off} {p.article.title}" + (f" ({meta})" if meta else "") + weak)
        text = _mark(p.text, p.highlights, ("\033[1;33m", off) if color else ("«", "»"))
        for paragraph in text.split("\n\n"):
            lines += textwrap.wrap(paragraph, width=96, initial_indent="    ", subsequent_indent="    ")
        where = ", ".join(x for x in (p.article.id, pages_note(p), f"characters {p.start}–{p.end}") if x)
        lines.append(f"    {dim}— {where}, score {p.score:.3f}{off}")
        lines.append("")
    return "\n".join(lines)


def _mark(text: str, spans: tuple[tuple[int, int], ...], marks: tuple[str, str]) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + marks[0] + text[start:end] + marks[1] + text[end:]
    return text


def _eval(args: argparse.Namespace) -> int:
    from qa.answering import ask
    from qa.evaluate import format_table, load_questions, misses, run_answers, summarize
    from qa.search import Retriever

    questions = load_questions(args.questions)
    retriever = Retriever.open(_where(args), model=args.model)
    settings = SearchSettings(mode=args.mode)

    def answer(question: str, k: int) -> Answer:
        return ask(question, k, retriever=retriever, search=settings, extractive_only=True)

    answer(questions[0].question, 1)  # warm up, so latency is per question, not start-up
    results = run_answers(questions, answer, retriever.article_text)
    summary = summarize(results)
    summary["model"] = retriever.model
    summary["mode"] = args.mode
    failed = misses(results)
    if args.json:
        print(json.dumps({**summary, "misses": failed} if args.misses else summary, ensure_ascii=False))
    else:
        print(format_table(summary, f"{args.questions} ({summary['model']}, {args.mode})"))
        if args.misses:
            print()
            for miss in failed:
                said = "(abstained) " + "; ".join(miss["notes"]) if miss["abstained"] else miss["answered"]
                print(
                    f"line {miss['line']} [{miss['kind'] or '-'}/{miss['lang']}] {miss['question']}\n"
                    f"    expected: {miss['expected'] or '(no answer)'}; passage rank "
                    f"{miss['passage_rank'] or '-'}, article rank {miss['article_rank'] or '-'}\n"
                    f"    answered: {said}"
                )
    return 0


def _stats(args: argparse.Namespace) -> int:
    from qa.backends import describe

    info, articles = describe(_where(args))
    # An article without a date drops out of every date filter: say which ones, so they can be fixed.
    undated = [a.id for a in articles if a.date is None]
    if args.json:
        print(json.dumps({**info, "undated": undated}, ensure_ascii=False, indent=2))
    else:
        print(format_stats(info, undated))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    from qa.backends import vector_settings
    from qa.location import MilvusStore
    from qa.migrate import migrate

    to = _where(args, option="to")
    if not isinstance(to, MilvusStore):
        raise QAError("error_not_milvus", to=args.to)
    vectors = vector_settings(to, args.index_type, args.index_params)
    manifest = migrate(args.index, to, vectors, log=lambda line: print(line, file=sys.stderr))
    print(
        f"Copied {manifest.articles} articles in {manifest.chunks} chunks from {args.index}/ to {to} "
        f"({manifest.vectors.index_type}); ask it with --store {to.uri}"
        + (f" --collection {to.collection}" if args.collection else "")
    )
    return 0


def format_stats(info: dict, undated: list[str]) -> str:
    """`qa stats` as a two-column table: what the index holds, how it was built, what it takes on disk."""
    chunking = info["chunking"]
    overlap = chunking["overlap_sentences"]
    rows = {
        "index": info["index"],
        "model": f"{info['model']} ({info['dimension']} dimensions)",
        "articles": str(info["articles"]),
        "chunks": f"{info['chunks']} (up to {chunking['max_words']} words, "
        f"{overlap} sentence{'s' * (overlap != 1)} of overlap)",
        "undated": _undated_line(undated),
        "generation": str(info["generation"]),
    }
    if "segments" in info:  # a local index
        rows["segments"] = _segments_line(info["segments"])
    if "collections" in info:  # an index in Milvus
        rows["vectors"] = _vectors_line(info["vectors"])
        rows["collections"] = ", ".join(
            f"{name} ({count} rows)" for name, count in info["collections"].items()
        )
    rows["built"] = _build_line(info["build"])
    if "disk_bytes" in info:
        rows["on disk"] = _disk_line(info["disk_bytes"])
    return "\n".join(f"{label:<11} {value}" for label, value in rows.items())


def _vectors_line(vectors: dict) -> str:
    params = {**vectors.get("build", {}), **vectors.get("search", {})}
    return vectors["index_type"] + (
        f" ({', '.join(f'{k}={v}' for k, v in params.items())})" if params else ""
    )


def _build_line(build: dict) -> str:
    """When and how long, what changed, with which versions; an older manifest may lack any of it."""
    line = _when(build.get("created"))
    if "seconds" in build:
        line += f" in {build['seconds']:.1f} s"
    changes = [f"{build[key]} {key}" for key in ("added", "changed", "removed", "skipped") if key in build]
    versions = [
        f"{name} {build[f'{name}_version']}" for name in ("qa", "faiss") if f"{name}_version" in build
    ]
    if changes:
        line += f": {', '.join(changes)}"
    if versions:
        line += f" ({', '.join(versions)})"
    return line


def _segments_line(segments: list[dict]) -> str:
    kinds = ", ".join(sorted({s["kind"] for s in segments})) or "empty"
    largest = max((s["chunks"] for s in segments), default=0)
    return f"{len(segments)} ({kinds}), largest {largest} chunks"


def _disk_line(disk: dict[str, int]) -> str:
    parts = {"vectors": "vectors", "chunks": "chunks and texts", "lexical": "BM25", "manifest": "manifest"}
    named = [f"{name} {_size(disk[key])}" for key, name in parts.items()]
    return f"{_size(disk['total'])}: {', '.join(named)}"


def _size(size: int) -> str:
    """Bytes in decimal units, as --max-file-mb counts them."""
    for power, unit in ((3, "GB"), (2, "MB"), (1, "KB")):
        if size >= 1000**power:
            return f"{size / 1000**power:.1f} {unit}"
    return f"{size} B"


def _when(created: str | None) -> str:
    """A build's ISO timestamp as date and minute; as it stands if it is not one."""
    if not created:
        return "(unknown)"
    try:
        return datetime.fromisoformat(created).strftime("%Y-%m-%d %H:%M %Z").strip()
    except ValueError:
        return created


UNDATED_SHOWN = 20


def _undated_line(undated: list[str]) -> str:
    noun = "article" if len(undated) == 1 else "articles"
    if not undated:
        return f"0 {noun} without a date"
    more = len(undated) - UNDATED_SHOWN
    names = ", ".join(undated[:UNDATED_SHOWN]) + (f" and {more} more (--json lists all)" if more > 0 else "")
    return f"{len(undated)} {noun} without a date: {names}"
