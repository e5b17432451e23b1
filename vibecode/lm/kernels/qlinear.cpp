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
//   integer dot products (AVX-512 VNNI, or AVX2's byte multiply-adds): several times fewer instructions per
//   weight; answers can differ slightly from float32 (measured with HumanEval, see vibecode bench speed).
//   The weights are re-ordered once by vibecode::act8_pack (vibecode::act8_unpack turns them back).
// * vibecode::qlinear_act8k: the same for the K-quants (Q4_K, Q6_K) with the file's own small scales kept
//   inside each packed block (vibecode::act8k_pack; Q6_K's values in 6 bits): a quarter to a third fewer
//   bytes per token.
// vibecode::dequant gives the float32 weight [N, K] (embedding rows, tests).
//
// Built once per machine by vibecode/lm/kernels/__init__.py with -march=native; AVX2 + FMA is the minimum.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/library.h>
#include <immintrin.h>

#include <omp.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace {

// 8 bytes (unsigned, or signed) as 8 floats
template <bool SIGNED>
inline __m256 bytes_to_float(const uint8_t* p) {
  const __m128i raw = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  return _mm256_cvtepi32_ps(SIGNED ? _mm256_cvtepi8_epi32(raw) : _mm256_cvtepu8_epi32(raw));
}

inline float sum8(__m256 a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

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
inline float vsum(V a) { return sum8(a); }
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

// The int8-activation kernel sums with AVX-512 VNNI where the CPU has it, else with AVX2 (every CPU the
// kernels build for).
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VNNI__)
#define VIBECODE_ACT8_VNNI 1
constexpr const char* ACT8_ISA = "avx512-vnni";
#else
constexpr const char* ACT8_ISA = "avx2";
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

// f(m, MT) for MT = rows (at most MAX)
template <int MAX, typename F>
inline void one_tile(int64_t rows, int64_t m, F& f) {
  if constexpr (MAX > 0) {
    if (rows == MAX)
      f(m, std::integral_constant<int, MAX>{});
    else
      one_tile<MAX - 1>(rows, m, f);
  }
}

// f(m, rows_of_x) over the M rows of x in tiles of at most TILE rows (the weights are unpacked once for a
// tile), as even as can be: 16 rows are 4 x 4 rather than 5 + 5 + 5 + 1 (a tile of one row does all the
// unpacking for a single row). Each sum is a row of x's own: the tiles change the speed, never the result.
template <int TILE, typename F>
inline void x_tiles(int64_t M, F&& f) {
  const int64_t tiles = (M + TILE - 1) / TILE;
  for (int64_t i = 0, m = 0; i < tiles; ++i) {
    const int64_t rows = M / tiles + (i < M % tiles ? 1 : 0);
    one_tile<TILE>(rows, m, f);
    m += rows;
  }
}

// Each thread takes a band of weight rows, in blocks small enough to stay in cache while every row of x
// passes over them: the weights are read from memory once, whatever the number of rows of x.
// block(m, rows_of_x, n0, n1) handles rows m.. of x (1..TILE at once) against weight rows n0..n1.
constexpr int64_t NB = 32;  // weight rows per block of over_rows

template <int TILE = 4, typename Block>
void over_rows(int64_t M, int64_t N, Block block) {
  at::parallel_for(0, N, 8, [&](int64_t b0, int64_t b1) {
    for (int64_t n0 = b0; n0 < b1; n0 += NB) {
      const int64_t n1 = std::min(n0 + NB, b1);
      x_tiles<TILE>(M, [&](int64_t m, auto rows_of_x) { block(m, rows_of_x, n0, n1); });
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
// int8 activations (AVX-512 VNNI, or AVX2)
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

// x rounded to int8: one record per row of x and block of 256 values, all that a kernel reads for them side
// by side (the values, each lane's dx, the group sums): a tile of 5 rows is then 5 streams of memory, not 15.
// On a 2-core Zen 3, 65 rows through the 1.5B's Q4_K gate / Q6_K down_proj took 4-8 % less time, a fused
// 65-token pass 926-983 -> 836-865 ms. (Blocks of all rows side by side instead were slower; 8 dx floats per
// record, spread to the lanes by a permute, cost 12-23 %: the hot loop has no room for another shuffle.)
struct Act8 {
  static constexpr int64_t X_FLOATS = PACK_BLOCK / 4, DX_FLOATS = 16;
  std::vector<float> records;  // per row of x and block: 256 int8 values in the packed order (64 floats' room),
                               // 16 floats: dx of each lane's group, gpb floats: the groups' sums of the
                               // unrounded x (for the offsets)
  int64_t blocks = 0, ngroups = 0, gpb = 0, record = 0;  // gpb: groups per block; record: floats per record

  float* at(int64_t m, int64_t b) { return records.data() + (m * blocks + b) * record; }
  const float* at(int64_t m, int64_t b) const { return records.data() + (m * blocks + b) * record; }
  int8_t* block_x(int64_t m, int64_t b) { return reinterpret_cast<int8_t*>(at(m, b)); }
  const int8_t* block_x(int64_t m, int64_t b) const { return reinterpret_cast<const int8_t*>(at(m, b)); }
  float* lane_dx(int64_t m, int64_t b) { return at(m, b) + X_FLOATS; }
  const float* lane_dx(int64_t m, int64_t b) const { return at(m, b) + X_FLOATS; }
  float* block_xsum(int64_t m, int64_t b) { return at(m, b) + X_FLOATS + DX_FLOATS; }
  const float* block_xsum(int64_t m, int64_t b) const { return at(m, b) + X_FLOATS + DX_FLOATS; }
  // row m's int8 values for half h of block b (4 steps of 32 bytes, 64 apart; AVX2) and those 8 lanes' dx
  const int8_t* half_x(int64_t m, int64_t b, int h) const { return block_x(m, b) + h * 32; }
  __m256 half_dx(int64_t m, int64_t b, int h) const { return _mm256_loadu_ps(lane_dx(m, b) + h * 8); }
};

// sum_g offset[g] * xsum[g] for row m of x: the offsets' share of a row's result (offset: a weight row's
// float offsets, group after group; the same order of sums as offset_dot on AVX2)
inline float offset_share(const float* offset, const Act8& a, int64_t m) {
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < a.blocks; ++b) {
    const float* xs = a.block_xsum(m, b);
    for (int64_t g = 0; g < a.gpb; g += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(offset + b * a.gpb + g), _mm256_loadu_ps(xs + g), acc);
  }
  return sum8(acc);
}

// 32 values of x rounded to int8 with one scale dx = max|x| / 127 (returned), round to nearest, ties to even
// (the default rounding mode, as std::nearbyint), saturated; and their float sums per weight group.
#if VIBECODE_ACT8_VNNI
template <int GROUP>
inline float round32(const float* xc, int8_t* out, float* sums) {
  const __m512 v0 = _mm512_loadu_ps(xc), v1 = _mm512_loadu_ps(xc + 16);
  const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_abs_ps(v0), _mm512_abs_ps(v1)));
  const __m512 inv = _mm512_set1_ps(amax > 0.f ? 127.f / amax : 0.f);
  if constexpr (GROUP == 32) {
    sums[0] = _mm512_reduce_add_ps(_mm512_add_ps(v0, v1));
  } else {
    sums[0] = _mm512_reduce_add_ps(v0);
    sums[1] = _mm512_reduce_add_ps(v1);
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(v0, inv))));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(_mm512_mul_ps(v1, inv))));
  return amax / 127.f;
}
#else
inline float hmax8(__m256 a) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <int GROUP>
inline float round32(const float* xc, int8_t* out, float* sums) {
  const __m256 sign = _mm256_set1_ps(-0.f);
  __m256 v[4];
  for (int i = 0; i < 4; ++i) v[i] = _mm256_loadu_ps(xc + 8 * i);
  const __m256 most = _mm256_max_ps(_mm256_max_ps(_mm256_andnot_ps(sign, v[0]), _mm256_andnot_ps(sign, v[1])),
                                    _mm256_max_ps(_mm256_andnot_ps(sign, v[2]), _mm256_andnot_ps(sign, v[3])));
  const float amax = hmax8(most);
  const __m256 inv = _mm256_set1_ps(amax > 0.f ? 127.f / amax : 0.f);
  if constexpr (GROUP == 32) {
    sums[0] = sum8(_mm256_add_ps(_mm256_add_ps(v[0], v[1]), _mm256_add_ps(v[2], v[3])));
  } else {
    sums[0] = sum8(_mm256_add_ps(v[0], v[1]));
    sums[1] = sum8(_mm256_add_ps(v[2], v[3]));
  }
  __m256i i[4];
  for (int k = 0; k < 4; ++k) i[k] = _mm256_cvtps_epi32(_mm256_mul_ps(v[k], inv));
  // packs works within 128-bit halves: the bytes come out as dwords a0 b0 c0 d0 | a1 b1 c1 d1 (a = values
  // 0..7 in two dwords a0 a1, b = 8..15, ...); the permute puts them back in order
  const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(i[0], i[1]), _mm256_packs_epi32(i[2], i[3]));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out),
                      _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
  return amax / 127.f;
}
#endif

// a block's 256 rounded values of x (in order) into the packed order: packed_place keeps runs of 4 * LPG
// values of a group side by side in a step (8 bytes for groups of 32, 4 for groups of 16), so it is a
// transpose of those runs (a byte at a time through a table: 1.07 ms for 65 rows of 8960 values, now 0.33)
template <int GROUP>
inline void to_packed_order(const int8_t* plain, int8_t* out) {
  constexpr int RUN = 4 * (16 / (PACK_BLOCK / GROUP)), GPB = PACK_BLOCK / GROUP;
  for (int g = 0; g < GPB; ++g)
    for (int step = 0; step < 4; ++step) std::memcpy(out + step * 64 + g * RUN, plain + g * GROUP + step * RUN, RUN);
}

