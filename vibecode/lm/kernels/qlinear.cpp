// Weight-only quantised linear layers for the CPU, the hot loop of the local model.
//
// The weights keep the exact values of the model file (a 4-bit GGUF): int4 in groups of 32 with a float scale
// and offset (w = scale * q + offset, q in 0..15), or int8 in groups of 16 or 32 with a float scale
// (w = scale * q). Activations and sums stay float32, so the answers match the float32 model; only the
// weights are smaller, and reading weights from memory is what limits a decode step on a 2-core CPU.
//
// vibecode::qlinear(x, q, scale, offset, bits, group): x [..., K] float32 -> [..., N]
// vibecode::dequant(q, scale, offset, bits, group): the float32 weight [N, K] (for long prompts, where a
// BLAS matrix multiply beats this kernel)
//
// Built once per machine by vibecode/lm/kernels/build.py with -march=native; AVX2 + FMA is the minimum,
// AVX-512 (F + BW) is used when the compiler targets it.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/library.h>
#include <immintrin.h>

#include <cstdint>
#include <algorithm>
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
// 32 int4 values from 16 bytes (byte j = q[j] | q[j + 16] << 4), in order: out[0] = q[0..15], out[1] = q[16..31]
inline void decode4(const uint8_t* p, V* out) {
  __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  out[0] = _mm512_cvtepi32_ps(_mm512_and_si512(b, _mm512_set1_epi32(0xF)));
  out[1] = _mm512_cvtepi32_ps(_mm512_srli_epi32(b, 4));
}
// 16 int8 values
inline void decode8(const int8_t* p, V* out) {
  out[0] = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
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
inline void decode8(const int8_t* p, V* out) {
  out[0] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  out[1] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p + 8))));
}
#else
#error "vibecode's kernels need AVX2 and FMA (build with -march=native on such a CPU)"
#endif

constexpr int Q4_GROUP = 32;
constexpr int VPG4 = Q4_GROUP / L;  // vectors per int4 group
constexpr int VP16 = 16 / L;        // vectors per 16 int8 values

// One weight row: its quantised values and per-group scale (and offset, for int4).
template <int BITS, int GROUP>
struct Row {
  static constexpr int NV = BITS == 4 ? VPG4 : GROUP / L;  // vectors per group
  const uint8_t* q;
  const float* scale;
  const float* offset;
  // The group's integer values as float vectors (scale and offset are applied to the sums, not here).
  inline void load(int64_t g, V* w) const {
    if constexpr (BITS == 4) {
      decode4(q + g * (Q4_GROUP / 2), w);
    } else {
      const int8_t* p = reinterpret_cast<const int8_t*>(q) + g * GROUP;
      for (int c = 0; c < GROUP / 16; ++c) decode8(p + c * 16, w + c * VP16);
    }
  }
};

// out[m, n] for MT rows of x and NT weight rows at a time: the weights are decoded once for all MT rows of x,
// and NT independent sums keep the FMA units busy. sum_k x*w = sum_g scale_g * (sum_{k in g} x*q)
// + sum_g offset_g * xsum_g, where xsum_g is the sum of x over group g.
template <int BITS, int GROUP, int MT, int NT>
inline void tile(const float* x, const float* xsum, int64_t K, int64_t ngroups, const Row<BITS, GROUP>* rows,
                 float* out, int64_t ldo) {
  constexpr int NV = Row<BITS, GROUP>::NV;
  V acc[MT][NT];
  float off[MT][NT];
  for (int m = 0; m < MT; ++m)
    for (int n = 0; n < NT; ++n) acc[m][n] = vzero(), off[m][n] = 0.f;
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
        if constexpr (BITS == 4) off[m][n] += rows[n].offset[g] * xsum[m * ngroups + g];
      }
    }
  }
  for (int m = 0; m < MT; ++m)
    for (int n = 0; n < NT; ++n) out[m * ldo + n] = vsum(acc[m][n]) + off[m][n];
}

