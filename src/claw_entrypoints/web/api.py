"""The admin API under ``/api/`` and the console that uses it.

Every change goes through a ``ClawApplication`` (or ``Accounts``) use case with
the logged-in user's name as the actor, so it is an event with its actor and
shows in the audit trail like any other. Reads come from ``ConsoleQueries``.

Hook in with ``add_console_routes(app)`` after ``app[RUNTIME]`` is set.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import attrs
from aiohttp import web
from eventsourcing.application import AggregateNotFoundError

from claw_adapters.persistence.console_secret import load_console_secret
from claw_adapters.persistence.console_sessions import open_session_store
from claw_domain.actions import action_spec
from claw_domain.errors import DomainError, NotFoundError
from claw_domain.settings import FeatureMode, FeatureSettings, QuietHours
from claw_domain.settings_input import SettingsInputError, with_changes
from claw_domain.text import clean
from claw_domain.values import Intent
from claw_entrypoints.runtime import RUNTIME
from claw_entrypoints.web.action_cards import with_who_and_where
from claw_entrypoints.web.auth import (
    CONSOLE,
    Console,
    Handler,
    Principal,
    clear_session_cookies,
    error,
    guarded,
    set_session_cookies,
)
from claw_entrypoints.web.connections_api import connections
from claw_entrypoints.web.console_pages import add_console_pages
from claw_entrypoints.web.console_settings import session_limits
from claw_entrypoints.web.knowledge_api import add_knowledge_routes
from claw_entrypoints.web.login_throttle import LoginGateFullError
from claw_entrypoints.web.queries import ProjectionQueries, open_counts
from claw_entrypoints.web.settings_groups import settings_groups
from claw_entrypoints.webhook_trust import trust_of_verifier
from claw_service.accounts import Accounts
from claw_service.console_keys import ConsoleKeys
from claw_service.console_sessions import SessionBook

MAX_TEXT = 1600  # OpenPhone's longest message; an edited reply longer than that is a mistake


class BadRequestError(ValueError):
    """The request body is not what the endpoint expects; the message says what is."""


class NoSuchItemError(LookupError):
    """The path names no item: a malformed id or number cannot name one."""


def _now(request: web.Request) -> datetime:
    return request.app[RUNTIME].clock.now()


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    if request.content_type != "application/json":
        msg = "send the body as JSON with Content-Type: application/json"
        raise BadRequestError(msg)
    try:
        body = await request.json()
    except ValueError:
        msg = "the body is not valid JSON"
        raise BadRequestError(msg) from None
    if not isinstance(body, dict):
        msg = "the body must be a JSON object"
        raise BadRequestError(msg)
    return body


def _text(body: Mapping[str, Any], name: str, *, default: str | None = None) -> str:
    value = body.get(name, default)
    # Console text reaches events (edited replies, reasons): cleaned like a customer's.
    if isinstance(value, str):
        value = clean(value).strip()
    if not isinstance(value, str) or not value:
        msg = f"{name!r} must be a non-empty string"
        raise BadRequestError(msg)
    if len(value) > MAX_TEXT:
        msg = f"{name!r} is longer than {MAX_TEXT} characters"
        raise BadRequestError(msg)
    return value


def _uuid(request: web.Request, name: str) -> UUID:
    try:
        return UUID(request.match_info[name])
    except ValueError:
        msg = f"no such {name}: the id must be a UUID"
        raise NoSuchItemError(msg) from None


def _number(request: web.Request) -> int:
    raw = request.match_info["number"]
    # ASCII only: str.isdigit() also holds for superscript two (int() refuses it) and
    # Arabic-Indic digits (int() reads them).
    if not (raw.isascii() and raw.isdigit()):
        msg = "no such item: the suggestion or ticket number must be a whole number"
        raise NoSuchItemError(msg)
    return int(raw)


def _with_errors(handler: Handler) -> Handler:
    """Turn what a user can get wrong into one-line JSON errors instead of 500s."""

    async def wrapped(request: web.Request, principal: Principal) -> web.StreamResponse:
        try:
            return await handler(request, principal)
        except BadRequestError as problem:
            return error(400, str(problem))
        except NoSuchItemError as problem:
            return error(404, str(problem))
        except (AggregateNotFoundError, NotFoundError, KeyError):
            # The same words for every id: which kind of record an id names is not for
            # the caller to learn by probing.
            return error(404, "no such item; it may have been removed meanwhile")
        except DomainError as problem:
            return error(409, str(problem))

    return wrapped


async def _run(request: web.Request, command: Callable[..., Any], *args: Any) -> Any:
    """Run a synchronous use case off the event loop, then wake the worker for its effects."""
    result = await asyncio.to_thread(command, *args)
    request.app[RUNTIME].worker.wake.set()
    return result


def _done(notification_id: int | None, **extra: Any) -> web.Response:
    return web.json_response({"ok": True, "notification_id": notification_id, **extra})


# Who am I -----------------------------------------------------------------------------


async def login(request: web.Request) -> web.StreamResponse:
    console = request.app[CONSOLE]
    try:
        body = await _body(request)
        if request.content_type != "application/json":
            # A cross-site form cannot send JSON without a CORS preflight, which claw
            # never grants: this keeps login itself safe from cross-site requests.
            msg = "send the body as JSON with Content-Type: application/json"
            raise BadRequestError(msg)
        name, password = _text(body, "name"), body.get("password")
    except BadRequestError as problem:
        return error(400, str(problem))
    if not isinstance(password, str):
        return error(400, "'password' must be a string")
    key, address, now = name.lower(), request.remote or "unknown", _now(request)
    wait = console.throttle.wait_seconds(address, key, now)
    if wait > 0:
        return _retry_later(429, f"Too many failed logins. {_wait_words(wait)}", wait)
    console.throttle.begin(address)
    try:
        candidate = await asyncio.to_thread(console.accounts.login_candidate, name)
        user = candidate.accepts(await console.gate.verify(password, candidate.password_hash))
    except LoginGateFullError:
        return _retry_later(429, f"Too many logins at once. {_wait_words(1)}", 1)
    finally:
        console.throttle.end(address)
    if user is None:
        console.throttle.failed(address, key, _now(request))
        return error(401, "wrong name or password")
    console.throttle.succeeded(address, key)
    session_id = await asyncio.to_thread(console.sessions.start, user, now)
    response = web.json_response({"name": user.name, "role": user.role.value})
    csrf = set_session_cookies(response, console, session_id)
    response.headers["X-CSRF-Token"] = csrf
    return response


def _wait_words(seconds: int) -> str:
    """What the login page shows under the form: words, not a unit a tired operator decodes."""
    unit = "second" if seconds == 1 else "seconds"
    return f"Wait {seconds} {unit}, then try again."


def _retry_later(status: int, message: str, seconds: int) -> web.Response:
    response = error(status, message, retry_after_seconds=seconds)
    response.headers["Retry-After"] = str(seconds)
    return response


async def logout(request: web.Request, principal: Principal) -> web.StreamResponse:
    if principal.session_id is not None:
        # Ended on the server: a copy of the cookie kept anywhere stops working too.
        await asyncio.to_thread(request.app[CONSOLE].sessions.end, principal.session_id)
    response = web.json_response({"ok": True})
    clear_session_cookies(response)
    return response


async def me(request: web.Request, principal: Principal) -> web.StreamResponse:
    return web.json_response(
        {"name": principal.user.name, "role": principal.user.role.value, "via": principal.via}
    )


async def status(request: web.Request, principal: Principal) -> web.StreamResponse:
    """What every console page shows: the stop, the queues' sizes, and the log position."""
    runtime, console = request.app[RUNTIME], request.app[CONSOLE]
    snapshot = await asyncio.to_thread(runtime.app.settings)
    counts = await asyncio.to_thread(open_counts, console.queries)
    position = await asyncio.to_thread(console.queries.position)
    skipped = await asyncio.to_thread(console.queries.skipped_events)
    stop = snapshot.emergency_stop
    return web.json_response(
        {
            "user": {"name": principal.user.name, "role": principal.user.role.value},
            "now": _now(request).isoformat(),
            "position": position,
            "settings_version": snapshot.version,
            "emergency_stop": None
            if stop is None
            else {
                "actor": stop.actor,
                "reason": stop.reason,
                "engaged_at": stop.engaged_at.isoformat(),
            },
            "counts": counts,
            "dry_run": list(runtime.dry_run),
            # Events the read side skipped: the pages above may miss them.
            "skipped_events": skipped,
            "webhooks": trust_of_verifier(runtime.verifier is not None).value,
        }
    )


