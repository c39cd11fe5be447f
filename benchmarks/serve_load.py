"""`claw serve` under load: webhook acknowledgement, receipt-to-reply, throughput, RSS.

The server is a real ``claw serve`` subprocess on 127.0.0.1 with the demo's
environment (a signing key, the fake OpenPhone, NinjaOne and UniFi Access that
this process serves). Every request is a signed OpenPhone ``message.received``
webhook from its own customer. Nothing leaves 127.0.0.1.

Two phases on one server:

* **reply**: a modest steady rate of knowledge-base questions; each text is timed
  from the moment its POST starts to the moment the fake OpenPhone accepts the
  reply. ``CLAW_DEBOUNCE_SECONDS=0``: the 3 s default is deliberate waiting for
  split texts, not latency.
* **load**: as many texts as a bounded number of concurrent senders can push,
  bounded in count and in time; acknowledgement latency and the accepted rate
  are measured, then the worker is given a bounded time to answer all of them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import attrs

from benchmarks.common import Database, bench_venue_file, percentile
from claw_adapters.fakes.openphone import message_received, signed_legacy_webhook
from claw_adapters.openphone import PayloadGeneration
from claw_entrypoints.demo import (
    METRICS_HEADERS,
    VENUE_LINE,
    DemoVendors,
    demo_environment,
    start_vendors,
)

QUESTIONS = (
    "what are your hours?",
    "What time do you close tonight?",
    "Do you sell gift cards?",
    "are you open 24 hours",
)


@attrs.frozen
class LoadSettings:
    reply_rate_per_s: float = 5.0
    reply_texts: int = 120
    load_texts: int = 1500
    load_seconds: float = 45.0
    concurrency: int = 16
    drain_seconds: float = 60.0
    reply_window_seconds: float = 10.0
    ready_seconds: float = 60.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def customer(phase: int, index: int) -> str:
    """A distinct, valid North American number per text: +1 902 7PP NNNN."""
    return f"+1902{700 + phase}{index:04d}"


def _signed(key: str, number: str, text: str) -> tuple[bytes, dict[str, str]]:
    payload = message_received(
        PayloadGeneration.APP,
        text=text,
        customer=number,
        venue=VENUE_LINE,
        created_at=datetime.now(UTC),
    )
    return signed_legacy_webhook(payload, key, int(time.time() * 1000))


def memory_of(pid: int) -> dict[str, float]:
    """VmHWM (peak resident set) and VmRSS of a process, in MB."""
    found: dict[str, float] = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmHWM", "VmRSS"):
                found[name] = int(value.split()[0]) / 1024
    return found


@attrs.define
class Server:
    env: Mapping[str, str]
    log_path: Path
    port: int = attrs.field(factory=_free_port)
    process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, within: float) -> None:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("CLAW_")}
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "claw_entrypoints.cli",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                env={**inherited, **self.env, "PYTHONUNBUFFERED": "1"},
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + within
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    msg = f"claw serve exited early; see {self.log_path}"
                    raise RuntimeError(msg)
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(f"{self.url}/readyz") as answer:
                        if answer.status == 200:
                            return
                await asyncio.sleep(0.2)
        msg = f"claw serve not ready within {within:g}s; see {self.log_path}"
        raise RuntimeError(msg)

    @property
    def pid(self) -> int:
        if self.process is None:
            msg = "server not started"
            raise RuntimeError(msg)
        return self.process.pid

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout=10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


@attrs.define
class Sent:
    number: str
    posted_at: float  # wall clock, to compare with the fake's acceptance time
    ack_ms: float
    status: int


async def _post(
    session: aiohttp.ClientSession, url: str, number: str, delivery: tuple[bytes, dict[str, str]]
) -> Sent:
    body, headers = delivery
    posted_at = time.time()
    began = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers) as answer:
            await answer.read()
            status = answer.status
    except (aiohttp.ClientError, TimeoutError):
        status = 0
    return Sent(number, posted_at, (time.perf_counter() - began) * 1000, status)


def _first_replies(vendors: DemoVendors, numbers: set[str]) -> dict[str, float]:
    """When the fake OpenPhone accepted the first text to each number (wall clock)."""
    first: dict[str, float] = {}
    for message in vendors.openphone.sent:
        if message.to in numbers and message.to not in first:
            first[message.to] = message.created_at.timestamp()
    return first


async def _await_replies(
    vendors: DemoVendors, numbers: set[str], within: float
) -> tuple[dict[str, float], float]:
    began = time.monotonic()
    deadline = began + within
    while time.monotonic() < deadline:
        if len(_first_replies(vendors, numbers)) >= len(numbers):
            break
        await asyncio.sleep(0.05)
    return _first_replies(vendors, numbers), time.monotonic() - began


async def decisions_made(session: aiohttp.ClientSession, server: Server) -> int:
    """The server's own count of decisions, from ``/metrics``."""
    async with session.get(f"{server.url}/metrics", headers=METRICS_HEADERS) as answer:
        text = await answer.text()
    return int(
        sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("claw_decisions_total{")
        )
    )


