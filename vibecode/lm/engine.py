"""The local model engine: loads a model with transformers + torch and generates answers.

Only the worker process (``python -m vibecode.lm.worker``) imports this module; the UI never does.

Embedded models (and ``.gguf`` files) are first converted once into a quick-start cache folder
(``vibecode.lm.convert``); every later start loads that folder in seconds. Any other model name goes the
ordinary transformers way: a local folder with ``config.json``, or a Hugging Face model id (needs internet
the first time; transformers keeps its own download cache).
"""

from __future__ import annotations

import logging
import os
import resource
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from vibecode import paths
from vibecode.lm import cache, kv
from vibecode.lm.base import ChatMessage, EngineError, GenerateOptions, GenerationStats
from vibecode.lm.convert import ensure_cache, rss_mb
from vibecode.lm.decode import Draft, Sampling, answer_ends, greedy, read
from vibecode.lm.progress import Progress
from vibecode.lm.prompt_cache import PromptCache
from vibecode.lm import precision
from vibecode.lm.sources import FLOAT32, QUANTIZED, cache_key, resolve_source
from vibecode.lm.textstop import StopScanner

import torch  # noqa: E402,I001  (after vibecode.lm.convert installed its progress hook)
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerFast  # noqa: E402

log = logging.getLogger("vibecode.lm.engine")
__all__ = ["LocalModel", "cpu_count", "ensure_cache", "peak_rss_mb", "resolve_source", "rss_mb"]


def cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Tracker:
    """Receives each model pass's new tokens, turns the answer so far into text, and hands out only the new
    part. Also decides when to stop (code block closed, stop string)."""

    def __init__(self, tokenizer, options: GenerateOptions, emit: Callable[[str, int], None], t0: float) -> None:
        self.tokenizer = tokenizer
        self.scanner = StopScanner(options.stop, options.stop_at_code_end)
        self.emit = emit
        self.t0 = t0
        self.ids: list[int] = []
        self.start = options.answer_start  # already in the prompt; the answer's text begins with it
        self.sent = ""
        self.stop = False
        self.first_token_at: float | None = None
        self.last_token_at: float | None = None
        self.steps = 0  # model passes; one pass can bring several tokens under prompt lookup

    def take(self, tokens: list[int]) -> bool:
        """One model pass's new tokens; returns True when the answer should stop here."""
        now = time.monotonic()
        if self.first_token_at is None:
            self.first_token_at = now
        self.last_token_at = now
        self.steps += 1
        # Prompt lookup hands over several accepted tokens at once; take them one by one, so the answer is
        # cut (and counted) at exactly the same token as without it.
        for token in tokens:
            if self.stop:
                return True
            self.ids.append(int(token))
            self._push(final=False)
        return self.stop

    def end(self) -> None:
        if not self.stop:
            self._push(final=True)

    def _push(self, final: bool) -> None:
        text = self.start + self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if not final and text.endswith("\ufffd"):
            text = text[:-1]  # half of a multi-byte character: wait for the rest
        cut = self.scanner.scan(text, final=final)
        if cut.stop:
            self.stop = True
        if len(cut.text) > len(self.sent) and cut.text.startswith(self.sent):
            chunk = cut.text[len(self.sent) :]
            self.sent = cut.text
            self.emit(chunk, len(self.ids))


# A pass of the answer written ahead (LocalModel.answer_ahead) checks at most this many drafted words: it
# cannot stop half way, and Enter (or the next pause's words) waits for it: ~0.22 s on 2 cores.
AHEAD_MOST_DRAFT = 16


@dataclass
class _Ahead:
    """An answer written ahead while the child paused: its prompt and options, and how far it got."""

    prompt: list[int]
    options: dict
    cache: object  # holds ``sequence``'s keys and values
    sequence: list[int]  # the prompt and the answer's tokens but the last
    tokens: list[int]  # the answer so far (as the tracker took them: cut where the answer ends)
    finished: bool  # the answer ended (its end, a stop, the token limit): nothing is left to write
    steps: int


