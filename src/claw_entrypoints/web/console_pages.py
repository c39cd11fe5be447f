"""The console's static files, served by claw itself from package data (no build step)."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

# Only these files are served, so a crafted path can never reach anything else.
_STATIC = {
    "console.css": "text/css",
    "knowledge.css": "text/css",
    "console.js": "text/javascript",
    "knowledge.js": "text/javascript",
    "owner.js": "text/javascript",
    "login.js": "text/javascript",
}
# No inline script or style anywhere, so the policy can forbid both; charts are
# SVG built by the script, which 'self' covers.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def _read(name: str) -> bytes:
    return resources.files("claw_entrypoints.web").joinpath("console", name).read_bytes()


def _page(name: str) -> web.Response:
    response = web.Response(body=_read(name), content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = _CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response


async def console_index(_request: web.Request) -> web.Response:
    return _page("index.html")


async def login_page(_request: web.Request) -> web.Response:
    return _page("login.html")


async def static_file(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    content_type = _STATIC.get(name)
    if content_type is None:
        raise web.HTTPNotFound
    response = web.Response(body=_read(name), content_type=content_type, charset="utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return response


async def to_console(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/console/")


def add_console_pages(app: web.Application) -> None:
    app.router.add_get("/", to_console)
    app.router.add_get("/console", to_console)
    app.router.add_get("/console/", console_index)
    app.router.add_get("/console/login", login_page)
    app.router.add_get("/console/static/{name}", static_file)
