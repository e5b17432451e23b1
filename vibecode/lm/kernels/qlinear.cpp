// Weight-only quantised linear layers for the CPU, the hot loop of the local model.
//
// Weights keep the exact values of the model file (a 4-bit GGUF) as small unsigned integers u with a float
// scale and offset per group: w = scale * u + offset. int4 (u in 0..15, two per byte, groups of 32: byte j
// of a group holds u[j] in its low half and u[j + 16] in its high half) or int8 (u in 0..255, groups of 16
// or 32). Reading weights from memory and turning them into numbers is what limits a decode step on a
// 2-core CPU, so they stay this small.
//
// Two ways to multiply, one answer each:
// * vibecode::qlinear: float32 activations and sums: the same numbers as the float32 model (only the order
//   of additions differs), and a row of x gives the same result alone or in a batch.
// * vibecode::qlinear_act8: activations rounded to int8 per block of 32 (as llama.cpp does) and summed with
//   AVX-512 VNNI integer dot products: several times fewer instructions per weight; answers can differ
//   slightly from float32 (measured with HumanEval, see vibecode bench speed). Needs AVX512-VNNI, and the
//   weights re-ordered once by vibecode::act8_pack (vibecode::act8_unpack turns them back).
// vibecode::dequant gives the float32 weight [N, K] (embedding rows, tests).
//
// Built once per machine by vibecode/lm/kernels/__init__.py with -march=native; AVX2 + FMA is the minimum.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/library.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace {

#if defined(__AVX512F__) && defined(__AVX512BW__)
constexpr int L = 16;  // floats per vector
using V = __m512;
inline V vzero() { return _mm512_setzero_ps(); }
inline V vload(const float* p) { return _mm512_loadu_ps(p); }
inline V vset(float a) { return _mm512_set1_ps(a); }
inline V vfma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
inline V vmul(V a, V b) { return _mm512_mul_ps(a, b); }
inline float vsum(V a) { return _mm512_reduce_add_ps(a); }
inline void vstore(float* p, V a) { _mm512_storeu_ps(p, a); }
// 32 int4 values from 16 bytes, in order: out[0] = u[0..15], out[1] = u[16..31]
inline void decode4(const uint8_t* p, V* out) {
  __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  out[0] = _mm512_cvtepi32_ps(_mm512_and_si512(b, _mm512_set1_epi32(0xF)));
  out[1] = _mm512_cvtepi32_ps(_mm512_srli_epi32(b, 4));
}
// 16 uint8 values
inline void decode8(const uint8_t* p, V* out) {
  out[0] = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
}
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int L = 8;
using V = __m256;
inline V vzero() { return _mm256_setzero_ps(); }
inline V vload(const float* p) { return _mm256_loadu_ps(p); }
inline V vset(float a) { return _mm256_set1_ps(a); }
inline V vfma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
inline V vmul(V a, V b) { return _mm256_mul_ps(a, b); }
inline float vsum(V a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline void vstore(float* p, V a) { _mm256_storeu_ps(p, a); }
inline void decode4(const uint8_t* p, V* out) {
  const __m256i mask = _mm256_set1_epi32(0xF);
  __m256i b0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
  __m256i b1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + 8)));
  out[0] = _mm256_cvtepi32_ps(_mm256_and_si256(b0, mask));
  out[1] = _mm256_cvtepi32_ps(_mm256_and_si256(b1, mask));
  out[2] = _mm256_cvtepi32_ps(_mm256_srli_epi32(b0, 4));
  out[3] = _mm256_cvtepi32_ps(_mm256_srli_epi32(b1, 4));
}
inline void decode8(const uint8_t* p, V* out) {
  out[0] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  out[1] = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + 8))));
}
#else
#error "vibecode's kernels need AVX2 and FMA (build with -march=native on such a CPU)"
#endif

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
constexpr bool HAS_ACT8 = true;
#else
constexpr bool HAS_ACT8 = false;
#endif

constexpr int Q4_GROUP = 32;
constexpr int VP16 = 16 / L;  // vectors per 16 values

template <int BITS>
constexpr int64_t row_bytes(int64_t K) { return BITS == 4 ? K / 2 : K; }

