"""Which class model server to run, and the model folder it loads (converting the model the first time).

Run as ``python -m vibecode.serve.prepare SPEC ENGINE`` by ``vibecode serve``: it needs torch (to build and
load vibecode's kernels), which the serving process itself never imports. Prints one line,
``PREPARED={json}``.

``auto`` picks vibecode's own server (quantized weights, batched steps) when the kernels work on this
computer, else ``transformers serve`` on the float32 folder. ``vibecode`` and ``transformers`` force one.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass

AUTO, VIBECODE, TRANSFORMERS = "auto", "vibecode", "transformers"
ENGINES = (AUTO, VIBECODE, TRANSFORMERS)
PREFIX = "PREPARED="


@dataclass
class Prepared:
    folder: str  # the model folder (or a Hugging Face id) the server loads
    engine: str  # VIBECODE or TRANSFORMERS
    form: str  # "quantized", "float32", or "" for a model that is not a GGUF file
    reason: str  # why this engine, in plain words (the log and the start-up banner)


def choose(spec: str | None, engine: str = AUTO) -> Prepared:
    from vibecode.lm import kernels, precision
    from vibecode.lm.convert import ensure_cache
    from vibecode.lm.sources import FLOAT32, QUANTIZED, resolve_source

    source = resolve_source(spec)
    status = kernels.load() if engine != TRANSFORMERS else None
    if engine == AUTO:
        engine = VIBECODE if status is not None and status.ok else TRANSFORMERS
        reason = (f"vibecode's {status.isa} kernels" if engine == VIBECODE
                  else f"transformers serve, because {status.reason if status else 'it was asked for'}")
    else:
        reason = f"{engine} was asked for"
    if source.kind == "folder":
        return Prepared(str(source.path), engine, "", reason)
    if source.kind == "hub":
        return Prepared(str(source.hub_id), engine, "", reason)
    quantized = (engine == VIBECODE and status is not None and status.ok
                 and precision.requested() != FLOAT32)
    form = QUANTIZED if quantized else FLOAT32
    return Prepared(str(ensure_cache(source, form=form)), engine, form, reason)


def main(argv: list[str]) -> int:
    spec = argv[1] if len(argv) > 1 and argv[1] else None
    engine = argv[2] if len(argv) > 2 else AUTO
    if engine not in ENGINES:
        print(f"unknown engine {engine!r}", file=sys.stderr)
        return 2
    print(PREFIX + json.dumps(asdict(choose(spec, engine))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
