"""The running object graph that the composition root builds and the web app uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs
from aiohttp import web

from claw_adapters.knowledge.venue import VenueKnowledge
from claw_adapters.openphone.signatures import WebhookVerifier
from claw_domain.ports import Clock
from claw_domain.senders import Lines
from claw_entrypoints.config import ClawConfig
from claw_entrypoints.web.metrics import Metrics
from claw_service.application import ClawApplication
from claw_service.dispatcher import EffectDispatcher, EffectPorts
from claw_service.intake import TextIntake
from claw_service.knowledge import LiveVenue
from claw_service.processor import ConversationProcessor
from claw_service.projector import Projector
from claw_service.worker import DueWork, Worker


@attrs.define
class Runtime:
    config: ClawConfig
    app: ClawApplication
    intake: TextIntake  # appends the texts webhooks accept
    venue: VenueKnowledge  # the knowledge as it was at start
    ports: EffectPorts
    processor: ConversationProcessor
    dispatcher: EffectDispatcher
    work: DueWork
    worker: Worker
    projector: Projector
    metrics: Metrics
    verifier: WebhookVerifier | None
    clock: Clock
    lines: Lines  # the venue's lines and staff phones: who is never a customer
    # The knowledge published in the log, followed live (None when a test fixed the venue).
    knowledge: LiveVenue[VenueKnowledge] | None = None
    dry_run: tuple[str, ...] = ()
    closers: list[Callable[[], Awaitable[None]]] = attrs.Factory(list)

    def current_lines(self) -> Lines:
        """The lines and staff phones now: the configured ones and the knowledge's."""
        if self.knowledge is None:
            return self.lines
        venue = self.knowledge.current
        return Lines.of(
            {*self.lines.venue_lines, *venue.own_numbers},
            {*self.lines.staff_numbers, *venue.staff_numbers},
        )

    async def aclose(self) -> None:
        for close in reversed(self.closers):
            await close()
        self.closers.clear()
        self.app.close()


RUNTIME = web.AppKey("claw_runtime", Runtime)
