/*
 * x86-64 AVX-512 kernels: 512-bit vectors with the VPOPCNTQ instruction
 * (AVX512_VPOPCNTDQ), which counts the bits of 8 words in one instruction.
 *
 * Compiled with per-function target attributes (no global -mavx512* flags), so the
 * file links into a binary that runs on any x86-64; dispatch.c hands the table out
 * only when cpuid (and the OS's zmm state, which __builtin_cpu_supports checks)
 * says the CPU runs AVX512F + AVX512VL + AVX512BW + AVX512_VPOPCNTDQ.
 *
 * The math is the scalar reference's (kernels_scalar.c); only the order of work
 * differs:
 *
 *   XOR tile (hidden layers), for R activation rows x C weight rows:
 *       cnt[r][c] = sum_{k < words} popcount(a_r[k] XOR w_c[k])
 *     8 words per step: vpxorq + vpopcntq + vpaddq per pair, into 64-bit lanes
 *     (no narrow counters to widen). The last words - words%8 ... words-1 are read
 *     with masked loads, which neither read nor fault on the masked-out words, so
 *     no kernel reads past base + (rows-1)*stride + words.
 *     kernels_blocked.h builds the GEMM / threshold kernels around this tile.
 *
 *   Bit-plane first layer (8-bit pixels, see cpopcount.h):
 *       dot_j = ones - 2 * neg_j,  ones  = sum_b 2^b popcount(plane_b),
 *                                  neg_j = sum_b 2^b popcount(plane_b AND w_j)
 *     The row's planes are interleaved once per row, P[k] = (plane_0[k], ...,
 *     plane_7[k]) in one zmm (a 784-pixel row is 13 zmm). Then for neuron j
 *         acc_j = sum_k popcount(P[k] AND broadcast(w_j[k]))     (lane b: plane b)
 *         neg_j = sum_b acc_j[b] << b
 *     one vpandq (with the weight word broadcast from memory) + vpopcntq + vpaddq
 *     per word and neuron, 8 neurons per tile sharing each P[k].
 */
#include "kernels_internal.h"

#if defined(__x86_64__) || defined(_M_X64)

#include "kernels_avx512.h"

#include "kernels_blocked.h"

/* ------------------------------------------------------------------------ */
/* Helpers */

/* Lane c of the result = sum of the 8 lanes of v[c] (c < 8): a transposing
 * reduction, 21 instructions for 8 sums. */
BNN_TARGET_AVX512 static BNN_ALWAYS_INLINE __m512i avx512_hsum8(const __m512i v[8]) {
  __m512i s[4];
  /* s[q] 128-bit chunk h = (v[2q] lanes 2h + 2h+1, v[2q+1] lanes 2h + 2h+1) */
  for (int q = 0; q < 4; q++)
    s[q] = _mm512_add_epi64(_mm512_unpacklo_epi64(v[2 * q], v[2 * q + 1]),
                            _mm512_unpackhi_epi64(v[2 * q], v[2 * q + 1]));
  /* chunks: (s0 c0+c1, s0 c2+c3, s1 c0+c1, s1 c2+c3), same for s2, s3 */
  __m512i t01 = _mm512_add_epi64(_mm512_shuffle_i64x2(s[0], s[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                 _mm512_shuffle_i64x2(s[0], s[1], _MM_SHUFFLE(3, 1, 3, 1)));
  __m512i t23 = _mm512_add_epi64(_mm512_shuffle_i64x2(s[2], s[3], _MM_SHUFFLE(2, 0, 2, 0)),
                                 _mm512_shuffle_i64x2(s[2], s[3], _MM_SHUFFLE(3, 1, 3, 1)));
  /* chunk h = (total of v[2h], total of v[2h+1]) */
  return _mm512_add_epi64(_mm512_shuffle_i64x2(t01, t23, _MM_SHUFFLE(2, 0, 2, 0)),
                          _mm512_shuffle_i64x2(t01, t23, _MM_SHUFFLE(3, 1, 3, 1)));
}

/* Threshold bits 16 neurons at a time: bit q = (z_q < t_q), z = base + mul*v_q with
 * mul in {-2, 1} (see bnn_threshold_bits); masked loads for the last < 16. */
BNN_TARGET_AVX512 static BNN_ALWAYS_INLINE uint64_t
avx512_threshold_bits(const int32_t *v, const int32_t *t, size_t count, int32_t base, int32_t mul) {
  uint64_t bits = 0;
  __m512i vb = _mm512_set1_epi32(base);
  for (size_t q = 0; q < count; q += 16) {
    __mmask16 m = count - q >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (count - q)) - 1);
    __m512i x = _mm512_maskz_loadu_epi32(m, v + q);
    __m512i z = mul == 1 ? _mm512_add_epi32(vb, x) : _mm512_sub_epi32(vb, _mm512_add_epi32(x, x));
    bits |= (uint64_t)_mm512_mask_cmplt_epi32_mask(m, z, _mm512_maskz_loadu_epi32(m, t + q)) << q;
  }
  return bits;
}

