"""The llama-family model (Qwen2, Llama) as plain torch modules: what the quantized forms run.

transformers' own model classes import ``transformers.modeling_utils``, which pulls in torch's distributed
tensors and torch._dynamo: 1.5-2 s of every start on 2 cores, for code a quantized model never uses. This
is the same model with the same module names (so ``quantized.load_model`` fills it from the same files and
``step.OneToken`` / ``FusedLayers`` read it the same way), and a forward that does the very same torch
operations in the same order as transformers 5's Qwen2/Llama with SDPA attention: the same logits bit for
bit (tested against transformers' class on the real tiny model, for a fresh prompt, a prompt whose start
is in the cache, and single tokens).

Only the worker process imports this (torch).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

FAMILIES = ("qwen2", "llama")
STATIC_ROPE = ("default", "linear", "llama3")  # inv_freq fixed at load (dynamic ones change with length)


def supports(config) -> bool:
    """Whether this module set is the model ``config`` describes (else transformers' class runs it)."""
    if getattr(config, "model_type", None) not in FAMILIES or getattr(config, "hidden_act", None) != "silu":
        return False
    if rope_type(config) not in STATIC_ROPE:
        return False
    if any(kind != "full_attention" for kind in getattr(config, "layer_types", None) or []):
        return False
    if getattr(config, "use_sliding_window", False) or getattr(config, "pretraining_tp", 1) != 1:
        return False
    return not getattr(config, "mlp_bias", False)


def rope_type(config) -> str:
    return (getattr(config, "rope_parameters", None) or {}).get("rope_type", "default")


@dataclass
class Output:
    """What the callers read from a forward pass (transformers' CausalLMOutputWithPast, the parts we use)."""

    logits: torch.Tensor
    past_key_values: object = None


class RMSNorm(nn.Module):
    def __init__(self, size: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(size, device="meta"), requires_grad=False)
        self.variance_epsilon = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return rms_norm(x, self)


def rms_norm(x: torch.Tensor, norm) -> torch.Tensor:
    """transformers' LlamaRMSNorm / Qwen2RMSNorm, float32."""
    variance = x.pow(2).mean(-1, keepdim=True)
    return norm.weight * (x * torch.rsqrt(variance + norm.variance_epsilon))


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """apply_rotary_pos_emb for one of q, k."""
    half = x.shape[-1] // 2
    return x * cos + torch.cat((-x[..., half:], x[..., :half]), dim=-1) * sin


class _EmptyLinear(nn.Linear):
    """A place for a weight matrix, filled (replaced) by ``quantized.load_model``: no random start values
    (on meta tensors those still import torch._dynamo, ~1 s)."""

    def reset_parameters(self) -> None:
        pass


class _EmptyEmbedding(nn.Embedding):
    def reset_parameters(self) -> None:
        pass


def _linear(inputs: int, outputs: int, bias: bool) -> nn.Linear:
    return _EmptyLinear(inputs, outputs, bias=bias, device="meta")


class Rotary(nn.Module):
    """The rotary position embedding's frequencies (transformers computes the same ones)."""

    def __init__(self, config) -> None:
        super().__init__()
        kind = rope_type(config)
        if kind == "default":
            base = config.rope_parameters["rope_theta"]
            dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
            inv_freq, scaling = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float) / dim)), 1.0
        else:
            from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

            inv_freq, scaling = ROPE_INIT_FUNCTIONS[kind](config)
        self.register_buffer("inv_freq", inv_freq, persistent=False)
        self.attention_scaling = scaling

    def angles(self, position: int, count: int) -> tuple[torch.Tensor, torch.Tensor]:
        return rope_angles(self.inv_freq, self.attention_scaling, position, count)


def rope_angles(inv_freq: torch.Tensor, scaling: float, position: int, count: int) -> tuple[torch.Tensor, torch.Tensor]:
    """transformers' RotaryEmbedding: cos and sin [count, dim] for ``count`` positions from ``position``."""
    freqs = torch.arange(position, position + count, dtype=torch.float32)[:, None] * inv_freq
    angles = torch.cat((freqs, freqs), dim=-1)
    return angles.cos() * scaling, angles.sin() * scaling


