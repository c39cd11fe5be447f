"""TLS to a UniFi console with a self-signed certificate: trusted by CA file or by pin.

Certificates are made at test time with the ``openssl`` command (``cryptography`` is
not a dependency); the module is skipped where the command is missing.
"""

from __future__ import annotations

import hashlib
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import attrs
import pytest

from claw_adapters.fakes.unifi import FakeDoor, FakeUniFiAccess
from claw_adapters.unifi import UniFiAccessDoorController, UniFiTls
from claw_domain.errors import ConfigurationError

FRONT = "0ed545f8-2fcd-4839-9021-b39e707f6aa9"

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@attrs.frozen
class Certificate:
    cert_file: Path
    key_file: Path

    @property
    def sha256(self) -> str:
        der = ssl.PEM_cert_to_DER_cert(self.cert_file.read_text())
        return hashlib.sha256(der).hexdigest()

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def self_signed(directory: Path, name: str, subject_alt_name: str) -> Certificate:
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(  # noqa: S603 -- fixed arguments, test fixture only
        [  # noqa: S607 -- openssl from PATH is what the fixture is for
            "openssl", "req", "-x509", "-nodes", "-days", "2",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", str(key), "-out", str(cert),
            "-subj", f"/CN={name}",
            "-addext", f"subjectAltName={subject_alt_name}",
            "-addext", "basicConstraints=critical,CA:TRUE",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Certificate(cert, key)


@pytest.fixture(scope="module")
def console_cert(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed(tmp_path_factory.mktemp("tls"), "console", "IP:127.0.0.1")


@pytest.fixture(scope="module")
def impostor_cert(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed(tmp_path_factory.mktemp("tls"), "impostor", "IP:127.0.0.1")


@pytest.fixture(scope="module")
def named_cert(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return self_signed(tmp_path_factory.mktemp("tls"), "console-local", "DNS:unifi.console.local")


async def serve(cert: Certificate) -> FakeUniFiAccess:
    fake = FakeUniFiAccess(doors=[FakeDoor(FRONT, "Front door")], ssl_context=cert.server_context())
    await fake.start()
    return fake


@pytest.fixture
async def fake(console_cert: Certificate) -> AsyncIterator[FakeUniFiAccess]:
    server = await serve(console_cert)
    yield server
    await server.stop()


def controller_for(fake: FakeUniFiAccess, tls: UniFiTls) -> UniFiAccessDoorController:
    return UniFiAccessDoorController(base_url=fake.base_url, api_token=fake.api_token, tls=tls)


async def test_the_console_is_trusted_through_its_certificate_as_ca_file(
    fake: FakeUniFiAccess, console_cert: Certificate
) -> None:
    assert fake.base_url.startswith("https://")
    async with controller_for(fake, UniFiTls(ca_file=str(console_cert.cert_file))) as doors:
        await doors.unlock(FRONT, seconds=None, actor="member 4411")

    assert [unlock.door_id for unlock in fake.unlocked] == [FRONT]


async def test_the_console_is_trusted_through_a_pinned_fingerprint(
    fake: FakeUniFiAccess, console_cert: Certificate
) -> None:
    colon_separated = ":".join(
        console_cert.sha256[i : i + 2].upper() for i in range(0, 64, 2)
    )  # as `openssl x509 -fingerprint -sha256` prints it
    async with controller_for(fake, UniFiTls(sha256_fingerprint=colon_separated)) as doors:
        await doors.unlock(FRONT, seconds=None, actor="member 4411")

    assert [unlock.door_id for unlock in fake.unlocked] == [FRONT]


async def test_a_console_signed_by_another_ca_is_refused_before_anything_is_sent(
    fake: FakeUniFiAccess, impostor_cert: Certificate
) -> None:
    async with controller_for(fake, UniFiTls(ca_file=str(impostor_cert.cert_file))) as doors:
        with pytest.raises(ConfigurationError, match="TLS verification"):
            await doors.unlock(FRONT, seconds=None, actor="member 4411")

    assert fake.requests == []
    assert fake.unlocked == []


async def test_a_console_whose_certificate_does_not_match_the_pin_is_refused(
    fake: FakeUniFiAccess, impostor_cert: Certificate
) -> None:
    async with controller_for(fake, UniFiTls(sha256_fingerprint=impostor_cert.sha256)) as doors:
        with pytest.raises(ConfigurationError, match="fingerprint"):
            await doors.unlock(FRONT, seconds=None, actor="member 4411")

    assert fake.requests == []


async def test_a_self_signed_console_is_not_trusted_by_default(fake: FakeUniFiAccess) -> None:
    async with controller_for(fake, UniFiTls()) as doors:
        with pytest.raises(ConfigurationError, match="TLS verification"):
            await doors.list_doors()

    assert fake.requests == []


async def test_a_certificate_for_another_name_is_refused_unless_that_name_is_configured(
    named_cert: Certificate,
) -> None:
    fake = await serve(named_cert)
    try:
        trusted_ca = str(named_cert.cert_file)
        async with controller_for(fake, UniFiTls(ca_file=trusted_ca)) as doors:
            with pytest.raises(ConfigurationError, match="TLS verification"):
                await doors.list_doors()
        named = UniFiTls(ca_file=trusted_ca, server_hostname="unifi.console.local")
        async with controller_for(fake, named) as doors:
            assert [door.id for door in await doors.list_doors()] == [FRONT]
    finally:
        await fake.stop()


def test_a_ca_file_and_a_pin_together_are_a_configuration_error(
    console_cert: Certificate,
) -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        UniFiTls(ca_file=str(console_cert.cert_file), sha256_fingerprint=console_cert.sha256)


@pytest.mark.parametrize("pin", ["abc", "zz" * 32, "ab" * 20])
def test_a_pin_that_is_not_a_sha256_is_a_configuration_error(pin: str) -> None:
    with pytest.raises(ConfigurationError, match="64 hex digits"):
        UniFiTls(sha256_fingerprint=pin)


async def test_a_missing_ca_file_is_a_configuration_error(
    fake: FakeUniFiAccess, tmp_path: Path
) -> None:
    async with controller_for(fake, UniFiTls(ca_file=str(tmp_path / "absent.pem"))) as doors:
        with pytest.raises(ConfigurationError, match="CA file"):
            await doors.list_doors()
