/* Per-position thresholds at the border of 'same' convolutions, and the pixel sign
 * layer (see bnn_conv.h). Plain portable C with one version: the border is a thin
 * frame of output pixels, recomputed after the layer's main kernel. */
#include "bnn_conv.h"
#include "kernels_internal.h" /* bnn_popcount64_scalar: the build-time popcount */

/* The border class of output position o along an axis of `out` positions. */
static inline size_t border_class(bnn_axis_border b, size_t out, size_t o) {
  if (o < b.leading) return o;
  if (o >= out - b.trailing) return b.leading + 1 + (o - (out - b.trailing));
  return b.leading;
}

/* Whether output pixel (oy, ox) has a window that covers padding. */
static inline int is_border(bnn_axis_border rows, bnn_axis_border cols, size_t out_h, size_t out_w,
                            size_t oy, size_t ox) {
  return oy < rows.leading || oy >= out_h - rows.trailing || ox < cols.leading ||
         ox >= out_w - cols.trailing;
}

/* z of output row `row` at pixel (oy, ox): over the binary window when `bits` is given
 * (c = words per pixel, padding all-zero words: +1), else over the pixel window (c
 * channels, padding pixel 0). */
static int32_t border_dot(const uint64_t *bits, const uint8_t *pixels, size_t h, size_t w, size_t c,
                          size_t kh, size_t kw, size_t stride, size_t pad_top, size_t pad_left,
                          size_t oy, size_t ox, const uint64_t *row, int32_t k) {
  int32_t sum = 0;
  for (size_t ky = 0; ky < kh; ky++) {
    size_t iy = oy * stride + ky - pad_top; /* wraps above the input */
    for (size_t kx = 0; kx < kw; kx++) {
      size_t ix = ox * stride + kx - pad_left;
      int inside = iy < h && ix < w;
      if (bits) {
        /* The input pixel, or all-zero padding words: the pointer exists only inside. */
        const uint64_t *wt = row + (ky * kw + kx) * c;
        const uint64_t *a = inside ? bits + (iy * w + ix) * c : NULL;
        for (size_t q = 0; q < c; q++) sum += bnn_popcount64_scalar((a ? a[q] : 0) ^ wt[q]);
      } else if (inside) {
        const uint8_t *px = pixels + (iy * w + ix) * c;
        size_t e = (ky * kw + kx) * c;
        for (size_t ch = 0; ch < c; ch++, e++)
          sum += ((row[e >> 6] >> (e & 63)) & 1) ? -(int32_t)px[ch] : (int32_t)px[ch];
      }
    }
  }
  return bits ? k - 2 * sum : sum;
}

void bnn_conv_border_threshold(const uint64_t *bits, const uint8_t *pixels, size_t h, size_t w,
                               size_t c, size_t kh, size_t kw, size_t stride, size_t pad_top,
                               size_t pad_left, size_t out_h, size_t out_w, const uint64_t *weights,
                               size_t w_stride, size_t n, int32_t k, bnn_axis_border rows,
                               bnn_axis_border cols, const int32_t *class_thresholds,
                               const uint64_t *flip, uint64_t *out, size_t out_wpp) {
  size_t col_classes = cols.leading + 1 + cols.trailing;
  for (size_t oy = 0; oy < out_h; oy++) {
    for (size_t ox = 0; ox < out_w; ox++) {
      if (!is_border(rows, cols, out_h, out_w, oy, ox)) continue;
      size_t cls = border_class(rows, out_h, oy) * col_classes + border_class(cols, out_w, ox);
      const int32_t *t = class_thresholds + cls * n;
      uint64_t *o = out + (oy * out_w + ox) * out_wpp;
      for (size_t q = 0; q < out_wpp; q++) o[q] = 0;
      for (size_t j = 0; j < n; j++) {
        int32_t z = border_dot(bits, pixels, h, w, c, kh, kw, stride, pad_top, pad_left, oy, ox,
                               weights + j * w_stride, k);
        o[j >> 6] |= ((uint64_t)(z < t[j]) ^ ((flip[j >> 6] >> (j & 63)) & 1)) << (j & 63);
      }
    }
  }
}

void bnn_pixel_sign(const uint8_t *in, size_t pixels, size_t c, const int32_t *thresholds,
                    const uint64_t *flip, int flat, uint64_t *out) {
  size_t wpp = (c + 63) / 64;
  size_t words = flat ? (pixels * c + 63) / 64 : pixels * wpp;
  for (size_t q = 0; q < words; q++) out[q] = 0;
  for (size_t p = 0; p < pixels; p++) {
    for (size_t ch = 0; ch < c; ch++) {
      uint64_t bit =
          (uint64_t)((int32_t)in[p * c + ch] < thresholds[ch]) ^ ((flip[ch >> 6] >> (ch & 63)) & 1);
      size_t e = flat ? p * c + ch : p * wpp * 64 + ch;
      out[e >> 6] |= bit << (e & 63);
    }
  }
}