BNN_TARGET_AVX512 static BNN_ALWAYS_INLINE __m512i avx512_op(int op, __m512i x, __m512i y) {
  return op == KOP_XOR ? _mm512_xor_si512(x, y) : _mm512_and_si512(x, y);
}

/* Batch-1 weight prefetch distance, in tiles. */
#ifndef AVX512_PF
#define AVX512_PF 2
#endif

/* ------------------------------------------------------------------------ */
/* Register tile: cnt[r*C + c] = sum_k popcount(a_r[k] OP w_c[k]). R*C <= 16
 * accumulators and R + C operands stay in the 32 zmm registers. */

BNN_TARGET_AVX512 static BNN_ALWAYS_INLINE void avx512_tile(int op, int R, int C, const uint64_t *a,
                                                            size_t as, const uint64_t *w, size_t ws,
                                                            size_t words, uint64_t *cnt) {
  __m512i acc[16];
  for (int x = 0; x < R * C; x++) acc[x] = _mm512_setzero_si512();
  size_t k = 0;
  for (; k + 8 <= words; k += 8) {
    __m512i av[4], wv[16];
    for (int r = 0; r < R; r++) av[r] = _mm512_loadu_si512(a + (size_t)r * as + k);
    for (int c = 0; c < C; c++) wv[c] = _mm512_loadu_si512(w + (size_t)c * ws + k);
    /* One activation row streams every weight row once: prefetch the rows of the
     * tile after next (measured ~10% on the batch-1 hidden layers). A prefetch
     * never faults and is no read of the block; uintptr_t arithmetic, since the
     * address may lie past the weights. */
    if (R == 1)
      for (int c = 0; c < C; c++)
        _mm_prefetch((const char *)((uintptr_t)w + ((size_t)(c + AVX512_PF * C) * ws + k) * 8),
                     _MM_HINT_T0);
    for (int r = 0; r < R; r++)
      for (int c = 0; c < C; c++)
        acc[r * C + c] =
            _mm512_add_epi64(acc[r * C + c], _mm512_popcnt_epi64(avx512_op(op, av[r], wv[c])));
  }
  if (k < words) { /* 1..7 words left: masked loads read only those */
    __mmask8 m = (__mmask8)((1u << (words - k)) - 1);
    __m512i av[4], wv[16];
    for (int r = 0; r < R; r++) av[r] = _mm512_maskz_loadu_epi64(m, a + (size_t)r * as + k);
    for (int c = 0; c < C; c++) wv[c] = _mm512_maskz_loadu_epi64(m, w + (size_t)c * ws + k);
    for (int r = 0; r < R; r++)
      for (int c = 0; c < C; c++)
        acc[r * C + c] =
            _mm512_add_epi64(acc[r * C + c], _mm512_popcnt_epi64(avx512_op(op, av[r], wv[c])));
  }
  for (int g = 0; g < R * C; g += 8) {
    __m512i v[8];
    for (int x = 0; x < 8; x++) v[x] = g + x < R * C ? acc[g + x] : _mm512_setzero_si512();
    uint64_t sums[8];
    _mm512_storeu_si512(sums, avx512_hsum8(v));
    for (int x = 0; x < 8 && g + x < R * C; x++) cnt[g + x] = sums[x];
  }
}

