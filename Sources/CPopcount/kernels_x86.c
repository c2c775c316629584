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
 * and kernels_blocked.h builds the four kernels (cache blocking, remainders,
 * thresholds, bit-planes) around it.
 *
 * Measured with bnn-kernel-bench on the project machine (AMD EPYC, family 0x1A):
 * the POPCNT tile runs at ~2.7x the scalar reference, the AVX2 tile (vpshufb
 * popcount with a POPCNT word interleaved) at ~3.3-4.8x; dispatch prefers AVX2.
 * Tile shapes below are what measured best there; -D overrides are for experiments.
 */
#include "kernels_internal.h"

#if defined(__x86_64__) || defined(_M_X64)

#include <immintrin.h>

#include "kernels_avx2.h"
#include "kernels_blocked.h"

#define BNN_TARGET_POPCNT __attribute__((target("popcnt")))

/* Keep the POPCNT k-loop scalar: clang would otherwise vectorise the popcounts
 * with SSE2 bit tricks, which is slower than the POPCNT instruction. */
#if defined(__clang__)
#define BNN_SCALAR_LOOP _Pragma("clang loop vectorize(disable) unroll(disable)")
#else
#define BNN_SCALAR_LOOP
#endif

/* ------------------------------------------------------------------------ */
/* Threshold bits 4 neurons at a time with SSE2 (baseline x86-64): bit q =
 * (z_q < t_q), z = base + mul*v with mul in {-2, 1} (see bnn_threshold_bits). */

static BNN_ALWAYS_INLINE uint64_t sse2_threshold_bits(const int32_t *v, const int32_t *t,
                                                      size_t count, int32_t base, int32_t mul) {
  uint64_t bits = 0;
  size_t q = 0;
  __m128i vb = _mm_set1_epi32(base);
  for (; q + 4 <= count; q += 4) {
    __m128i x = _mm_loadu_si128((const __m128i *)(v + q));
    __m128i z = mul == 1 ? _mm_add_epi32(vb, x) : _mm_sub_epi32(vb, _mm_add_epi32(x, x));
    __m128i lt = _mm_cmplt_epi32(z, _mm_loadu_si128((const __m128i *)(t + q)));
    bits |= (uint64_t)_mm_movemask_ps(_mm_castsi128_ps(lt)) << q;
  }
  for (; q < count; q++) bits |= (uint64_t)(base + mul * v[q] < t[q]) << q;
  return bits;
}

/* ------------------------------------------------------------------------ */
/* POPCNT tile: XOR (or AND) + POPCNT + ADD per word and pair, 3 integer ops per
 * 64 binary MACs. R, C are constants at every call, so the r/c loops unroll and
 * acc[][] lives in registers; each loaded word is reused C (or R) times. */

