/*
 * Convolution helpers of BinaryNet: gather the receptive field of every output pixel
 * into one row ("im2col"), so a convolution becomes one block call of the dense
 * kernels in cpopcount.h (rows = output pixels, columns = output channels).
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

#ifdef __cplusplus
}
#endif

#endif /* BNN_CONV_H */

#ifdef __cplusplus
extern "C" {
#endif

/*
 * First-layer convolution straight on the 8-bit pixels, for small receptive fields
 * (it beats the bit-plane kernels when K = kh*kw*c is small, e.g. 9 for a 3x3 kernel on
 * a gray image). Same result as bnn_im2col_bitplanes + bitplane_threshold, exactly:
 *     z_j = sum_k x_k * w_jk   (x_k = pixel of the window, 0 for padding; w = -1 for bit 1)
 *     bit = (z_j < thresholds[j]) XOR flip_bit(j)
 * Weights: n rows of `w_stride` words, K bits each (window order ky, kx, channel).
 * Output pixel r = oy*out_w + ox is written whole at out + r*out_stride.
 * `scratch` must hold bnn_pixel_conv_scratch_size(K, n) int32 values.
 */
size_t bnn_pixel_conv_scratch_size(size_t k, size_t n);
void bnn_pixel_conv_threshold(const uint8_t *in, size_t h, size_t w, size_t c, size_t kh, size_t kw,
                              size_t stride, size_t pad_top, size_t pad_left, size_t out_h,
                              size_t out_w, const uint64_t *weights, size_t w_stride, size_t n,
                              const int32_t *thresholds, const uint64_t *flip, uint64_t *out,
                              size_t out_stride, int32_t *scratch);

#ifdef __cplusplus
}
#endif