/* 4 x 4 tile (8 loads feed 16 pairs); 1 x 8 for batch 1. */
#ifndef AVX512_R
#define AVX512_R 4
#endif
#ifndef AVX512_C
#define AVX512_C 4
#endif
#ifndef AVX512_ONE
#define AVX512_ONE 8
#endif

/* The template's bit-plane kernels (AND tiles of planes x neurons) serve rows
 * longer than BP_MAX_WORDS; shorter ones take the interleaved path below. */
#define KFN(name) avx512_##name
#define KTARGET BNN_TARGET_AVX512
#define KTILE avx512_tile
#define KROWS_R AVX512_R
#define KROWS_C AVX512_C
#define KONE_C AVX512_ONE
#define KBP_R 4
#define KBP_C 2
#define KBITS avx512_threshold_bits
#include "kernels_blocked.h"

/* ------------------------------------------------------------------------ */
/* Bit-plane first layer on interleaved planes (see the top of the file). */

/* Rows up to 64 words (4096 pixels): P takes 4 KB of stack. */
enum { BP_MAX_WORDS = 64 };

/* P[k] lane b = plane_b[k] = p[b*words + k] for k < words (one gather per word);
 * returns ones = sum_b 2^b popcount(plane_b). */
BNN_TARGET_AVX512 static BNN_ALWAYS_INLINE int32_t avx512_interleave_planes(const uint64_t *p,
                                                                            size_t words,
                                                                            __m512i *P) {
  const long long s = (long long)words;
  const __m512i plane_at = _mm512_set_epi64(7 * s, 6 * s, 5 * s, 4 * s, 3 * s, 2 * s, s, 0);
  const __m512i shift = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  __m512i ones = _mm512_setzero_si512();
  for (size_t k = 0; k < words; k++) {
    P[k] = _mm512_i64gather_epi64(plane_at, (const void *)(p + k), 8);
    ones = _mm512_add_epi64(ones, _mm512_popcnt_epi64(P[k]));
  }
  return (int32_t)_mm512_reduce_add_epi64(_mm512_sllv_epi64(ones, shift));
}

/* dot_j for the `count` (1..8) neurons j0 .. j0+count-1 (rows w + j*ws), as 8
 * int32 lanes; lanes >= count repeat the last neuron. */
BNN_TARGET_AVX512 static BNN_ALWAYS_INLINE __m256i avx512_bp_dots8(const __m512i *P, size_t words,
                                                                   int32_t ones, const uint64_t *w,
                                                                   size_t ws, size_t count) {
  const uint64_t *wc[8];
  for (size_t c = 0; c < 8; c++) wc[c] = w + (c < count ? c : count - 1) * ws;
  __m512i acc[8];
  for (int c = 0; c < 8; c++) acc[c] = _mm512_setzero_si512();
  for (size_t k = 0; k < words; k++) {
    __m512i x = P[k];
    for (int c = 0; c < 8; c++)
      acc[c] = _mm512_add_epi64(
          acc[c], _mm512_popcnt_epi64(_mm512_and_si512(x, _mm512_set1_epi64((long long)wc[c][k]))));
  }
  /* lane b of acc[c] counts plane b: weight it by 2^b before summing the lanes */
  const __m512i shift = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  for (int c = 0; c < 8; c++) acc[c] = _mm512_sllv_epi64(acc[c], shift);
  __m256i neg = _mm512_cvtepi64_epi32(avx512_hsum8(acc)); /* each <= 255 * 64 bits * 64 words */
  return _mm256_sub_epi32(_mm256_set1_epi32(ones), _mm256_add_epi32(neg, neg));
}

