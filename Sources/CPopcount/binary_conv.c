/* Binary convolution with folded thresholds: the binary_conv_threshold entry of the kernel
 * tables (contract: bnn_binary_conv_threshold_fn in cpopcount.h). For output pixel r and
 * channel j,
 *     z_rj = K - 2 * popcount(patch_r XOR w_j),   bit = (z_rj < t_j) XOR flip_j,
 * where patch_r is the receptive field of r (padding pixels all-zero words, +1).
 *
 * Two forms, the same integers:
 *  - bnn_im2col_binary_conv_threshold: gather every patch (bnn_im2col_bits), then one block
 *    call of a path's xor_popcount_threshold. The reference, and the entry of every path
 *    without a form of its own.
 *  - bnn_avx2_binary_conv_threshold (x86-64): channel-blocked and implicit. Patches are cut
 *    into 32-bit steps, one per (tap, used 32-bit half of the pixel's words), so a layer with
 *    32 channels wastes no half words; a step of one pixel is broadcast to 8 lanes and meets
 *    8 output channels' weights at once (step-major: bnn_avx2_binary_conv_pack, once per
 *    model, else per call into the scratch), and the per-lane counts need no horizontal
 *    sums: they are the 8 channels' popcounts. Two output pixels share each weight load.
 * The binary_conv_gemm entry (the counts, for the trainer's forward product) has the same
 * two forms. */
#include "bnn_conv.h"
#include "conv_windows.h"
#include "kernels_internal.h"

size_t bnn_binary_conv_packed_words(size_t n, size_t c, size_t kh, size_t kw, size_t wpp) {
  size_t np = (n + CONV_BLOCK - 1) / CONV_BLOCK * CONV_BLOCK;
  return np * kh * kw * conv_halves(c, wpp);
}

size_t bnn_binary_conv_scratch_words(size_t rows, size_t row_words, size_t n) {
  size_t gathered = rows * row_words;
  /* Channel-blocked forms (conv_windows.h): packed weights (np x steps dwords, steps <=
   * 2 * row_words), thresholds (np int32), CONV_GROUP pixels' steps (steps dwords each) and
   * two tables of steps offsets. */
  size_t np = (n + CONV_BLOCK - 1) / CONV_BLOCK * CONV_BLOCK;
  size_t packed = np * row_words + np / 2 + CONV_GROUP * row_words + 4 * row_words;
  return gathered > packed ? gathered : packed;
}

void bnn_im2col_binary_conv_threshold(bnn_xor_popcount_threshold_fn gemm, const uint64_t *in,
                                      size_t h, size_t w, size_t wpp, size_t c, size_t kh,
                                      size_t kw, size_t stride, size_t pad_top, size_t pad_left,
                                      size_t out_h, size_t out_w, const uint64_t *weights,
                                      size_t w_stride, size_t n, int32_t k_bits,
                                      const int32_t *thresholds, const uint64_t *flip,
                                      uint64_t *out, size_t out_stride, uint64_t *scratch) {
  (void)c;
  size_t row_words = kh * kw * wpp;
  bnn_im2col_bits(in, h, w, wpp, kh, kw, stride, pad_top, pad_left, out_h, out_w, scratch,
                  row_words);
  gemm(scratch, row_words, out_h * out_w, weights, w_stride, n, row_words, k_bits, thresholds, flip,
       out, out_stride);
}

void bnn_im2col_binary_conv_gemm(bnn_xor_popcount_gemm_fn gemm, const uint64_t *in, size_t h,
                                 size_t w, size_t wpp, size_t kh, size_t kw, size_t stride,
                                 size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                                 const uint64_t *weights, size_t w_stride, size_t n,
                                 int32_t *counts, size_t counts_stride, uint64_t *scratch) {
  size_t row_words = kh * kw * wpp;
  bnn_im2col_bits(in, h, w, wpp, kh, kw, stride, pad_top, pad_left, out_h, out_w, scratch,
                  row_words);
  gemm(scratch, row_words, out_h * out_w, weights, w_stride, n, row_words, counts, counts_stride);
}

#if defined(BNN_HAVE_X86)
#include <immintrin.h>
#include <string.h>

#include "kernels_avx2.h"

/* packed[block][step][32 channels]: step s = (tap, half d) of channel j's weight row, 0 for
 * the channels past n that fill the last block. */