// room for M rows of K values of x rounded to int8
inline Act8 act8_room(int64_t M, int64_t K, int64_t group) {
  Act8 a;
  a.blocks = K / PACK_BLOCK;
  a.ngroups = K / group;
  a.gpb = PACK_BLOCK / group;
  a.record = Act8::X_FLOATS + Act8::DX_FLOATS + a.gpb;
  a.records.resize(M * a.blocks * a.record);
  return a;
}

// blocks b0..b1 of row m of x (xm: the row's K floats) rounded into a
template <int GROUP>
void quantize_blocks(const float* xm, int64_t m, int64_t b0, int64_t b1, Act8& a) {
  constexpr int LPG = 16 / (PACK_BLOCK / GROUP);
  int8_t plain[PACK_BLOCK];
  float dx[PACK_BLOCK / 32];
  for (int64_t b = b0; b < b1; ++b) {
    for (int64_t c = 0; c < PACK_BLOCK / 32; ++c)
      dx[c] = round32<GROUP>(xm + b * PACK_BLOCK + c * 32, plain + c * 32, a.block_xsum(m, b) + c * 32 / GROUP);
    to_packed_order<GROUP>(plain, a.block_x(m, b));
    float* lanes = a.lane_dx(m, b);
    for (int l = 0; l < 16; ++l) lanes[l] = dx[(l / LPG) * GROUP / 32];
  }
}

template <int GROUP>
Act8 quantize_x(const float* x, int64_t M, int64_t K) {
  Act8 a = act8_room(M, K, GROUP);
  for (int64_t m = 0; m < M; ++m) quantize_blocks<GROUP>(x + m * K, m, 0, a.blocks, a);
  return a;
}

// The weight scales of a block, as the kernels below use them, and the offsets' share of a row's result.
//
// FloatScales: a float32 scale and offset per group (every layout). The offsets are added once per row of
// x at the end (offset_share with x's float group sums).
struct FloatScales {
  const float* scale;
  const float* offset;
  int64_t ngroups;
};

// KScales: a K-quant's own scales (vibecode/lm/ggufq.py, KScales), read as they are in the file: a byte per
// group and a float per block of 256, about a quarter (Q4_K) to a third (Q6_K) fewer bytes per weight than
// FloatScales. scale = d * sub is exactly FloatScales' float32 scale (a float16 times a small integer).
//   Q4_K (group 32): sub, sub_min 0..63; offset = -(dmin * sub_min).
//   Q6_K (group 16): sub a signed byte; offset = -32 * scale.
// They are stored inside the weights, after each block's values (act8k_pack), so a row is one stream of
// memory: Q4_K blocks of 152 bytes (128 values, 8 sub, 8 sub_min, float d, float dmin), Q6_K blocks of 212
// (the 6-bit values as 128 bytes of low 4 bits and 64 of high 2 bits, 16 sub, float d). The offsets are
// folded into each block's sum.
// Q6_K's values were a byte each (276-byte blocks) before: 6 bits read 23 % fewer bytes of those layers, and
// unpacking them per tile of x rows costs less than that saves. Interleaved in one process (2-core Zen 4,
// the 1.5B's 28 layers and output layer, the same logits to the bit): 1 token 40.2 -> 36.6 ms, 4 tokens
// 70.0 -> 63.6 ms, 32 tokens 400 -> 403 ms, 65 tokens 769 -> 774 ms (median of 30-100). Widening a band of
// rows to bytes once for all its tiles instead made passes of 8-32 tokens 3-7 % slower.
template <int BITS, int GROUP>
struct KBlock {
  static_assert((BITS == 4 && GROUP == 32) || (BITS == 6 && GROUP == 16));
  static constexpr int64_t values = BITS == 4 ? 128 : 128 + 64;  // bytes of packed values
  static constexpr int64_t bytes = GROUP == 32 ? values + 8 + 8 + 4 + 4 : values + 16 + 4;
  static const uint8_t* sub(const uint8_t* block) { return block + values; }
  static const uint8_t* sub_min(const uint8_t* block) { return block + values + 8; }
  static float d(const uint8_t* block) { return load_float(block + values + 16); }
  static float dmin(const uint8_t* block) { return load_float(block + values + 20); }
  static float load_float(const uint8_t* p) {
    float f;
    std::memcpy(&f, p, sizeof f);
    return f;
  }
};

struct KScales {
  int64_t blocks;  // per row
};

// rows of x per tile: K-quant blocks on AVX2 unpack a block's weights (and its group scales) once for a
// tile, so more rows share that work while their sums still fit in the registers: 5 rows (6 spill) made a
// 65-token fused pass of the 1.5B 3-7 % quicker than 4 on a 2-core Zen 3 (1054 -> 979 ms, 1100 -> 1066 ms)
template <typename Scales>
constexpr int x_tile = std::is_same_v<Scales, KScales> ? 5 : 4;

#if VIBECODE_ACT8_VNNI
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
void act8_block_vnni(const Act8& a, int64_t m0, int64_t K, const uint8_t* q, const FloatScales& scales, int64_t n0,
                     int64_t n1, float* out, int64_t N) {
  constexpr int64_t GPB = PACK_BLOCK / GROUP;
  const __m512i low4 = _mm512_set1_epi8(0x0F);
  for (int64_t n = n0; n < n1; ++n) {
    const uint8_t* qn = q + n * row_bytes<BITS>(K);
    const float* sn = scales.scale + n * a.ngroups;
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
        const int8_t* xb = a.block_x(m0 + m, b);
        __m512i d0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w[0], _mm512_loadu_si512(xb));
        __m512i d1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w[1], _mm512_loadu_si512(xb + 64));
        d0 = _mm512_dpbusd_epi32(d0, w[2], _mm512_loadu_si512(xb + 128));
        d1 = _mm512_dpbusd_epi32(d1, w[3], _mm512_loadu_si512(xb + 192));
        const __m512 dxl = _mm512_loadu_ps(a.lane_dx(m0 + m, b));
        acc[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(d0, d1)), _mm512_mul_ps(s, dxl), acc[m]);
      }
    }
    for (int m = 0; m < MT; ++m)
      out[m * N + n] = _mm512_reduce_add_ps(acc[m]) + offset_share(scales.offset + n * a.ngroups, a, m0 + m);
  }
}
#endif

// AVX2 (every CPU the kernels build for) has no VNNI: _mm256_maddubs_epi16 multiplies 32 unsigned weight
// bytes by 32 signed x bytes and adds neighbours into 16 int16 sums, _mm256_madd_epi16 with ones adds those
// in pairs into 8 int32 lanes: the same 4 products per lane as vpdpbusd. A 64-byte step of the packed order
// is two halves of 32 bytes (lanes 0..7 and 8..15), each with its own lanes' scales. Sums stay exact:
// * int4 (u <= 15): the four steps' int16 sums are added before widening (at most 4 * 2 * 15 * 127 = 15240);
// * int8, group 16 (Q6_K, u <= 63, checked by act8_pack): two steps added before widening (at most 32004);
// * int8, group 32 (Q8_0, u up to 255 would overflow maddubs): widened to int16 first and multiplied by madd.

// the int32 lane sums of one half block: w[t] (32 unsigned bytes) times x at xh + 64 * t, t = 0..3
template <int BITS, int GROUP>
inline __m256i half_dot(const __m256i* w, const int8_t* xh) {
  const __m256i ones = _mm256_set1_epi16(1);
  auto x = [&](int t) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xh + 64 * t)); };
  if constexpr (BITS == 4) {
    const __m256i p = _mm256_add_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(w[0], x(0)), _mm256_maddubs_epi16(w[1], x(1))),
                                       _mm256_add_epi16(_mm256_maddubs_epi16(w[2], x(2)), _mm256_maddubs_epi16(w[3], x(3))));
    return _mm256_madd_epi16(p, ones);
  } else if constexpr (GROUP == 16) {
    const __m256i p01 = _mm256_add_epi16(_mm256_maddubs_epi16(w[0], x(0)), _mm256_maddubs_epi16(w[1], x(1)));
    const __m256i p23 = _mm256_add_epi16(_mm256_maddubs_epi16(w[2], x(2)), _mm256_maddubs_epi16(w[3], x(3)));
    return _mm256_add_epi32(_mm256_madd_epi16(p01, ones), _mm256_madd_epi16(p23, ones));
  } else {
    // bytes 0..15 of the half give int32 pairs for lanes 0..3 (two per lane), bytes 16..31 for lanes 4..7
    __m256i lo = _mm256_setzero_si256(), hi = _mm256_setzero_si256();
    for (int t = 0; t < 4; ++t) {
      const __m256i xv = x(t);
      lo = _mm256_add_epi32(lo, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm256_castsi256_si128(w[t])),
                                                  _mm256_cvtepi8_epi16(_mm256_castsi256_si128(xv))));
      hi = _mm256_add_epi32(hi, _mm256_madd_epi16(_mm256_cvtepu8_epi16(_mm256_extracti128_si256(w[t], 1)),
                                                  _mm256_cvtepi8_epi16(_mm256_extracti128_si256(xv, 1))));
    }
    // hadd pairs them up as lanes 0 1 4 5 | 2 3 6 7; the 64-bit permute puts them in order
    return _mm256_permute4x64_epi64(_mm256_hadd_epi32(lo, hi), _MM_SHUFFLE(3, 1, 2, 0));
  }
}

// 8 group scales -> lane scales of the two halves (groups of 32: two lanes per group)
template <int GROUP>
inline void lanes_of(__m256 lo, __m256 hi, __m256* s) {
  if constexpr (GROUP == 16) {
    s[0] = lo;
    s[1] = hi;
  } else {
    s[0] = _mm256_permutevar8x32_ps(lo, _mm256_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3));
    s[1] = _mm256_permutevar8x32_ps(lo, _mm256_setr_epi32(4, 4, 5, 5, 6, 6, 7, 7));
  }
}

