/*
 * CPopcount: the XOR-popcount kernels of BinaryNet.
 *
 * Conventions (see docs/DESIGN.md):
 *   - a value in {-1,+1} is one bit: bit 1 = -1, bit 0 = +1;
 *   - element i of a row lives in word i/64, bit i%64;
 *   - rows are padded to whole uint64_t words with 0 bits in BOTH operands,
 *     so padding never counts as a mismatch.
 *
 * Binary dot product of K-element rows a, w:   z = K - 2 * popcount(a XOR w).
 *
 * Every kernel works on whole blocks: m activation rows times n weight rows.
 * Row i of a block starts at base + i * stride (strides in uint64_t words,
 * stride >= words). Kernels never allocate and never read past
 * base + (rows-1)*stride + words.
 *
 * Paths: one table of function pointers per path (bnn_kernels below), and every kernel
 * is an entry of the table. dispatch.c is the one place that selects a path: no kernel
 * dispatches itself (no target_clones, ifunc or cpuid anywhere else), so forcing a path
 * (BNN_KERNEL, or Swift's KernelPath) reaches every kernel. Free functions outside the
 * table (bnn_im2col_*, bnn_pool2x2_bits, bnn_crc32) are plain portable C with one version.
 *   scalar  portable C, the reference every other path is tested against;
 *   popcnt  x86-64 POPCNT instruction (chosen at run time via cpuid);
 *   avx2    x86-64 AVX2 + POPCNT (chosen at run time via cpuid);
 *   avx512  x86-64 AVX512F/VL + VPOPCNTDQ (chosen at run time via cpuid and the
 *           OS's zmm state);
 *   neon    AArch64 NEON vcntq_u8 + widening pairwise adds (chosen at compile time);
 *   neon-dotprod  the neon table plus an int8 first layer on UDOT (ARMv8.2 dot-product
 *           extension; chosen at run time: getauxval / sysctl, or the build's target);
 *   simd128 WebAssembly SIMD128 i8x16.popcnt + extending pairwise adds (chosen at compile
 *           time: a build with -msimd128 has it, the scalar WebAssembly build has not).
 */
#ifndef CPOPCOUNT_H
#define CPOPCOUNT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum bnn_kernel_path {
  BNN_PATH_SCALAR = 0,
  BNN_PATH_POPCNT = 1,
  BNN_PATH_AVX2 = 2,
  BNN_PATH_NEON = 3,
  BNN_PATH_AVX512 = 4,
  BNN_PATH_SIMD128 = 5,
  BNN_PATH_NEON_DOTPROD = 6,
  BNN_PATH_COUNT = 7
} bnn_kernel_path;

/*
 * counts[i*counts_stride + j] = popcount(a_i XOR w_j) over `words` words,
 * for i < m, j < n.
 */
typedef void (*bnn_xor_popcount_gemm_fn)(const uint64_t *a, size_t a_stride, size_t m,
                                         const uint64_t *w, size_t w_stride, size_t n, size_t words,
                                         int32_t *counts, size_t counts_stride);

/*
 * Fused binary dense/conv step with BatchNorm+sign folded into thresholds.
 * For i < m, j < n:
 *     z   = k_bits - 2 * popcount(a_i XOR w_j)
 *     bit = (z < thresholds[j]) XOR flip_bit(j)     (bit 1 = -1)
 * flip_bit(j) = (flip[j/64] >> (j%64)) & 1.
 * Output row i is out[i*out_stride .. +ceil(n/64)): bit j in word j/64, bit j%64.
 * Every output word is written whole; bits >= n in the last word are 0.
 */
typedef void (*bnn_xor_popcount_threshold_fn)(const uint64_t *a, size_t a_stride, size_t m,
                                              const uint64_t *w, size_t w_stride, size_t n,
                                              size_t words, int32_t k_bits,
                                              const int32_t *thresholds, const uint64_t *flip,
                                              uint64_t *out, size_t out_stride);

