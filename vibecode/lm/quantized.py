"""The local model with the GGUF file's own 4- and 6-bit weights, run by vibecode's kernels.

transformers can only run a GGUF model by turning every weight into float32: 6.7 GB for the 1.5B model,
and on a 2-core CPU each new token then waits for 7 GB to stream through memory. Here every linear layer
and the embedding keep the file's exact values in kernel form (``vibecode.lm.ggufq``) and are multiplied by
``kernels/qlinear.cpp``, with float32 activations and sums; the rest of the model is ``vibecode.lm.lean``
(transformers' own arithmetic, without importing its model classes) or transformers' class. Same numbers as the float32 model (only the order of additions differs), about a fifth
of the memory, several times the speed.

A quantized cache folder holds ``config.json``, the tokenizer, ``weights.safetensors`` (kernel-form
tensors and the float32 norms and biases) and ``quantized.json`` (which module is stored how). It is
built straight from the GGUF one tensor at a time, so building it needs little more memory than the
result (about 2.5 GB for the 1.5B model), and it loads in about a second. In the "fast" form the layers
are re-ordered for the int8 kernel while loading (``load_model(int8_activations=True)``, about a second
more for the 1.5B model).

Only the worker process imports this module.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from vibecode.lm import ggufq
from vibecode.lm import kernels as kernel_build
from vibecode.lm import lean as lean_model

log = logging.getLogger("vibecode.lm.quantized")

FORMAT = "vibecode-quantized/3"  # /2: int8 weights unsigned with an offset; /3: K-quants keep their own scales
KSCALE_PARTS = ("sub", "sub_min", "d", "dmin")  # ggufq.KScales, stored as "<module>.<part>"
WEIGHTS = "weights.safetensors"
LAYOUT = "quantized.json"
# The fast form's K-quant blocks (act8k_pack), kept beside the weights after the first fast start so later
# starts skip packing (~1.2 s for the 1.5B model on 2 cores). Derived data: rebuilt when missing, when its
# weights changed, or when the name's layout number moves (bump it with act8k_pack's KBlock layout; 2: Q6_K's
# values in 6 bits). Saving removes an older layout's file.
KBLOCKS = "kblocks-2.safetensors"


PACK_BLOCK = 256  # the int8-activation kernel reads weights re-ordered in blocks of this many inputs


def fits_int8_kernel(inputs: int) -> bool:
    """Whether a layer with this many inputs can be packed for the int8-activation kernel."""
    return inputs % PACK_BLOCK == 0


def use_int8_activations(model: nn.Module, on: bool) -> bool:
    """Switch the model's quantized layers to the int8-activation kernel (faster, answers can differ slightly
    from float32) or back. Returns whether it is on.

    The kernel reads the weights in its own order (``act8_pack``, about a second for the 1.5B model), so
    this re-orders every linear layer whose input size fits; an embedding that shares its tensor with a
    tied output layer follows it (re-ordered once, still shared)."""
    on = bool(on)
    done: dict[int, torch.Tensor] = {}
    for module in model.modules():
        if isinstance(module, QuantLinear):
            module.pack(on, done)
    for module in model.modules():  # an embedding only follows the output layer it shares its weights with
        if isinstance(module, QuantEmbedding) and id(module.q) in done:
            module.pack(on, done)
    return on


class _Packable:
    """The weight order shared by QuantLinear and QuantEmbedding: plain, or packed for the int8 kernel."""

    q: torch.Tensor
    scale: torch.Tensor | None
    bits: int
    group: int
    packed: bool = False

    def pack(self, on: bool, done: dict[int, torch.Tensor]) -> None:
        if self.scale is None:
            raise ValueError("this layer was loaded for the int8 kernel only (its K-quant blocks, no float scales)")
        want = on and fits_int8_kernel(self.scale.shape[1] * self.group)
        if want == self.packed:
            return
        key = id(self.q)
        if key not in done:
            reorder = torch.ops.vibecode.act8_pack if want else torch.ops.vibecode.act8_unpack
            done[key] = reorder(self.q, self.bits, self.group)
        self.q = done[key]
        self.packed = want


class QuantLinear(_Packable, nn.Module):
    """``nn.Linear`` with kernel-form weights.

    A K-quant layer in the app's fast form comes as ``kblocks`` instead (``act8k_pack``: the packed values
    with the file's own scales inside each block of 256; no float scale and offset, fewer bytes per token,
    the same weights) and runs ``qlinear_act8k``."""

    def __init__(self, q: torch.Tensor | None, scale: torch.Tensor | None, offset: torch.Tensor | None, bits: int,
                 group: int, bias: torch.Tensor | None, kblocks: torch.Tensor | None = None,
                 in_features: int = 0) -> None:
        super().__init__()
        self.bits, self.group = bits, group
        if kblocks is not None:
            self.out_features, self.in_features = int(kblocks.shape[0]), in_features
            self.packed = True
        elif q is not None and scale is not None:
            self.out_features = int(q.shape[0])
            self.in_features = int(q.shape[1]) * (2 if bits == 4 else 1)
        else:
            raise ValueError("a quantized layer needs its weights and scales")
        self.register_buffer("q", q, persistent=False)
        self.register_buffer("scale", scale, persistent=False)
        self.register_buffer("offset", offset, persistent=False)
        self.register_buffer("kblocks", kblocks, persistent=False)
        self.bias = None if bias is None else nn.Parameter(bias, requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ops = torch.ops.vibecode
        if self.kblocks is not None:
            y = ops.qlinear_act8k(x, self.kblocks, self.bits, self.group)
        else:
            multiply = ops.qlinear_act8 if self.packed else ops.qlinear
            y = multiply(x, self.q, self.scale, self.offset, self.bits, self.group)
        return y if self.bias is None else y + self.bias

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bits={self.bits}, group={self.group}"


class QuantEmbedding(_Packable, nn.Module):
    """``nn.Embedding`` with kernel-form rows: only the rows asked for are turned into float32."""

    def __init__(self, q: torch.Tensor, scale: torch.Tensor, offset: torch.Tensor, bits: int, group: int,
                 padding_idx: int | None = None) -> None:
        super().__init__()
        self.bits, self.group = bits, group
        self.num_embeddings = int(scale.shape[0])
        self.embedding_dim = int(scale.shape[1]) * group
        self.padding_idx = padding_idx
        self.register_buffer("q", q, persistent=False)
        self.register_buffer("scale", scale, persistent=False)
        self.register_buffer("offset", offset, persistent=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        flat = ids.reshape(-1)
        q = self.q.index_select(0, flat)
        if self.packed:  # shared with a tied output layer in the int8 kernel's order
            q = torch.ops.vibecode.act8_unpack(q, self.bits, self.group)
        rows = torch.ops.vibecode.dequant(q, self.scale.index_select(0, flat),
                                          self.offset.index_select(0, flat), self.bits, self.group)
        return rows.view(*ids.shape, self.embedding_dim)


def weight_count(model: nn.Module) -> int:
    """How many weights the model has, quantized ones included."""
    total = sum(p.numel() for p in model.parameters())
    for module in model.modules():
        if isinstance(module, QuantLinear):
            total += module.in_features * module.out_features
        elif isinstance(module, QuantEmbedding):
            total += module.num_embeddings * module.embedding_dim
    return total


# --- building a quantized folder from a GGUF file -------------------------------------------------------

def _meta_model(config):
    """The model's modules with empty weights (ours replace them). Random initialisation is skipped: on
    empty tensors it does nothing but still cost 0.2 s of every start."""
    from accelerate import init_empty_weights
    from transformers import AutoModelForCausalLM
    from transformers.initialization import no_init_weights

    with init_empty_weights(include_buffers=False), no_init_weights():
        return AutoModelForCausalLM.from_config(config, dtype=torch.float32)


def _row_order(processor, name: str, rows: int, mapping: dict, parsed: dict) -> np.ndarray | None:
    """How the model's GGUF loader reorders this tensor's rows (llama's q/k), as an index array; None when
    it does something else than reorder rows (then we fall back to float32 values)."""
    probe = np.arange(rows, dtype=np.float32).reshape(rows, 1)
    result = processor.process(weights=probe, name=name, tensor_key_mapping=mapping, parsed_parameters=parsed)
    order = np.asarray(result.weights)
    if result.name != name or order.shape != (rows, 1):
        return None
    order = order.reshape(-1).astype(np.int64)
    if not np.array_equal(np.sort(order), np.arange(rows)):
        return None
    return order


def build_from_gguf(gguf_path: Path, work: Path, on_fraction: Callable[[str, float], None] | None = None) -> dict:
    """Write a quantized model folder for ``gguf_path`` into ``work``; returns a summary for the manifest.

    ``on_fraction(stage, fraction)`` hears progress: stage "tensors" while the weights are converted."""
    import gguf
    from safetensors.numpy import save_file
    from transformers import AutoConfig, GenerationConfig
    from transformers.modeling_gguf_pytorch_utils import (
        TENSOR_PROCESSORS,
        TensorProcessor,
        get_gguf_hf_weights_map,
        load_gguf_checkpoint,
    )

    started = time.monotonic()
    config = AutoConfig.from_pretrained(gguf_path.parent, gguf_file=gguf_path.name)
    parsed = load_gguf_checkpoint(str(gguf_path), return_tensors=False)
    reader = gguf.GGUFReader(str(gguf_path))
    arch_field = reader.fields["general.architecture"]
    architecture = bytes(arch_field.parts[arch_field.data[0]]).decode()
    processor = TENSOR_PROCESSORS.get(architecture, TensorProcessor)(config=parsed.get("config", {}))
    model = _meta_model(config)
    mapping = get_gguf_hf_weights_map(model, processor)
    kinds = {name: type(module) for name, module in model.named_modules()}

    arrays: dict[str, np.ndarray] = {}
    modules: dict[str, dict] = {}
    types: dict[str, int] = {}
    total = len(reader.tensors)
    for index, tensor in enumerate(reader.tensors):
        if on_fraction:
            on_fraction("tensors", index / max(1, total))
        name = tensor.name
        shape = tuple(int(n) for n in reversed(tensor.shape))
        hf_name = mapping.get(name)
        if hf_name is None:  # not part of this model class (or a mixture-of-experts tensor we do not support)
            continue
        module_name, _, leaf = hf_name.rpartition(".")
        kind = kinds.get(module_name)
        qtensor = None
        if leaf == "weight" and len(shape) == 2 and kind in (nn.Linear, nn.Embedding):
            order = _row_order(processor, name, shape[0], mapping, parsed)
            if order is not None:
                qtensor = ggufq.to_qtensor(tensor.data, tensor.tensor_type, shape)
                if qtensor is not None and not np.array_equal(order, np.arange(shape[0])):
                    qtensor = qtensor.take_rows(order)
            else:
                values = gguf.quants.dequantize(tensor.data, tensor.tensor_type).reshape(shape)
                values = processor.process(weights=values, name=name, tensor_key_mapping=mapping,
                                           parsed_parameters=parsed).weights
                qtensor = ggufq.quantize_int8(np.asarray(values, np.float32))
        if qtensor is not None:
            arrays[f"{module_name}.q"] = qtensor.q
            arrays[f"{module_name}.scale"] = qtensor.scale
            arrays[f"{module_name}.offset"] = qtensor.offset
            if qtensor.kscales is not None:
                for part in KSCALE_PARTS:
                    arrays[f"{module_name}.{part}"] = getattr(qtensor.kscales, part)
            modules[module_name] = {
                "kind": "embedding" if kind is nn.Embedding else "linear",
                "bits": qtensor.bits, "group": qtensor.group, "exact": qtensor.exact,
                "tensors": module_name, "gguf_type": tensor.tensor_type.name,
                "kscales": qtensor.kscales is not None,
            }
            types[tensor.tensor_type.name] = types.get(tensor.tensor_type.name, 0) + 1
            continue
        values = gguf.quants.dequantize(tensor.data, tensor.tensor_type).reshape(shape)
        values = processor.process(weights=values, name=name, tensor_key_mapping=mapping, parsed_parameters=parsed).weights
        arrays[hf_name] = np.ascontiguousarray(values, dtype=np.float32)

    # A model whose output layer is its embedding (tied weights) reads both from the embedding's tensors.
    output = model.get_output_embeddings()
    output_name = next((n for n, m in model.named_modules() if m is output), None)
    input_name = next((n for n, m in model.named_modules() if m is model.get_input_embeddings()), None)
    if output_name and output_name not in modules and input_name in modules:
        modules[output_name] = dict(modules[input_name], kind="linear")
    missing = [n for n, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Embedding)) and n not in modules]
    if missing:
        raise ValueError(f"no weights in the GGUF for {missing[:5]}")

    if on_fraction:
        on_fraction("save", 0.0)
    save_file(arrays, str(work / WEIGHTS), metadata={"format": FORMAT})
    config.save_pretrained(work)
    try:
        GenerationConfig.from_model_config(config).save_pretrained(work)
    except Exception:  # generation settings are optional; the engine passes its own
        log.warning("no generation config for %s", gguf_path.name)
    summary = {"format": FORMAT, "modules": modules, "gguf_types": types,
               "seconds": round(time.monotonic() - started, 1)}
    (work / LAYOUT).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return {"format": FORMAT, "gguf_types": types}


# --- loading ---------------------------------------------------------------------------------------------

def is_quantized_folder(folder: Path) -> bool:
    return (folder / LAYOUT).is_file()


def _read_tensor(path: Path, header: dict, start: int, name: str) -> torch.Tensor:
    """One uint8 tensor of a safetensors file, read into its own memory (not memory-mapped): re-ordered
    at once and dropped, it then leaves nothing behind (mapped pages of the file would stay counted)."""
    spec = header[name]
    begin, end = spec["data_offsets"]
    out = torch.empty(spec["shape"], dtype=torch.uint8)
    with open(path, "rb") as handle:
        handle.seek(start + begin)
        handle.readinto(out.numpy().reshape(-1).data)
    assert out.numel() == end - begin
    return out


def _safetensors_header(path: Path) -> tuple[dict, int]:
    with open(path, "rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        return json.loads(handle.read(size)), 8 + size


def _save_bytes(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    """uint8 tensors as a safetensors file, written straight from their memory (safetensors' own
    save_file first copies every tensor into bytes: a second copy of the model at the peak)."""
    header: dict = {"__metadata__": metadata}
    offset = 0
    for name, tensor in tensors.items():
        header[name] = {"dtype": "U8", "shape": list(tensor.shape), "data_offsets": [offset, offset + tensor.numel()]}
        offset += tensor.numel()
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned, as safetensors writes it
    with open(path, "wb") as handle:
        handle.write(len(text).to_bytes(8, "little"))
        handle.write(text)
        for tensor in tensors.values():
            handle.write(memoryview(tensor.contiguous().numpy()).cast("B"))
        handle.flush()
        os.fsync(handle.fileno())


class _PackedBlocks:
    """The K-quant blocks a fast start made, read back on later starts (``KBLOCKS``).

    The file names the weights it was made from (a hash of their safetensors header and size: names,
    shapes, offsets), so a rebuilt cache never reads blocks of other weights."""

    def __init__(self, folder: Path, header: dict) -> None:
        from safetensors import safe_open

        self.path = folder / KBLOCKS
        weights = folder / WEIGHTS
        digest = hashlib.sha256(json.dumps(header, sort_keys=True).encode())
        digest.update(str(weights.stat().st_size).encode())
        self.source = digest.hexdigest()
        self.made: dict[str, torch.Tensor] = {}
        self.saved: dict[str, torch.Tensor] = {}
        try:
            with safe_open(str(self.path), framework="pt") as handle:
                if (handle.metadata() or {}).get("weights") == self.source:
                    self.saved = {name: handle.get_tensor(name) for name in handle.keys()}
        except Exception as exc:  # missing (the first fast start), cut short, or another layout: pack afresh
            if self.path.exists():
                log.warning("packed blocks %s unusable (%s); packing again", self.path, exc)

    def get(self, base: str, pack: Callable[[], torch.Tensor]) -> torch.Tensor:
        blocks = self.saved.get(base)
        if blocks is None:
            blocks = self.made[base] = pack()
        return blocks

    def save(self) -> None:
        """Keep what was packed this start (all of it, with what was read back) for the next one."""
        if not self.made:
            return
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            _save_bytes({**self.saved, **self.made}, tmp, {"weights": self.source})
            os.replace(tmp, self.path)
            for stale in self.path.parent.glob("kblocks-*.safetensors"):  # an older layout's (1.1 GB for the 1.5B)
                if stale.name != self.path.name:
                    stale.unlink(missing_ok=True)
        except OSError as exc:  # a read-only or full disk: the next start packs again
            tmp.unlink(missing_ok=True)
            log.warning("could not keep the packed blocks in %s: %s", self.path, exc)


def load_model(folder: Path, int8_activations: bool = False, lean: bool = True):
    """The model in ``folder`` (made by ``build_from_gguf``), ready to generate. Needs the kernels.

    Models ``vibecode.lm.lean`` knows are built from its modules (no transformers model class to import:
    ~2 s of every start); ``lean=False`` builds transformers' class instead (the tests compare the two).

    With ``int8_activations`` the layers that fit are packed for the int8 kernel while loading, one at a
    time, so memory peaks at the model's size plus one layer; K-quant layers then keep only their own
    scales (``qlinear_act8k``), not the float ones."""
    from safetensors import safe_open
    from transformers import AutoConfig, GenerationConfig

    status = kernel_build.load()
    if not status.ok:
        raise RuntimeError(f"vibecode's kernels are not available: {status.reason}")
    layout = json.loads((folder / LAYOUT).read_text(encoding="utf-8"))
    if layout.get("format") != FORMAT:
        raise ValueError(f"{folder}: unknown quantized format {layout.get('format')!r}")
    config = AutoConfig.from_pretrained(folder)
    model = lean_model.CausalLM(config) if lean and lean_model.supports(config) else _meta_model(config)
    act8 = bool(int8_activations)
    header, start = _safetensors_header(folder / WEIGHTS)
    modules = layout["modules"]
    # the linear layers whose input size fits are packed; an embedding only when a tied output layer is
    to_pack = {spec["tensors"] for spec in modules.values() if act8 and spec["kind"] == "linear"
               and fits_int8_kernel(header[f"{spec['tensors']}.scale"]["shape"][1] * spec["group"])}
    # a packed K-quant layer keeps its own scales inside its blocks (not one that an embedding shares), on
    # every CPU: with AVX-512 VNNI too its AVX2 kernel beat the float-scale VNNI one (2-core AMD EPYC Zen 4,
    # 1.5B, interleaved: a word 38 vs 52 ms, a prompt 11.2-11.8 vs 14.0-15.0 ms a token; fewer bytes a word)
    embedding_bases = {spec["tensors"] for spec in modules.values() if spec["kind"] == "embedding"}
    kblocks = act8
    kept = _PackedBlocks(folder, header) if kblocks else None
    packed: dict[str, torch.Tensor] = {}
    with safe_open(str(folder / WEIGHTS), framework="pt") as weights:
        for name, spec in modules.items():
            base, bits, group = spec["tensors"], spec["bits"], spec["group"]
            fits = base in to_pack
            parent_name, _, child = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            old = getattr(parent, child)
            bias = weights.get_tensor(f"{name}.bias") if f"{name}.bias" in header else None
            if fits and kblocks and spec.get("kscales") and base not in embedding_bases:

                def pack(base=base, bits=bits, group=group) -> torch.Tensor:
                    plain = _read_tensor(folder / WEIGHTS, header, start, f"{base}.q")
                    kparts = [weights.get_tensor(f"{base}.{part}") for part in KSCALE_PARTS]
                    return torch.ops.vibecode.act8k_pack(plain, *kparts, bits, group)

                blocks = kept.get(base, pack)
                in_features = header[f"{base}.scale"]["shape"][1] * group
                setattr(parent, child, QuantLinear(None, None, None, bits, group, bias, blocks, in_features))
                continue
            if fits:
                if base not in packed:
                    plain = _read_tensor(folder / WEIGHTS, header, start, f"{base}.q")
                    packed[base] = torch.ops.vibecode.act8_pack(plain, bits, group)
                    del plain
                q = packed[base]
            else:
                q = weights.get_tensor(f"{base}.q")
            scale, offset = weights.get_tensor(f"{base}.scale"), weights.get_tensor(f"{base}.offset")
            if spec["kind"] == "embedding":
                new = QuantEmbedding(q, scale, offset, bits, group, getattr(old, "padding_idx", None))
            else:
                new = QuantLinear(q, scale, offset, bits, group, bias)
            new.packed = fits
            setattr(parent, child, new)
        for name, param in list(model.named_parameters()):
            if param.device.type != "meta":
                continue
            if name not in header:
                raise ValueError(f"{folder}: no weights for {name}")
            module_name, _, leaf = name.rpartition(".")
            module = model.get_submodule(module_name) if module_name else model
            module._parameters[leaf] = nn.Parameter(weights.get_tensor(name), requires_grad=False)
    if kept is not None:
        kept.save()
    leftovers = [n for n, t in list(model.named_parameters()) + list(model.named_buffers()) if t is not None and t.device.type == "meta"]
    if leftovers:
        raise ValueError(f"{folder}: nothing loaded for {leftovers[:5]}")
    if (folder / "generation_config.json").exists():
        model.generation_config = GenerationConfig.from_pretrained(folder)
    return model.eval()
