"""The browser side: textual-serve with a class code in front and no orphan app processes behind.

textual-serve's ``Server`` starts one app process per websocket (browser tab). We change three things:
- the page's websocket address comes from the address the browser used, so the same server works on
  localhost and on the school network without guessing the teacher's IP;
- ``ClassGate`` (the class code) guards the page and the websocket when the server is on the network;
- ``ReapingAppService`` starts each app in its own process group, tied to us, and when the tab goes away it
  ends the app for sure: it asks it to quit, closes its input, and after a few seconds kills the whole process
  tree (a tab that disconnects during start-up used to leave its app spinning, deaf to SIGTERM). A reaper
  sweeps every few seconds, and shutdown ends every app that is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from vibecode.serve import procs
from vibecode.serve.gate import ClassGate

log = logging.getLogger("vibecode.serve")

QUIT_GRACE = 3.0  # seconds an app gets to quit by itself once its tab is gone
REAP_EVERY = 5.0


class ReapingAppService(AppService):
    """One tab's app process, which always ends when the tab does."""

    def __init__(self, argv: list[str], registry: set[ReapingAppService], **kwargs: Any) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv = argv
        self.registry = registry
        self.closed_at: float | None = None  # when the tab went away
        self.started_at = time.monotonic()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def _open_app_process(self, width: int = 80, height: int = 24):
        environment = self._build_environment(width=width, height=height)
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=environment,
            start_new_session=True,
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        self.registry.add(self)
        return process

    async def stop(self) -> None:
        """Ask the app to quit; if it has not gone after ``QUIT_GRACE`` seconds, kill its whole tree."""
        if self.closed_at is None:
            self.closed_at = time.monotonic()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(super().stop(), QUIT_GRACE)
        if self._stdin is not None:
            with contextlib.suppress(Exception):
                self._stdin.close()
        await self.end(QUIT_GRACE)

    async def end(self, grace: float = 0.0) -> None:
        """Make sure the process tree is gone (waits up to ``grace`` s for a clean exit first)."""
        process = self._process
        if process is None:
            self.registry.discard(self)
            return
        if process.returncode is None and grace > 0:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(process.wait(), grace)
        killed = await asyncio.to_thread(procs.kill_tree, process.pid)
        if killed:
            log.warning("app process %s did not end by itself; killed %d process(es)", process.pid, killed)
        if process.returncode is None:
            with contextlib.suppress(asyncio.TimeoutError, ProcessLookupError):
                await asyncio.wait_for(process.wait(), 5)
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self.registry.discard(self)


class ClassroomServer(Server):
    """textual-serve ``Server`` for a class: gate, per-request websocket URL, reaped app processes."""

    def __init__(self, argv: list[str], *, host: str, port: int, gate: ClassGate | None = None,
                 title: str = "vibecode") -> None:
        super().__init__(" ".join(argv), host=host, port=port, title=title)
        self.argv = argv
        self.gate = gate
        self.apps: set[ReapingAppService] = set()
        self.sockets: set[web.WebSocketResponse] = set()
        self.tabs_opened = 0
        self._reaper: asyncio.Task | None = None

    async def make_app(self) -> web.Application:
        app = await self._make_app()
        if self.gate is not None:
            app.middlewares.append(self.gate.middleware)
            app.router.add_get("/join", self.gate.handle_join)
            app.router.add_post("/join", self.gate.handle_join)
        app.router.add_get("/favicon.ico", self._no_icon)
        return app

    async def _no_icon(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def on_startup(self, app: web.Application) -> None:
        self._reaper = asyncio.create_task(self._reap_forever())

    async def on_shutdown(self, app: web.Application) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        await self.end_all()

    async def end_all(self) -> None:
        """End every app process and close every tab's connection (server shutdown)."""
        await asyncio.gather(*(service.end(0.0) for service in list(self.apps)), return_exceptions=True)
        await asyncio.gather(*(socket.close(code=1001, message=b"server stopping") for socket in list(self.sockets)),
                             return_exceptions=True)

    async def _reap_forever(self) -> None:
        while True:
            await asyncio.sleep(REAP_EVERY)
            await self.reap()

    async def reap(self) -> None:
        """Kill app processes whose tab is gone but that are still running (should not happen; belt and braces)."""
        now = time.monotonic()
        for service in list(self.apps):
            process = service._process
            if process is not None and process.returncode is not None:
                await service.end()
            elif service.closed_at is not None and now - service.closed_at > 2 * QUIT_GRACE:
                await service.end()

    def app_pids(self) -> list[int]:
        return [pid for service in self.apps if (pid := service.pid) is not None]

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """The app page; its websocket address is built from the address this browser used."""
        font_size = to_int(request.query.get("fontsize", "16"), 16)
        scheme = "wss" if request.secure else "ws"
        return {
            "font_size": font_size,
            "app_websocket_url": f"{scheme}://{request.host}/ws",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One tab: start its app, pass keys both ways, and end the app when the tab goes."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service: ReapingAppService | None = None
        try:
            await websocket.prepare(request)
            self.tabs_opened += 1
            service = ReapingAppService(
                self.argv, self.apps,
                write_bytes=websocket.send_bytes, write_str=websocket.send_str, close=websocket.close,
                download_manager=self.download_manager, debug=self.debug,
            )
            self.sockets.add(websocket)
            await service.start(width, height)
            assert service._task is not None
            # when the app ends by itself (or crashes), close the tab's connection instead of leaving it hanging
            service._task.add_done_callback(lambda _: asyncio.ensure_future(websocket.close()))
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await websocket.close()
        except Exception:  # a broken tab must not take the class down
            log.exception("tab failed")
        finally:
            self.sockets.discard(websocket)
            if service is not None:
                await asyncio.shield(service.stop())
        return websocket


def app_argv(proxy: str | None, model: str | None) -> list[str]:
    """The command each tab's app process runs."""
    argv = [sys.executable, "-m", "vibecode.serve.launcher"]
    if proxy:
        argv += ["--proxy", proxy]
    elif model:
        argv += ["--model", model]
    return argv

