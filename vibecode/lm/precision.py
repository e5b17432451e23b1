"""Which form the local model runs in. No torch here (the UI and the CLI read it too).

* ``quantized``: the GGUF file's own 4- and 6-bit weights, multiplied by vibecode's CPU kernels
  (``vibecode.lm.kernels``) with float32 activations. The same answers as float32, about 5x faster on a
  2-core CPU, about a fifth of the memory. Needs an x86-64 CPU with AVX2 and a C++ compiler the first time
  (the kernels are built once).
* ``fast``: the same weights, with the activations rounded to 8 bits per block of 32 (as llama.cpp does)
  so the kernel sums with integer instructions, and the K-quant layers read the file's own small scales
  (AVX2's byte multiply-adds; other layers with AVX-512 VNNI where the CPU has it). Answers can differ slightly from float32; see
  ``AUTO_FAST`` for what was measured.
* ``float32``: every weight de-quantised to float32 and run by plain transformers: the reference, and
  what ``transformers serve`` (classroom mode) loads.
* ``auto`` (the default): ``fast`` where this computer can build and run the kernels, else ``float32``.

A teacher can set ``model_precision`` in the settings file, or ``VIBECODE_PRECISION`` for one run.
Models that are not GGUF files (a transformers folder, a Hugging Face id) always run as they are.
"""

from __future__ import annotations

import os

from vibecode.lm.sources import FLOAT32, QUANTIZED
from vibecode.settings import PRECISIONS as CHOICES

AUTO = "auto"  # CHOICES: auto, fast, quantized, float32
FAST = "fast"
ENV = "VIBECODE_PRECISION"
# Whether "auto" uses the int8-activation kernel. Measured on the 1.5B, 2-core AMD EPYC (Zen 4) with VNNI,
# 2026-11-28: HumanEval pass@1 on the first 40 problems 34/40 (fast, first kernel) and 32/40 (fast,
# packed-block kernel) vs 33/40 (quantized, and float32 with the same passes and fails), within the 3 points
# asked; the 40 kid ideas ran 40/40 and matched 36/40 (first kernel). On a 2-core Zen 3 (AVX2 only),
# 2026-12-05: fast (AVX2 kernel, K-quant blocks) 33/40 (32/40 before the one-query attention kernel) vs
# quantized 33/40; a new program 11.9 s vs 14.8 s, a change 13.9 s vs 19.6 s (vibecode bench speed). So yes.
# 2026-12-06, same Zen 3, with the fused pass (decode_layers) and the integer-scale K-quant kernel: fast
# 33/40 (the same 7 problems failed as float32 and quantized; 35/40 with the first fused build), a new
# program 6.0-7.8 s vs 14.4 s, a change 6.7-6.9 s vs 13.9 s. Later that day (grouped attention, 5-row
# tiles, drafts ending at the code fence; the same sums): fast 33/40 again, the same 7 failed; a new
# program 6.7-7.3 s vs 13.4 s, a change 5.9-6.0 s vs 13.0 s; kid ideas 40/40 ran, 36 matched.
# Later again (x as one record per row and block, attention two tokens at a time, the same logits bit for
# bit; one-word probes after a missed draft): fast a change 5.7-5.9 s (median of four; 6.2-6.6 s in slow
# hours), a new program 6.6-8.5 s; kid ideas the same. 2026-12-06 later (vibecode.lm.lean instead of
# transformers' model class, bit for bit; the next weights asked for ahead in checking passes, the same
# sums): a change 5.5-5.8 s, a new program 6.7-8.2 s, later starts 3.0-3.8 s; kid ideas 40/40 ran, 36 matched.
# 2026-12-06 evening, a 2-core AMD EPYC with AVX-512 VNNI (Zen 4), where the K-quant layers had kept float
# scales summed with VNNI: with the K-quant blocks (AVX2 kernel) there too, HumanEval 34/40 (as on Zen 3),
# a change 4.7-5.8 s (median 5.1) vs 5.7-6.4 s (5.8-5.9) the same evening, a new program 5.5 s vs 5.7 s.
AUTO_FAST = True


def requested() -> str:
    """What the teacher asked for: ``VIBECODE_PRECISION``, else the settings file, else ``auto``."""
    value = os.environ.get(ENV, "").strip().lower()
    if not value:
        from vibecode.settings import load_settings

        value = (load_settings().model_precision or AUTO).strip().lower()
    return value if value in CHOICES else AUTO


def first_choice() -> str:
    """The form to try first, before knowing whether the kernels build: float32 only when asked for."""
    return FLOAT32 if requested() == FLOAT32 else QUANTIZED
