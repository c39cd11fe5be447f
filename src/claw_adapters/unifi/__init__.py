"""UniFi Access: doors opened through the console's developer API (``DoorController``)."""

from claw_adapters.unifi.client import Door, UniFiAccessDoorController
from claw_adapters.unifi.codes import UniFiCode
from claw_adapters.unifi.tls import UniFiTls

__all__ = ["Door", "UniFiAccessDoorController", "UniFiCode", "UniFiTls"]