# Settings (admin) ---------------------------------------------------------------------


def _quiet_hours_json(quiet: QuietHours | None) -> dict[str, str] | None:
    if quiet is None:
        return None
    return {"start": quiet.start.strftime("%H:%M"), "end": quiet.end.strftime("%H:%M")}


async def get_settings(request: web.Request, _principal: Principal) -> web.StreamResponse:
    snapshot = await asyncio.to_thread(request.app[RUNTIME].app.settings)
    rails = attrs.asdict(snapshot.globals, recurse=False)
    rails["quiet_hours"] = _quiet_hours_json(snapshot.globals.quiet_hours)
    stop = snapshot.emergency_stop
    return web.json_response(
        {
            "version": snapshot.version,
            "emergency_stop": None
            if stop is None
            else {"actor": stop.actor, "reason": stop.reason},
            "globals": rails,
            "features": {
                intent.value: {**attrs.asdict(feature), "mode": feature.mode.value}
                for intent, feature in sorted(snapshot.features.items())
            },
            "modes": [mode.value for mode in FeatureMode],
            "intents": [intent.value for intent in Intent],
            **settings_groups(),
        }
    )


def _field_error(problem: SettingsInputError) -> web.Response:
    """400 naming the field, so the console shows the error beside it."""
    return error(400, str(problem), field=".".join(str(part) for part in problem.at))


