"""``vibecode serve`` put together: model server, class line (proxy) and the browser app, in one process.

Start-up order: the model server (unless a URL was given, or a scripted FAKE for tests), then the proxy on
the loopback address, then the page. Shutdown (Ctrl+C or SIGTERM) goes the other way and ends every app
process and the model server, so nothing is left running.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from vibecode.serve.engine import EngineServer, EngineStartError, free_port, prepare_model_folder
from vibecode.serve.prepare import AUTO, VIBECODE
from vibecode.serve.gate import ClassGate, new_code, show_code
from vibecode.serve.proxy import ModelProxy, ProxyConfig
from vibecode.serve.web import ClassroomServer, app_argv

log = logging.getLogger("vibecode.serve")

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def lan_addresses() -> list[str]:
    """This computer's IPv4 addresses other than loopback (what children type into their browsers)."""
    import socket

    import psutil

    found = []
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family == socket.AF_INET and not ipaddress.ip_address(address.address).is_loopback:
                found.append(address.address)
    return found


@dataclass
class RoomConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    model: str | None = None  # model spec for the engine we start (None = the default model)
    model_url: str | None = None  # an existing OpenAI-compatible server (e.g. a school's vLLM) instead
    model_name: str | None = None  # the model name that server expects
    api_key: str | None = None
    max_active: int = 8  # requests the engine batches at once; more children wait their turn
    class_code: str | None = None  # None = a new random code when on the network
    require_code: bool | None = None  # None = only when not on localhost
    proxy_port: int | None = None
    threads: int | None = None
    batching: bool = True  # continuous batching at the engine (off: one answer after another)
    engine: str = AUTO  # AUTO: vibecode's own server where its kernels work, else transformers serve


class ClassRoom:
    """Everything ``vibecode serve`` runs; ``run()`` blocks until stopped."""

    def __init__(self, config: RoomConfig, say: Callable[[str], None] = print) -> None:
        self.config = config
        self.say = say
        self.engine: EngineServer | None = None
        self.proxy: ModelProxy | None = None
        self.server: ClassroomServer | None = None
        self.gate: ClassGate | None = None
        self.proxy_url: str | None = None
        self._stop = asyncio.Event()
        self._runners: list[web.AppRunner] = []

    # --- start
    def _start_engine(self) -> None:
        config = self.config
        if config.model and config.model.startswith("scripted:"):
            return  # the FAKE model runs inside each app process; no shared server needed
        if config.model_url:
            upstream, model = config.model_url, config.model_name
            self.say(f"Using the class model server at {upstream}")
        else:
            self.say("Getting the model ready (the first time takes a minute or two)...")
            prepared = prepare_model_folder(config.model, config.engine)
            log.info("engine %s on %s (%s)", prepared.engine, prepared.folder, prepared.reason)
            self.engine = EngineServer(Path(prepared.folder), engine=prepared.engine, threads=config.threads,
                                       continuous_batching=config.batching, max_batch=config.max_active)
            self.say("Starting the shared model server...")
            info = self.engine.start()
            warm = self.engine.warm_up()
            log.info("engine ready on %s (warm-up %.1f s)", info.url, warm)
            upstream, model = info.url, info.model
        # without batching the engine answers one at a time anyway: keep the line here, where it is fair and
        # every waiting child hears their place
        active = config.max_active if config.batching or config.model_url else 1
        proxy_config = ProxyConfig(upstream=upstream, model=model, max_active=active,
                                   api_key=config.api_key)
        self.proxy = ModelProxy(proxy_config, memory_probe=self.engine.memory if self.engine else None)

    async def start(self) -> None:
        config = self.config
        await asyncio.to_thread(self._start_engine)
        if self.proxy is not None:
            port = config.proxy_port or free_port()
            # a child's app that goes away cancels its request at once, so the engine stops on it
            await self._serve(self.proxy.make_app(), "127.0.0.1", port, handler_cancellation=True)
            self.proxy_url = f"http://127.0.0.1:{port}"
        need_code = config.require_code if config.require_code is not None else not is_loopback(config.host)
        if need_code:
            self.gate = ClassGate(config.class_code or new_code())
        argv = app_argv(self.proxy_url, config.model if self.proxy_url is None else None)
        self.server = ClassroomServer(argv, host=config.host, port=config.port, gate=self.gate)
        app = await self.server.make_app()
        await self._serve(app, config.host, config.port)
        self._banner()

    async def _serve(self, app: web.Application, host: str, port: int, handler_cancellation: bool = False) -> None:
        runner = web.AppRunner(app, handle_signals=False, access_log=None, handler_cancellation=handler_cancellation)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runners.append(runner)

    def _banner(self) -> None:
        config = self.config
        if is_loopback(config.host):
            urls = [f"http://{'localhost' if config.host in LOOPBACK_NAMES else config.host}:{config.port}"]
        elif config.host in ("0.0.0.0", "::"):
            urls = [f"http://{address}:{config.port}" for address in lan_addresses()] or [
                f"http://<this computer's address>:{config.port}"]
        else:
            urls = [f"http://{config.host}:{config.port}"]
        self.say("")
        self.say("vibecode is ready for the class!")
        for url in urls:
            self.say(f"  Children open:  {url}")
        if self.gate is not None:
            self.say(f"  Class code:     {show_code(self.gate.code)}   (write it on the board)")
        else:
            self.say("  Only this computer can open it (use --host 0.0.0.0 for the classroom network).")
        if self.engine is not None:
            how = (f"batches up to {config.max_active} children at once" if config.batching
                   else "one answer at a time")
            what = "vibecode's engine" if self.engine.engine == VIBECODE else "transformers serve"
            self.say(f"  Model server:   {self.engine.info.url} ({what}, {how})")
        self.say("Press Ctrl+C to stop. Every child's work is saved on this computer.")

    # --- run and stop
    def request_stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.request_stop)
            except (NotImplementedError, RuntimeError):
                pass
        try:
            await self.start()
            await self._stop.wait()
        finally:
            await self.stop()

    async def stop(self) -> None:
        for runner in reversed(self._runners):  # runs on_shutdown: ends every app process
            try:
                await runner.cleanup()
            except Exception:
                log.exception("while stopping")
        self._runners.clear()
        if self.server is not None:
            await self.server.end_all()
        if self.engine is not None:
            await asyncio.to_thread(self.engine.stop)
            self.engine = None


__all__ = ["ClassRoom", "RoomConfig", "EngineStartError", "is_loopback", "lan_addresses"]
