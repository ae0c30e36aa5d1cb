"""The page's routes, on Starlette: HTML from the templates in ``page/``, JSON for the actions,
a stream of JSON lines for refresh progress. All of it sits behind :class:`Guard`.

Routes::

    GET    /                          the page
    GET    /fragments/models          the model list alone (swapped in after a refresh)
    GET    /static/{name}             the page's own script and style sheet
    GET    /logos/{provider}.svg      a provider's logo, under its own locked-down policy
    PUT    /api/keys/{provider}       {"key": "..."} → the key card, masked
    PUT    /api/variables/{provider}/{name}  {"value": "..."} → the key card (a templated base
                                      URL's variable; blank: back to its default)
    DELETE /api/keys/{provider}       → the key card
    POST   /api/keys/{provider}/test  → an outcome: live listing with the key now in use
    PUT    /api/models/visibility     {"model_id": "...", "hidden": true}
    POST   /api/refresh               {"providers": [...] | null} → JSON lines: one outcome per
                                      provider as it finishes, then {"summary": ...}
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from importlib.resources import files
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from llm_registry.runtime._errors import ConfigError, ProviderError, UnknownProviderError
from llm_registry.runtime._serve.guard import CSRF_HEADER, Guard
from llm_registry.runtime._serve.settings import Settings
from llm_registry.runtime._serve.views import KeyForm, Outcome

__all__ = ["create_app"]

_PAGE = files("llm_registry.runtime._serve") / "page"
_STATIC = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
# A logo is an image from the registry, re-serialised by the compiler; served on its own it
# still gets a policy that allows no script, no fetch and nothing but its own inline styles.
_LOGO_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
_MAX_BODY = 64 * 1024  # no action needs more; a key is far shorter


def create_app(settings: Settings, *, token: str, csrf_token: str, hosts: set[str]) -> Guard:
    """The page as an ASGI app, guarded (see `guard`)."""
    routes = _Routes(settings, csrf_token)
    app = Starlette(
        routes=[
            Route("/", routes.page),
            Route("/fragments/models", routes.models_fragment),
            Route("/static/{name}", routes.static),
            Route("/logos/{provider}.svg", routes.logo),
            Route("/api/keys/{provider}", routes.save_key, methods=["PUT"]),
            Route("/api/keys/{provider}", routes.delete_key, methods=["DELETE"]),
            Route("/api/keys/{provider}/test", routes.test_key, methods=["POST"]),
            Route("/api/variables/{provider}/{name}", routes.save_variable, methods=["PUT"]),
            Route("/api/models/visibility", routes.visibility, methods=["PUT"]),
            Route("/api/refresh", routes.refresh, methods=["POST"]),
        ],
        exception_handlers={ProviderError: _provider_error},  # type: ignore[dict-item]
    )
    return Guard(app, token=token, csrf_token=csrf_token, hosts=hosts)


class _Routes:
    """The handlers, over one :class:`Settings`."""

    def __init__(self, settings: Settings, csrf_token: str) -> None:
        self.settings = settings
        self.csrf_token = csrf_token
        self.templates = jinja2.Environment(
            loader=jinja2.FunctionLoader(lambda name: (_PAGE / name).read_text(encoding="utf-8")),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.templates.filters["thousands"] = lambda n: "—" if n is None else f"{n:,}"
        self.templates.filters["per_million"] = _per_million

    async def page(self, request: Request) -> Response:
        forms, sections = await asyncio.to_thread(self.settings.page_views)
        html = self.templates.get_template("index.html.jinja").render(
            key_forms=forms,
            sections=sections,
            csrf_token=self.csrf_token,
            csrf_header=CSRF_HEADER,
            key_store=self.settings.key_store.location,
            package=self.settings.registry.package,
        )
        return HTMLResponse(html)

    async def models_fragment(self, request: Request) -> Response:
        sections = await asyncio.to_thread(self.settings.provider_models)
        html = self.templates.get_template("models.html.jinja").render(sections=sections)
        return HTMLResponse(html)

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _STATIC:
            return _not_found()
        return Response((_PAGE / name).read_bytes(), media_type=_STATIC[name])

    async def logo(self, request: Request) -> Response:
        file = self.settings.logo_file(request.path_params["provider"])
        if not file:
            return _not_found()
        svg = (self.settings.registry.logos / file).read_bytes()
        return Response(
            svg,
            media_type="image/svg+xml",
            headers={"content-security-policy": _LOGO_POLICY, "cache-control": "max-age=3600"},
        )

    async def save_key(self, request: Request) -> Response:
        body = await _json_body(request)
        key = body.get("key")
        if not isinstance(key, str):
            return _problem(400, 'send the key as {"key": "..."}')
        provider_id = request.path_params["provider"]
        form = await asyncio.to_thread(self.settings.save_key, provider_id, key)
        return JSONResponse(self._key_card(form))

    async def save_variable(self, request: Request) -> Response:
        body = await _json_body(request)
        value = body.get("value")
        if not isinstance(value, str):
            return _problem(400, 'send the value as {"value": "..."}')
        form = await asyncio.to_thread(
            self.settings.save_variable,
            request.path_params["provider"],
            request.path_params["name"],
            value,
        )
        return JSONResponse(self._key_card(form))

    async def delete_key(self, request: Request) -> Response:
        form = await asyncio.to_thread(self.settings.delete_key, request.path_params["provider"])
        return JSONResponse(self._key_card(form))

    async def test_key(self, request: Request) -> Response:
        outcome = await self.settings.test_key(request.path_params["provider"])
        return JSONResponse(outcome.as_json())

    async def visibility(self, request: Request) -> Response:
        body = await _json_body(request)
        model_id, hidden = body.get("model_id"), body.get("hidden")
        if not isinstance(model_id, str) or not isinstance(hidden, bool):
            return _problem(400, 'send {"model_id": "<provider>::<model>", "hidden": bool}')
        if not await asyncio.to_thread(self.settings.set_hidden, model_id, hidden):
            return _problem(404, f"no model {model_id!r} in the model database")
        return JSONResponse({"model_id": model_id, "hidden": hidden})

    async def refresh(self, request: Request) -> Response:
        body = await _json_body(request)
        providers = body.get("providers")
        if providers is not None and (
            not isinstance(providers, list) or not all(isinstance(p, str) for p in providers)
        ):
            return _problem(400, 'send {"providers": ["<id>", ...]} or null for all')
        lines = _refresh_lines(self.settings, providers)
        return StreamingResponse(lines, media_type="application/x-ndjson")

    def _key_card(self, form: KeyForm) -> dict[str, Any]:
        return {
            "provider_id": form.provider_id,
            "key_source": form.key_source,
            "masked_key": form.masked_key,
            "key_store": self.settings.key_store.location,
            "variables": [
                {"name": v.name, "stored": v.stored, "value": v.value, "source": v.source}
                for v in form.variables
            ],
        }


async def _refresh_lines(settings: Settings, providers: list[str] | None) -> AsyncIterator[bytes]:
    """One JSON line per provider as it finishes, then a summary line; an error ends the stream
    with an error line rather than a broken response."""
    queue: asyncio.Queue[Outcome | None] = asyncio.Queue()
    work = asyncio.ensure_future(settings.refresh(providers, queue.put_nowait))
    work.add_done_callback(lambda _: queue.put_nowait(None))
    try:
        while (outcome := await queue.get()) is not None:
            yield _line({"outcome": outcome.as_json()})
        outcomes = work.result()
    except ProviderError as error:
        yield _line({"error": error.message})
        return
    finally:
        work.cancel()
    yield _line({"summary": _summary(outcomes)})


def _summary(all_outcomes: list[Outcome]) -> dict[str, Any]:
    skipped = [o.provider_id for o in all_outcomes if o.source == "skipped"]
    outcomes = [o for o in all_outcomes if o.source != "skipped"]
    live = sum(o.ok for o in outcomes)
    failed = [o for o in outcomes if not o.ok]
    parts = [f"{live} listed live"]
    cached = sum(o.source == "cache" for o in failed)
    if cached:
        parts.append(f"{cached} from the cache")
    fallback = sum(o.source == "fallback" for o in failed)
    if fallback:
        parts.append(f"{fallback} from the registry")
    text = f"Refreshed {len(outcomes)} providers: {', '.join(parts)}"
    if failed:
        text += f"; {len(failed)} failed"
    if skipped:
        text += f"; not refreshed, a base-URL variable without a value: {', '.join(skipped)}"
    return {
        "providers": len(outcomes),
        "live": live,
        "failed": [o.provider_id for o in failed],
        "skipped": skipped,
        "models": sum(o.models for o in outcomes),
        "message": text + ".",
    }


def _line(value: dict[str, Any]) -> bytes:
    return (json.dumps(value, ensure_ascii=False) + "\n").encode("utf-8")


def _per_million(price: float | None) -> str:
    if price is None:
        return "—"
    return f"${price * 1_000_000:,.2f}"


async def _json_body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise ConfigError("send the request body as application/json")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > _MAX_BODY:
            raise ConfigError(f"the request body is over {_MAX_BODY:,} bytes")
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        raise ConfigError("the request body is not JSON") from None
    if not isinstance(value, dict):
        raise ConfigError("the request body must be a JSON object")
    return value


def _not_found() -> Response:
    return Response("not found\n", status_code=404, media_type="text/plain")


def _problem(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _provider_error(request: Request, error: ProviderError) -> Response:
    status = 404 if isinstance(error, UnknownProviderError) else 400
    return _problem(status, f"{error.kind}: {error.message}")
