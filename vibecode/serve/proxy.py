"""The class line in front of the model server: a thin OpenAI-compatible proxy.

Every app process talks to ``http://127.0.0.1:PORT/c/<session>/v1`` (the ``/c/<session>`` part tells children
apart, so the app's HTTP backend needs nothing special). The proxy
- lets requests through to the engine fairly (``FairScheduler``: round-robin, one at a time per child);
- while a streamed request waits, sends SSE comment lines ``: queue {"position": 2, "waited": 3.1}`` about
  once a second (ordinary SSE clients ignore them; ours can show "You are next!"), then
  ``: queue {"position": 0, ...}`` when the turn starts, then the engine's stream unchanged;
- rewrites ``model`` to the engine's model name, so apps need not know the folder the engine loaded;
- closes the engine request when the child goes away (the engine then stops generating);
- answers ``GET /status`` with the line and the engine's memory, for the teacher and the load benchmark.
It listens on the loopback address only: app processes run on this machine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import aiohttp
from aiohttp import web

from vibecode.lm.http import OPTIONS_HEADER
from vibecode.serve.fair import FairScheduler, Ticket

log = logging.getLogger("vibecode.serve")

QUEUE_NOTE_SECONDS = 1.0


@dataclass
class ProxyConfig:
    upstream: str  # the engine's base URL, ending in /v1
    model: str | None = None  # replaces the request's "model" when set
    max_active: int = 8
    api_key: str | None = None  # sent upstream as a bearer token (a school's vLLM may need one)


class ModelProxy:
    """aiohttp application that queues fairly and forwards to the engine."""

    def __init__(self, config: ProxyConfig, memory_probe: Callable[[], dict] | None = None) -> None:
        self.config = config
        self.scheduler = FairScheduler(max_active=config.max_active)
        self.memory_probe = memory_probe
        self.started = time.time()
        self.failures = 0
        self._session: aiohttp.ClientSession | None = None

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=8 * 2**20)
        app.add_routes(
            [
                web.post("/c/{client}/v1/chat/completions", self.handle_chat),
                web.post("/v1/chat/completions", self.handle_chat),
                web.get("/c/{client}/v1/models", self.handle_models),
                web.get("/v1/models", self.handle_models),
                web.get("/status", self.handle_status),
            ]
        )
        app.on_cleanup.append(self._close_session)
        return app

    async def _close_session(self, app: web.Application) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_connect=10))
        return self._session

    def _headers(self, request: web.Request) -> dict[str, str]:
        headers = {"content-type": "application/json"}
        if OPTIONS_HEADER in request.headers:  # vibecode's own settings: our engine reads them, others ignore them
            headers[OPTIONS_HEADER] = request.headers[OPTIONS_HEADER]
        if self.config.api_key:
            headers["authorization"] = f"Bearer {self.config.api_key}"
        return headers

    # --- handlers
    async def handle_models(self, request: web.Request) -> web.Response:
        name = self.config.model or "class-model"
        return web.json_response({"object": "list", "data": [{"id": name, "object": "model", "owned_by": "class"}]})

    async def handle_status(self, request: web.Request) -> web.Response:
        data = {"scheduler": asdict(self.scheduler.stats()), "failures": self.failures,
                "uptime": round(time.time() - self.started, 1), "upstream": self.config.upstream}
        if self.memory_probe is not None:
            data["engine"] = self.memory_probe()
        return web.json_response(data)

    async def handle_chat(self, request: web.Request) -> web.StreamResponse:
        client = request.match_info.get("client") or request.headers.get("x-vibecode-client") or request.remote or "?"
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except (ValueError, json.JSONDecodeError):
            return web.json_response({"error": {"message": "The request was not JSON."}}, status=400)
        if self.config.model:
            body["model"] = self.config.model
        ticket = self.scheduler.enqueue(client)
        try:
            if body.get("stream"):
                return await self._stream(request, body, ticket)
            return await self._whole(request, body, ticket)
        finally:
            self.scheduler.release(ticket)

    async def _whole(self, request: web.Request, body: dict, ticket: Ticket) -> web.Response:
        await self.scheduler.wait(ticket)
        try:
            async with self.session.post(self._url(), json=body, headers=self._headers(request)) as upstream:
                payload = await upstream.read()
                return web.Response(body=payload, status=upstream.status,
                                    content_type=upstream.content_type or "application/json")
        except aiohttp.ClientError as exc:
            self.failures += 1
            log.warning("engine request failed: %r", exc)
            return web.json_response({"error": {"message": "The class model is not answering."}}, status=502)

    async def _stream(self, request: web.Request, body: dict, ticket: Ticket) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers={"content-type": "text/event-stream",
                                                           "cache-control": "no-cache"})
        await response.prepare(request)
        try:
            if not ticket.granted:  # only waiting requests hear about the line
                await self._note(response, ticket)
                while not await self.scheduler.wait(ticket, QUEUE_NOTE_SECONDS):
                    await self._note(response, ticket)
                await self._note(response, ticket)
            async with self.session.post(self._url(), json=body, headers=self._headers(request)) as upstream:
                if upstream.status != 200:
                    text = (await upstream.text())[:500]
                    self.failures += 1
                    log.warning("engine said %s: %s", upstream.status, text)
                    error = {"error": {"message": "The class model could not answer.", "status": upstream.status,
                                       "details": text}}
                    await response.write(f"data: {json.dumps(error)}\n\n".encode())
                    return response
                async for chunk in upstream.content.iter_any():
                    await response.write(chunk)
        except asyncio.CancelledError:
            log.info("child %s left while waiting or streaming", ticket.client)
            raise
        except ConnectionResetError:
            # The child's app closed the connection (it had its program, or the tab closed). Leaving the
            # `async with` above has already ended the engine's answer; aiohttp ignores the closed reply.
            # Raising here printed a traceback per child in the class log (benchmarks/classroom_load.py).
            log.info("child %s left while waiting or streaming", ticket.client)
        except aiohttp.ClientError as exc:
            self.failures += 1
            log.warning("engine stream failed: %r", exc)
            error = {"error": {"message": "The class model stopped answering.", "status": 502}}
            try:
                await response.write(f"data: {json.dumps(error)}\n\n".encode())
            except ConnectionResetError:
                pass
        return response

    async def _note(self, response: web.StreamResponse, ticket: Ticket) -> None:
        note = {"position": self.scheduler.position(ticket), "waited": round(ticket.waited, 1)}
        await response.write(f": queue {json.dumps(note)}\n\n".encode())

    def _url(self) -> str:
        return self.config.upstream.rstrip("/") + "/chat/completions"