// Each block asks for the weights 1 KB ahead: measured 10% quicker on a 2-core AMD EPYC (Zen 3) when both
// cores stream weights from memory (one token at a time); the hardware prefetcher alone fell behind.
constexpr int64_t PREFETCH = 1024;

// the 4 x 32 unsigned weight bytes of half h of a packed block at qb (steps 0..3 of lanes 8h..8h+7)
template <int BITS>
inline void half_weights(const uint8_t* qb, int h, __m256i* w) {
  if constexpr (BITS == 4) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    const __m256i z0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qb + h * 32));
    const __m256i z1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qb + 64 + h * 32));
    w[0] = _mm256_and_si256(z0, low4);
    w[1] = _mm256_and_si256(_mm256_srli_epi16(z0, 4), low4);
    w[2] = _mm256_and_si256(z1, low4);
    w[3] = _mm256_and_si256(_mm256_srli_epi16(z1, 4), low4);
  } else if constexpr (BITS == 6) {
    // the low 4 bits as Q4_K's; byte 32h + i of the high part holds the high 2 bits of step t's byte 32h + i
    // at bits 2t, 2t + 1 (16-bit shifts: what crosses into the neighbour byte is masked off)
    half_weights<4>(qb, h, w);
    const __m256i hb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qb + 128 + h * 32));
    const __m256i top = _mm256_set1_epi8(0x30);
    w[0] = _mm256_or_si256(w[0], _mm256_and_si256(_mm256_slli_epi16(hb, 4), top));
    w[1] = _mm256_or_si256(w[1], _mm256_and_si256(_mm256_slli_epi16(hb, 2), top));
    w[2] = _mm256_or_si256(w[2], _mm256_and_si256(hb, top));
    w[3] = _mm256_or_si256(w[3], _mm256_and_si256(_mm256_srli_epi16(hb, 2), top));
  } else {
    for (int t = 0; t < 4; ++t) w[t] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qb + t * 64 + h * 32));
  }
}

template <int BITS, int GROUP, int MT>
void act8_block_avx2(const Act8& a, int64_t m0, int64_t K, const uint8_t* q, const FloatScales& scales, int64_t n0,
                     int64_t n1, float* out, int64_t N) {
  for (int64_t n = n0; n < n1; ++n) {
    __m256 acc[MT];
    for (int m = 0; m < MT; ++m) acc[m] = _mm256_setzero_ps();
    for (int64_t b = 0; b < a.blocks; ++b) {
      const uint8_t* qb = q + n * row_bytes<BITS>(K) + b * row_bytes<BITS>(PACK_BLOCK);
      for (int64_t line = 0; line < row_bytes<BITS>(PACK_BLOCK); line += 64)
        _mm_prefetch(reinterpret_cast<const char*>(qb) + PREFETCH + line, _MM_HINT_T0);
      const float* g = scales.scale + n * scales.ngroups + b * (PACK_BLOCK / GROUP);
      __m256 s[2];
      lanes_of<GROUP>(_mm256_loadu_ps(g), GROUP == 16 ? _mm256_loadu_ps(g + 8) : _mm256_setzero_ps(), s);
      __m256 block_sum[MT];
      for (int h = 0; h < 2; ++h) {
        __m256i w[4];
        half_weights<BITS>(qb, h, w);
        for (int m = 0; m < MT; ++m) {
          const __m256 part = _mm256_mul_ps(_mm256_cvtepi32_ps(half_dot<BITS, GROUP>(w, a.half_x(m0 + m, b, h))),
                                            _mm256_mul_ps(s[h], a.half_dx(m0 + m, b, h)));
          // the block's two halves are summed apart from acc: one add per block on acc's dependency chain
          block_sum[m] = h == 0 ? part : _mm256_add_ps(block_sum[m], part);
        }
      }
      for (int m = 0; m < MT; ++m) acc[m] = _mm256_add_ps(acc[m], block_sum[m]);
    }
    for (int m = 0; m < MT; ++m)
      out[m * N + n] = sum8(acc[m]) + offset_share(scales.offset + n * scales.ngroups, a, m0 + m);
  }
}

// K-quant blocks (KScales) on AVX2: the group scales are integers (Q4_K: 0..63, Q6_K: -128..127) times
// the block's float d, so the lanes' int16 pair sums are weighed by them in the same _mm256_madd_epi16
// that widens them (instead of a multiply by ones, then a float multiply per lane): per half block and row
// of x one conversion, one multiply (d * dx) and one multiply-add. Sums stay exact in int32: Q4_K at most
// 2 * 15240 * 63, Q6_K 2 * 2 * 32004 * 128.

// the madd multipliers of the two halves: int16 k of half h belongs to lane k / 2, whose group is
// 4h + k / 4 (Q4_K, two lanes a group) or 8h + k / 2 (Q6_K)
template <int GROUP>
inline void group_weights(const uint8_t* sub, __m256i* w) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(sub));  // Q4_K: sub, then sub_min
  if constexpr (GROUP == 32) {
    w[0] = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(bytes, _mm_setr_epi8(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3)));
    w[1] = _mm256_cvtepu8_epi16(_mm_shuffle_epi8(bytes, _mm_setr_epi8(4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7)));
  } else {
    w[0] = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(bytes, _mm_setr_epi8(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7)));
    w[1] = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(bytes, _mm_setr_epi8(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15)));
  }
}

// the int32 lane sums of one half block, weighed by the groups' integer scales (g)
template <int BITS>
inline __m256i weighed_half_dot(const __m256i* w, const int8_t* xh, __m256i g) {
  auto x = [&](int t) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xh + 64 * t)); };
  if constexpr (BITS == 4) {
    const __m256i p = _mm256_add_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(w[0], x(0)), _mm256_maddubs_epi16(w[1], x(1))),
                                       _mm256_add_epi16(_mm256_maddubs_epi16(w[2], x(2)), _mm256_maddubs_epi16(w[3], x(3))));
    return _mm256_madd_epi16(p, g);
  } else {
    const __m256i p01 = _mm256_add_epi16(_mm256_maddubs_epi16(w[0], x(0)), _mm256_maddubs_epi16(w[1], x(1)));
    const __m256i p23 = _mm256_add_epi16(_mm256_maddubs_epi16(w[2], x(2)), _mm256_maddubs_epi16(w[3], x(3)));
    return _mm256_add_epi32(_mm256_madd_epi16(p01, g), _mm256_madd_epi16(p23, g));
  }
}

template <int BITS, int GROUP, int MT>
void act8k_rows_avx2(const Act8& a, int64_t m0, int64_t K, const uint8_t* q, int64_t n0, int64_t n1, float* out,
                     int64_t N);

// rows n0..n1 of the weights (any number) times MT rows of x from m0: out[m * N + n]
template <int BITS, int GROUP, int MT>
void act8k_block_avx2(const Act8& a, int64_t m0, int64_t K, const uint8_t* q, int64_t n0, int64_t n1, float* out,
                      int64_t N) {
  for (int64_t n = n0; n < n1; n += NB) act8k_rows_avx2<BITS, GROUP, MT>(a, m0, K, q, n, std::min(n1, n + NB), out, N);
}

// at most NB weight rows
template <int BITS, int GROUP, int MT>
void act8k_rows_avx2(const Act8& a, int64_t m0, int64_t K, const uint8_t* q, int64_t n0, int64_t n1, float* out,
                     int64_t N) {
  using B = KBlock<BITS, GROUP>;
  // Several rows of x: K is walked in chunks of CHUNK blocks, every weight row of n0..n1 (at most NB) taking
  // the chunk before the next chunk starts, so those rows of x stay in L1 (4 rows of 8960 values would not)
  constexpr int64_t CHUNK = MT == 1 ? 1 << 30 : 8;
  __m256 sums[NB][MT];
  for (int64_t n = n0; n < n1; ++n)
    for (int m = 0; m < MT; ++m) sums[n - n0][m] = _mm256_setzero_ps();
  for (int64_t c0 = 0; c0 < a.blocks; c0 += CHUNK)
  for (int64_t n = n0; n < n1; ++n) {
    __m256 acc[MT];  // in registers for the chunk
    for (int m = 0; m < MT; ++m) acc[m] = sums[n - n0][m];
    for (int64_t b = c0; b < std::min(a.blocks, c0 + CHUNK); ++b) {
      const uint8_t* qb = q + (n * a.blocks + b) * B::bytes;
      // what this walk reads next: 1 KB on in the row, or, when K is walked in chunks, the next row's block
      // (1 KB on would be the row's next chunk, read only after every row's chunk). 28 cold 1536x8960
      // down_proj layers on 2 threads, Q4_K / Q6_K: 5 rows of x 0.75-0.76, 16 rows 0.86-0.89, 65 rows
      // 0.90-0.96 of the time; K = 1536 layers (one chunk a row) the same.
      const uint8_t* ahead = MT > 1 && n + 1 < n1 ? q + ((n + 1) * a.blocks + b) * B::bytes : qb + PREFETCH;
      for (int64_t line = 0; line < B::bytes; line += 64)
        _mm_prefetch(reinterpret_cast<const char*>(ahead) + line, _MM_HINT_T0);
      __m256i g[2];
      group_weights<GROUP>(B::sub(qb), g);
      const __m256 d = _mm256_set1_ps(B::d(qb));
      for (int h = 0; h < 2; ++h) {
        __m256i w[4];
        half_weights<BITS>(qb, h, w);
        for (int m = 0; m < MT; ++m)
          acc[m] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(weighed_half_dot<BITS>(w, a.half_x(m0 + m, b, h), g[h])),
                                   _mm256_mul_ps(d, a.half_dx(m0 + m, b, h)), acc[m]);
      }
      // the offsets: Q4_K -dmin * sub_min per group, Q6_K -32 * scale (the values are stored as u + 32)
      if constexpr (GROUP == 32) {
        const __m256 off = _mm256_mul_ps(_mm256_set1_ps(B::dmin(qb)), bytes_to_float<false>(B::sub_min(qb)));
        for (int m = 0; m < MT; ++m)
          acc[m] = _mm256_fnmadd_ps(off, _mm256_loadu_ps(a.block_xsum(m0 + m, b)), acc[m]);
      } else {
        const __m256 d32 = _mm256_mul_ps(_mm256_set1_ps(32.f), d);
        const __m256 off0 = _mm256_mul_ps(d32, bytes_to_float<true>(B::sub(qb)));
        const __m256 off1 = _mm256_mul_ps(d32, bytes_to_float<true>(B::sub(qb) + 8));
        for (int m = 0; m < MT; ++m) {
          const float* xsum = a.block_xsum(m0 + m, b);
          acc[m] = _mm256_fnmadd_ps(off0, _mm256_loadu_ps(xsum), acc[m]);
          acc[m] = _mm256_fnmadd_ps(off1, _mm256_loadu_ps(xsum + 8), acc[m]);
        }
      }
    }
    for (int m = 0; m < MT; ++m) sums[n - n0][m] = acc[m];
  }
  for (int64_t n = n0; n < n1; ++n)
    for (int m = 0; m < MT; ++m) out[m * N + n] = sum8(sums[n - n0][m]);
}