void bnn_avx2_binary_conv_pack(const uint64_t *weights, size_t w_stride, size_t n, size_t c,
                               size_t kh, size_t kw, size_t wpp, uint32_t *packed) {
  size_t halves = conv_halves(c, wpp), steps = kh * kw * halves;
  size_t np = (n + CONV_BLOCK - 1) / CONV_BLOCK * CONV_BLOCK;
  for (size_t j = 0; j < np; j++) {
    uint32_t *lane = packed + (j / CONV_BLOCK) * steps * CONV_BLOCK + j % CONV_BLOCK;
    if (j >= n) {
      for (size_t s = 0; s < steps; s++) lane[s * CONV_BLOCK] = 0;
      continue;
    }
    const uint64_t *row = weights + j * w_stride;
    for (size_t tap = 0, s = 0; tap < kh * kw; tap++)
      for (size_t d = 0; d < halves; d++, s++)
        lane[s * CONV_BLOCK] = (uint32_t)(row[tap * wpp + d / 2] >> (32 * (d % 2)));
  }
}

/* Per-lane sums of the 4 bytes of each 32-bit lane. */
BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE __m256i avx2_lane_sums(__m256i bytes) {
  __m256i pairs = _mm256_maddubs_epi16(bytes, _mm256_set1_epi8(1));
  return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
}

/* count[p][q] lane l = popcount(patch of pixel p XOR weights of channel b*32 + 8q + l), for
 * the first two pixels of `pair` and block b's packed weights `wb`. */
BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE void
block_counts(const pixel_group *pair, const uint32_t *wb, size_t steps, __m256i count[2][4]) {
  const unsigned char *p0 = pair->at[0], *p1 = pair->at[1];
  const size_t *t0 = pair->offsets[0], *t1 = pair->offsets[1];
  for (int q = 0; q < 4; q++) count[0][q] = count[1][q] = _mm256_setzero_si256();
  for (size_t s0 = 0; s0 < steps; s0 += 31) {
    /* byte counters take at most 31 steps of at most 8 before widening */
    size_t s1 = s0 + 31 < steps ? s0 + 31 : steps;
    __m256i acc[2][4];
    for (int q = 0; q < 4; q++) acc[0][q] = acc[1][q] = _mm256_setzero_si256();
    for (size_t s = s0; s < s1; s++) {
      __m256i a0 = _mm256_set1_epi32(load_step(p0 + t0[s]));
      __m256i a1 = _mm256_set1_epi32(load_step(p1 + t1[s]));
      const __m256i *ws = (const __m256i *)(wb + s * CONV_BLOCK);
      for (int q = 0; q < 4; q++) {
        __m256i wv = _mm256_loadu_si256(ws + q);
        acc[0][q] = _mm256_add_epi8(acc[0][q], avx2_popcount_bytes(_mm256_xor_si256(a0, wv)));
        acc[1][q] = _mm256_add_epi8(acc[1][q], avx2_popcount_bytes(_mm256_xor_si256(a1, wv)));
      }
    }
    for (int q = 0; q < 4; q++) {
      count[0][q] = _mm256_add_epi32(count[0][q], avx2_lane_sums(acc[0][q]));
      count[1][q] = _mm256_add_epi32(count[1][q], avx2_lane_sums(acc[1][q]));
    }
  }
}

/* Both entries in one body: with `counts` NULL, the thresholded bits into `out`; else the
 * counts into `counts` (each caller passes a constant, so the branches fold away). */
