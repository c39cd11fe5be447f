"""Test each configured vendor for real, and say in plain words what works.

``claw check`` and the console's Connections page both call ``check_connections``.
Every probe only reads (no text is sent, no door or device touched), except the
language model's, which makes one minimal call. A vendor without credentials is
"dry": claw records what it would do there and sends nothing.

A NinjaOne check spends the configured refresh token once, as ``claw serve`` does:
where the vendor rotates refresh tokens, the report says so, because the configured
token then no longer works.
"""

from __future__ import annotations

import asyncio
import enum
import re
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

import aiohttp
import attrs

from claw_adapters.http import fresh_connection_session
from claw_adapters.knowledge.venue import VenueKnowledge
from claw_adapters.ninjaone.client import NinjaOneDeviceController, ResetScript
from claw_adapters.ninjaone.tokens import NinjaOneCredentials, NinjaOneTokens, TokenKind
from claw_adapters.staff.slack import check_webhook_url
from claw_adapters.unifi.client import UniFiAccessDoorController
from claw_adapters.unifi.tls import UniFiTls
from claw_domain.errors import ConfigurationError, EffectError
from claw_domain.values import Intent
from claw_entrypoints.config import ClawConfig

PROBE_TIMEOUT_SECONDS = 15.0
_E164 = re.compile(r"\+[1-9]\d{6,14}")


class Verdict(enum.StrEnum):
    WORKS = "works"
    BROKEN = "broken"
    DRY = "dry run"


@attrs.frozen
class Finding:
    """One thing checked, in a sentence an owner can act on."""

    ok: bool
    words: str


@attrs.frozen
class VendorReport:
    vendor: str  # the name dry_run lists use: openphone, ninjaone, unifi, llm, staff
    title: str
    verdict: Verdict
    findings: tuple[Finding, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "vendor": self.vendor,
            "title": self.title,
            "verdict": self.verdict.value,
            "findings": [{"ok": f.ok, "words": f.words} for f in self.findings],
        }


def _report(vendor: str, title: str, findings: Sequence[Finding]) -> VendorReport:
    verdict = Verdict.WORKS if all(f.ok for f in findings) else Verdict.BROKEN
    return VendorReport(vendor, title, verdict, tuple(findings))


def _dry(vendor: str, title: str, words: str) -> VendorReport:
    return VendorReport(vendor, title, Verdict.DRY, (Finding(ok=True, words=words),))


def _failure(error: BaseException) -> str:
    if isinstance(error, ConfigurationError | EffectError):
        return str(error)
    if isinstance(error, TimeoutError):
        return f"no answer within {PROBE_TIMEOUT_SECONDS:g} seconds"
    return f"{type(error).__name__}: {error}"


# OpenPhone ---------------------------------------------------------------------------------


async def check_openphone(config: ClawConfig) -> VendorReport:
    title = "OpenPhone (customer texts)"
    op = config.openphone
    if not (op.api_key and op.number):
        return _dry(
            "openphone",
            title,
            "Not configured (CLAW_OPENPHONE_API_KEY and CLAW_OPENPHONE_NUMBER): texts to "
            "customers are recorded and logged, never sent.",
        )
    findings: list[Finding] = []
    url = op.base_url.rstrip("/") + "/v1/phone-numbers"
    async with fresh_connection_session(connect_timeout=5.0, read_timeout=10.0) as session:
        try:
            async with session.get(url, headers={"Authorization": op.api_key}) as response:
                status = response.status
                body = await response.json(content_type=None) if status == 200 else None
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            findings.append(Finding(ok=False, words=f"OpenPhone is not reachable: {error}"))
            return _report("openphone", title, findings)
    if status in (401, 403):
        findings.append(
            Finding(ok=False, words="OpenPhone refused the API key: check CLAW_OPENPHONE_API_KEY.")
        )
    elif status != 200 or not isinstance(body, dict) or not isinstance(body.get("data"), list):
        findings.append(Finding(ok=False, words=f"OpenPhone answered HTTP {status} unreadably."))
    else:
        findings.append(Finding(ok=True, words="The API key works."))
        lines = [row for row in body["data"] if isinstance(row, dict)]
        owned = any(op.number in (row.get("number"), row.get("id")) for row in lines)
        findings.append(
            Finding(ok=True, words=f"The sending line {op.number} belongs to this account.")
            if owned
            else Finding(
                ok=False,
                words=f"The sending line {op.number} is not one of this account's numbers: "
                "check CLAW_OPENPHONE_NUMBER.",
            )
        )
    if op.webhook_key or op.webhook_secret:
        findings.append(Finding(ok=True, words="A webhook signing key or secret is set."))
    elif config.allow_unsigned_webhooks:
        findings.append(
            Finding(
                ok=False,
                words="No webhook signing key or secret is set: anyone who can reach claw can "
                "post texts as any customer (set CLAW_OPENPHONE_WEBHOOK_KEY or _SECRET).",
            )
        )
    else:
        findings.append(
            Finding(
                ok=False,
                words="No webhook signing key or secret is set, so claw refuses every webhook: "
                "set CLAW_OPENPHONE_WEBHOOK_KEY or CLAW_OPENPHONE_WEBHOOK_SECRET.",
            )
        )
    return _report("openphone", title, findings)


