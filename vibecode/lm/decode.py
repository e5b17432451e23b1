"""Greedy decoding with prompt lookup, on a model whose cache may already hold the start of the prompt.

transformers' own prompt-lookup decoding re-reads the whole prompt in its first step, which breaks when the
cache already holds part of it (``vibecode.lm.prompt_cache``): it wrote different text. This loop is the
plain greedy algorithm: read the rest of the prompt, then each step feed the last chosen token plus a
draft copied from earlier in the conversation ("prompt lookup": a change request mostly repeats the old
program), and keep the draft tokens the model would have chosen itself, one by one. The repetition
penalty is the one transformers applies (``RepetitionPenaltyLogitsProcessor``), over the prompt and
everything written so far, so the text is the same as ``model.generate(do_sample=False)``.

Only the worker process imports this (torch).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from vibecode.lm.base import GenerateOptions


@dataclass
class Draft:
    """Prompt lookup: copy up to ``tokens`` tokens that followed the last ``ngram`` tokens earlier on.

    A draft that the model takes whole makes the next one ``growth`` times longer, up to ``most`` tokens; a
    draft it stops part way starts again at ``tokens`` (at ``missed`` when it took none of it: new text, where
    copies keep missing; when that short probe is taken whole, the copy fits again and drafts start again at
    ``tokens``). A draft ends after a token in ``ends``: the answer stops there. Copying a program
    runs long (fewer passes, each reading the weights once), an edit stops drafts early (few checked tokens
    thrown away: a token checked costs ~16 ms on 2 cores, a pass ~40 ms more). Replayed on 16 recorded change
    answers of the 1.5B model (``benchmarks/draft_policy.py``, two recordings of 8): from 3 tokens x1.5 up to
    64 took 35.8 + 45.4 s, from 10 x2 (the earlier policy) 45.5 + 62.0 s, no drafts 65.0 s for the second
    eight. A third recording (answers cut where the app stops them): 34.05 s; ending drafts at the answer's
    end 32.89 s; and 2 tokens after a miss 32.38 s. A fourth (10 answers, the four bench speed changes
    included; passes ~13.5 ms a token): 2 tokens after a miss 53.93 s, a 1-token probe that then grows from
    1 52.20 s (but 7.23 s instead of 6.02 s for one of the four), the probe then ``tokens`` 51.14 s (each of
    the four as quick or quicker); with a plain cost model (40 ms a pass + 14 ms a token) 53.57 / 51.45 s."""

    tokens: int = 3
    ngram: int = 4
    most: int = 64
    growth: float = 1.5
    missed: int | None = 1  # the next draft's length after one whose first token was wrong (None: tokens)
    shortest: int = 1  # the fewest last words a match needs (``ngram`` is the most tried)
    ends: frozenset[int] = frozenset()  # a draft stops after these (the end of the answer: its code fence, eos)

    def next_size(self, size: int, taken_whole: bool, taken: int | None = None) -> int:
        """The next draft's length after a draft of ``size`` tokens of which the model took ``taken``."""
        if taken_whole:
            if self.missed is not None and size <= self.missed < self.tokens:
                return self.tokens  # the probe after a miss was taken: copying again, as from the start
            return min(max(size + 1, int(size * self.growth)), self.most)
        return self.missed if taken == 0 and self.missed is not None else self.tokens

    def find(self, ids: list[int], tokens: int | None = None) -> list[int]:
        """The continuation of the latest earlier place where the sequence's last words appear (the
        longest match of up to ``ngram`` words; the latest is the old program's line being copied more
        often than the first, which can be the system prompt)."""
        length = len(ids)
        for size in range(min(self.ngram, length - 1), self.shortest - 1, -1):
            tail = ids[-size:]
            for start in range(length - size - 1, -1, -1):
                if ids[start : start + size] == tail:
                    follow = ids[start + size : start + size + (tokens or self.tokens)]
                    if follow:
                        end = next((i for i, token in enumerate(follow) if token in self.ends), len(follow) - 1)
                        return follow[: end + 1]
        return []


