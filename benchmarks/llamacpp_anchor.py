"""vibecode's engine against llama.cpp on the same GGUF, side by side in one run, plus the memory-bandwidth
bound: how close is the local model to the best a 2-core CPU can do?

    .venv/bin/pip install llama-cpp-python      # for this benchmark only; not a dependency of vibecode
    .venv/bin/python benchmarks/llamacpp_anchor.py [--model qwen-1.5b] [--runs 3] [--tokens 200]

Each run alternates: vibecode (every precision asked for, each in its own worker) then llama.cpp, on the
same chat prompt (the pipeline's prompt for one kid idea), greedy. Printed per engine: decode tokens/s
(median over runs; llama.cpp's own counters, vibecode's per-answer figure), time to the first token, and
the ratio to llama.cpp. The bound is the measured read bandwidth (a 2-thread sum over 2 GiB) divided by
the bytes of weights a decode step reads (vibecode's quantized layers; the embedding reads one row).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's vibecode

from vibecode.lm import GenerateOptions  # noqa: E402
from vibecode.lm.client import WorkerBackend  # noqa: E402
from vibecode.make import prompts  # noqa: E402

IDEA = "a shop where you can buy apples and bananas and it shows the total"


def read_bandwidth_gbs() -> float:
    import torch

    torch.set_num_threads(2)
    data = torch.ones(2**29, dtype=torch.float32)  # 2 GiB, far larger than any cache
    data.sum()
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        data.sum()
        times.append(time.perf_counter() - t0)
    return data.numel() * 4 / statistics.median(times) / 1e9


K_BLOCK_BYTES = {4: 152, 8: 212}  # qlinear_act8k's blocks of 256 weights with their own scales (Q4_K, Q6_K)


def weight_bytes_per_token(folder: Path, kblocks: bool) -> int:
    """Bytes a decode step reads: every quantized layer's q, scale and offset, or for a K-quant layer in
    the fast form its blocks with their own scales (``kblocks``); the embedding not."""
    import json

    from safetensors import safe_open

    layout = json.loads((folder / "quantized.json").read_text())
    linear = {name: spec for name, spec in layout["modules"].items() if spec["kind"] == "linear"}
    total = 0
    with safe_open(str(folder / "weights.safetensors"), framework="pt") as handle:
        for key in handle.keys():
            module, part = key.rsplit(".", 1)
            spec = linear.get(module)
            if spec is None:
                continue
            rows, cols = handle.get_slice(f"{module}.scale").get_shape()
            inputs = cols * spec["group"]
            if kblocks and spec.get("kscales") and inputs % 256 == 0:
                total += rows * inputs // 256 * K_BLOCK_BYTES[spec["bits"]] if part == "q" else 0
                continue
            if part in ("q", "scale", "offset"):
                shape = handle.get_slice(key).get_shape()
                total += shape[0] * shape[1] * (1 if part == "q" else 4)
    return total


def run_vibecode(model: str, precision: str, messages, tokens: int) -> dict:
    backend = WorkerBackend(model, env={"VIBECODE_PRECISION": precision})
    try:
        backend.prepare()
        backend.complete(messages[:1] + [messages[-1]], GenerateOptions(max_new_tokens=8))  # warm
        # one word a pass, as llama.cpp decodes here: the engines' own speed (the app's prompt-lookup drafts
        # would add the words a pass takes from a copy)
        backend.complete(messages, GenerateOptions(max_new_tokens=tokens, stop_at_code_end=False, prompt_lookup=0))
        stats = backend.last_stats
        info = backend.info()
        return {"tok_s": stats.tokens_per_second, "ttft": stats.first_token_seconds, "tokens": stats.completion_tokens,
                "folder": info.get("folder"), "precision": info.get("precision"),
                "kblocks": info.get("precision") == "fast"}  # (quantized.load_model: on every CPU)
    finally:
        backend.close()


def run_llamacpp(gguf: Path, messages, tokens: int) -> dict:
    from llama_cpp import Llama, llama_cpp

    llm = Llama(model_path=str(gguf), n_threads=2, n_threads_batch=2, n_ctx=2048, verbose=False)
    eos = [llm.token_eos()] + [llm.tokenize(t.encode(), special=True)[0] for t in ("<|im_end|>", "<|endoftext|>")]
    bias = {token: -1e9 for token in eos}  # exactly `tokens` new tokens, as the decode speed is per token
    llm.reset()
    llama_cpp.llama_perf_context_reset(llm.ctx)
    t0 = time.perf_counter()
    first = None
    count = 0
    for _ in llm.create_chat_completion([m.to_dict() for m in messages], temperature=0.0, max_tokens=tokens,
                                        stream=True, logit_bias=bias):
        count += 1
        first = first or time.perf_counter() - t0
    perf = llama_cpp.llama_perf_context(llm.ctx)
    decode = (perf.n_eval - 1) / (perf.t_eval_ms / 1000) if perf.t_eval_ms else 0.0
    del llm
    return {"tok_s": decode, "ttft": first or 0.0, "tokens": count}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="qwen-1.5b")
    parser.add_argument("--precisions", default="quantized,fast")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=200)
    args = parser.parse_args()
    from vibecode.lm import cache, catalog

    model = catalog.MODELS[catalog.resolve_key(args.model)]
    gguf, temporary = catalog.assemble_gguf(model, cache.models_root() / "gguf")
    try:
        return _compare(args, model, gguf)
    finally:
        if temporary:
            gguf.unlink(missing_ok=True)


def _compare(args, model, gguf: Path) -> int:
    messages = prompts.make_messages(IDEA)
    load = open("/proc/loadavg").read().split()[:3]
    print(f"model {model.display_name}; prompt: the pipeline's prompt for '{IDEA}'; load average {' '.join(load)}")
    results: dict[str, list[dict]] = {}
    for run in range(args.runs):
        for precision in args.precisions.split(","):
            results.setdefault(f"vibecode {precision}", []).append(run_vibecode(args.model, precision, messages, args.tokens))
        try:
            results.setdefault("llama.cpp", []).append(run_llamacpp(gguf, messages, args.tokens))
        except ImportError:
            print("llama.cpp is not installed here: .venv/bin/pip install llama-cpp-python")
        print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1]['tok_s']:.1f} tok/s" for k, v in results.items()), flush=True)
    bandwidth = read_bandwidth_gbs()
    anchor = statistics.median(r["tok_s"] for r in results.get("llama.cpp", [{"tok_s": 0.0}]))
    print("-" * 80)
    print(f"read bandwidth {bandwidth:.1f} GB/s")
    for name, runs in results.items():
        speed = statistics.median(r["tok_s"] for r in runs)
        ttft = statistics.median(r["ttft"] for r in runs)
        ratio = f"{speed / anchor:.2f}x llama.cpp" if anchor else "-"
        share = ""
        if runs[0].get("folder"):
            per_token = weight_bytes_per_token(Path(runs[0]["folder"]), runs[0].get("kblocks", False))
            bound = bandwidth * 1e9 / per_token
            share = f"reads {per_token / 1e9:.2f} GB a token: bound {bound:.1f} tok/s, {speed / bound:.0%} of it"
        print(f"{name:20} decode {speed:5.1f} tok/s  first token {ttft:5.2f} s  {ratio:18} {share}")
    print(f"load average now {' '.join(open('/proc/loadavg').read().split()[:3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
