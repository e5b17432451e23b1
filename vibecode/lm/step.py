"""One new token through a llama-family model (Qwen2, Llama) with far fewer torch calls than transformers'.

Writing an answer is one model pass per token, and transformers' forward spends about 15 ms of a ~65 ms
pass of the 1.5B model on 2 cores outside the weight multiplications: mask building, module calls, keyword
plumbing, and SDPA's flash kernel (175 us a layer for a single query). ``OneToken`` runs the same layers,
in the same order, with the same arithmetic (tested: the very same logits as the model's own forward),
straight from the model's modules; 3-4 ms less a token. With ``decode_attention`` (the fast form) the
single query's attention is vibecode's own kernel instead of SDPA: a few ms more, slightly different
float sums.

Fused (``FusedLayers``): when every layer's matrices are packed for the int8 kernels (the fast form: K-quant
blocks, float scales for layers that are not K-quants) and the cache is vibecode's growing buffers, all
the layers run in one call of the kernel library (``decode_layers``): one team of threads for the whole
pass instead of ~200 kernel calls, each waking the other thread. Same kernels on the same rounded
activations; the norms, RoPE, SiLU and attention round differently from torch's in the last bits.

``decode.read`` uses ``OneToken`` for every pass of one token, and ``few`` for passes of up to ``FEW``
tokens where the fused pass applies (a long prompt in pieces of ``FEW``); other passes (an empty cache)
go through the model's own forward.
Models it does not know (or with a sliding window, a dynamic RoPE, another activation) keep the model's
own forward for everything.

Only the worker process imports this (torch).
"""

from __future__ import annotations

import logging

import torch
import torch.nn.functional as F

from vibecode.lm import kv, lean
from vibecode.lm.lean import rms_norm, rotate

log = logging.getLogger("vibecode.lm.step")

# The most tokens a fused pass reads at once: prompt-lookup drafts (up to 64), a prompt in pieces of this
# size. Its attention reads the keys once per two tokens and head (no blocked matrix product like SDPA's);
# a 361-token prompt read in pieces: 10.9-11.2 ms a token, the model's own forward 11.3-12.0.
FEW = 65


class OneToken:
    """``step(token, position, cache)`` -> the logits of the next token (float32 [vocab])."""

    def __init__(self, model, decode_attention: bool = False) -> None:
        self.model = model
        base = model.model
        self.embed = base.embed_tokens
        self.layers = list(base.layers)
        self.norm = base.norm
        self.head = model.lm_head
        self.inv_freq = base.rotary_emb.inv_freq
        self.rope_scale = float(base.rotary_emb.attention_scaling)
        self.decode_attention = decode_attention
        self.fused = FusedLayers.for_model(model) if decode_attention else None

    @classmethod
    def for_model(cls, model, decode_attention: bool = False) -> OneToken | None:
        config = getattr(model, "config", None)
        if config is None or getattr(model, "model", None) is None or not lean.supports(config):
            return None
        return cls(model, decode_attention)

    def few(self, tokens: list[int], position: int, cache, last_only: bool = False,
            logits: bool = True) -> torch.Tensor | None:
        """Several new tokens in one fused pass (a prompt-lookup draft, a piece of a prompt): the logits
        after each of them ([tokens, vocab]; only the last one's with ``last_only``; none, an empty tensor,
        without ``logits``: a prompt's piece before its last), or None where the fused pass does not apply
        (then the model's own forward reads them)."""
        if self.fused is None or not 0 < len(tokens) <= FEW or (slots := kv.next_slots(cache, len(tokens))) is None:
            return None
        cos, sin = self._rope(position, len(tokens))
        try:
            hidden = self.fused(self.embed(torch.tensor(tokens)), cos, sin, *slots)
        except RuntimeError:  # a model the kernel refuses: the cache gives the rows back, the layers take over
            log.exception("the fused pass failed; using the layer-by-layer pass from now on")
            cache.crop(-len(tokens))
            self.fused = None
            return None
        if not logits:
            return hidden[:0]
        if last_only:
            hidden = hidden[-1:]
        return self.head(rms_norm(hidden, self.norm)).float()

    def _rope(self, position: int, count: int) -> tuple[torch.Tensor, torch.Tensor]:
        """transformers' RotaryEmbedding for ``count`` positions from ``position``: cos and sin [count, dim]."""
        return lean.rope_angles(self.inv_freq, self.rope_scale, position, count)

    def __call__(self, token: int, position: int, cache) -> torch.Tensor:
        fused = self.few([token], position, cache)
        if fused is not None:
            return fused[0]
        hidden = self.embed(torch.tensor([[token]]))
        cos, sin = self._rope(position, 1)  # as apply_rotary_pos_emb's [1, 1, 1, dim] shape:
        cos, sin = cos[None, None], sin[None, None]
        for index, layer in enumerate(self.layers):
            attention = layer.self_attn
            x = rms_norm(hidden, layer.input_layernorm)
            dim = attention.head_dim
            q = rotate(attention.q_proj(x).view(1, 1, -1, dim).transpose(1, 2), cos, sin)
            k = rotate(attention.k_proj(x).view(1, 1, -1, dim).transpose(1, 2), cos, sin)
            v = attention.v_proj(x).view(1, 1, -1, dim).transpose(1, 2)
            keys, values = cache.update(k, v, index)
            if self.decode_attention:
                out = torch.ops.vibecode.decode_attention(q, keys, values, attention.scaling)
            else:
                out = F.scaled_dot_product_attention(q, keys, values, scale=attention.scaling,
                                                     enable_gqa=keys.shape[1] != q.shape[1])
            hidden = hidden + attention.o_proj(out.transpose(1, 2).reshape(1, 1, -1))
            x = rms_norm(hidden, layer.post_attention_layernorm)
            mlp = layer.mlp
            hidden = hidden + mlp.down_proj(F.silu(mlp.gate_proj(x)) * mlp.up_proj(x))
        return self.head(rms_norm(hidden, self.norm))[0, -1].float()