async def put_feature(request: web.Request, principal: Principal) -> web.StreamResponse:
    try:
        intent = Intent(request.match_info["intent"])
    except ValueError:
        raise BadRequestError(f"unknown intent {request.match_info['intent']!r}") from None
    runtime = request.app[RUNTIME]
    body = await _body(request)
    snapshot = await asyncio.to_thread(runtime.app.settings)
    try:
        feature = with_changes(snapshot.feature(intent) or FeatureSettings(), body)
    except SettingsInputError as problem:
        return _field_error(problem)
    notification = await _run(
        request, runtime.app.change_feature, intent, feature, principal.actor, _now(request)
    )
    return _done(notification)


async def put_globals(request: web.Request, principal: Principal) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    body = await _body(request)
    snapshot = await asyncio.to_thread(runtime.app.settings)
    try:
        rails = with_changes(snapshot.globals, body)
    except SettingsInputError as problem:
        return _field_error(problem)
    notification = await _run(
        request, runtime.app.change_globals, rails, principal.actor, _now(request)
    )
    return _done(notification)


# The emergency stop -----------------------------------------------------------------------


async def engage_stop(request: web.Request, principal: Principal) -> web.StreamResponse:
    body = await _body(request)
    reason = _text(body, "reason", default="engaged from the console")
    app = request.app[RUNTIME].app
    notification = await _run(
        request, app.engage_emergency_stop, principal.actor, reason, _now(request)
    )
    return _done(notification)


async def release_stop(request: web.Request, principal: Principal) -> web.StreamResponse:
    body = await _body(request)
    reason = _text(body, "reason", default="released from the console")
    app = request.app[RUNTIME].app
    notification = await _run(
        request, app.release_emergency_stop, principal.actor, reason, _now(request)
    )
    return _done(notification)


# Review queue ------------------------------------------------------------------------------


async def review_queue(request: web.Request, _principal: Principal) -> web.StreamResponse:
    rows = await asyncio.to_thread(request.app[CONSOLE].queries.review_queue)
    return web.json_response({"items": rows})


async def approve_suggestion(request: web.Request, principal: Principal) -> web.StreamResponse:
    app = request.app[RUNTIME].app
    conversation, number = _uuid(request, "conversation"), _number(request)
    # The console sends the box's text: what staff see when they press Approve is sent.
    body = await _body(request)
    shown = _text(body, "text") if "text" in body else None
    notification = await _run(
        request,
        app.approve_suggestion,
        conversation,
        number,
        principal.actor,
        _now(request),
        shown,
    )
    return _done(notification)


