"""The console's knowledge pages: read the knowledge, edit its draft, try it, publish it.

Admins edit every part. Operators may edit the answers and the holding replies (and save,
discard or publish a draft that changes only those) when the published knowledge says
``console.operators_may_edit_answers: true``; doors, members, devices and lines stay
admin only. A refused edit answers 422 with ``problems``: each names the part
(``answers.hours``, ``customers[3].phone``) and what is wrong, in the venue file
loader's words.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import attrs
from aiohttp import web

from claw_adapters.knowledge.document import venue_of_document
from claw_adapters.knowledge.errors import KnowledgeFileError, format_path
from claw_domain.knowledge import (
    AnswerProposal,
    KnowledgeInvariantError,
    changed_parts,
    format_part,
)
from claw_domain.settings import FeatureSettings, SettingsSnapshot
from claw_domain.settings_input import SettingsInputError, with_changes
from claw_domain.text import clean
from claw_domain.values import Intent
from claw_entrypoints.runtime import RUNTIME
from claw_entrypoints.web.auth import Handler, Principal, error
from claw_service.audit.knowledge_what_if import settings_what_if
from claw_service.audit.timeline import timeline
from claw_service.knowledge import KnowledgeBook, draft_what_if
from claw_service.learning import accept_proposal, dismiss_proposal, learn_answers, proposals

# The parts an operator may be allowed to edit; everything else is admin only.
# Holding replies are words to customers, like answers: the same right covers both.
OPERATOR_PARTS = frozenset({"answers", "holding_replies"})
MAX_NOTE = 200
MAX_WHAT_IF_DAYS = 90
MAX_VALUE_CHARS = 20_000

Route = Callable[..., None]


def _book(request: web.Request) -> KnowledgeBook[Any]:
    return KnowledgeBook(request.app[RUNTIME].app, venue_of_document)


def _operators_may_edit_answers(published: Mapping[str, Any]) -> bool:
    rights = published.get("console")
    return isinstance(rights, Mapping) and rights.get("operators_may_edit_answers") is True


def _may_edit(principal: Principal, published: Mapping[str, Any], parts: list[str]) -> bool:
    if principal.is_admin:
        return True
    return _operators_may_edit_answers(published) and all(p in OPERATOR_PARTS for p in parts)


def _refused(principal: Principal) -> web.Response:
    return error(403, f"{principal.user.name} is an operator; only an admin may change this part")


def _problems(problem: KnowledgeFileError | KnowledgeInvariantError) -> web.Response:
    if isinstance(problem, KnowledgeFileError):
        found = [{"path": format_path(p.path), "message": p.message} for p in problem.problems]
    else:
        found = [{"path": format_part(p.path), "message": p.message} for p in problem.problems]
    summary = "; ".join(f"{p['path']}: {p['message']}" for p in found)
    return error(422, f"not saved: {summary}", problems=found)


async def _json(request: web.Request) -> dict[str, Any] | None:
    if not request.can_read_body:
        return {}
    if request.content_type != "application/json":
        return None
    try:
        body = await request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _note(body: Mapping[str, Any]) -> str:
    note = body.get("note", "")
    return clean(note).strip()[:MAX_NOTE] if isinstance(note, str) else ""


def _view(document: Mapping[str, Any], principal: Principal) -> dict[str, Any]:
    # Members' phone numbers are for those who manage door access.
    if principal.is_admin:
        return dict(document)
    return {key: value for key, value in document.items() if key != "customers"}


async def get_knowledge(request: web.Request, principal: Principal) -> web.StreamResponse:
    book = _book(request)
    (version, published), (draft, edits), history = await asyncio.to_thread(
        lambda: (book.current(), book.draft(), book.history())
    )
    answers_editable = principal.is_admin or _operators_may_edit_answers(published)
    return web.json_response(
        {
            "version": version,
            "published": _view(published, principal),
            "draft": _view(draft, principal) if draft is not None else None,
            "draft_edits": edits,
            "draft_parts": [format_part(p) for p in changed_parts(published, draft or published)],
            "may_edit": {"answers": answers_editable, "everything": principal.is_admin},
            "intents": [intent.value for intent in Intent],
            "history": [
                {
                    "version": entry.version,
                    "at": entry.at.isoformat(),
                    "by": entry.by,
                    "note": entry.note,
                    "source": entry.source,
                    "parts": list(entry.parts),
                }
                for entry in reversed(history)
            ],
        }
    )


def _path(raw: Any) -> tuple[str | int, ...] | None:
    if not isinstance(raw, list) or not raw:
        return None
    if not all(isinstance(part, (str, int)) and not isinstance(part, bool) for part in raw):
        return None
    return tuple(raw)


async def put_draft(request: web.Request, principal: Principal) -> web.StreamResponse:
    body = await _json(request)
    if body is None:
        return error(400, "send a JSON object: {path: [...], value: ..., note: ...}")
    path = _path(body.get("path"))
    if path is None or not isinstance(path[0], str):
        return error(400, "'path' must be a list of keys and positions, e.g. ['answers', 'hours']")
    value = body.get("value")
    if len(repr(value)) > MAX_VALUE_CHARS:
        return error(400, "'value' is too large for one part of the knowledge")
    book = _book(request)
    _, published = await asyncio.to_thread(book.current)
    if not _may_edit(principal, published, [path[0]]):
        return _refused(principal)
    now = request.app[RUNTIME].clock.now()
    try:
        draft = await asyncio.to_thread(book.edit, path, value, principal.actor, now, _note(body))
    except (KnowledgeFileError, KnowledgeInvariantError) as problem:
        return _problems(problem)
    return web.json_response({"ok": True, "draft": _view(draft, principal)})


def _draft_parts(book: KnowledgeBook[Any]) -> tuple[dict[str, Any], list[str]]:
    _, published = book.current()
    draft, _ = book.draft()
    parts = [str(p[0]) for p in changed_parts(published, draft or published)]
    return published, parts


async def discard_draft(request: web.Request, principal: Principal) -> web.StreamResponse:
    book = _book(request)
    published, parts = await asyncio.to_thread(_draft_parts, book)
    if not _may_edit(principal, published, parts):
        return _refused(principal)
    await asyncio.to_thread(book.discard, principal.actor, request.app[RUNTIME].clock.now())
    return web.json_response({"ok": True})


async def publish_draft(request: web.Request, principal: Principal) -> web.StreamResponse:
    body = await _json(request)
    if body is None:
        return error(400, "send a JSON object: {note: ...}")
    book = _book(request)
    published, parts = await asyncio.to_thread(_draft_parts, book)
    if not _may_edit(principal, published, parts):
        return _refused(principal)
    runtime = request.app[RUNTIME]
    try:
        outcome = await asyncio.to_thread(
            book.publish_draft, principal.actor, runtime.clock.now(), _note(body)
        )
    except (KnowledgeFileError, KnowledgeInvariantError) as problem:
        return _problems(problem)
    if runtime.knowledge is not None:
        # This instance takes it up now; the others within a moment, from the log.
        await asyncio.to_thread(runtime.knowledge.follow, now=True)
    return web.json_response({"ok": True, "version": outcome.version, "parts": outcome.parts})


async def what_if(request: web.Request, _principal: Principal) -> web.StreamResponse:
    raw = request.query.get("days", "7")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_WHAT_IF_DAYS:
        return error(400, f"'days' must be a whole number from 1 to {MAX_WHAT_IF_DAYS}")
    runtime = request.app[RUNTIME]
    changed = await asyncio.to_thread(draft_what_if, _book(request), runtime.clock.now(), int(raw))
    return web.json_response(
        {"days": int(raw), "count": len(changed), "changed": [c.to_json() for c in changed]}
    )


class UnusableTryError(ValueError):
    """A settings change to try that names no intent claw has, or no fields."""


def _days(request: web.Request) -> int | None:
    raw = request.query.get("days", "7")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_WHAT_IF_DAYS:
        return None
    return int(raw)


def _settings_draft(current: SettingsSnapshot, body: Mapping[str, Any]) -> SettingsSnapshot:
    """The current settings with the console's unsaved change: one intent's, or the rails."""
    intent_name, changes = body.get("intent"), body.get("changes")
    if not isinstance(changes, dict):
        msg = "'changes' must be an object of the fields being tried"
        raise UnusableTryError(msg)
    if intent_name is None:
        return attrs.evolve(current, globals=with_changes(current.globals, changes))
    try:
        intent = Intent(intent_name)
    except ValueError:
        msg = f"unknown intent {intent_name!r}"
        raise UnusableTryError(msg) from None
    feature = with_changes(current.feature(intent) or FeatureSettings(), changes)
    return attrs.evolve(current, features={**current.features, intent: feature})


async def try_settings(request: web.Request, _principal: Principal) -> web.StreamResponse:
    """The last N days' decisions an unsaved settings change would change (nothing is saved)."""
    days, body = _days(request), await _json(request)
    if days is None:
        return error(400, f"'days' must be a whole number from 1 to {MAX_WHAT_IF_DAYS}")
    if body is None:
        return error(400, "send a JSON object: {intent?: ..., changes: {...}}")
    runtime = request.app[RUNTIME]
    current = await asyncio.to_thread(runtime.app.settings)
    try:
        draft = _settings_draft(current, body)
    except (SettingsInputError, UnusableTryError) as problem:
        return error(400, str(problem))
    since = runtime.clock.now() - timedelta(days=days)
    entries = await asyncio.to_thread(timeline, runtime.app, since=since)
    changed = settings_what_if(entries, current, draft)
    return web.json_response(
        {"days": days, "count": len(changed), "changed": [c.to_json() for c in changed]}
    )


