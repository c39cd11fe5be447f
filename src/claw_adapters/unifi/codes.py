"""UniFi Access result codes (API doc 2.3 and 2.4) and what each means to claw."""

from __future__ import annotations

import enum

from claw_domain.errors import (
    ConfigurationError,
    EffectError,
    PermanentEffectError,
    TransientEffectError,
)


class UniFiCode(enum.StrEnum):
    """The codes of the documented table that door calls can meet."""

    SUCCESS = "SUCCESS"
    PARAMS_INVALID = "CODE_PARAMS_INVALID"
    SYSTEM_ERROR = "CODE_SYSTEM_ERROR"
    RESOURCE_NOT_FOUND = "CODE_RESOURCE_NOT_FOUND"
    OPERATION_FORBIDDEN = "CODE_OPERATION_FORBIDDEN"
    AUTH_FAILED = "CODE_AUTH_FAILED"
    ACCESS_TOKEN_INVALID = "CODE_ACCESS_TOKEN_INVALID"  # noqa: S105 -- an error code
    UNAUTHORIZED = "CODE_UNAUTHORIZED"
    NOT_EXISTS = "CODE_NOT_EXISTS"
    DEVICE_VERSION_TOO_OLD = "CODE_DEVICE_DEVICE_VERSION_TOO_OLD"
    DEVICE_BUSY = "CODE_DEVICE_DEVICE_BUSY"
    DEVICE_NOT_FOUND = "CODE_DEVICE_DEVICE_NOT_FOUND"
    DEVICE_OFFLINE = "CODE_DEVICE_DEVICE_OFFLINE"
    UID_ADOPTED_NOT_SUPPORTED = "CODE_OTHERS_UID_ADOPTED_NOT_SUPPORTED"
    DEVICE_API_NOT_SUPPORTED = "CODE_DEVICE_API_NOT_SUPPORTED"


_CREDENTIAL_REJECTED = (
    "UniFi Access rejected the API token (deleted or expired): create one under Access > "
    "Settings > General > Advanced > API Token and configure CLAW_UNIFI_TOKEN"
)

_CONFIGURATION: dict[str, str] = {
    UniFiCode.AUTH_FAILED: _CREDENTIAL_REJECTED,
    UniFiCode.ACCESS_TOKEN_INVALID: _CREDENTIAL_REJECTED,
    UniFiCode.UNAUTHORIZED: (
        "the UniFi Access API token lacks a permission: give it view:space (to list doors) "
        "and edit:space (to unlock)"
    ),
    UniFiCode.UID_ADOPTED_NOT_SUPPORTED: (
        "the UniFi Access API is unavailable after the upgrade to Identity Enterprise"
    ),
}

_TRANSIENT = frozenset({UniFiCode.SYSTEM_ERROR, UniFiCode.DEVICE_BUSY})

_PERMANENT: dict[str, str] = {
    UniFiCode.DEVICE_OFFLINE: "the door controller (hub) of door {door} is offline",
    UniFiCode.RESOURCE_NOT_FOUND: "UniFi Access has no door {door}",
    UniFiCode.NOT_EXISTS: "UniFi Access has no door {door}",
    UniFiCode.DEVICE_NOT_FOUND: "UniFi Access has no device behind door {door}",
    UniFiCode.OPERATION_FORBIDDEN: "UniFi Access does not allow this on door {door}",
    UniFiCode.PARAMS_INVALID: "UniFi Access rejected the request for door {door} as invalid",
    UniFiCode.DEVICE_API_NOT_SUPPORTED: (
        "the hub of door {door} does not support remote unlocking through the API"
    ),
    UniFiCode.DEVICE_VERSION_TOO_OLD: "the firmware of door {door}'s hub is too old",
}


def error_for(code: str, vendor_message: str, *, door: str) -> Exception:
    """The typed error for a non-success code; unknown codes are permanent refusals."""
    suffix = f" ({code}: {vendor_message})" if vendor_message else f" ({code})"
    if code in _CONFIGURATION:
        return ConfigurationError(_CONFIGURATION[code] + suffix)
    error: EffectError
    if code in _TRANSIENT:
        error = TransientEffectError(f"UniFi Access is busy or failed{suffix}", code=code)
    else:
        template = _PERMANENT.get(code, "UniFi Access refused the request for door {door}")
        error = PermanentEffectError(template.format(door=door or "?") + suffix, code=code)
    return error
