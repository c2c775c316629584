/*
 * Blocking and remainder handling shared by the optimised paths (x86 POPCNT,
 * x86 AVX2, x86 AVX-512, AArch64 NEON). Not a public header: a kernel file defines one register
 * tile and includes this file to get the four kernels built around it.
 *
 * Before including, define:
 *   KFN(name)   the name of a generated function, e.g. popcnt_##name
 *   KTARGET     function attributes (target("...")), or nothing
 *   KTILE       an always-inline tile function
 *                 void KTILE(int op, int R, int C, const uint64_t *a, size_t as,
 *                            const uint64_t *w, size_t ws, size_t words, uint64_t *cnt)
 *               cnt[r*C + c] = sum_{k<words} popcount(a_r[k] OP w_c[k]),
 *               a_r = a + r*as, w_c = w + c*ws, OP = XOR (op == KOP_XOR) or AND.
 *               R, C are compile-time constants at every call.
 *   KROWS_R, KROWS_C  the main tile (R activation rows x C weight rows, R <= 4,
 *                     R*C <= 16);
 *   KONE_C            the tile for a single activation row (batch 1, and m % R; <= 16);
 *   KBP_R, KBP_C      the bit-plane tile: KBP_R planes (1, 2 or 4) x KBP_C neurons
 *                     (KBP_C <= 4);
 *   KBITS       optional: a replacement for bnn_threshold_bits (same contract).
 * (Including it with KFN undefined gives only the helpers below.)
 * The including file then defines its bnn_kernels table from
 *   KFN(xor_popcount_gemm), KFN(xor_popcount_threshold), KFN(bitplane_gemm),
 *   KFN(bitplane_threshold), KFN(binary_conv_threshold) (im2col + the threshold GEMM),
 *   KFN(binary_conv_gemm) (im2col + the count GEMM).
 *
 * Loop order: weight rows are cut into blocks of about 192 KB (they stay in L2)
 * and each block is swept by every activation row tile; inside a tile each loaded
 * word is reused R (or C) times from registers.
 */

#ifndef CPOPCOUNT_KERNELS_BLOCKED_ONCE
#define CPOPCOUNT_KERNELS_BLOCKED_ONCE

#define BNN_ALWAYS_INLINE inline __attribute__((always_inline))

enum { KOP_XOR = 0, KOP_AND = 1 };

static BNN_ALWAYS_INLINE size_t bnn_min(size_t x, size_t y) { return x < y ? x : y; }

/* Weight rows per cache block: ~192 KB of weights, a multiple of 64 rows so the
 * threshold kernels always fill whole output words. */
static BNN_ALWAYS_INLINE size_t bnn_w_block_rows(size_t row_words) {
  size_t rows = (192u * 1024u / 8u) / (row_words ? row_words : 1);
  rows &= ~(size_t)63;
  return rows < 64 ? 64 : rows;
}

/* Low `count` bits set (count <= 64). */
static BNN_ALWAYS_INLINE uint64_t bnn_used_mask(size_t count) {
  return count >= 64 ? ~0ULL : ((1ULL << count) - 1);
}

/* Bit q (q < count <= 64) = (z_q < t_q), with z_q = base + mul * v_q:
 * mul = -2, base = k_bits for XOR counts (z = K - 2p); mul = 1, base = 0 for dots. */
static BNN_ALWAYS_INLINE uint64_t bnn_threshold_bits(const int32_t *v, const int32_t *t,
                                                     size_t count, int32_t base, int32_t mul) {
  uint64_t bits = 0;
  for (size_t q = 0; q < count; q++) bits |= (uint64_t)(base + mul * v[q] < t[q]) << q;
  return bits;
}

#endif /* CPOPCOUNT_KERNELS_BLOCKED_ONCE */

/* Included without KFN: only the helpers above (for the tile definitions). */
#ifdef KFN

#ifndef KBITS
#define KBITS bnn_threshold_bits
#endif

/* ------------------------------------------------------------------------ */
/* counts[i][j] = popcount(a_i XOR w_j) */

KTARGET static void KFN(xor_popcount_gemm)(const uint64_t *a, size_t as, size_t m,
                                           const uint64_t *w, size_t ws, size_t n, size_t words,
                                           int32_t *counts, size_t cs) {
  uint64_t c[16];
  size_t nb = bnn_w_block_rows(words);
  for (size_t j0 = 0; j0 < n; j0 += nb) {
    size_t j1 = bnn_min(j0 + nb, n);
    size_t i = 0;
    for (; i + KROWS_R <= m; i += KROWS_R) {
      const uint64_t *ai = a + i * as;
      int32_t *ci = counts + i * cs;
      size_t j = j0;
      for (; j + KROWS_C <= j1; j += KROWS_C) {
        KTILE(KOP_XOR, KROWS_R, KROWS_C, ai, as, w + j * ws, ws, words, c);
        for (int r = 0; r < KROWS_R; r++)
          for (int q = 0; q < KROWS_C; q++) ci[r * cs + j + q] = (int32_t)c[r * KROWS_C + q];
      }
      for (; j < j1; j++) {
        KTILE(KOP_XOR, KROWS_R, 1, ai, as, w + j * ws, ws, words, c);
        for (int r = 0; r < KROWS_R; r++) ci[r * cs + j] = (int32_t)c[r];
      }
    }
    for (; i < m; i++) {
      const uint64_t *ai = a + i * as;
      int32_t *ci = counts + i * cs;
      size_t j = j0;
      for (; j + KONE_C <= j1; j += KONE_C) {
        KTILE(KOP_XOR, 1, KONE_C, ai, 0, w + j * ws, ws, words, c);
        for (int q = 0; q < KONE_C; q++) ci[j + q] = (int32_t)c[q];
      }
      for (; j < j1; j++) {
        KTILE(KOP_XOR, 1, 1, ai, 0, w + j * ws, ws, words, c);
        ci[j] = (int32_t)c[0];
      }
    }
  }
}