// sum_g offset[g] * xsum[g]: the offsets' share of a row's result
inline float offset_dot(const float* offset, const float* xsum, int64_t ngroups) {
  V acc = vzero();
  int64_t g = 0;
  for (; g + L <= ngroups; g += L) acc = vfma(vload(offset + g), vload(xsum + g), acc);
  float total = vsum(acc);
  for (; g < ngroups; ++g) total += offset[g] * xsum[g];
  return total;
}

// x's sum over each weight group (for the offsets), one row of x after another
std::vector<float> group_sums(const float* x, int64_t M, int64_t K, int64_t group) {
  const int64_t ngroups = K / group;
  std::vector<float> sums(M * ngroups);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t g = 0; g < ngroups; ++g) {
      float t = 0.f;
      for (int i = 0; i < group; ++i) t += x[m * K + g * group + i];
      sums[m * ngroups + g] = t;
    }
  return sums;
}

// Each thread takes a band of weight rows, in blocks small enough to stay in cache while every row of x
// passes over them: the weights are read from memory once, whatever the number of rows of x.
// block(m, rows_of_x, n0, n1) handles rows m.. of x (1..4 at once) against weight rows n0..n1.
template <typename Block>
void over_rows(int64_t M, int64_t N, Block block) {
  at::parallel_for(0, N, 8, [&](int64_t b0, int64_t b1) {
    constexpr int64_t NB = 32;
    for (int64_t n0 = b0; n0 < b1; n0 += NB) {
      const int64_t n1 = std::min(n0 + NB, b1);
      int64_t m = 0;
      for (; m + 4 <= M; m += 4) block(m, std::integral_constant<int, 4>{}, n0, n1);
      switch (M - m) {
        case 3: block(m, std::integral_constant<int, 3>{}, n0, n1); break;
        case 2: block(m, std::integral_constant<int, 2>{}, n0, n1); break;
        case 1: block(m, std::integral_constant<int, 1>{}, n0, n1); break;
        default: break;
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// float32 activations

template <int BITS, int GROUP>
struct Row {
  static constexpr int NV = BITS == 4 ? Q4_GROUP / L : GROUP / L;  // vectors per group
  const uint8_t* q;
  const float* scale;
  const float* offset;
  // The group's integer values as float vectors (scale and offset are applied to the sums, not here).
  inline void load(int64_t g, V* w) const {
    if constexpr (BITS == 4) {
      decode4(q + g * (Q4_GROUP / 2), w);
    } else {
      for (int c = 0; c < GROUP / 16; ++c) decode8(q + g * GROUP + c * 16, w + c * VP16);
    }
  }
};

// out[m, n] for MT rows of x and NT weight rows at a time: the weights are decoded once for all MT rows of x,
// and NT independent sums keep the FMA units busy. sum_k x*w = sum_g scale_g * (sum_{k in g} x*u)
// + sum_g offset_g * xsum_g, where xsum_g is the sum of x over group g.
template <int BITS, int GROUP, int MT, int NT>
inline void tile(const float* x, const float* xsum, int64_t K, int64_t ngroups, const Row<BITS, GROUP>* rows,
                 float* out, int64_t ldo) {
  constexpr int NV = Row<BITS, GROUP>::NV;
  V acc[MT][NT];
  for (int m = 0; m < MT; ++m)
    for (int n = 0; n < NT; ++n) acc[m][n] = vzero();
  for (int64_t g = 0; g < ngroups; ++g) {
    V w[NT][NV];
    for (int n = 0; n < NT; ++n) rows[n].load(g, w[n]);
    for (int m = 0; m < MT; ++m) {
      const float* xg = x + m * K + g * GROUP;
      V xv[NV];
      for (int i = 0; i < NV; ++i) xv[i] = vload(xg + i * L);
      for (int n = 0; n < NT; ++n) {
        V dot = vmul(xv[0], w[n][0]);
        for (int i = 1; i < NV; ++i) dot = vfma(xv[i], w[n][i], dot);
        acc[m][n] = vfma(dot, vset(rows[n].scale[g]), acc[m][n]);
      }
    }
  }
  for (int m = 0; m < MT; ++m)
    for (int n = 0; n < NT; ++n)
      out[m * ldo + n] = vsum(acc[m][n]) + offset_dot(rows[n].offset, xsum + m * ngroups, ngroups);
}

template <int BITS, int GROUP, int MT>
void rows_block(const float* x, const float* xsum, int64_t K, const uint8_t* q, const float* scale,
                const float* offset, int64_t n0, int64_t n1, float* out, int64_t N) {
  const int64_t ngroups = K / GROUP;
  // One weight row at a time streams best from memory when x has one row (more rows at once measured half
  // the speed on a 4-bit 152k x 1536 matrix); with more rows of x the weights come from cache.
  constexpr int NT = MT == 1 ? 1 : 2;
  auto row = [&](int64_t n) {
    return Row<BITS, GROUP>{q + n * row_bytes<BITS>(K), scale + n * ngroups, offset + n * ngroups};
  };
  int64_t n = n0;
  for (; n + NT <= n1; n += NT) {
    Row<BITS, GROUP> r[NT];
    for (int i = 0; i < NT; ++i) r[i] = row(n + i);
    tile<BITS, GROUP, MT, NT>(x, xsum, K, ngroups, r, out + n, N);
  }
  for (; n < n1; ++n) {
    Row<BITS, GROUP> r[1] = {row(n)};
    tile<BITS, GROUP, MT, 1>(x, xsum, K, ngroups, r, out + n, N);
  }
}

template <int BITS, int GROUP>
void run(const float* x, int64_t M, int64_t K, const uint8_t* q, const float* scale, const float* offset,
         float* out, int64_t N) {
  const int64_t ngroups = K / GROUP;
  const std::vector<float> sums = group_sums(x, M, K, GROUP);
  over_rows(M, N, [&](int64_t m, auto rows_of_x, int64_t n0, int64_t n1) {
    rows_block<BITS, GROUP, decltype(rows_of_x)::value>(x + m * K, sums.data() + m * ngroups, K, q, scale, offset,
                                                         n0, n1, out + m * N, N);
  });
}

// ---------------------------------------------------------------------------------------------------------
// int8 activations (AVX-512 VNNI)
//
// x is rounded to int8 per block of 32 values (scale dx = max|x| / 127), as llama.cpp does. One vpdpbusd
// multiplies 64 unsigned weight bytes by 64 signed x bytes into 16 int32 lanes (4 products each). The
// weights are first re-ordered ("packed", once at load) so that those int32 sums can run over a whole
// block of 256 values before anything is done in float: in a block, lane l always holds values of the same
// group (l, or l / 2 for groups of 32), so after 4 vpdpbusd the lane holds an exact integer sum over its
// share of that group, and one multiply-add by (weight scale * dx) per lane finishes the block. The plain
// order (one group after another) would need that float work after every vpdpbusd: packing cut the
// instructions per weight and made a pass over 10 tokens (prompt lookup) and reading a prompt much faster.
//
// The packed order of one block of 256 values (group size G, GPB = 256 / G groups, LPG = 16 / GPB lanes per
// group): step t = 0..3 is 64 bytes; byte 4 * l + i of step t holds value t * 4 * LPG + (l % LPG) * 4 + i of
// group l / LPG. int8 weights: the 4 steps one after another (256 bytes). int4 weights: 2 x 64 bytes; the low
// halves of bytes 0..63 hold step 0, their high halves step 1; the next 64 bytes steps 2 and 3.
// x is rounded into the same order. The offsets use x's exact float group sums.

constexpr int64_t PACK_BLOCK = 256;


// where value k (0..255) of a block lands: (step, byte in the step)
template <int GROUP>
inline void packed_place(int k, int& step, int& byte) {
  constexpr int LPG = 16 / (PACK_BLOCK / GROUP);
  const int g = k / GROUP, e = k % GROUP;  // group in the block, position in the group
  step = e / (4 * LPG);
  const int lane = g * LPG + (e % (4 * LPG)) / 4;
  byte = lane * 4 + e % 4;
}

// For each packed value slot j of a block (int8: byte j; int4: byte j % 128, high half when j >= 128), the
// value's position k in the block (0..255).
template <int BITS, int GROUP>
std::vector<int> packed_sources() {
  std::vector<int> source(PACK_BLOCK);
  for (int k = 0; k < PACK_BLOCK; ++k) {
    int step, byte;
    packed_place<GROUP>(k, step, byte);
    const int slot = BITS == 4 ? (step % 2) * 128 + (step / 2) * 64 + byte : step * 64 + byte;
    source[slot] = k;
  }
  return source;
}

// the block's 256 values in order, from the plain kernel form (int4: per group of 32, byte j holds value j
// in its low half and value j + 16 in its high half)
template <int BITS>
inline void plain_block(const uint8_t* in, uint8_t* values) {
  if constexpr (BITS == 4) {
    for (int g = 0; g < PACK_BLOCK / 32; ++g)
      for (int j = 0; j < 16; ++j) {
        const uint8_t byte = in[g * 16 + j];
        values[g * 32 + j] = byte & 0xF;
        values[g * 32 + j + 16] = byte >> 4;
      }
  } else {
    std::copy(in, in + PACK_BLOCK, values);
  }
}

template <int BITS>
inline void write_plain_block(const uint8_t* values, uint8_t* out) {
  if constexpr (BITS == 4) {
    for (int g = 0; g < PACK_BLOCK / 32; ++g)
      for (int j = 0; j < 16; ++j) out[g * 16 + j] = values[g * 32 + j] | (values[g * 32 + j + 16] << 4);
  } else {
    std::copy(values, values + PACK_BLOCK, out);
  }
}

template <int BITS, int GROUP>
void reorder_rows(const uint8_t* in, uint8_t* out, int64_t K, int64_t n0, int64_t n1, bool pack) {
  static const std::vector<int> source = packed_sources<BITS, GROUP>();
  constexpr int64_t block_bytes = row_bytes<BITS>(PACK_BLOCK);
  uint8_t values[PACK_BLOCK], slots[PACK_BLOCK];
  for (int64_t n = n0; n < n1; ++n)
    for (int64_t b = 0; b < K / PACK_BLOCK; ++b) {
      const uint8_t* src = in + n * row_bytes<BITS>(K) + b * block_bytes;
      uint8_t* dst = out + n * row_bytes<BITS>(K) + b * block_bytes;
      if (pack) {
        plain_block<BITS>(src, values);
        for (int j = 0; j < PACK_BLOCK; ++j) slots[j] = values[source[j]];
        if constexpr (BITS == 4)
          for (int j = 0; j < 128; ++j) dst[j] = slots[j] | (slots[j + 128] << 4);
        else
          std::copy(slots, slots + PACK_BLOCK, dst);
      } else {
        if constexpr (BITS == 4)
          for (int j = 0; j < 128; ++j) slots[j] = src[j] & 0xF, slots[j + 128] = src[j] >> 4;
        else
          std::copy(src, src + PACK_BLOCK, slots);
        for (int j = 0; j < PACK_BLOCK; ++j) values[source[j]] = slots[j];
        write_plain_block<BITS>(values, dst);
      }
    }
}

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
struct Act8 {
  std::vector<int8_t> xq;    // per row of x: K values, in the packed order
  std::vector<float> dxl;    // per row of x and block: 16 floats, dx of each lane's group
  std::vector<float> xsum;   // per row of x and group: float sums of the unrounded x (for the offsets)
  int64_t blocks = 0, ngroups = 0;
};

template <int GROUP>
Act8 quantize_x(const float* x, int64_t M, int64_t K) {
  constexpr int LPG = 16 / (PACK_BLOCK / GROUP);
  Act8 a;
  a.blocks = K / PACK_BLOCK;
  a.ngroups = K / GROUP;
  a.xq.resize(M * K);
  a.dxl.resize(M * a.blocks * 16);
  a.xsum.resize(M * a.ngroups);
  std::vector<float> dx(K / 32);
  static const std::vector<int> place = [] {  // where value k of a block goes
    std::vector<int> where(PACK_BLOCK);
    for (int k = 0; k < PACK_BLOCK; ++k) {
      int step, byte;
      packed_place<GROUP>(k, step, byte);
      where[k] = step * 64 + byte;
    }
    return where;
  }();
  int8_t plain[PACK_BLOCK];
  for (int64_t m = 0; m < M; ++m) {
    const float* xm = x + m * K;
    int8_t* qm = a.xq.data() + m * K;
    for (int64_t b = 0; b < a.blocks; ++b) {
      for (int64_t c = 0; c < PACK_BLOCK / 32; ++c) {
        const float* xc = xm + b * PACK_BLOCK + c * 32;
        const __m512 v0 = _mm512_loadu_ps(xc), v1 = _mm512_loadu_ps(xc + 16);
        const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
        const __m512 inv = _mm512_set1_ps(amax > 0.f ? 127.f / amax : 0.f);
        dx[b * (PACK_BLOCK / 32) + c] = amax / 127.f;
        float* sums = a.xsum.data() + m * a.ngroups + (b * PACK_BLOCK + c * 32) / GROUP;
        if constexpr (GROUP == 32) {
          sums[0] = _mm512_reduce_add_ps(_mm512_add_ps(v0, v1));
        } else {
          sums[0] = _mm512_reduce_add_ps(v0);
          sums[1] = _mm512_reduce_add_ps(v1);
        }
        // round to nearest, ties to even (the default rounding mode), as std::nearbyint
        _mm_storeu_si128(reinterpret_cast<__m128i*>(plain + c * 32), _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(v0, inv))));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(plain + c * 32 + 16), _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(v1, inv))));
      }
      int8_t* out = qm + b * PACK_BLOCK;
      for (int k = 0; k < PACK_BLOCK; ++k) out[place[k]] = plain[k];
    }
    for (int64_t b = 0; b < a.blocks; ++b)
      for (int l = 0; l < 16; ++l)
        a.dxl[(m * a.blocks + b) * 16 + l] = dx[(b * PACK_BLOCK + (l / LPG) * GROUP) / 32];
  }
  return a;
}

