/*
 * AArch64 NEON kernels (chosen at compile time: every AArch64 core has NEON).
 *
 * Same math as the scalar reference (kernels_scalar.c); kernels_blocked.h builds
 * the four kernels around one register tile:
 *
 *     cnt[r][c] = sum_{k < words} popcount(a_r[k] OP w_c[k])      (OP = XOR or AND)
 *
 * 2 words (128 bits) per step: veorq/vandq, vcntq_u8 (popcount of each byte,
 * 0..8), and vpadalq_u8 folds byte pairs into 16-bit lane sums (+16 at most per
 * step). A 16-bit lane holds 4095 steps; we widen to 32 bits (vpadalq_u16) every
 * 2048 steps, and sum the lanes at the end (vaddvq_u32). An odd last word goes
 * through the 64-bit vcnt_u8 + vaddv_u8.
 */
#include "kernels_internal.h"

#if defined(__aarch64__) && defined(__ARM_NEON)

#include <arm_neon.h>

#include "kernels_blocked.h"

/* gcc -O2 does not fully unroll the r/c loops by itself (the accumulators then
 * live in memory); ask for it. clang honours the same pragma. */
#define BNN_UNROLL _Pragma("GCC unroll 4")

static BNN_ALWAYS_INLINE uint64x2_t neon_op(int op, uint64x2_t x, uint64x2_t y) {
  return op == KOP_XOR ? veorq_u64(x, y) : vandq_u64(x, y);
}

static BNN_ALWAYS_INLINE void neon_tile(int op, int R, int C, const uint64_t *a, size_t as,
                                        const uint64_t *w, size_t ws, size_t words, uint64_t *cnt) {
  uint32x4_t sum[4][4];
  BNN_UNROLL for (int r = 0; r < R; r++) BNN_UNROLL for (int c = 0; c < C; c++) sum[r][c] =
      vdupq_n_u32(0);
  size_t k = 0;
  while (k + 2 <= words) {
    size_t steps = bnn_min((words - k) / 2, 2048);
    uint16x8_t acc[4][4];
    BNN_UNROLL for (int r = 0; r < R; r++) BNN_UNROLL for (int c = 0; c < C; c++) acc[r][c] =
        vdupq_n_u16(0);
    for (size_t s = 0; s < steps; s++, k += 2) {
      uint64x2_t av[4], wv[4];
      BNN_UNROLL for (int r = 0; r < R; r++) av[r] = vld1q_u64(a + (size_t)r * as + k);
      BNN_UNROLL for (int c = 0; c < C; c++) wv[c] = vld1q_u64(w + (size_t)c * ws + k);
      BNN_UNROLL for (int r = 0; r < R; r++) BNN_UNROLL for (int c = 0; c < C; c++) acc[r][c] =
          vpadalq_u8(acc[r][c], vcntq_u8(vreinterpretq_u8_u64(neon_op(op, av[r], wv[c]))));
    }
    BNN_UNROLL for (int r = 0; r < R; r++) BNN_UNROLL for (int c = 0; c < C; c++) sum[r][c] =
        vpadalq_u16(sum[r][c], acc[r][c]);
  }
  BNN_UNROLL for (int r = 0; r < R; r++) BNN_UNROLL for (int c = 0; c < C; c++) {
    uint64_t total = vaddvq_u32(sum[r][c]);
    if (k < words) {
      uint64_t x = a[(size_t)r * as + k], y = w[(size_t)c * ws + k];
      total += vaddv_u8(vcnt_u8(vcreate_u8(op == KOP_XOR ? x ^ y : x & y)));
    }
    cnt[r * C + c] = total;
  }
}

/* 32 vector registers: a 4x2 tile uses 8 accumulators + 6 operands. */
#define KFN(name) neon_##name
#define KTARGET
#define KTILE neon_tile
#define KROWS_R 4
#define KROWS_C 2
#define KONE_C 4
#define KBP_R 4
#define KBP_C 2
#include "kernels_blocked.h"

const bnn_kernels bnn_neon_kernels = {
    BNN_PATH_NEON,
    "neon",
    neon_xor_popcount_gemm,
    neon_xor_popcount_threshold,
    neon_bitplane_gemm,
    neon_bitplane_threshold,
    bnn_scalar_pack_bitplanes,
    bnn_scalar_pixel_conv_threshold, /* portable C, vectorised with NEON (the baseline) */
    neon_binary_conv_threshold,
    neon_binary_conv_gemm,
    NULL, /* the convolution reads the weight rows as they are */
    NULL, /* bit-planes; the int8 form needs the dot-product extension (below) */
    NULL,
};