async def edit_suggestion(request: web.Request, principal: Principal) -> web.StreamResponse:
    app = request.app[RUNTIME].app
    conversation, number = _uuid(request, "conversation"), _number(request)
    text = _text(await _body(request), "text")
    notification = await _run(
        request,
        app.edit_and_send_suggestion,
        conversation,
        number,
        text,
        principal.actor,
        _now(request),
    )
    return _done(notification)


async def reject_suggestion(request: web.Request, principal: Principal) -> web.StreamResponse:
    app = request.app[RUNTIME].app
    conversation, number = _uuid(request, "conversation"), _number(request)
    reason = _text(await _body(request), "reason", default="rejected in the console")
    notification = await _run(
        request,
        app.reject_suggestion,
        conversation,
        number,
        principal.actor,
        reason,
        _now(request),
    )
    return _done(notification)


# Pending actions ---------------------------------------------------------------------------


async def pending_actions(request: web.Request, _principal: Principal) -> web.StreamResponse:
    queries, runtime = request.app[CONSOLE].queries, request.app[RUNTIME]
    rows = await asyncio.to_thread(
        lambda: [with_who_and_where(runtime, row) for row in queries.pending_actions()]
    )
    return web.json_response({"items": rows, "now": _now(request).isoformat()})


async def approve_action(request: web.Request, principal: Principal) -> web.StreamResponse:
    app = request.app[RUNTIME].app
    action_id = _uuid(request, "action")
    action = await asyncio.to_thread(app.pending_action, action_id)
    spec = action_spec(action.kind)
    if spec.approval_needs_admin and not principal.is_admin:
        words = spec.words
        return error(
            403, f"{words.approval_gerund} a {words.target_noun} needs an admin's approval"
        )
    outcome = await _run(request, app.approve_action, action_id, principal.actor, _now(request))
    decision = outcome.decision
    return _done(
        outcome.notification_id,
        decision=None
        if decision is None
        else {"kind": decision.kind.value, "reason": decision.reason.value},
    )


async def cancel_action(request: web.Request, principal: Principal) -> web.StreamResponse:
    app = request.app[RUNTIME].app
    action_id = _uuid(request, "action")
    reason = _text(await _body(request), "reason", default="cancelled in the console")
    notification = await _run(
        request, app.cancel_action, action_id, principal.actor, reason, _now(request)
    )
    return _done(notification)


async def reject_action(request: web.Request, principal: Principal) -> web.StreamResponse:
    app = request.app[RUNTIME].app
    action_id = _uuid(request, "action")
    reason = _text(await _body(request), "reason", default="rejected in the console")
    notification = await _run(
        request, app.reject_action, action_id, principal.actor, reason, _now(request)
    )
    return _done(notification)


# Tickets, conversations, statistics --------------------------------------------------------


async def tickets(request: web.Request, _principal: Principal) -> web.StreamResponse:
    include_resolved = request.query.get("include_resolved", "") in ("1", "true", "yes")
    queries = request.app[CONSOLE].queries
    rows = await asyncio.to_thread(lambda: queries.tickets(include_resolved=include_resolved))
    return web.json_response({"items": rows})


async def resolve_ticket(request: web.Request, principal: Principal) -> web.StreamResponse:
    app = request.app[RUNTIME].app
    conversation, number = _uuid(request, "conversation"), _number(request)
    notification = await _run(
        request, app.resolve_ticket, conversation, number, principal.actor, _now(request)
    )
    return _done(notification)


async def conversations(request: web.Request, _principal: Principal) -> web.StreamResponse:
    rows = await asyncio.to_thread(request.app[CONSOLE].queries.conversations)
    return web.json_response({"items": rows})


async def timeline(request: web.Request, _principal: Principal) -> web.StreamResponse:
    conversation = _uuid(request, "conversation")
    found = await asyncio.to_thread(request.app[CONSOLE].queries.timeline, conversation)
    if found is None:
        return error(404, "no such conversation")
    return web.json_response(found)