BNN_TARGET_POPCNT static BNN_ALWAYS_INLINE void popcnt_tile(int op, int R, int C, const uint64_t *a,
                                                            size_t as, const uint64_t *w, size_t ws,
                                                            size_t words, uint64_t *cnt) {
  uint64_t acc[4][4] = {{0}};
  BNN_SCALAR_LOOP
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

/* 4 activation rows x 3 weight rows (7 loads feed 12 pairs); 1 x 4 for batch 1. */
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
#define KBP_R 4
#define KBP_C 2
#define KBITS sse2_threshold_bits
#include "kernels_blocked.h"

const bnn_kernels bnn_popcnt_kernels = {
    BNN_PATH_POPCNT,
    "popcnt",
    popcnt_xor_popcount_gemm,
    popcnt_xor_popcount_threshold,
    popcnt_bitplane_gemm,
    popcnt_bitplane_threshold,
    bnn_scalar_pack_bitplanes,
    bnn_scalar_pixel_conv_threshold, /* POPCNT does not help it: the baseline (SSE2) build */
    popcnt_binary_conv_threshold,
    popcnt_binary_conv_gemm,
    NULL, /* the convolution reads the weight rows as they are */
    NULL, /* no int8 form without AVX2 */
    NULL,
};

/* ------------------------------------------------------------------------ */
/* AVX2 tile. Per step and pair: 4 words in a ymm register, popcount of every
 * byte by two 16-entry table lookups (vpshufb on the low and the high nibble),
 * added into byte counters; plus AVX_H more words through scalar POPCNT, which
 * runs on the integer ALUs while the vector units do the rest (on the project
 * machine this hybrid measured 10-20% faster than vector-only on long rows).
 * Byte counters take at most 31 steps (31 * 8 = 248 < 256) before vpsadbw
 * widens them into 64-bit sums. Leftover words: one more vector step if >= 4,
 * then POPCNT. The AND tiles (bit-plane kernels, short rows of K/64 words) are
 * vector-only: there the scalar tail cost more than the hybrid gained. */

/* Threshold bits 8 neurons at a time (see sse2_threshold_bits). */
BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE uint64_t avx2_threshold_bits(const int32_t *v,
                                                                      const int32_t *t,
                                                                      size_t count, int32_t base,
                                                                      int32_t mul) {
  uint64_t bits = 0;
  size_t q = 0;
  __m256i vb = _mm256_set1_epi32(base);
  for (; q + 8 <= count; q += 8) {
    __m256i x = _mm256_loadu_si256((const __m256i *)(v + q));
    __m256i z = mul == 1 ? _mm256_add_epi32(vb, x) : _mm256_sub_epi32(vb, _mm256_add_epi32(x, x));
    __m256i lt = _mm256_cmpgt_epi32(_mm256_loadu_si256((const __m256i *)(t + q)), z);
    bits |= (uint64_t)(uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(lt)) << q;
  }
  /* q reaches 64 for a full word: shifting by 64 is undefined, and there is no tail. */
  return q < count ? bits | (sse2_threshold_bits(v + q, t + q, count - q, base, mul) << q) : bits;
}

/* Vector steps (AVX_V x 4 words) and POPCNT words (AVX_H) per step. */
#ifndef AVX_V
#define AVX_V 1
#endif
#ifndef AVX_H
#define AVX_H 1
#endif
#ifndef AVX_BP_H
#define AVX_BP_H 0
#endif

/* out[q] = sum of the four 64-bit lanes of s_q (each lane < 2^32). Packs two
 * vectors into the 32-bit halves of one, so 4 totals cost ~10 instructions. */
BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE void avx2_hsum4(__m256i s0, __m256i s1, __m256i s2,
                                                         __m256i s3, uint32_t out[4]) {
  __m256i t01 = _mm256_or_si256(s0, _mm256_slli_epi64(s1, 32));
  __m256i t23 = _mm256_or_si256(s2, _mm256_slli_epi64(s3, 32));
  __m256i u = _mm256_add_epi32(_mm256_unpacklo_epi64(t01, t23), _mm256_unpackhi_epi64(t01, t23));
  __m128i v = _mm_add_epi32(_mm256_castsi256_si128(u), _mm256_extracti128_si256(u, 1));
  _mm_storeu_si128((__m128i *)out, v);
}

BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE __m256i avx2_op(int op, __m256i x, __m256i y) {
  return op == KOP_XOR ? _mm256_xor_si256(x, y) : _mm256_and_si256(x, y);
}

BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE void avx2_tile(int op, int R, int C, const uint64_t *a,
                                                        size_t as, const uint64_t *w, size_t ws,
                                                        size_t words, uint64_t *cnt) {
  const int V = AVX_V, H = op == KOP_AND ? AVX_BP_H : AVX_H, STEP = 4 * V + H;
  __m256i sum[4][4], acc[4][4];
  uint64_t ssum[4][4] = {{0}};
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) sum[r][c] = acc[r][c] = _mm256_setzero_si256();
  size_t k = 0;
  size_t hend = words / STEP * STEP; /* words in whole hybrid steps */
  while (k < hend) {
    /* at most 31 vector steps into the byte counters, then widen them */
    size_t steps = bnn_min((hend - k) / STEP, 31 / V);
    for (size_t s = 0; s < steps; s++, k += STEP) {
      for (int v = 0; v < V; v++) {
        __m256i av[4], wv[4];
        for (int r = 0; r < R; r++)
          av[r] = _mm256_loadu_si256((const __m256i *)(a + (size_t)r * as + k + 4 * v));
        for (int c = 0; c < C; c++)
          wv[c] = _mm256_loadu_si256((const __m256i *)(w + (size_t)c * ws + k + 4 * v));
        for (int r = 0; r < R; r++)
          for (int c = 0; c < C; c++)
            acc[r][c] = _mm256_add_epi8(acc[r][c], avx2_popcount_bytes(avx2_op(op, av[r], wv[c])));
      }
      for (int h = 0; h < H; h++) {
        uint64_t as_[4], ws_[4];
        for (int r = 0; r < R; r++) as_[r] = a[(size_t)r * as + k + 4 * V + h];
        for (int c = 0; c < C; c++) ws_[c] = w[(size_t)c * ws + k + 4 * V + h];
        for (int r = 0; r < R; r++)
          for (int c = 0; c < C; c++)
            ssum[r][c] +=
                (uint64_t)__builtin_popcountll(op == KOP_XOR ? as_[r] ^ ws_[c] : as_[r] & ws_[c]);
      }
    }
    for (int r = 0; r < R; r++)
      for (int c = 0; c < C; c++) {
        sum[r][c] = _mm256_add_epi64(sum[r][c], _mm256_sad_epu8(acc[r][c], _mm256_setzero_si256()));
        acc[r][c] = _mm256_setzero_si256();
      }
  }
  for (; k + 4 <= words; k += 4) { /* < STEP words left: at most (STEP-1)/4 steps */
    __m256i av[4], wv[4];
    for (int r = 0; r < R; r++)
      av[r] = _mm256_loadu_si256((const __m256i *)(a + (size_t)r * as + k));
    for (int c = 0; c < C; c++)
      wv[c] = _mm256_loadu_si256((const __m256i *)(w + (size_t)c * ws + k));
    for (int r = 0; r < R; r++)
      for (int c = 0; c < C; c++)
        acc[r][c] = _mm256_add_epi8(acc[r][c], avx2_popcount_bytes(avx2_op(op, av[r], wv[c])));
  }
  /* widen the last byte counters, then reduce 4 pairs at a time */
  __m256i fin[16];
  uint32_t vsum[16];
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++)
      fin[r * C + c] =
          _mm256_add_epi64(sum[r][c], _mm256_sad_epu8(acc[r][c], _mm256_setzero_si256()));
  for (int g = 0; g < R * C; g += 4)
    avx2_hsum4(fin[g], g + 1 < R * C ? fin[g + 1] : _mm256_setzero_si256(),
               g + 2 < R * C ? fin[g + 2] : _mm256_setzero_si256(),
               g + 3 < R * C ? fin[g + 3] : _mm256_setzero_si256(), vsum + g);
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) {
      uint64_t total = vsum[r * C + c] + ssum[r][c];
      for (size_t q = k; q < words; q++) {
        uint64_t x = op == KOP_XOR ? a[(size_t)r * as + q] ^ w[(size_t)c * ws + q]
                                   : a[(size_t)r * as + q] & w[(size_t)c * ws + q];
        total += (uint64_t)__builtin_popcountll(x);
      }
      cnt[r * C + c] = total;
    }
}