template <int BITS, int GROUP, typename Scales>
void run_act8(const float* x, int64_t M, int64_t K, const uint8_t* q, const Scales& scales, float* out, int64_t N) {
  const Act8 a = quantize_x<GROUP>(x, M, K);
  over_rows<x_tile<Scales>>(M, N, [&](int64_t m, auto rows_of_x, int64_t n0, int64_t n1) {
    constexpr int MT = decltype(rows_of_x)::value;
#if VIBECODE_ACT8_VNNI
    if constexpr (std::is_same_v<Scales, FloatScales>) {
      act8_block_vnni<BITS, GROUP, MT>(a, m, K, q, scales, n0, n1, out + m * N, N);
      return;
    }
#endif
    if constexpr (std::is_same_v<Scales, KScales>)
      act8k_block_avx2<BITS, GROUP, MT>(a, m, K, q, n0, n1, out + m * N, N);
    else
      act8_block_avx2<BITS, GROUP, MT>(a, m, K, q, scales, n0, n1, out + m * N, N);
  });
}

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
  Prepared p = prepare(x_in, q, scale, offset, bits, group);
  TORCH_CHECK(p.K % PACK_BLOCK == 0, "qlinear_act8: the input size must be a multiple of 256");
  if (p.M == 0 || p.N == 0) return p.out;
  const FloatScales scales{scale.data_ptr<float>(), offset.data_ptr<float>(), p.K / group};
  by_layout(bits, group, [&](auto b, auto g) {
    run_act8<b.value, g.value>(p.x.data_ptr<float>(), p.M, p.K, q.data_ptr<uint8_t>(), scales,
                               p.out.data_ptr<float>(), p.N);
  });
  return p.out;
}

at::Tensor act8_pack(const at::Tensor& q, int64_t bits, int64_t group);

// the K-quant layouts: Q4_K (4-bit, groups of 32) and Q6_K (8-bit, groups of 16)
void check_k_layout(int64_t bits, int64_t group, const char* op) {
  TORCH_CHECK((bits == 4 && group == 32) || (bits == 8 && group == 16), op,
              ": only Q4_K (4-bit, groups of 32) and Q6_K (8-bit, groups of 16)");
}

// (bits 8 is how the rest of vibecode names Q6_K's layout, a byte a value; its blocks hold 6 bits a value)
template <typename F>
void by_k_layout(int64_t bits, F f) {
  if (bits == 4)
    f(std::integral_constant<int, 4>{}, std::integral_constant<int, 32>{});
  else
    f(std::integral_constant<int, 6>{}, std::integral_constant<int, 16>{});
}

// a Q6_K block's 256 packed bytes (act8_pack: step t's byte i at 64t + i, values 0..63) -> its 6-bit form
// (KBlock<6, 16>; half_weights<6> reads it back): the low 4 bits as Q4_K's values, then the high 2 bits
inline void narrow_q6k(const uint8_t* v, uint8_t* out) {
  for (int i = 0; i < 64; ++i) {
    out[i] = (v[i] & 0xF) | ((v[64 + i] & 0xF) << 4);             // steps 0 and 1
    out[64 + i] = (v[128 + i] & 0xF) | ((v[192 + i] & 0xF) << 4);  // steps 2 and 3
    out[128 + i] = (v[i] >> 4) | ((v[64 + i] >> 4) << 2) | ((v[128 + i] >> 4) << 4) | ((v[192 + i] >> 4) << 6);
  }
}

// x times K-quant weights made by act8k_pack (the packed values with the file's own scales, KBlock)
at::Tensor qlinear_act8k(const at::Tensor& x_in, const at::Tensor& w, int64_t bits, int64_t group) {
  TORCH_CHECK(x_in.scalar_type() == at::kFloat, "qlinear_act8k: x must be float32");
  check_k_layout(bits, group, "qlinear_act8k");
  const int64_t K = x_in.size(-1), N = w.size(0);
  const int64_t block_bytes = group == 32 ? KBlock<4, 32>::bytes : KBlock<6, 16>::bytes;
  TORCH_CHECK(K % PACK_BLOCK == 0, "qlinear_act8k: the input size must be a multiple of 256");
  TORCH_CHECK(w.dim() == 2 && w.is_contiguous() && w.scalar_type() == at::kByte && w.size(1) == K / PACK_BLOCK * block_bytes,
              "qlinear_act8k: the weights do not match the input size");
  const at::Tensor x = x_in.contiguous();
  const int64_t M = K ? x.numel() / K : 0;
  auto sizes = x.sizes().vec();
  sizes.back() = N;
  at::Tensor out = at::empty(sizes, x.options());
  if (M == 0 || N == 0) return out;
  by_k_layout(bits, [&](auto b, auto g) {
    run_act8<b.value, g.value>(x.data_ptr<float>(), M, K, w.data_ptr<uint8_t>(), KScales{K / PACK_BLOCK},
                               out.data_ptr<float>(), N);
  });
  return out;
}

// K-quant weights in the plain kernel form (q) with their own scales (ggufq.KScales: sub, sub_min [N, K/group]
// uint8, d, dmin [N, K/256] float32; Q6_K's sub_min and dmin empty) -> the blocks qlinear_act8k reads
at::Tensor act8k_pack(const at::Tensor& q, const at::Tensor& sub, const at::Tensor& sub_min, const at::Tensor& d,
                      const at::Tensor& dmin, int64_t bits, int64_t group) {
  check_k_layout(bits, group, "act8k_pack");
  const at::Tensor values = act8_pack(q, bits, group);  // checks q and reorders it
  const int64_t N = q.size(0), K = bits == 4 ? q.size(1) * 2 : q.size(1), blocks = K / PACK_BLOCK;
  const bool q4k = bits == 4;
  auto check = [&](const at::Tensor& t, at::ScalarType type, int64_t cols, const char* what) {
    TORCH_CHECK(t.scalar_type() == type && t.is_contiguous() && t.dim() == 2 && t.size(0) == N && t.size(1) == cols,
                "act8k_pack: ", what, " has the wrong shape or type");
  };
  check(sub, at::kByte, K / group, "sub");
  check(d, at::kFloat, blocks, "d");
  check(sub_min, at::kByte, q4k ? K / group : 0, "sub_min");
  check(dmin, at::kFloat, q4k ? blocks : 0, "dmin");
  const int64_t block_bytes = q4k ? KBlock<4, 32>::bytes : KBlock<6, 16>::bytes;
  const int64_t value_bytes = q4k ? KBlock<4, 32>::values : KBlock<6, 16>::values;
  const int64_t packed_bytes = q4k ? row_bytes<4>(PACK_BLOCK) : row_bytes<8>(PACK_BLOCK);  // a block in values
  const int64_t gpb = PACK_BLOCK / group;
  auto out = at::empty({N, blocks * block_bytes}, q.options());
  const uint8_t* v = values.data_ptr<uint8_t>();
  uint8_t* o = out.data_ptr<uint8_t>();
  at::parallel_for(0, N, 64, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t b = 0; b < blocks; ++b) {
        uint8_t* block = o + (n * blocks + b) * block_bytes;
        const uint8_t* packed = v + (n * blocks + b) * packed_bytes;
        if (q4k)
          std::memcpy(block, packed, value_bytes);
        else
          narrow_q6k(packed, block);
        std::memcpy(block + value_bytes, sub.data_ptr<uint8_t>() + n * (K / group) + b * gpb, gpb);
        const float db = d.data_ptr<float>()[n * blocks + b];
        if (q4k) {
          std::memcpy(block + value_bytes + 8, sub_min.data_ptr<uint8_t>() + n * (K / group) + b * gpb, gpb);
          const float dm = dmin.data_ptr<float>()[n * blocks + b];
          std::memcpy(block + value_bytes + 16, &db, 4);
          std::memcpy(block + value_bytes + 20, &dm, 4);
        } else {
          std::memcpy(block + value_bytes + 16, &db, 4);
        }
      }
  });
  return out;
}