class FusedLayers:
    """All decoder layers of a model whose matrices are packed for the int8 kernels, for a pass of new
    tokens in one kernel call."""

    def __init__(self, linears: list, norms: list, biases: list, eps: float, scale: float) -> None:
        empty = torch.empty(0)
        self.weights = [part.kblocks if part.kblocks is not None else part.q for part in linears]
        self.scales = [empty if part.kblocks is not None else part.scale for part in linears]
        self.offsets = [empty if part.kblocks is not None else part.offset for part in linears]
        self.bits = [part.bits for part in linears]
        self.groups = [part.group for part in linears]
        self.norms, self.biases = norms, biases
        self.eps, self.scale = eps, scale

    @classmethod
    def for_model(cls, model) -> FusedLayers | None:
        """None unless every layer's q/k/v (biases allowed), o, gate/up/down are packed layers."""
        if not hasattr(torch.ops.vibecode, "decode_layers"):
            return None
        linears, norms, biases = [], [], []
        eps = scale = None
        for layer in model.model.layers:
            attention, mlp = layer.self_attn, layer.mlp
            parts = (attention.q_proj, attention.k_proj, attention.v_proj, attention.o_proj,
                     mlp.gate_proj, mlp.up_proj, mlp.down_proj)
            if not all(_packed(part) for part in parts) or any(part.bias is not None for part in parts[3:]):
                return None
            linears += parts
            biases += [torch.empty(0) if part.bias is None else part.bias.data for part in parts[:3]]
            norms += [layer.input_layernorm.weight.data, layer.post_attention_layernorm.weight.data]
            eps = float(layer.input_layernorm.variance_epsilon)
            scale = float(attention.scaling)
            if float(layer.post_attention_layernorm.variance_epsilon) != eps:
                return None
        if not linears:
            return None
        return cls(linears, norms, biases, eps, scale)

    def __call__(self, hidden: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor,
                 keys: list[torch.Tensor], values: list[torch.Tensor], row: int) -> torch.Tensor:
        return torch.ops.vibecode.decode_layers(hidden, cos, sin, self.weights, self.scales, self.offsets, self.bits,
                                                self.groups, self.norms, self.biases, keys, values, row, self.eps,
                                                self.scale)


def _packed(part) -> bool:
    """A QuantLinear the int8 kernels read: K-quant blocks, or values packed with float scales."""
    return getattr(part, "kblocks", None) is not None or (getattr(part, "packed", False) and part.q is not None
                                                        and part.scale is not None)
