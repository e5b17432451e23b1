"""The shared model server, started and watched by ``vibecode serve`` (or a URL to an existing one).

Two engines, both OpenAI-compatible and both batching (continuous batching: every child's next token goes
into the same step, so ten children cost far less than ten times one child, because a CPU step is bound by
reading the weights):

- ``vibecode`` (the default where vibecode's kernels work): our own server, ``vibecode.serve.model_server``,
  on the GGUF's own 4/6-bit weights (the quantized cache folder): about a fifth of the memory of float32
  and several times the speed per step here, and the same greedy answers as the child's own computer
  (``vibecode.serve.batcher``).
- ``transformers`` (``vibecode serve --engine transformers``, and the fallback without the kernels):
  ``transformers serve --continuous-batching`` (transformers' own FastAPI/uvicorn server) on the float32
  folder. It loads 6.7 GB for the 1.5B model and applies no repetition penalty.

When the CPU is also busy with other heavy work, batching loses its edge (measured with transformers: slower
than one-at-a-time), so ``vibecode serve --no-batching`` answers one child after another.

A school with a GPU server runs vLLM (``vllm serve MODEL``) instead and starts ``vibecode serve --model-url
http://gpu-server:8000/v1``; then nothing is started here.

The engine process is tied to us (PDEATHSIG) and is ended, with everything it started, when we stop: uvicorn
with a batching thread ignores SIGTERM, so we follow up with SIGKILL.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from vibecode import paths
from vibecode.serve import procs
from vibecode.serve.prepare import AUTO, PREFIX, VIBECODE, Prepared

log = logging.getLogger("vibecode.serve")


# transformers serve only:
PAGE_TOKENS = 256  # transformers' continuous-batching page size (tokens per block)
KV_TOKENS = 16384  # KV cache for the whole class: ~12 children x (600-token prompt + 700 new tokens)
BATCH_TOKENS = 1024  # tokens per forward pass (long prompts are prefilled in chunks of this size)


class EngineStartError(RuntimeError):
    """The model server did not start; the message says what to try, the log has the details."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def prepare_model_folder(spec: str | None, engine: str = AUTO) -> Prepared:
    """Which engine to run and the model folder it loads (converting the model the first time), via the
    engine's cache. Runs in a child process so this server never holds torch in memory."""
    command = [sys.executable, "-m", "vibecode.serve.prepare", spec or "", engine]
    result = subprocess.run(command, capture_output=True, text=True)
    for line in result.stdout.splitlines():
        if line.startswith(PREFIX):
            return Prepared(**json.loads(line[len(PREFIX):]))
    log.error("model preparation failed: %s", result.stderr[-4000:])
    raise EngineStartError("The model could not be made ready. Run 'vibecode model prepare' and look at the log.")


@dataclass
class EngineInfo:
    url: str  # base URL ending in /v1
    model: str  # the model name requests must use
    pid: int | None = None


