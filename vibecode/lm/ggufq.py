"""GGUF tensors in the form vibecode's kernels run: exactly the model file's own numbers.

A GGUF stores most weights in small blocks with their own scales (Q4_K: 4-bit values in groups of 32 with
a scale and an offset; Q6_K: 6-bit values in groups of 16 with a scale). Instead of turning them into
float32 (7 GB for the 1.5B model, and 4x slower to read on every token), we rearrange each block into
the layout of ``kernels/qlinear.cpp`` and keep its values:

Every weight is a small unsigned integer ``u`` with a float scale and offset per group:
``w = scale * u + offset`` (unsigned, because the int8-activation kernel multiplies unsigned weight bytes
by signed activation bytes).

* int4, group 32: ``u`` in 0..15, packed two per byte (byte ``j`` of a group holds ``u[j]`` in its low half
  and ``u[j + 16]`` in its high half): Q4_0, Q4_1, Q4_K.
* int8, group 16 or 32: ``u`` in 0..255, the file's signed value plus a zero point (``offset = -zero *
  scale``): Q6_K (group 16, zero 32), Q8_0 (group 32, zero 128).

Every other type (and float tensors of a GGUF that were not quantised) is de-quantised by gguf-py and
re-quantised to int8 in groups of 32 (near-lossless). numpy only; no torch.

The K-quants (Q4_K, Q6_K) also keep their own two-level scales (``KScales``): a small integer per group and
a float per block of 256. The "fast" kernel reads those instead of a float scale and offset per group, a
quarter to a third fewer bytes per weight, with the same numbers (``scale = d * sub`` exactly in float32).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants

QK_K = 256


@dataclass
class KScales:
    """A K-quant's own scales: per group a small integer, per block of 256 values a float.

    Q4_K: ``scale = d * sub`` and ``offset = -(dmin * sub_min)`` (sub, sub_min 6-bit, 0..63).
    Q6_K: ``scale = d * sub`` (sub a signed byte, kept as its uint8 bit pattern) and ``offset = -32 * scale``;
    ``sub_min`` and ``dmin`` are empty."""

    sub: np.ndarray  # uint8 [rows, groups]
    sub_min: np.ndarray  # uint8 [rows, groups] (Q4_K) or [rows, 0]
    d: np.ndarray  # float32 [rows, cols // 256]
    dmin: np.ndarray  # float32 [rows, cols // 256] (Q4_K) or [rows, 0]

    def take_rows(self, order: np.ndarray) -> KScales:
        return KScales(*(np.ascontiguousarray(a[order]) for a in (self.sub, self.sub_min, self.d, self.dmin)))


@dataclass
class QTensor:
    """A weight matrix [rows, cols] in kernel form."""

    bits: int  # 4 or 8
    group: int  # 32 for int4; 16 or 32 for int8
    q: np.ndarray  # uint8 [rows, cols // 2] (int4) or [rows, cols] (int8)
    scale: np.ndarray  # float32 [rows, cols // group]
    offset: np.ndarray  # float32 [rows, cols // group]
    exact: bool  # True when the values are exactly the file's
    kscales: KScales | None = None  # Q4_K and Q6_K: the file's own two-level scales (for the fast kernel)

    @property
    def shape(self) -> tuple[int, int]:
        return self.scale.shape[0], self.scale.shape[1] * self.group

    def dequantize(self) -> np.ndarray:
        """The float32 matrix (for tests and for tensors used outside the kernels)."""
        rows, cols = self.shape
        values = unpack_int4(self.q) if self.bits == 4 else self.q
        values = values.reshape(rows, -1, self.group).astype(np.float32)
        return (values * self.scale[..., None] + self.offset[..., None]).reshape(rows, cols)

    def take_rows(self, order: np.ndarray) -> QTensor:
        """The same matrix with its rows reordered (a model's row permutation of a weight)."""
        return QTensor(self.bits, self.group, np.ascontiguousarray(self.q[order]),
                       np.ascontiguousarray(self.scale[order]), np.ascontiguousarray(self.offset[order]), self.exact,
                       self.kscales.take_rows(order) if self.kscales is not None else None)


def pack_int4(values: np.ndarray) -> np.ndarray:
    """[..., 32*G] values 0..15 -> [..., 16*G] bytes in the kernels' layout."""
    grouped = values.reshape(*values.shape[:-1], -1, 32).astype(np.uint8)
    packed = grouped[..., :16] | (grouped[..., 16:] << np.uint8(4))
    return packed.reshape(*values.shape[:-1], -1)


def unpack_int4(packed: np.ndarray) -> np.ndarray:
    grouped = packed.reshape(*packed.shape[:-1], -1, 16)
    values = np.concatenate([grouped & np.uint8(0xF), grouped >> np.uint8(4)], axis=-1)
    return values.reshape(*packed.shape[:-1], -1)


def _blocks(data: np.ndarray, qtype: T) -> tuple[np.ndarray, int]:
    """The raw bytes as one row per block, and the block's number of values."""
    block_size, type_size = quants.GGML_QUANT_SIZES[qtype]
    return np.asarray(data).view(np.uint8).reshape(-1, type_size), block_size


def _f16(raw: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(raw).view(np.float16).astype(np.float32)


def _q4_0_or_1(blocks: np.ndarray, rows: int, with_min: bool) -> QTensor:
    d = _f16(blocks[:, 0:2])[:, 0]
    if with_min:
        offset = _f16(blocks[:, 2:4])[:, 0]
        qs = blocks[:, 4:]
    else:
        offset = d * np.float32(-8.0)  # w = d * (q - 8)
        qs = blocks[:, 2:]
    # Q4_0/Q4_1 keep q[j] | q[j + 16] << 4 in byte j of each block of 32: already the kernels' layout.
    return QTensor(4, 32, np.ascontiguousarray(qs).reshape(rows, -1), d.reshape(rows, -1),
                   np.ascontiguousarray(offset).reshape(rows, -1), True)


def _q4_k(blocks: np.ndarray, rows: int) -> QTensor:
    n = blocks.shape[0]
    d = _f16(blocks[:, 0:2])
    dmin = _f16(blocks[:, 2:4])
    sc, mins = quants.Q4_K.get_scale_min(blocks[:, 4:16])
    scale = d * sc.astype(np.float32)  # [n, 8]: one per group of 32
    offset = -(dmin * mins.astype(np.float32))
    # qs: 4 chunks of 32 bytes; chunk c has group 2c in the low halves and group 2c+1 in the high halves.
    qs = blocks[:, 16:].reshape(n, 4, 1, 32) >> np.array([0, 4], dtype=np.uint8).reshape(1, 1, 2, 1)
    values = (qs & np.uint8(0xF)).reshape(n, 8, 32)
    kscales = KScales(sc.astype(np.uint8).reshape(rows, -1), mins.astype(np.uint8).reshape(rows, -1),
                      d.reshape(rows, -1), dmin.reshape(rows, -1))
    return QTensor(4, 32, pack_int4(values.reshape(rows, -1)), scale.reshape(rows, -1),
                   offset.reshape(rows, -1), True, kscales)


def _q6_k(blocks: np.ndarray, rows: int) -> QTensor:
    n = blocks.shape[0]
    ql = blocks[:, : QK_K // 2]
    qh = blocks[:, QK_K // 2 : QK_K // 2 + QK_K // 4]
    scales = np.ascontiguousarray(blocks[:, QK_K // 2 + QK_K // 4 : QK_K // 2 + QK_K // 4 + QK_K // 16]).view(np.int8)
    d = _f16(blocks[:, -2:])
    scale = d * scales.astype(np.float32)  # [n, 16]: one per group of 16
    low = ql.reshape(n, -1, 1, 64) >> np.array([0, 4], dtype=np.uint8).reshape(1, 1, 2, 1)
    low = (low & np.uint8(0x0F)).reshape(n, -1, 32)
    high = qh.reshape(n, -1, 1, 32) >> np.array([0, 2, 4, 6], dtype=np.uint8).reshape(1, 1, 4, 1)
    high = (high & np.uint8(0x03)).reshape(n, -1, 32)
    u = low | (high << np.uint8(4))  # the file's value + 32
    scale = scale.reshape(rows, -1)
    none = np.zeros((rows, 0), np.uint8)
    kscales = KScales(scales.view(np.uint8).reshape(rows, -1), none, d.reshape(rows, -1), none.astype(np.float32))
    return QTensor(8, 16, u.reshape(rows, -1), scale, scale * np.float32(-32), True, kscales)


def _q8_0(blocks: np.ndarray, rows: int) -> QTensor:
    d = _f16(blocks[:, 0:2])[:, 0].reshape(rows, -1)
    u = np.ascontiguousarray(blocks[:, 2:]) ^ np.uint8(0x80)  # the file's signed byte + 128
    return QTensor(8, 32, u.reshape(rows, -1), d, d * np.float32(-128), True)


def quantize_int8(matrix: np.ndarray, group: int = 32) -> QTensor:
    """Any float matrix as int8 in groups (symmetric, round to nearest): near-lossless."""
    rows, cols = matrix.shape
    grouped = matrix.astype(np.float32).reshape(rows, cols // group, group)
    scale = (np.abs(grouped).max(axis=-1) / np.float32(127)).astype(np.float32)
    safe = np.where(scale == 0, np.float32(1), scale)
    q = np.clip(np.rint(grouped / safe[..., None]), -127, 127).astype(np.int16) + 128
    return QTensor(8, group, q.astype(np.uint8).reshape(rows, cols), scale, scale * np.float32(-128), False)


_EXACT = {
    T.Q4_0: lambda b, r: _q4_0_or_1(b, r, with_min=False),
    T.Q4_1: lambda b, r: _q4_0_or_1(b, r, with_min=True),
    T.Q4_K: _q4_k,
    T.Q6_K: _q6_k,
    T.Q8_0: _q8_0,
}


def to_qtensor(data: np.ndarray, qtype: T, shape: tuple[int, int]) -> QTensor | None:
    """A GGUF matrix (``shape`` = (rows, cols) as the model uses it) in kernel form, or None when its width
    does not fit the kernels' groups (then the caller keeps it as float32)."""
    rows, cols = shape
    if cols % 32:
        return None
    convert = _EXACT.get(qtype)
    if convert is not None:
        blocks, block_size = _blocks(data, qtype)
        if cols % block_size == 0:
            return convert(blocks, rows)
    matrix = quants.dequantize(data, qtype).reshape(rows, cols)
    return quantize_int8(matrix)
