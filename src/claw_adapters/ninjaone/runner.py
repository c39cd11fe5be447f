"""The simulator reset as an ``ActionRunner``: NinjaOne's device status, then the reset script."""

from __future__ import annotations

import attrs

from claw_domain.ports import ActionReceipt, DeviceController
from claw_domain.values import ActionParameters


@attrs.frozen
class SimulatorReset:
    """Runs ``ActionKind.RESET_SIMULATOR`` on the box's PC through a ``DeviceController``."""

    devices: DeviceController

    async def target_online(self, parameters: ActionParameters) -> bool:
        if not parameters.device_id:
            # No device to ask about: the reset itself will say what went wrong.
            return True
        status = await self.devices.device_status(parameters.device_id)
        return status.online

    async def run(self, parameters: ActionParameters) -> ActionReceipt:
        return await self.devices.reset_simulator(parameters.device_id or "")
