/*
 * Convolution helpers of BinaryNet: gather the receptive field of every output pixel
 * into one row ("im2col"), so a convolution becomes one block call of the dense
 * kernels in cpopcount.h (rows = output pixels, columns = output channels).
 * These helpers are plain portable C with one version (no path selection).
 *
 * Geometry (per spatial axis): output size `out`, stride `s`, kernel `k`, leading pad
 * `pad`: output position o reads input positions o*s - pad + 0 ... o*s - pad + k-1;
 * positions outside the input are padding.
 */
#ifndef BNN_CONV_H
#define BNN_CONV_H

#include <stddef.h>
#include <stdint.h>

#include "cpopcount.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Binary activations, channel-packed NHWC: input pixel (y, x) is `wpp` words at
 * in + (y*w + x)*wpp. Output row r = oy*out_w + ox is kh*kw*wpp words at
 * out + r*row_stride, ordered (ky, kx, word). Padding pixels are all-zero words,
 * i.e. +1 values (bit 0), the binary 'same' padding.
 */
void bnn_im2col_bits(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t kh, size_t kw,
                     size_t stride, size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                     uint64_t *out, size_t row_stride);

/*
 * 8-bit pixels, HWC with c channels: for every output pixel, the kh*kw*c patch bytes
 * (order ky, kx, channel; padding pixels are 0) packed into 8 bit-planes of
 * `plane_words` words (>= ceil(kh*kw*c/64)) at out + r*row_stride + b*plane_words,
 * as bnn_pack_bitplanes does. row_stride >= 8*plane_words.
 */
void bnn_im2col_bitplanes(const uint8_t *in, size_t h, size_t w, size_t c, size_t kh, size_t kw,
                          size_t stride, size_t pad_top, size_t pad_left, size_t out_h,
                          size_t out_w, uint64_t *out, size_t plane_words, size_t row_stride);

/*
 * The direct pixel convolution is an entry of every kernel table
 * (bnn_kernels.pixel_conv_threshold in cpopcount.h; dispatch.c selects the path).
 * Its scratch: bnn_pixel_conv_scratch_size(K, n) int32 values, K = kh*kw*c, the same for
 * every path.
 */
size_t bnn_pixel_conv_scratch_size(size_t k, size_t n);

/* The portable reference of pixel_conv_threshold: the entry of the scalar table (and of
 * the paths without a faster one). Declared for tests, which check that forcing the scalar
 * path runs this very function. */
void bnn_scalar_pixel_conv_threshold(const uint8_t *in, size_t h, size_t w, size_t c, size_t kh,
                                     size_t kw, size_t stride, size_t pad_top, size_t pad_left,
                                     size_t out_h, size_t out_w, const uint64_t *weights,
                                     size_t w_stride, size_t n, const int32_t *thresholds,
                                     const uint64_t *flip, uint64_t *out, size_t out_stride,
                                     int32_t *scratch);

/* The reference form of binary_conv_gemm: bnn_im2col_bits into the scratch, then one call
 * of `gemm` (a path's xor_popcount_gemm). */
void bnn_im2col_binary_conv_gemm(bnn_xor_popcount_gemm_fn gemm, const uint64_t *in, size_t h,
                                 size_t w, size_t wpp, size_t kh, size_t kw, size_t stride,
                                 size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                                 const uint64_t *weights, size_t w_stride, size_t n,
                                 int32_t *counts, size_t counts_stride, uint64_t *scratch);

/*
 * The binary convolution is an entry of every kernel table
 * (bnn_kernels.binary_conv_threshold in cpopcount.h). Its scratch, in words, for `rows`
 * output pixels, weight rows of `row_words` words and n output channels: the same for
 * every path.
 */
size_t bnn_binary_conv_scratch_words(size_t rows, size_t row_words, size_t n);

/* 32-bit words of a binary convolution's weights in a path's own layout
 * (bnn_kernels.binary_conv_pack): n output channels, a kh x kw window of c channels in
 * wpp words a pixel. The same for every path that has such a layout. */
size_t bnn_binary_conv_packed_words(size_t n, size_t c, size_t kh, size_t kw, size_t wpp);

/* The reference form of binary_conv_threshold: bnn_im2col_bits into the scratch, then one
 * call of `gemm` (a path's xor_popcount_threshold). The entry of every path without a form
 * of its own; declared for tests. */
void bnn_im2col_binary_conv_threshold(bnn_xor_popcount_threshold_fn gemm, const uint64_t *in,
                                      size_t h, size_t w, size_t wpp, size_t c, size_t kh,
                                      size_t kw, size_t stride, size_t pad_top, size_t pad_left,
                                      size_t out_h, size_t out_w, const uint64_t *weights,
                                      size_t w_stride, size_t n, int32_t k_bits,
                                      const int32_t *thresholds, const uint64_t *flip,
                                      uint64_t *out, size_t out_stride, uint64_t *scratch);

/*
 * Border classes of a 'same' convolution along one axis (format v3, docs/FORMAT.md):
 * the first `leading` output positions have windows that overhang the start of the
 * input, the last `trailing` ones (only) its end. Position o has class o when
 * o < leading, leading + 1 + (o - (out - trailing)) when o >= out - trailing, and
 * `leading` (the interior) otherwise: leading + 1 + trailing classes.
 */
typedef struct {
  size_t leading;
  size_t trailing;
} bnn_axis_border;

/*
 * Recomputes, for every output pixel of a convolution whose window covers padding, the
 * output bits with the thresholds of its border class:
 * bit j = (z_j < t[(row_class * col_classes + col_class) * n + j]) XOR flip_j, with z_j
 * exactly as the layer's kernels compute it. Other pixels are left as they are.
 * Binary input (`bits` given, `pixels` NULL): c = words per pixel, channel-packed NHWC;
 * weight rows of kh*kw*c words; z_j = k - 2 * popcount over the window, padding pixels
 * all-zero words (+1), as bnn_im2col_bits. Pixel input (`bits` NULL): c channels of
 * 8-bit HWC pixels; weights as flat rows of kh*kw*c elements (order ky, kx, channel; bit
 * 1 = -1); z_j = sum of x * w, padding pixels 0; k unused. Rows are w_stride words apart;
 * `out` has out_wpp words a pixel.
 */
void bnn_conv_border_threshold(const uint64_t *bits, const uint8_t *pixels, size_t h, size_t w,
                               size_t c, size_t kh, size_t kw, size_t stride, size_t pad_top,
                               size_t pad_left, size_t out_h, size_t out_w, const uint64_t *weights,
                               size_t w_stride, size_t n, int32_t k, bnn_axis_border rows,
                               bnn_axis_border cols, const int32_t *class_thresholds,
                               const uint64_t *flip, uint64_t *out, size_t out_wpp);

/*
 * The sign of the normalised input as packed bits (layer kind 8, pixel-sign): for pixel
 * p (of `pixels`) and channel ch, bit = (x < thresholds[ch]) XOR flip_ch. `flat` = 0 packs
 * channel-wise (ceil(c/64) words a pixel, NHWC); `flat` != 0 packs the HWC elements as
 * one flat row of ceil(pixels*c/64) words. Padding bits are zero.
 */
void bnn_pixel_sign(const uint8_t *in, size_t pixels, size_t c, const int32_t *thresholds,
                    const uint64_t *flip, int flat, uint64_t *out);

#ifdef __cplusplus
}
#endif

#endif /* BNN_CONV_H */