class Attention(nn.Module):
    def __init__(self, config, index: int) -> None:
        super().__init__()
        self.index = index
        self.head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
        self.heads, self.kv_heads = config.num_attention_heads, config.num_key_value_heads
        self.num_key_value_groups = self.heads // self.kv_heads
        self.scaling = self.head_dim**-0.5
        qkv_bias = config.model_type == "qwen2" or bool(getattr(config, "attention_bias", False))
        o_bias = config.model_type != "qwen2" and bool(getattr(config, "attention_bias", False))
        self.q_proj = _linear(config.hidden_size, self.heads * self.head_dim, qkv_bias)
        self.k_proj = _linear(config.hidden_size, self.kv_heads * self.head_dim, qkv_bias)
        self.v_proj = _linear(config.hidden_size, self.kv_heads * self.head_dim, qkv_bias)
        self.o_proj = _linear(self.heads * self.head_dim, config.hidden_size, o_bias)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, cache, past: int) -> torch.Tensor:
        batch, length, _ = x.shape
        shape = (batch, length, -1, self.head_dim)
        q = rotate(self.q_proj(x).view(shape).transpose(1, 2), cos, sin)
        k = rotate(self.k_proj(x).view(shape).transpose(1, 2), cos, sin)
        v = self.v_proj(x).view(shape).transpose(1, 2)
        if cache is not None:
            k, v = cache.update(k, v, self.index)
        grouped = self.num_key_value_groups > 1
        if past == 0 or length == 1:
            # transformers leaves the mask out here and lets SDPA be causal by itself (grouped heads inside SDPA)
            out = F.scaled_dot_product_attention(q, k, v, scale=self.scaling, is_causal=length > 1,
                                                 **({"enable_gqa": True} if grouped else {}))
        else:
            # the rest of a prompt after a remembered start: a boolean mask, keys repeated for every query head
            mask = (torch.arange(k.shape[2])[None, :] <= torch.arange(past, past + length)[:, None])[None, None]
            if grouped:
                k, v = _repeat_kv(k, self.num_key_value_groups), _repeat_kv(v, self.num_key_value_groups)
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask.expand(batch, -1, -1, -1),
                                                 scale=self.scaling)
        out = out.reshape(batch, -1, length, out.shape[-1]).transpose(1, 2).contiguous()
        return self.o_proj(out.reshape(batch, length, -1).contiguous())


def _repeat_kv(x: torch.Tensor, times: int) -> torch.Tensor:
    batch, heads, length, dim = x.shape
    return x[:, :, None, :, :].expand(batch, heads, times, length, dim).reshape(batch, heads * times, length, dim)


class MLP(nn.Module):
    def __init__(self, config) -> None:
        super().__init__()
        self.gate_proj = _linear(config.hidden_size, config.intermediate_size, False)
        self.up_proj = _linear(config.hidden_size, config.intermediate_size, False)
        self.down_proj = _linear(config.intermediate_size, config.hidden_size, False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, config, index: int) -> None:
        super().__init__()
        self.self_attn = Attention(config, index)
        self.mlp = MLP(config)
        self.input_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)

    def forward(self, hidden: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor, cache, past: int) -> torch.Tensor:
        hidden = hidden + self.self_attn(self.input_layernorm(hidden), cos, sin, cache, past)
        return hidden + self.mlp(self.post_attention_layernorm(hidden))


class Base(nn.Module):
    def __init__(self, config) -> None:
        super().__init__()
        self.embed_tokens = _EmptyEmbedding(config.vocab_size, config.hidden_size, getattr(config, "pad_token_id", None),
                                            device="meta")
        self.layers = nn.ModuleList(Layer(config, index) for index in range(config.num_hidden_layers))
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.rotary_emb = Rotary(config)


class CausalLM(nn.Module):
    """The model with its output layer; ``model(input_ids=..., past_key_values=..., logits_to_keep=...)``
    as with transformers (``cache_position`` is accepted and, as there, the cache's length decides)."""

    def __init__(self, config) -> None:
        super().__init__()
        self.config = config
        self.generation_config = None  # set by the loader
        self.model = Base(config)
        self.lm_head = _linear(config.hidden_size, config.vocab_size, False)

    def forward(self, input_ids: torch.Tensor, past_key_values=None, use_cache: bool = True,
                logits_to_keep: int = 0, attention_mask: torch.Tensor | None = None, cache_position=None) -> Output:
        if attention_mask is not None and not bool(attention_mask.all()):
            raise ValueError("padded batches are not supported")  # one conversation at a time, never padded
        cache = past_key_values if use_cache else None
        past = cache.get_seq_length() if cache is not None else 0
        hidden = self.model.embed_tokens(input_ids)
        cos, sin = self.model.rotary_emb.angles(past, input_ids.shape[1])
        for layer in self.model.layers:
            hidden = layer(hidden, cos, sin, cache, past)
        hidden = self.model.norm(hidden)
        if logits_to_keep:
            hidden = hidden[:, -logits_to_keep:, :]
        return Output(self.lm_head(hidden), cache)