// weights in the plain kernel form -> the order qlinear_act8 reads (and back: act8_unpack)
at::Tensor act8_reorder(const at::Tensor& q, int64_t bits, int64_t group, bool pack) {
  TORCH_CHECK(q.dim() == 2 && q.is_contiguous() && q.scalar_type() == at::kByte, "act8_pack: q must be a contiguous 2-D uint8 tensor");
  const int64_t K = bits == 4 ? q.size(1) * 2 : q.size(1);
  TORCH_CHECK(bits == 4 ? group == Q4_GROUP : (group == 16 || group == 32), "act8_pack: unsupported layout");
  TORCH_CHECK(K % PACK_BLOCK == 0, "act8_pack: the input size must be a multiple of 256");
  // int8 in groups of 16 is Q6_K's 6-bit values (0..63); the AVX2 kernel's int16 sums rely on it
  TORCH_CHECK(!(pack && bits == 8 && group == 16) || q.numel() == 0 || q.max().item<uint8_t>() < 64,
              "act8_pack: int8 weights in groups of 16 must be 6-bit values (0..63)");
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

// ---------------------------------------------------------------------------------------------------------
// attention for one new token (vibecode/lm/step.py, the fast form)
//
// SDPA's flash kernel takes ~175 us a layer for a single query on 2 cores (blocked for many queries; its
// threads wake for each call); this one reads each key and value row once per query head, in one thread
// for short contexts: ~50 us at 300 tokens. Grouped-query attention: query head h reads key/value head
// h / (query heads per key head). The float sums run in another order than SDPA's.

// e^x for x <= 0 (softmax after the max is taken off), Cephes' polynomial, relative error ~2e-7
inline __m256 exp_negative(__m256 x) {
  x = _mm256_max_ps(x, _mm256_set1_ps(-87.3f));
  const __m256 n = _mm256_floor_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
  x = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  x = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), x);
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  for (float c : {1.3981999507e-3f, 8.3334519073e-3f, 4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f})
    y = _mm256_fmadd_ps(y, x, _mm256_set1_ps(c));
  y = _mm256_fmadd_ps(y, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.f)));
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
}

// q . k of QT queries and 4 keys (4 independent sums per query: a single dot product waits on its own
// additions). Each key row is read once for all QT queries (the heads that share a key/value head), and
// every query's sums are added in the same order as for a query alone: the scores are the same to the bit.
template <int QT>
inline void dot_rows4(const float* const* q, const float* k, int64_t stride, int64_t D, __m128* out) {
  __m256 s[QT][4];
  for (int r = 0; r < QT; ++r)
    for (int i = 0; i < 4; ++i) s[r][i] = _mm256_setzero_ps();
  for (int64_t d = 0; d < D; d += 8) {
    __m256 qd[QT];
    for (int r = 0; r < QT; ++r) qd[r] = _mm256_loadu_ps(q[r] + d);
    for (int i = 0; i < 4; ++i) {
      const __m256 kd = _mm256_loadu_ps(k + i * stride + d);
      for (int r = 0; r < QT; ++r) s[r][i] = _mm256_fmadd_ps(qd[r], kd, s[r][i]);
    }
  }
  for (int r = 0; r < QT; ++r) {
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(s[r][0], s[r][1]), _mm256_hadd_ps(s[r][2], s[r][3]));
    out[r] = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
  }
}

// the scores p[0..T) -> e^(score - most), padded with 8 zeros; returns 1 / their sum
inline float softmax_row(float* p, int64_t T) {
  for (int64_t t = T; t < T + 8; ++t) p[t] = -INFINITY;  // e^-inf = 0
  float most = -INFINITY;
  for (int64_t t = 0; t < T; ++t) most = std::max(most, p[t]);
  __m256 total = _mm256_setzero_ps();
  for (int64_t t = 0; t < T; t += 8) {
    const __m256 e = exp_negative(_mm256_sub_ps(_mm256_loadu_ps(p + t), _mm256_set1_ps(most)));
    _mm256_storeu_ps(p + t, e);
    total = _mm256_add_ps(total, e);
  }
  return 1.f / sum8(total);
}

// acc[r][j] += sum over u < T of p[r * room + u] * values[u][c + 8 j ..] for R queries (W vectors each, a
// constant so the sums stay in registers): each value row read once for all R queries, the sums in u order
template <int R, int W>
inline void weigh_rows(const float* p, int64_t room, const float* vg, int64_t v_row, int64_t c, int64_t T,
                       __m256 (*acc)[W]) {
  for (int64_t u = 0; u < T; ++u) {
    const float* row = vg + u * v_row + c;
    for (int j = 0; j < W; ++j) {
      const __m256 vj = _mm256_loadu_ps(row + 8 * j);
      for (int r = 0; r < R; ++r) acc[r][j] = _mm256_fmadd_ps(_mm256_set1_ps(p[r * room + u]), vj, acc[r][j]);
    }
  }
}

// QT query heads of one token that read the same T key and value rows (row strides k_row, v_row): their
// scores 4 keys at a time, each one's softmax, then the weighted sums of the value rows, 32 values at a
// time (QT x 4 sums in registers), each value row read once for the QT queries. p: QT rows of T + 8 floats.
template <int QT>
void attend_heads(const float* const* q, const float* kg, const float* vg, int64_t k_row, int64_t v_row, int64_t T,
                  int64_t D, float s, float* p, float* const* out) {
  const int64_t room = T + 8;
  __m128 d4[QT];
  int64_t t = 0;
  for (; t + 4 <= T; t += 4) {
    dot_rows4<QT>(q, kg + t * k_row, k_row, D, d4);
    for (int r = 0; r < QT; ++r) _mm_storeu_ps(p + r * room + t, _mm_mul_ps(d4[r], _mm_set1_ps(s)));
  }
  for (; t < T; ++t) {  // the last 1-3 keys: the 4-key sum over copies of the last one
    dot_rows4<QT>(q, kg + t * k_row, 0, D, d4);
    for (int r = 0; r < QT; ++r) p[r * room + t] = _mm_cvtss_f32(d4[r]) * s;
  }
  float inv[QT];
  for (int r = 0; r < QT; ++r) inv[r] = softmax_row(p + r * room, T);
  // values c .. c + 8 * W of every query (W = 1..4 vectors, a constant so the sums stay in registers)
  auto weigh = [&](int64_t c, auto vectors) {
    constexpr int W = decltype(vectors)::value;
    __m256 acc[QT][W];
    for (int r = 0; r < QT; ++r)
      for (int j = 0; j < W; ++j) acc[r][j] = _mm256_setzero_ps();
    weigh_rows<QT, W>(p, room, vg, v_row, c, T, acc);
    for (int r = 0; r < QT; ++r)
      for (int j = 0; j < W; ++j) _mm256_storeu_ps(out[r] + c + 8 * j, _mm256_mul_ps(acc[r][j], _mm256_set1_ps(inv[r])));
  };
  int64_t c = 0;
  for (; c + 32 <= D; c += 32) weigh(c, std::integral_constant<int, 4>{});
  switch ((D - c) / 8) {  // D is a multiple of 8
    case 3: weigh(c, std::integral_constant<int, 3>{}); break;
    case 2: weigh(c, std::integral_constant<int, 2>{}); break;
    case 1: weigh(c, std::integral_constant<int, 1>{}); break;
    default: break;
  }
}

// R query heads (q[0..R)) that share one key/value head, in groups of up to 3 (3 x 4 sums fill the
// registers). p: room for 3 * (T + 8) floats.
inline void attend_group(const float* const* q, int64_t R, const float* kg, const float* vg, int64_t k_row,
                         int64_t v_row, int64_t T, int64_t D, float s, float* p, float* const* out) {
  for (int64_t r = 0; r < R; r += 3) {
    if (R - r >= 3)
      attend_heads<3>(q + r, kg, vg, k_row, v_row, T, D, s, p, out + r);
    else if (R - r == 2)
      attend_heads<2>(q + r, kg, vg, k_row, v_row, T, D, s, p, out + r);
    else
      attend_heads<1>(q + r, kg, vg, k_row, v_row, T, D, s, p, out + r);
  }
}

// q . k of QT queries and 2 keys: the sums of dot_rows4 for each query and key, to the bit (the same
// additions over d, and the same tree over the 8 lanes: pairs, then pairs of pairs, then the two halves)
template <int QT>
inline void dot_rows2(const float* const* q, const float* k, int64_t stride, int64_t D, float (*out)[2]) {
  __m256 s[QT][2];
  for (int r = 0; r < QT; ++r) s[r][0] = s[r][1] = _mm256_setzero_ps();
  for (int64_t d = 0; d < D; d += 8) {
    const __m256 k0 = _mm256_loadu_ps(k + d), k1 = _mm256_loadu_ps(k + stride + d);
    for (int r = 0; r < QT; ++r) {
      const __m256 qd = _mm256_loadu_ps(q[r] + d);
      s[r][0] = _mm256_fmadd_ps(qd, k0, s[r][0]);
      s[r][1] = _mm256_fmadd_ps(qd, k1, s[r][1]);
    }
  }
  for (int r = 0; r < QT; ++r) {
    __m256 h = _mm256_hadd_ps(s[r][0], s[r][1]);
    h = _mm256_hadd_ps(h, h);
    const __m128 both = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    out[r][0] = _mm_cvtss_f32(both);
    out[r][1] = _mm_cvtss_f32(_mm_shuffle_ps(both, both, 1));
  }
}

