/*
 * AVX2 helpers shared by the x86-64 kernel files (kernels_x86.c, binary_conv.c). Not a
 * public header; include it only inside an x86-64 guard.
 */
#ifndef CPOPCOUNT_KERNELS_AVX2_H
#define CPOPCOUNT_KERNELS_AVX2_H

#include <immintrin.h>

#include "kernels_blocked.h"

#define BNN_TARGET_AVX2 __attribute__((target("avx2,popcnt")))

/* Popcount of every byte of x: two 16-entry table lookups (vpshufb on the low and the
 * high nibble), added. */
BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE __m256i avx2_popcount_bytes(__m256i x) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
                                       1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  __m256i lo = _mm256_and_si256(x, low4);
  __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low4);
  return _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
}

#endif
