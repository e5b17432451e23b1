"""Which form the local model runs in. No torch here (the UI and the CLI read it too).

* ``quantized``: the GGUF file's own 4- and 6-bit weights, multiplied by vibecode's CPU kernels
  (``vibecode.lm.kernels``) with float32 activations. The same answers as float32, about 5x faster on a
  2-core CPU, about a fifth of the memory. Needs an x86-64 CPU with AVX2 and a C++ compiler the first time
  (the kernels are built once).
* ``fast``: the same weights, with the activations rounded to 8 bits per block of 32 (as llama.cpp does)
  so the kernel sums with AVX-512 VNNI integer instructions. Answers can differ slightly from float32;
  see ``AUTO_FAST`` for what was measured. On a CPU without VNNI it is ``quantized``.
* ``float32``: every weight de-quantised to float32 and run by plain transformers: the reference, and
  what ``transformers serve`` (classroom mode) loads.
* ``auto`` (the default): ``quantized`` where this computer can build and run the kernels, else ``float32``.

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
# Whether "auto" uses the int8-activation kernel where the CPU has it (decided from vibecode bench speed:
# HumanEval pass@1 on 40 problems and the kid-idea benchmark against float32).
AUTO_FAST = False


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