/* ------------------------------------------------------------------------ */
/* out bit j of row i = (k_bits - 2*popcount(a_i XOR w_j) < t_j) XOR flip_j.
 * Neurons go 64 at a time (one output word): the tiles fill the counts of the
 * group, KBITS turns them into one whole output word. */

KTARGET static void KFN(xor_popcount_threshold)(const uint64_t *a, size_t as, size_t m,
                                                const uint64_t *w, size_t ws, size_t n,
                                                size_t words, int32_t k_bits, const int32_t *t,
                                                const uint64_t *flip, uint64_t *out, size_t os) {
  uint64_t c[16];
  int32_t v[KROWS_R][64];
  size_t nb = bnn_w_block_rows(words);
  for (size_t b0 = 0; b0 < n; b0 += nb) {
    size_t b1 = bnn_min(b0 + nb, n);
    size_t i = 0;
    for (; i + KROWS_R <= m; i += KROWS_R) {
      const uint64_t *ai = a + i * as;
      for (size_t g0 = b0; g0 < b1; g0 += 64) {
        size_t g1 = bnn_min(g0 + 64, b1), ow = g0 / 64;
        size_t j = g0;
        for (; j + KROWS_C <= g1; j += KROWS_C) {
          KTILE(KOP_XOR, KROWS_R, KROWS_C, ai, as, w + j * ws, ws, words, c);
          for (int r = 0; r < KROWS_R; r++)
            for (int q = 0; q < KROWS_C; q++) v[r][j - g0 + q] = (int32_t)c[r * KROWS_C + q];
        }
        for (; j < g1; j++) {
          KTILE(KOP_XOR, KROWS_R, 1, ai, as, w + j * ws, ws, words, c);
          for (int r = 0; r < KROWS_R; r++) v[r][j - g0] = (int32_t)c[r];
        }
        uint64_t mask = bnn_used_mask(g1 - g0);
        for (int r = 0; r < KROWS_R; r++)
          out[(i + r) * os + ow] = (KBITS(v[r], t + g0, g1 - g0, k_bits, -2) ^ flip[ow]) & mask;
      }
    }
    for (; i < m; i++) {
      const uint64_t *ai = a + i * as;
      for (size_t g0 = b0; g0 < b1; g0 += 64) {
        size_t g1 = bnn_min(g0 + 64, b1), ow = g0 / 64;
        size_t j = g0;
        for (; j + KONE_C <= g1; j += KONE_C) {
          KTILE(KOP_XOR, 1, KONE_C, ai, 0, w + j * ws, ws, words, c);
          for (int q = 0; q < KONE_C; q++) v[0][j - g0 + q] = (int32_t)c[q];
        }
        for (; j < g1; j++) {
          KTILE(KOP_XOR, 1, 1, ai, 0, w + j * ws, ws, words, c);
          v[0][j - g0] = (int32_t)c[0];
        }
        out[i * os + ow] =
            (KBITS(v[0], t + g0, g1 - g0, k_bits, -2) ^ flip[ow]) & bnn_used_mask(g1 - g0);
      }
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Bit-plane first layer, for row i and neuron j:
 *     dot = sum_b 2^b popcount(plane_b) - 2 * sum_b 2^b popcount(plane_b AND w_j)
 * The first sum is shared by every neuron (computed once per row); the second is
 * AND tiles of KBP_R planes x KBP_C neurons (8 / KBP_R of them per neuron group). */

/* sum_b 2^b popcount(plane_b), as an AND tile of each plane with itself. */
KTARGET static BNN_ALWAYS_INLINE int32_t KFN(planes_weight)(const uint64_t *p, size_t words) {
  int32_t s = 0;
  for (int b = 0; b < 8; b++) {
    uint64_t c;
    KTILE(KOP_AND, 1, 1, p + (size_t)b * words, 0, p + (size_t)b * words, 0, words, &c);
    s += (int32_t)c << b;
  }
  return s;
}

/* dots of one row (planes p, shared term `ones`) with C neurons from wj. */
KTARGET static BNN_ALWAYS_INLINE void KFN(bitplane_dots)(int C, const uint64_t *p, int32_t ones,
                                                         const uint64_t *wj, size_t ws,
                                                         size_t words, int32_t *d) {
  uint64_t cnt[16];
  int32_t neg[4] = {0, 0, 0, 0};
  for (int b0 = 0; b0 < 8; b0 += KBP_R) {
    KTILE(KOP_AND, KBP_R, C, p + (size_t)b0 * words, words, wj, ws, words, cnt);
    for (int b = 0; b < KBP_R; b++)
      for (int c = 0; c < C; c++) neg[c] += (int32_t)cnt[b * C + c] << (b0 + b);
  }
  for (int c = 0; c < C; c++) d[c] = ones - 2 * neg[c];
}

KTARGET static void KFN(bitplane_gemm)(const uint64_t *planes, size_t ps, size_t m,
                                       const uint64_t *w, size_t ws, size_t n, size_t words,
                                       int32_t *dots, size_t ds) {
  size_t nb = bnn_w_block_rows(words);
  for (size_t j0 = 0; j0 < n; j0 += nb) {
    size_t j1 = bnn_min(j0 + nb, n);
    for (size_t i = 0; i < m; i++) {
      const uint64_t *p = planes + i * ps;
      int32_t ones = KFN(planes_weight)(p, words);
      int32_t *di = dots + i * ds;
      size_t j = j0;
      for (; j + KBP_C <= j1; j += KBP_C)
        KFN(bitplane_dots)(KBP_C, p, ones, w + j * ws, ws, words, di + j);
      for (; j < j1; j++) KFN(bitplane_dots)(1, p, ones, w + j * ws, ws, words, di + j);
    }
  }
}

KTARGET static void KFN(bitplane_threshold)(const uint64_t *planes, size_t ps, size_t m,
                                            const uint64_t *w, size_t ws, size_t n, size_t words,
                                            const int32_t *t, const uint64_t *flip, uint64_t *out,
                                            size_t os) {
  size_t nb = bnn_w_block_rows(words);
  for (size_t b0 = 0; b0 < n; b0 += nb) {
    size_t b1 = bnn_min(b0 + nb, n);
    for (size_t i = 0; i < m; i++) {
      const uint64_t *p = planes + i * ps;
      int32_t ones = KFN(planes_weight)(p, words);
      for (size_t g0 = b0; g0 < b1; g0 += 64) {
        size_t g1 = bnn_min(g0 + 64, b1), ow = g0 / 64;
        int32_t d[64];
        size_t j = g0;
        for (; j + KBP_C <= g1; j += KBP_C)
          KFN(bitplane_dots)(KBP_C, p, ones, w + j * ws, ws, words, d + (j - g0));
        for (; j < g1; j++) KFN(bitplane_dots)(1, p, ones, w + j * ws, ws, words, d + (j - g0));
        uint64_t bits = KBITS(d, t + g0, g1 - g0, 0, 1);
        out[i * os + ow] = (bits ^ flip[ow]) & bnn_used_mask(g1 - g0);
      }
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Binary convolution: gathered patches, then this path's threshold GEMM (the reference
 * form of binary_conv.c); a path with a form of its own (AVX2, AVX-512) leaves it unused. */

__attribute__((unused)) static void
KFN(binary_conv_threshold)(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t c, size_t kh,
                           size_t kw, size_t stride, size_t pad_top, size_t pad_left, size_t out_h,
                           size_t out_w, const uint64_t *weights, size_t w_stride,
                           const uint32_t *packed, size_t n, int32_t k_bits, const int32_t *t,
                           const uint64_t *flip, uint64_t *out, size_t os, uint64_t *scratch) {
  (void)packed;
  bnn_im2col_binary_conv_threshold(KFN(xor_popcount_threshold), in, h, w, wpp, c, kh, kw, stride,
                                   pad_top, pad_left, out_h, out_w, weights, w_stride, n, k_bits, t,
                                   flip, out, os, scratch);
}

/* Its counts (the trainer's forward product): gathered patches, then this path's GEMM. */
__attribute__((unused)) static void
KFN(binary_conv_gemm)(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t c, size_t kh,
                      size_t kw, size_t stride, size_t pad_top, size_t pad_left, size_t out_h,
                      size_t out_w, const uint64_t *weights, size_t w_stride,
                      const uint32_t *packed, size_t n, int32_t *counts, size_t counts_stride,
                      uint64_t *scratch) {
  (void)c;
  (void)packed;
  bnn_im2col_binary_conv_gemm(KFN(xor_popcount_gemm), in, h, w, wpp, kh, kw, stride, pad_top,
                              pad_left, out_h, out_w, weights, w_stride, n, counts, counts_stride,
                              scratch);
}

#endif /* KFN */

/* The template consumes its parameters, so the next path can define its own. */
#undef KFN
#undef KTARGET
#undef KTILE
#undef KROWS_R
#undef KROWS_C
#undef KONE_C
#undef KBP_R
#undef KBP_C
#undef KBITS
