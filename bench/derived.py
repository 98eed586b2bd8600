"""Vectors derived cheaply from the real model, for benchmarks at a million chunks.

Embedding a million chunks with the real model takes hours on two cores (bench_encoder.py has
that figure); what the scale benchmarks measure is everything around it. The archives they build
(make_archive.py) recombine a few thousand distinct sentences, so each distinct sentence is
embedded once with the real model and a text's vector is the normalised mean of its sentences'
vectors: real vectors with an archive's clustering, at the cost of a dictionary lookup.
"""

from __future__ import annotations

import re

import numpy as np

from qa.chunking import sentence_spans

# make_archive.py numbers its titles, "Kabinet valt (1234)": the number is not worth a model call.
_NUMBERED = re.compile(r" \(\d+\)$")


class DerivedEncoder:
    """Stands in for a SentenceTransformer in `build_index(encoder=...)`."""

    def __init__(self, model):
        self.model = model
        self.cache: dict[str, np.ndarray] = {}
        self.model_calls = 0

    def get_embedding_dimension(self) -> int:
        return self.model.get_embedding_dimension()

    def _sentences(self, text: str) -> list[str]:
        found = []
        for line in text.split("\n"):
            line = _NUMBERED.sub("", line.strip())
            if line:
                found += [line[s:e] for s, e in sentence_spans(line)] if line not in self.cache else [line]
        return found

    def encode_document(self, texts: list[str], **kwargs) -> np.ndarray:
        per_text = [self._sentences(t) for t in texts]
        missing = sorted({s for sentences in per_text for s in sentences if s not in self.cache})
        if missing:
            self.model_calls += len(missing)
            vectors = self.model.encode_document(missing, normalize_embeddings=True, batch_size=64)
            self.cache.update(zip(missing, vectors, strict=True))
        dimension = self.get_embedding_dimension()
        out = np.zeros((len(texts), dimension), dtype=np.float32)
        for row, sentences in enumerate(per_text):
            if sentences:
                out[row] = np.mean([self.cache[s] for s in sentences], axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)