#if defined(BNN_HAVE_NEON_DOTPROD)
/* ------------------------------------------------------------------------ */
/* First dense layer on int8 with UDOT (bnn_int8_dense_threshold_fn), for CPUs with the
 * ARMv8.2 dot-product extension; dispatch.c hands this table out only when the CPU has it.
 * UDOT multiplies unsigned bytes, the pixels are unsigned and the weights +1 / -1 (0 past
 * k), so each step counts only the pixels under a -1 weight:
 *     neg_j = (w_j as u8) >> 7          (1 where w = -1, 0 where w = +1 or padding)
 *     N_ij  = sum_k x_ik * neg_jk       (UDOT, 16 pixels per instruction, u32 lanes)
 *     S_i   = sum_k x_ik                (UDOT against ones, once per row)
 *     dot   = sum_{w=+1} x - sum_{w=-1} x = S_i - 2 N_ij
 * exactly, in 32-bit arithmetic (S <= 255 k; a lane gains at most 1020 a step). A tile is
 * R rows x C neurons (each weight vector serves R rows, each pixel vector C neurons; 4x4:
 * 16 accumulators + 8 operands of the 32 registers). The last k % 16 pixels of a row come
 * from a zero-padded copy (no read past the row); weight rows hold
 * bnn_int8_row_bytes(k) >= 16 * ceil(k / 16) bytes, so whole vectors are read there.
 * Speed is not measured on AArch64 hardware (tested under qemu only): the path is chosen by
 * the CPU feature, not by a measured crossover with the bit-plane kernels. */

/* The function attribute: clang takes "dotprod"; GCC (12) needs the architecture too, its
 * arm_neon.h declares vdotq_u32 under arch=armv8.2-a+dotprod ("+dotprod" alone fails to
 * inline it). Nothing when the whole build targets the extension. */
#if defined(__ARM_FEATURE_DOTPROD)
#define BNN_TARGET_DOTPROD
#elif defined(__clang__)
#define BNN_TARGET_DOTPROD __attribute__((target("dotprod")))
#else
#define BNN_TARGET_DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))
#endif

enum { DOT_STEP = 16 };

/* One 16-pixel step of a tile: acc[r][c] += x_r . neg(w_c). */
BNN_TARGET_DOTPROD static BNN_ALWAYS_INLINE void
dot_step(int R, int C, const uint8x16_t *xv, const int8_t *w, size_t row, uint32x4_t (*acc)[4]) {
  BNN_UNROLL for (int c = 0; c < C; c++) {
    uint8x16_t neg = vshrq_n_u8(vreinterpretq_u8_s8(vld1q_s8(w + (size_t)c * row)), 7);
    BNN_UNROLL for (int r = 0; r < R; r++) acc[r][c] = vdotq_u32(acc[r][c], xv[r], neg);
  }
}

/* d[r*C + c] = N of row r (x[r]: `full` whole steps, then tail[r] when has_tail) and
 * weight row c (w + c*row). */
BNN_TARGET_DOTPROD static BNN_ALWAYS_INLINE void dot_tile(int R, int C, const uint8_t *const *x,
                                                          const uint8_t (*tail)[DOT_STEP],
                                                          int has_tail, const int8_t *w, size_t row,
                                                          size_t full, uint32_t *d) {
  uint32x4_t acc[4][4];
  BNN_UNROLL for (int r = 0; r < R; r++) BNN_UNROLL for (int c = 0; c < C; c++) acc[r][c] =
      vdupq_n_u32(0);
  for (size_t s = 0; s < full; s++) {
    uint8x16_t xv[4];
    BNN_UNROLL for (int r = 0; r < R; r++) xv[r] = vld1q_u8(x[r] + DOT_STEP * s);
    dot_step(R, C, xv, w + DOT_STEP * s, row, acc);
  }
  if (has_tail) {
    uint8x16_t xv[4];
    BNN_UNROLL for (int r = 0; r < R; r++) xv[r] = vld1q_u8(tail[r]);
    dot_step(R, C, xv, w + DOT_STEP * full, row, acc);
  }
  BNN_UNROLL for (int r = 0; r < R; r++) BNN_UNROLL for (int c = 0; c < C; c++) d[r * C + c] =
      vaddvq_u32(acc[r][c]);
}

/* The dots of rows x[0..R) (pixel sums sum[r]) with neurons [g0, g1) into v[r][j - g0]. */
BNN_TARGET_DOTPROD static BNN_ALWAYS_INLINE void dot_group(int R, const uint8_t *const *x,
                                                           const uint8_t (*tail)[DOT_STEP],
                                                           int has_tail, const uint32_t *sum,
                                                           const int8_t *w, size_t row, size_t full,
                                                           size_t g0, size_t g1, int32_t (*v)[64]) {
  uint32_t d[16];
  size_t j = g0;
  for (; j + 4 <= g1; j += 4) {
    dot_tile(R, 4, x, tail, has_tail, w + j * row, row, full, d);
    for (int r = 0; r < R; r++)
      for (int c = 0; c < 4; c++) v[r][j - g0 + c] = (int32_t)(sum[r] - 2u * d[r * 4 + c]);
  }
  for (; j < g1; j++) {
    dot_tile(R, 1, x, tail, has_tail, w + j * row, row, full, d);
    for (int r = 0; r < R; r++) v[r][j - g0] = (int32_t)(sum[r] - 2u * d[r]);
  }
}

/* Rows x + i*xs for i < R (R = 4, 2 or 1), every neuron of block [b0, b1): thresholded
 * into `out`, or with `dots` not NULL, the dot products into `dots` (rows ds apart). */