# NinjaOne -----------------------------------------------------------------------------------


async def check_ninjaone(config: ClawConfig, venue: VenueKnowledge) -> VendorReport:
    title = "NinjaOne (simulator resets)"
    n = config.ninjaone
    if not (config.ninjaone_configured and n.base_url and n.client_id and n.client_secret):
        return _dry(
            "ninjaone",
            title,
            "Not configured (CLAW_NINJAONE_BASE_URL, _CLIENT_ID, _CLIENT_SECRET): resets are "
            "recorded, never run.",
        )
    credentials = NinjaOneCredentials(
        client_id=n.client_id, client_secret=n.client_secret, refresh_token=n.refresh_token
    )
    findings: list[Finding] = []
    try:
        reset = ResetScript(script_id=n.reset_script_id, action_uid=n.reset_action_uid)
        findings.append(Finding(ok=True, words=f"The reset to run is set: {reset.describe()}."))
    except ConfigurationError as error:
        findings.append(
            Finding(
                ok=False,
                words=f"{error} (CLAW_NINJAONE_RESET_SCRIPT_ID or CLAW_NINJAONE_RESET_ACTION_UID).",
            )
        )
        # The check runs no script; the devices and tokens can still be checked.
        reset = ResetScript(action_uid="not-run-by-the-check")
    controller = NinjaOneDeviceController(
        base_url=n.base_url, credentials=credentials, reset_script=reset
    )
    async with controller:
        findings.extend(await _ninjaone_user_context(n.base_url, credentials, controller))
        for location, box, device_id in _devices(venue):
            where = f"{venue.location_name(location)} box {box} (device {device_id})"
            try:
                status = await asyncio.wait_for(
                    controller.device_status(device_id), PROBE_TIMEOUT_SECONDS
                )
            except (ConfigurationError, EffectError, TimeoutError) as error:
                findings.append(Finding(ok=False, words=f"{where}: {_failure(error)}"))
                continue
            findings.append(
                Finding(ok=True, words=f"{where} exists and is online.")
                if status.online
                else Finding(ok=False, words=f"{where} exists but is offline.")
            )
    return _report("ninjaone", title, findings)


async def _ninjaone_user_context(
    base_url: str, credentials: NinjaOneCredentials, controller: NinjaOneDeviceController
) -> list[Finding]:
    if credentials.refresh_token is None:
        return [
            Finding(
                ok=False,
                words="No refresh token is set, so resets cannot run (they need user context): "
                "complete the consent once and set CLAW_NINJAONE_REFRESH_TOKEN.",
            )
        ]
    tokens = NinjaOneTokens(
        base_url=base_url.rstrip("/"), credentials=credentials, clock=controller.clock
    )
    async with fresh_connection_session(connect_timeout=5.0, read_timeout=10.0) as session:
        try:
            await asyncio.wait_for(tokens.token(session, TokenKind.USER), PROBE_TIMEOUT_SECONDS)
        except (ConfigurationError, EffectError, TimeoutError) as error:
            return [Finding(ok=False, words=f"The refresh token does not work: {_failure(error)}")]
    found = [Finding(ok=True, words="The refresh token works and carries user context.")]
    if tokens.current_refresh_token != credentials.refresh_token:
        found.append(
            Finding(
                ok=False,
                words="NinjaOne rotated the refresh token during this check, so the configured "
                "one no longer works: consent again and set CLAW_NINJAONE_REFRESH_TOKEN.",
            )
        )
    return found


def _devices(venue: VenueKnowledge) -> list[tuple[str, int, str]]:
    return [
        (location, box, device)
        for location in venue.location_names()
        for box, device in sorted(venue.boxes(location).items())
    ]


# UniFi Access -------------------------------------------------------------------------------


async def check_unifi(config: ClawConfig, venue: VenueKnowledge) -> VendorReport:
    title = "UniFi Access (doors)"
    u = config.unifi
    if not (u.base_url and u.token):
        return _dry(
            "unifi",
            title,
            "Not configured (CLAW_UNIFI_BASE_URL and CLAW_UNIFI_TOKEN): door openings are "
            "recorded, never carried out.",
        )
    findings: list[Finding] = []
    try:
        tls = UniFiTls(
            ca_file=str(u.ca_file) if u.ca_file else None, sha256_fingerprint=u.fingerprint
        )
    except ConfigurationError as error:
        return _report("unifi", title, [Finding(ok=False, words=str(error))])
    async with UniFiAccessDoorController(base_url=u.base_url, api_token=u.token, tls=tls) as doors:
        try:
            listed = await asyncio.wait_for(doors.list_doors(), PROBE_TIMEOUT_SECONDS)
        except (ConfigurationError, EffectError, TimeoutError) as error:
            return _report("unifi", title, [Finding(ok=False, words=_failure(error))])
    if u.base_url.startswith("https:"):
        if u.fingerprint:
            trusted = "matches the pinned fingerprint"
        elif u.ca_file:
            trusted = f"is trusted through {u.ca_file}"
        else:
            trusted = "is trusted by this machine's certificate authorities"
        findings.append(Finding(ok=True, words=f"The console's certificate {trusted}."))
    findings.append(Finding(ok=True, words="The API token works."))
    known = {door.id for door in listed}
    for location in venue.location_names():
        door = venue.door(location)
        if door is None:
            continue
        where = f"{venue.location_name(location)} door {door.name!r} ({door.id})"
        findings.append(
            Finding(ok=True, words=f"{where} exists.")
            if door.id in known
            else Finding(ok=False, words=f"{where} is not on the UniFi console.")
        )
    return _report("unifi", title, findings)


