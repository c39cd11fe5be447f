"""A fake OpenAI-compatible server: ``POST /v1/chat/completions`` in the real shape.

It answers structured-output requests the way claw sends them (a JSON schema in
``response_format``): keyword rules decide the intent, and only intents the schema
offers come back, as with a strict model. Faults are queued per request. Every
request is remembered in ``requests``. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import enum
import json
import re
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from aiohttp import web

from claw_adapters.fakes.loopback import serve_on_loopback

_BOX = re.compile(r"\b(?:box|bay|sim)\s*(?:number\s*|no\.?\s*|#\s*)?(\d{1,2})\b", re.IGNORECASE)


class OpenAIFault(enum.StrEnum):
    REFUSAL = "refusal"  # the model declines: content null, refusal text set
    SERVER_ERROR = "server_error"  # HTTP 500
    RATE_LIMIT = "rate_limit"  # HTTP 429
    UNAUTHORIZED = "unauthorized"  # HTTP 401, as for a revoked key
    HANG = "hang"  # never answers (until the server stops)
    MALFORMED_JSON = "malformed_json"  # content is cut-off JSON
    INTENT_NOT_IN_LIST = "intent_not_in_list"  # as a non-strict compatible server might
    CONTENT_FILTER = "content_filter"  # finish_reason content_filter


@attrs.frozen
class IntentRule:
    """When ``keyword`` is in the text (case-insensitive), answer ``intent``."""

    keyword: str
    intent: str
    confidence: float = 0.92
    location: str | None = None
    box: int | None = None


@attrs.frozen
class RecordedRequest:
    path: str
    headers: Mapping[str, str]
    body: Mapping[str, Any]

    @property
    def schema_name(self) -> str | None:
        response_format = self.body.get("response_format") or {}
        name = (response_format.get("json_schema") or {}).get("name")
        return name if isinstance(name, str) else None

    @property
    def user_text(self) -> str:
        return _last_user_text(self.body)

    @property
    def system_text(self) -> str:
        for message in self.body.get("messages", []):
            if message.get("role") in {"system", "developer"}:
                return str(message.get("content", ""))
        return ""


class FakeOpenAIServer:
    def __init__(
        self,
        *,
        rules: Sequence[IntentRule] = (),
        answers: Mapping[str, str] | None = None,
        model: str = "gpt-4o-mini-2024-07-18",
        api_key: str = "test-key",
    ) -> None:
        """``answers``: keyword -> draft text for grounded-answer requests."""
        self.rules = list(rules)
        self.answers = dict(answers or {})
        self.model = model
        self.api_key = api_key
        self.requests: list[RecordedRequest] = []
        self._faults: deque[OpenAIFault] = deque()
        self._sticky_fault: OpenAIFault | None = None
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._stopping = asyncio.Event()

    # --- control -----------------------------------------------------------------

    def inject(self, fault: OpenAIFault, *, times: int = 1) -> None:
        """The next ``times`` requests get ``fault``."""
        self._faults.extend([fault] * times)

    def inject_always(self, fault: OpenAIFault | None) -> None:
        """Every request gets ``fault`` until called with None."""
        self._sticky_fault = fault

    @property
    def base_url(self) -> str:
        if self._runner is None:
            msg = "the fake OpenAI server is not started"
            raise RuntimeError(msg)
        return f"http://127.0.0.1:{self._port}/v1"

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat_completions)
        self._runner, self._port = await serve_on_loopback(app)
        return self.base_url

    async def stop(self) -> None:
        self._stopping.set()  # lets hanging handlers return before cleanup
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenAIServer:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    # --- the endpoint ----------------------------------------------------------------

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return _error(
                400, "We could not parse the JSON body of your request.", "invalid_request_error"
            )
        if not isinstance(body, dict):
            return _error(400, "The request body must be a JSON object.", "invalid_request_error")
        self.requests.append(RecordedRequest(request.path, dict(request.headers), body))

        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return _error(
                401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
            )
        if not isinstance(body.get("model"), str) or not body.get("messages"):
            return _error(400, "'model' and 'messages' are required.", "invalid_request_error")

        fault = self._faults.popleft() if self._faults else self._sticky_fault
        if fault is OpenAIFault.HANG:
            await self._stopping.wait()
            return _error(503, "The server is shutting down.", "server_error")
        if fault is OpenAIFault.SERVER_ERROR:
            return _error(
                500, "The server had an error while processing your request.", "server_error"
            )
        if fault is OpenAIFault.RATE_LIMIT:
            return _error(
                429, "Rate limit reached for requests.", "requests", "rate_limit_exceeded"
            )
        if fault is OpenAIFault.UNAUTHORIZED:
            return _error(
                401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
            )

        content, refusal, finish = self._reply(body, fault)
        return web.json_response(self._completion(body, content, refusal, finish))

    def _reply(
        self, body: Mapping[str, Any], fault: OpenAIFault | None
    ) -> tuple[str | None, str | None, str]:
        if fault is OpenAIFault.REFUSAL:
            return None, "I'm sorry, but I can't help with that request.", "stop"
        if fault is OpenAIFault.CONTENT_FILTER:
            return None, None, "content_filter"
        if fault is OpenAIFault.MALFORMED_JSON:
            return '{"intent": "hours", "confidence": ', None, "stop"
        schema = _schema(body)
        text = _last_user_text(body)
        properties = schema.get("properties", {})
        if "intent" in properties:
            reply = self._classify(text, properties)
            if fault is OpenAIFault.INTENT_NOT_IN_LIST:
                reply["intent"] = "bake_sale"
            return json.dumps(reply), None, "stop"
        if "answerable" in properties:
            for keyword, answer in self.answers.items():
                if keyword.lower() in text.lower():
                    return json.dumps({"answerable": True, "answer": answer}), None, "stop"
            return json.dumps({"answerable": False, "answer": ""}), None, "stop"
        return "OK", None, "stop"

    def _classify(self, text: str, properties: Mapping[str, Any]) -> dict[str, Any]:
        offered = list(properties.get("intent", {}).get("enum", []))
        lowered = text.lower()
        rule = next((r for r in self.rules if r.keyword.lower() in lowered), None)
        intent, confidence = ("other", 0.5) if rule is None else (rule.intent, rule.confidence)
        if intent not in offered:
            # A strict schema makes a real model choose from the offered list.
            intent = "other" if "other" in offered else offered[0]
        location = rule.location if rule else None
        if location is None:
            keys = [k for k in _location_enum(properties.get("location", {})) if k in lowered]
            location = keys[0] if keys else None
        box = rule.box if rule and rule.box is not None else _box_in(text)
        return {"intent": intent, "confidence": confidence, "location": location, "box": box}

    def _completion(
        self, body: Mapping[str, Any], content: str | None, refusal: str | None, finish: str
    ) -> dict[str, Any]:
        # Token counts are word counts: deterministic, and enough to test cost records.
        prompt_tokens = sum(
            len(str(m.get("content", "")).split()) for m in body.get("messages", [])
        )
        completion_tokens = max(1, len((content or refusal or "").split()))
        return {
            "id": f"chatcmpl-fake-{len(self.requests)}",
            "object": "chat.completion",
            "created": 1727346143 + len(self.requests),
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal},
                    "logprobs": None,
                    "finish_reason": finish,
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
                "prompt_tokens_details": {"cached_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0},
            },
        }


def _error(status: int, message: str, kind: str, code: str | None = None) -> web.Response:
    headers = {"x-request-id": "req_fake"}
    if status in {429, 500, 503}:
        # Real 429s carry a delay; a tiny one keeps retrying clients fast in tests.
        headers["retry-after-ms"] = "5"
    body = {"error": {"message": message, "type": kind, "param": None, "code": code}}
    return web.json_response(body, status=status, headers=headers)


def _schema(body: Mapping[str, Any]) -> Mapping[str, Any]:
    response_format = body.get("response_format") or {}
    schema = (response_format.get("json_schema") or {}).get("schema") or {}
    return schema if isinstance(schema, dict) else {}


def _last_user_text(body: Mapping[str, Any]) -> str:
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user":
            content = message.get("content", "")
            if isinstance(content, list):  # content parts
                return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
            return str(content)
    return ""


def _location_enum(schema: Mapping[str, Any]) -> list[str]:
    for option in schema.get("anyOf", [schema]):
        if isinstance(option, dict) and "enum" in option:
            return [str(value) for value in option["enum"] if value is not None]
    return []


def _box_in(text: str) -> int | None:
    match = _BOX.search(text)
    return int(match.group(1)) if match else None