BNN_TARGET_AVX512 static void avx512_bitplane_gemm_interleaved(const uint64_t *planes, size_t ps,
                                                               size_t m, const uint64_t *w,
                                                               size_t ws, size_t n, size_t words,
                                                               int32_t *dots, size_t ds) {
  if (words > BP_MAX_WORDS) {
    avx512_bitplane_gemm(planes, ps, m, w, ws, n, words, dots, ds);
    return;
  }
  __m512i P[BP_MAX_WORDS];
  size_t nb = bnn_w_block_rows(words);
  for (size_t j0 = 0; j0 < n; j0 += nb) {
    size_t j1 = bnn_min(j0 + nb, n);
    for (size_t i = 0; i < m; i++) {
      int32_t ones = avx512_interleave_planes(planes + i * ps, words, P);
      for (size_t j = j0; j < j1; j += 8) {
        size_t count = bnn_min(8, j1 - j);
        __m256i d = avx512_bp_dots8(P, words, ones, w + j * ws, ws, count);
        _mm256_mask_storeu_epi32(dots + i * ds + j, (__mmask8)((1u << count) - 1), d);
      }
    }
  }
}

BNN_TARGET_AVX512 static void avx512_bitplane_threshold_interleaved(
    const uint64_t *planes, size_t ps, size_t m, const uint64_t *w, size_t ws, size_t n,
    size_t words, const int32_t *t, const uint64_t *flip, uint64_t *out, size_t os) {
  if (words > BP_MAX_WORDS) {
    avx512_bitplane_threshold(planes, ps, m, w, ws, n, words, t, flip, out, os);
    return;
  }
  __m512i P[BP_MAX_WORDS];
  size_t nb = bnn_w_block_rows(words); /* a multiple of 64: whole output words */
  for (size_t b0 = 0; b0 < n; b0 += nb) {
    size_t b1 = bnn_min(b0 + nb, n);
    for (size_t i = 0; i < m; i++) {
      int32_t ones = avx512_interleave_planes(planes + i * ps, words, P);
      for (size_t g0 = b0; g0 < b1; g0 += 64) {
        size_t g1 = bnn_min(g0 + 64, b1), ow = g0 / 64;
        uint64_t bits = 0;
        for (size_t j = g0; j < g1; j += 8) {
          size_t count = bnn_min(8, g1 - j);
          __mmask8 used = (__mmask8)((1u << count) - 1);
          __m256i d = avx512_bp_dots8(P, words, ones, w + j * ws, ws, count);
          __m256i tj = _mm256_maskz_loadu_epi32(used, t + j);
          bits |= (uint64_t)_mm256_mask_cmplt_epi32_mask(used, d, tj) << (j - g0);
        }
        out[i * os + ow] = (bits ^ flip[ow]) & bnn_used_mask(g1 - g0);
      }
    }
  }
}

/* Bit-planes of 64 pixels per step: vptestmb of the 64 bytes against 1 << b gives
 * plane b's word directly. Masked loads read only pixels[0 .. count). */
BNN_TARGET_AVX512 static void avx512_pack_bitplanes(const uint8_t *pixels, size_t count,
                                                    uint64_t *planes, size_t words) {
  for (size_t k = 0; k < words; k++) {
    size_t have = 64 * k < count ? bnn_min(count - 64 * k, 64) : 0;
    __m512i x = _mm512_setzero_si512();
    if (have) x = _mm512_maskz_loadu_epi8(bnn_used_mask(have), pixels + 64 * k);
    for (int b = 0; b < 8; b++)
      planes[(size_t)b * words + k] = _mm512_test_epi8_mask(x, _mm512_set1_epi8((char)(1 << b)));
  }
}

const bnn_kernels bnn_avx512_kernels = {
    BNN_PATH_AVX512,
    "avx512",
    avx512_xor_popcount_gemm,
    avx512_xor_popcount_threshold,
    avx512_bitplane_gemm_interleaved,
    avx512_bitplane_threshold_interleaved,
    avx512_pack_bitplanes,
    bnn_avx2_pixel_conv_threshold,    /* every AVX-512 CPU has AVX2 (dispatch.c checks it) */
    bnn_avx512_binary_conv_threshold, /* binary_conv_avx512.c */
    bnn_avx512_binary_conv_gemm,
    bnn_avx2_binary_conv_pack, /* the layout both x86 forms read (plain C) */
    NULL, /* bit-planes: the int8 form (AVX2) is not measured on an AVX-512 CPU yet */
    NULL,
};

#endif /* x86-64 */
