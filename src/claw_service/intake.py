"""One writer thread for inbound texts, group-committing those that queue up.

The web server hands every accepted text to the ``TextIntake`` the composition root
built; each request is answered once its own text is durable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import structlog

from claw_domain.values import InboundText
from claw_service.application import ClawApplication, IntakeResult

log = structlog.get_logger("claw.webhook")

# Texts per transaction at most: bounds one commit's size and the wait behind it.
MAX_TEXTS_PER_COMMIT = 64


class TextIntake:
    """Appends inbound texts from one thread, group-committing those that queue up.

    One writer thread instead of one pool thread per request: the intake's reads
    and writes stop competing with each other for SQLite's single writer (and the
    GIL), and under load one ``fsync`` covers every text that queued during the
    last one. Guarantees are the request's own: its future is resolved only after
    the transaction holding its text committed (or with the error that stopped
    it). When a shared transaction fails, nothing of it was saved and each of its
    texts is appended again on its own (retried on conflict), so one text's
    failure is never another's.
    """

    def __init__(self, app: ClawApplication, *, max_batch: int = MAX_TEXTS_PER_COMMIT) -> None:
        self.app = app
        self.max_batch = max_batch
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="claw-intake")
        self._queued: list[tuple[InboundText, datetime, asyncio.Future[IntakeResult]]] = []
        self._draining: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()
        # Set while no text waits to be appended: the worker lets acknowledgements go first.
        self.idle = asyncio.Event()
        self.idle.set()

    def in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` after the answer has gone; awaited at shutdown, never dropped early."""
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def receive(self, text: InboundText, at: datetime) -> IntakeResult:
        future: asyncio.Future[IntakeResult] = asyncio.get_running_loop().create_future()
        self._queued.append((text, at, future))
        self.idle.clear()
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain(), name="claw-intake")
        return await future

    async def _drain(self) -> None:
        try:
            await self._append_queued()
        finally:
            if not self._queued:
                self.idle.set()

    async def _append_queued(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queued:
            batch = self._queued[: self.max_batch]
            del self._queued[: self.max_batch]
            arrivals = [(text, at) for text, at, _ in batch]
            try:
                outcomes = await loop.run_in_executor(self._executor, self._append, arrivals)
            except BaseException as error:  # cancelled at shutdown: nobody is left waiting
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                raise
            for (_, _, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the request went away; its text is stored all the same
                    continue
                if isinstance(outcome, IntakeResult):
                    future.set_result(outcome)
                else:
                    future.set_exception(outcome)

    def _append(
        self, arrivals: list[tuple[InboundText, datetime]]
    ) -> list[IntakeResult | Exception]:
        if len(arrivals) > 1:
            try:
                return list(self.app.receive_texts(arrivals))
            except Exception:  # nothing was saved: each text again, alone
                log.info("intake_batch_retried_one_by_one", texts=len(arrivals))
        outcomes: list[IntakeResult | Exception] = []
        for text, at in arrivals:
            try:
                outcomes.append(self.app.receive_text(text, at))
            except Exception as error:  # that request answers with it
                outcomes.append(error)
        return outcomes

    async def aclose(self) -> None:
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        if self._draining is not None:
            await asyncio.gather(self._draining, return_exceptions=True)
        await asyncio.to_thread(self._executor.shutdown, wait=True)
