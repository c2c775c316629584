/*
 * x86-64 kernels: the POPCNT path and the AVX2 path.
 *
 * Both are compiled with per-function target attributes (never global -mpopcnt /
 * -mavx2 flags), so this file links into a binary that runs on any x86-64;
 * dispatch.c hands a table out only when cpuid reports the features.
 *
 * The math is the scalar reference's (kernels_scalar.c); only the order of work
 * differs. Each path supplies one register tile
 *
 *     cnt[r][c] = sum_{k < words} popcount(a_r[k] OP w_c[k])      (OP = XOR or AND)
 *
 * and kernels_blocked.h builds the four kernels (blocking, remainders, thresholds,
 * bit-planes) around it.
 */
#include "kernels_internal.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

#include "kernels_blocked.h"

#define BNN_TARGET_POPCNT __attribute__((target("popcnt")))
#define BNN_TARGET_AVX2 __attribute__((target("avx2,popcnt")))

/* ------------------------------------------------------------------------ */
/* POPCNT tile: XOR (or AND) + POPCNT + ADD per word and pair, 3 integer ops per
 * 64 binary MACs. R, C are constants at every call, so the r/c loops unroll and
 * acc[][] lives in registers; each loaded word is reused C (or R) times. */

BNN_TARGET_POPCNT static BNN_ALWAYS_INLINE void popcnt_tile(int op, int R, int C,
                                                            const uint64_t *a, size_t as,
                                                            const uint64_t *w, size_t ws,
                                                            size_t words, uint64_t *cnt) {
  uint64_t acc[4][4] = {{0}};
#pragma clang loop vectorize(disable) unroll(disable)
  for (size_t k = 0; k < words; k++) {
    uint64_t av[4], wv[4];
    for (int r = 0; r < R; r++) av[r] = a[(size_t)r * as + k];
    for (int c = 0; c < C; c++) wv[c] = w[(size_t)c * ws + k];
    for (int r = 0; r < R; r++)
      for (int c = 0; c < C; c++)
        acc[r][c] += (uint64_t)__builtin_popcountll(op == KOP_XOR ? av[r] ^ wv[c] : av[r] & wv[c]);
  }
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) cnt[r * C + c] = acc[r][c];
}

#ifndef POP_R
#define POP_R 4
#endif
#ifndef POP_C
#define POP_C 3
#endif
#ifndef POP_ONE
#define POP_ONE 4
#endif

#define KFN(name) popcnt_##name
#define KTARGET BNN_TARGET_POPCNT
#define KTILE popcnt_tile
#define KROWS_R POP_R
#define KROWS_C POP_C
#define KONE_C POP_ONE
#define KBP_C 2
#include "kernels_blocked.h"
#undef KFN
#undef KTARGET
#undef KTILE
#undef KROWS_R
#undef KROWS_C
#undef KONE_C
#undef KBP_C

const bnn_kernels bnn_popcnt_kernels = {
    BNN_PATH_POPCNT,          "popcnt",
    popcnt_xor_popcount_gemm, popcnt_xor_popcount_threshold,
    popcnt_bitplane_gemm,     popcnt_bitplane_threshold,
};

/* ------------------------------------------------------------------------ */
/* AVX2 tile: 4 words per step. popcount of each byte by two 16-entry table
 * lookups (vpshufb on the low and high nibble), summed into byte counters;
 * at most 31 steps (31 * 8 = 248 < 256) before the bytes are widened with
 * vpsadbw into 64-bit sums. Words left over (< 4) go through POPCNT. */

BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE __m256i avx2_popcount_bytes(__m256i x) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                       0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
  const __m256i low4 = _mm256_set1_epi8(0x0f);
  __m256i lo = _mm256_and_si256(x, low4);
  __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low4);
  return _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
}

BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE uint64_t avx2_hsum64(__m256i v) {
  __m128i s = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  return (uint64_t)_mm_cvtsi128_si64(s) + (uint64_t)_mm_extract_epi64(s, 1);
}

BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE void avx2_tile(int op, int R, int C,
                                                        const uint64_t *a, size_t as,
                                                        const uint64_t *w, size_t ws,
                                                        size_t words, uint64_t *cnt) {
  __m256i sum[4][4];
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) sum[r][c] = _mm256_setzero_si256();
  size_t k = 0;
  while (k + 4 <= words) {
    size_t steps = bnn_min((words - k) / 4, 31);
    __m256i acc[4][4];
    for (int r = 0; r < R; r++)
      for (int c = 0; c < C; c++) acc[r][c] = _mm256_setzero_si256();
    for (size_t s = 0; s < steps; s++, k += 4) {
      __m256i av[4], wv[4];
      for (int r = 0; r < R; r++) av[r] = _mm256_loadu_si256((const __m256i *)(a + (size_t)r * as + k));
      for (int c = 0; c < C; c++) wv[c] = _mm256_loadu_si256((const __m256i *)(w + (size_t)c * ws + k));
      for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++) {
          __m256i x = op == KOP_XOR ? _mm256_xor_si256(av[r], wv[c]) : _mm256_and_si256(av[r], wv[c]);
          acc[r][c] = _mm256_add_epi8(acc[r][c], avx2_popcount_bytes(x));
        }
    }
    for (int r = 0; r < R; r++)
      for (int c = 0; c < C; c++)
        sum[r][c] = _mm256_add_epi64(sum[r][c], _mm256_sad_epu8(acc[r][c], _mm256_setzero_si256()));
  }
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) {
      uint64_t total = avx2_hsum64(sum[r][c]);
      for (size_t q = k; q < words; q++) {
        uint64_t x = op == KOP_XOR ? a[(size_t)r * as + q] ^ w[(size_t)c * ws + q]
                                   : a[(size_t)r * as + q] & w[(size_t)c * ws + q];
        total += (uint64_t)__builtin_popcountll(x);
      }
      cnt[r * C + c] = total;
    }
}

#ifndef AVX_R
#define AVX_R 2
#endif
#ifndef AVX_C
#define AVX_C 2
#endif
#ifndef AVX_ONE
#define AVX_ONE 4
#endif

#define KFN(name) avx2_##name
#define KTARGET BNN_TARGET_AVX2
#define KTILE avx2_tile
#define KROWS_R AVX_R
#define KROWS_C AVX_C
#define KONE_C AVX_ONE
#define KBP_C 1
#include "kernels_blocked.h"
#undef KFN
#undef KTARGET
#undef KTILE
#undef KROWS_R
#undef KROWS_C
#undef KONE_C
#undef KBP_C

const bnn_kernels bnn_avx2_kernels = {
    BNN_PATH_AVX2,          "avx2",
    avx2_xor_popcount_gemm, avx2_xor_popcount_threshold,
    avx2_bitplane_gemm,     avx2_bitplane_threshold,
};

#endif /* x86-64 */