// the block's weight scales, one per lane
template <int GROUP>
inline __m512 block_scales(const float* scale) {
  if constexpr (GROUP == 16) {
    return _mm512_loadu_ps(scale);
  } else {
    const __m512i idx = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
    return _mm512_permutexvar_ps(idx, _mm512_castps256_ps512(_mm256_loadu_ps(scale)));
  }
}

template <int BITS, int GROUP, int MT>
void act8_block(const Act8& a, int64_t m0, int64_t K, const uint8_t* q, const float* scale, const float* offset,
                int64_t n0, int64_t n1, float* out, int64_t N) {
  constexpr int64_t GPB = PACK_BLOCK / GROUP;
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  for (int64_t n = n0; n < n1; ++n) {
    const uint8_t* qn = q + n * row_bytes<BITS>(K);
    const float* sn = scale + n * a.ngroups;
    __m512 acc[MT];
    for (int m = 0; m < MT; ++m) acc[m] = _mm512_setzero_ps();
    for (int64_t b = 0; b < a.blocks; ++b) {
      __m512i w[4];
      if constexpr (BITS == 4) {
        const __m512i z0 = _mm512_loadu_si512(qn + b * 128), z1 = _mm512_loadu_si512(qn + b * 128 + 64);
        w[0] = _mm512_and_si512(z0, low4);
        w[1] = _mm512_and_si512(_mm512_srli_epi16(z0, 4), low4);
        w[2] = _mm512_and_si512(z1, low4);
        w[3] = _mm512_and_si512(_mm512_srli_epi16(z1, 4), low4);
      } else {
        for (int t = 0; t < 4; ++t) w[t] = _mm512_loadu_si512(qn + b * 256 + t * 64);
      }
      const __m512 s = block_scales<GROUP>(sn + b * GPB);
      for (int m = 0; m < MT; ++m) {
        const int8_t* xb = a.xq.data() + (m0 + m) * K + b * PACK_BLOCK;
        __m512i d0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w[0], _mm512_loadu_si512(xb));
        __m512i d1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w[1], _mm512_loadu_si512(xb + 64));
        d0 = _mm512_dpbusd_epi32(d0, w[2], _mm512_loadu_si512(xb + 128));
        d1 = _mm512_dpbusd_epi32(d1, w[3], _mm512_loadu_si512(xb + 192));
        const __m512 dxl = _mm512_loadu_ps(a.dxl.data() + ((m0 + m) * a.blocks + b) * 16);
        acc[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(d0, d1)), _mm512_mul_ps(s, dxl), acc[m]);
      }
    }
    for (int m = 0; m < MT; ++m)
      out[m * N + n] = _mm512_reduce_add_ps(acc[m]) +
                       offset_dot(offset + n * a.ngroups, a.xsum.data() + (m0 + m) * a.ngroups, a.ngroups);
  }
}