// QT query heads of two neighbouring tokens a and b (b one position later) that read the same key and value
// rows: token a reads T of them, b the same T and one more. Each key and value row is read once for the
// 2 x QT queries (a pass of many tokens reads a 700-token context's keys and values, more than a core's
// L2, once per two tokens instead of once per token), and every query's sums are attend_heads' own, in the
// same order: the same result to the bit as each token alone. p: 2 * QT rows of T + 9 floats.
template <int QT>
void attend_two(const float* const* qa, const float* const* qb, const float* kg, const float* vg, int64_t k_row,
                int64_t v_row, int64_t T, int64_t D, float s, float* p, float* const* outa, float* const* outb) {
  constexpr int R = 2 * QT;
  const int64_t room = T + 1 + 8;
  const float* q[R];
  for (int r = 0; r < QT; ++r) {
    q[r] = qa[r];
    q[QT + r] = qb[r];
  }
  float d2[R][2];
  int64_t t = 0;
  for (; t + 2 <= T; t += 2) {
    dot_rows2<R>(q, kg + t * k_row, k_row, D, d2);
    for (int r = 0; r < R; ++r) {
      p[r * room + t] = d2[r][0] * s;
      p[r * room + t + 1] = d2[r][1] * s;
    }
  }
  if (t < T) {
    dot_rows2<R>(q, kg + t * k_row, 0, D, d2);
    for (int r = 0; r < R; ++r) p[r * room + t] = d2[r][0] * s;
  }
  dot_rows2<QT>(qb, kg + T * k_row, 0, D, d2);  // b's own last key
  for (int r = 0; r < QT; ++r) p[(QT + r) * room + T] = d2[r][0] * s;
  float inv[R];
  for (int r = 0; r < R; ++r) inv[r] = softmax_row(p + r * room, r < QT ? T : T + 1);
  // values c .. c + 8 * W of every query (W = 1..2 vectors: 2 x QT x W sums in registers)
  auto weigh = [&](int64_t c, auto vectors) {
    constexpr int W = decltype(vectors)::value;
    __m256 acc[R][W];
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < W; ++j) acc[r][j] = _mm256_setzero_ps();
    weigh_rows<R, W>(p, room, vg, v_row, c, T, acc);
    weigh_rows<QT, W>(p + QT * room + T, room, vg + T * v_row, v_row, c, 1, acc + QT);  // b's own last value row
    for (int r = 0; r < R; ++r) {
      float* out = r < QT ? outa[r] : outb[r - QT];
      for (int j = 0; j < W; ++j) _mm256_storeu_ps(out + c + 8 * j, _mm256_mul_ps(acc[r][j], _mm256_set1_ps(inv[r])));
    }
  };
  int64_t c = 0;
  for (; c + 16 <= D; c += 16) weigh(c, std::integral_constant<int, 2>{});
  if (c < D) weigh(c, std::integral_constant<int, 1>{});  // D is a multiple of 8
}

// attend_group for two neighbouring tokens (qa, qb: each R query heads of one key/value head; a reads T
// rows, b T + 1). p: room for 6 * (T + 9) floats.
inline void attend_group_two(const float* const* qa, const float* const* qb, int64_t R, const float* kg,
                             const float* vg, int64_t k_row, int64_t v_row, int64_t T, int64_t D, float s, float* p,
                             float* const* outa, float* const* outb) {
  for (int64_t r = 0; r < R; r += 3) {
    if (R - r >= 3)
      attend_two<3>(qa + r, qb + r, kg, vg, k_row, v_row, T, D, s, p, outa + r, outb + r);
    else if (R - r == 2)
      attend_two<2>(qa + r, qb + r, kg, vg, k_row, v_row, T, D, s, p, outa + r, outb + r);
    else
      attend_two<1>(qa + r, qb + r, kg, vg, k_row, v_row, T, D, s, p, outa + r, outb + r);
  }
}

at::Tensor decode_attention(const at::Tensor& q_in, const at::Tensor& k, const at::Tensor& v, double scale) {
  TORCH_CHECK(q_in.scalar_type() == at::kFloat && k.scalar_type() == at::kFloat && v.scalar_type() == at::kFloat,
              "decode_attention: float32 only");
  TORCH_CHECK(q_in.dim() == 4 && k.dim() == 4 && v.dim() == 4 && q_in.size(0) == 1 && q_in.size(2) == 1 &&
              k.size(0) == 1 && v.sizes() == k.sizes(), "decode_attention: q [1, heads, 1, dim], k and v [1, heads, T, dim]");
  const int64_t Hq = q_in.size(1), Hkv = k.size(1), T = k.size(2), D = q_in.size(3);
  TORCH_CHECK(k.size(3) == D && D % 8 == 0 && Hkv > 0 && Hq % Hkv == 0 && T > 0, "decode_attention: shapes do not fit");
  TORCH_CHECK(k.stride(3) == 1 && v.stride(3) == 1, "decode_attention: each key and value row must be contiguous");
  const at::Tensor q = q_in.contiguous();
  at::Tensor out = at::empty_like(q);
  const int64_t per_kv = Hq / Hkv;
  const float* qp = q.data_ptr<float>();
  float* op = out.data_ptr<float>();
  const float* kp = k.data_ptr<float>();
  const float* vp = v.data_ptr<float>();
  auto heads = [&](int64_t h0, int64_t h1) {
    std::vector<float> p(3 * (T + 8));
    std::vector<const float*> qs(per_kv);
    std::vector<float*> outs(per_kv);
    for (int64_t h = h0; h < h1;) {
      const int64_t g = h / per_kv, end = std::min(h1, (g + 1) * per_kv);  // heads h..end read key/value head g
      for (int64_t j = h; j < end; ++j) {
        qs[j - h] = qp + j * D;
        outs[j - h] = op + j * D;
      }
      attend_group(qs.data(), end - h, kp + g * k.stride(1), vp + g * v.stride(1), k.stride(2), v.stride(2), T, D,
                   static_cast<float>(scale), p.data(), outs.data());
      h = end;
    }
  };
  // one thread for short contexts (waking the second costs more than it saves), else a head each
  if (T * Hq * D < (1 << 20))
    heads(0, Hq);
  else
    at::parallel_for(0, Hq, 1, heads);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// new tokens through every decoder layer (vibecode/lm/step.py, the fast form: layers packed for the int8
// kernels): one token while writing, or a prompt-lookup draft checked in one pass
//
// Taken layer by layer from Python, a token is ~200 kernel calls and ~600 small torch ops: on 2 cores
// ~15 ms of a ~60 ms step went to calls, thread wake-ups (each parallel kernel call wakes the other
// thread) and small ops, not to the weights; a pass of a few draft tokens through transformers' forward
// cost ~60 ms more than its weights. Here one call runs all layers in one team of threads: the threads
// take pieces of every matrix's rows (for every token) as they come free, and meet (SpinBarrier) five
// times a layer: after q/k/v, after attention, after o_proj, after gate/up, after down_proj. What every
// thread needs (the norms, the residual sums, x rounded to int8) each thread computes itself rather than
// wait for another. Pieces rather than fixed halves (take_pieces): on a shared 2-core machine one core is
// often slower for a while, and with fixed halves both threads went at the slow one's pace. The sums are
// the same whoever computes a piece (a row's sums never depend on the rows beside it).
// The arithmetic is the per-layer path's: the same kernels on the same rounded x; the norms, RoPE, SiLU
// and attention are float32 with other rounding than torch's (the logits differ in the last bits).

// e^x for any float x (clamped to +-88: float's range)
inline __m256 exp_any(__m256 x) { return exp_negative(_mm256_min_ps(x, _mm256_set1_ps(88.3f))); }

// Threads meet by spinning for a few microseconds (the other thread is usually just behind), then by
// yielding the core: OpenMP's own barrier sleeps under OMP_WAIT_POLICY=PASSIVE (the worker's setting,
// kind to a busy machine), and waking a sleeping thread costs ~25 us: 140 barriers a pass would cost ~3.5 ms.
class SpinBarrier {
 public:
  void set_threads(int n) { n_ = n; }
  void wait() {
    const int phase = phase_.load(std::memory_order_acquire);
    if (waiting_.fetch_add(1, std::memory_order_acq_rel) + 1 == n_) {
      waiting_.store(0, std::memory_order_relaxed);
      phase_.store(phase + 1, std::memory_order_release);
      return;
    }
    for (int i = 0; phase_.load(std::memory_order_acquire) == phase; ++i) {
      if (i < SPINS)
        _mm_pause();
      else
        sched_yield();  // the other thread is not running (a busy machine): let it have the core
    }
  }

 private:
  static constexpr int SPINS = 20000;  // ~100-200 us of pause instructions
  int n_ = 1;
  std::atomic<int> waiting_{0}, phase_{0};
};

// f(piece) for pieces 0..n-1 of a step's work: each thread first does the first half of its equal share,
// in order, then the rest go to whichever thread asks first. A thread the machine holds back for a while
// (the app drawing, another program, a neighbour on the same physical core) takes fewer of those and the
// other does more, where fixed shares kept both waiting for the slow one at the next barrier; the fixed
// half keeps most of each thread's reading in order and asks the shared counter half as often. A/B in one
// process on 2 shared Zen 3 cores against fixed shares: 64-token passes 4-4.5 % quicker, alone or beside a
// program busy 10 % of the time (all pieces handed out: about as quick at 64 tokens, 2-3 % slower a token
// while writing).
template <typename F>
inline void take_pieces(std::atomic<int64_t>& next, int64_t n, F&& f) {
  const int t = omp_get_thread_num(), nt = omp_get_num_threads();
  const int64_t fixed = n / (2 * nt);
  for (int64_t c = t * fixed; c < (t + 1) * fixed; ++c) f(c);
  for (int64_t c = nt * fixed + next.fetch_add(1, std::memory_order_relaxed); c < n;
       c = nt * fixed + next.fetch_add(1, std::memory_order_relaxed))
    f(c);
}

// a layer packed for the int8 kernels: K-quant blocks (act8k_pack; Q4_K or Q6_K, no float scales) or packed
// values (act8_pack) with a float scale and offset per group
struct PackedLinear {
  const uint8_t* w = nullptr;
  const float* scale = nullptr;  // null for K-quant blocks
  const float* offset = nullptr;
  const float* bias = nullptr;
  int64_t bits = 4, group = 32, N = 0, K = 0;

  // out[m * N + n] = weight rows n0..n1 times the M rows of x (rounded in a), plus the bias: the kernels
  // qlinear_act8k and qlinear_act8 use, in the same blocks (over_rows), so the same sums
  void rows(const Act8& a, int64_t M, int64_t n0, int64_t n1, float* out) const {
    for (int64_t nb = n0; nb < n1; nb += NB) {
      const int64_t ne = std::min(n1, nb + NB);
      auto tile = [&](int64_t m, auto rows_of_x) {
        constexpr int MT = decltype(rows_of_x)::value;
        if (scale == nullptr) {
          by_k_layout(bits, [&](auto b, auto g) { act8k_block_avx2<b.value, g.value, MT>(a, m, K, w, nb, ne, out + m * N, N); });
        } else {
          const FloatScales scales{scale, offset, K / group};
          by_layout(bits, group, [&](auto b, auto g) {
#if VIBECODE_ACT8_VNNI
            act8_block_vnni<b.value, g.value, MT>(a, m, K, w, scales, nb, ne, out + m * N, N);
#else
            act8_block_avx2<b.value, g.value, MT>(a, m, K, w, scales, nb, ne, out + m * N, N);
#endif
          });
        }
      };
      if (scale == nullptr)
        x_tiles<x_tile<KScales>>(M, [&](int64_t m, auto rows_of_x) { tile(m, rows_of_x); });
      else
        x_tiles<x_tile<FloatScales>>(M, [&](int64_t m, auto rows_of_x) { tile(m, rows_of_x); });
    }
    if (bias)
      for (int64_t m = 0; m < M; ++m)
        for (int64_t n = n0; n < n1; ++n) out[m * N + n] += bias[n];
  }
};

// M rows of x ([M, K]) rounded for the layers that read them (groups of 32 or of 16: other group sums)
struct RoundedX {
  Act8 g32, g16;
  int64_t M, K;
  RoundedX(int64_t M_, int64_t K_) : g32(act8_room(M_, K_, 32)), g16(act8_room(M_, K_, 16)), M(M_), K(K_) {}
  // blocks b0..b1 of every row (all blocks when b1 < 0)
  void round(const float* x, std::initializer_list<const PackedLinear*> readers, int64_t b0 = 0, int64_t b1 = -1) {
    bool want32 = false, want16 = false;
    for (const PackedLinear* r : readers) (r->group == 32 ? want32 : want16) = true;
    if (b1 < 0) b1 = g32.blocks;
    for (int64_t m = 0; m < M; ++m) {
      if (want32) quantize_blocks<32>(x + m * K, m, b0, b1, g32);
      if (want16) quantize_blocks<16>(x + m * K, m, b0, b1, g16);
    }
  }
  const Act8& for_layer(const PackedLinear& l) const { return l.group == 32 ? g32 : g16; }
};

// transformers' LlamaRMSNorm: weight * (x * rsqrt(mean(x^2) + eps))
inline void rms_norm(const float* x, const float* weight, int64_t n, float eps, float* out) {
  __m256 acc = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    acc = _mm256_fmadd_ps(v, v, acc);
  }
  float total = sum8(acc);
  for (; i < n; ++i) total += x[i] * x[i];
  const float r = 1.f / std::sqrt(total / static_cast<float>(n) + eps);
  for (i = 0; i < n; ++i) out[i] = weight[i] * (x[i] * r);
}

