/*
 * AVX2 + FMA 6x16 micro-kernel: 12 ymm accumulators (6 rows x 2 vectors of 8), 2 ymm for the
 * B row and 1 for the broadcast A value = 15 of the 16 ymm registers. Compiled for AVX2 by
 * the target attribute only; the driver calls it only if the CPU supports AVX2 and FMA.
 */
#include "kernels_internal.h"

#ifdef SGEMM_HAVE_X86
#include <immintrin.h>

#define SGEMM_AVX2 __attribute__((target("avx2,fma")))

#define ROW_FMA(r)                                                                                 \
  do {                                                                                             \
    const __m256 ar = _mm256_broadcast_ss(a + (r));                                                \
    c##r##0 = _mm256_fmadd_ps(ar, b0, c##r##0);                                                    \
    c##r##1 = _mm256_fmadd_ps(ar, b1, c##r##1);                                                    \
  } while (0)

#define ROW_STORE(r)                                                                               \
  do {                                                                                             \
    float *cr = c + (r)*ldc;                                                                       \
    const __m256 old0 = accumulate ? _mm256_loadu_ps(cr) : _mm256_setzero_ps();                    \
    const __m256 old1 = accumulate ? _mm256_loadu_ps(cr + 8) : _mm256_setzero_ps();                \
    _mm256_storeu_ps(cr, _mm256_fmadd_ps(va, c##r##0, old0));                                      \
    _mm256_storeu_ps(cr + 8, _mm256_fmadd_ps(va, c##r##1, old1));                                  \
  } while (0)

SGEMM_AVX2 void sgemm_kernel_avx2(size_t kc, const float *a, const float *b, float *c, size_t ldc,
                                  float alpha, int accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps();
  __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
  __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps();
  __m256 c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (size_t p = 0; p < kc; p++) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
    ROW_FMA(0);
    ROW_FMA(1);
    ROW_FMA(2);
    ROW_FMA(3);
    ROW_FMA(4);
    ROW_FMA(5);
    a += SGEMM_MR;
    b += SGEMM_NR;
  }
  const __m256 va = _mm256_set1_ps(alpha);
  ROW_STORE(0);
  ROW_STORE(1);
  ROW_STORE(2);
  ROW_STORE(3);
  ROW_STORE(4);
  ROW_STORE(5);
}
#endif