// Rows n0..n1 of the output for MT rows of x.
template <int BITS, int GROUP, int MT>
void rows_block(const float* x, const float* xsum, int64_t K, const uint8_t* q, const float* scale,
                const float* offset, int64_t n0, int64_t n1, float* out, int64_t N) {
  const int64_t ngroups = K / GROUP;
  const int64_t row_bytes = BITS == 4 ? K / 2 : K;
  // One weight row at a time streams best from memory when x has one row (more rows at once measured half
  // the speed on a 4-bit 152k x 1536 matrix); with more rows of x the weights come from cache.
  constexpr int NT = MT == 1 ? 1 : 2;
  auto row = [&](int64_t n) {
    return Row<BITS, GROUP>{q + n * row_bytes, scale + n * ngroups, offset ? offset + n * ngroups : nullptr};
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
  constexpr int MT = 4;
  const int64_t ngroups = K / GROUP;
  std::vector<float> sums(BITS == 4 ? M * ngroups : 0);
  if constexpr (BITS == 4) {
    for (int64_t m = 0; m < M; ++m)
      for (int64_t g = 0; g < ngroups; ++g) {
        float t = 0.f;
        for (int i = 0; i < GROUP; ++i) t += x[m * K + g * GROUP + i];
        sums[m * ngroups + g] = t;
      }
  }
  const float* xsum = sums.data();
  // Each thread takes a band of weight rows, in blocks small enough to stay in cache while every row of x
  // passes over them: the weights are read from memory once, whatever the number of rows of x.
  at::parallel_for(0, N, 8, [&](int64_t b0, int64_t b1) {
    constexpr int64_t NB = 32;
    for (int64_t n0 = b0; n0 < b1; n0 += NB) {
      const int64_t n1 = std::min(n0 + NB, b1);
      int64_t m = 0;
      for (; m + MT <= M; m += MT)
        rows_block<BITS, GROUP, MT>(x + m * K, xsum + m * ngroups, K, q, scale, offset, n0, n1, out + m * N, N);
      const float* xm = x + m * K;
      const float* sm = xsum + m * ngroups;
      float* om = out + m * N;
      switch (M - m) {
        case 3: rows_block<BITS, GROUP, 3>(xm, sm, K, q, scale, offset, n0, n1, om, N); break;
        case 2: rows_block<BITS, GROUP, 2>(xm, sm, K, q, scale, offset, n0, n1, om, N); break;
        case 1: rows_block<BITS, GROUP, 1>(xm, sm, K, q, scale, offset, n0, n1, om, N); break;
        default: break;
      }
    }
  });
}

void check_args(const at::Tensor& q, const at::Tensor& scale, const c10::optional<at::Tensor>& offset,
                int64_t bits, int64_t group, int64_t K) {
  TORCH_CHECK(bits == 4 || bits == 8, "qlinear: bits must be 4 or 8");
  TORCH_CHECK(bits == 4 ? group == Q4_GROUP : (group == 16 || group == 32), "qlinear: unsupported group size");
  TORCH_CHECK(q.dim() == 2 && q.is_contiguous() && q.element_size() == 1, "qlinear: q must be a contiguous 2-D byte tensor");
  TORCH_CHECK(K % group == 0, "qlinear: the input size must be a multiple of the group size");
  TORCH_CHECK(q.size(1) == (bits == 4 ? K / 2 : K), "qlinear: q does not match the input size");
  TORCH_CHECK(scale.scalar_type() == at::kFloat && scale.is_contiguous() && scale.dim() == 2, "qlinear: scale must be contiguous float32 [N, K/group]");
  TORCH_CHECK(scale.size(0) == q.size(0) && scale.size(1) == K / group, "qlinear: scale has the wrong shape");
  if (bits == 4) {
    TORCH_CHECK(offset.has_value() && offset->sizes() == scale.sizes() && offset->scalar_type() == at::kFloat && offset->is_contiguous(),
                "qlinear: int4 needs an offset shaped like scale");
  }
}

at::Tensor qlinear(const at::Tensor& x_in, const at::Tensor& q, const at::Tensor& scale,
                   const c10::optional<at::Tensor>& offset, int64_t bits, int64_t group) {
  TORCH_CHECK(x_in.scalar_type() == at::kFloat, "qlinear: x must be float32");
  const int64_t K = x_in.size(-1);
  check_args(q, scale, offset, bits, group, K);
  const int64_t N = q.size(0);
  auto x = x_in.contiguous();
  const int64_t M = K ? x.numel() / K : 0;
  auto sizes = x.sizes().vec();
  sizes.back() = N;
  auto out = at::empty(sizes, x.options());
  if (M == 0 || N == 0) return out;
  const float* xp = x.data_ptr<float>();
  const uint8_t* qp = static_cast<const uint8_t*>(q.data_ptr());
  const float* sp = scale.data_ptr<float>();
  const float* op = bits == 4 ? offset->data_ptr<float>() : nullptr;
  float* outp = out.data_ptr<float>();
  if (bits == 4)
    run<4, Q4_GROUP>(xp, M, K, qp, sp, op, outp, N);
  else if (group == 16)
    run<8, 16>(xp, M, K, qp, sp, op, outp, N);
  else
    run<8, 32>(xp, M, K, qp, sp, op, outp, N);
  return out;
}

template <int BITS, int GROUP>
void dequant_rows(const uint8_t* q, const float* scale, const float* offset, int64_t K, int64_t n0, int64_t n1,
                  float* out) {
  constexpr int NV = Row<BITS, GROUP>::NV;
  const int64_t ngroups = K / GROUP;
  const int64_t row_bytes = BITS == 4 ? K / 2 : K;
  for (int64_t n = n0; n < n1; ++n) {
    Row<BITS, GROUP> r{q + n * row_bytes, scale + n * ngroups, offset ? offset + n * ngroups : nullptr};
    V w[NV];
    for (int64_t g = 0; g < ngroups; ++g) {
      r.load(g, w);
      const V s = vset(r.scale[g]), o = vset(BITS == 4 ? r.offset[g] : 0.f);
      for (int i = 0; i < NV; ++i) vstore(out + n * K + g * GROUP + i * L, vfma(w[i], s, o));
    }
  }
}

at::Tensor dequant(const at::Tensor& q, const at::Tensor& scale, const c10::optional<at::Tensor>& offset,
                   int64_t bits, int64_t group) {
  const int64_t K = bits == 4 ? q.size(1) * 2 : q.size(1);
  check_args(q, scale, offset, bits, group, K);
  const int64_t N = q.size(0);
  auto out = at::empty({N, K}, scale.options());
  const uint8_t* qp = static_cast<const uint8_t*>(q.data_ptr());
  const float* sp = scale.data_ptr<float>();
  const float* op = bits == 4 ? offset->data_ptr<float>() : nullptr;
  float* outp = out.data_ptr<float>();
  at::parallel_for(0, N, 16, [&](int64_t n0, int64_t n1) {
    if (bits == 4)
      dequant_rows<4, Q4_GROUP>(qp, sp, op, K, n0, n1, outp);
    else if (group == 16)
      dequant_rows<8, 16>(qp, sp, op, K, n0, n1, outp);
    else
      dequant_rows<8, 32>(qp, sp, op, K, n0, n1, outp);
  });
  return out;
}

}  // namespace

TORCH_LIBRARY(vibecode, m) {
  m.def("qlinear(Tensor x, Tensor q, Tensor scale, Tensor? offset, int bits, int group) -> Tensor");
  m.def("dequant(Tensor q, Tensor scale, Tensor? offset, int bits, int group) -> Tensor");
  m.impl("qlinear", c10::DispatchKey::CPU, TORCH_FN(qlinear));
  m.impl("dequant", c10::DispatchKey::CPU, TORCH_FN(dequant));
}
