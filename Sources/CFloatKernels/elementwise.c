/*
 * Elementwise training kernels: the Adam update (fused with binarisation of the new
 * weights), sign, packing signs into bits, and the hard-tanh gradient window. Plain loops over
 * restrict pointers vectorise at the baseline ISA; Adam, whose square root and division keep the
 * compiler from vectorising portable code, also has an explicit AVX2 version: both are entries of
 * the kernel tables in dispatch.c, which selects (nothing here probes the CPU).
 */
#include "cfloatkernels.h"
#include "kernels_internal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86 1
#endif

#include <math.h>
#include <string.h>

static inline float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

/* The portable Adam loop. Always inlined, so that the AVX2 version's tail is compiled with
 * its target (avx2,fma): clang contracts `a * b + c` into FMA there, as it did when this was
 * a static function inlined by -O2; the portable entry (baseline ISA) has no FMA. Keeping
 * that fixed keeps the trainer's results bit-identical at any optimisation level. */
static inline __attribute__((always_inline)) void
adam_body(float *restrict w, const float *restrict g, float *restrict m, float *restrict v,
          float *restrict sign_out, size_t n, float beta1, float beta2, float step_size,
          float epsilon, float clip) {
  const float c1 = 1.0f - beta1, c2 = 1.0f - beta2;
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = beta1 * m[i] + c1 * gi;
    const float vi = beta2 * v[i] + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    const float wi = clampf(w[i] - step_size * mi / (sqrtf(vi) + epsilon), -clip, clip);
    w[i] = wi;
    if (sign_out) sign_out[i] = wi < 0.0f ? -1.0f : 1.0f;
  }
}

void bnn_adam_update_portable(float *w, const float *g, float *m, float *v, float *sign_out,
                              size_t n, float beta1, float beta2, float step_size, float epsilon,
                              float clip) {
  adam_body(w, g, m, v, sign_out, n, beta1, beta2, step_size, epsilon, clip);
}

#ifdef HAVE_X86
__attribute__((target("avx2,fma"))) void
bnn_adam_update_avx2(float *restrict w, const float *restrict g, float *restrict m,
                     float *restrict v, float *restrict sign_out, size_t n, float beta1,
                     float beta2, float step_size, float epsilon, float clip) {
  const __m256 b1 = _mm256_set1_ps(beta1), b2 = _mm256_set1_ps(beta2);
  const __m256 c1 = _mm256_set1_ps(1.0f - beta1), c2 = _mm256_set1_ps(1.0f - beta2);
  const __m256 step = _mm256_set1_ps(step_size), eps = _mm256_set1_ps(epsilon);
  const __m256 hi = _mm256_set1_ps(clip), lo = _mm256_set1_ps(-clip);
  const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 gi = _mm256_loadu_ps(g + i);
    const __m256 mi = _mm256_fmadd_ps(b1, _mm256_loadu_ps(m + i), _mm256_mul_ps(c1, gi));
    const __m256 vi =
        _mm256_fmadd_ps(b2, _mm256_loadu_ps(v + i), _mm256_mul_ps(_mm256_mul_ps(c2, gi), gi));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    const __m256 denominator = _mm256_add_ps(_mm256_sqrt_ps(vi), eps);
    __m256 wi =
        _mm256_sub_ps(_mm256_loadu_ps(w + i), _mm256_div_ps(_mm256_mul_ps(step, mi), denominator));
    wi = _mm256_min_ps(hi, _mm256_max_ps(lo, wi));
    _mm256_storeu_ps(w + i, wi);
    if (sign_out) {
      /* -1 where w < 0, else +1 */
      const __m256 negative = _mm256_cmp_ps(wi, zero, _CMP_LT_OQ);
      _mm256_storeu_ps(sign_out + i,
                       _mm256_or_ps(one, _mm256_and_ps(negative, _mm256_set1_ps(-0.0f))));
    }
  }
  adam_body(w + i, g + i, m + i, v + i, sign_out ? sign_out + i : 0, n - i, beta1, beta2, step_size,
            epsilon, clip);
}

