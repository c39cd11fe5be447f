"""``claw eval``: measure the local classifier machinery on a labelled intent dataset."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import attrs

DEFAULT_DATASET = Path("../shared/datasets/clinc150/data_full.json")
DEFAULT_VENUE_SET = Path("tests/data/venue_texts.jsonl")


def register(subparsers: Any) -> None:
    # ``Any`` because argparse's subparsers action type is private (_SubParsersAction).
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "eval",
        help="train and test the local intent classifier on a labelled dataset",
        description=(
            "Train the local classifier on the dataset's train split, choose thresholds on "
            "val, and report in-scope accuracy, out-of-scope recall, the share answered at "
            "95% precision and the time per message on test (CLINC150 data_full.json format)."
        ),
    )
    parser.add_argument(
        "--path",
        type=Path,
        default=DEFAULT_DATASET,
        help="CLINC150-format JSON file (default: %(default)s)",
    )
    parser.add_argument(
        "--c", type=float, default=1.0, help="SVM regularisation C (default: %(default)s)"
    )
    parser.add_argument(
        "--model",
        choices=("tfidf", "embeddings"),
        default="tfidf",
        help=(
            "tfidf: the default word and character TF-IDF model; embeddings: TF-IDF plus "
            "sentence embeddings (needs the 'embeddings' extra) (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--timing-sample",
        type=int,
        default=500,
        help="messages to time one at a time (default: %(default)s)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")
    venue = parser.add_argument_group(
        "venue evaluation",
        "run labelled customer texts through the whole application (demo venue, fake "
        "vendors, no LLM) and judge claw's decisions instead",
    )
    venue.add_argument("--venue", action="store_true", help="evaluate decisions on a venue set")
    venue.add_argument(
        "--venue-file",
        type=Path,
        default=DEFAULT_VENUE_SET,
        help="JSON-lines venue evaluation set (default: %(default)s)",
    )
    venue.add_argument(
        "--split",
        choices=("heldout", "train"),
        default="heldout",
        help="which part of the venue set the headline numbers are on (default: %(default)s)",
    )
    parser.set_defaults(handler=run)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _table(report: dict[str, Any], path: Path) -> str:
    rows = [
        ("dataset", str(path)),
        ("model", str(report["model"])),
        (
            "labels / train / test / oos test",
            (
                f"{report['labels']} / {report['train_examples']} / "
                f"{report['test_examples']} / {report['oos_test_examples']}"
            ),
        ),
        ("in-scope accuracy", _percent(report["in_scope_accuracy"])),
        ("  without rejection", _percent(report["in_scope_accuracy_without_rejection"])),
        ("out-of-scope recall", _percent(report["oos_recall"])),
        ("coverage at 95% precision", _percent(report["coverage_at_95"])),
        ("  precision reached on test", _percent(report["coverage_precision_on_test"])),
        (
            "ms per message (mean / p95)",
            (f"{report['ms_per_message']:.2f} / {report['ms_per_message_p95']:.2f}"),
        ),
        ("training seconds", f"{report['train_seconds']:.1f}"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


def run(args: argparse.Namespace) -> int:
    if args.venue:
        from claw_entrypoints.commands.venue_eval import run_venue  # noqa: PLC0415

        return run_venue(args)
    # Imported here so that `claw --help` does not pay for scikit-learn.
    from claw_adapters.understanding.embeddings import (  # noqa: PLC0415
        EmbeddingsUnavailableError,
        default_embedder,
    )
    from claw_adapters.understanding.evaluation import (  # noqa: PLC0415
        DatasetError,
        evaluate,
        load_clinc_format,
    )
    from claw_adapters.understanding.local_model import ModelSettings  # noqa: PLC0415

    if args.c <= 0:
        print("claw eval: --c must be positive, e.g. --c 1.0", file=sys.stderr)
        return 2
    try:
        dataset = load_clinc_format(args.path)
        embedder = default_embedder() if args.model == "embeddings" else None
        report = evaluate(
            dataset, ModelSettings(c=args.c), embedder=embedder, timing_sample=args.timing_sample
        )
    except EmbeddingsUnavailableError as error:
        print(f"claw eval: --model embeddings: {error}", file=sys.stderr)
        return 2
    except DatasetError as error:
        print(f"claw eval: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        print(f"claw eval: cannot train on {args.path}: {error}", file=sys.stderr)
        return 2
    numbers = attrs.asdict(report)
    if args.json:
        print(json.dumps(numbers, indent=2, sort_keys=True))
    else:
        print(_table(numbers, args.path))
    return 0
