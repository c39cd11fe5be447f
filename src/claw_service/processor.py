"""Processing one conversation: understand its new texts, then decide.

Nothing slow happens in the webhook handler: it only appends the text. This
runs afterwards, one conversation at a time, and calls the LLM (through the
understanding port) outside of any database transaction.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from uuid import UUID

import structlog

from claw_domain.decisions import Decision, DecisionKind
from claw_domain.ports import Clock, LlmDraft, Understanding
from claw_service.application import ClawApplication, Outcome, TextToUnderstand

log = structlog.get_logger("claw.processor")


class ConversationProcessor:
    def __init__(
        self,
        app: ClawApplication,
        understanding: Understanding,
        clock: Clock,
        on_decision: Callable[[Decision], None] | None = None,
        drafter: Callable[[str], Awaitable[LlmDraft]] | None = None,
        observe_seconds: Callable[[float], None] | None = None,
    ) -> None:
        self.app = app
        self.understanding = understanding
        self.clock = clock
        self.on_decision = on_decision
        # Drafts for suggestions the knowledge base cannot answer; staff review them.
        self.drafter = drafter
        self.observe_seconds = observe_seconds
        # One conversation at a time: a second call for the same one waits.
        self._locks: dict[UUID, asyncio.Lock] = {}

    async def process(self, conversation_id: UUID) -> Decision | None:
        lock = self._locks.setdefault(conversation_id, asyncio.Lock())
        async with lock:
            started = time.perf_counter()
            try:
                return await self._process(conversation_id)
            finally:
                if self.observe_seconds is not None:
                    self.observe_seconds(time.perf_counter() - started)

    async def _process(self, conversation_id: UUID) -> Decision | None:
        work = await asyncio.to_thread(self.app.begin_processing, conversation_id, self.clock.now())
        if isinstance(work, TextToUnderstand):
            with structlog.contextvars.bound_contextvars(correlation_id=work.correlation_id):
                classification = await self.understanding.understand(work.text, work.context)
                log.info(
                    "text_understood",
                    intent=classification.intent.value,
                    confidence=round(classification.confidence, 3),
                    source=classification.source.value,
                )
                text = work.text
                work = await asyncio.to_thread(
                    self.app.decide_on_text,
                    conversation_id,
                    classification,
                    text,
                    work.through,
                    self.clock.now(),
                )
                await self._draft_if_useful(conversation_id, work, text)
        return self._report(work)

    async def _draft_if_useful(self, conversation_id: UUID, outcome: Outcome, text: str) -> None:
        decision = outcome.decision
        if (
            self.drafter is None
            or decision is None
            or decision.kind is not DecisionKind.SUGGEST
            or decision.reply is not None
            or outcome.decision_number is None
        ):
            return
        try:
            draft = await self.drafter(text)
        except Exception as error:
            # No draft is fine: staff write the answer. The suggestion is already queued.
            log.info("draft_unavailable", error=type(error).__name__)
            return
        await asyncio.to_thread(
            self.app.record_suggestion_draft,
            conversation_id,
            outcome.decision_number,
            draft.text,
            draft.usage,
            self.clock.now(),
        )

    def _report(self, outcome: Outcome) -> Decision | None:
        decision = outcome.decision
        if decision is not None:
            log.info(
                "decided",
                decision=decision.kind.value,
                reason=decision.reason.value,
                intent=decision.intent.value,
            )
            if self.on_decision is not None:
                self.on_decision(decision)
        return decision
