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
    NULL, /* no sdot/udot form yet */
};

#endif /* AArch64 NEON */
