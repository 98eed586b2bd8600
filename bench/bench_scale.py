"""The index at 10k, 100k and 1M chunks, built by the real `qa build` path from a generated archive.

For each size: a `.jsonl` archive from make_archive.py (sharded into files of 1,000 articles, as a
newsroom exports by month), built with `build_index`; then one article added, one changed and one
removed, each a `build_index` of the same corpus; then `ask` latency, cold start, peak memory and
disk per chunk. Every phase runs in a process of its own, so that its peak RSS is its own.
Baselines in the same run: a full rebuild for each update (the build phase), and for asking the
obvious implementation, FAISS flat over float32 vectors plus rank_bm25 (up to 100k chunks: at a
million rank_bm25 needs more memory and minutes per question). Vectors come from
derived.py (the real model once per distinct sentence); everything else is the real path.

    python bench/bench_scale.py --sizes 10000 100000 1000000 --work /tmp/scale --plot BENCHMARKS-scale.png
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SHARD_ARTICLES = 1000
ASK_QUESTIONS = 40
BASELINE_MAX_CHUNKS = 100_000
NEW_ARTICLE = (
    "De gemeente Maastricht opent een opvangcentrum voor 250 asielzoekers aan de Maas.\n\n"
    "Het centrum komt in een leegstaand kantoor en gaat in maart open. De burgemeester noemt "
    "het een tijdelijke oplossing voor de drukte in Ter Apel."
)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- phases, each in its own process --------------------------------------------------------


def _encoder(work: Path):
    """The derived encoder, its sentence cache kept in `work` so that later phases need no model call."""
    import numpy as np
    from derived import DerivedEncoder

    from qa.encoders import DEFAULT_MODEL, load_encoder

    encoder = DerivedEncoder(load_encoder(DEFAULT_MODEL))
    cache = work / "derived-cache.npz"
    if cache.exists():
        with np.load(cache, allow_pickle=False) as saved:
            encoder.cache.update(zip(saved["keys"].tolist(), saved["vectors"], strict=True))
    return encoder


def _save_cache(work: Path, encoder) -> None:
    import numpy as np

    keys = list(encoder.cache)
    np.savez(
        work / "derived-cache.npz", keys=np.array(keys), vectors=np.stack([encoder.cache[k] for k in keys])
    )


def phase_build(work: Path) -> dict:
    """A full build of the corpus; with an index already there, one update of what changed."""
    from qa.build import build_index

    encoder = _encoder(work)
    started = time.perf_counter()
    report = build_index(work / "corpus", work / "index", encoder=encoder, log=lambda _: None)
    seconds = time.perf_counter() - started
    _save_cache(work, encoder)
    return {
        "seconds": seconds,
        "embedding_seconds": sum(report.embedding_seconds.values()),
        "chunks": report.total_chunks,
        "articles": report.total_articles,
        "chunks_embedded": report.chunks_embedded,
        "added": len(report.added),
        "changed": len(report.changed),
        "removed": len(report.removed),
        "skipped": len(report.skipped),
        "peak_mb": _peak_mb(),
    }


def phase_ask(work: Path) -> dict:
    """Cold start (open the index, load the query encoder, first answer), then latency per question."""
    started = time.perf_counter()
    from qa.answering import ask
    from qa.evaluate import load_questions
    from qa.search import Retriever

    retriever = Retriever.open(work / "index")
    questions = [q.question for q in load_questions(ROOT / "eval" / "devarchive" / "questions.tsv")]
    ask(questions[0], retriever=retriever)
    cold = time.perf_counter() - started
    latencies = []
    for question in questions[1 : ASK_QUESTIONS + 1]:
        t = time.perf_counter()
        ask(question, retriever=retriever)
        latencies.append(time.perf_counter() - t)
    stats = retriever.stats()
    return {
        "cold_start_s": cold,
        **_percentiles(latencies),
        "peak_mb": _peak_mb(),
        "disk_bytes": stats["disk_bytes"]["total"],
        "chunks": stats["chunks"],
        "segments": [(s["kind"], s["chunks"]) for s in stats["segments"]],
    }


def phase_baseline(work: Path) -> dict:
    """FAISS flat over float32 plus rank_bm25, fused by reciprocal rank: what a first version does."""
    import faiss
    import numpy as np
    from rank_bm25 import BM25Okapi

    from qa.chunkstore import ChunkStore
    from qa.encoders import DEFAULT_MODEL, load_query_encoder
    from qa.evaluate import load_questions
    from qa.lexical import terms
    from qa.manifest import read_manifest
    from qa.vectors import read_segment, segment_contents

    folder = work / "index"
    manifest = read_manifest(folder)
    store = ChunkStore.open(folder / manifest.chunk_store, manifest.generation)
    live = store.live_ids()
    parts = [segment_contents(read_segment(folder / f"{s.name}.faiss")) for s in manifest.segments]
    ids, vectors = np.concatenate([i for i, _ in parts]), np.concatenate([v for _, v in parts])
    keep = np.isin(ids, live)
    ids, vectors = ids[keep], vectors[keep].astype(np.float32)
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    with store.reading() as db:
        text_of = {
            chunk_id: text[start:end]
            for chunk_id, text, start, end in db.execute(
                'SELECT c.id, a.text, c.start, c."end" FROM chunks c JOIN articles a '
                "ON a.id = c.article_id AND a.added = c.article_added WHERE c.removed IS NULL"
            )
        }
    texts = [text_of[int(i)] for i in ids]
    started = time.perf_counter()
    bm25 = BM25Okapi([terms(t) for t in texts])
    setup = time.perf_counter() - started
    encoder = load_query_encoder(DEFAULT_MODEL)
    questions = [q.question for q in load_questions(ROOT / "eval" / "devarchive" / "questions.tsv")]
    latencies = []
    for question in questions[1 : ASK_QUESTIONS + 1]:
        t = time.perf_counter()
        q = encoder.encode_query([question]).astype(np.float32)
        _, dense = flat.search(q, 50)
        lexical = np.argsort(-bm25.get_scores(terms(question)))[:50]
        fused: dict[int, float] = {}
        for ranking in (dense[0], lexical):
            for rank, i in enumerate(ranking, start=1):
                fused[int(i)] = fused.get(int(i), 0.0) + 1 / (60 + rank)
        sorted(fused, key=fused.get, reverse=True)[:5]
        latencies.append(time.perf_counter() - t)
    return {**_percentiles(latencies), "bm25_setup_s": setup, "peak_mb": _peak_mb()}


PHASES = {"build": phase_build, "ask": phase_ask, "baseline": phase_baseline}


def _percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))] * 1000,
    }


# --- the run --------------------------------------------------------------------------------


def _run(phase: str, work: Path) -> dict:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--work", str(work)], capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"phase {phase} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - started
    return result


def write_corpus(work: Path, n_chunks: int) -> int:
    """Shards of the generated archive, enough articles for about `n_chunks` chunks."""
    from make_archive import articles

    from qa.articles import parse_article, read_archive
    from qa.chunking import ChunkSettings, chunk_article

    sample = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in articles(300)).encode()
    rows = read_archive("sample.jsonl", Path("sample.jsonl"), io.BytesIO(sample))
    per_article = statistics.mean(len(chunk_article(parse_article(row), ChunkSettings())) for row in rows)
    n = max(1, round(n_chunks / per_article))
    corpus = work / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    handle = None
    for i, row in enumerate(articles(n)):
        if i % SHARD_ARTICLES == 0:
            if handle:
                handle.close()
            handle = (corpus / f"archief-{i // SHARD_ARTICLES:04d}.jsonl").open("w", encoding="utf-8")
        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    if handle:
        handle.close()
    return n


def _edit_row(shard: Path, row: int, change: str | None) -> None:
    """Append `change` to the text of line `row` of `shard`, or remove that line when None."""
    lines = shard.read_text(encoding="utf-8").splitlines(keepends=True)
    if change is None:
        del lines[row]
    else:
        data = json.loads(lines[row])
        data["text"] += change
        lines[row] = json.dumps(data, ensure_ascii=False) + "\n"
    shard.write_text("".join(lines), encoding="utf-8")


def measure(size: int, work: Path, log) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(work / "index", ignore_errors=True)
    n = write_corpus(work, size)
    log(f"{size}: {n} articles written")
    result = {"target_chunks": size, "articles": n, "build": _run("build", work)}
    log(f"  build {result['build']}")
    (work / "corpus" / "nieuw.txt").write_text(f"Opvang in Maastricht\n\n{NEW_ARTICLE}\n", encoding="utf-8")
    result["add"] = _run("build", work)
    log(f"  add {result['add']}")
    shard = work / "corpus" / "archief-0000.jsonl"
    _edit_row(shard, 10, " " + NEW_ARTICLE.split("\n\n")[1])
    result["change"] = _run("build", work)
    log(f"  change {result['change']}")
    _edit_row(shard, 10, None)
    result["remove"] = _run("build", work)
    log(f"  remove {result['remove']}")
    result["ask"] = _run("ask", work)
    log(f"  ask {result['ask']}")
    if result["build"]["chunks"] <= BASELINE_MAX_CHUNKS:
        result["baseline"] = _run("baseline", work)
        log(f"  baseline {result['baseline']}")
    return result


def table(results: list[dict]) -> str:
    rows = ["| | " + " | ".join(f"{r['build']['chunks']:,} chunks" for r in results) + " |"]
    rows.append("| --- |" + " --- |" * len(results))

    def row(label: str, cell) -> None:
        rows.append(f"| {label} | " + " | ".join(cell(r) for r in results) + " |")

    def build(r: dict) -> str:
        b = r["build"]
        return (
            f"{b['seconds']:.0f} s, {b['chunks'] / b['seconds']:,.0f} chunks/s, peak {b['peak_mb']:,.0f} MB"
        )

    row("full build (baseline for updates)", build)
    for name in ("add", "change", "remove"):
        row(f"{name} one article", lambda r, name=name: f"{r[name]['seconds']:.2f} s "
            f"({r['build']['seconds'] / r[name]['seconds']:.0f}x faster than a rebuild)")  # fmt: skip
    row("ask p50 / p95", lambda r: f"{r['ask']['p50_ms']:.0f} / {r['ask']['p95_ms']:.0f} ms")
    row(
        "baseline FAISS flat + rank_bm25 p50 / p95",
        lambda r: (
            f"{r['baseline']['p50_ms']:.0f} / {r['baseline']['p95_ms']:.0f} ms" if "baseline" in r else "—"
        ),
    )
    row("cold start to first answer", lambda r: f"{r['ask']['cold_start_s']:.1f} s")
    row("peak RSS while answering", lambda r: f"{r['ask']['peak_mb']:,.0f} MB")
    row("disk per chunk", lambda r: f"{r['ask']['disk_bytes'] / r['ask']['chunks']:,.0f} B")
    row("segments (kind, chunks)", lambda r: ", ".join(f"{k} {c:,}" for k, c in r["ask"]["segments"]))
    return "\n".join(rows)


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["build"]["chunks"] for r in results]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    ax = axes[0]
    ax.plot(sizes, [r["ask"]["p50_ms"] for r in results], "o-", label="ask p50")
    ax.plot(sizes, [r["ask"]["p95_ms"] for r in results], "o--", label="ask p95")
    with_baseline = [r for r in results if "baseline" in r]
    if with_baseline:
        x = [r["build"]["chunks"] for r in with_baseline]
        y = [r["baseline"]["p50_ms"] for r in with_baseline]
        ax.plot(x, y, "s:", label="baseline p50 (FAISS flat + rank_bm25)")
    ax.set(title="Question latency", xlabel="chunks", ylabel="ms", xscale="log", yscale="log")
    ax.legend()
    ax = axes[1]
    ax.plot(sizes, [r["ask"]["peak_mb"] for r in results], "o-", label="peak RSS answering")
    ax.plot(sizes, [r["build"]["peak_mb"] for r in results], "o--", label="peak RSS full build")
    ax.axhline(2500, color="grey", lw=0.8, ls=":", label="goal 2.5 GB (answering)")
    ax.set(title="Memory", xlabel="chunks", ylabel="MB", xscale="log")
    ax.legend()
    ax = axes[2]
    for name in ("add", "change", "remove"):
        ax.plot(sizes, [r[name]["seconds"] for r in results], "o-", label=f"{name} one article")
    ax.plot(sizes, [r["build"]["seconds"] for r in results], "s:", label="baseline: full rebuild")
    ax.axhline(2, color="grey", lw=0.8, ls=":", label="goal 2 s")
    ax.set(title="Update time", xlabel="chunks", ylabel="s", xscale="log", yscale="log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/qa-scale"))
    parser.add_argument("--plot", type=Path, help="write the PNG plot here")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](args.work)))
        return
    print(f"command: python bench/bench_scale.py --sizes {' '.join(map(str, args.sizes))}")
    print(f"{os.cpu_count()} CPUs")
    results = []
    for size in args.sizes:
        results.append(measure(size, args.work / str(size), lambda line: print(line, flush=True)))
        (args.work / "results.json").write_text(json.dumps(results, indent=1))
    print(table(results))
    if args.plot:
        plot(results, args.plot)
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
