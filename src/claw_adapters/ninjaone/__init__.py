"""NinjaOne RMM: simulator PCs' status and the reset script (``DeviceController``)."""

from claw_adapters.ninjaone.client import (
    NinjaOneDeviceController,
    ResetScript,
    RunType,
    ScriptRunResult,
)
from claw_adapters.ninjaone.tokens import NinjaOneCredentials, TokenKind

__all__ = [
    "NinjaOneCredentials",
    "NinjaOneDeviceController",
    "ResetScript",
    "RunType",
    "ScriptRunResult",
    "TokenKind",
]
