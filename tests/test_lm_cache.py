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


TOKENIZER_TEXTS = [
    "a lemonade stand where I pick the price",
    'price = 2\ncups = int(input("How many cups? "))\nprint("That costs", cups * price, "dollars")\n',
    "    indented\t\ttabs  and   spaces , then . a full stop ; isn't it ?",
    "émojis 🍋🐶💰, accents àéîõü, 中文, العربية and 1234567890 numbers",
    "<|im_start|>user\nspecial tokens typed as text<|im_end|>",
    "",
]


@pytest.fixture(params=["as converted", "saved by a model's own class"])
def tokenizer_folder(tiny_backend, tmp_path, request) -> Path:
    """A quick-start folder's tokenizer files: the tiny model's as converted, and the same words saved by
    Qwen2Tokenizer (the default model's class, which re-derives vocabulary and merges when it loads)."""
    folder = _tiny_folder(tiny_backend)
    if request.param == "as converted":
        return folder
    from transformers import Qwen2Tokenizer

    Qwen2Tokenizer.from_pretrained(folder).save_pretrained(tmp_path / "qwen")
    return tmp_path / "qwen"


@pytest.mark.model
def test_quick_tokenizer_load_equals_the_models_own_tokenizer_class(tokenizer_folder):
    """The quick-start folder's tokenizer is loaded from its tokenizer.json directly (half the time);
    it must cut, join and lay out chats exactly as the model's own tokenizer class does."""
    from transformers import AutoTokenizer

    from vibecode.lm.engine import load_tokenizer

    theirs = AutoTokenizer.from_pretrained(tokenizer_folder, local_files_only=True)
    ours = load_tokenizer(tokenizer_folder, True, ours=True)
    assert type(ours).__name__ == "TokenizersBackend"  # the quick path was taken
    for text in TOKENIZER_TEXTS + [Path(__file__).read_text(encoding="utf-8")]:
        for special in (False, True):
            ids = theirs(text, add_special_tokens=special)["input_ids"]
            assert ours(text, add_special_tokens=special)["input_ids"] == ids
            assert ours.decode(ids) == theirs.decode(ids)
            assert ours.decode(ids, skip_special_tokens=True) == theirs.decode(ids, skip_special_tokens=True)
    chat = [{"role": "system", "content": "You write Python."}, {"role": "user", "content": TOKENIZER_TEXTS[3]}]
    for prompt in (False, True):
        assert ours.apply_chat_template(chat, tokenize=False, add_generation_prompt=prompt) == \
            theirs.apply_chat_template(chat, tokenize=False, add_generation_prompt=prompt)
    assert (ours.eos_token, ours.bos_token, ours.pad_token) == (theirs.eos_token, theirs.bos_token, theirs.pad_token)
    assert ours.all_special_ids == theirs.all_special_ids and len(ours) == len(theirs)
    assert ours.added_tokens_decoder == theirs.added_tokens_decoder


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


@pytest.mark.model
def test_model_info_counts_everything_a_cache_folder_takes_on_disk(tiny_backend, tmp_path, monkeypatch, capsys):
    """School IT reads 'vibecode model info' to see the disk used: the fast form's kept blocks beside the
    checked files count too."""
    from vibecode.cli import main

    folder = _tiny_folder(tiny_backend)
    copy = tmp_path / "models" / folder.name
    shutil.copytree(folder, copy)
    (copy / "kblocks-1.safetensors").write_bytes(b"\0" * 3 * 1024 * 1024)
    monkeypatch.setenv("VIBECODE_CACHE", str(tmp_path))
    monkeypatch.setenv("VIBECODE_PRECISION", "quantized")
    assert main(["model", "info"]) == 0
    total = sum(p.stat().st_size for p in copy.iterdir())
    assert total > 3 * 1024 * 1024
    line = next(line for line in capsys.readouterr().out.splitlines() if "quantized copy: ready" in line)
    assert line.endswith(f"{total / 1024 / 1024:.1f} MB on disk"), line