def _proposal_json(proposal: AnswerProposal) -> dict[str, Any]:
    return {
        "number": proposal.number,
        "intent": proposal.intent,
        "wording": proposal.wording,
        "source": proposal.source,
        "at": proposal.at.isoformat(),
        "status": proposal.status.value,
        "decided_by": proposal.decided_by,
    }


async def get_proposals(request: web.Request, _principal: Principal) -> web.StreamResponse:
    book = _book(request)
    now = request.app[RUNTIME].clock.now()

    def learn_then_list() -> list[AnswerProposal]:
        learn_answers(book, now)
        return proposals(book)

    found = await asyncio.to_thread(learn_then_list)
    return web.json_response({"proposals": [_proposal_json(p) for p in found]})


def _proposal_number(request: web.Request) -> int | None:
    raw = request.match_info["number"]
    return int(raw) if raw.isascii() and raw.isdigit() else None


async def accept(request: web.Request, principal: Principal) -> web.StreamResponse:
    number, body = _proposal_number(request), await _json(request)
    if number is None:
        return error(404, "no such proposal: the number must be a whole number")
    wording = body.get("wording") if body is not None else None
    if not isinstance(wording, str) or not clean(wording).strip():
        return error(400, "'wording' must be the answer's text")
    now = request.app[RUNTIME].clock.now()
    try:
        await asyncio.to_thread(
            accept_proposal, _book(request), number, clean(wording).strip(), principal.actor, now
        )
    except (KnowledgeFileError, KnowledgeInvariantError) as problem:
        return _problems(problem)
    return web.json_response({"ok": True})


