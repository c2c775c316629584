/*
 * AVX2 + FMA 6x16 micro-kernel: 12 ymm accumulators (6 rows x 2 vectors of 8), 2 ymm for the
 * B row and 1 for the broadcast A value = 15 of the 16 ymm registers. Compiled for AVX2 by
 * the target attribute only; dispatch.c hands it out only if the CPU supports AVX2 and FMA.
 *
 * Debug builds compile C at -O0 (the package has no unsafeFlags, so it can be a versioned
 * dependency), where every intrinsic goes through the stack and this loop ran ~4x slower
 * than at -O2. There (no __OPTIMIZE__) the k-loop is the same instructions written as inline
 * assembly, so the 12 accumulators stay in registers: acc = a * b + acc, one vfmadd231ps per
 * pair as _mm256_fmadd_ps(a, b, acc), in the same order, so the bits are identical.
 * Optimised builds compile the intrinsics.
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
#if !defined(__OPTIMIZE__) && defined(__GNUC__) && defined(__x86_64__)
  /* One k step per iteration: B row in ymm12/13, A value broadcast to ymm14. */
  // clang-format off
#define FMA_ROW(r, x0, x1)                                                                         \
  "vbroadcastss " #r "*4(%[a]), %%ymm14\n\t"                                                       \
  "vfmadd231ps %%ymm12, %%ymm14, %[" #x0 "]\n\t"                                                   \
  "vfmadd231ps %%ymm13, %%ymm14, %[" #x1 "]\n\t"
  if (kc > 0) {
    __asm__("1:\n\t"
            "vmovaps (%[b]), %%ymm12\n\t"
            "vmovaps 32(%[b]), %%ymm13\n\t"
            FMA_ROW(0, c00, c01)
            FMA_ROW(1, c10, c11)
            FMA_ROW(2, c20, c21)
            FMA_ROW(3, c30, c31)
            FMA_ROW(4, c40, c41)
            FMA_ROW(5, c50, c51)
            "add $24, %[a]\n\t" /* a += SGEMM_MR floats */
            "add $64, %[b]\n\t" /* b += SGEMM_NR floats */
            "dec %[k]\n\t"
            "jnz 1b\n\t"
            : [c00] "+x"(c00), [c01] "+x"(c01), [c10] "+x"(c10), [c11] "+x"(c11),
              [c20] "+x"(c20), [c21] "+x"(c21), [c30] "+x"(c30), [c31] "+x"(c31),
              [c40] "+x"(c40), [c41] "+x"(c41), [c50] "+x"(c50), [c51] "+x"(c51),
              [a] "+r"(a), [b] "+r"(b), [k] "+r"(kc)
            :
            : "ymm12", "ymm13", "ymm14", "cc", "memory");
  }
#undef FMA_ROW
  // clang-format on
#else
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
#endif
  const __m256 va = _mm256_set1_ps(alpha);
  ROW_STORE(0);
  ROW_STORE(1);
  ROW_STORE(2);
  ROW_STORE(3);
  ROW_STORE(4);
  ROW_STORE(5);
}
#endif