def answer_ends(vocab: dict[str, int], eos: set[int], code_end: bool) -> frozenset[int]:
    """The tokens after which an answer stops: eos, and, when it stops at its closing code fence, every token
    with two backticks (the fence may be cut into pieces). Checking a draft past them wastes a pass's rows."""
    fences = {index for text, index in vocab.items() if "``" in text} if code_end else set()
    return frozenset(fences | eos)


@dataclass
class Sampling:
    """Words drawn instead of the likeliest (transformers' ``do_sample``, in its order): the scores divided by
    ``temperature``, then only the ``top_k`` likeliest words, then the fewest whose chances add up to
    ``top_p``; drawn with ``generator`` (an answer's own seed) or torch's global one. The local engine and
    the class server's batcher both draw this way, so a seeded answer is the same text on either."""

    temperature: float
    top_p: float = 1.0
    top_k: int = 50
    generator: torch.Generator | None = None

    @classmethod
    def for_options(cls, options: GenerateOptions, generation_config=None) -> Sampling | None:
        """None for greedy options; top-k as transformers takes it: the model's generation config, else 50."""
        if not options.temperature or options.temperature <= 0:
            return None
        top_k = getattr(generation_config, "top_k", None)
        generator = torch.Generator().manual_seed(int(options.seed)) if options.seed is not None else None
        return cls(float(options.temperature), float(options.top_p), 50 if top_k is None else int(top_k), generator)

    def __call__(self, scores: torch.Tensor) -> int:
        probabilities = self.kept(scores).softmax(-1)[None]
        return int(torch.multinomial(probabilities, 1, generator=self.generator)[0, 0])

    def kept(self, scores: torch.Tensor) -> torch.Tensor:
        """The scores the draw uses: divided by the temperature, -inf for every word left out."""
        scores = scores / self.temperature
        if 0 < self.top_k < scores.shape[-1]:
            scores = scores.masked_fill(scores < torch.topk(scores, self.top_k).values[-1], -float("inf"))
        if self.top_p < 1.0:
            ordered, order = torch.sort(scores)
            drop = ordered.softmax(-1).cumsum(-1) <= 1 - self.top_p
            drop[-1:] = False  # the likeliest word always stays
            scores = scores.masked_fill(drop.scatter(0, order, drop), -float("inf"))
        return scores


def penalize(logits: torch.Tensor, history: torch.Tensor, penalty: float) -> torch.Tensor:
    """transformers' repetition penalty: tokens already in ``history`` become less likely."""
    if penalty == 1.0:
        return logits
    score = torch.gather(logits, 0, history)
    score = torch.where(score < 0, score * penalty, score / penalty)
    return logits.scatter(0, history, score)


def read(model, one_token: Callable | None, cache, tokens: list[int], start: int,
         last_only: bool = False, should_stop: Callable[[], bool] | None = None) -> torch.Tensor | None:
    """Put ``tokens`` (from position ``start``) into ``cache``; returns the logits after each of them
    ([tokens, vocab], float32), or only after the last with ``last_only``. ``should_stop`` is asked before
    each piece after the first: True leaves the rest unread (the cache holds the pieces read) and returns
    None (a prompt read ahead that a newer request makes stale or has to wait for).

    With the fused pass (``OneToken.few``) a long prompt is read in pieces of up to ``FEW`` tokens: a row's
    sums do not depend on the rows read with it, so the keys, values and the answer are the same however a
    prompt was split between reading ahead and Enter (read by the model's own forward instead, a new
    program's text changed with where the child paused: other float rounding). A piece the fused pass does
    not take (an empty cache: its buffers are made by a first write), and every pass of a model without it,
    is the model's own forward."""
    from vibecode.lm.step import FEW

    if len(tokens) == 1 and one_token is not None:
        return one_token(tokens[0], start, cache)[None]
    fused = getattr(one_token, "fused", None) is not None
    size = FEW if fused else len(tokens)
    pieces: list[torch.Tensor] = []
    for at in range(0, len(tokens), size):
        if at and should_stop is not None and should_stop():
            return None
        piece = tokens[at : at + size]
        last_piece = at + size >= len(tokens)
        logits = one_token.few(piece, start + at, cache, last_only, logits=last_piece or not last_only) if fused else None
        if logits is None:
            out = model(input_ids=torch.tensor([piece], dtype=torch.long), past_key_values=cache,
                        cache_position=torch.arange(start + at, start + at + len(piece)), use_cache=True,
                        logits_to_keep=1 if last_only else len(piece))
            logits = out.logits[0].float()
        if last_piece or not last_only:
            pieces.append(logits)
    return pieces[0] if len(pieces) == 1 else torch.cat(pieces)