BNN_TARGET_DOTPROD static BNN_ALWAYS_INLINE void dot_rows(int R, const uint8_t *x, size_t xs,
                                                          const int8_t *w, size_t row, size_t k,
                                                          size_t b0, size_t b1, const int32_t *t,
                                                          const uint64_t *flip, uint64_t *out,
                                                          size_t os, int32_t *dots, size_t ds) {
  size_t full = k / DOT_STEP, rest = k % DOT_STEP;
  const uint8_t *rows[4];
  uint8_t tail[4][DOT_STEP];
  uint32_t sum[4];
  const uint8x16_t ones = vdupq_n_u8(1);
  for (int r = 0; r < R; r++) {
    rows[r] = x + (size_t)r * xs;
    for (size_t q = 0; q < DOT_STEP; q++) tail[r][q] = q < rest ? rows[r][DOT_STEP * full + q] : 0;
    uint32x4_t s = vdotq_u32(vdupq_n_u32(0), vld1q_u8(tail[r]), ones);
    for (size_t q = 0; q < full; q++) s = vdotq_u32(s, vld1q_u8(rows[r] + DOT_STEP * q), ones);
    sum[r] = vaddvq_u32(s);
  }
  for (size_t g0 = b0; g0 < b1; g0 += 64) {
    size_t g1 = bnn_min(g0 + 64, b1), ow = g0 / 64;
    int32_t v[4][64];
    dot_group(R, rows, (const uint8_t(*)[DOT_STEP])tail, rest != 0, sum, w, row, full, g0, g1, v);
    if (dots) {
      for (int r = 0; r < R; r++)
        __builtin_memcpy(dots + (size_t)r * ds + g0, v[r], (g1 - g0) * sizeof(int32_t));
      continue;
    }
    uint64_t mask = bnn_used_mask(g1 - g0);
    for (int r = 0; r < R; r++)
      out[(size_t)r * os + ow] =
          (bnn_threshold_bits(v[r], t + g0, g1 - g0, 0, 1) ^ flip[ow]) & mask;
  }
}

/* Both entries in one body, as dot_rows. */
BNN_TARGET_DOTPROD static BNN_ALWAYS_INLINE void
dotprod_int8_dense(const uint8_t *x, size_t xs, size_t m, const int8_t *w, size_t n, size_t k,
                   const int32_t *t, const uint64_t *flip, uint64_t *out, size_t os, int32_t *dots,
                   size_t ds) {
  size_t row = bnn_int8_row_bytes(k);
  /* weight rows per cache block: ~192 KB, whole output words (as the AVX2 form) */
  size_t nb = (192u * 1024u / (row ? row : 1)) & ~(size_t)63;
  if (nb < 64) nb = 64;
  for (size_t b0 = 0; b0 < n; b0 += nb) {
    size_t b1 = bnn_min(b0 + nb, n), i = 0;
    for (; i + 4 <= m; i += 4)
      dot_rows(4, x + i * xs, xs, w, row, k, b0, b1, t, flip, out ? out + i * os : NULL, os,
               dots ? dots + i * ds : NULL, ds);
    if (i + 2 <= m) {
      dot_rows(2, x + i * xs, xs, w, row, k, b0, b1, t, flip, out ? out + i * os : NULL, os,
               dots ? dots + i * ds : NULL, ds);
      i += 2;
    }
    if (i < m)
      dot_rows(1, x + i * xs, xs, w, row, k, b0, b1, t, flip, out ? out + i * os : NULL, os,
               dots ? dots + i * ds : NULL, ds);
  }
}

BNN_TARGET_DOTPROD static void
neon_dotprod_int8_dense_threshold(const uint8_t *x, size_t xs, size_t m, const int8_t *w, size_t n,
                                  size_t k, const int32_t *t, const uint64_t *flip, uint64_t *out,
                                  size_t os) {
  dotprod_int8_dense(x, xs, m, w, n, k, t, flip, out, os, NULL, 0);
}

BNN_TARGET_DOTPROD static void neon_dotprod_int8_dense_gemm(const uint8_t *x, size_t xs, size_t m,
                                                            const int8_t *w, size_t n, size_t k,
                                                            int32_t *dots, size_t ds) {
  dotprod_int8_dense(x, xs, m, w, n, k, NULL, NULL, NULL, 0, dots, ds);
}

/* The neon table with the int8 first layer. */
const bnn_kernels bnn_neon_dotprod_kernels = {
    BNN_PATH_NEON_DOTPROD,
    "neon-dotprod",
    neon_xor_popcount_gemm,
    neon_xor_popcount_threshold,
    neon_bitplane_gemm,
    neon_bitplane_threshold,
    bnn_scalar_pack_bitplanes,
    bnn_scalar_pixel_conv_threshold,
    neon_binary_conv_threshold,
    neon_binary_conv_gemm,
    NULL, /* the convolution reads the weight rows as they are */
    neon_dotprod_int8_dense_threshold,
    neon_dotprod_int8_dense_gemm,
};
#endif /* BNN_HAVE_NEON_DOTPROD */

#endif /* AArch64 NEON */
