"""The class model server on vibecode's own engine: an OpenAI-compatible HTTP front for the ``Batcher``.

``vibecode serve`` starts it in its own process (``python -m vibecode.serve.model_server --folder F --port P``)
on the loopback address, so the serving process never holds the model, and ends it on shutdown. It loads the
model exactly as the app's own engine does (``LocalModel``: the GGUF's 4/6-bit weights and vibecode's kernels
when the folder is a quantized one) and answers what vibecode's HTTP client (``vibecode.lm.http``), the class
line (``vibecode.serve.proxy``) and ``EngineServer`` send:

- ``POST /v1/chat/completions``: ``messages``, ``stream`` (server-sent events ending in ``data: [DONE]``,
  usage in the last chunk), ``max_tokens`` / ``max_completion_tokens``, ``temperature``, ``top_p``, ``seed``,
  ``stop`` (a string or a list), and ``repetition_penalty`` (a common extension). vibecode's client also
  sends ``X-Vibecode-Options: {"repetition_penalty": 1.1, "stop_at_code_end": true}`` as a header, which
  other servers ignore; here the answer then ends right after the first closed Python block, as on the
  child's own computer. Fields left out take vibecode's own defaults (greedy; no penalty; 700 new tokens).
- ``GET /v1/models``, ``GET /health`` (200 once the model is loaded: it listens only then) and
  ``GET /status`` (the batch's figures).

A child who goes away (closed connection) has their answer dropped at the next step.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
import uuid
from dataclasses import asdict
from pathlib import Path

from aiohttp import web

from vibecode.lm.base import GenerateOptions
from vibecode.serve.batcher import CANCELLED, ERROR, LENGTH, Batcher, Event

log = logging.getLogger("vibecode.serve.model_server")

OPTIONS_HEADER = "X-Vibecode-Options"
MAX_NEW_TOKENS = 4096  # the most one answer may ask for
FINISH_REASONS = {LENGTH: "length"}  # everything else that ends an answer normally is "stop"


class BadRequest(ValueError):
    """The request cannot be answered as sent; the message says why."""


def options_from(body: dict, header: str | None) -> GenerateOptions:
    """GenerateOptions for an OpenAI chat request (and vibecode's header)."""
    extra: dict = {}
    if header:
        try:
            extra = json.loads(header)
        except ValueError as exc:
            raise BadRequest(f"{OPTIONS_HEADER} is not JSON") from exc
        if not isinstance(extra, dict):
            raise BadRequest(f"{OPTIONS_HEADER} must be a JSON object")
    defaults = GenerateOptions()
    try:
        limit = body.get("max_completion_tokens") or body.get("max_tokens") or defaults.max_new_tokens
        stop = body.get("stop") or []
        stop = [stop] if isinstance(stop, str) else [str(s) for s in stop]
        temperature = body.get("temperature")
        top_p = body.get("top_p")
        seed = body.get("seed")
        penalty = extra.get("repetition_penalty", body.get("repetition_penalty"))
        return GenerateOptions(
            max_new_tokens=max(1, min(int(limit), MAX_NEW_TOKENS)),
            temperature=max(0.0, float(temperature)) if temperature is not None else 0.0,
            top_p=float(top_p) if top_p is not None else 1.0,
            seed=int(seed) if seed is not None else None,
            stop=stop,
            stop_at_code_end=bool(extra.get("stop_at_code_end", False)),
            repetition_penalty=float(penalty) if penalty is not None else 1.0,
        )
    except (TypeError, ValueError) as exc:
        raise BadRequest(f"a setting in the request is not a number: {exc}") from exc


def messages_from(body: dict) -> list[dict[str, str]]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("the request has no messages")
    result = []
    for message in messages:
        if not isinstance(message, dict) or "role" not in message:
            raise BadRequest("every message needs a role and content")
        content = message.get("content") or ""
        if isinstance(content, list):  # OpenAI's content parts: keep the text ones
            content = "".join(part.get("text", "") for part in content if isinstance(part, dict))
        result.append({"role": str(message["role"]), "content": str(content)})
    return result


class ModelServer:
    """The aiohttp application around one Batcher."""

    def __init__(self, batcher: Batcher, model_name: str) -> None:
        self.batcher = batcher
        self.tokenizer = batcher.tokenizer
        self.model_name = model_name
        self.started = time.time()

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=8 * 2**20)
        app.add_routes([
            web.post("/v1/chat/completions", self.handle_chat),
            web.get("/v1/models", self.handle_models),
            web.get("/health", self.handle_health),
            web.get("/status", self.handle_status),
        ])
        return app

    def encode(self, messages: list[dict[str, str]]) -> list[int]:
        """The prompt's tokens, made as ``LocalModel.generate`` makes them."""
        prompt = self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return list(self.tokenizer(prompt, add_special_tokens=False)["input_ids"])

    async def handle_health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def handle_models(self, request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [
            {"id": self.model_name, "object": "model", "created": int(self.started), "owned_by": "vibecode"}]})

    async def handle_status(self, request: web.Request) -> web.Response:
        return web.json_response({"batch": asdict(self.batcher.stats()), "max_batch": self.batcher.max_batch,
                                  "uptime": round(time.time() - self.started, 1)})

    async def handle_chat(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise BadRequest("the request is not a JSON object")
            options = options_from(body, request.headers.get(OPTIONS_HEADER))
            prompt_ids = self.encode(messages_from(body))
        except (BadRequest, ValueError) as exc:
            return web.json_response({"error": {"message": str(exc), "type": "invalid_request_error"}}, status=400)
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[Event] = asyncio.Queue()

        def listener(event: Event) -> None:  # on the batch thread
            loop.call_soon_threadsafe(events.put_nowait, event)

        job = self.batcher.submit(prompt_ids, options, listener)
        answer_id = f"chatcmpl-{uuid.uuid4().hex[:16]}"
        try:
            if body.get("stream"):
                return await self._stream(request, events, answer_id)
            return await self._whole(events, answer_id)
        finally:
            if not job.done:  # the child went away (cancelled handler or a failed write)
                self.batcher.cancel(job)

    def _chunk(self, answer_id: str, delta: dict, finish: str | None = None, usage: dict | None = None) -> bytes:
        data: dict = {"id": answer_id, "object": "chat.completion.chunk", "created": int(time.time()),
                      "model": self.model_name, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        if usage is not None:
            data["usage"] = usage
        return f"data: {json.dumps(data)}\n\n".encode()

    async def _stream(self, request: web.Request, events: asyncio.Queue[Event], answer_id: str) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers={"content-type": "text/event-stream",
                                                           "cache-control": "no-cache"})
        await response.prepare(request)
        try:
            await response.write(self._chunk(answer_id, {"role": "assistant", "content": ""}))
            while True:
                event = await events.get()
                if event.text:
                    await response.write(self._chunk(answer_id, {"content": event.text}))
                if event.finish is None:
                    continue
                if event.finish == ERROR:
                    error = {"error": {"message": "The class model had a problem with this answer.",
                                       "type": "server_error", "details": event.error[:500]}}
                    await response.write(f"data: {json.dumps(error)}\n\n".encode())
                elif event.finish != CANCELLED:
                    await response.write(self._chunk(answer_id, {}, FINISH_REASONS.get(event.finish, "stop"),
                                                     _usage(event)))
                await response.write(b"data: [DONE]\n\n")
                await response.write_eof()
                return response
        except ConnectionResetError:  # the child went away (often right after the last words: that is fine)
            return response

    async def _whole(self, events: asyncio.Queue[Event], answer_id: str) -> web.Response:
        text = []
        while True:
            event = await events.get()
            text.append(event.text)
            if event.finish is not None:
                break
        if event.finish == ERROR:
            return web.json_response({"error": {"message": "The class model had a problem with this answer.",
                                                "type": "server_error", "details": event.error[:500]}}, status=500)
        return web.json_response({
            "id": answer_id, "object": "chat.completion", "created": int(time.time()), "model": self.model_name,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(text)},
                         "finish_reason": FINISH_REASONS.get(event.finish, "stop")}],
            "usage": _usage(event),
        })