/* 2 x 2 tile (4 ymm operands, 4 byte counters); 1 x 4 for batch 1. */
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
#define KBP_R 2 /* 2 planes x 2 neurons: ~4% faster than 4 x 1, 8 x 1 spills */
#define KBP_C 2
#define KBITS avx2_threshold_bits
#include "kernels_blocked.h"

/* Bit-planes of 64 pixels (one word of each plane) per step. vpmovmskb gathers
 * bit 7 of 32 bytes; adding a vector to itself shifts every byte left by one, so
 * the planes come out 7, 6, ..., 0. The last partial word goes through a zeroed
 * copy (no read past pixels + count). */
BNN_TARGET_AVX2 static void avx2_pack_bitplanes(const uint8_t *pixels, size_t count,
                                                uint64_t *planes, size_t words) {
  for (size_t k = 0; k < words; k++) {
    uint8_t tail[64];
    const uint8_t *src = tail;
    if (64 * k + 64 <= count) {
      src = pixels + 64 * k;
    } else {
      for (size_t q = 0; q < 64; q++) tail[q] = 64 * k + q < count ? pixels[64 * k + q] : 0;
    }
    __m256i lo = _mm256_loadu_si256((const __m256i *)src);
    __m256i hi = _mm256_loadu_si256((const __m256i *)(src + 32));
    for (int b = 7; b >= 0; b--) {
      planes[(size_t)b * words + k] = (uint64_t)(uint32_t)_mm256_movemask_epi8(lo) |
                                      (uint64_t)(uint32_t)_mm256_movemask_epi8(hi) << 32;
      lo = _mm256_add_epi8(lo, lo);
      hi = _mm256_add_epi8(hi, hi);
    }
  }
}

