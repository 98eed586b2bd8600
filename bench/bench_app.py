"""The web app's cost: `python app.py` start to first answer, and /ask latency over HTTP.

Latency through gradio_client at 1 and 8 concurrent clients is set against `qa.ask` called
directly (1 and 8 threads) in the same run, on the same index and questions (eval/dev.tsv):

    python bench/bench_app.py --requests 48
"""

from __future__ import annotations

import argparse
import os
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from gradio_client import Client

from qa.answering import ask
from qa.build import build_index
from qa.evaluate import load_questions

ROOT = Path(__file__).resolve().parent.parent


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def timed_concurrently(calls: list[Callable[[], object]], workers: int) -> list[float]:
    """Each call's latency, with `workers` of them running at once."""

    def one(call: Callable[[], object]) -> float:
        started = time.perf_counter()
        call()
        return time.perf_counter() - started

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, calls))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(corpus: Path, index: Path, port: int, timeout: float = 300) -> tuple[subprocess.Popen, float]:
    """`python app.py` in a process of its own, and the seconds until its first /ask answer."""
    started = time.perf_counter()
    server = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "app.py"),
            "--corpus",
            str(corpus),
            "--index",
            str(index),
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    while time.perf_counter() - started < timeout:
        if server.poll() is not None:
            raise SystemExit(f"app.py exited with code {server.returncode} before answering")
        try:
            Client(url, verbose=False).predict("Welk aanbod wees Sheinbaum af?", api_name="/ask")
            return server, time.perf_counter() - started
        except Exception:  # not listening yet
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"app.py did not answer within {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=48, help="questions timed at each setting")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    args = parser.parse_args()
    command = "python bench/bench_app.py " + shlex.join(
        ["--requests", str(args.requests)]
        + (["--corpus", str(args.corpus)] if args.corpus != ROOT / "corpus" else [])
    )
    dev = [q.question for q in load_questions(ROOT / "eval" / "dev.tsv")]
    questions = [dev[i % len(dev)] for i in range(args.requests)]

    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        build = build_index(args.corpus, index, log=lambda _: None)
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        server, first_answer = start_app(args.corpus, index, port)
        try:
            over_http: dict[int, list[float]] = {}
            for workers in (1, 8):
                # One client per concurrent caller, as separate users would have.
                clients = [Client(url, verbose=False) for _ in range(workers)]
                for client in clients:
                    client.predict(questions[0], api_name="/ask")  # warm: a client's first call sets it up
                calls = [
                    partial(clients[i % workers].predict, q, api_name="/ask") for i, q in enumerate(questions)
                ]
                over_http[workers] = timed_concurrently(calls, workers)
        finally:
            server.terminate()
            server.wait(30)

        # Directly, after the app has stopped, so the two never share the CPU.
        ask(questions[0], index=index)
        direct = {
            workers: timed_concurrently([partial(ask, q, index=index) for q in questions], workers)
            for workers in (1, 8)
        }

    print(f"command: {command}")
    print(
        f"{os.cpu_count()} CPUs; {build.total_articles} articles, {build.total_chunks} chunks "
        f"({build.model}); {args.requests} dev questions a setting"
    )
    print(f"app start to first answer (python app.py, index built): {first_answer:.1f} s")
    print(f"{'':28} {'p50 ms':>8} {'p95 ms':>8}   {'p50 ratio to direct':>20}")
    for workers in (1, 8):
        base50, base95 = percentiles(direct[workers])
        label = f"qa.ask direct, {workers} thread{'s' * (workers > 1)}"
        print(f"{label:28} {base50:8.0f} {base95:8.0f}   {'(baseline)':>20}")
        label = f"app /ask, {workers} client{'s' * (workers > 1)}"
        p50, p95 = percentiles(over_http[workers])
        print(f"{label:28} {p50:8.0f} {p95:8.0f}   {p50 / base50:19.2f}×")


if __name__ == "__main__":
    main()
