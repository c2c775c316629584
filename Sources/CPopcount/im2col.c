/* Receptive-field gathering for binary convolution (see bnn_conv.h). */
#include "bnn_conv.h"
#include "cpopcount.h"

void bnn_im2col_bits(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t kh, size_t kw,
                     size_t stride, size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                     uint64_t *out, size_t row_stride) {
  for (size_t oy = 0; oy < out_h; oy++) {
    for (size_t ox = 0; ox < out_w; ox++) {
      uint64_t *row = out + (oy * out_w + ox) * row_stride;
      for (size_t ky = 0; ky < kh; ky++) {
        /* Unsigned arithmetic: a position above/left of the input wraps to a huge value. */
        size_t iy = oy * stride + ky - pad_top;
        for (size_t kx = 0; kx < kw; kx++) {
          size_t ix = ox * stride + kx - pad_left;
          uint64_t *dst = row + (ky * kw + kx) * wpp;
          if (iy < h && ix < w) {
            const uint64_t *src = in + (iy * w + ix) * wpp;
            for (size_t k = 0; k < wpp; k++) dst[k] = src[k];
          } else {
            for (size_t k = 0; k < wpp; k++) dst[k] = 0;
          }
        }
      }
    }
  }
}

void bnn_im2col_bitplanes(const uint8_t *in, size_t h, size_t w, size_t c, size_t kh, size_t kw,
                          size_t stride, size_t pad_top, size_t pad_left, size_t out_h,
                          size_t out_w, uint64_t *out, size_t plane_words, size_t row_stride) {
  for (size_t oy = 0; oy < out_h; oy++) {
    for (size_t ox = 0; ox < out_w; ox++) {
      uint64_t *planes = out + (oy * out_w + ox) * row_stride;
      for (size_t i = 0; i < 8 * plane_words; i++) planes[i] = 0;
      size_t k = 0;
      for (size_t ky = 0; ky < kh; ky++) {
        size_t iy = oy * stride + ky - pad_top;
        for (size_t kx = 0; kx < kw; kx++) {
          size_t ix = ox * stride + kx - pad_left;
          int inside = iy < h && ix < w;
          const uint8_t *src = inside ? in + (iy * w + ix) * c : 0;
          for (size_t ch = 0; ch < c; ch++, k++) {
            uint64_t px = inside ? src[ch] : 0;
            if (px == 0) continue;
            for (size_t b = 0; b < 8; b++)
              planes[b * plane_words + k / 64] |= ((px >> b) & 1u) << (k % 64);
          }
        }
      }
    }
  }
}