/* ------------------------------------------------------------------------ */
/* First dense layer on int8 (bnn_int8_dense_threshold_fn). Per 32 pixels and neuron,
 * vpmaddubsw multiplies the pixels (u8) by the weights (+1 / -1, s8) and adds pairs,
 * exactly (|pair| <= 510), into int16 lanes, which take 64 such steps (|lane| <= 32640)
 * before vpmaddwd widens them into int32. A tile is R rows x C neurons: each weight vector
 * serves R rows, each pixel vector C neurons. The last k % 32 pixels of a row come from a
 * zero-padded copy (no read past the row). Measured on a Zen 3 (AVX2), batch 1,
 * 784 x 1024: 15 us against 53 us for the bit-plane kernels; the expanded weights (8x the
 * bits) stream from L2/L3 faster than the 8 bit-planes are counted. */

enum { INT8_STEP = 32, INT8_SPAN = 64 };

BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE int32_t avx2_sum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
  return _mm_cvtsi128_si32(s);
}

/* d[r*C + c] = dot of row r (x[r]: `full` whole steps, then tail[r] when has_tail) with
 * weight row c (w + c*row). */
BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE void avx2_int8_tile(int R, int C, const uint8_t *const *x,
                                                             const uint8_t (*tail)[INT8_STEP],
                                                             int has_tail, const int8_t *w,
                                                             size_t row, size_t full, int32_t *d) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc[2][4];
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) acc[r][c] = _mm256_setzero_si256();
  for (size_t s = 0; s < full;) {
    size_t end = bnn_min(s + INT8_SPAN, full);
    __m256i lanes[2][4];
    for (int r = 0; r < R; r++)
      for (int c = 0; c < C; c++) lanes[r][c] = _mm256_setzero_si256();
    for (; s < end; s++) {
      __m256i xv[2];
      for (int r = 0; r < R; r++)
        xv[r] = _mm256_loadu_si256((const __m256i *)(x[r] + INT8_STEP * s));
      for (int c = 0; c < C; c++) {
        __m256i wv = _mm256_loadu_si256((const __m256i *)(w + c * row + INT8_STEP * s));
        for (int r = 0; r < R; r++)
          lanes[r][c] = _mm256_add_epi16(lanes[r][c], _mm256_maddubs_epi16(xv[r], wv));
      }
    }
    for (int r = 0; r < R; r++)
      for (int c = 0; c < C; c++)
        acc[r][c] = _mm256_add_epi32(acc[r][c], _mm256_madd_epi16(lanes[r][c], ones));
  }
  if (has_tail) {
    for (int c = 0; c < C; c++) {
      __m256i wv = _mm256_loadu_si256((const __m256i *)(w + c * row + INT8_STEP * full));
      for (int r = 0; r < R; r++) {
        __m256i xv = _mm256_loadu_si256((const __m256i *)tail[r]);
        acc[r][c] =
            _mm256_add_epi32(acc[r][c], _mm256_madd_epi16(_mm256_maddubs_epi16(xv, wv), ones));
      }
    }
  }
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) d[r * C + c] = avx2_sum_i32(acc[r][c]);
}

/* The dots of rows x[0..R) with neurons [g0, g1) into v[r][j - g0]. */
BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE void
avx2_int8_group(int R, const uint8_t *const *x, const uint8_t (*tail)[INT8_STEP], int has_tail,
                const int8_t *w, size_t row, size_t full, size_t g0, size_t g1, int32_t (*v)[64]) {
  int32_t d[8];
  size_t j = g0;
  for (; j + 4 <= g1; j += 4) {
    avx2_int8_tile(R, 4, x, tail, has_tail, w + j * row, row, full, d);
    for (int r = 0; r < R; r++)
      for (int c = 0; c < 4; c++) v[r][j - g0 + c] = d[r * 4 + c];
  }
  for (; j < g1; j++) {
    avx2_int8_tile(R, 1, x, tail, has_tail, w + j * row, row, full, d);
    for (int r = 0; r < R; r++) v[r][j - g0] = d[r];
  }
}

