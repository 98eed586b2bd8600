"""Shared fixtures: the real default encoder loaded once, the seed index built once per session."""

from __future__ import annotations

import os

# No hub exists here: any attempt to download must fail loudly, not hang.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# milvus-lite's full-text engine logs every commit unless told otherwise.
os.environ.setdefault("RUST_LOG", "error")
# Answers under test are the extractive ones unless a test starts its own LLM server.
for _name in ("QA_LLM_URL", "QA_LLM_MODEL", "QA_MODEL", "QA_INDEX", "QA_CORPUS", "QA_STORE", "QA_COLLECTION"):
    os.environ.pop(_name, None)

import shutil
from pathlib import Path

import numpy as np
import pytest

from qa.build import build_index
from qa.encoders import DEFAULT_MODEL, load_encoder
from qa.store import VectorSettings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus"


class CountingEncoder:
    """The real encoder, counting what the build asks it to embed (to test what gets re-embedded)."""

    def __init__(self, model):
        self.model = model
        self.embedded: list[str] = []

    def encode_document(self, texts, **kwargs) -> np.ndarray:
        self.embedded.extend(texts)
        return self.model.encode_document(texts, **kwargs)

    def get_embedding_dimension(self) -> int:
        return self.model.get_embedding_dimension()


@pytest.fixture(scope="session")
def encoder():
    return load_encoder(DEFAULT_MODEL)


@pytest.fixture
def counting(encoder) -> CountingEncoder:
    return CountingEncoder(encoder)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A private copy of the shipped seed articles."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, encoder) -> Path:
    """The seed corpus built once with the default model; copy it before changing it."""
    folder = tmp_path_factory.mktemp("seed") / "index"
    build_index(SEEDS, folder, encoder=encoder, log=lambda _: None)
    return folder


@pytest.fixture(scope="session")
def devarchive_index(tmp_path_factory, encoder) -> Path:
    """The dev archive as EVAL.md measures it: its articles and the seeds, where every figure
    recurs for other years and parties."""
    root = tmp_path_factory.mktemp("devarchive")
    shutil.copytree(ROOT / "eval" / "devarchive" / "corpus", root / "corpus")
    for seed in SEEDS.iterdir():
        shutil.copyfile(seed, root / "corpus" / seed.name)
    build_index(root / "corpus", root / "index", encoder=encoder, log=lambda _: None)
    return root / "index"


# Every index type behind the seam, and the Milvus backend (on milvus-lite); the retrieval and
# search suites run against each.
INDEX_TYPES = ["flat", "ivf", "milvus"]


@pytest.fixture(scope="session", params=INDEX_TYPES)
def typed_index(request, tmp_path_factory, encoder) -> Path:
    """The seed corpus built once per index type (a folder, or a milvus-lite file for "milvus");
    read it, do not change it."""
    if request.param == "milvus":
        store = tmp_path_factory.mktemp("seed-milvus") / "index.db"
        build_index(SEEDS, store, encoder=encoder, log=lambda _: None)
        return store
    folder = tmp_path_factory.mktemp(f"seed-{request.param}") / "index"
    build_index(
        SEEDS, folder, encoder=encoder, log=lambda _: None, vectors=VectorSettings(kind=request.param)
    )
    return folder


@pytest.fixture
def index(tmp_path, seed_index) -> Path:
    """A private, already built copy of the seed index."""
    target = tmp_path / "index"
    shutil.copytree(seed_index, target)
    return target
