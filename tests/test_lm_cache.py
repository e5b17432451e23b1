"""The quick-start cache: a second start uses it, and a damaged cache is noticed and rebuilt."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from vibecode.lm import ChatMessage, GenerateOptions, cache
from vibecode.lm.client import WorkerBackend


def _tiny_folder(tiny_backend) -> Path:
    return Path(tiny_backend.info()["folder"])


def _weights(folder: Path) -> Path:
    """The big weights file of a converted folder (model.safetensors for float32, weights.safetensors for
    the quantized form the engine uses by default)."""
    return max(folder.glob("*.safetensors"), key=lambda p: p.stat().st_size)


@pytest.fixture
def cache_copy(tiny_backend, tmp_path) -> Path:
    """A private copy of the tiny model's converted folder (so damaging it harms no other test)."""
    copy = tmp_path / "copy"
    shutil.copytree(_tiny_folder(tiny_backend), copy)
    return copy


@pytest.mark.model
def test_converted_cache_is_complete(tiny_backend):
    folder = _tiny_folder(tiny_backend)
    result = cache.check(folder, full=True)
    assert result.ok, result.reason
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {"config.json", "tokenizer.json", "weights.safetensors", "quantized.json"} <= set(manifest["files"])
    assert manifest["source"]["sha256"].startswith("b179c952")
    assert manifest["source"]["format"].startswith("vibecode-quantized/")


@pytest.mark.model
def test_second_start_uses_the_cache(tiny_backend, session_cache_dir, tmp_path):
    second = WorkerBackend("tiny", env={"VIBECODE_CACHE": str(session_cache_dir), "VIBECODE_HOME": str(tmp_path)})
    try:
        second.prepare()
        info = second.info()
        assert info["converted_now"] is False
        assert info["folder"] == str(_tiny_folder(tiny_backend))
        assert second.complete([ChatMessage("user", "Hi")], GenerateOptions(max_new_tokens=4)).strip()
    finally:
        second.close()


def test_missing_manifest_means_not_ready(cache_copy):
    (cache_copy / "manifest.json").unlink()
    assert not cache.check(cache_copy).ok


def test_truncated_weights_are_detected(cache_copy):
    weights = _weights(cache_copy)
    with open(weights, "r+b") as handle:
        handle.truncate(weights.stat().st_size // 2)
    result = cache.check(cache_copy)
    assert not result.ok and "size" in result.reason


def test_changed_small_file_is_detected(cache_copy):
    config = cache_copy / "config.json"
    data = bytearray(config.read_bytes())
    data[1] = ord(" ") if data[1] != ord(" ") else ord("\n")  # same size, different bytes
    config.write_bytes(bytes(data))
    result = cache.check(cache_copy)
    assert not result.ok and "hash" in result.reason


def _flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        value = handle.read(1)[0]
        handle.seek(offset)
        handle.write(bytes([value ^ 0xFF]))


def test_damaged_weights_are_detected(cache_copy):
    weights = _weights(cache_copy)
    _flip_byte(weights, 100)  # inside the first sample: the quick check sees it
    assert not cache.check(cache_copy).ok


def test_full_check_finds_damage_between_samples(cache_copy):
    weights = _weights(cache_copy)
    size = weights.stat().st_size
    offsets = cache._sample_offsets(size)
    between = offsets[1] + cache.SAMPLE + (offsets[2] - offsets[1] - cache.SAMPLE) // 2
    _flip_byte(weights, between)
    assert cache.check(cache_copy).ok  # the quick start-up check samples, so it cannot see this
    assert not cache.check(cache_copy, full=True).ok


@pytest.mark.model
@pytest.mark.slow
def test_damaged_cache_is_rebuilt(tiny_backend, tmp_path):
    """A cache folder whose weights were cut short is noticed at start and converted again."""
    own_cache = tmp_path / "cache"
    folder = _tiny_folder(tiny_backend)
    target = own_cache / "models" / folder.name
    shutil.copytree(folder, target)
    weights = _weights(target)
    with open(weights, "r+b") as handle:
        handle.truncate(weights.stat().st_size - 4096)
    assert not cache.check(target).ok
    backend = WorkerBackend("tiny", env={"VIBECODE_CACHE": str(own_cache), "VIBECODE_HOME": str(tmp_path)})
    seen: list[str] = []
    fractions: list[float] = []

    def progress(message: str, fraction: float | None) -> None:
        seen.append(message)
        if fraction is not None:
            fractions.append(fraction)

    try:
        backend.prepare(progress)
        assert backend.info()["converted_now"] is True
    finally:
        backend.close()
    assert cache.check(target, full=True).ok
    assert any("first start" in m for m in seen)  # the child saw that this is a one-time wait
    assert fractions == sorted(fractions) and fractions[-1] == 1.0  # the bar never jumps back
    assert not list((own_cache / "models").glob("*.building-*"))
