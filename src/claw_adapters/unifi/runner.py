"""The door unlock as an ``ActionRunner``: a timed unlock through UniFi Access."""

from __future__ import annotations

import attrs

from claw_domain.ports import ActionReceipt, DoorController
from claw_domain.values import ActionParameters


@attrs.frozen
class DoorUnlock:
    """Runs ``ActionKind.UNLOCK_DOOR`` on the location's door through a ``DoorController``."""

    doors: DoorController

    async def target_online(self, parameters: ActionParameters) -> bool:
        # UniFi Access offers no door status claw relies on: the unlock itself tells.
        return True

    async def run(self, parameters: ActionParameters) -> ActionReceipt:
        return await self.doors.unlock(
            parameters.door_id or "", seconds=parameters.unlock_seconds, actor="claw"
        )
