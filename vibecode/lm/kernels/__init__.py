"""vibecode's own CPU kernels for the local model (``qlinear.cpp``), built once per machine.

The kernels multiply float32 activations by weights kept in the model file's own 4-bit and 6-bit form
(see ``vibecode.lm.quantized``). They are compiled with the system C++ compiler against the installed
torch, with ``-march=native``, the first time they are needed (about 10 s), and the library is kept in the
cache folder under a name that covers the source, torch, the compiler and the CPU, so a change to any of
them builds afresh. When they cannot be built (no compiler, a CPU without AVX2), ``load()`` says why and
the engine runs the plain float32 model instead.

The worker process loads them; ``status_without_torch()`` tells the CLI what would happen without importing torch.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import sysconfig
import threading
from dataclasses import dataclass
from pathlib import Path

from vibecode import paths

log = logging.getLogger("vibecode.lm.kernels")

SOURCE = Path(__file__).with_name("qlinear.cpp")
REQUIRED_CPU_FLAGS = ("avx2", "fma", "f16c")


@dataclass
class KernelStatus:
    ok: bool
    reason: str  # plain words for the log and 'vibecode model info'
    library: Path | None = None
    isa: str = ""  # "avx512" | "avx2"


_lock = threading.Lock()
_status: KernelStatus | None = None


def cpu_flags() -> set[str]:
    """The CPU's feature flags (Linux); empty when unknown."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def _compiler() -> str | None:
    for name in (os.environ.get("CXX") or "", "g++", "c++", "clang++"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _compiler_version(cxx: str) -> str:
    try:
        return subprocess.run([cxx, "--version"], capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


def _build_key(cxx: str, flags: set[str]) -> str:
    from importlib.metadata import version  # not torch itself: 'vibecode model info' stays light

    digest = hashlib.sha256()
    digest.update(SOURCE.read_bytes())
    digest.update(Path(__file__).read_bytes())  # the compile flags live here
    for part in (version("torch"), _compiler_version(cxx), platform.machine(), " ".join(sorted(flags))):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()[:16]


def _compile(cxx: str, target: Path, source: Path = SOURCE) -> None:
    import torch
    from torch.utils import cpp_extension

    torch_lib = Path(torch.__file__).parent / "lib"
    abi = int(bool(torch.compiled_with_cxx11_abi()))
    work = target.with_name(target.name + f".building-{os.getpid()}")
    command = [
        cxx, "-O3", "-march=native", "-fopenmp", "-shared", "-fPIC", "-std=c++20", "-w",
        "-ffp-contract=off",  # the same sums for a row of x whether it comes alone or in a batch
        f"-D_GLIBCXX_USE_CXX11_ABI={abi}",
        *[f"-I{p}" for p in cpp_extension.include_paths()],
        f"-I{sysconfig.get_paths()['include']}",
        str(source), "-o", str(work),
        f"-L{torch_lib}", "-lc10", "-ltorch_cpu", f"-Wl,-rpath,{torch_lib}",
    ]
    log.info("building kernels: %s", " ".join(command))
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        work.unlink(missing_ok=True)
        raise RuntimeError(f"the C++ compiler failed:\n{result.stderr[-3000:]}")
    os.replace(work, target)


def _target() -> Path | None:
    """Where this machine's build lives (None when it cannot be built here)."""
    cxx = _compiler()
    if cxx is None:
        return None
    return paths.cache_dir() / "kernels" / f"qlinear-{_build_key(cxx, cpu_flags())}.so"


def status_without_torch() -> str:
    """One line for 'vibecode model info': can this computer run the kernels, and are they built?"""
    if os.environ.get("VIBECODE_NO_KERNELS"):
        return "turned off by VIBECODE_NO_KERNELS"
    missing = [flag for flag in REQUIRED_CPU_FLAGS if flag not in cpu_flags()]
    if platform.machine().lower() not in ("x86_64", "amd64") or missing:
        return f"not for this processor ({', '.join(missing) or platform.machine()})"
    target = _target()
    if target is None:
        return "need a C++ compiler (install g++)"
    return "built" if target.exists() else "built on first start (about 10 s)"


def is_built() -> bool:
    """True when load() will not need to compile (or has already run)."""
    if _status is not None:
        return True
    target = _target()
    return target is None or target.exists()


def load() -> KernelStatus:
    """Build (first time) and load the kernels into torch; ``torch.ops.vibecode`` then has them."""
    global _status
    with _lock:
        if _status is None:
            _status = _load()
        return _status


def _load() -> KernelStatus:
    if os.environ.get("VIBECODE_NO_KERNELS"):
        return KernelStatus(False, "turned off by VIBECODE_NO_KERNELS")
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return KernelStatus(False, f"no kernels for {platform.machine()} processors yet")
    flags = cpu_flags()
    missing = [flag for flag in REQUIRED_CPU_FLAGS if flag not in flags]
    if missing:
        return KernelStatus(False, f"this processor lacks {', '.join(missing)}")
    cxx = _compiler()
    target = _target()
    if cxx is None or target is None:
        return KernelStatus(False, "no C++ compiler (install g++)")
    import torch

    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if not target.exists():
            with open(folder / ".build.lock", "a+") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # a second window waits for the first one's build
                if not target.exists():
                    _compile(cxx, target)
        torch.ops.load_library(str(target))
    except Exception as exc:  # a failed build or load: run without the kernels
        log.warning("kernels not available: %s", exc)
        return KernelStatus(False, f"could not build the kernels: {str(exc).strip().splitlines()[0][:200]}")
    isa = "avx512" if {"avx512f", "avx512bw"} <= flags else "avx2"
    return KernelStatus(True, "ready", target, isa)