BNN_TARGET_AVX2 static BNN_ALWAYS_INLINE void
avx2_binary_conv(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t c, size_t kh, size_t kw,
                 size_t stride, size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                 const uint64_t *weights, size_t w_stride, const uint32_t *packed, size_t n,
                 int32_t k_bits, const int32_t *thresholds, const uint64_t *flip, uint64_t *out,
                 size_t out_stride, int32_t *counts, size_t counts_stride, uint64_t *scratch) {
  size_t rows = out_h * out_w;
  if (rows == 0 || n == 0) return;
  conv_setup u = setup_conv(weights, w_stride, packed, thresholds, n, c, w, wpp, kh, kw, scratch);
  const __m256i k_vec = _mm256_set1_epi32(k_bits);
  size_t out_words = (n + 63) / 64;
  for (size_t r0 = 0; r0 < rows; r0 += 2) {
    size_t r1 = r0 + 1 < rows ? r0 + 1 : r0; /* an odd last pixel is computed twice */
    pixel_group pair =
        group_windows(in, h, w, wpp, kh, kw, stride, pad_top, pad_left, out_w, r0, 2, r1, &u);
    for (size_t b = 0; b < u.blocks; b++) {
      __m256i count[2][4];
      block_counts(&pair, u.packed + b * u.steps * CONV_BLOCK, u.steps, count);
      size_t first = b * CONV_BLOCK;
      if (counts) {
        size_t used = n - first < CONV_BLOCK ? n - first : CONV_BLOCK;
        for (int p = 0; p < 2; p++) {
          int32_t *row = counts + (p ? r1 : r0) * counts_stride + first;
          if (used == CONV_BLOCK) {
            for (int q = 0; q < 4; q++) _mm256_storeu_si256((__m256i *)row + q, count[p][q]);
          } else { /* the last block: only channels < n */
            int32_t lanes[CONV_BLOCK];
            for (int q = 0; q < 4; q++) _mm256_storeu_si256((__m256i *)lanes + q, count[p][q]);
            memcpy(row, lanes, used * sizeof(int32_t));
          }
        }
        continue;
      }
      /* bit = (K - 2 * count < t): 8 channels per compare, lane l -> bit l */
      uint64_t bits[2] = {0, 0};
      for (int p = 0; p < 2; p++)
        for (int q = 0; q < 4; q++) {
          __m256i z = _mm256_sub_epi32(k_vec, _mm256_add_epi32(count[p][q], count[p][q]));
          __m256i t = _mm256_loadu_si256((const __m256i *)(u.limits + first + 8 * q));
          __m256i lt = _mm256_cmpgt_epi32(t, z);
          bits[p] |= (uint64_t)(uint32_t)_mm256_movemask_ps(_mm256_castsi256_ps(lt)) << (8 * q);
        }
      uint64_t *o0 = out + r0 * out_stride, *o1 = out + r1 * out_stride;
      size_t word = b / 2, shift = 32 * (b % 2);
      if (shift == 0) {
        o1[word] = bits[1];
        o0[word] = bits[0];
      } else {
        o1[word] |= bits[1] << 32;
        o0[word] |= bits[0] << 32;
      }
    }
    if (counts) continue;
    uint64_t *o0 = out + r0 * out_stride, *o1 = out + r1 * out_stride;
    for (size_t ow = 0; ow < out_words; ow++) {
      uint64_t used = bnn_used_mask(n - ow * 64 < 64 ? n - ow * 64 : 64);
      o0[ow] = (o0[ow] ^ flip[ow]) & used;
      if (r1 != r0) o1[ow] = (o1[ow] ^ flip[ow]) & used;
    }
  }
}

BNN_TARGET_AVX2 void
bnn_avx2_binary_conv_threshold(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t c,
                               size_t kh, size_t kw, size_t stride, size_t pad_top, size_t pad_left,
                               size_t out_h, size_t out_w, const uint64_t *weights, size_t w_stride,
                               const uint32_t *packed, size_t n, int32_t k_bits,
                               const int32_t *thresholds, const uint64_t *flip, uint64_t *out,
                               size_t out_stride, uint64_t *scratch) {
  avx2_binary_conv(in, h, w, wpp, c, kh, kw, stride, pad_top, pad_left, out_h, out_w, weights,
                   w_stride, packed, n, k_bits, thresholds, flip, out, out_stride, NULL, 0,
                   scratch);
}

BNN_TARGET_AVX2 void bnn_avx2_binary_conv_gemm(const uint64_t *in, size_t h, size_t w, size_t wpp,
                                               size_t c, size_t kh, size_t kw, size_t stride,
                                               size_t pad_top, size_t pad_left, size_t out_h,
                                               size_t out_w, const uint64_t *weights,
                                               size_t w_stride, const uint32_t *packed, size_t n,
                                               int32_t *counts, size_t counts_stride,
                                               uint64_t *scratch) {
  avx2_binary_conv(in, h, w, wpp, c, kh, kw, stride, pad_top, pad_left, out_h, out_w, weights,
                   w_stride, packed, n, 0, NULL, NULL, NULL, 0, counts, counts_stride, scratch);
}
#endif