def greedy(
    model,
    prompt: list[int],
    cache,
    cached: int,
    *,
    max_new_tokens: int,
    eos: set[int],
    repetition_penalty: float,
    draft: Draft | None,
    on_tokens: Callable[[list[int]], bool],
    one_token: Callable | None = None,
    sample: Sampling | None = None,
) -> list[int]:
    """Write up to ``max_new_tokens`` tokens after ``prompt``; ``cache`` already holds its first ``cached``.
    Each word is the likeliest one, or drawn by ``sample`` (then without drafts: a drawn word rarely
    matches a copy).

    ``on_tokens(new)`` hears the accepted tokens of each model pass, in order, and returns True to stop
    (cancel, a stop string, the end of the code block). Returns prompt + answer tokens whose keys and
    values are in the cache (the last written token is not). ``one_token`` (``vibecode.lm.step.OneToken``)
    runs the passes that read a single token."""
    sequence = list(prompt)
    history = torch.tensor(prompt, dtype=torch.long)

    def forward(tokens: list[int], start: int, last_only: bool = False) -> torch.Tensor:
        return read(model, one_token, cache, tokens, start, last_only)

    # read the part of the prompt the cache does not hold; its last position gives the first new token
    logits = forward(prompt[cached:], cached, last_only=True)[-1:]
    written = 0
    feed: list[int] = []
    draft = None if sample is not None else draft
    size = draft.tokens if draft else 0
    while True:
        chosen: list[int] = []
        for j in range(logits.shape[0]):
            history = torch.cat([history, torch.tensor(feed[j : j + 1], dtype=torch.long)]) if j else history
            scores = penalize(logits[j], history, repetition_penalty)
            token = sample(scores) if sample is not None else int(scores.argmax())
            chosen.append(token)
            if j + 1 >= len(feed) or feed[j + 1] != token:
                break  # the draft ends here, or the model wants another word than the draft
        if feed:
            # the cache holds every fed token; keep only the last chosen token and the accepted draft
            unused = len(feed) - len(chosen)
            if unused > 0:
                cache.crop(-unused)
            sequence += feed[: len(chosen)]
        stop_at = next((i for i, token in enumerate(chosen) if token in eos), None)
        if stop_at is not None:
            chosen = chosen[: stop_at + 1]
        room = max_new_tokens - written
        chosen = chosen[:room]
        written += len(chosen)
        history = torch.cat([history[: len(sequence)], torch.tensor(chosen[-1:], dtype=torch.long)])
        if on_tokens(chosen) or stop_at is not None or written >= max_new_tokens:
            return sequence
        last = chosen[-1]
        if draft and len(feed) > 1:  # the last pass had a draft: taken whole -> longer, else start again
            size = draft.next_size(size, len(chosen) == len(feed), len(chosen) - 1)
        feed = [last] + (draft.find(sequence + [last], size)[: max_new_tokens - written] if draft else [])
        logits = forward(feed, len(sequence))