template <int BITS, int GROUP>
void run_act8(const float* x, int64_t M, int64_t K, const uint8_t* q, const float* scale, const float* offset,
              float* out, int64_t N) {
  const Act8 a = quantize_x<GROUP>(x, M, K);
  over_rows(M, N, [&](int64_t m, auto rows_of_x, int64_t n0, int64_t n1) {
    act8_block<BITS, GROUP, decltype(rows_of_x)::value>(a, m, K, q, scale, offset, n0, n1, out + m * N, N);
  });
}
#endif

// ---------------------------------------------------------------------------------------------------------
// the ops

void check_args(const at::Tensor& q, const at::Tensor& scale, const at::Tensor& offset, int64_t bits,
                int64_t group, int64_t K) {
  TORCH_CHECK(bits == 4 || bits == 8, "qlinear: bits must be 4 or 8");
  TORCH_CHECK(bits == 4 ? group == Q4_GROUP : (group == 16 || group == 32), "qlinear: unsupported group size");
  TORCH_CHECK(q.dim() == 2 && q.is_contiguous() && q.scalar_type() == at::kByte, "qlinear: q must be a contiguous 2-D uint8 tensor");
  TORCH_CHECK(K % group == 0, "qlinear: the input size must be a multiple of the group size");
  TORCH_CHECK(q.size(1) == (bits == 4 ? K / 2 : K), "qlinear: q does not match the input size");
  TORCH_CHECK(scale.scalar_type() == at::kFloat && scale.is_contiguous() && scale.dim() == 2, "qlinear: scale must be contiguous float32 [N, K/group]");
  TORCH_CHECK(scale.size(0) == q.size(0) && scale.size(1) == K / group, "qlinear: scale has the wrong shape");
  TORCH_CHECK(offset.sizes() == scale.sizes() && offset.scalar_type() == at::kFloat && offset.is_contiguous(),
              "qlinear: offset must be shaped like scale");
}

