"""The model engine's own process: ``python -m vibecode.lm.worker``.

It speaks JSON lines: one JSON object per line on stdin (requests) and stdout (events). The UI process
starts it (``vibecode.lm.client``) so torch never runs in the UI. Anything else the libraries print goes
to stderr, which the client sends to the engine log.

Requests (client -> worker)::

    {"op": "load", "model": "tiny" | "qwen-1.5b" | folder | HF id | null, "full_check": false}
    {"op": "generate", "id": 7, "messages": [{"role": ..., "content": ...}], "options": {...}}
    {"op": "prefill", "id": 8, "messages": [...], "tentative": false, "answer": {...} | null}
                                # read a conversation's start now (tentative: with words the child may still
                                # change); answered by "done". With "answer" (options) the worker then writes
                                # the answer ahead until its next request (LocalModel.answer_ahead)
    {"op": "cancel"}            # handled at once by the reader thread: the running generation stops
    {"op": "stop_reading", "id": 8}  # at once too: that prefill stops after the piece it reads (a newer
                                # request is coming); what it read is remembered, "done" as usual
    {"op": "stats"}
    {"op": "shutdown"}

Events (worker -> client)::

    {"event": "hello", "pid": 123}
    {"event": "progress", "message": "Unpacking the model...", "fraction": 0.42}     # fraction may be null
    {"event": "ready", "info": {...}}
    {"event": "chunk", "id": 7, "text": "...", "tokens": 12}    # tokens: written so far in this answer
    {"event": "done", "id": 7, "stats": {...}}
    {"event": "stats", "info": {...}}
    {"event": "error", "id": 7 | null, "message": "plain words", "details": "for the log"}

The worker ends when stdin closes (its parent died or closed the pipe).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import sys
import threading
import traceback


class Channel:
    """Writes events to the real stdout, which is kept private: fd 1 is pointed at stderr so stray prints
    from libraries cannot break the protocol."""

    def __init__(self) -> None:
        sys.stdout.flush()
        fd = os.dup(1)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self._out = os.fdopen(fd, "w", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()

    def send(self, **event: object) -> None:
        line = json.dumps(event, ensure_ascii=False)
        with self._lock:
            try:
                self._out.write(line + "\n")
                self._out.flush()
            except (BrokenPipeError, ValueError, OSError):
                pass  # the client is gone; the stdin reader will see EOF and stop us


class Worker:
    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.requests: queue.Queue[dict] = queue.Queue()
        self.cancel = threading.Event()
        self.model = None  # engine.LocalModel, once loaded
        self.last_stats: dict | None = None
        self.cancelled_ids: set = set()  # cancels that may arrive before their generate request runs
        self.stop_reading_ids: set = set()  # prefills to cut short (a newer request waits behind them)
        self.lock = threading.Lock()
        self.import_seconds = 0.0  # importing torch + transformers (the first load only)

    # reader thread ------------------------------------------------------------------------------
    def read_stdin(self) -> None:
        for raw in sys.stdin:
            raw = raw.strip()
            if not raw:
                continue
            try:
                request = json.loads(raw)
            except ValueError:
                self.channel.send(event="error", id=None, message="The helper got a garbled request.", details=raw[:200])
                continue
            if request.get("op") == "stop_reading":  # never touches a generation's cancel
                with self.lock:
                    self.stop_reading_ids.add(request.get("id"))
                continue
            if request.get("op") == "cancel":
                with self.lock:
                    if request.get("id") is not None:
                        self.cancelled_ids.add(request.get("id"))
                    self.cancel.set()
                continue
            self.requests.put(request)
        # stdin closed: the app is gone. Stop any work and leave.
        self.cancel.set()
        self.requests.put({"op": "shutdown"})
        # A conversion cannot be interrupted between tensors; don't let it outlive the app by much.
        timer = threading.Timer(10.0, lambda: os._exit(0))
        timer.daemon = True
        timer.start()

    # main loop ----------------------------------------------------------------------------------
    def run(self) -> int:
        reader = threading.Thread(target=self.read_stdin, name="stdin-reader", daemon=True)
        reader.start()
        self.channel.send(event="hello", pid=os.getpid())
        while True:
            request = self.requests.get()
            op = request.get("op")
            if op == "shutdown":
                return 0
            try:
                if op == "load":
                    self.do_load(request)
                elif op == "generate":
                    self.do_generate(request)
                elif op == "prefill":
                    if self.do_prefill(request) and request.get("answer") is not None:
                        self.answer_ahead(request)
                elif op == "stats":
                    self.channel.send(event="stats", info=self.info())
                else:
                    self.channel.send(event="error", id=request.get("id"), message="The helper got a request it does not know.", details=str(op))
            except Exception as exc:  # report, log, keep serving
                from vibecode.lm.base import EngineError

                details = traceback.format_exc()
                logging.getLogger("vibecode.lm.worker").error("request %s failed:\n%s", op, details)
                message = exc.message if isinstance(exc, EngineError) else (
                    "Something went wrong inside the helper. Try again; if it keeps happening, ask your teacher."
                )
                if isinstance(exc, MemoryError):
                    message = "This computer ran out of memory for the helper. Close other programs and try again."
                self.channel.send(event="error", id=request.get("id"), message=message, details=details[-4000:])

    def info(self) -> dict:
        from vibecode.lm import engine

        data = self.model.info() if self.model is not None else {"rss_mb": round(engine.rss_mb(), 1)}
        data["peak_rss_mb"] = round(engine.peak_rss_mb(), 1)
        data["import_seconds"] = self.import_seconds
        data["last_stats"] = self.last_stats
        return data

    def do_load(self, request: dict) -> None:
        import time

        started = time.monotonic()
        from vibecode.lm import sources

        sources.prefetch(request.get("model"))
        from vibecode.lm import engine

        self.import_seconds = self.import_seconds or round(time.monotonic() - started, 3)

        spec = request.get("model")
        if self.model is None or self.model.spec != spec:
            self.model = None
            model = engine.LocalModel(spec)

            def progress(message: str, fraction: float | None) -> None:
                self.channel.send(event="progress", message=message, fraction=fraction)

            model.load(progress, full_check=bool(request.get("full_check")))
            self.model = model
        self.channel.send(event="ready", info=self.info())

    def do_prefill(self, request: dict) -> bool:
        """Read a prompt ahead; False when a newer request cut it short (stop_reading)."""
        from vibecode.lm.base import ChatMessage, EngineError

        if self.model is None:
            raise EngineError("The helper is not ready yet. Wait a moment and try again.")
        rid = request.get("id")
        messages = [ChatMessage.from_dict(m) for m in request.get("messages") or []]

        def stopped() -> bool:
            return rid in self.stop_reading_ids

        read = self.model.prefill(messages, bool(request.get("tentative")), stopped) if messages else 0
        with self.lock:
            cut = stopped()
            # this one's, and any that came after their own prefill was over (the client's ids only grow)
            self.stop_reading_ids = {i for i in self.stop_reading_ids
                                     if isinstance(i, int) and isinstance(rid, int) and i > rid}
        self.channel.send(event="done", id=rid, stats={"prompt_tokens": read})
        return not cut

    def answer_ahead(self, request: dict) -> None:
        """Write the answer to the prompt just read while the child pauses before Enter; any request (Enter's
        generate, the next pause's prefill) stops it after the pass it is in. Only a head start: errors go
        to the log, not to the app (it has its "done" already)."""
        from vibecode.lm.base import ChatMessage, GenerateOptions

        messages = [ChatMessage.from_dict(m) for m in request.get("messages") or []]
        try:
            written = self.model.answer_ahead(messages, GenerateOptions.from_dict(request.get("answer")),
                                              lambda: not self.requests.empty())
            logging.getLogger("vibecode.lm.worker").debug("answer written ahead: %d tokens", written)
        except Exception:
            logging.getLogger("vibecode.lm.worker").exception("writing the answer ahead failed")

    def do_generate(self, request: dict) -> None:
        from vibecode.lm.base import ChatMessage, EngineError, GenerateOptions

        rid = request.get("id")
        if self.model is None:
            raise EngineError("The helper is not ready yet. Wait a moment and try again.")
        messages = [ChatMessage.from_dict(m) for m in request.get("messages") or []]
        options = GenerateOptions.from_dict(request.get("options"))
        with self.lock:
            self.cancel.clear()
            # a cancel for this request that arrived before it started still counts
            if rid is not None and rid in self.cancelled_ids:
                self.cancelled_ids.discard(rid)
                self.cancel.set()

        def emit(text: str, tokens: int | None = None) -> None:
            if tokens is None:
                self.channel.send(event="chunk", id=rid, text=text)
            else:
                self.channel.send(event="chunk", id=rid, text=text, tokens=tokens)

        stats = self.model.generate(messages, options, self.cancel, emit)
        self.last_stats = stats.to_dict()
        self.channel.send(event="done", id=rid, stats=self.last_stats)


def _setup_logging() -> None:
    level = os.environ.get("VIBECODE_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        stream=sys.stderr, level=getattr(logging, level, logging.INFO),
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")


def _yield_to_the_app() -> None:
    """Run the model at a slightly lower priority than the app, so typing and program output stay smooth
    while the model works on a 2-core machine (the TUI measured 0.5 s stalls at equal priority). When the
    app is idle the model still gets every core. VIBECODE_WORKER_NICE=0 turns this off."""
    try:
        os.nice(int(os.environ.get("VIBECODE_WORKER_NICE", "5")))
    except (OSError, ValueError, AttributeError):  # not on this OS, or not allowed: run as we are
        pass


def _share_the_cores() -> None:
    """torch's OpenMP threads spin while they wait for each other; when anything else runs on a 2-core
    machine (the app, a child's program, a browser) the spinning threads steal each other's core: the tiny
    model measured 2 tokens/s instead of 41 at load 4.5. Sleeping waits (PASSIVE) cost little when the
    machine is idle. Must be set before torch is imported; an OMP_WAIT_POLICY set by the user wins."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def main() -> int:
    channel = Channel()
    _setup_logging()
    _share_the_cores()
    _yield_to_the_app()
    code = Worker(channel).run()
    # Leave without interpreter teardown: torch's and tokenizers' native threads can abort the process
    # ("terminate called without an active exception") while Python shuts down around them.
    logging.shutdown()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