// apply_rotary_pos_emb for one head: x * cos + rotate_half(x) * sin
inline void rope(const float* x, const float* cos, const float* sin, int64_t D, float* out) {
  const int64_t half = D / 2;
  for (int64_t i = 0; i < D; ++i) {
    const float rotated = i < half ? -x[i + half] : x[i - half];
    out[i] = x[i] * cos[i] + rotated * sin[i];
  }
}

// out[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + e^-g)
inline void silu_times(const float* gate, const float* up, int64_t n0, int64_t n1, float* out) {
  const __m256 one = _mm256_set1_ps(1.f), sign = _mm256_set1_ps(-0.f);
  int64_t i = n0;
  for (; i + 8 <= n1; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 s = _mm256_div_ps(g, _mm256_add_ps(one, exp_any(_mm256_xor_ps(g, sign))));
    _mm256_storeu_ps(out + i, _mm256_mul_ps(s, _mm256_loadu_ps(up + i)));
  }
  for (; i < n1; ++i) out[i] = gate[i] / (1.f + std::exp(-gate[i])) * up[i];
}

struct DecoderLayer {
  const float* in_norm;
  const float* post_norm;
  PackedLinear q, k, v, o, gate, up, down;
  float* keys;    // [kv heads, room, head dim]
  float* values;
  int64_t room;
};

// K-quant blocks when scale is empty, else act8_pack values with their float scale and offset
PackedLinear packed_linear(const at::Tensor& w, const at::Tensor& scale, const at::Tensor& offset, int64_t bits,
                           int64_t group, const at::Tensor& bias) {
  TORCH_CHECK(w.dim() == 2 && w.is_contiguous() && w.scalar_type() == at::kByte, "decode_layers: weights must be uint8 [N, bytes]");
  PackedLinear l;
  l.w = w.data_ptr<uint8_t>();
  l.bits = bits;
  l.group = group;
  l.N = w.size(0);
  if (scale.numel() == 0) {
    check_k_layout(bits, group, "decode_layers");
    const int64_t block_bytes = bits == 4 ? KBlock<4, 32>::bytes : KBlock<6, 16>::bytes;
    TORCH_CHECK(w.size(1) % block_bytes == 0, "decode_layers: weights must be act8k_pack blocks");
    l.K = w.size(1) / block_bytes * PACK_BLOCK;
  } else {
    l.K = bits == 4 ? w.size(1) * 2 : w.size(1);
    check_args(w, scale, offset, bits, group, l.K);
    TORCH_CHECK(l.K % PACK_BLOCK == 0, "decode_layers: packed layers have a multiple of 256 inputs");
    l.scale = scale.data_ptr<float>();
    l.offset = offset.data_ptr<float>();
  }
  if (bias.defined() && bias.numel()) {
    TORCH_CHECK(bias.scalar_type() == at::kFloat && bias.is_contiguous() && bias.numel() == l.N, "decode_layers: bad bias");
    l.bias = bias.data_ptr<float>();
  }
  return l;
}

