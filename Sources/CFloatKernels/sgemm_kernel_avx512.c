/*
 * AVX-512 6x32 micro-kernel: 12 zmm accumulators (6 rows x 2 vectors of 16), 2 zmm for the
 * B row, 1 for the broadcast A value. Each element of C gets the same FMA chain as in the
 * AVX2 kernel, so both paths give identical results. Compiled for AVX-512F by the target
 * attribute only; the driver calls it only if the CPU (and OS) support AVX-512F. With
 * BNN_EMULATE_AVX512 it compiles on SIMDe instead (scripts/test-avx512.sh).
 */
#include "kernels_internal.h"

#ifdef SGEMM_HAVE_X86
#if defined(BNN_EMULATE_AVX512)
/* Only scripts/test-avx512.sh defines it: the same code on SIMDe's portable forms of
   the intrinsics (Tests/AVX512Emulation), so a CPU without AVX-512 can check this kernel. */
#include "avx512_emulation.h"
#define SGEMM_AVX512
#else
#include <immintrin.h>
#define SGEMM_AVX512 __attribute__((target("avx512f")))
#endif

#define ROW_FMA(r)                                                                                 \
  do {                                                                                             \
    const __m512 ar = _mm512_set1_ps(a[r]);                                                        \
    c##r##0 = _mm512_fmadd_ps(ar, b0, c##r##0);                                                    \
    c##r##1 = _mm512_fmadd_ps(ar, b1, c##r##1);                                                    \
  } while (0)

#define ROW_STORE(r)                                                                               \
  do {                                                                                             \
    float *cr = c + (r)*ldc;                                                                       \
    const __m512 old0 = accumulate ? _mm512_loadu_ps(cr) : _mm512_setzero_ps();                    \
    const __m512 old1 = accumulate ? _mm512_loadu_ps(cr + 16) : _mm512_setzero_ps();               \
    _mm512_storeu_ps(cr, _mm512_fmadd_ps(va, c##r##0, old0));                                      \
    _mm512_storeu_ps(cr + 16, _mm512_fmadd_ps(va, c##r##1, old1));                                 \
  } while (0)

SGEMM_AVX512 void sgemm_kernel_avx512(size_t kc, const float *a, const float *b, float *c,
                                      size_t ldc, float alpha, int accumulate) {
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps();
  __m512 c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
  __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps();
  __m512 c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
  __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps();
  __m512 c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
  for (size_t p = 0; p < kc; p++) {
    const __m512 b0 = _mm512_load_ps(b);
    const __m512 b1 = _mm512_load_ps(b + 16);
    ROW_FMA(0);
    ROW_FMA(1);
    ROW_FMA(2);
    ROW_FMA(3);
    ROW_FMA(4);
    ROW_FMA(5);
    a += SGEMM_MR;
    b += SGEMM_NR_MAX;
  }
  const __m512 va = _mm512_set1_ps(alpha);
  ROW_STORE(0);
  ROW_STORE(1);
  ROW_STORE(2);
  ROW_STORE(3);
  ROW_STORE(4);
  ROW_STORE(5);
}
#endif