# The language model ---------------------------------------------------------------------------


async def check_llm(config: ClawConfig) -> VendorReport:
    title = "Language model"
    if not config.llm_configured:
        return _dry(
            "llm",
            title,
            "Not configured (CLAW_OPENAI_API_KEY or CLAW_OPENAI_BASE_URL): claw understands "
            "texts with its own patterns and model only, and drafts no suggestions.",
        )
    # Imported here: the openai SDK is heavy and only needed when a model is configured.
    from claw_adapters.llm import LlmSettings, OpenAILanguageModel  # noqa: PLC0415
    from claw_adapters.llm.adapter import OPENAI_BASE_URL  # noqa: PLC0415

    settings = LlmSettings(
        api_key=config.llm.api_key or "unused",
        model=config.llm.model,
        base_url=config.llm.base_url or OPENAI_BASE_URL,
        timeout_seconds=min(config.llm.timeout_seconds or 20.0, PROBE_TIMEOUT_SECONDS),
        max_retries=0,
    )
    async with OpenAILanguageModel(settings) as model:
        try:
            reading = await asyncio.wait_for(
                model.classify("hello", [Intent.HOURS, Intent.PRICING]),
                PROBE_TIMEOUT_SECONDS + 1,
            )
        except Exception as error:
            return _report("llm", title, [Finding(ok=False, words=_failure(error))])
    cost = reading.usage.cost_usd
    words = f"One minimal call to {config.llm.model} worked (cost ${cost:.6f})."
    return _report("llm", title, [Finding(ok=True, words=words)])


# Staff alerts --------------------------------------------------------------------------------


async def check_staff(config: ClawConfig) -> VendorReport:
    title = "Staff alerts (SMS and Slack)"
    if not (config.staff_number or config.slack_webhook_url):
        return _dry(
            "staff",
            title,
            "Not configured (CLAW_STAFF_NUMBER or CLAW_SLACK_WEBHOOK_URL): staff alerts are "
            "logged only; nobody is told.",
        )
    findings: list[Finding] = []
    if config.staff_number:
        findings.append(
            Finding(ok=True, words=f"Staff SMS go to {config.staff_number} through OpenPhone.")
            if _E164.fullmatch(config.staff_number)
            else Finding(
                ok=False,
                words="CLAW_STAFF_NUMBER is not a phone number in +15551234567 form.",
            )
        )
    if config.slack_webhook_url:
        findings.append(
            Finding(ok=True, words="The Slack webhook URL is well-formed.")
            if _slack_url_well_formed(config.slack_webhook_url)
            else Finding(
                ok=False,
                words="CLAW_SLACK_WEBHOOK_URL is not a well-formed https webhook URL "
                "(https://hooks.slack.com/services/...).",
            )
        )
    return _report("staff", title, findings)


def _slack_url_well_formed(url: str) -> bool:
    """The staff notifier's own rule (https, or http to this machine), and a webhook path."""
    try:
        check_webhook_url(url)
    except ConfigurationError:
        return False
    return len(urlsplit(url).path) > 1


# All of them ---------------------------------------------------------------------------------


async def check_connections(config: ClawConfig, venue: VenueKnowledge) -> list[VendorReport]:
    probes: list[Callable[[], Awaitable[VendorReport]]] = [
        lambda: check_openphone(config),
        lambda: check_ninjaone(config, venue),
        lambda: check_unifi(config, venue),
        lambda: check_llm(config),
        lambda: check_staff(config),
    ]
    return list(await asyncio.gather(*(probe() for probe in probes)))


def all_configured_work(reports: Sequence[VendorReport]) -> bool:
    """What ``claw check``'s exit code says: no configured vendor is broken."""
    return all(report.verdict is not Verdict.BROKEN for report in reports)


def report_lines(reports: Sequence[VendorReport]) -> list[str]:
    lines: list[str] = []
    for report in reports:
        lines.append(f"{report.title}: {report.verdict.value.upper()}")
        lines.extend(f"  {'ok ' if f.ok else 'NO '} {f.words}" for f in report.findings)
    return lines
