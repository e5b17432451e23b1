"""The class line's proxy over real loopback HTTP. The engine behind it is a FAKE (a few lines of aiohttp
that stream SSE chunks slowly), because the point is what the proxy does when a child hangs up mid-answer;
the real engines behind the same proxy are in test_serve_engine.py."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from aiohttp import web

from vibecode.serve.proxy import ModelProxy, ProxyConfig


async def _start(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}"


async def test_a_child_who_hangs_up_mid_answer_ends_the_engine_answer_quietly(caplog):
    engine_done = asyncio.Event()
    engine_stopped_early = asyncio.Event()

    async def chat(request: web.Request) -> web.StreamResponse:
        reply = web.StreamResponse(headers={"content-type": "text/event-stream"})
        await reply.prepare(request)
        try:
            for i in range(200):
                await reply.write(f'data: {{"choices": [{{"delta": {{"content": "w{i} "}}}}]}}\n\n'.encode())
                await asyncio.sleep(0.02)
            await reply.write(b"data: [DONE]\n\n")
        except ConnectionResetError:
            engine_stopped_early.set()  # a real engine stops generating here
        finally:
            engine_done.set()
        return reply

    engine = web.Application()
    engine.router.add_post("/v1/chat/completions", chat)
    engine_runner, engine_url = await _start(engine)
    proxy = ModelProxy(ProxyConfig(upstream=f"{engine_url}/v1", max_active=2))
    proxy_runner, proxy_url = await _start(proxy.make_app())
    caplog.set_level(logging.INFO)
    try:
        body = {"model": "x", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{proxy_url}/c/ana/v1/chat/completions", json=body) as reply:
                async for line in reply.content:
                    if b"w3 " in line:
                        break  # Ana has what she needs and closes the connection
            await asyncio.wait_for(engine_done.wait(), 10)
            assert engine_stopped_early.is_set()  # the engine's answer was ended, not written to the end

            async with session.post(f"{proxy_url}/c/ben/v1/chat/completions", json=body) as reply:
                text = await reply.text()
            assert "w199" in text and "[DONE]" in text  # the next child is served as usual
        assert proxy.failures == 0
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # no traceback in the class log
        assert any("left while waiting or streaming" in r.getMessage() for r in caplog.records)
    finally:
        await proxy_runner.cleanup()
        await engine_runner.cleanup()
