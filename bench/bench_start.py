"""Start-up: `qa --help`, `qa ask` to its printed answer, `python app.py` to its first /ask answer.

Each is a cold Python process, the median of --runs; beside it the same command on a checkout of
--baseline (default fd34c51, the commit before issue 12's fast start, which loads the whole
SentenceTransformer to ask), taken in the same run, the two trees' runs interleaved. Then where
this tree's start-up time goes: each import and load step timed on its own.

    python bench/bench_start.py --runs 3
"""

from __future__ import annotations

import argparse
import io
import os
import shlex
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "fd34c51"
QUESTION = "Welk aanbod wees Sheinbaum af?"
# The goals of issue 12, in seconds.
GOALS = {"help": 0.5, "ask": 3.0, "app": 6.0}
LABELS = {
    "help": "qa --help",
    "ask": "qa ask, to its printed answer",
    "app": "python app.py, to its first /ask answer",
}
# No LLM (an answer would wait for it) and no settings from the caller's shell.
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("QA_")},
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}


def checkout(revision: str, target: Path) -> Path:
    """The package and the app as they were at `revision`, in `target`."""
    archive = subprocess.run(
        ["git", "archive", revision, "qa", "app.py"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def build(tree: Path, corpus: Path, index: Path) -> None:
    """The index, built by the tree's own `qa build`, so each tree reads the format it writes."""
    command = [sys.executable, "-m", "qa", "build", "--corpus", str(corpus), "--index", str(index)]
    subprocess.run(command, cwd=tree, env=ENV, capture_output=True, check=True)


def time_help(tree: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "qa", "--help"], cwd=tree, env=ENV, capture_output=True, check=True)
    return time.perf_counter() - started


def time_ask(tree: Path, index: Path) -> float:
    """Seconds until `qa ask` has printed its answer (it prints it whole, flushed, in one write)."""
    command = [sys.executable, "-m", "qa", "ask", "--index", str(index), QUESTION]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=tree, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert process.stdout is not None
    first = process.stdout.readline()
    seconds = time.perf_counter() - started
    process.stdout.read()
    if process.wait() != 0 or not first.startswith(b"?"):
        raise SystemExit(f"qa ask failed in {tree}")
    return seconds


# Where a start's time goes: each step timed inside a fresh Python, after its setup has run.
# {index} and {port} are filled in; the process ends at once (os._exit), so a server started by
# the last steps does not hold it.
_APP = "import app; from pathlib import Path; settings = app.AppSettings(index=Path({index!r}), port={port})"
STEPS = {
    "import qa.cli, qa.answering (faiss, bm25s, numpy)": ("", "import qa.cli, qa.answering"),
    "import torch": ("", "import torch"),
    "load the USE network (weights, tokeniser)": (
        "import torch; from qa.encoders.use_network import packaged_network",
        "packaged_network('cpu')",
    ),
    "import sentence_transformers (after torch)": ("import torch", "import sentence_transformers"),
    "import gradio": ("", "import gradio"),
    "import app (after gradio and qa.answering)": ("import gradio, qa.answering", "import app"),
    "open the index with its query encoder": (
        "import torch, qa.encoders.use_network, qa.answering; from pathlib import Path",
        "qa.answering.retriever_for(Path({index!r}))",
    ),
    "build the app's Blocks": (_APP, "demo = app.build_app(settings)"),
    "launch the app (server listening)": (
        f"{_APP}; demo = app.build_app(settings)",
        "app.launch(demo, settings, block=False)",
    ),
}


def time_step(setup: str, step: str, index: Path) -> float:
    fill = {"index": str(index), "port": free_port()}
    timed = (
        f"{setup.format(**fill)}\nimport os, time\nstarted = time.perf_counter()\n{step.format(**fill)}\n"
        "print(time.perf_counter() - started, flush=True)\nos._exit(0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", timed], cwd=ROOT, env=ENV, capture_output=True, text=True, check=True
    )
    return float(result.stdout.split()[-1])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def time_app(tree: Path, index: Path, corpus: Path, timeout: float = 120) -> float:
    """Seconds from starting `python app.py` until its /ask API has answered one question."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/gradio_api/call/ask"
    command = [sys.executable, "app.py", "--corpus", str(corpus), "--index", str(index), "--port", str(port)]
    # The question, k, since, until, category, use_period and (since follow-up questions) the
    # conversation's earlier answers, none here: as many as the tree's /ask takes, which its
    # API description says once it listens.
    inputs: list | None = None
    started = time.perf_counter()
    server = subprocess.Popen(
        command, cwd=tree, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        with httpx.Client(timeout=timeout) as client:
            while time.perf_counter() - started < timeout:
                if server.poll() is not None:
                    raise SystemExit(f"app.py in {tree} exited with code {server.returncode}")
                try:
                    if inputs is None:
                        info = client.get(f"http://127.0.0.1:{port}/gradio_api/info").raise_for_status()
                        taken = len(info.json()["named_endpoints"]["/ask"]["parameters"])
                        inputs = [QUESTION, 5, "", "", "", True, None][:taken]
                    # Gradio's REST protocol: post the inputs, then read the event's result stream.
                    posted = client.post(url, json={"data": inputs})
                except httpx.TransportError:  # not listening yet
                    time.sleep(0.05)
                    continue
                event = posted.raise_for_status().json()["event_id"]
                result = client.get(f"{url}/{event}").raise_for_status().text
                if not result.startswith("event: complete"):
                    raise SystemExit(f"app.py in {tree} did not answer: {result[:200]}")
                return time.perf_counter() - started
        raise SystemExit(f"app.py in {tree} did not answer within {timeout:.0f} s")
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="cold starts timed per command and tree")
    parser.add_argument(
        "--baseline", default=BASELINE, help=f"git revision to compare with (default {BASELINE})"
    )
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    args = parser.parse_args()
    options = ["--runs", str(args.runs)]
    options += ["--baseline", args.baseline] if args.baseline != BASELINE else []
    options += ["--corpus", str(args.corpus)] if args.corpus != ROOT / "corpus" else []
    corpus = args.corpus.resolve()

    with tempfile.TemporaryDirectory() as tmp:
        trees = {args.baseline: checkout(args.baseline, Path(tmp) / "baseline"), "this tree": ROOT}
        indexes = {name: Path(tmp) / f"index-{i}" for i, name in enumerate(trees)}
        for name, tree in trees.items():
            build(tree, corpus, indexes[name])
        commands: dict[str, Callable[[Path, Path], float]] = {
            "help": lambda tree, index: time_help(tree),
            "ask": time_ask,
            "app": lambda tree, index: time_app(tree, index, corpus),
        }
        times: dict[tuple[str, str], list[float]] = {}
        for name, tree in trees.items():  # untimed: the files each command reads are in the page cache
            for command in commands.values():
                command(tree, indexes[name])
        for _ in range(args.runs):
            for what, command in commands.items():
                for name, tree in trees.items():
                    times.setdefault((what, name), []).append(command(tree, indexes[name]))
        steps = {
            label: statistics.median(time_step(setup, step, indexes["this tree"]) for _ in range(args.runs))
            for label, (setup, step) in STEPS.items()
        }

    print(f"command: python bench/bench_start.py {shlex.join(options)}")
    files = len(list(corpus.iterdir()))
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}; {corpus.name}/: {files} files")
    print(f"seconds, median of {args.runs} cold starts (each run listed)")
    print(f"{'':40} {'goal':>5}  {args.baseline:>22}  {'this tree':>22}")
    for what, label in LABELS.items():
        cells = []
        for name in trees:
            runs = times[(what, name)]
            cells.append(f"{statistics.median(runs):5.2f} ({' '.join(f'{t:.2f}' for t in runs)})")
        print(f"{label:40} {GOALS[what]:5.1f}  {cells[0]:>22}  {cells[1]:>22}")
    print(f"\nwhere the time goes (this tree, seconds, median of {args.runs})")
    for label, seconds in steps.items():
        print(f"{label:52} {seconds:5.2f}")


if __name__ == "__main__":
    main()
