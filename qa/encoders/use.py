"""USE multilingual v3 as a sentence-transformers module: how the default model is built, saved and loaded.

The network itself (tokeniser, weights, forward pass) is qa/encoders/use_network.py, which a question
uses directly; this module only adapts it to sentence-transformers' module interface.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from typing import Any, ClassVar, Self

from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules.input_module import InputModule
from sentencepiece import SentencePieceProcessor
from torch import Tensor

from qa.encoders.use_network import EMBEDDING_DIMENSION, USENetwork, default_device, packaged_network

# A saved folder's files, beside sentence-transformers' modules.json and our use_config.json.
TOKENIZER_FILE = "sp.model"
WEIGHTS_FILE = "model.safetensors"


class UniversalSentenceEncoder(InputModule):
    """USE multilingual v3: text in, unit-length 512-dim `sentence_embedding` out.

    A saved folder's modules.json names this class; its weights file holds the network's buffers
    under the network's own names (no `network.` prefix), so it loads into a bare `USENetwork` too.
    """

    config_file_name = "use_config.json"
    config_keys: ClassVar[list[str]] = ["tokenizer_threads"]

    def __init__(self, network: USENetwork) -> None:
        super().__init__()
        self.network = network

    @property
    def tokenizer(self) -> SentencePieceProcessor:
        return self.network.tokenizer

    @property
    def tokenizer_threads(self) -> int:
        return self.network.tokenizer_threads

    @tokenizer_threads.setter
    def tokenizer_threads(self, threads: int) -> None:
        self.network.tokenizer_threads = threads

    def preprocess(
        self, inputs: Sequence[str], prompt: str | None = None, **kwargs: Any
    ) -> dict[str, Tensor]:
        return self.network.tokenize([prompt + text for text in inputs] if prompt else inputs)

    def forward(self, features: dict[str, Tensor], **kwargs: Any) -> dict[str, Tensor]:
        features["sentence_embedding"] = self.network(features["input_ids"], features["attention_mask"])
        return features

    def get_embedding_dimension(self) -> int:
        return EMBEDDING_DIMENSION

    def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
        """Write the config, safetensors weights and SentencePiece model into `output_path`."""
        os.makedirs(output_path, exist_ok=True)
        self.save_config(output_path)
        self.network.save_weights(os.path.join(output_path, WEIGHTS_FILE))
        target = os.path.join(output_path, TOKENIZER_FILE)
        if os.path.abspath(self.network.tokenizer_file) != os.path.abspath(target):
            shutil.copyfile(self.network.tokenizer_file, target)

    @classmethod
    def load(
        cls,
        model_name_or_path: str,
        subfolder: str = "",
        token: bool | str | None = None,
        cache_folder: str | None = None,
        revision: str | None = None,
        local_files_only: bool = False,
        **kwargs: Any,
    ) -> Self:
        hub = {
            "subfolder": subfolder,
            "token": token,
            "cache_folder": cache_folder,
            "revision": revision,
            "local_files_only": local_files_only,
        }
        config = cls.load_config(model_name_or_path, **hub)
        tokenizer_file = cls.load_file_path(model_name_or_path, TOKENIZER_FILE, **hub)
        weights_file = cls.load_file_path(model_name_or_path, WEIGHTS_FILE, **hub)
        if tokenizer_file is None or weights_file is None:
            raise FileNotFoundError(
                f"{model_name_or_path}: a saved USE model needs {TOKENIZER_FILE} and {WEIGHTS_FILE}"
            )
        settings = {k: v for k, v in config.items() if k in cls.config_keys}
        return cls(USENetwork.from_files(tokenizer_file, weights_file, **settings))


def use_multilingual_v3(device: str | None = None) -> SentenceTransformer:
    """The default model "use-multilingual-v3": USE multilingual v3 from the installed package.

    Its network is the one question time loads (`packaged_network`), so the weights are in memory once.
    """
    device = device or default_device()
    return SentenceTransformer(modules=[UniversalSentenceEncoder(packaged_network(device))], device=device)
