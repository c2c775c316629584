/*
 * Scalar reference kernels: plain portable C, one loop per formula.
 * Every optimised path is tested against these on random data.
 */
#include "cpopcount.h"
#include "kernels_internal.h"

void bnn_scalar_xor_popcount_gemm(const uint64_t *a, size_t a_stride, size_t m, const uint64_t *w,
                                  size_t w_stride, size_t n, size_t words, int32_t *counts,
                                  size_t counts_stride) {
  for (size_t i = 0; i < m; i++) {
    const uint64_t *ai = a + i * a_stride;
    for (size_t j = 0; j < n; j++) {
      const uint64_t *wj = w + j * w_stride;
      int32_t p = 0;
      for (size_t k = 0; k < words; k++) p += bnn_popcount64_scalar(ai[k] ^ wj[k]);
      counts[i * counts_stride + j] = p;
    }
  }
}

void bnn_scalar_xor_popcount_threshold(const uint64_t *a, size_t a_stride, size_t m,
                                       const uint64_t *w, size_t w_stride, size_t n, size_t words,
                                       int32_t k_bits, const int32_t *thresholds,
                                       const uint64_t *flip, uint64_t *out, size_t out_stride) {
  size_t out_words = (n + 63) / 64;
  for (size_t i = 0; i < m; i++) {
    const uint64_t *ai = a + i * a_stride;
    uint64_t *oi = out + i * out_stride;
    for (size_t ow = 0; ow < out_words; ow++) {
      uint64_t bits = 0;
      size_t j_end = (ow + 1) * 64 < n ? (ow + 1) * 64 : n;
      for (size_t j = ow * 64; j < j_end; j++) {
        const uint64_t *wj = w + j * w_stride;
        int32_t p = 0;
        for (size_t k = 0; k < words; k++) p += bnn_popcount64_scalar(ai[k] ^ wj[k]);
        int32_t z = k_bits - 2 * p;
        uint64_t bit = (uint64_t)(z < thresholds[j]);
        bits |= bit << (j % 64);
      }
      uint64_t used = (j_end - ow * 64) == 64 ? ~0ULL : ((1ULL << (j_end - ow * 64)) - 1);
      oi[ow] = (bits ^ flip[ow]) & used;
    }
  }
}

/* popcount of each of the 8 planes of a row: shared by every output neuron. */
static inline void plane_counts(const uint64_t *planes, size_t words, int32_t ones[8]) {
  for (int b = 0; b < 8; b++) {
    int32_t c = 0;
    for (size_t k = 0; k < words; k++) c += bnn_popcount64_scalar(planes[(size_t)b * words + k]);
    ones[b] = c;
  }
}

static inline int32_t bitplane_dot(const uint64_t *planes, const int32_t ones[8],
                                   const uint64_t *wj, size_t words) {
  int32_t dot = 0;
  for (int b = 0; b < 8; b++) {
    const uint64_t *pb = planes + (size_t)b * words;
    int32_t neg = 0;
    for (size_t k = 0; k < words; k++) neg += bnn_popcount64_scalar(pb[k] & wj[k]);
    dot += (ones[b] - 2 * neg) * (1 << b);
  }
  return dot;
}

void bnn_scalar_bitplane_gemm(const uint64_t *planes, size_t planes_stride, size_t m,
                              const uint64_t *w, size_t w_stride, size_t n, size_t words,
                              int32_t *dots, size_t dots_stride) {
  for (size_t i = 0; i < m; i++) {
    const uint64_t *pi = planes + i * planes_stride;
    int32_t ones[8];
    plane_counts(pi, words, ones);
    for (size_t j = 0; j < n; j++)
      dots[i * dots_stride + j] = bitplane_dot(pi, ones, w + j * w_stride, words);
  }
}

void bnn_scalar_bitplane_threshold(const uint64_t *planes, size_t planes_stride, size_t m,
                                   const uint64_t *w, size_t w_stride, size_t n, size_t words,
                                   const int32_t *thresholds, const uint64_t *flip, uint64_t *out,
                                   size_t out_stride) {
  size_t out_words = (n + 63) / 64;
  for (size_t i = 0; i < m; i++) {
    const uint64_t *pi = planes + i * planes_stride;
    uint64_t *oi = out + i * out_stride;
    int32_t ones[8];
    plane_counts(pi, words, ones);
    for (size_t ow = 0; ow < out_words; ow++) {
      uint64_t bits = 0;
      size_t j_end = (ow + 1) * 64 < n ? (ow + 1) * 64 : n;
      for (size_t j = ow * 64; j < j_end; j++) {
        int32_t dot = bitplane_dot(pi, ones, w + j * w_stride, words);
        bits |= (uint64_t)(dot < thresholds[j]) << (j % 64);
      }
      uint64_t used = (j_end - ow * 64) == 64 ? ~0ULL : ((1ULL << (j_end - ow * 64)) - 1);
      oi[ow] = (bits ^ flip[ow]) & used;
    }
  }
}

#if !defined(BNN_DENSE_ONLY)
/* Binary convolution: gathered patches, then the threshold GEMM above. */
static void scalar_binary_conv_threshold(const uint64_t *in, size_t h, size_t w, size_t wpp,
                                         size_t c, size_t kh, size_t kw, size_t stride,
                                         size_t pad_top, size_t pad_left, size_t out_h,
                                         size_t out_w, const uint64_t *weights, size_t w_stride,
                                         const uint32_t *packed, size_t n, int32_t k_bits,
                                         const int32_t *t, const uint64_t *flip, uint64_t *out,
                                         size_t os, uint64_t *scratch) {
  (void)packed;
  bnn_im2col_binary_conv_threshold(bnn_scalar_xor_popcount_threshold, in, h, w, wpp, c, kh, kw,
                                   stride, pad_top, pad_left, out_h, out_w, weights, w_stride, n,
                                   k_bits, t, flip, out, os, scratch);
}

/* Its counts: gathered patches, then the count GEMM above. */
static void scalar_binary_conv_gemm(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t c,
                                    size_t kh, size_t kw, size_t stride, size_t pad_top,
                                    size_t pad_left, size_t out_h, size_t out_w,
                                    const uint64_t *weights, size_t w_stride,
                                    const uint32_t *packed, size_t n, int32_t *counts,
                                    size_t counts_stride, uint64_t *scratch) {
  (void)c;
  (void)packed;
  bnn_im2col_binary_conv_gemm(bnn_scalar_xor_popcount_gemm, in, h, w, wpp, kh, kw, stride, pad_top,
                              pad_left, out_h, out_w, weights, w_stride, n, counts, counts_stride,
                              scratch);
}
#endif

const bnn_kernels bnn_scalar_kernels = {
    BNN_PATH_SCALAR,
    "scalar",
    bnn_scalar_xor_popcount_gemm,
    bnn_scalar_xor_popcount_threshold,
    bnn_scalar_bitplane_gemm,
    bnn_scalar_bitplane_threshold,
    bnn_scalar_pack_bitplanes,
#if defined(BNN_DENSE_ONLY)
    NULL, /* a dense-only build (the minimal firmware, docs/EMBEDDED.md) runs no convolution */
    NULL,
    NULL,
#else
    bnn_scalar_pixel_conv_threshold,
    scalar_binary_conv_threshold,
    scalar_binary_conv_gemm,
#endif
    NULL, /* the convolution reads the weight rows as they are */
    NULL, /* the bit-plane kernels are the reference */
    NULL,
};
