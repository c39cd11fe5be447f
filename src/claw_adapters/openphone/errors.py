"""What can go wrong talking to OpenPhone, typed so the dispatcher can react.

Sending errors specialise the domain's effect errors, so code above the adapter
needs only ``claw_domain.errors``; the subclasses add the vendor's code, title
and trace for the audit trail and for operators.
"""

from __future__ import annotations

import enum

import attrs

from claw_domain.errors import OutcomeUnknownError, PermanentEffectError, TransientEffectError


class OpenPhoneErrorCode(enum.StrEnum):
    """The error codes OpenPhone documents for ``POST /v1/messages``."""

    A2P_NOT_APPROVED = "0206400"
    UNAUTHORIZED = "0200401"
    NOT_ENOUGH_CREDITS = "0200402"
    NOT_PHONE_NUMBER_USER = "0202403"
    NOT_FOUND = "0200404"
    UNKNOWN = "0201500"


@attrs.frozen
class FieldProblem:
    """One entry of the vendor's ``errors`` array: which request field it disliked."""

    path: str
    message: str


@attrs.frozen
class VendorProblem:
    """An OpenPhone error answer, read from whichever shape it came in."""

    status: int
    code: str = ""
    title: str = ""
    message: str = ""
    trace: str = ""
    field_problems: tuple[FieldProblem, ...] = ()

    def describe(self) -> str:
        label = " ".join(part for part in (str(self.status), self.code, self.title) if part)
        details = [self.message] if self.message and self.message != self.title else []
        details += [f"{problem.path}: {problem.message}" for problem in self.field_problems]
        return f"{label}: {'; '.join(details)}" if details else label


class InvalidOutboundTextError(PermanentEffectError):
    """The text or a number breaks OpenPhone's documented rules; nothing was sent."""


class OpenPhoneRejectedError(PermanentEffectError):
    """OpenPhone refused the text; sending it again unchanged will be refused again."""

    def __init__(self, problem: VendorProblem) -> None:
        super().__init__(f"OpenPhone refused the text ({problem.describe()})", code=problem.code)
        self.problem = problem


class A2pNotApprovedError(OpenPhoneRejectedError):
    """The venue's A2P 10DLC registration is not approved: carriers would block the text."""


class OpenPhoneUnauthorizedError(OpenPhoneRejectedError):
    """The API key is wrong or revoked: an operator must fix the settings."""


class NotEnoughCreditsError(OpenPhoneRejectedError):
    """The workspace ran out of prepaid credits."""


class NotPhoneNumberUserError(OpenPhoneRejectedError):
    """The key's user may not send from this number (or international texting is off)."""


class OpenPhoneNotFoundError(OpenPhoneRejectedError):
    """The sender number or user does not exist in the workspace."""


class OpenPhoneServerError(TransientEffectError):
    """OpenPhone failed on its side (5xx)."""

    def __init__(self, problem: VendorProblem) -> None:
        super().__init__(f"OpenPhone failed ({problem.describe()})", code=problem.code)
        self.problem = problem


class OpenPhoneRateLimitedError(TransientEffectError):
    """OpenPhone kept answering 429 after every backoff the client allows."""

    def __init__(self, attempts: int) -> None:
        super().__init__(
            f"OpenPhone rate-limited the text {attempts} times in a row; try again later",
            code="429",
        )
        self.attempts = attempts


class OpenPhoneUnreachableError(TransientEffectError):
    """No connection could be made, so the request never left claw."""


class OpenPhoneOutcomeUnknownError(OutcomeUnknownError):
    """The request may have been sent; OpenPhone has no idempotency key, so never resend it."""


class SignatureProblem(enum.StrEnum):
    MISSING_HEADER = "missing_header"
    MALFORMED_HEADER = "malformed_header"
    BAD_SIGNATURE = "bad_signature"
    STALE_TIMESTAMP = "stale_timestamp"


class WebhookSignatureError(Exception):
    """The request cannot be shown to come from OpenPhone; answer 401 and do nothing."""

    def __init__(self, reason: SignatureProblem, detail: str) -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason


class MalformedWebhookError(ValueError):
    """A signed webhook body is not a payload claw understands; the message says what."""