/*
 * First layer on the 8 bit-planes of 8-bit inputs (BNN paper, Algorithm 4).
 * Row i holds 8 planes of `words` words each: plane b of row i starts at
 * planes + i*planes_stride + b*words (planes_stride >= 8*words).
 * Plane b has bit k set iff bit b of pixel k is 1.
 * For weights w_j (bit 1 = -1):
 *     dot_ij = sum_{b=0..7} 2^b * (popcount(plane_b) - 2*popcount(plane_b AND w_j))
 *            = sum_k x_k * w_jk   exactly.
 */
typedef void (*bnn_bitplane_gemm_fn)(const uint64_t *planes, size_t planes_stride, size_t m,
                                     const uint64_t *w, size_t w_stride, size_t n, size_t words,
                                     int32_t *dots, size_t dots_stride);

/* bitplane dot, then bit = (dot < thresholds[j]) XOR flip_bit(j), written as in
 * bnn_xor_popcount_threshold_fn. */
typedef void (*bnn_bitplane_threshold_fn)(const uint64_t *planes, size_t planes_stride, size_t m,
                                          const uint64_t *w, size_t w_stride, size_t n,
                                          size_t words, const int32_t *thresholds,
                                          const uint64_t *flip, uint64_t *out, size_t out_stride);

/* Transposes `count` 8-bit pixels into 8 bit-planes, as bnn_pack_bitplanes below.
 * Reads only pixels[0 .. count), writes only planes[0 .. 8*words). */
typedef void (*bnn_pack_bitplanes_fn)(const uint8_t *pixels, size_t count, uint64_t *planes,
                                      size_t words);

/*
 * First-layer convolution straight on the 8-bit pixels (HWC, c channels), for small
 * receptive fields (it beats the bit-plane kernels when K = kh*kw*c is small, e.g. 9 for a
 * 3x3 kernel on a gray image). Same result as bnn_im2col_bitplanes + bitplane_threshold
 * (bnn_conv.h), exactly:
 *     z_j = sum_k x_k * w_jk   (x_k = pixel of the window, 0 for padding; w = -1 for bit 1)
 *     bit = (z_j < thresholds[j]) XOR flip_bit(j)
 * Geometry as in bnn_conv.h. Weights: n rows of `w_stride` words, K bits each (window
 * order ky, kx, channel). Output pixel r = oy*out_w + ox is written whole at
 * out + r*out_stride (ceil(n/64) words, bits >= n are 0).
 * `scratch` must hold bnn_pixel_conv_scratch_size(K, n) int32 values (bnn_conv.h; the same
 * for every path).
 */
typedef void (*bnn_pixel_conv_threshold_fn)(const uint8_t *in, size_t h, size_t w, size_t c,
                                            size_t kh, size_t kw, size_t stride, size_t pad_top,
                                            size_t pad_left, size_t out_h, size_t out_w,
                                            const uint64_t *weights, size_t w_stride, size_t n,
                                            const int32_t *thresholds, const uint64_t *flip,
                                            uint64_t *out, size_t out_stride, int32_t *scratch);

/*
 * Binary convolution with folded thresholds on channel-packed NHWC bits: input pixel (y, x)
 * is `wpp` words at in + (y*w + x)*wpp holding `c` channels (bits >= c are 0). For output
 * pixel r = oy*out_w + ox and channel j:
 *     z   = k_bits - 2 * popcount(patch_r XOR w_j)
 *     bit = (z < thresholds[j]) XOR flip_bit(j)
 * where patch_r is the receptive field in bnn_im2col_bits' order (ky, kx, word) with padding
 * pixels all-zero words (+1), and w_j is weight row j (kh*kw*wpp words, w_stride apart).
 * Geometry as in bnn_conv.h. Output pixel r is written whole at out + r*out_stride
 * (ceil(n/64) words, bits >= n are 0). `packed` is NULL, or the same weights in the path's
 * own layout, made once by its binary_conv_pack; with NULL a path that has a layout of its
 * own packs them into the scratch on every call. `scratch` must hold
 * bnn_binary_conv_scratch_words(out_h*out_w, kh*kw*wpp, n) words (bnn_conv.h; the same for
 * every path).
 */
