"""``make bench``: claw's performance on SQLite and PostgreSQL, in one run, one table.

Run as ``.venv/bin/python -m benchmarks.run`` (or ``benchmarks/run.py``) from the
repository root. Writes ``benchmarks/results/latest.json``. Everything is on
127.0.0.1: a ``claw serve`` subprocess, fake vendors served by this process, a
fresh SQLite file and a fresh PostgreSQL schema (dropped afterwards).

``--quick`` shrinks every phase for a smoke test; ``--backend`` picks one;
``--only long_conversation`` runs that phase alone and merges its figures into
the existing results file.
``CLAW_BENCH_PROFILE=<dir>`` records py-spy folded stacks of the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import BACKENDS, POSTGRES_URL, fresh_database, postgres_reachable
from benchmarks.long_conversation import is_phase_key, long_conversation, long_conversation_rows
from benchmarks.serve_load import LoadSettings, serve_and_load, summarise_log
from benchmarks.storage import audit_replay, raw_append_rate, rebuild_alone, rebuild_and_read

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
LONG_CONVERSATION = "long_conversation"
REBUILD = "rebuild"
# The figures ``--only rebuild`` measures (and replaces in --output).
REBUILD_KEYS = (
    "log_events",
    "rebuild_events_per_s",
    "raw_read_events_per_s",
    "rebuild_ratio_to_raw_read",
)


def _settings(quick: bool) -> dict[str, Any]:
    if quick:
        return {
            "load": LoadSettings(
                reply_rate_per_s=5,
                reply_texts=25,
                load_texts=200,
                load_seconds=15,
                drain_seconds=20,
            ),
            "append_seconds": 1.0,
            "append_runs": 1,
            "rebuild_runs": 1,
            "replay_events": 300,
            "replay_runs": 3,
            "long_sizes": (10, 200, 500),
            "long_repeats": 5,
            "rebuild_log": (200, 3),
        }
    return {
        "load": LoadSettings(),
        "append_seconds": 2.0,
        "append_runs": 3,
        "rebuild_runs": 3,
        "replay_events": 1000,
        "replay_runs": 7,
        "long_sizes": (10, 1000, 5000),
        "long_repeats": 9,
        "rebuild_log": (1500, 1),  # customers, texts each: the served load's log, in shape and size
    }


def bench_long_conversation(
    backend: str, settings: dict[str, Any], say: Callable[[str], None]
) -> dict[str, Any]:
    """On a database of its own, so a rerun alone gives the same figures as a full run."""
    sizes = settings["long_sizes"]
    say(
        f"  [{backend}] receipt-to-decision at conversation lengths "
        f"{', '.join(str(n) for n in sizes)}, median of {settings['long_repeats']} texts"
    )
    began = time.perf_counter()
    with fresh_database(backend) as database:
        found = long_conversation(database, sizes, settings["long_repeats"], say)
    return {**found, "long_conversation_seconds": time.perf_counter() - began}


def bench_rebuild(
    backend: str, settings: dict[str, Any], say: Callable[[str], None]
) -> dict[str, Any]:
    """The rebuild phase alone, on a log filled in-process (no server, no load)."""
    customers, texts_each = settings["rebuild_log"]
    say(
        f"  [{backend}] projection rebuild vs raw read on {customers} customers x "
        f"{texts_each} texts, {settings['rebuild_runs']} runs"
    )
    with fresh_database(backend) as database:
        return rebuild_alone(database, customers, texts_each, settings["rebuild_runs"])


def bench_backend(
    backend: str, settings: dict[str, Any], say: Callable[[str], None]
) -> dict[str, Any]:
    began = time.perf_counter()
    with fresh_database(backend) as database:

        def baseline() -> float:
            say(f"  [{backend}] raw library append, {settings['append_seconds']:g}s")
            return raw_append_rate(database, settings["append_seconds"], max_saves=50_000)

        served, env = asyncio.run(serve_and_load(database, settings["load"], say, baseline))
        served["server_log_errors"] = summarise_log(database.workdir / "serve.log")
        say(f"  [{backend}] raw library append again, {settings['append_runs']} runs")
        appends = [
            raw_append_rate(database, settings["append_seconds"], max_saves=50_000)
            for _ in range(settings["append_runs"])
        ]
        say(f"  [{backend}] audit replay of a {settings['replay_events']}-event conversation")
        replay = audit_replay(env, settings["replay_events"], settings["replay_runs"])
        say(f"  [{backend}] projection rebuild vs raw read, {settings['rebuild_runs']} runs")
        rebuild = rebuild_and_read(env, settings["rebuild_runs"])
    longer = bench_long_conversation(backend, settings, say)
    return {
        **served,
        # Taken again after the server stopped: how much the shared disk moved meanwhile.
        "raw_append_events_per_s_after": sorted(appends)[len(appends) // 2],
        "throughput_ratio_to_raw_append": served["throughput_msgs_per_s"]
        / served["raw_append_events_per_s"],
        **rebuild,
        **replay,
        **longer,
        "bench_seconds": time.perf_counter() - began,
    }


# name, JSON key, format, target (callable -> bool) and its words
Row = tuple[str, str, str, Callable[[float], bool] | None, str]
ROWS: list[Row] = [
    ("webhook ack p50 under load (ms)", "webhook_ack_p50_ms", "{:.1f}", None, ""),
    ("webhook ack p99 under load (ms)", "webhook_ack_p99_ms", "{:.1f}", None, ""),
    ("webhook ack p99 at steady rate (ms)", "webhook_ack_p99_ms_steady", "{:.1f}", None, ""),
    ("inbound texts/s (acknowledged)", "throughput_msgs_per_s", "{:.0f}", None, ""),
    ("raw library append/s, just before", "raw_append_events_per_s", "{:.0f}", None, ""),
    (
        "  throughput / raw append",
        "throughput_ratio_to_raw_append",
        "{:.2f}",
        lambda v: v >= 0.3,
        ">= 0.3",
    ),
    ("raw library append/s, after (median)", "raw_append_events_per_s_after", "{:.0f}", None, ""),
    ("texts decided/s, burst to last decision", "decided_msgs_per_s", "{:.0f}", None, ""),
    (
        "texts answered/s while the backlog drains",
        "answered_msgs_per_s",
        "{:.1f}",
        None,
        "<= 10 (OpenPhone)",
    ),
    ("reply p50, debounce 0 (ms)", "reply_p50_ms", "{:.1f}", None, ""),
    ("reply p95, debounce 0 (ms)", "reply_p95_ms", "{:.1f}", lambda v: v < 250, "< 250"),
    ("projection rebuild events/s", "rebuild_events_per_s", "{:.0f}", None, ""),
    ("raw library read+decode events/s", "raw_read_events_per_s", "{:.0f}", None, ""),
    ("  rebuild / raw read", "rebuild_ratio_to_raw_read", "{:.2f}", lambda v: v >= 0.5, ">= 0.5"),
    (
        "audit replay, 1,000 events (ms)",
        "replay_1000_events_ms",
        "{:.1f}",
        lambda v: v < 100,
        "< 100",
    ),
    ("server peak RSS (MB)", "peak_rss_mb", "{:.0f}", lambda v: v < 200, "< 200"),
]


def _cell(
    results: dict[str, Any] | None, key: str, fmt: str, target: Callable[[float], bool] | None
) -> str:
    if results is None or "skipped" in results:
        return "skipped"
    value = results.get(key)
    if not isinstance(value, int | float) or math.isnan(value):
        return "n/a"
    text = fmt.format(value)
    if target is not None:
        text += " ok" if target(value) else " MISS"
    return text


def table(results: dict[str, dict[str, Any]], rows: list[Row]) -> str:
    headers = ["measure", *BACKENDS, "target"]
    lines = [
        [name, *(_cell(results.get(b), key, fmt, target) for b in BACKENDS), words]
        for name, key, fmt, target, words in rows
    ]
    widths = [max(len(row[i]) for row in [headers, *lines]) for i in range(len(headers))]

    def render(row: list[str]) -> str:
        return (
            "| "
            + " | ".join(
                cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                for i, cell in enumerate(row)
            )
            + " |"
        )

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([render(headers), rule, *(render(row) for row in lines)])


def _finite(value: Any) -> Any:
    """JSON without NaN: a measure that could not be taken is null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small phases, for a smoke test")
    parser.add_argument("--backend", choices=BACKENDS, action="append", help="only this one")
    parser.add_argument("--output", type=Path, default=RESULTS, help="default %(default)s")
    parser.add_argument(
        "--only",
        choices=[LONG_CONVERSATION, REBUILD],
        help="run this phase alone; its figures replace its old ones in --output",
    )
    args = parser.parse_args(argv)
    settings = _settings(args.quick)
    # The in-process phases run claw's use cases: keep their info logs off the table.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    backends = args.backend or list(BACKENDS)

    def say(line: str) -> None:
        print(line, flush=True)

    load: LoadSettings = settings["load"]
    say(
        f"claw bench: {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"CLAW_DEBOUNCE_SECONDS=0 for every server measure (the 3 s default is deliberate "
        f"waiting for split texts, not latency)"
    )
    if not args.only:
        say(
            f"  reply latency at a steady {load.reply_rate_per_s:g} texts/s; load: "
            f"{load.load_texts} texts from distinct customers, {load.concurrency} concurrent "
            f"senders, at most {load.load_seconds:g}s"
        )
    results: dict[str, dict[str, Any]] = {}
    for backend in backends:
        if backend == "postgres" and (why := postgres_reachable()) is not None:
            say(f"  [postgres] skipped: {POSTGRES_URL} unreachable ({why})")
            results[backend] = {"skipped": why}
            continue
        say(f"{backend}:")
        if args.only == LONG_CONVERSATION:
            results[backend] = bench_long_conversation(backend, settings, say)
        elif args.only == REBUILD:
            results[backend] = bench_rebuild(backend, settings, say)
        else:
            results[backend] = bench_backend(backend, settings, say)
    long_rows = long_conversation_rows(settings["long_sizes"])
    say("")
    only_rows = {LONG_CONVERSATION: long_rows, REBUILD: [r for r in ROWS if r[1] in REBUILD_KEYS]}
    say(table(results, only_rows[args.only] if args.only else [*ROWS, *long_rows]))
    say("")
    for backend, found in results.items():
        if "skipped" in found or args.only:
            continue
        say(
            f"{backend}: {found['load_accepted']}/{found['load_texts_sent']} load texts "
            f"acknowledged in {found['load_seconds']:.1f}s, {found['load_decided']} decided "
            f"within {found['load_decide_wait_seconds']:.0f}s more, {found['load_answered']} "
            f"answered by then; reply phase "
            f"{found['reply_answered']}/{found['reply_texts']} answered; log of "
            f"{found['log_events']} events; server errors logged: {found['server_log_errors']}; "
            f"{found['bench_seconds']:.0f}s"
        )
    meta: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "long_conversation_sizes": list(settings["long_sizes"]),
        "long_conversation_repeats": settings["long_repeats"],
    }
    if args.only:
        document = _merged(args.output, results, meta, args.only)
    else:
        document = {**results, "meta": _meta(load, meta)}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(_finite(document), indent=2, sort_keys=True) + "\n")
    say(f"\nwrote {args.output}")
    return 0


def _meta(load: LoadSettings, phase: dict[str, Any]) -> dict[str, Any]:
    return {
        **phase,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "debounce_seconds": 0.0,
        "reply_rate_per_s": load.reply_rate_per_s,
        "load_texts": load.load_texts,
        "load_seconds_cap": load.load_seconds,
        "concurrency": load.concurrency,
    }


def _merged(
    output: Path, results: dict[str, dict[str, Any]], phase: dict[str, Any], only: str
) -> dict[str, Any]:
    """The existing results with the figures of phase ``only`` (and only those) replaced."""

    def of_phase(key: str) -> bool:
        return is_phase_key(key) if only == LONG_CONVERSATION else key in REBUILD_KEYS

    document: dict[str, Any] = json.loads(output.read_text()) if output.exists() else {}
    for backend, found in results.items():
        if "skipped" in found:
            continue  # the figures of a backend not reached this time stay as they were
        kept = {
            key: value
            for key, value in document.get(backend, {}).items()
            if not of_phase(key) and key != "skipped"
        }
        document[backend] = {**kept, **found}
    document.setdefault("meta", {})[only] = {
        **phase,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    return document


if __name__ == "__main__":
    sys.exit(main())
