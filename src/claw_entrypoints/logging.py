"""Structured logs: JSON in production, readable on a terminal, phone numbers masked."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Not inside a word: the digits of a hex id or a timestamp are not a phone number.
_PHONE = re.compile(r"(?<![\w+])\+?\d[\d\- ().]{6,}\d(?!\w)")


def mask_phone_numbers(text: str) -> str:
    """'+19025551234' -> '+*******1234': enough to tell customers apart, not to call them."""

    def _mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        if len(digits) < 7:
            return match.group(0)
        return "+" + "*" * (len(digits) - 4) + digits[-4:]

    return _PHONE.sub(_mask, text)


def _mask_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key, value in list(event_dict.items()):
        if isinstance(value, str):
            event_dict[key] = mask_phone_numbers(value)
    return event_dict


def configure_logging(log_format: str = "auto", level: int = logging.INFO) -> None:
    """Called once by each entry point; tests may call it again."""
    as_json = log_format == "json" or (log_format == "auto" and not sys.stderr.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.format_exc_info,
            # Before the timestamp is added: its digits would read as a phone number.
            _mask_processor,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
