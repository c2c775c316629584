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

#ifdef __cplusplus
}
#endif

#endif /* BNN_CONV_H */