// f(bits, group) with both as compile-time constants, for the three weight layouts
template <typename F>
void by_layout(int64_t bits, int64_t group, F f) {
  if (bits == 4)
    f(std::integral_constant<int, 4>{}, std::integral_constant<int, Q4_GROUP>{});
  else if (group == 16)
    f(std::integral_constant<int, 8>{}, std::integral_constant<int, 16>{});
  else
    f(std::integral_constant<int, 8>{}, std::integral_constant<int, 32>{});
}

struct Prepared {
  at::Tensor x, out;
  int64_t M, K, N;
};

Prepared prepare(const at::Tensor& x_in, const at::Tensor& q, const at::Tensor& scale, const at::Tensor& offset,
                 int64_t bits, int64_t group) {
  TORCH_CHECK(x_in.scalar_type() == at::kFloat, "qlinear: x must be float32");
  const int64_t K = x_in.size(-1);
  check_args(q, scale, offset, bits, group, K);
  Prepared p{x_in.contiguous(), {}, 0, K, q.size(0)};
  p.M = K ? p.x.numel() / K : 0;
  auto sizes = p.x.sizes().vec();
  sizes.back() = p.N;
  p.out = at::empty(sizes, p.x.options());
  return p;
}

at::Tensor qlinear(const at::Tensor& x_in, const at::Tensor& q, const at::Tensor& scale, const at::Tensor& offset,
                   int64_t bits, int64_t group) {
  Prepared p = prepare(x_in, q, scale, offset, bits, group);
  if (p.M == 0 || p.N == 0) return p.out;
  by_layout(bits, group, [&](auto b, auto g) {
    run<b.value, g.value>(p.x.data_ptr<float>(), p.M, p.K, q.data_ptr<uint8_t>(), scale.data_ptr<float>(),
                          offset.data_ptr<float>(), p.out.data_ptr<float>(), p.N);
  });
  return p.out;
}