class _Start(NamedTuple):
    """Where an answer begins (LocalModel._start)."""

    cache: object
    feed: list[int]  # the prompt greedy() reads on from: the prompt, or it and the answer written ahead
    cached: int  # the tokens of ``feed`` the cache holds
    written: int  # the answer's tokens already written (ahead)
    finished: bool  # the answer written ahead is whole: nothing to write
    sequence: list[int]  # the tokens the cache holds when nothing is left to write
    remembered: int  # the prompt's tokens not read now (GenerationStats.cached_prompt_tokens)


class LocalModel:
    """A loaded tokenizer + model, ready to answer chat messages."""

    def __init__(self, spec: str | None, lean: bool = True) -> None:
        self.spec = spec
        self.lean = lean  # quantized forms: vibecode.lm.lean's modules (False: transformers' class)
        self.source = resolve_source(spec)
        self.name = self.source.name
        self.tokenizer = None
        self.model = None
        self.folder: Path | None = None
        self.load_seconds = 0.0
        self.converted = False
        self.threads = cpu_count()
        self.timings: dict[str, float] = {}  # seconds: cache check, conversion, loading the weights
        self.prompt_cache = PromptCache()
        self.form = FLOAT32  # how the weights are kept and run (vibecode.lm.precision)
        self.int8_activations = False  # the "fast" kernel (quantized form only)
        self.form_reason = ""  # why that form, for 'vibecode model info' and the log
        self.one_token = None  # the lean single-token pass (vibecode.lm.step), for models it knows
        self._ends: dict[bool, frozenset[int]] = {}  # tokens that end an answer (Draft.ends), by stop_at_code_end
        self._ahead: _Ahead | None = None  # the answer written ahead (answer_ahead), until the next request

    def _choose_form(self, on_progress: Progress | None) -> str:
        """quantized (the GGUF's own weights + our kernels) where that works, else float32."""
        from vibecode.lm import kernels

        if self.source.kind not in ("embedded", "gguf"):
            self.form_reason = "not a GGUF model: it runs as it is"
            return FLOAT32
        wanted = precision.requested()
        if wanted == FLOAT32:
            self.form_reason = "float32 was asked for"
            return FLOAT32
        started = time.monotonic()
        if on_progress and not kernels.is_built():
            on_progress("Building the helper's engine for this computer (first start only)...", None)
        status = kernels.load()
        self.timings["kernels"] = round(time.monotonic() - started, 3)
        if status.ok:
            self.form_reason = f"vibecode's {status.isa} kernels"
            self.int8_activations = wanted == precision.FAST or (wanted == precision.AUTO and precision.AUTO_FAST)
            return QUANTIZED
        self.form_reason = f"float32, because {status.reason}"
        if wanted == QUANTIZED:
            log.warning("quantized was asked for, but %s; running float32", status.reason)
        return FLOAT32

    def load(self, on_progress: Progress | None = None, full_check: bool = False) -> None:
        torch.set_num_threads(self.threads)
        started = time.monotonic()
        self.form = self._choose_form(on_progress)
        if self.source.kind in ("embedded", "gguf"):
            check_started = time.monotonic()
            before = cache.check(cache.folder_for(cache_key(self.source, self.form)), full=full_check)
            self.timings["check"] = round(time.monotonic() - check_started, 3)
            self.folder = ensure_cache(self.source, on_progress, full_check=full_check, form=self.form)
            self.converted = not before.ok
            if self.converted:
                self.timings["convert"] = round(time.monotonic() - started, 1)
            target: str | Path = self.folder
        elif self.source.kind == "folder":
            target = self.source.path  # type: ignore[assignment]
        else:
            target = self.source.hub_id  # type: ignore[assignment]
        if on_progress:
            on_progress("Waking up the helper...", 0.99 if self.converted else None)
        weights_started = time.monotonic()
        try:
            self._load_from(target)
        except EngineError:
            raise
        except Exception as exc:
            if self.folder is not None and not self.converted:
                # The cache passed the quick check but does not load: rebuild it once.
                log.warning("cache %s failed to load (%s); rebuilding", self.folder, exc)
                cache.remove(self.folder)
                self.folder = ensure_cache(self.source, on_progress, form=self.form)
                self.converted = True
                self._load_from(self.folder)
            else:
                raise EngineError(
                    "The helper could not start this model. Ask your teacher to check the model name.",
                    details=traceback.format_exc(),
                ) from exc
        self.timings["weights"] = round(time.monotonic() - weights_started, 3)
        warm_started = time.monotonic()
        self._warm_up()
        self.timings["warm_up"] = round(time.monotonic() - warm_started, 3)
        self.load_seconds = time.monotonic() - started

    def _warm_up(self) -> None:
        """One tiny forward pass. The weights are memory-mapped, so the first pass pulls them all into
        memory (seconds for the 1.5B); doing it while the child is still typing makes the first answer start
        sooner."""
        encoded = self.tokenizer("Hi", return_tensors="pt", add_special_tokens=False)
        with torch.inference_mode():
            self.model(**encoded, use_cache=False)

    def _load_from(self, target: str | Path) -> None:
        from vibecode.lm import quantized

        local_only = self.source.kind != "hub"
        self.tokenizer = load_tokenizer(target, local_only, ours=self.folder is not None)
        if local_only and quantized.is_quantized_folder(Path(target)):
            self.form = QUANTIZED  # also a quantized folder named directly
            self.model = quantized.load_model(Path(target), int8_activations=self.int8_activations, lean=self.lean)
            if self.int8_activations:
                isa = torch.ops.vibecode.act8_isa()
                kquants = "" if isa == "avx2" else "; 4- and 6-bit layers: avx2"  # (quantized.load_model)
                self.form_reason += f", 8-bit activations ({isa}){kquants}"
        else:
            self.model = AutoModelForCausalLM.from_pretrained(
                target, dtype=torch.float32, local_files_only=local_only
            ).eval()
        from vibecode.lm.step import OneToken

        # the fast form also swaps SDPA for vibecode's one-query attention kernel (other float sums)
        self.one_token = OneToken.for_model(self.model, decode_attention=self.form == QUANTIZED and self.int8_activations)
        if self.tokenizer.chat_template is None:
            raise EngineError(
                "This model does not know how to chat (it has no chat template). Pick an 'Instruct' model.",
                details=f"{target}: tokenizer has no chat_template",
            )

    def _answer_ends(self, code_end: bool) -> frozenset[int]:
        if code_end not in self._ends:
            self._ends[code_end] = answer_ends(self.tokenizer.get_vocab(), set(self._eos_ids()), code_end)
        return self._ends[code_end]

    def _eos_ids(self) -> list[int]:
        ids: list[int] = []
        tok = self.tokenizer
        candidates = [tok.eos_token_id, getattr(self.model.generation_config, "eos_token_id", None)]
        for token in ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<end_of_turn>"):
            tid = tok.convert_tokens_to_ids(token)
            if isinstance(tid, int) and tid != tok.unk_token_id and tid >= 0:
                candidates.append(tid)
        for c in candidates:
            for one in c if isinstance(c, list) else [c]:
                if isinstance(one, int) and one not in ids:
                    ids.append(one)
        return ids

    def generate(
        self,
        messages: list[ChatMessage],
        options: GenerateOptions,
        cancel: threading.Event,
        emit: Callable[[str, int], None],
    ) -> GenerationStats:
        """Run one answer, calling ``emit(chunk, tokens written so far)`` as text appears; returns the stats."""
        assert self.model is not None and self.tokenizer is not None
        t0 = time.monotonic()
        encoded = self._encode(messages, add_generation_prompt=True, answer_start=options.answer_start)
        prompt = encoded["input_ids"][0].tolist()
        prompt_tokens = len(prompt)
        tracker = _Tracker(self.tokenizer, options, emit, t0)
        start = self._start(prompt, options, tracker)
        if not cancel.is_set():
            sequence = start.sequence
            if not start.finished:
                with torch.inference_mode():
                    sequence = self._write(start, options, lambda tokens: tracker.take(tokens) or cancel.is_set())
            tracker.end()
            self.prompt_cache.keep(start.cache, sequence)
        end = time.monotonic()
        n = len(tracker.ids)
        first = tracker.first_token_at
        last = tracker.last_token_at
        decode_tps = (n - 1) / (last - first) if n > 1 and first and last and last > first else 0.0
        return GenerationStats(
            prompt_tokens=prompt_tokens,
            completion_tokens=n,
            seconds=end - t0,
            first_token_seconds=(first - t0) if first else end - t0,
            tokens_per_second=decode_tps,
            cancelled=cancel.is_set(),
            decode_steps=tracker.steps,
            cached_prompt_tokens=start.remembered,
            written_ahead=start.written,
        )

    def _encode(self, messages: list[ChatMessage], add_generation_prompt: bool, answer_start: str = ""):
        prompt = self.tokenizer.apply_chat_template(
            [m.to_dict() for m in messages], tokenize=False, add_generation_prompt=add_generation_prompt
        )
        return self.tokenizer(prompt + answer_start, return_tensors="pt", add_special_tokens=False)

    def _new_cache(self):
        return kv.new_cache(self.model.config)

    def _start(self, prompt: list[int], options: GenerateOptions, tracker: _Tracker) -> _Start:
        """Where an answer to ``prompt`` begins: the answer written ahead for this very prompt and these
        options (its tokens handed to ``tracker`` at once), else the longest start the prompt cache holds."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and (ahead.prompt, ahead.options) == (prompt, options.to_dict()) and ahead.tokens:
            finished = tracker.take(ahead.tokens) or ahead.finished
            tracker.steps = ahead.steps
            return _Start(ahead.cache, ahead.sequence + ahead.tokens[-1:], len(ahead.sequence), len(ahead.tokens),
                          finished, ahead.sequence, len(prompt))
        cache, cached = self.prompt_cache.start(prompt, self._new_cache)
        return _Start(cache, prompt, cached, 0, False, prompt, cached)

    def _write(self, start: _Start, options: GenerateOptions, on_tokens: Callable[[list[int]], bool],
               most_draft: int | None = None) -> list[int]:
        """greedy() with ``options`` from ``start``; returns the tokens whose keys and values the cache holds."""
        sample = Sampling.for_options(options, getattr(self.model, "generation_config", None))
        # Prompt lookup for greedy answers (a change repeats the old program, a new one its example's lines):
        # the model checks a copied draft in one pass, with the same text.
        draft = None
        if sample is None and options.prompt_lookup and options.prompt_lookup > 0:
            draft = Draft(tokens=int(options.prompt_lookup), shortest=max(1, int(options.prompt_lookup_words)),
                          ends=self._answer_ends(options.stop_at_code_end))
            if most_draft is not None:
                draft.most = min(draft.most, most_draft)
        return greedy(
            self.model, start.feed, start.cache, start.cached,
            max_new_tokens=max(1, int(options.max_new_tokens)) - start.written, eos=set(self._eos_ids()),
            repetition_penalty=float(options.repetition_penalty or 1.0), draft=draft, on_tokens=on_tokens,
            one_token=self.one_token, sample=sample,
        )

    def answer_ahead(self, messages: list[ChatMessage], options: GenerateOptions,
                     should_stop: Callable[[], bool]) -> int:
        """Write the greedy answer to ``messages`` while the child pauses before Enter (the worker calls it
        after reading a prompt ahead with the child's words, until its next request comes; called again for
        the same words it goes on where it stopped). If Enter then asks for these very words, ``generate``
        shows what was written at once and goes on from there: the same text (greedy; a pass's rows do not
        depend on each other), sooner. Returns the answer's tokens written so far."""
        assert self.model is not None and self.tokenizer is not None
        if options.temperature and options.temperature > 0:
            self._ahead = None
            return 0  # a drawn answer is drawn again at Enter
        prompt = self._encode(messages, add_generation_prompt=True, answer_start=options.answer_start)["input_ids"][0].tolist()
        tracker = _Tracker(self.tokenizer, options, lambda _text, _count: None, time.monotonic())
        start = self._start(prompt, options, tracker)
        sequence = start.sequence
        if not start.finished:
            with torch.inference_mode():
                sequence = self._write(start, options, lambda tokens: tracker.take(tokens) or should_stop(),
                                       AHEAD_MOST_DRAFT)
        tokens = list(tracker.ids)
        finished = start.finished or tracker.stop or (bool(tokens) and tokens[-1] in self._eos_ids()) or (
            len(tokens) >= max(1, int(options.max_new_tokens)))
        self._ahead = _Ahead(prompt, options.to_dict(), start.cache, sequence, tokens, finished, tracker.steps)
        return len(tokens)

    def prefill(self, messages: list[ChatMessage], tentative: bool = False,
                should_stop: Callable[[], bool] | None = None) -> int:
        """Read the start of a conversation now (e.g. the pipeline's system prompt while the child is still
        typing), so an answer that starts the same way begins sooner. Returns the tokens read.
        ``tentative``: it holds words the child may still change (PromptCache.keep). ``should_stop``: asked
        between pieces (``decode.read``); the pieces read so far are remembered all the same."""
        assert self.model is not None and self.tokenizer is not None
        self._answer_ends(True)  # (once, 0.1 s) here rather than when the child has pressed Enter
        ids = self._encode(messages, add_generation_prompt=False)["input_ids"]
        if self.prompt_cache.remembered(ids[0].tolist()) >= ids.shape[1]:
            return 0  # already remembered (read ahead while the child types: often the same start again)
        cache, cached = self.prompt_cache.start(ids[0].tolist() + [-1], self._new_cache)
        with torch.inference_mode():  # as an answer reads its prompt (the same keys and values)
            read(self.model, self.one_token, cache, ids[0, cached:].tolist(), cached, last_only=True,
                 should_stop=should_stop)
        self.prompt_cache.keep(cache, ids[0], tentative=tentative)
        return cache.get_seq_length() - cached

    def info(self) -> dict:
        return {
            "name": self.name,
            "spec": self.spec,
            "kind": self.source.kind,
            "folder": str(self.folder) if self.folder else None,
            "load_seconds": round(self.load_seconds, 2),
            "converted_now": self.converted,
            "timings": dict(self.timings),
            "threads": self.threads,
            "precision": precision.FAST if self.form == QUANTIZED and self.int8_activations else self.form,
            "precision_reason": self.form_reason,
            "rss_mb": round(rss_mb(), 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "parameters": _weight_count(self.model) if self.model is not None else 0,
        }


def load_tokenizer(target: str | Path, local_only: bool, ours: bool):
    """The tokenizer of a model folder. Folders we wrote ourselves (the quick-start caches) hold a complete
    tokenizer.json, saved from the model's own tokenizer class: loaded as it is it needs no class (which
    re-derives vocabulary and merges from the file). Its added tokens are in that file too, read with it;
    the empty map stops transformers reading the 11 MB file a second time, in Python, for them. 1.5B: 0.9
    -> 0.35 s on every start. Other folders and hub models go through the class the model asks for."""
    if ours and (Path(target) / "tokenizer.json").is_file():
        return PreTrainedTokenizerFast.from_pretrained(target, local_files_only=True, added_tokens_decoder={})
    return AutoTokenizer.from_pretrained(target, local_files_only=local_only)


def _weight_count(model) -> int:
    from vibecode.lm.quantized import weight_count

    return weight_count(model)


def log_file() -> Path:
    return paths.log_dir() / "engine.log"
