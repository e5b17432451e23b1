"""The model's memory of recent prompts (their KV caches), so a prompt that starts like an earlier one is
not read again.

On 2 CPU cores reading a prompt costs about 15 ms a token: the pipeline's system prompt alone (~150
tokens) is 2-3 s before the first word of every answer. Each prompt starts with the same system prompt, a
change request with the whole chat so far, a repair turn with the answer it repairs, and the same few-shot
example comes back for similar ideas. We keep the KV caches of the last few prompts (with their answers);
a new prompt starts from a copy of the longest matching beginning and only the rest is read. Greedy answers
stay the same: the kernels give the same numbers for a row whether it was read in one batch or another.

Only the worker process imports this (torch).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import torch

MIN_REUSE = 16  # shorter matches are not worth a copy


@dataclass
class _Entry:
    ids: list[int]  # the tokens whose keys and values are in ``cache``
    cache: object  # a transformers Cache
    used: int = 0  # when it was last used (a counter), for evicting the oldest
    tentative: bool = False  # read ahead with words the child may still change (see keep)


@dataclass
class PromptCache:
    slots: int = 4
    max_tokens: int = 4096  # longer conversations are not kept (memory: ~57 KB a token for the 1.5B model)
    entries: list[_Entry] = field(default_factory=list)
    _clock: int = 0

    def remembered(self, ids: list[int]) -> int:
        """How many of ``ids`` (from the start) some remembered prompt already holds; nothing is copied."""
        return max((common_prefix(entry.ids, ids) for entry in self.entries), default=0)

    def start(self, ids: list[int], new_cache) -> tuple[object, int]:
        """A cache to generate ``ids`` with: a copy of the longest matching beginning we remember (so the
        remembered one stays intact), or ``new_cache()``. Returns (cache, tokens it already holds)."""
        best, best_len = None, 0
        for entry in self.entries:
            n = common_prefix(entry.ids, ids)
            if n > best_len:
                best, best_len = entry, n
        best_len = min(best_len, len(ids) - 1)  # the model must read at least the last token itself
        if best is None or best_len < MIN_REUSE:
            return new_cache(), 0
        self._clock += 1
        best.used = self._clock
        cache = copy.deepcopy(best.cache)
        extra = cache.get_seq_length() - best_len
        if extra > 0:
            cache.crop(-extra)
        return cache, best_len

    def keep(self, cache, sequence: torch.Tensor | list[int], *, tentative: bool = False) -> None:
        """Remember a cache after an answer; ``sequence`` is the prompt and answer tokens.

        ``tentative``: a prompt read ahead with the child's words while they may still change them. Each
        pause in typing reads the words so far, and those prompts are not the start of one another (each
        ends its message), so one tentative entry replaces the one before: pauses never push the chat's
        remembered answers out of the slots."""
        ids = sequence.tolist() if isinstance(sequence, torch.Tensor) else list(sequence)
        length = cache.get_seq_length()
        if length < MIN_REUSE or length > self.max_tokens:
            return
        ids = ids[:length]
        # a longer version replaces an entry (the answer to a prompt read ahead replaces that prompt)
        self.entries = [e for e in self.entries if e.ids != ids[: len(e.ids)] and not (tentative and e.tentative)]
        self._clock += 1
        self.entries.append(_Entry(ids, cache, self._clock, tentative))
        while len(self.entries) > self.slots:
            self.entries.remove(min(self.entries, key=lambda e: e.used))

    def clear(self) -> None:
        self.entries.clear()


def common_prefix(a: list[int], b: list[int]) -> int:
    """How many tokens two prompts share at the start (the class server's batcher uses it too)."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i