#endif

void bnn_sign(const float *restrict x, float *restrict out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = x[i] < 0.0f ? -1.0f : 1.0f;
}

void bnn_hardtanh_mask(float *restrict gradient, const float *restrict x, size_t n) {
  /* A multiply by 0 or 1 rather than a select keeps the loop vectorisable. */
  for (size_t i = 0; i < n; i++) gradient[i] *= (float)(fabsf(x[i]) <= 1.0f);
}

/* Nonzero unless the float with bits u is exactly -1 or +1. */
static inline uint32_t not_unit(uint32_t u) { return (u & 0x7FFFFFFFu) ^ 0x3F800000u; }

int bnn_pack_signs(const float *x, size_t rows, size_t cols, uint64_t *bits) {
  size_t words = (cols + 63) / 64;
  uint32_t other = 0; /* nonzero once a value is not exactly -1 or +1 */
  for (size_t r = 0; r < rows; r++) {
    const float *row = x + r * cols;
    for (size_t w = 0; w < words; w++) {
      size_t c0 = w * 64, c1 = c0 + 64 < cols ? c0 + 64 : cols, c = c0;
      uint64_t word = 0;
#if defined(HAVE_X86)
      /* SSE (baseline x86-64): 4 sign bits per movmskps, |x| != 1 by one compare. */
      const __m128 magnitude = _mm_castsi128_ps(_mm_set1_epi32(0x7FFFFFFF));
      const __m128 one = _mm_set1_ps(1.0f);
      for (; c + 4 <= c1; c += 4) {
        __m128 v = _mm_loadu_ps(row + c);
        word |= (uint64_t)(uint32_t)_mm_movemask_ps(v) << (c - c0);
        other |= (uint32_t)_mm_movemask_ps(_mm_cmpneq_ps(_mm_and_ps(v, magnitude), one));
      }
#endif
      for (; c < c1; c++) {
        uint32_t u;
        memcpy(&u, row + c, 4);
        word |= (uint64_t)(u >> 31) << (c - c0);
        other |= not_unit(u);
      }
      bits[r * words + w] = word;
    }
  }
  return other == 0;
}

int bnn_signs_to_int8_rows(const float *x, size_t rows, size_t cols, int8_t *out,
                           size_t out_stride) {
  uint32_t other = 0; /* nonzero once a value is not exactly -1 or +1 */
  for (size_t r = 0; r < rows; r++) {
    const uint32_t *row = (const uint32_t *)(const void *)(x + r * cols);
    int8_t *o = out + r * out_stride;
    for (size_t c = 0; c < cols; c++) {
      uint32_t u;
      memcpy(&u, row + c, 4);
      o[c] = (int8_t)(1 - 2 * (int32_t)(u >> 31)); /* the sign bit: -1 or +1 */
      other |= not_unit(u);
    }
    for (size_t c = cols; c < out_stride; c++) o[c] = 0;
  }
  return other == 0;
}

int bnn_pixels_to_bytes(const float *x, size_t count, uint8_t *out) {
  uint32_t other = 0; /* nonzero once a value is not an integer in 0...255 */
  for (size_t i = 0; i < count; i++) {
    /* NaN and values out of range fail the compare; fractions fail the round trip */
    float v = x[i];
    int in_range = v >= 0.0f && v <= 255.0f;
    uint8_t b = (uint8_t)(in_range ? v : 0.0f);
    other |= (uint32_t)!in_range | (uint32_t)((float)b != v);
    out[i] = b;
  }
  return other == 0;
}

void bnn_int32_to_float(void *values, size_t count, int32_t base, int32_t mul) {
  unsigned char *bytes = values;
  for (size_t i = 0; i < count; i++) {
    int32_t c;
    memcpy(&c, bytes + 4 * i, 4); /* the same memory changes type: bytes, not typed loads */
    float z = (float)(base + mul * c);
    memcpy(bytes + 4 * i, &z, 4);
  }
}