typedef void (*bnn_binary_conv_threshold_fn)(const uint64_t *in, size_t h, size_t w, size_t wpp,
                                             size_t c, size_t kh, size_t kw, size_t stride,
                                             size_t pad_top, size_t pad_left, size_t out_h,
                                             size_t out_w, const uint64_t *weights, size_t w_stride,
                                             const uint32_t *packed, size_t n, int32_t k_bits,
                                             const int32_t *thresholds, const uint64_t *flip,
                                             uint64_t *out, size_t out_stride, uint64_t *scratch);

/*
 * The same convolution without thresholds, for the trainer's forward product:
 *     counts[r*counts_stride + j] = popcount(patch_r XOR w_j)   (z = k_bits - 2 * count)
 * for output pixel r < out_h*out_w and channel j < n. Arguments and scratch as in
 * bnn_binary_conv_threshold_fn.
 */
typedef void (*bnn_binary_conv_gemm_fn)(const uint64_t *in, size_t h, size_t w, size_t wpp,
                                        size_t c, size_t kh, size_t kw, size_t stride,
                                        size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                                        const uint64_t *weights, size_t w_stride,
                                        const uint32_t *packed, size_t n, int32_t *counts,
                                        size_t counts_stride, uint64_t *scratch);

/*
 * Rewrites a binary convolution's weights (n rows of `w_stride` words, kh*kw taps of `wpp`
 * words holding c channels) into the layout of the path's binary_conv_threshold:
 * bnn_binary_conv_packed_words(n, c, kh, kw, wpp) 32-bit words at `packed` (bnn_conv.h).
 * Done once per model; NULL in the table of a path whose convolution reads the rows as
 * they are.
 */
typedef void (*bnn_binary_conv_pack_fn)(const uint64_t *weights, size_t w_stride, size_t n,
                                        size_t c, size_t kh, size_t kw, size_t wpp,
                                        uint32_t *packed);

/*
 * First dense layer straight on the 8-bit pixels, with the weights expanded once to int8
 * (+1 for bit 0, -1 for bit 1; bnn_expand_weights_int8): the same integers as the
 * bit-plane kernels,
 *     dot_ij = sum_k x_ik * w_jk,   bit = (dot_ij < thresholds[j]) XOR flip_bit(j).
 * Row i is x + i*x_stride (reads only its k bytes); weight row j is
 * w + j*bnn_int8_row_bytes(k). Output as in bnn_xor_popcount_threshold_fn. NULL in the
 * table of a path that has no int8 form, or where it measured slower than bit-planes.
 */
typedef void (*bnn_int8_dense_threshold_fn)(const uint8_t *x, size_t x_stride, size_t m,
                                            const int8_t *w, size_t n, size_t k,
                                            const int32_t *thresholds, const uint64_t *flip,
                                            uint64_t *out, size_t out_stride);

/*
 * The same dot products without thresholds, for the trainer's forward product of a first
 * dense layer (exact integers, as a float GEMM of the pixels and the ±1 weights gives them):
 *     dots[i*dots_stride + j] = sum_k x_ik * w_jk,   i < m, j < n.
 * Rows, weights and their layout as bnn_int8_dense_threshold_fn. NULL where that is NULL.
 */
typedef void (*bnn_int8_dense_gemm_fn)(const uint8_t *x, size_t x_stride, size_t m, const int8_t *w,
                                       size_t n, size_t k, int32_t *dots, size_t dots_stride);

/* Bytes of one expanded weight row: k rounded up to a multiple of 32 (zeros past k). */
size_t bnn_int8_row_bytes(size_t k);

/* Expands n weight rows of k bits (w_stride words apart; bit 1 = -1) to int8 rows of
 * bnn_int8_row_bytes(k) values: +1, -1, and 0 past k. */
void bnn_expand_weights_int8(const uint64_t *w, size_t w_stride, size_t n, size_t k, int8_t *out);