async def _await_decisions(
    session: aiohttp.ClientSession, server: Server, expected: int, within: float
) -> tuple[int, float]:
    """Poll until ``expected`` decisions are made or ``within`` seconds pass."""
    began = time.monotonic()
    made = 0
    while time.monotonic() - began < within:
        made = await decisions_made(session, server)
        if made >= expected:
            break
        await asyncio.sleep(0.1)
    return made, time.monotonic() - began


async def reply_phase(
    session: aiohttp.ClientSession,
    server: Server,
    vendors: DemoVendors,
    key: str,
    settings: LoadSettings,
) -> dict[str, Any]:
    url = f"{server.url}/webhooks/openphone"
    interval = 1 / settings.reply_rate_per_s
    tasks: list[asyncio.Task[Sent]] = []
    start = time.perf_counter()
    for index in range(settings.reply_texts):
        # A steady schedule, not "send when the last one returned".
        await asyncio.sleep(max(0.0, start + index * interval - time.perf_counter()))
        number = customer(1, index)
        delivery = _signed(key, number, QUESTIONS[index % len(QUESTIONS)])
        tasks.append(asyncio.create_task(_post(session, url, number, delivery)))
    sent = await asyncio.gather(*tasks)
    accepted = {s.number: s for s in sent if s.status == 202}
    replied, _ = await _await_replies(vendors, set(accepted), within=20.0)
    latencies = [(replied[n] - accepted[n].posted_at) * 1000 for n in replied]
    acks = [s.ack_ms for s in sent if s.status == 202]
    return {
        "reply_rate_per_s": settings.reply_rate_per_s,
        "reply_texts": len(sent),
        "reply_accepted": len(accepted),
        "reply_answered": len(replied),
        "reply_p50_ms": percentile(latencies, 50),
        "reply_p95_ms": percentile(latencies, 95),
        "reply_max_ms": max(latencies, default=float("nan")),
        "webhook_ack_p50_ms_steady": percentile(acks, 50),
        "webhook_ack_p99_ms_steady": percentile(acks, 99),
    }


async def load_phase(
    session: aiohttp.ClientSession,
    server: Server,
    vendors: DemoVendors,
    key: str,
    settings: LoadSettings,
) -> dict[str, Any]:
    url = f"{server.url}/webhooks/openphone"
    # Signed up front so the generator spends its time sending (signatures stay fresh:
    # the whole phase is far inside the verifier's tolerance).
    numbers = [customer(2, index) for index in range(settings.load_texts)]
    deliveries = [
        _signed(key, number, QUESTIONS[index % len(QUESTIONS)])
        for index, number in enumerate(numbers)
    ]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(numbers)):
        queue.put_nowait(index)
    results: list[Sent] = []
    rss_samples: list[float] = []
    decided_before = await decisions_made(session, server)
    began = time.perf_counter()
    stop_at = began + settings.load_seconds

    async def sender() -> None:
        while time.perf_counter() < stop_at:
            try:
                index = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            results.append(await _post(session, url, numbers[index], deliveries[index]))

    async def sample_rss() -> None:
        while True:
            rss_samples.append(memory_of(server.pid).get("VmRSS", 0.0))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample_rss())
    await asyncio.gather(*(sender() for _ in range(settings.concurrency)))
    elapsed = time.perf_counter() - began
    accepted = {s.number: s for s in results if s.status == 202}
    # The burst is in the log; wait (bounded) until the worker has decided every text.
    # Replies trail behind: claw sends at most 10 texts/s, OpenPhone's documented limit.
    decided, waited = await _await_decisions(
        session, server, decided_before + len(accepted), settings.drain_seconds
    )
    decided_after = time.perf_counter() - began
    # Replies trail the decisions; count how many go out in a short window.
    before = len(_first_replies(vendors, set(accepted)))
    await asyncio.sleep(settings.reply_window_seconds)
    replied = _first_replies(vendors, set(accepted))
    sampler.cancel()
    acks = [s.ack_ms for s in results if s.status == 202]
    latencies = [(replied[n] - accepted[n].posted_at) * 1000 for n in replied]
    return {
        "load_concurrency": settings.concurrency,
        "load_texts_sent": len(results),
        "load_accepted": len(accepted),
        "load_errors": len(results) - len(accepted),
        "load_seconds": elapsed,
        "throughput_msgs_per_s": len(accepted) / elapsed if elapsed > 0 else float("nan"),
        "webhook_ack_p50_ms": percentile(acks, 50),
        "webhook_ack_p99_ms": percentile(acks, 99),
        "webhook_ack_max_ms": max(acks, default=float("nan")),
        "load_decided": decided - decided_before,
        "load_decide_wait_seconds": waited,
        # From the first POST until every text was decided (or the wait ran out).
        "decided_msgs_per_s": (decided - decided_before) / decided_after,
        "load_answered": len(replied),
        # Replies going out while the backlog drains: OpenPhone's 10/s is the ceiling.
        "answered_msgs_per_s": (len(replied) - before) / settings.reply_window_seconds,
        "load_reply_p50_ms": percentile(latencies, 50),
        "load_reply_p95_ms": percentile(latencies, 95),
        "server_rss_mb_during_load_max": max(rss_samples, default=float("nan")),
    }