// hidden [M, H] (the new tokens' embeddings), cos and sin [M, head dim] (their positions' RoPE); per layer:
// weights q, k, v, o, gate, up, down (act8k_pack blocks with empty scales and offsets, or act8_pack values
// with theirs) and their bits and groups, norms input and post-attention, biases of q, k, v (empty when
// none), keys and values buffers [1, kv heads, room, head dim] whose first `position` rows hold the earlier
// tokens; the new tokens' keys and values are written at rows position.. (token i sees rows up to
// position + i). -> the hidden states after the last layer (before the final norm) [M, H]
at::Tensor decode_layers(const at::Tensor& hidden, const at::Tensor& cos_in, const at::Tensor& sin_in,
                         const std::vector<at::Tensor>& weights, const std::vector<at::Tensor>& scales,
                         const std::vector<at::Tensor>& offsets, const std::vector<int64_t>& bits,
                         const std::vector<int64_t>& groups, const std::vector<at::Tensor>& norms,
                         const std::vector<at::Tensor>& biases, const std::vector<at::Tensor>& keys,
                         const std::vector<at::Tensor>& values, int64_t position, double eps_in, double scale_in) {
  const int64_t layers_n = static_cast<int64_t>(keys.size());
  TORCH_CHECK(weights.size() == 7 * keys.size() && bits.size() == weights.size() && groups.size() == weights.size() &&
              scales.size() == weights.size() && offsets.size() == weights.size() && norms.size() == 2 * keys.size() &&
              biases.size() == 3 * keys.size() && values.size() == keys.size(), "decode_layers: per layer 7 weights, 2 norms, 3 biases");
  TORCH_CHECK(hidden.scalar_type() == at::kFloat && cos_in.scalar_type() == at::kFloat && sin_in.scalar_type() == at::kFloat,
              "decode_layers: float32 only");
  TORCH_CHECK(hidden.dim() == 2 && cos_in.dim() == 2 && sin_in.dim() == 2, "decode_layers: hidden [tokens, size], cos and sin [tokens, head dim]");
  const at::Tensor h_in = hidden.contiguous(), cos_t = cos_in.contiguous(), sin_t = sin_in.contiguous();
  const int64_t M = h_in.size(0), H = h_in.size(1), D = cos_t.size(1);
  TORCH_CHECK(M > 0 && cos_t.size(0) == M && sin_t.sizes() == cos_t.sizes() && D % 8 == 0 && D > 0,
              "decode_layers: cos and sin are one head's size for each token");
  std::vector<DecoderLayer> layers(layers_n);
  int64_t Hq = 0, Hkv = 0, F = 0;
  for (int64_t i = 0; i < layers_n; ++i) {
    DecoderLayer& L = layers[i];
    PackedLinear* lin[7] = {&L.q, &L.k, &L.v, &L.o, &L.gate, &L.up, &L.down};
    for (int j = 0; j < 7; ++j) {
      const int64_t at = 7 * i + j;
      *lin[j] = packed_linear(weights[at], scales[at], offsets[at], bits[at], groups[at], j < 3 ? biases[3 * i + j] : at::Tensor());
    }
    for (int j = 0; j < 2; ++j)
      TORCH_CHECK(norms[2 * i + j].scalar_type() == at::kFloat && norms[2 * i + j].is_contiguous() && norms[2 * i + j].numel() == H,
                  "decode_layers: bad norm weight");
    L.in_norm = norms[2 * i].data_ptr<float>();
    L.post_norm = norms[2 * i + 1].data_ptr<float>();
    Hq = L.q.N / D;
    Hkv = L.k.N / D;
    F = L.gate.N;
    TORCH_CHECK(L.q.K == H && L.k.K == H && L.v.K == H && L.gate.K == H && L.up.K == H && L.q.N == Hq * D &&
                L.k.N == Hkv * D && L.v.N == L.k.N && Hkv > 0 && Hq % Hkv == 0 && L.o.K == L.q.N && L.o.N == H &&
                L.up.N == F && F % PACK_BLOCK == 0 && L.down.K == F && L.down.N == H,
                "decode_layers: the layers' shapes do not fit together");
    const at::Tensor& k = keys[i];
    const at::Tensor& v = values[i];
    TORCH_CHECK(k.scalar_type() == at::kFloat && k.is_contiguous() && k.dim() == 4 && k.size(0) == 1 && k.size(1) == Hkv &&
                k.size(3) == D && k.size(2) >= position + M && position >= 0 && v.sizes() == k.sizes() && v.is_contiguous() &&
                v.scalar_type() == at::kFloat, "decode_layers: keys and values must be [1, kv heads, room, head dim] with room for the tokens");
    L.keys = k.data_ptr<float>();
    L.values = v.data_ptr<float>();
    L.room = k.size(2);
  }
  at::Tensor out = at::empty({M, H}, h_in.options());
  if (layers_n == 0) return out.copy_(h_in);
  const float eps = static_cast<float>(eps_in), scale = static_cast<float>(scale_in);
  const float* cos = cos_t.data_ptr<float>();
  const float* sin = sin_t.data_ptr<float>();
  const int64_t per_kv = Hq / Hkv, QN = Hq * D, KN = Hkv * D;
  // shared by the threads: each writes its share, all read after the next barrier
  std::vector<float> q(M * QN), k(M * KN), v(M * KN), att(M * QN), o(M * H), act(M * F), down(M * H);
  Act8 act32 = act8_room(M, F, 32), act16 = act8_room(M, F, 16);
  SpinBarrier barrier;
  // each of a layer's five shared steps hands out its work in pieces (see take_pieces); a counter per step
  std::vector<std::atomic<int64_t>> next_piece(5 * layers_n);
  const int64_t R = M < 8 ? 128 : 64;  // weight rows a piece (a multiple of NB)
  auto pieces = [](int64_t n, int64_t size) { return (n + size - 1) / size; };
#pragma omp parallel num_threads(std::max(1, at::get_num_threads()))
  {
#pragma omp single
    barrier.set_threads(omp_get_num_threads());
    const int t = omp_get_thread_num();
    std::vector<float> h(h_in.data_ptr<float>(), h_in.data_ptr<float>() + M * H), x(M * H), gate(M * F), up(M * F);
    std::vector<float> p(6 * (position + M + 9)), qh(2 * per_kv * D);
    std::vector<const float*> qs(2 * per_kv);
    std::vector<float*> outs(2 * per_kv);
    RoundedX xin(M, H), xatt(M, QN);
    auto norm_rows = [&](const float* weight) {
      for (int64_t m = 0; m < M; ++m) rms_norm(h.data() + m * H, weight, H, eps, x.data() + m * H);
    };
    for (int64_t li = 0; li < layers_n; ++li) {
      const DecoderLayer& L = layers[li];
      std::atomic<int64_t>* next = next_piece.data() + 5 * li;
      norm_rows(L.in_norm);
      xin.round(x.data(), {&L.q, &L.k, &L.v});
      // q in pieces of R rows; k and v a head (D rows) a piece, whose new rows go into the cache here (k
      // rotated), so that attention can split its work by tokens
      const int64_t pq = pieces(QN, R);
      take_pieces(next[0], pq + 2 * Hkv, [&](int64_t c) {
        if (c < pq) {
          L.q.rows(xin.for_layer(L.q), M, c * R, std::min(QN, (c + 1) * R), q.data());
          return;
        }
        const bool is_key = c - pq < Hkv;
        const int64_t g = is_key ? c - pq : c - pq - Hkv;
        const PackedLinear& lin = is_key ? L.k : L.v;
        float* buf = is_key ? k.data() : v.data();
        lin.rows(xin.for_layer(lin), M, g * D, (g + 1) * D, buf);
        float* cache = (is_key ? L.keys : L.values) + g * L.room * D;
        for (int64_t i = 0; i < M; ++i) {
          if (is_key)
            rope(buf + i * KN + g * D, cos + i * D, sin + i * D, D, cache + (position + i) * D);
          else
            std::memcpy(cache + (position + i) * D, buf + i * KN + g * D, D * sizeof(float));
        }
      });
      barrier.wait();
      // attention: a piece is one key/value head's query heads for a few tokens (in pairs from the first, so
      // each token's sums are the same however the pieces fall)
      constexpr int64_t TOKENS = 8;
      const int64_t per_group = pieces(M, TOKENS);
      take_pieces(next[1], Hkv * per_group, [&](int64_t c) {
        const int64_t g = c / per_group, i0 = c % per_group * TOKENS, i1 = std::min(M, i0 + TOKENS);
        const float* kg = L.keys + g * L.room * D;
        const float* vg = L.values + g * L.room * D;
        for (int64_t i = i0; i < i1;) {  // the query heads of this group of token i (and of token i + 1), together
          const int64_t tokens = std::min<int64_t>(2, i1 - i);
          for (int64_t j = 0; j < tokens; ++j)
            for (int64_t r = 0; r < per_kv; ++r) {
              const int64_t hq = g * per_kv + r, row = j * per_kv + r;
              rope(q.data() + (i + j) * QN + hq * D, cos + (i + j) * D, sin + (i + j) * D, D, qh.data() + row * D);
              qs[row] = qh.data() + row * D;
              outs[row] = att.data() + (i + j) * QN + hq * D;
            }
          if (tokens == 2)
            attend_group_two(qs.data(), qs.data() + per_kv, per_kv, kg, vg, D, D, position + i + 1, D, scale, p.data(),
                             outs.data(), outs.data() + per_kv);
          else
            attend_group(qs.data(), per_kv, kg, vg, D, D, position + i + 1, D, scale, p.data(), outs.data());
          i += tokens;
        }
      });
      barrier.wait();
      xatt.round(att.data(), {&L.o});
      take_pieces(next[2], pieces(H, R), [&](int64_t c) {
        L.o.rows(xatt.for_layer(L.o), M, c * R, std::min(H, (c + 1) * R), o.data());
      });
      barrier.wait();
      for (int64_t i = 0; i < M * H; ++i) h[i] += o[i];
      norm_rows(L.post_norm);
      xin.round(x.data(), {&L.gate, &L.up});
      // pieces of whole blocks of 256, so that whoever takes a piece rounds its activations for down_proj
      take_pieces(next[3], F / PACK_BLOCK, [&](int64_t c) {
        const int64_t r0 = c * PACK_BLOCK, r1 = r0 + PACK_BLOCK;
        L.gate.rows(xin.for_layer(L.gate), M, r0, r1, gate.data());
        L.up.rows(xin.for_layer(L.up), M, r0, r1, up.data());
        for (int64_t m = 0; m < M; ++m) {
          silu_times(gate.data() + m * F, up.data() + m * F, r0, r1, act.data() + m * F);
          if (L.down.group == 32)
            quantize_blocks<32>(act.data() + m * F, m, c, c + 1, act32);
          else
            quantize_blocks<16>(act.data() + m * F, m, c, c + 1, act16);
        }
      });
      barrier.wait();
      take_pieces(next[4], pieces(H, R), [&](int64_t c) {
        L.down.rows(L.down.group == 32 ? act32 : act16, M, c * R, std::min(H, (c + 1) * R), down.data());
      });
      barrier.wait();
      for (int64_t i = 0; i < M * H; ++i) h[i] += down[i];
    }
    if (t == 0) std::memcpy(out.data_ptr<float>(), h.data(), M * H * sizeof(float));
  }
  return out;
}

std::string act8_isa() { return ACT8_ISA; }

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
  m.def("qlinear_act8k(Tensor x, Tensor w, int bits, int group) -> Tensor");
  m.def("act8k_pack(Tensor q, Tensor sub, Tensor sub_min, Tensor d, Tensor dmin, int bits, int group) -> Tensor");
  m.def("decode_attention(Tensor q, Tensor k, Tensor v, float scale) -> Tensor");
  m.def("decode_layers(Tensor hidden, Tensor cos, Tensor sin, Tensor[] weights, Tensor[] scales, Tensor[] offsets, "
        "int[] bits, int[] groups, Tensor[] norms, Tensor[] biases, Tensor[] keys, Tensor[] values, int position, "
        "float eps, float scale) -> Tensor");
  m.def("dequant(Tensor q, Tensor scale, Tensor offset, int bits, int group) -> Tensor");
  m.def("act8_pack(Tensor q, int bits, int group) -> Tensor");
  m.def("act8_unpack(Tensor q, int bits, int group) -> Tensor");
  m.def("act8_isa() -> str", &act8_isa);
  m.impl("qlinear", c10::DispatchKey::CPU, TORCH_FN(qlinear));
  m.impl("qlinear_act8", c10::DispatchKey::CPU, TORCH_FN(qlinear_act8));
  m.impl("qlinear_act8k", c10::DispatchKey::CPU, TORCH_FN(qlinear_act8k));
  m.impl("act8k_pack", c10::DispatchKey::CPU, TORCH_FN(act8k_pack));
  m.impl("act8_pack", c10::DispatchKey::CPU, TORCH_FN(act8_pack));
  m.impl("act8_unpack", c10::DispatchKey::CPU, TORCH_FN(act8_unpack));
  m.impl("dequant", c10::DispatchKey::CPU, TORCH_FN(dequant));
  m.impl("decode_attention", c10::DispatchKey::CPU, TORCH_FN(decode_attention));
  m.impl("decode_layers", c10::DispatchKey::CPU, TORCH_FN(decode_layers));
}
