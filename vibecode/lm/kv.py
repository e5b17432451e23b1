"""The single-child engine's KV cache: transformers' ``DynamicCache`` without a copy of the past every step.

``DynamicCache`` appends each step's keys and values with ``torch.cat``, which copies every earlier token's
keys and values into a new tensor, in every layer, for every token: at 300 tokens of context that was 11 ms
of a 58 ms decode step of the 1.5B model on 2 cores (measured with torch.profiler, 2026-11-28), and it
grows with the conversation (a change request carries the whole program). Here each layer keeps a buffer
with room to spare and hands the model views of its filled part; room doubles when it runs out, so a
token's keys are copied a couple of times at most instead of once per later token.

The numbers are the same: SDPA reads the same values from a view of the buffer as from a fresh copy.
Cropping (prompt lookup drops rejected draft tokens) only moves the end. ``copy.deepcopy`` (the prompt
cache keeps copies) copies the buffers and keeps the views on them.

Only the worker process imports this (torch).
"""

from __future__ import annotations

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

SPARE = 256  # extra room at the first write: most answers fit without growing


class GrowingLayer(DynamicLayer):
    """One layer's keys and values ([batch, heads, tokens, dim]) in a buffer that grows by doubling."""

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        super().lazy_initialization(key_states, value_states)
        self._key_buffer: torch.Tensor | None = None
        self._value_buffer: torch.Tensor | None = None
        self._length = 0

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs
               ) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        start = self._length
        end = start + key_states.shape[-2]
        if self._key_buffer is None or end > self._key_buffer.shape[-2]:
            room = end + SPARE if self._key_buffer is None else max(end, 2 * self._key_buffer.shape[-2])
            self._key_buffer = _grown(self._key_buffer, start, key_states, room)
            self._value_buffer = _grown(self._value_buffer, start, value_states, room)
        self._key_buffer[..., start:end, :] = key_states
        self._value_buffer[..., start:end, :] = value_states
        self._set_length(end)
        return self.keys, self.values

    def next_slots(self, count: int) -> tuple[torch.Tensor, torch.Tensor, int] | None:
        """Room for ``count`` more tokens, written in place by the caller (the fused pass): the key and value
        buffers and the first row to write; the layer already counts the tokens. None before the first write."""
        if not self.is_initialized or self._key_buffer is None:
            return None
        start = self._length
        if start + count > self._key_buffer.shape[-2]:
            room = max(start + count, 2 * self._key_buffer.shape[-2])
            self._key_buffer = _grown(self._key_buffer, start, self._key_buffer, room)
            self._value_buffer = _grown(self._value_buffer, start, self._value_buffer, room)
        self._set_length(start + count)
        return self._key_buffer, self._value_buffer, start

    def crop(self, tokens_to_remove: int) -> None:
        if tokens_to_remove > 0:
            raise ValueError("crop takes the number of tokens to remove as a negative number")
        if tokens_to_remove == 0 or not self.is_initialized or self._key_buffer is None:
            return
        self._set_length(max(0, self._length + tokens_to_remove))

    def reset(self) -> None:
        self._key_buffer = self._value_buffer = None
        self._length = 0
        super().reset()

    def batch_repeat_interleave(self, repeats: int) -> None:
        if self._key_buffer is not None:
            self._key_buffer = self._key_buffer.repeat_interleave(repeats, dim=0)
            self._value_buffer = self._value_buffer.repeat_interleave(repeats, dim=0)
            self._set_length(self._length)

    def batch_select_indices(self, indices: torch.Tensor) -> None:
        if self._key_buffer is not None:
            self._key_buffer = self._key_buffer[indices, ...]
            self._value_buffer = self._value_buffer[indices, ...]
            self._set_length(self._length)

    def _set_length(self, length: int) -> None:
        self._length = length
        self.keys = self._key_buffer[..., :length, :]
        self.values = self._value_buffer[..., :length, :]


def _grown(old: torch.Tensor | None, used: int, like: torch.Tensor, room: int) -> torch.Tensor:
    buffer = like.new_empty((*like.shape[:-2], room, like.shape[-1]))
    if old is not None and used:
        buffer[..., :used, :] = old[..., :used, :]
    return buffer


def next_slots(cache, count: int = 1) -> tuple[list[torch.Tensor], list[torch.Tensor], int] | None:
    """Every layer's buffers with room for ``count`` more tokens and the row they start at;
    None (nothing changed) unless every layer is a filled growing buffer at the same length."""
    layers = getattr(cache, "layers", None)
    if not layers or not all(isinstance(layer, GrowingLayer) and layer.is_initialized
                             and layer._key_buffer is not None and layer._key_buffer.is_contiguous()
                             and layer._value_buffer.is_contiguous() for layer in layers):
        return None
    if len({layer._length for layer in layers}) != 1:
        return None
    slots = [layer.next_slots(count) for layer in layers]
    return [s[0] for s in slots], [s[1] for s in slots], slots[0][2]


def new_cache(config) -> DynamicCache:
    """An empty cache for one conversation with ``config``'s model: growing buffers where every layer is
    plain full attention (the models we ship), else transformers' own dynamic cache."""
    cache = DynamicCache(config=config)
    if cache.layers and all(type(layer) is DynamicLayer for layer in cache.layers):
        cache.layers = [GrowingLayer() for _ in cache.layers]
    return cache