/* One path's kernels. */
typedef struct bnn_kernels {
  bnn_kernel_path path;
  const char *name; /* "scalar", "popcnt", "avx2", "neon", "avx512", "simd128", "neon-dotprod" */
  bnn_xor_popcount_gemm_fn xor_popcount_gemm;
  bnn_xor_popcount_threshold_fn xor_popcount_threshold;
  bnn_bitplane_gemm_fn bitplane_gemm;
  bnn_bitplane_threshold_fn bitplane_threshold;
  bnn_pack_bitplanes_fn pack_bitplanes;               /* the bit-plane input of the two above */
  bnn_pixel_conv_threshold_fn pixel_conv_threshold;   /* direct 8-bit pixel convolution */
  bnn_binary_conv_threshold_fn binary_conv_threshold; /* convolution of binary activations */
  bnn_binary_conv_gemm_fn binary_conv_gemm;           /* its counts (training) */
  bnn_binary_conv_pack_fn binary_conv_pack;           /* its weights' own layout; or NULL */
  bnn_int8_dense_threshold_fn int8_dense_threshold;   /* first dense layer on int8; or NULL */
  bnn_int8_dense_gemm_fn int8_dense_gemm;             /* its dot products (training); or NULL */
} bnn_kernels;

/* The kernels of `path`, or NULL when this build or this CPU cannot run it. */
const bnn_kernels *bnn_kernels_for(bnn_kernel_path path);

/* The fastest path available here (chosen in dispatch.c, the one place that selects).
 * The environment variable BNN_KERNEL=scalar|popcnt|avx2|neon|avx512|simd128|neon-dotprod
 * forces a path when it is available (for benchmarks); it is read once. */
const bnn_kernels *bnn_kernels_best(void);

/*
 * Transposes `count` 8-bit pixels into 8 bit-planes of `words` words each
 * (words >= ceil(count/64)): plane b is written to planes + b*words.
 * Bits >= count are 0. Runs the pack_bitplanes of bnn_kernels_best() (every path
 * gives the same bits).
 */
void bnn_pack_bitplanes(const uint8_t *pixels, size_t count, uint64_t *planes, size_t words);

/* 2x2 bitwise pooling of a channel-packed NHWC bit tensor (stride 2, floor).
 * in: h x w pixels of `words` words; out: (h/2) x (w/2) pixels of `words` words.
 * For channel c: AND of the 4 pixels' bits (max of {-1,+1} with bit 1 = -1) where
 * bit c of or_mask is 0, OR (min) where it is 1 -- the min is needed when the
 * pooled BatchNorm is decreasing (gamma < 0). or_mask may be NULL (all AND). */
void bnn_pool2x2_bits(const uint64_t *in, size_t h, size_t w, size_t words, const uint64_t *or_mask,
                      uint64_t *out);

/* Exact popcount variants for cores without a popcount instruction (the scalar path). */
typedef enum bnn_popcount_variant {
  BNN_POPCOUNT_REFERENCE = 0,  /* bit by bit: the definition, for tests */
  BNN_POPCOUNT_SWAR_MUL = 1,   /* SWAR, bytes summed by a multiply */
  BNN_POPCOUNT_SWAR_NOMUL = 2, /* SWAR, bytes summed by shifts and adds */
  BNN_POPCOUNT_TABLE = 3,      /* 256-entry byte table */
  BNN_POPCOUNT_VARIANT_COUNT = 4
} bnn_popcount_variant;

/* popcount of words[0 .. count) computed with `variant` (for tests and measurements). */
uint32_t bnn_popcount_words(bnn_popcount_variant variant, const uint64_t *words, size_t count);

/* The variant the scalar kernels of this build use (chosen at build time in
 * kernels_internal.h), and a variant's name ("reference", "swar-mul", "swar-nomul", "table"). */
bnn_popcount_variant bnn_scalar_popcount_variant(void);
const char *bnn_popcount_variant_name(bnn_popcount_variant variant);

/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320, init and xorout 0xFFFFFFFF),
 * continued from `crc` (pass 0 to start). */
uint32_t bnn_crc32(uint32_t crc, const void *data, size_t length);

#ifdef __cplusplus
}
#endif

#endif /* CPOPCOUNT_H */
