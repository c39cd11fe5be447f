"""``POST /webhooks/openphone``: verify, parse, drop duplicates, append, answer fast.

Nothing slow happens here: the text is appended and the worker is woken; the
LLM and every vendor call come after the 2xx. A rejected request stores nothing.

Texts are appended by the runtime's ``TextIntake`` (``claw_service/intake.py``) with a
group commit: the texts that arrive while one write is in progress are written
together in the next transaction, and each request is answered once its own text is
durable.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime

import structlog
from aiohttp import web

from claw_adapters.openphone import (
    IgnoredWebhook,
    MalformedWebhookError,
    WebhookCall,
    WebhookMessage,
    WebhookSignatureError,
    parse_webhook,
)
from claw_domain.missed_calls import texts_back_missed_calls
from claw_domain.senders import SetAsideReason, set_aside_reason
from claw_domain.values import InboundText
from claw_entrypoints.runtime import RUNTIME, Runtime
from claw_service.intake import TextIntake
from claw_service.set_aside import set_aside_text, tell_staff_of_malformed_sender

log = structlog.get_logger("claw.webhook")


def _problem(status: int, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=status)


async def openphone_webhook(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    started = time.perf_counter()
    try:
        return await _handle(runtime, request)
    finally:
        runtime.metrics.webhook_seconds.observe(time.perf_counter() - started)


async def _handle(runtime: Runtime, request: web.Request) -> web.Response:
    metrics = runtime.metrics
    if (
        request.content_length is not None
        and request.content_length > runtime.config.max_webhook_bytes
    ):
        metrics.rejected_webhooks.labels(reason="too_large").inc()
        return _problem(413, f"body over {runtime.config.max_webhook_bytes} bytes")
    body = await request.read()
    if len(body) > runtime.config.max_webhook_bytes:
        metrics.rejected_webhooks.labels(reason="too_large").inc()
        return _problem(413, f"body over {runtime.config.max_webhook_bytes} bytes")
    delivery_id: str | None = None
    if runtime.verifier is not None:
        try:
            delivery = runtime.verifier.verify(body, request.headers, now=runtime.clock.now())
        except WebhookSignatureError as error:
            metrics.rejected_webhooks.labels(reason="signature").inc()
            log.warning("webhook_signature_rejected", reason=str(error))
            return _problem(401, str(error))
        delivery_id = delivery.delivery_id
    try:
        parsed = parse_webhook(body)
    except MalformedWebhookError as error:
        metrics.rejected_webhooks.labels(reason="malformed").inc()
        log.warning("webhook_malformed", reason=str(error))
        return _problem(400, str(error))
    if isinstance(parsed, IgnoredWebhook):
        return web.json_response({"status": "ignored", "reason": parsed.reason.value})
    if isinstance(parsed, WebhookCall):
        return await _call(runtime, parsed)
    return await _record(runtime, runtime.intake, parsed, delivery_id)


async def _call(runtime: Runtime, call: WebhookCall) -> web.Response:
    """A call on the line: one nobody answered may get a text (claw_domain/missed_calls.py)."""
    if not call.missed:
        return web.json_response({"status": "ignored", "reason": "not_a_missed_call"})
    settings = await asyncio.to_thread(runtime.app.settings)
    if not texts_back_missed_calls(settings):
        # The feature is off: the call is staff's, and claw keeps no conversation for it.
        return web.json_response({"status": "ignored", "reason": "missed_call_feature_off"})
    reason = set_aside_reason(call.customer_number, call.venue_number, runtime.lines)
    if reason is not None:
        # Not a customer on a venue line (a staff phone, an own number): never texted.
        return web.json_response({"status": "ignored", "reason": reason.value})
    outcome = await asyncio.to_thread(
        runtime.app.receive_missed_call,
        call.venue_number,
        call.customer_number,
        call.call_id,
        runtime.clock.now(),
    )
    if outcome is None:
        runtime.metrics.duplicates.inc()
        return web.json_response({"status": "duplicate"})
    runtime.worker.wake.set()
    log.info("missed_call", decision=outcome.decision.kind.value if outcome.decision else None)
    return web.json_response(
        {
            "status": "accepted",
            "decision": outcome.decision.kind.value if outcome.decision else None,
            "notification_id": outcome.notification_id,
        },
        status=202,
    )


async def _record(
    runtime: Runtime, intake: TextIntake, message: WebhookMessage, delivery_id: str | None
) -> web.Response:
    correlation_id = delivery_id or message.event_id or uuid.uuid4().hex
    now = runtime.clock.now()
    with structlog.contextvars.bound_contextvars(correlation_id=correlation_id):
        if not message.is_incoming:
            await asyncio.to_thread(
                runtime.app.record_outbound_text,
                message.venue_number,
                message.customer_number,
                message.message_id,
                message.text,
                now,
            )
            return web.json_response({"status": "recorded", "direction": "outgoing"})
        inbound = message.to_inbound_text(correlation_id=correlation_id)
        if runtime.knowledge is not None:  # a line added a moment ago is known here too
            await asyncio.to_thread(runtime.knowledge.follow)
        lines = runtime.current_lines()
        reason = set_aside_reason(inbound.customer_number, inbound.venue_line, lines)
        if reason is not None:
            return await _set_aside(runtime, intake, inbound, reason, now)
        result = await intake.receive(inbound, now)
        if not result.accepted:
            runtime.metrics.duplicates.inc()
            log.info("webhook_duplicate", message_id=message.message_id)
            return web.json_response({"status": "duplicate"})
        runtime.metrics.received.inc()
        runtime.worker.wake.set()
        log.info("text_received", length=len(inbound.body))
        return web.json_response(
            {
                "status": "accepted",
                "conversation_id": str(result.conversation_id),
                "notification_id": result.notification_id,
            },
            status=202,
        )


async def _set_aside(
    runtime: Runtime, intake: TextIntake, text: InboundText, reason: SetAsideReason, now: datetime
) -> web.Response:
    """Not a customer, or not the venue's line: recorded, never answered."""
    result = await asyncio.to_thread(set_aside_text, runtime.app, text, reason, now)
    if result.outcome.duplicate:
        runtime.metrics.duplicates.inc()
        return web.json_response({"status": "duplicate"})
    runtime.metrics.set_aside.labels(reason=reason.value).inc()
    log.info("text_set_aside", reason=reason.value, length=len(text.body))
    if result.outcome.alert_staff:
        intake.in_background(
            tell_staff_of_malformed_sender(
                runtime.app, runtime.ports.staff, result, text.venue_line
            )
        )
    return web.json_response(
        {"status": "set_aside", "reason": reason.value, "notification_id": result.notification_id}
    )