def _usage(event: Event) -> dict:
    return {"prompt_tokens": event.prompt_tokens, "completion_tokens": event.completion_tokens,
            "total_tokens": event.prompt_tokens + event.completion_tokens}


def load_batcher(folder: str, max_batch: int, threads: int | None = None) -> tuple[Batcher, str]:
    """Load the model the way the app's own engine does, and put a Batcher on it."""
    from vibecode.lm.engine import LocalModel

    model = LocalModel(folder, lean=False)  # transformers' class: the ragged step plugs into its attention
    if threads:
        model.threads = threads
    model.load()
    log.info("model %s loaded (%s, %.1f s)", model.name, model.form, model.load_seconds)
    return Batcher(model.model, model.tokenizer, model._eos_ids(), max_batch=max_batch), model.name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="vibecode's class model server (started by 'vibecode serve')")
    parser.add_argument("--folder", required=True, help="the model folder (quantized or float32)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--max-batch", type=int, default=8, help="answers worked on at once")
    parser.add_argument("--threads", type=int, help="CPU threads for the model")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from vibecode.serve import procs

    procs.parent_watchdog()  # vibecode serve gone (even killed outright): so are we
    batcher, name = load_batcher(args.folder, args.max_batch, args.threads)
    batcher.start()
    server = ModelServer(batcher, Path(args.folder).name or name)
    try:
        # handler_cancellation: a closed connection cancels its handler at once, which drops the answer
        web.run_app(server.make_app(), host=args.host, port=args.port, access_log=None, print=None,
                    handler_cancellation=True)
    finally:
        batcher.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