async def dismiss(request: web.Request, principal: Principal) -> web.StreamResponse:
    number = _proposal_number(request)
    if number is None:
        return error(404, "no such proposal: the number must be a whole number")
    now = request.app[RUNTIME].clock.now()
    await asyncio.to_thread(dismiss_proposal, _book(request), number, principal.actor, now)
    return web.json_response({"ok": True})


def add_knowledge_routes(route: Route) -> None:
    """Register the knowledge endpoints with the console's ``route`` (login, CSRF, errors)."""
    handlers: list[tuple[str, str, Handler, bool]] = [
        ("GET", "/api/knowledge", get_knowledge, False),
        ("PUT", "/api/knowledge/draft", put_draft, False),
        ("POST", "/api/knowledge/draft/discard", discard_draft, False),
        ("POST", "/api/knowledge/draft/publish", publish_draft, False),
        ("GET", "/api/knowledge/draft/what-if", what_if, False),
        ("POST", "/api/settings/what-if", try_settings, True),
        ("GET", "/api/knowledge/proposals", get_proposals, True),
        ("POST", "/api/knowledge/proposals/{number}/accept", accept, True),
        ("POST", "/api/knowledge/proposals/{number}/dismiss", dismiss, True),
    ]
    for method, path, handler, admin in handlers:
        route(method, path, handler, admin=admin)
