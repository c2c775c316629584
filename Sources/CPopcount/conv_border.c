/* Per-position thresholds at the border of 'same' convolutions, and the pixel sign
 * layer (see bnn_conv.h). Plain portable C with one version: the border is a thin
 * frame of output pixels, recomputed after the layer's main kernel. */
#include "bnn_conv.h"

static inline uint32_t border_popcount64(uint64_t x) {
  /* SWAR popcount: no builtin, so no libgcc call on cores without popcount. */
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return (uint32_t)((x * 0x0101010101010101ULL) >> 56);
}

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

/* Writes the n output bits of one pixel: bit j = (z[j] < t[j]) XOR flip_j. */
static void write_bits(const int32_t *z, size_t n, const int32_t *t, const uint64_t *flip,
                       uint64_t *out, size_t out_wpp) {
  for (size_t q = 0; q < out_wpp; q++) out[q] = 0;
  for (size_t j = 0; j < n; j++) {
    uint64_t bit = (uint64_t)(z[j] < t[j]) ^ ((flip[j >> 6] >> (j & 63)) & 1);
    out[j >> 6] |= bit << (j & 63);
  }
}

void bnn_binary_conv_border_threshold(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t kh,
                                      size_t kw, size_t stride, size_t pad_top, size_t pad_left,
                                      size_t out_h, size_t out_w, const uint64_t *weights,
                                      size_t w_stride, size_t n, int32_t k, bnn_axis_border rows,
                                      bnn_axis_border cols, const int32_t *class_thresholds,
                                      const uint64_t *flip, uint64_t *out, size_t out_wpp) {
  size_t col_classes = cols.leading + 1 + cols.trailing;
  for (size_t oy = 0; oy < out_h; oy++) {
    for (size_t ox = 0; ox < out_w; ox++) {
      if (!is_border(rows, cols, out_h, out_w, oy, ox)) continue;
      size_t cls = border_class(rows, out_h, oy) * col_classes + border_class(cols, out_w, ox);
      uint64_t *o = out + (oy * out_w + ox) * out_wpp;
      /* z for 64 channels at a time keeps the stack small on microcontrollers. */
      for (size_t j0 = 0; j0 < n; j0 += 64) {
        size_t count = n - j0 < 64 ? n - j0 : 64;
        int32_t z[64];
        for (size_t j = 0; j < count; j++) {
          const uint64_t *row = weights + (j0 + j) * w_stride;
          int32_t p = 0;
          for (size_t ky = 0; ky < kh; ky++) {
            size_t iy = oy * stride + ky - pad_top; /* wraps above the input */
            for (size_t kx = 0; kx < kw; kx++) {
              size_t ix = ox * stride + kx - pad_left;
              const uint64_t *wt = row + (ky * kw + kx) * wpp;
              if (iy < h && ix < w) {
                const uint64_t *a = in + (iy * w + ix) * wpp;
                for (size_t q = 0; q < wpp; q++) p += (int32_t)border_popcount64(a[q] ^ wt[q]);
              } else {
                for (size_t q = 0; q < wpp; q++) p += (int32_t)border_popcount64(wt[q]);
              }
            }
          }
          z[j] = k - 2 * p;
        }
        uint64_t bits[1];
        write_bits(z, count, class_thresholds + cls * n + j0, flip + j0 / 64, bits, 1);
        o[j0 / 64] = bits[0];
      }
    }
  }
}

void bnn_pixel_conv_border_threshold(const uint8_t *in, size_t h, size_t w, size_t c, size_t kh,
                                     size_t kw, size_t stride, size_t pad_top, size_t pad_left,
                                     size_t out_h, size_t out_w, const uint64_t *weights,
                                     size_t w_stride, size_t n, bnn_axis_border rows,
                                     bnn_axis_border cols, const int32_t *class_thresholds,
                                     const uint64_t *flip, uint64_t *out, size_t out_wpp) {
  size_t col_classes = cols.leading + 1 + cols.trailing;
  for (size_t oy = 0; oy < out_h; oy++) {
    for (size_t ox = 0; ox < out_w; ox++) {
      if (!is_border(rows, cols, out_h, out_w, oy, ox)) continue;
      size_t cls = border_class(rows, out_h, oy) * col_classes + border_class(cols, out_w, ox);
      uint64_t *o = out + (oy * out_w + ox) * out_wpp;
      for (size_t j0 = 0; j0 < n; j0 += 64) {
        size_t count = n - j0 < 64 ? n - j0 : 64;
        int32_t z[64];
        for (size_t j = 0; j < count; j++) {
          const uint64_t *row = weights + (j0 + j) * w_stride;
          int32_t sum = 0;
          for (size_t ky = 0; ky < kh; ky++) {
            size_t iy = oy * stride + ky - pad_top;
            for (size_t kx = 0; kx < kw; kx++) {
              size_t ix = ox * stride + kx - pad_left;
              if (iy >= h || ix >= w) continue; /* padding: pixel 0 */
              const uint8_t *px = in + (iy * w + ix) * c;
              size_t e = (ky * kw + kx) * c;
              for (size_t ch = 0; ch < c; ch++, e++) {
                int32_t x = px[ch];
                sum += ((row[e >> 6] >> (e & 63)) & 1) ? -x : x;
              }
            }
          }
          z[j] = sum;
        }
        uint64_t bits[1];
        write_bits(z, count, class_thresholds + cls * n + j0, flip + j0 / 64, bits, 1);
        o[j0 / 64] = bits[0];
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