// x times weights packed by act8_pack (K must be a multiple of PACK_BLOCK; the caller packs only such layers)
at::Tensor qlinear_act8(const at::Tensor& x_in, const at::Tensor& q, const at::Tensor& scale,
                        const at::Tensor& offset, int64_t bits, int64_t group) {
  TORCH_CHECK(HAS_ACT8, "qlinear_act8: this processor has no AVX-512 VNNI");
  Prepared p = prepare(x_in, q, scale, offset, bits, group);
  TORCH_CHECK(p.K % PACK_BLOCK == 0, "qlinear_act8: the input size must be a multiple of 256");
  if (p.M == 0 || p.N == 0) return p.out;
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
  by_layout(bits, group, [&](auto b, auto g) {
    run_act8<b.value, g.value>(p.x.data_ptr<float>(), p.M, p.K, q.data_ptr<uint8_t>(), scale.data_ptr<float>(),
                               offset.data_ptr<float>(), p.out.data_ptr<float>(), p.N);
  });
#endif
  return p.out;
}

// weights in the plain kernel form -> the order qlinear_act8 reads (and back: act8_unpack)
at::Tensor act8_reorder(const at::Tensor& q, int64_t bits, int64_t group, bool pack) {
  TORCH_CHECK(q.dim() == 2 && q.is_contiguous() && q.scalar_type() == at::kByte, "act8_pack: q must be a contiguous 2-D uint8 tensor");
  const int64_t K = bits == 4 ? q.size(1) * 2 : q.size(1);
  TORCH_CHECK(bits == 4 ? group == Q4_GROUP : (group == 16 || group == 32), "act8_pack: unsupported layout");
  TORCH_CHECK(K % PACK_BLOCK == 0, "act8_pack: the input size must be a multiple of 256");
  auto out = at::empty_like(q);
  at::parallel_for(0, q.size(0), 64, [&](int64_t n0, int64_t n1) {
    by_layout(bits, group, [&](auto b, auto g) {
      reorder_rows<b.value, g.value>(q.data_ptr<uint8_t>(), out.data_ptr<uint8_t>(), K, n0, n1, pack);
    });
  });
  return out;
}

