"""One forward pass for several sequences of different lengths, with no padding: the class server's step.

The linear layers (where a CPU step spends its time reading weights) see every sequence's new tokens as rows
of one matrix, so the weights are read once for the whole class. Attention is done sequence by sequence,
each against its own KV cache, with transformers' own SDPA function. Nothing is padded and no sequence sees
another's tokens, so every row gets the same numbers it would get alone (vibecode's kernels give the same
sums for a row whatever the batch size): a greedy answer is the same text as the single-child engine's.

Each sequence's cache (``SequenceCache``) is sized for its whole answer when it starts, and every step
writes one position into it. transformers' ``DynamicCache`` instead copies all past keys and values into
a new tensor every step (``torch.cat``): a megabyte per layer at 1,000 tokens for the 1.5B model, times
two, times 28 layers, times ten children, for every token. SDPA gives the same numbers on a view of the
buffer as on DynamicCache's copy (checked by the tests against the single-child engine).

The model keeps its ordinary transformers code; we only register an attention function ("vibecode_ragged")
that finds the per-sequence layout in the forward call's keyword arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import AttentionInterface
from transformers.integrations.sdpa_attention import sdpa_attention_forward

ATTENTION = "vibecode_ragged"


class SequenceCache:
    """One sequence's keys and values for every layer, in buffers with room for ``capacity`` tokens."""

    def __init__(self, layers: int, capacity: int) -> None:
        self.capacity = max(1, capacity)
        self.keys: list[torch.Tensor | None] = [None] * layers
        self.values: list[torch.Tensor | None] = [None] * layers
        self.lengths = [0] * layers

    def update(self, key: torch.Tensor, value: torch.Tensor, layer: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Append this step's keys and values ([1, heads, new, dim]); returns all of them so far (views)."""
        start, new = self.lengths[layer], key.shape[2]
        end = start + new
        keys, values = self.keys[layer], self.values[layer]
        if keys is None or values is None or end > keys.shape[2]:
            room = max(self.capacity, end) if keys is None else max(end, 2 * keys.shape[2])
            keys, values = self._grown(keys, start, key, room), self._grown(values, start, value, room)
            self.keys[layer], self.values[layer] = keys, values
        keys[:, :, start:end] = key
        values[:, :, start:end] = value
        self.lengths[layer] = end
        return keys[:, :, :end], values[:, :, :end]

    @staticmethod
    def _grown(old: torch.Tensor | None, used: int, like: torch.Tensor, room: int) -> torch.Tensor:
        buffer = like.new_empty((like.shape[0], like.shape[1], room, like.shape[3]))
        if old is not None and used:
            buffer[:, :, :used] = old[:, :, :used]
        return buffer

    def tokens(self) -> int:
        return self.lengths[0]

    def snapshot(self, length: int) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Copies of the first ``length`` tokens' keys and values, to start other sequences from."""
        return ([k[:, :, :length].clone() for k in self.keys if k is not None],
                [v[:, :, :length].clone() for v in self.values if v is not None])

    def start_from(self, keys: list[torch.Tensor], values: list[torch.Tensor], length: int) -> None:
        """Begin this (empty) cache with the first ``length`` tokens of a snapshot: a prompt that starts
        like an earlier one does not read that start again."""
        for layer, (key, value) in enumerate(zip(keys, values, strict=True)):
            self.update(key[:, :, :length], value[:, :, :length], layer)


@dataclass
class Piece:
    """One sequence's part of a step: its new tokens and the cache they are appended to."""

    tokens: list[int]
    start: int  # position of the first new token (= tokens already in the cache)
    cache: SequenceCache


@dataclass
class Layout:
    """Where each sequence's tokens sit in the step's single row of tokens."""

    pieces: list[Piece]
    bounds: list[tuple[int, int]]


def _ragged_attention(module, query, key, value, attention_mask, dropout=0.0, scaling=None, **kwargs):
    layout: Layout | None = kwargs.pop("vibecode_layout", None)
    if layout is None:  # an ordinary call (not from step()): plain SDPA
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                      **kwargs)
    outputs = []
    for piece, (begin, end) in zip(layout.pieces, layout.bounds):
        keys, values = piece.cache.update(key[:, :, begin:end], value[:, :, begin:end], module.layer_idx)
        mask = None
        if piece.start and end - begin > 1:
            # several new tokens after a remembered start: SDPA's own causal mask would line the new tokens
            # up with the first keys, so say which keys each one sees (all before it, and itself)
            seen = torch.arange(keys.shape[2]) <= torch.arange(piece.start, piece.start + end - begin)[:, None]
            mask = seen[None, None]
        out, _ = sdpa_attention_forward(module, query[:, :, begin:end], keys, values, mask, dropout=0.0,
                                        scaling=scaling)
        outputs.append(out)
    return torch.cat(outputs, dim=1) if len(outputs) > 1 else outputs[0], None


AttentionInterface.register(ATTENTION, _ragged_attention)


def new_cache(model, capacity: int) -> SequenceCache:
    """An empty cache with room for ``capacity`` tokens (prompt + longest answer) in every layer."""
    return SequenceCache(model.config.get_text_config().num_hidden_layers, capacity)


def use_ragged_attention(model) -> None:
    """Switch the model to the ragged attention (the model is the class server's only)."""
    model.set_attn_implementation(ATTENTION)


@torch.inference_mode()
def step(model, pieces: list[Piece]) -> torch.Tensor:
    """Run the model on every piece's new tokens at once; returns the float32 logits of each piece's last
    token, shape [len(pieces), vocabulary]."""
    ids: list[int] = []
    positions: list[int] = []
    bounds: list[tuple[int, int]] = []
    for piece in pieces:
        bounds.append((len(ids), len(ids) + len(piece.tokens)))
        ids.extend(piece.tokens)
        positions.extend(range(piece.start, piece.start + len(piece.tokens)))
    layout = Layout(pieces, bounds)
    hidden = model.model(
        input_ids=torch.tensor([ids], dtype=torch.long),
        position_ids=torch.tensor([positions], dtype=torch.long),
        use_cache=False,
        vibecode_layout=layout,
    ).last_hidden_state
    last = torch.tensor([end - 1 for _, end in bounds], dtype=torch.long)
    rows = hidden.index_select(1, last)  # [1, pieces, hidden]
    return model.lm_head(rows)[0].to(torch.float32)