async def serve_and_load(
    database: Database,
    settings: LoadSettings,
    log: Any = print,
    baseline: Callable[[], float] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Both phases on one ``claw serve``; returns the measures and the server's environment."""
    vendors = await start_vendors()
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    env = demo_environment(vendors, database.url, key)
    env |= {
        "CLAW_DEBOUNCE_SECONDS": "0",
        "CLAW_LOG_FORMAT": "json",
        "CLAW_KNOWLEDGE_FILE": str(bench_venue_file(database.workdir)),
    }
    server = Server(env=env, log_path=database.workdir / "serve.log")
    connector = aiohttp.TCPConnector(limit=settings.concurrency * 2)
    timeout = aiohttp.ClientTimeout(total=30)
    try:
        await server.start(within=settings.ready_seconds)
        idle = memory_of(server.pid)
        profiler = await _start_profiler(server.pid, database)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            log(
                f"  [{database.backend}] reply latency: {settings.reply_texts} texts "
                f"at {settings.reply_rate_per_s:g}/s"
            )
            reply = await reply_phase(session, server, vendors, key, settings)
            log(
                f"  [{database.backend}] load: up to {settings.load_texts} texts, "
                f"{settings.concurrency} concurrent senders, {settings.load_seconds:g}s cap"
            )
            # The disk is shared and noisy: the raw baseline is taken right before the
            # burst (the server idle), so the ratio compares like with like.
            raw = await asyncio.to_thread(baseline) if baseline is not None else float("nan")
            load = await load_phase(session, server, vendors, key, settings)
        memory = memory_of(server.pid)
        await _stop_profiler(profiler)
        results = {
            **reply,
            **load,
            "raw_append_events_per_s": raw,
            "peak_rss_mb": memory.get("VmHWM", float("nan")),
            "idle_rss_mb": idle.get("VmRSS", float("nan")),
            "debounce_seconds": 0.0,
        }
    finally:
        await server.stop()
        await vendors.stop()
    return results, env


async def _start_profiler(pid: int, database: Database) -> asyncio.subprocess.Process | None:
    """With CLAW_BENCH_PROFILE=<dir>, py-spy samples the server (folded stacks) while loaded."""
    where = os.environ.get("CLAW_BENCH_PROFILE")
    if not where:
        return None
    output = Path(where) / f"serve-{database.backend}.folded"
    output.parent.mkdir(parents=True, exist_ok=True)
    py_spy = Path(sys.executable).with_name("py-spy")
    return await asyncio.create_subprocess_exec(
        str(py_spy),
        "record",
        "--pid",
        str(pid),
        "--format",
        "raw",
        "--rate",
        "200",
        "--output",
        str(output),
        "--threads",
        *(("--idle",) if os.environ.get("CLAW_BENCH_PROFILE_IDLE") else ()),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def _stop_profiler(profiler: asyncio.subprocess.Process | None) -> None:
    if profiler is None or profiler.returncode is not None:
        return
    profiler.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(profiler.wait(), timeout=30)
    except TimeoutError:
        profiler.kill()
        await profiler.wait()


def summarise_log(path: Path, names: Sequence[str] = ("error", "exception")) -> int:
    """How many log lines of the server mention an error (for the report)."""
    if not path.exists():
        return 0
    count = 0
    for line in path.read_text(errors="replace").splitlines():
        lowered = line.lower()
        if any(f'"level": "{name}"' in lowered or f'"level":"{name}"' in lowered for name in names):
            count += 1
    return count