at::Tensor act8_pack(const at::Tensor& q, int64_t bits, int64_t group) { return act8_reorder(q, bits, group, true); }
at::Tensor act8_unpack(const at::Tensor& q, int64_t bits, int64_t group) { return act8_reorder(q, bits, group, false); }

bool has_act8() { return HAS_ACT8; }

template <int BITS, int GROUP>
void dequant_rows(const uint8_t* q, const float* scale, const float* offset, int64_t K, int64_t n0, int64_t n1,
                  float* out) {
  constexpr int NV = Row<BITS, GROUP>::NV;
  const int64_t ngroups = K / GROUP;
  for (int64_t n = n0; n < n1; ++n) {
    Row<BITS, GROUP> r{q + n * row_bytes<BITS>(K), scale + n * ngroups, offset + n * ngroups};
    V w[NV];
    for (int64_t g = 0; g < ngroups; ++g) {
      r.load(g, w);
      const V s = vset(r.scale[g]), o = vset(r.offset[g]);
      for (int i = 0; i < NV; ++i) vstore(out + n * K + g * GROUP + i * L, vfma(w[i], s, o));
    }
  }
}

at::Tensor dequant(const at::Tensor& q, const at::Tensor& scale, const at::Tensor& offset, int64_t bits,
                   int64_t group) {
  const int64_t K = bits == 4 ? q.size(1) * 2 : q.size(1);
  check_args(q, scale, offset, bits, group, K);
  const int64_t N = q.size(0);
  auto out = at::empty({N, K}, scale.options());
  at::parallel_for(0, N, 16, [&](int64_t n0, int64_t n1) {
    by_layout(bits, group, [&](auto b, auto g) {
      dequant_rows<b.value, g.value>(q.data_ptr<uint8_t>(), scale.data_ptr<float>(), offset.data_ptr<float>(), K,
                                     n0, n1, out.data_ptr<float>());
    });
  });
  return out;
}

}  // namespace

TORCH_LIBRARY(vibecode, m) {
  m.def("qlinear(Tensor x, Tensor q, Tensor scale, Tensor offset, int bits, int group) -> Tensor");
  m.def("qlinear_act8(Tensor x, Tensor q, Tensor scale, Tensor offset, int bits, int group) -> Tensor");
  m.def("dequant(Tensor q, Tensor scale, Tensor offset, int bits, int group) -> Tensor");
  m.def("act8_pack(Tensor q, int bits, int group) -> Tensor");
  m.def("act8_unpack(Tensor q, int bits, int group) -> Tensor");
  m.def("has_act8() -> bool", &has_act8);
  m.impl("qlinear", c10::DispatchKey::CPU, TORCH_FN(qlinear));
  m.impl("qlinear_act8", c10::DispatchKey::CPU, TORCH_FN(qlinear_act8));
  m.impl("act8_pack", c10::DispatchKey::CPU, TORCH_FN(act8_pack));
  m.impl("act8_unpack", c10::DispatchKey::CPU, TORCH_FN(act8_unpack));
  m.impl("dequant", c10::DispatchKey::CPU, TORCH_FN(dequant));
}