/* Both entries in one body: with `dots` NULL, the thresholded bits into `out`; else the dot
 * products into `dots` (each caller passes a constant, so the branches fold away). */
BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE void avx2_int8_dense(const uint8_t *x, size_t xs, size_t m,
                                                              const int8_t *w, size_t n, size_t k,
                                                              const int32_t *t,
                                                              const uint64_t *flip, uint64_t *out,
                                                              size_t os, int32_t *dots, size_t ds) {
  size_t row = bnn_int8_row_bytes(k), full = k / INT8_STEP, rest = k % INT8_STEP;
  /* weight rows per cache block: ~192 KB, whole output words */
  size_t nb = (192u * 1024u / (row ? row : 1)) & ~(size_t)63;
  if (nb < 64) nb = 64;
  for (size_t b0 = 0; b0 < n; b0 += nb) {
    size_t b1 = bnn_min(b0 + nb, n);
    for (size_t i = 0; i < m; i += 2) {
      int pair = i + 1 < m;
      const uint8_t *rows[2] = {x + i * xs, x + (i + (size_t)pair) * xs};
      uint8_t tail[2][INT8_STEP];
      for (int r = 0; r < 2; r++)
        for (size_t q = 0; q < INT8_STEP; q++)
          tail[r][q] = q < rest ? rows[r][INT8_STEP * full + q] : 0;
      for (size_t g0 = b0; g0 < b1; g0 += 64) {
        size_t g1 = bnn_min(g0 + 64, b1), ow = g0 / 64;
        int32_t v[2][64];
        if (pair)
          avx2_int8_group(2, rows, (const uint8_t(*)[INT8_STEP])tail, rest != 0, w, row, full, g0,
                          g1, v);
        else
          avx2_int8_group(1, rows, (const uint8_t(*)[INT8_STEP])tail, rest != 0, w, row, full, g0,
                          g1, v);
        if (dots) {
          for (int r = 0; r <= pair; r++)
            __builtin_memcpy(dots + (i + (size_t)r) * ds + g0, v[r], (g1 - g0) * sizeof(int32_t));
          continue;
        }
        uint64_t mask = bnn_used_mask(g1 - g0);
        for (int r = 0; r <= pair; r++)
          out[(i + (size_t)r) * os + ow] =
              (avx2_threshold_bits(v[r], t + g0, g1 - g0, 0, 1) ^ flip[ow]) & mask;
      }
    }
  }
}

BNN_TARGET_AVX2 static void avx2_int8_dense_threshold(const uint8_t *x, size_t xs, size_t m,
                                                      const int8_t *w, size_t n, size_t k,
                                                      const int32_t *t, const uint64_t *flip,
                                                      uint64_t *out, size_t os) {
  avx2_int8_dense(x, xs, m, w, n, k, t, flip, out, os, NULL, 0);
}

BNN_TARGET_AVX2 static void avx2_int8_dense_gemm(const uint8_t *x, size_t xs, size_t m,
                                                 const int8_t *w, size_t n, size_t k, int32_t *dots,
                                                 size_t ds) {
  avx2_int8_dense(x, xs, m, w, n, k, NULL, NULL, NULL, 0, dots, ds);
}

const bnn_kernels bnn_avx2_kernels = {
    BNN_PATH_AVX2,
    "avx2",
    avx2_xor_popcount_gemm,
    avx2_xor_popcount_threshold,
    avx2_bitplane_gemm,
    avx2_bitplane_threshold,
    avx2_pack_bitplanes,
    bnn_avx2_pixel_conv_threshold,
    /* the channel-blocked form: 1.0-3.2x gathered patches + the GEMM above on every 3x3
     * layer bnn-kernel-bench --conv measures (most on 32 input channels) */
    bnn_avx2_binary_conv_threshold,
    bnn_avx2_binary_conv_gemm,
    bnn_avx2_binary_conv_pack,
    avx2_int8_dense_threshold,
    avx2_int8_dense_gemm,
};

#endif /* x86-64 */
