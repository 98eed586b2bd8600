"""The Milvus backend beside the local one, in the same run: ingest, updates, questions, migrate.

A generated archive of about N chunks (bench_scale.write_corpus: make_archive.py's recombined
articles in shards of 1,000) is built by the real `qa build` path twice, into a folder and into a
milvus-lite file, with the same derived vectors (derived.py; the embedding time is measured and
left out of the write rate, so both pay the same for it); then one article is added, changed and
removed in each; then both answer the same 40 dev-archive questions with `qa.ask`, alternating
question by question so that a busy machine slows both alike; then `qa migrate` copies the
folder into a second milvus-lite file. Each phase runs in a process of its own.

    python bench/bench_milvus.py --chunks 10000 --work /tmp/qa-milvus-bench

milvus-lite runs Milvus's engine in a process beside ours, over a local socket; a server adds a
network round trip to each of the 6 to 10 calls a question makes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("RUST_LOG", "error")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scale import (  # noqa: E402
    ASK_QUESTIONS,
    NEW_ARTICLE,
    _edit_row,
    _encoder,
    _percentiles,
    _save_cache,
    write_corpus,
)

TARGETS = {"local": "index", "milvus": "index.db"}


def phase_build(work: Path, target: str) -> dict:
    """A full build into `target` (a folder or a .db file); with an index there, one update."""
    from qa.build import build_index

    encoder = _encoder(work)
    started = time.perf_counter()
    report = build_index(work / "corpus", work / TARGETS[target], encoder=encoder, log=lambda _: None)
    seconds = time.perf_counter() - started
    _save_cache(work, encoder)
    embedding = sum(report.embedding_seconds.values())
    return {
        "seconds": seconds,
        "embedding_seconds": embedding,
        "chunks": report.total_chunks,
        "chunks_embedded": report.chunks_embedded,
        "sentences_embedded": report.sentences_embedded,
    }


def phase_cold(work: Path, target: str) -> dict:
    """Open the index, load the query encoder, answer one question."""
    started = time.perf_counter()
    from qa.answering import ask
    from qa.search import Retriever

    retriever = Retriever.open(work / TARGETS[target])
    ask("Hoeveel asielaanvragen waren er in 2021?", retriever=retriever)
    return {"cold_start_s": time.perf_counter() - started}


def phase_ask(work: Path, target: str) -> dict:
    """Both backends in one process, question by question in turn."""
    from qa.answering import ask
    from qa.evaluate import load_questions
    from qa.search import Retriever

    retrievers = {name: Retriever.open(work / path) for name, path in TARGETS.items()}
    questions = [q.question for q in load_questions(ROOT / "eval" / "devarchive" / "questions.tsv")]
    for retriever in retrievers.values():
        ask(questions[0], retriever=retriever)
    latencies: dict[str, list[float]] = {name: [] for name in retrievers}
    same = 0
    for question in questions[1 : ASK_QUESTIONS + 1]:
        answers = {}
        for name, retriever in retrievers.items():
            t = time.perf_counter()
            answers[name] = ask(question, retriever=retriever)
            latencies[name].append(time.perf_counter() - t)
        same += answers["local"].text == answers["milvus"].text
    return {
        **{name: _percentiles(samples) for name, samples in latencies.items()},
        "same_answer": same,
        "questions": len(latencies["local"]),
        "disk_bytes": {
            "local": sum(p.stat().st_size for p in (work / TARGETS["local"]).iterdir() if p.is_file()),
            "milvus": (work / TARGETS["milvus"]).stat().st_size,
        },
    }


def phase_migrate(work: Path, target: str) -> dict:
    from qa.location import locate
    from qa.migrate import migrate

    copy = work / "migrated.db"
    copy.unlink(missing_ok=True)
    started = time.perf_counter()
    manifest = migrate(work / TARGETS["local"], locate(copy), log=lambda _: None)
    return {"seconds": time.perf_counter() - started, "chunks": manifest.chunks}


PHASES = {"build": phase_build, "cold": phase_cold, "ask": phase_ask, "migrate": phase_migrate}


def _run(phase: str, work: Path, target: str = "local") -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--target", target, "--work", str(work)],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"phase {phase} {target} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(chunks: int, work: Path, log) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    for path in TARGETS.values():
        shutil.rmtree(work / path, ignore_errors=True) if path == "index" else (work / path).unlink(
            missing_ok=True
        )
    log(f"{write_corpus(work, chunks)} articles written")
    result: dict = {"build": {}, "add": {}, "change": {}, "remove": {}, "cold": {}}
    # The derived vectors' cache is filled by the first build; a warm-up build makes both timed
    # builds find every sentence in it.
    _run("build", work, "local")
    shutil.rmtree(work / "index")
    for target in TARGETS:
        result["build"][target] = _run("build", work, target)
        log(f"  build {target} {result['build'][target]}")
    (work / "corpus" / "nieuw.txt").write_text(f"Opvang in Maastricht\n\n{NEW_ARTICLE}\n", encoding="utf-8")
    steps = [("add", None), ("change", " " + NEW_ARTICLE.split("\n\n")[1]), ("remove", None)]
    shard = work / "corpus" / "archief-0000.jsonl"
    for step, change in steps:
        if step != "add":
            _edit_row(shard, 10, change)
        for target in TARGETS:
            result[step][target] = _run("build", work, target)
            log(f"  {step} {target} {result[step][target]}")
    for target in TARGETS:
        result["cold"][target] = _run("cold", work, target)
    result["ask"] = _run("ask", work)
    log(f"  ask {result['ask']}")
    result["migrate"] = _run("migrate", work)
    log(f"  migrate {result['migrate']}")
    return result


def table(r: dict) -> str:
    rows = [f"| {r['build']['local']['chunks']:,} chunks | local (FAISS + SQLite) | milvus-lite 2.5.1 |"]
    rows.append("| --- | --- | --- |")

    def row(label: str, cell) -> None:
        rows.append(f"| {label} | {cell('local')} | {cell('milvus')} |")

    def write_rate(t: str) -> str:
        b = r["build"][t]
        writing = b["seconds"] - b["embedding_seconds"]
        embedding = b["embedding_seconds"]
        return f"{b['chunks'] / writing:,.0f} chunks/s ({writing:.1f} s besides {embedding:.1f} s embedding)"

    row("full build: ingest rate without embedding", write_rate)
    for step in ("add", "change", "remove"):
        row(f"{step} one article", lambda t, step=step: f"{r[step][t]['seconds']:.2f} s")
    row("ask p50 / p95", lambda t: f"{r['ask'][t]['p50_ms']:.0f} / {r['ask'][t]['p95_ms']:.0f} ms")
    row("cold start to first answer", lambda t: f"{r['cold'][t]['cold_start_s']:.1f} s")
    row("on disk", lambda t: f"{r['ask']['disk_bytes'][t] / 1e6:.1f} MB")
    rows.append(
        f"\nSame answer text on {r['ask']['same_answer']} of {r['ask']['questions']} questions; "
        f"`qa migrate` of the local index: {r['migrate']['seconds']:.1f} s "
        f"({r['migrate']['chunks'] / r['migrate']['seconds']:,.0f} chunks/s)."
    )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/qa-milvus-bench"))
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("--target", choices=TARGETS, default="local", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args.work, args.target)))
        return
    print(f"command: python bench/bench_milvus.py --chunks {args.chunks}")
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
    result = measure(args.chunks, args.work, lambda line: print(line, flush=True))
    (args.work / "results.json").write_text(json.dumps(result, indent=1))
    print(table(result))


if __name__ == "__main__":
    main()
