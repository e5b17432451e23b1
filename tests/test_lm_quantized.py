"""The quantized engine: the GGUF's own 4/6-bit weights, run by vibecode's CPU kernels.

Checked for real: block decoding against gguf-py's own de-quantisation (bit for bit), the compiled kernels
against float32 matrix products, the tiny model's quantized layers against transformers' float32 GGUF
load (row order of llama's q/k included), and the REAL tiny model answering the same text in both forms.
"""

from __future__ import annotations

import json
from pathlib import Path

import gguf
import numpy as np
import pytest

from vibecode.lm import ChatMessage, GenerateOptions, ggufq
from vibecode.lm.client import WorkerBackend

RNG = np.random.default_rng(7)


def _random_blocks(qtype: gguf.GGMLQuantizationType, rows: int, cols: int) -> np.ndarray:
    """Random bytes in a type's block layout, with sane float16 scales (random bytes can be NaN)."""
    block, size = gguf.quants.GGML_QUANT_SIZES[qtype]
    data = RNG.integers(0, 256, size=(rows, cols // block, size), dtype=np.uint8)
    scale = RNG.uniform(0.001, 0.05, size=(rows, cols // block)).astype(np.float16).view(np.uint8).reshape(rows, -1, 2)
    if qtype == gguf.GGMLQuantizationType.Q6_K:
        data[..., -2:] = scale  # Q6_K keeps its scale at the end of the block
    else:
        data[..., 0:2] = scale
        if qtype == gguf.GGMLQuantizationType.Q4_K:  # and its minimum's scale next to it
            data[..., 2:4] = scale
    return data.reshape(rows, -1)


@pytest.mark.parametrize("qtype", ["Q4_K", "Q6_K"])
def test_k_quant_blocks_decode_to_the_files_exact_values(qtype):
    kind = gguf.GGMLQuantizationType[qtype]
    data = _random_blocks(kind, rows=6, cols=512)
    tensor = ggufq.to_qtensor(data, kind, (6, 512))
    assert tensor.exact and (tensor.bits, tensor.group) == ((4, 32) if qtype == "Q4_K" else (8, 16))
    expected = gguf.quants.dequantize(data, kind).reshape(6, 512)
    np.testing.assert_array_equal(tensor.dequantize(), expected)


@pytest.mark.parametrize("qtype", ["Q4_0", "Q4_1", "Q8_0"])
def test_simple_blocks_decode_to_the_files_exact_values(qtype):
    kind = gguf.GGMLQuantizationType[qtype]
    weights = RNG.normal(0, 0.02, size=(5, 96)).astype(np.float32)
    data = gguf.quants.quantize(weights, kind)
    tensor = ggufq.to_qtensor(data, kind, (5, 96))
    assert tensor.exact
    np.testing.assert_array_equal(tensor.dequantize(), gguf.quants.dequantize(data, kind).reshape(5, 96))


def test_other_types_become_near_lossless_int8():
    kind = gguf.GGMLQuantizationType.Q5_0
    weights = RNG.normal(0, 0.02, size=(4, 64)).astype(np.float32)
    data = gguf.quants.quantize(weights, kind)
    tensor = ggufq.to_qtensor(data, kind, (4, 64))
    reference = gguf.quants.dequantize(data, kind).reshape(4, 64)
    assert not tensor.exact and tensor.bits == 8
    assert np.abs(tensor.dequantize() - reference).max() <= np.abs(reference).max() / 254 + 1e-7


def test_row_reordering_moves_scales_with_their_rows():
    data = _random_blocks(gguf.GGMLQuantizationType.Q4_K, rows=4, cols=256)
    tensor = ggufq.to_qtensor(data, gguf.GGMLQuantizationType.Q4_K, (4, 256))
    order = np.array([2, 0, 3, 1])
    np.testing.assert_array_equal(tensor.take_rows(order).dequantize(), tensor.dequantize()[order])


@pytest.fixture(scope="module")
def ops(session_cache_dir):
    """The kernels, really compiled for this machine (or taken from the session cache)."""
    import torch

    from vibecode.lm import kernels

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VIBECODE_CACHE", str(session_cache_dir))  # never the real user's cache
        status = kernels.load()
    if not status.ok:
        pytest.skip(f"vibecode's kernels cannot be built on this computer: {status.reason}")
    return torch.ops.vibecode


@pytest.mark.parametrize("qtype", ["Q4_K", "Q6_K", "Q8_0"])
@pytest.mark.parametrize("rows_of_x", [1, 2, 3, 4, 5, 11, 37])
def test_kernel_matches_a_float32_matrix_product(ops, qtype, rows_of_x):
    import torch

    kind = gguf.GGMLQuantizationType[qtype]
    n_out, n_in = 37, 512  # an odd number of output rows exercises the leftover tiles
    tensor = ggufq.to_qtensor(_random_blocks(kind, n_out, n_in), kind, (n_out, n_in))
    q, scale, offset = (torch.from_numpy(a) for a in (tensor.q, tensor.scale, tensor.offset))
    weight = torch.from_numpy(tensor.dequantize())
    x = torch.randn(rows_of_x, n_in)
    got = ops.qlinear(x, q, scale, offset, tensor.bits, tensor.group)
    want = x.double() @ weight.double().T
    assert got.shape == (rows_of_x, n_out)
    assert torch.allclose(got.double(), want, rtol=1e-5, atol=1e-5 * want.abs().max().item())
    assert torch.equal(ops.dequant(q, scale, offset, tensor.bits, tensor.group), weight)
    # one row at a time gives the very same numbers as a batch (prompt lookup relies on it)
    assert torch.equal(ops.qlinear(x[-1:], q, scale, offset, tensor.bits, tensor.group), got[-1:])
    # a batch of sequences ([batch, time, features]) keeps its shape
    assert ops.qlinear(x.view(1, rows_of_x, n_in), q, scale, offset, tensor.bits, tensor.group).shape == (1, rows_of_x, n_out)


@pytest.mark.parametrize("qtype", ["Q4_K", "Q6_K", "Q8_0"])
@pytest.mark.parametrize("rows_of_x", [1, 3, 4, 9])
def test_int8_activation_kernel_is_close_to_float32(ops, qtype, rows_of_x):
    """The "fast" kernel rounds activations to int8 per block of 32: close to the float32 product, not equal."""
    import torch

    kind = gguf.GGMLQuantizationType[qtype]
    tensor = ggufq.to_qtensor(_random_blocks(kind, 29, 768), kind, (29, 768))
    q, scale, offset = (torch.from_numpy(a) for a in (tensor.q, tensor.scale, tensor.offset))
    x = torch.randn(rows_of_x, 768)
    want = x.double() @ torch.from_numpy(tensor.dequantize()).double().T
    packed = ops.act8_pack(q, tensor.bits, tensor.group)
    assert torch.equal(ops.act8_unpack(packed, tensor.bits, tensor.group), q)
    assert not torch.equal(packed, q)
    got = ops.qlinear_act8(x, packed, scale, offset, tensor.bits, tensor.group)
    exact = ops.qlinear(x, q, scale, offset, tensor.bits, tensor.group)
    error = (got.double() - want).abs().max() / want.abs().max()
    assert 0 < error < 0.05, error  # rounded, but only a little (random Q6_K blocks: median 1%, max 2.6%)
    assert (exact.double() - want).abs().max() / want.abs().max() < 1e-5
    assert torch.equal(ops.qlinear_act8(x[-1:], packed, scale, offset, tensor.bits, tensor.group), got[-1:])


@pytest.mark.parametrize("qtype", ["Q4_K", "Q6_K"])
@pytest.mark.parametrize("rows_of_x", [1, 3, 4, 9])
def test_k_quant_kernel_reads_the_files_own_scales_with_the_same_result(ops, qtype, rows_of_x):
    """act8k_pack keeps a K-quant's byte-per-group scales and float-per-256 block scales inside the packed
    blocks (fewer bytes per token than a float scale and offset per group): those scales are exactly the
    float ones, and qlinear_act8k gives the int8 kernel's product with float scales."""
    import torch

    kind = gguf.GGMLQuantizationType[qtype]
    tensor = ggufq.to_qtensor(_random_blocks(kind, 29, 768), kind, (29, 768))
    k = tensor.kscales
    per_block = 256 // tensor.group
    sub = k.sub.view(np.int8) if qtype == "Q6_K" else k.sub
    np.testing.assert_array_equal(np.repeat(k.d, per_block, axis=1) * sub.astype(np.float32), tensor.scale)
    if qtype == "Q4_K":
        np.testing.assert_array_equal(-(np.repeat(k.dmin, per_block, axis=1) * k.sub_min.astype(np.float32)), tensor.offset)
    else:
        assert k.sub_min.size == 0 and k.dmin.size == 0
    q, scale, offset = (torch.from_numpy(a) for a in (tensor.q, tensor.scale, tensor.offset))
    kparts = [torch.from_numpy(a) for a in (k.sub, k.sub_min, k.d, k.dmin)]
    packed = ops.act8_pack(q, tensor.bits, tensor.group)
    blocks = ops.act8k_pack(q, *kparts, tensor.bits, tensor.group)
    assert blocks.shape == (29, 3 * (152 if qtype == "Q4_K" else 212))  # 3 blocks of 256 inputs per row
    x = torch.randn(rows_of_x, 768)
    got = ops.qlinear_act8k(x, blocks, tensor.bits, tensor.group)
    with_floats = ops.qlinear_act8(x, packed, scale, offset, tensor.bits, tensor.group)
    assert torch.allclose(got, with_floats, rtol=1e-5, atol=1e-5 * with_floats.abs().max().item())
    want = x.double() @ torch.from_numpy(tensor.dequantize()).double().T
    assert (got.double() - want).abs().max() / want.abs().max() < 0.05
    assert torch.equal(ops.qlinear_act8k(x[-1:], blocks, tensor.bits, tensor.group), got[-1:])
    with pytest.raises(RuntimeError, match="only Q4_K"):
        ops.qlinear_act8k(x, blocks, tensor.bits, 32 if qtype == "Q6_K" else 16)
    with pytest.raises(RuntimeError, match="do not match"):
        ops.qlinear_act8k(torch.randn(1, 512), blocks, tensor.bits, tensor.group)


def test_packing_refuses_int8_groups_of_16_that_are_not_6_bit_values(ops):
    """Groups of 16 are Q6_K's 6-bit values; the AVX2 kernel's 16-bit sums would overflow on larger ones."""
    import torch

    assert ops.act8_pack(torch.full((2, 256), 63, dtype=torch.uint8), 8, 16).shape == (2, 256)
    with pytest.raises(RuntimeError, match="6-bit"):
        ops.act8_pack(torch.full((2, 256), 64, dtype=torch.uint8), 8, 16)


def test_switching_to_int8_activations_packs_each_layer_once_and_keeps_a_tied_embedding_exact(ops):
    """The fast kernel reads re-ordered weights: use_int8_activations packs the layers whose input size is a
    multiple of 256, an embedding and a tied output layer keep sharing one tensor, the embedding still
    gives the file's exact rows, and switching back restores the plain order."""
    import torch
    from torch import nn

    from vibecode.lm import quantized

    kind = gguf.GGMLQuantizationType.Q6_K
    table = ggufq.to_qtensor(_random_blocks(kind, 40, 512), kind, (40, 512))
    small = ggufq.to_qtensor(_random_blocks(kind, 8, 256 + 512), kind, (8, 768))
    parts = [torch.from_numpy(a) for a in (table.q, table.scale, table.offset)]
    model = nn.Module()
    model.embed = quantized.QuantEmbedding(*parts, table.bits, table.group)
    model.head = quantized.QuantLinear(*parts, table.bits, table.group, None)  # tied to the embedding
    odd = ggufq.to_qtensor(_random_blocks(gguf.GGMLQuantizationType.Q8_0, 8, 320), gguf.GGMLQuantizationType.Q8_0, (8, 320))
    model.odd = quantized.QuantLinear(*(torch.from_numpy(a) for a in (odd.q, odd.scale, odd.offset)), odd.bits, odd.group, None)
    model.small = quantized.QuantLinear(*(torch.from_numpy(a) for a in (small.q, small.scale, small.offset)), small.bits, small.group, None)
    ids = torch.tensor([[3, 0, 39, 7]])
    rows_before = model.embed(ids)
    x = torch.randn(2, 512)
    exact = model.head(x)

    assert quantized.use_int8_activations(model, True)
    assert model.embed.packed and model.head.packed and model.small.packed
    assert not model.odd.packed  # 320 inputs: not a multiple of 256, stays on the exact kernel
    assert model.embed.q is model.head.q  # packed once, still shared
    assert torch.equal(model.embed(ids), rows_before)
    fast = model.head(x)
    assert not torch.equal(fast, exact)
    assert (fast - exact).abs().max() / exact.abs().max() < 0.05
    assert model.odd(torch.randn(1, 320)).shape == (1, 8)

    assert not quantized.use_int8_activations(model, False)
    assert not model.head.packed and torch.equal(model.head.q, parts[0]) and model.embed.q is model.head.q
    assert torch.equal(model.head(x), exact)


def test_kernel_refuses_mismatched_shapes(ops):
    import torch

    q = torch.zeros(8, 16, dtype=torch.uint8)
    scale = torch.ones(8, 1)
    with pytest.raises(RuntimeError, match="input size|group"):
        ops.qlinear(torch.randn(1, 48), q, scale, scale, 4, 32)


@pytest.mark.model
def test_tiny_models_quantized_layers_equal_transformers_float32_weights(tiny_backend, ops):
    """Every quantized layer of the converted tiny model (llama: q/k rows reordered) holds exactly the
    weights transformers makes from the same GGUF."""
    import torch
    from transformers import AutoModelForCausalLM

    from vibecode.lm import catalog, quantized

    folder = Path(tiny_backend.info()["folder"])
    layout = json.loads((folder / "quantized.json").read_text())
    assert layout["gguf_types"] == {"Q4_1": 210, "Q8_0": 1} and all(m["exact"] for m in layout["modules"].values())
    assert layout["format"] == quantized.FORMAT
    model = quantized.load_model(folder)
    gguf_file = catalog.part_files(catalog.MODELS["tiny"])[0]
    reference = AutoModelForCausalLM.from_pretrained(gguf_file.parent, gguf_file=gguf_file.name, dtype=torch.float32)
    checked = 0
    for name, module in model.named_modules():
        if isinstance(module, (quantized.QuantLinear, quantized.QuantEmbedding)):
            weight = ops.dequant(module.q, module.scale, module.offset, module.bits, module.group)
            assert torch.equal(weight, reference.get_submodule(name).weight), name
            checked += 1
    assert checked == 30 * 7 + 2  # every attention and MLP layer, the embedding and the output layer
    ids = torch.tensor([[1, 504, 3457, 30, 2]])
    with torch.inference_mode():
        diff = (model(ids).logits - reference(ids).logits).abs().max().item()
    assert diff < 1e-3


@pytest.mark.model
def test_quantized_and_float32_tiny_write_the_same_answer(tiny_backend, session_cache_dir, tiny_float32_folder, tmp_path):
    ask = [ChatMessage("user", "Write a Python program that asks for a price and a number of cups and prints the total.")]
    options = GenerateOptions(max_new_tokens=48, stop_at_code_end=False)
    quick = tiny_backend.complete(ask, options)
    assert tiny_backend.info()["precision"] == "quantized"
    env = {"VIBECODE_CACHE": str(session_cache_dir), "VIBECODE_HOME": str(tmp_path), "VIBECODE_PRECISION": "float32"}
    slow = WorkerBackend("tiny", env=env)
    try:
        assert slow.complete(ask, options) == quick
        info = slow.info()
        assert info["precision"] == "float32" and info["precision_reason"] == "float32 was asked for"
    finally:
        slow.close()


@pytest.mark.model
def test_without_kernels_the_engine_runs_float32_and_says_why(session_cache_dir, tiny_float32_folder, tmp_path):
    env = {"VIBECODE_CACHE": str(session_cache_dir), "VIBECODE_HOME": str(tmp_path), "VIBECODE_NO_KERNELS": "1"}
    backend = WorkerBackend("tiny", env=env)
    try:
        assert backend.complete([ChatMessage("user", "Hi")], GenerateOptions(max_new_tokens=3)).strip()
        info = backend.info()
        assert info["precision"] == "float32"
        assert "VIBECODE_NO_KERNELS" in info["precision_reason"]
        assert info["folder"] == tiny_float32_folder
    finally:
        backend.close()


@pytest.mark.model
def test_auto_runs_the_fast_kernel_wherever_the_kernels_build(ops, session_cache_dir, tmp_path):
    """The default ("auto") is "fast" where vibecode's kernels run (it kept HumanEval within 3 points of
    float32 and was much quicker, see vibecode.lm.precision.AUTO_FAST); and it writes."""
    env = {"VIBECODE_CACHE": str(session_cache_dir), "VIBECODE_HOME": str(tmp_path), "VIBECODE_PRECISION": "auto"}
    backend = WorkerBackend("tiny", env=env)
    try:
        assert backend.complete([ChatMessage("user", "Hi")], GenerateOptions(max_new_tokens=3)).strip()
        info = backend.info()
        assert info["precision"] == "fast"
        assert f"8-bit activations ({ops.act8_isa()})" in info["precision_reason"]
    finally:
        backend.close()


def _packed_layer(ops, qtype: str, rows: int, cols: int, bias: bool = False, kblocks: bool = True):
    """A QuantLinear in the fast form, from random blocks of the file's layout: K-quant blocks (every CPU),
    or values packed with float scales (files that are not K-quants; summed with AVX-512 VNNI where the CPU
    has it)."""
    import torch

    from vibecode.lm import quantized

    kind = gguf.GGMLQuantizationType[qtype]
    tensor = ggufq.to_qtensor(_random_blocks(kind, rows, cols), kind, (rows, cols))
    q = torch.from_numpy(tensor.q)
    extra = torch.randn(rows) if bias else None
    if not kblocks:
        layer = quantized.QuantLinear(ops.act8_pack(q, tensor.bits, tensor.group), torch.from_numpy(tensor.scale),
                                      torch.from_numpy(tensor.offset), tensor.bits, tensor.group, extra)
        layer.packed = True
        return layer
    k = tensor.kscales
    blocks = ops.act8k_pack(q, *(torch.from_numpy(a) for a in (k.sub, k.sub_min, k.d, k.dmin)), tensor.bits, tensor.group)
    return quantized.QuantLinear(None, None, None, tensor.bits, tensor.group, extra, kblocks=blocks, in_features=cols)


@pytest.fixture(scope="module", params=["K-quant blocks", "float scales"])
def packed_qwen(ops, request):
    """A small Qwen2 (transformers' own code) whose every layer matrix is packed for the int8 kernels, as the
    1.5B model's are in the fast form: K-quant blocks (float scales for layers that are not K-quants); Q6_K
    for v and down in one layer, as in Q4_K_M files."""
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(vocab_size=300, hidden_size=512, intermediate_size=1536, num_hidden_layers=3,
                         num_attention_heads=8, num_key_value_heads=2, max_position_embeddings=4096)
    torch.manual_seed(3)
    model = Qwen2ForCausalLM(config).eval()
    blocks = request.param == "K-quant blocks"
    for index, layer in enumerate(model.model.layers):
        big = "Q6_K" if index == 1 else "Q4_K"
        attention, mlp = layer.self_attn, layer.mlp
        attention.q_proj = _packed_layer(ops, "Q4_K", 512, 512, bias=True, kblocks=blocks)
        attention.k_proj = _packed_layer(ops, "Q4_K", 128, 512, bias=True, kblocks=blocks)
        attention.v_proj = _packed_layer(ops, big, 128, 512, bias=True, kblocks=blocks)
        attention.o_proj = _packed_layer(ops, "Q4_K", 512, 512, kblocks=blocks)
        mlp.gate_proj = _packed_layer(ops, "Q4_K", 1536, 512, kblocks=blocks)
        mlp.up_proj = _packed_layer(ops, "Q4_K", 1536, 512, kblocks=blocks)
        mlp.down_proj = _packed_layer(ops, big, 512, 1536, kblocks=blocks)
        for norm in (layer.input_layernorm, layer.post_attention_layernorm):  # random weights are large
            norm.weight.data.uniform_(0.001, 0.01)
    model.lm_head = _packed_layer(ops, "Q6_K", 300, 512, kblocks=blocks)  # as the 1.5B's output layer
    model.model.norm.weight.data.uniform_(0.001, 0.01)
    return model


def _fill(model, length: int):
    import torch

    from vibecode.lm import kv

    cache = kv.new_cache(model.config)
    with torch.inference_mode():
        model(input_ids=torch.randint(0, 300, (1, length)), past_key_values=cache, use_cache=True)
    return cache


@pytest.mark.parametrize("length", [1, 7, 300])
def test_fused_layers_run_the_token_as_the_layer_by_layer_pass_does(packed_qwen, length):
    """The fused pass (every layer in one kernel call, one team of threads) does the per-layer pass's sums:
    the first layer's new key and value to float rounding, the next token the same, the cache's old rows
    untouched and one row longer; and the same result on one thread as on two (the threads' shares meet
    at the barriers)."""
    import copy

    import torch

    from vibecode.lm.step import OneToken

    model = packed_qwen
    fused = OneToken.for_model(model, decode_attention=True)
    assert fused.fused is not None
    plain = OneToken.for_model(model, decode_attention=True)
    plain.fused = None
    cache = _fill(model, length)
    other, single = copy.deepcopy(cache), copy.deepcopy(cache)
    before = cache.layers[2].keys.clone()
    with torch.inference_mode():
        got = fused(42, length, cache)
        want = plain(42, length, other)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            alone = fused(42, length, single)
        finally:
            torch.set_num_threads(threads)
    assert cache.get_seq_length() == length + 1 == other.get_seq_length()
    assert torch.equal(cache.layers[2].keys[..., :length, :], before)
    for ours, theirs in ((cache.layers[0].keys, other.layers[0].keys), (cache.layers[0].values, other.layers[0].values)):
        assert torch.allclose(ours[..., -1, :], theirs[..., -1, :], rtol=1e-4, atol=1e-4 * theirs.abs().max().item())
    assert (got - want).abs().max() / want.abs().max() < 1e-3
    assert got.argmax() == want.argmax()
    assert torch.equal(alone, got)


@pytest.mark.parametrize("start", [37, 36])
def test_fused_layers_read_several_tokens_as_they_read_them_one_by_one(packed_qwen, start):
    """A prompt-lookup draft checked in one fused pass: the same logits, bit for bit, as the tokens one after
    another (each row has the same sums whatever else is in the pass; the attention takes two tokens at a
    time, here with even and odd context lengths, and the odd last token alone), and close to the model's
    own forward."""
    import copy

    import torch

    from vibecode.lm.step import OneToken

    model = packed_qwen
    one = OneToken.for_model(model, decode_attention=True)
    cache = _fill(model, start)
    alone, theirs = copy.deepcopy(cache), copy.deepcopy(cache)
    draft = [5, 17, 17, 250, 3, 99, 120]
    with torch.inference_mode():
        together = one.few(draft, start, cache)
        last = one.few(draft, start, copy.deepcopy(theirs), last_only=True)
        apart = torch.stack([one(token, start + i, alone) for i, token in enumerate(draft)])
        want = model(input_ids=torch.tensor([draft]), past_key_values=theirs, use_cache=True,
                     cache_position=torch.arange(start, start + 7), logits_to_keep=len(draft)).logits[0]
    assert together.shape == (7, 300) and torch.equal(together, apart) and torch.equal(last, together[-1:])
    assert cache.get_seq_length() == start + 7 == alone.get_seq_length()
    assert torch.equal(cache.layers[2].keys, alone.layers[2].keys)
    # other float rounding (attention, norms) moves a few activations across an int8 rounding step, which
    # these random weights amplify: 0 in most draws, up to 1.4e-2 of 24 (12 weight draws x 2 starts, an
    # AVX-512 machine); a wrong row or position would be off by the logits' own size
    assert (together - want).abs().max() / want.abs().max() < 5e-2
    with torch.inference_mode():
        assert one.few(list(range(70)), start + 7, cache) is None  # more than a pass takes: decode.read splits it
    assert cache.get_seq_length() == start + 7


@pytest.mark.parametrize("split", [[150], [100, 50], [37, 112, 1], [1] * 9 + [141]])
def test_a_prompt_read_in_any_pieces_gives_the_same_keys_values_and_logits(packed_qwen, split):
    """The app reads a prompt ahead at each pause in typing and the rest after Enter, so a prompt reaches the
    model in pieces that depend on the child's pauses. decode.read puts each piece through the fused pass
    (in passes of up to FEW tokens): the same cache and last logits, bit for bit, as the prompt read at
    once, so the answer never depends on where the child paused. (Pieces read by the model's own forward,
    as prompts longer than FEW were, round other last bits: here the first piece of [100, 50].)"""
    import copy

    import torch

    from vibecode.lm.decode import read
    from vibecode.lm.step import OneToken

    model = packed_qwen
    one = OneToken.for_model(model, decode_attention=True)
    start = 20  # the system prompt the app reads at warm-up
    base = _fill(model, start)
    prompt = [(7 * i + 3) % 300 for i in range(150)]
    whole, pieces = copy.deepcopy(base), copy.deepcopy(base)
    with torch.inference_mode():
        want = read(model, one, whole, prompt, start, last_only=True)
        at = 0
        for size in split:
            got = read(model, one, pieces, prompt[at : at + size], start + at, last_only=True)
            at += size
    assert at == len(prompt) and want.shape == got.shape == (1, 300)
    assert torch.equal(got, want)
    for layer in (0, 2):
        assert torch.equal(pieces.layers[layer].keys, whole.layers[layer].keys)
        assert torch.equal(pieces.layers[layer].values, whole.layers[layer].values)


def test_a_prompt_read_ahead_stops_between_pieces_when_asked_and_keeps_what_it_read(packed_qwen):
    """A newer request (Enter, a newer pause) cuts a long read ahead short: decode.read asks should_stop before
    each piece after the first, and stops with the pieces read in the cache (the prefix the next request
    starts from), the same keys and values as in a whole read."""
    import copy

    import torch

    from vibecode.lm.decode import read
    from vibecode.lm.step import FEW, OneToken

    model = packed_qwen
    one = OneToken.for_model(model, decode_attention=True)
    start = 20
    base = _fill(model, start)
    prompt = [(5 * i + 1) % 300 for i in range(3 * FEW)]
    whole, cut = copy.deepcopy(base), copy.deepcopy(base)
    asked = []
    with torch.inference_mode():
        read(model, one, whole, prompt, start, last_only=True)
        got = read(model, one, cut, prompt, start, last_only=True, should_stop=lambda: asked.append(1) or len(asked) >= 2)
    assert got is None and len(asked) == 2  # asked before the second and third pieces; stopped at the third
    assert cut.get_seq_length() == start + 2 * FEW
    for layer in (0, 2):
        assert torch.equal(cut.layers[layer].keys[..., : start + 2 * FEW, :], whole.layers[layer].keys[..., : start + 2 * FEW, :])


def test_a_fused_pass_gives_the_same_logits_and_cache_whatever_the_number_of_threads(packed_qwen):
    """The threads take pieces of each step's work as they come free (rows of each matrix, one key/value
    head's tokens a few at a time): every piece is done once, by whoever takes it, so one thread, two,
    or more threads than cores give the same logits and cache rows, bit for bit."""
    import copy

    import torch

    from vibecode.lm.step import OneToken

    one = OneToken.for_model(packed_qwen, decode_attention=True)
    start = 11
    cache = _fill(packed_qwen, start)
    draft = [(7 * i + 3) % 300 for i in range(21)]  # more tokens than an attention piece has (8), not a multiple
    threads = torch.get_num_threads()
    results = []
    try:
        for count in (1, 2, 3, 5):
            torch.set_num_threads(count)
            mine = copy.deepcopy(cache)
            with torch.inference_mode():
                results.append((one.few(draft, start, mine), mine))
    finally:
        torch.set_num_threads(threads)
    logits, first = results[0]
    assert logits.shape == (21, 300) and first.get_seq_length() == start + 21
    for other_logits, other in results[1:]:
        assert torch.equal(other_logits, logits)
        for ours, theirs in zip(first.layers, other.layers):
            assert torch.equal(ours.keys, theirs.keys) and torch.equal(ours.values, theirs.values)


def test_fused_layers_grow_the_cache_and_leave_other_caches_to_the_layer_by_layer_pass(packed_qwen):
    import torch
    from transformers import DynamicCache

    from vibecode.lm import kv
    from vibecode.lm.step import OneToken

    model = packed_qwen
    one = OneToken.for_model(model, decode_attention=True)
    cache = _fill(model, 5)
    full = cache.layers[0]._key_buffer.shape[-2]
    old = cache.layers[1].values.clone()
    with torch.inference_mode():
        for position in range(5, full + 3):  # past the buffer's room: it doubles, keeping what it had
            one(7, position, cache)
    assert cache.layers[0]._key_buffer.shape[-2] == 2 * full and cache.get_seq_length() == full + 3
    assert torch.equal(cache.layers[1].values[..., :5, :], old)
    assert kv.next_slots(DynamicCache(config=model.config)) is None  # transformers' own cache: not fused
    plain = DynamicCache(config=model.config)
    with torch.inference_mode():
        model(input_ids=torch.tensor([[1, 2, 3]]), past_key_values=plain, use_cache=True)
        assert one(4, 3, plain).shape == (300,) and plain.get_seq_length() == 4


def test_a_fused_pass_the_kernel_refuses_leaves_the_cache_as_it_was_and_the_layers_take_over(packed_qwen):
    import copy

    import torch

    from vibecode.lm.step import OneToken

    one = OneToken.for_model(packed_qwen, decode_attention=True)
    plain = OneToken.for_model(packed_qwen, decode_attention=True)
    plain.fused = None
    one.fused.norms = one.fused.norms[:-1]  # any refusal of the op: here a norm missing
    cache = _fill(packed_qwen, 9)
    other = copy.deepcopy(cache)
    with torch.inference_mode():
        assert one.few([4, 5], 9, cache) is None and cache.get_seq_length() == 9
        assert one.fused is None  # from now on the layer-by-layer pass
        assert torch.equal(one(4, 9, cache), plain(4, 9, other))


def test_fused_layers_refuse_shapes_that_do_not_fit(packed_qwen, ops):
    import torch

    from vibecode.lm.step import FusedLayers

    layers = FusedLayers.for_model(packed_qwen)
    cache = _fill(packed_qwen, 3)
    keys = [layer._key_buffer for layer in cache.layers]
    values = [layer._value_buffer for layer in cache.layers]
    with pytest.raises(RuntimeError, match="room"):
        layers(torch.randn(1, 512), torch.randn(1, 64), torch.randn(1, 64), keys, values, keys[0].shape[-2])
    with pytest.raises(RuntimeError, match="per layer"):
        ops.decode_layers(torch.randn(1, 512), torch.randn(1, 64), torch.randn(1, 64), layers.weights[:6], layers.scales[:6],
                          layers.offsets[:6], layers.bits[:6], layers.groups[:6], layers.norms, layers.biases, keys,
                          values, 3, 1e-6, 0.125)
    with pytest.raises(RuntimeError, match="norm"):  # a hidden state of another model
        layers(torch.randn(1, 256), torch.randn(1, 64), torch.randn(1, 64), keys, values, 3)
    with pytest.raises(RuntimeError, match="head's size"):
        layers(torch.randn(1, 512), torch.randn(1, 64), torch.randn(1, 32), keys, values, 3)


def test_packed_blocks_are_kept_for_the_next_start_and_only_for_the_same_weights(tmp_path):
    """The fast form's K-quant blocks are packed on the first fast start and read back on later ones
    (packing the 1.5B model costs ~1.2 s a start); blocks of other weights, or a file cut short, are
    packed again, and the start goes on."""
    import torch
    from safetensors.torch import save_file

    from vibecode.lm import quantized

    def weights(rows: int) -> dict:
        save_file({"a.q": torch.zeros(rows, 8, dtype=torch.uint8)}, str(tmp_path / quantized.WEIGHTS))
        return quantized._safetensors_header(tmp_path / quantized.WEIGHTS)[0]

    packs: list[str] = []

    def packer(name: str, value: int):
        def pack():
            packs.append(name)
            return torch.full((3, 152), value, dtype=torch.uint8)
        return pack

    header = weights(4)
    older_layout = tmp_path / "kblocks-1.safetensors"
    older_layout.write_bytes(b"blocks of an older layout")
    first = quantized._PackedBlocks(tmp_path, header)
    assert first.get("a", packer("a", 1))[0, 0] == 1 and first.get("b", packer("b", 2))[0, 0] == 2
    first.save()
    assert not older_layout.exists()  # no second copy of the blocks left on the disk
    again = quantized._PackedBlocks(tmp_path, header)
    assert torch.equal(again.get("a", packer("a", 9)), torch.full((3, 152), 1, dtype=torch.uint8))
    assert packs == ["a", "b"]  # read back, not packed again
    again.save()  # nothing new: the file stays as it is
    other = quantized._PackedBlocks(tmp_path, weights(5))  # the cache was rebuilt with other weights
    assert other.get("a", packer("a", 7))[0, 0] == 7 and packs[-1] == "a"
    other.save()
    path = tmp_path / quantized.KBLOCKS
    path.write_bytes(path.read_bytes()[:100])  # cut short (a full disk)
    cut = quantized._PackedBlocks(tmp_path, weights(5))
    assert cut.get("a", packer("a", 5))[0, 0] == 5
    cut.save()
    assert quantized._PackedBlocks(tmp_path, weights(5)).get("a", packer("a", 6))[0, 0] == 5
    assert not list(tmp_path.glob(".*tmp"))