class EngineServer:
    """Starts the model server (``engine``: vibecode's own, or ``transformers serve``) for a model folder and
    keeps an eye on its memory."""

    def __init__(self, folder: Path, *, engine: str = VIBECODE, port: int | None = None,
                 continuous_batching: bool = True, max_batch: int = 8, threads: int | None = None,
                 kv_tokens: int = KV_TOKENS, batch_tokens: int | None = BATCH_TOKENS,
                 kv_memory_percent: float | None = None) -> None:
        self.folder = Path(folder)
        self.engine = engine
        self.max_batch = max_batch if continuous_batching else 1  # vibecode's engine: answers per step
        self.kv_tokens = kv_tokens
        self.batch_tokens = batch_tokens
        self.kv_memory_percent = kv_memory_percent  # instead of kv_tokens: a share of the free memory
        self.port = port or free_port()
        self.continuous_batching = continuous_batching
        self.threads = threads
        self.process: subprocess.Popen | None = None
        self.peak_rss_mb = 0.0
        self.log_path = paths.log_dir() / "class-engine.log"
        self._watch_stop = threading.Event()

    @property
    def info(self) -> EngineInfo:
        return EngineInfo(f"http://127.0.0.1:{self.port}/v1", str(self.folder),
                          self.process.pid if self.process else None)

    def start(self, timeout: float = 300.0) -> EngineInfo:
        hub = paths.cache_dir() / "hf-hub"  # transformers serve lists models from the hub cache folder
        hub.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", HF_HUB_CACHE=str(hub),
                   HF_HUB_DISABLE_TELEMETRY="1", TOKENIZERS_PARALLELISM="false")
        if self.threads:
            env["OMP_NUM_THREADS"] = str(self.threads)
        # As in the app's own model worker: spinning OpenMP threads steal the CPU the children's apps need.
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        command = self._command()
        log.info("starting engine: %s", " ".join(command))
        log_file = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file,
                                        env=env, start_new_session=True, preexec_fn=procs.die_with_parent)
        log_file.close()
        threading.Thread(target=self._watch_memory, name="engine-memory", daemon=True).start()
        self._wait_ready(timeout)
        return self.info

    def _command(self) -> list[str]:
        if self.engine == VIBECODE:
            command = [sys.executable, "-m", "vibecode.serve.model_server", "--folder", str(self.folder),
                       "--port", str(self.port), "--max-batch", str(self.max_batch)]
            return command + (["--threads", str(self.threads)] if self.threads else [])
        exe = Path(sys.executable).with_name("transformers")
        command = [str(exe)] if exe.exists() else [sys.executable, "-m", "transformers.cli.transformers"]
        command += ["serve", str(self.folder), "--host", "127.0.0.1", "--port", str(self.port),
                    "--device", "cpu", "--log-level", "warning"]
        if self.continuous_batching:
            # Size the paged KV cache ourselves: left alone it takes ~90% of free RAM (14 GB for the tiny model).
            command.append("--continuous-batching")
            if self.kv_memory_percent:
                command += ["--cb-max-memory-percent", str(self.kv_memory_percent)]
            else:
                command += ["--cb-num-blocks", str(max(4, -(-self.kv_tokens // PAGE_TOKENS)))]
            if self.batch_tokens:
                command += ["--cb-max-batch-tokens", str(self.batch_tokens)]
        return command

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise EngineStartError(f"The model server stopped while starting. See {self.log_path.name} "
                                       "in the vibecode log folder.")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        raise EngineStartError("The model server took too long to start.")

    def warm_up(self, max_tokens: int = 4) -> float:
        """One small request: the first batch after start sets up transformers' paged cache and is slow
        (vibecode's engine warmed up while loading; this checks the whole path once)."""
        started = time.monotonic()
        body = {"model": str(self.folder), "stream": False, "max_tokens": max_tokens,
                "messages": [{"role": "user", "content": "Say hi."}]}
        request = urllib.request.Request(f"{self.info.url}/chat/completions", json.dumps(body).encode(),
                                         {"content-type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=300) as reply:
                reply.read()
        except (urllib.error.URLError, OSError) as exc:
            log.warning("engine warm-up failed: %r", exc)
        return time.monotonic() - started

    def _watch_memory(self) -> None:
        while not self._watch_stop.wait(0.5):
            process = self.process
            if process is None or process.poll() is not None:
                return
            self.peak_rss_mb = max(self.peak_rss_mb, procs.tree_rss_mb(process.pid))

    def memory(self) -> dict:
        pid = self.process.pid if self.process else None
        return {"pid": pid, "rss_mb": round(procs.tree_rss_mb(pid), 1) if pid else 0.0,
                "peak_rss_mb": round(self.peak_rss_mb, 1)}

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        self._watch_stop.set()
        if self.process is not None:
            procs.kill_tree(self.process.pid, grace=3.0)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
