"""HttpBackend: a model on another computer that speaks the OpenAI chat API (the class server).

It posts to ``<base>/chat/completions`` with ``"stream": true`` and reads the server-sent events with the
standard library (no new dependency). Works with ``transformers serve`` and any OpenAI-compatible server.
``cancel()`` closes the connection, which also tells the server to stop. The answer is cut after the first
closed Python block exactly like the local engine does.

vibecode's own settings that the OpenAI API has no field for (the repetition penalty, and "stop right after
the first closed Python block") go in an ``X-Vibecode-Options`` JSON header: vibecode's class server applies
them, so the answer is the same as on this computer, and other servers ignore the header (``transformers
serve`` refuses unknown fields in the body).

Spec: ``http://host:port/v1`` or ``http://host:port/v1#model-name`` (the model name is only sent when
given: a server that serves one model needs none, and ``transformers serve`` rejects any other name).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from vibecode.lm.base import (
    LOCATION_SERVER,
    Backend,
    ChatMessage,
    EngineError,
    GenerateOptions,
    GenerationStats,
    ProgressCallback,
)
from vibecode.lm.textstop import StopScanner

UNREACHABLE = "The class computer isn't answering. Ask your teacher to check it."
SERVER_TROUBLE = "The class computer had a problem with this question. Try again, or ask your teacher to check it."
OPTIONS_HEADER = "X-Vibecode-Options"  # vibecode's own settings, as JSON (see above)
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 600.0  # a busy class server may take long before the first word


class HttpBackend(Backend):
    """A model served over HTTP with the OpenAI chat-completions API."""

    location = LOCATION_SERVER

    def __init__(self, base_url: str, model: str | None = None, *, api_key: str | None = None) -> None:
        super().__init__()
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EngineError(f"That class server address does not look right: {base_url}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        path = parts.path.rstrip("/")
        if not path.endswith("/v1"):
            path += "/v1"
        self.base_path = path
        self.model = model or None
        self.api_key = api_key
        self.name = model or f"class server {self.host}"
        self.base_url = f"{self.scheme}://{parts.netloc}{self.base_path}"
        self._conn: http.client.HTTPConnection | None = None
        self._conn_lock = threading.Lock()
        self._cancelled = threading.Event()

    @classmethod
    def from_spec(cls, spec: str) -> HttpBackend:
        url, _, model = spec.partition("#")
        return cls(url, model or None)

    # connection helpers -------------------------------------------------------------------------
    def _connect(self, timeout: float) -> http.client.HTTPConnection:
        kind = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        return kind(self.host, self.port, timeout=timeout)

    def _headers(self, options: GenerateOptions | None = None) -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if options is not None:
            headers[OPTIONS_HEADER] = json.dumps({"repetition_penalty": float(options.repetition_penalty or 1.0),
                                                  "stop_at_code_end": bool(options.stop_at_code_end)})
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        return headers

    def _prepare(self, on_progress: ProgressCallback | None) -> None:
        if on_progress is not None:
            on_progress("Calling the class computer...", None)
        try:
            with socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT):
                pass
        except OSError as exc:
            raise EngineError(UNREACHABLE, details=f"{self.base_url}: {exc!r}") from exc
        if on_progress is not None:
            on_progress("Ready!", 1.0)

    # Backend ------------------------------------------------------------------------------------
    def _stream(self, messages: list[ChatMessage], options: GenerateOptions) -> Iterator[str]:
        self._cancelled.clear()
        body: dict = {
            "messages": [m.to_dict() for m in messages],
            "stream": True,
            "max_tokens": int(options.max_new_tokens),
            "temperature": float(options.temperature),
        }
        if self.model:
            body["model"] = self.model
        if options.temperature > 0:
            body["top_p"] = float(options.top_p)
            if options.seed is not None:
                body["seed"] = int(options.seed)
        if options.stop:
            body["stop"] = list(options.stop)[:4]
        scanner = StopScanner(options.stop, options.stop_at_code_end)
        t0 = time.monotonic()
        first: float | None = None
        last: float | None = None
        pieces = 0
        usage: dict = {}
        text = ""
        sent = ""
        conn = self._connect(CONNECT_TIMEOUT)
        with self._conn_lock:
            self._conn = conn
        try:
            try:
                conn.request("POST", self.base_path + "/chat/completions", json.dumps(body), self._headers(options))
                if conn.sock is not None:
                    conn.sock.settimeout(READ_TIMEOUT)
                response = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                if self._cancelled.is_set():
                    return
                raise EngineError(UNREACHABLE, details=f"{self.base_url}: {exc!r}") from exc
            if response.status >= 400:
                detail = response.read(2000).decode("utf-8", "replace")
                raise EngineError(SERVER_TROUBLE, details=f"HTTP {response.status}: {detail}")
            stop = False
            while not stop and not self._cancelled.is_set():
                try:
                    raw = response.readline()
                except (OSError, http.client.HTTPException, ValueError, AttributeError) as exc:
                    if self._cancelled.is_set():
                        break
                    raise EngineError(UNREACHABLE, details=f"connection lost: {exc!r}") from exc
                if not raw:
                    break  # server closed the stream
                line = raw.decode("utf-8", "replace").strip()
                if line.startswith(": queue"):  # the class proxy: still waiting for a turn (vibecode.serve)
                    self._heard_queue(line[len(": queue"):])
                    continue
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                try:
                    event = json.loads(data)
                except ValueError:
                    continue
                if event.get("error"):
                    raise EngineError(SERVER_TROUBLE, details=json.dumps(event["error"])[:2000])
                if isinstance(event.get("usage"), dict):
                    usage = event["usage"]
                for choice in event.get("choices") or []:
                    delta = choice.get("delta") or {}
                    piece = delta.get("content")
                    if piece:
                        now = time.monotonic()
                        first = first or now
                        last = now
                        pieces += 1
                        text += piece
                        cut = scanner.scan(text)
                        stop = stop or cut.stop
                        if len(cut.text) > len(sent):
                            chunk = cut.text[len(sent) :]
                            sent = cut.text
                            self.tokens_so_far = pieces  # about one token per delta (what servers send)
                            yield chunk
                    if choice.get("finish_reason"):
                        stop = True
            if not self._cancelled.is_set():
                cut = scanner.scan(text, final=True)
                if len(cut.text) > len(sent):
                    self.tokens_so_far = pieces
                    yield cut.text[len(sent) :]
        finally:
            with self._conn_lock:
                self._conn = None
            conn.close()  # also how the server learns to stop when we cut the answer short
            end = time.monotonic()
            completion = int(usage.get("completion_tokens") or pieces)
            self.last_stats = GenerationStats(
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=completion,
                seconds=end - t0,
                first_token_seconds=(first or end) - t0,
                tokens_per_second=(pieces - 1) / (last - first) if first and last and last > first else 0.0,
                cancelled=self._cancelled.is_set(),
            )

    # Set by the app: called with (place in the class line, seconds waited so far); place 0 = your turn now.
    on_wait: Callable[[int, float], None] | None = None

    def _heard_queue(self, payload: str) -> None:
        try:
            note = json.loads(payload)
            position, waited = int(note.get("position", 0)), float(note.get("waited", 0.0))
        except (ValueError, TypeError, AttributeError):
            return
        hook = self.on_wait
        if hook is not None:
            hook(position, waited)

    def _cancel(self) -> None:
        self._cancelled.set()
        with self._conn_lock:
            conn = self._conn
        if conn is not None and conn.sock is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)  # wakes the reading thread at once
            except OSError:
                pass

    def close(self) -> None:
        self._cancel()
        self._prepared = False

    def info(self) -> dict:
        return {"name": self.name, "location": self.location, "url": self.base_url, "model": self.model}