async def write_to_customer(request: web.Request, principal: Principal) -> web.StreamResponse:
    app = request.app[RUNTIME].app
    conversation = _uuid(request, "conversation")
    text = _text(await _body(request), "text")
    notification = await _run(
        request, app.write_to_customer, conversation, text, principal.actor, _now(request)
    )
    return _done(notification)


async def statistics(request: web.Request, _principal: Principal) -> web.StreamResponse:
    queries = request.app[CONSOLE].queries
    document = await asyncio.to_thread(queries.statistics, _now(request))
    return web.json_response(document)


# Wiring ---------------------------------------------------------------------------------


async def _security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")


async def _close_console(app: web.Application) -> None:
    console = app[CONSOLE]
    console.gate.close()
    await asyncio.to_thread(console.sessions.store.close)


def add_console_routes(app: web.Application, environ: Mapping[str, str] | None = None) -> None:
    """Add ``/api/...`` and the console pages to ``app``; needs ``app[RUNTIME]`` set first.

    The console secret comes from ``CLAW_CONSOLE_SECRET`` or a 0600 file (see
    ``claw_adapters.persistence.console_secret``); sessions last
    ``CLAW_CONSOLE_SESSION_IDLE_MINUTES`` unused and ``CLAW_CONSOLE_SESSION_MAX_HOURS``
    at most. ``CLAW_CONSOLE_INSECURE_COOKIES=1`` drops the cookies' Secure flag for
    plain HTTP on a private network, which browsers otherwise refuse except on localhost.
    """
    if CONSOLE in app:
        return  # already added: aiohttp refuses a route registered twice
    env = os.environ if environ is None else environ
    runtime = app[RUNTIME]
    keys = ConsoleKeys(load_console_secret(env, runtime.config.database))
    accounts = Accounts(runtime.app, keys)
    store = open_session_store(runtime.config.database)
    app[CONSOLE] = Console(
        accounts=accounts,
        queries=ProjectionQueries(runtime.projector, runtime.app),
        keys=keys,
        sessions=SessionBook(store, keys, accounts, session_limits(env)),
        secure_cookies=env.get("CLAW_CONSOLE_INSECURE_COOKIES", "") not in ("1", "true", "yes"),
    )
    app.on_cleanup.append(_close_console)
    app.on_response_prepare.append(_security_headers)

    def route(method: str, path: str, handler: Handler, *, admin: bool = False) -> None:
        app.router.add_route(method, path, guarded(_with_errors(handler), _now, admin=admin))

    app.router.add_post("/api/login", login)
    route("POST", "/api/logout", logout)
    route("GET", "/api/me", me)
    route("GET", "/api/status", status)
    route("GET", "/api/settings", get_settings, admin=True)
    route("PUT", "/api/settings/features/{intent}", put_feature, admin=True)
    route("PUT", "/api/settings/globals", put_globals, admin=True)
    route("POST", "/api/emergency-stop", engage_stop)
    route("POST", "/api/emergency-stop/release", release_stop, admin=True)
    route("GET", "/api/review-queue", review_queue)
    suggestion = "/api/review-queue/{conversation}/{number}"
    route("POST", f"{suggestion}/approve", approve_suggestion)
    route("POST", f"{suggestion}/edit", edit_suggestion)
    route("POST", f"{suggestion}/reject", reject_suggestion)
    route("GET", "/api/pending-actions", pending_actions)
    route("POST", "/api/pending-actions/{action}/approve", approve_action)
    route("POST", "/api/pending-actions/{action}/cancel", cancel_action)
    route("POST", "/api/pending-actions/{action}/reject", reject_action)
    route("GET", "/api/tickets", tickets)
    route("POST", "/api/tickets/{conversation}/{number}/resolve", resolve_ticket)
    route("GET", "/api/conversations", conversations)
    route("GET", "/api/conversations/{conversation}/timeline", timeline)
    route("POST", "/api/conversations/{conversation}/write", write_to_customer)
    route("GET", "/api/statistics", statistics)
    add_knowledge_routes(route)
    # Admins only: the probes spend a language-model call and a NinjaOne refresh.
    route("GET", "/api/connections", connections, admin=True)
    add_console_pages(app)


__all__ = ["add_console_routes"]
