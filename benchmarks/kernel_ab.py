"""Two builds of vibecode's kernels in one process, timed pass by pass on the same model and cache.

    .venv/bin/python benchmarks/kernel_ab.py [--before HEAD] [--rows 1,4,16,65] [--passes 60]

This machine's speed drifts by a fifth within minutes (other tenants share it), so separate runs of
`vibecode bench speed` cannot show a 5 % change in a kernel. Here the kernels of a git revision
(``--before``: its qlinear.cpp, built under the op namespace ``vibecode_before``) and this checkout's take
turns, pass after pass, on the same rows of the same cache (cropped back after each pass), so only the
kernels differ. Each side packs its own K-quant blocks from the model's weights with its own act8k_pack, so
a new block layout is compared too (both copies are in memory: about 1 GB more for the 1.5B). Layers with
float scales use this checkout's packed weights on both sides. The 28 layers run in one decode_layers call
and the output layer after it, as a word does; both revisions must have the same decode_layers signature.

Printed for each pass size: median and mean milliseconds of each side, their ratio, and the largest
difference between the two sides' logits (0.0: the very same sums).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's vibecode

NAMESPACE = "vibecode_before"
IDEA = "a shop where you can buy apples and bananas and it shows the total"


def build_before(revision: str, work: Path) -> None:
    """Compile ``revision``'s qlinear.cpp under another op namespace and load it beside this checkout's."""
    import torch

    from vibecode.lm import kernels

    source = subprocess.run(["git", "-C", str(REPO), "show", f"{revision}:vibecode/lm/kernels/qlinear.cpp"],
                            capture_output=True, text=True, check=True).stdout
    marker = "TORCH_LIBRARY(vibecode, m)"
    if marker not in source:
        raise SystemExit(f"{revision}'s qlinear.cpp has no {marker}")
    path = work / "qlinear_before.cpp"
    path.write_text(source.replace(marker, f"TORCH_LIBRARY({NAMESPACE}, m)"), encoding="utf-8")
    cxx = kernels._compiler()
    if cxx is None:
        raise SystemExit("no C++ compiler")
    target = work / "qlinear_before.so"
    kernels._compile(cxx, target, source=path)
    torch.ops.load_library(str(target))


def before_blocks(folder: Path, names: list[str], current: list) -> list:
    """The layers' weights as the before kernels read them: K-quant blocks packed by its act8k_pack, other
    layers this checkout's packed weights."""
    import torch
    from safetensors import safe_open

    from vibecode.lm import quantized

    layout = json.loads((folder / quantized.LAYOUT).read_text(encoding="utf-8"))["modules"]
    header, start = quantized._safetensors_header(folder / quantized.WEIGHTS)
    pack = getattr(torch.ops, NAMESPACE).act8k_pack
    out = []
    with safe_open(str(folder / quantized.WEIGHTS), framework="pt") as weights:
        for name, weight in zip(names, current):
            spec = layout[name]
            if not spec.get("kscales"):
                out.append(weight)
                continue
            base = spec["tensors"]
            plain = quantized._read_tensor(folder / quantized.WEIGHTS, header, start, f"{base}.q")
            parts = [weights.get_tensor(f"{base}.{part}") for part in quantized.KSCALE_PARTS]
            out.append(pack(plain, *parts, spec["bits"], spec["group"]))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default="HEAD", help="git revision of the kernels to compare against")
    parser.add_argument("--model", default="qwen-1.5b")
    parser.add_argument("--rows", default="1,4,16,65", help="tokens a pass reads (comma-separated)")
    parser.add_argument("--passes", type=int, default=60, help="passes of each side per size (fewer for big ones)")
    args = parser.parse_args()
    os.environ["VIBECODE_PRECISION"] = "fast"
    import torch

    from vibecode.lm import kv
    from vibecode.lm.decode import read
    from vibecode.lm.engine import LocalModel
    from vibecode.lm.lean import rms_norm
    from vibecode.make import prompts

    local = LocalModel(args.model)
    local.load()
    one = local.one_token
    fused = getattr(one, "fused", None)
    if fused is None:
        raise SystemExit("this model has no fused pass here (the kernels or the fast form are missing)")
    model, folder = local.model, Path(local.info()["folder"])
    with tempfile.TemporaryDirectory() as work:
        build_before(args.before, Path(work))
    # the fused pass's layers by name, in its order (found by their weights, so the order lives in step.py only)
    by_weight = {id(getattr(m, "kblocks", None) if getattr(m, "kblocks", None) is not None else getattr(m, "q", None)): n
                 for n, m in model.named_modules()}
    names = [by_weight[id(weight)] for weight in fused.weights]
    head = model.lm_head
    current_head = head.kblocks if head.kblocks is not None else head.q
    *layers_before, head_before = before_blocks(folder, names + ["lm_head"], fused.weights + [current_head])
    ops_before = getattr(torch.ops, NAMESPACE)

    def head_before_call(x: torch.Tensor) -> torch.Tensor:
        if head.kblocks is not None:
            return ops_before.qlinear_act8k(x, head_before, head.bits, head.group)
        return ops_before.qlinear_act8(x, head.q, head.scale, head.offset, head.bits, head.group)

    prompt = local._encode(prompts.make_messages(IDEA), add_generation_prompt=True)["input_ids"][0].tolist()
    cache = kv.new_cache(model.config)
    with torch.inference_mode():
        read(model, one, cache, prompt, 0, last_only=True)
        position = len(prompt)

        def run(side: str, tokens: list[int]) -> torch.Tensor:
            keys, values, row = kv.next_slots(cache, len(tokens))
            cos, sin = one._rope(position, len(tokens))
            hidden = one.embed(torch.tensor(tokens))
            if side == "now":
                out = fused(hidden, cos, sin, keys, values, row)
                logits = one.head(rms_norm(out, one.norm))
            else:
                out = ops_before.decode_layers(hidden, cos, sin, layers_before, fused.scales, fused.offsets,
                                               fused.bits, fused.groups, fused.norms, fused.biases, keys, values,
                                               row, fused.eps, fused.scale)
                logits = head_before_call(rms_norm(out, one.norm))
            cache.crop(-len(tokens))  # the same position for every pass
            return logits

        load = Path("/proc/loadavg").read_text().split()[:3]
        print(f"kernels of {args.before} (before) against this checkout (now); model {args.model}, "
              f"{len(prompt)} tokens of context; load average {' '.join(load)}")
        for rows in [int(r) for r in args.rows.split(",")]:
            tokens = prompt[-rows:]
            difference = (run("before", tokens) - run("now", tokens)).abs().max().item()
            passes = max(6, args.passes if rows <= 16 else args.passes // 4)
            times: dict[str, list[float]] = {"before": [], "now": []}
            for i in range(passes):
                for side in ("before", "now") if i % 2 == 0 else ("now", "before"):
                    t0 = time.perf_counter()
                    run(side, tokens)
                    times[side].append((time.perf_counter() - t0) * 1e3)
            b, n = (statistics.median(times[s]) for s in ("before", "now"))
            print(f"{rows:3d} tokens a pass: before {b:7.1f} ms (mean {statistics.mean(times['before']):7.1f}), "
                  f"now {n:7.1f} ms (mean {statistics.mean(times['now']):7.1f}): now/before {n / b:.3f}; "
                  f"{passes} passes each; largest logit difference {difference:.2g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
