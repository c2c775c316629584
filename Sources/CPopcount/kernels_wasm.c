/*
 * WebAssembly SIMD128 kernels (chosen at compile time: a module built with -msimd128 has
 * them; the scalar WebAssembly build and every other target compile this file to nothing).
 *
 * Same math as the scalar reference (kernels_scalar.c); kernels_blocked.h builds the four
 * kernels around one register tile:
 *
 *     cnt[r][c] = sum_{k < words} popcount(a_r[k] OP w_c[k])      (OP = XOR or AND)
 *
 * 2 words (128 bits) per step: v128_xor/v128_and, i8x16.popcnt (popcount of each byte,
 * 0..8) added into byte lanes (i8x16.add); every 31 steps (31 * 8 = 248 fits a byte) the
 * bytes are widened into 32-bit lane sums (i16x8.extadd_pairwise_i8x16_u, then
 * i32x4.extadd_pairwise_i16x8_u), and the lanes are summed at the end.
 * An odd last word goes through the scalar 64-bit popcount (i64.popcnt).
 */
#include "kernels_internal.h"

#if defined(__wasm_simd128__)

#include <wasm_simd128.h>

#include "kernels_blocked.h"

static BNN_ALWAYS_INLINE v128_t wasm_op(int op, v128_t x, v128_t y) {
  return op == KOP_XOR ? wasm_v128_xor(x, y) : wasm_v128_and(x, y);
}

static BNN_ALWAYS_INLINE uint32_t wasm_lane_sum(v128_t v) {
  return wasm_i32x4_extract_lane(v, 0) + wasm_i32x4_extract_lane(v, 1) +
         wasm_i32x4_extract_lane(v, 2) + wasm_i32x4_extract_lane(v, 3);
}

static BNN_ALWAYS_INLINE void wasm_tile(int op, int R, int C, const uint64_t *a, size_t as,
                                        const uint64_t *w, size_t ws, size_t words, uint64_t *cnt) {
  v128_t sum[4][4];
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) sum[r][c] = wasm_i32x4_splat(0);
  size_t k = 0;
  while (k + 2 <= words) {
    /* Byte lanes take 31 steps (31 * 8 = 248 <= 255) before they are widened. */
    size_t steps = bnn_min((words - k) / 2, 31);
    v128_t acc[4][4];
    for (int r = 0; r < R; r++)
      for (int c = 0; c < C; c++) acc[r][c] = wasm_i8x16_splat(0);
    for (size_t s = 0; s < steps; s++, k += 2) {
      v128_t av[4], wv[4];
      for (int r = 0; r < R; r++) av[r] = wasm_v128_load(a + (size_t)r * as + k);
      for (int c = 0; c < C; c++) wv[c] = wasm_v128_load(w + (size_t)c * ws + k);
      for (int r = 0; r < R; r++)
        for (int c = 0; c < C; c++)
          acc[r][c] = wasm_i8x16_add(acc[r][c], wasm_i8x16_popcnt(wasm_op(op, av[r], wv[c])));
    }
    for (int r = 0; r < R; r++)
      for (int c = 0; c < C; c++)
        sum[r][c] = wasm_i32x4_add(sum[r][c], wasm_u32x4_extadd_pairwise_u16x8(
                                                  wasm_u16x8_extadd_pairwise_u8x16(acc[r][c])));
  }
  for (int r = 0; r < R; r++)
    for (int c = 0; c < C; c++) {
      uint64_t total = wasm_lane_sum(sum[r][c]);
      if (k < words) {
        uint64_t x = a[(size_t)r * as + k], y = w[(size_t)c * ws + k];
        total += (uint64_t)__builtin_popcountll(op == KOP_XOR ? x ^ y : x & y);
      }
      cnt[r * C + c] = total;
    }
}

/* 16 operand registers are not a limit here (the engine maps locals to machine registers):
 * a 4x2 tile keeps 8 accumulators and 6 operands, as on NEON. */
#define KFN(name) simd128_##name
#define KTARGET
#define KTILE wasm_tile
#define KROWS_R 4
#define KROWS_C 2
#define KONE_C 4
#define KBP_R 4
#define KBP_C 2
#include "kernels_blocked.h"

const bnn_kernels bnn_simd128_kernels = {
    BNN_PATH_SIMD128,
    "simd128",
    simd128_xor_popcount_gemm,
    simd128_xor_popcount_threshold,
    simd128_bitplane_gemm,
    simd128_bitplane_threshold,
    bnn_scalar_pack_bitplanes,
    bnn_scalar_pixel_conv_threshold, /* portable C, auto-vectorised with -msimd128 */
    simd128_binary_conv_threshold,
    simd128_binary_conv_gemm,
    NULL, /* the convolution reads the weight rows as they are */
    NULL,
    NULL,
};

#endif /* WebAssembly SIMD128 */
