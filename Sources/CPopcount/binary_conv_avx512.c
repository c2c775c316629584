/* The AVX-512 form of the channel-blocked binary convolution: the binary_conv_threshold and
 * binary_conv_gemm entries of the avx512 table (contracts in cpopcount.h). For output pixel
 * r and channel j,
 *     count_rj = sum_s popcount(step_s(patch_r) XOR step_s(w_j)),
 *     z_rj = K - 2 * count_rj,   bit = (z_rj < t_j) XOR flip_j,
 * over the 32-bit steps s of the patch (conv_windows.h: one per tap and used 32-bit half of
 * the pixel's words; padding pixels give zero steps, +1).
 *
 * The weights are the AVX2 form's packed layout (bnn_avx2_binary_conv_pack: per block of 32
 * channels, per step, the 32 channels' 32-bit words), so two zmm hold a block's step. A
 * pixel's step is broadcast to 16 lanes; vpxord + vpopcntd + vpaddd then give 16 channels'
 * counts per lane, with no byte counters to widen and no horizontal sums. Four output pixels
 * share each weight load (8 accumulators). The threshold is one vpcmpgtd into a 16-bit mask
 * per 16 channels. Same integers as the im2col form, so the same bits. */
#include "bnn_conv.h"
#include "conv_windows.h"
#include "kernels_internal.h"

#if defined(BNN_HAVE_X86)

#include "kernels_avx512.h"
#include "kernels_blocked.h" /* its helpers (KFN undefined) */

/* count[p][q] lane l = popcount(patch of pixel p XOR weights of channel b*32 + 16q + l), for
 * the CONV_GROUP pixels of `group` and block b's packed weights `wb`. */
BNN_TARGET_AVX512 static BNN_ALWAYS_INLINE void avx512_block_counts(const pixel_group *group,
                                                                    const uint32_t *wb,
                                                                    size_t steps,
                                                                    __m512i count[CONV_GROUP][2]) {
  for (int p = 0; p < CONV_GROUP; p++) count[p][0] = count[p][1] = _mm512_setzero_si512();
  for (size_t s = 0; s < steps; s++) {
    __m512i w0 = _mm512_loadu_si512((const void *)(wb + s * CONV_BLOCK));
    __m512i w1 = _mm512_loadu_si512((const void *)(wb + s * CONV_BLOCK + 16));
    for (int p = 0; p < CONV_GROUP; p++) {
      __m512i a = _mm512_set1_epi32(load_step(group->at[p] + group->offsets[p][s]));
      count[p][0] = _mm512_add_epi32(count[p][0], _mm512_popcnt_epi32(_mm512_xor_si512(a, w0)));
      count[p][1] = _mm512_add_epi32(count[p][1], _mm512_popcnt_epi32(_mm512_xor_si512(a, w1)));
    }
  }
}

/* Both entries in one body: with `counts` NULL, the thresholded bits into `out`; else the
 * counts into `counts` (each caller passes a constant, so the branches fold away). */
BNN_TARGET_AVX512 static BNN_ALWAYS_INLINE void
avx512_binary_conv(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t c, size_t kh,
                   size_t kw, size_t stride, size_t pad_top, size_t pad_left, size_t out_h,
                   size_t out_w, const uint64_t *weights, size_t w_stride, const uint32_t *packed,
                   size_t n, int32_t k_bits, const int32_t *thresholds, const uint64_t *flip,
                   uint64_t *out, size_t out_stride, int32_t *counts, size_t counts_stride,
                   uint64_t *scratch) {
  size_t rows = out_h * out_w;
  if (rows == 0 || n == 0) return;
  conv_setup u = setup_conv(weights, w_stride, packed, thresholds, n, c, w, wpp, kh, kw, scratch);
  const __m512i k_vec = _mm512_set1_epi32(k_bits);
  size_t out_words = (n + 63) / 64;
  for (size_t r0 = 0; r0 < rows; r0 += CONV_GROUP) {
    size_t have = rows - r0 < CONV_GROUP ? rows - r0 : CONV_GROUP;
    pixel_group group = group_windows(in, h, w, wpp, kh, kw, stride, pad_top, pad_left, out_w, r0,
                                      CONV_GROUP, rows - 1, &u);
    for (size_t b = 0; b < u.blocks; b++) {
      __m512i count[CONV_GROUP][2];
      avx512_block_counts(&group, u.packed + b * u.steps * CONV_BLOCK, u.steps, count);
      size_t first = b * CONV_BLOCK;
      if (counts) {
        size_t used = n - first < CONV_BLOCK ? n - first : CONV_BLOCK;
        for (size_t p = 0; p < have; p++) {
          int32_t *row = counts + (r0 + p) * counts_stride + first;
          if (used == CONV_BLOCK) {
            _mm512_storeu_si512((void *)row, count[p][0]);
            _mm512_storeu_si512((void *)(row + 16), count[p][1]);
          } else { /* the last block: only channels < n */
            int32_t lanes[CONV_BLOCK];
            _mm512_storeu_si512((void *)lanes, count[p][0]);
            _mm512_storeu_si512((void *)(lanes + 16), count[p][1]);
            memcpy(row, lanes, used * sizeof(int32_t));
          }
        }
        continue;
      }
      __m512i t0 = _mm512_loadu_si512((const void *)(u.limits + first));
      __m512i t1 = _mm512_loadu_si512((const void *)(u.limits + first + 16));
      size_t word = b / 2, shift = 32 * (b % 2);
      for (size_t p = 0; p < have; p++) {
        /* bit = (K - 2 * count < t): lane l of vector q -> bit 16q + l */
        __m512i z0 = _mm512_sub_epi32(k_vec, _mm512_add_epi32(count[p][0], count[p][0]));
        __m512i z1 = _mm512_sub_epi32(k_vec, _mm512_add_epi32(count[p][1], count[p][1]));
        uint64_t bits = (uint64_t)_mm512_cmpgt_epi32_mask(t0, z0) |
                        (uint64_t)_mm512_cmpgt_epi32_mask(t1, z1) << 16;
        uint64_t *o = out + (r0 + p) * out_stride;
        if (shift == 0)
          o[word] = bits;
        else
          o[word] |= bits << 32;
      }
    }
    for (size_t p = 0; p < have && !counts; p++) {
      uint64_t *o = out + (r0 + p) * out_stride;
      for (size_t ow = 0; ow < out_words; ow++)
        o[ow] = (o[ow] ^ flip[ow]) & bnn_used_mask(n - ow * 64 < 64 ? n - ow * 64 : 64);
    }
  }
}

BNN_TARGET_AVX512 void bnn_avx512_binary_conv_threshold(
    const uint64_t *in, size_t h, size_t w, size_t wpp, size_t c, size_t kh, size_t kw,
    size_t stride, size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
    const uint64_t *weights, size_t w_stride, const uint32_t *packed, size_t n, int32_t k_bits,
    const int32_t *thresholds, const uint64_t *flip, uint64_t *out, size_t out_stride,
    uint64_t *scratch) {
  avx512_binary_conv(in, h, w, wpp, c, kh, kw, stride, pad_top, pad_left, out_h, out_w, weights,
                     w_stride, packed, n, k_bits, thresholds, flip, out, out_stride, NULL, 0,
                     scratch);
}

BNN_TARGET_AVX512 void
bnn_avx512_binary_conv_gemm(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t c, size_t kh,
                            size_t kw, size_t stride, size_t pad_top, size_t pad_left, size_t out_h,
                            size_t out_w, const uint64_t *weights, size_t w_stride,
                            const uint32_t *packed, size_t n, int32_t *counts, size_t counts_stride,
                            uint64_t *scratch) {
  avx512_binary_conv(in, h, w, wpp, c, kh, kw, stride, pad_top, pad_left, out_h, out_w, weights,
                     w_stride, packed, n, 0, NULL, NULL, NULL, 0, counts, counts_stride, scratch);
}

#endif /* x86-64 */
