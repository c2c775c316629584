/*
 * A persistent thread pool for batch-1 inference on several cores, and the layer drivers
 * that split one layer's work across it. Compiled only where the build defines
 * BNN_THREADS (hosted platforms with POSIX threads; Package.swift does); bare-metal and
 * WebAssembly builds leave this file out and run every layer on the calling thread.
 *
 * The pool holds `threads - 1` workers; the caller of bnn_pool_run works too. Workers spin
 * briefly between runs (a network's layers follow each other within microseconds), then
 * sleep on a condition variable. Each driver splits its layer into contiguous slices of
 * output rows (images or output pixels) or of 64-output groups, calls the same kernel
 * table entry on each slice, and returns when every slice is written: the results are
 * bit-identical to one call on the whole layer.
 */
#ifndef BNN_POOL_H
#define BNN_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "cpopcount.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bnn_pool bnn_pool;

/* A pool running work on `threads` threads (the caller and threads - 1 workers), or NULL
 * when threads < 2 or the threads cannot be made. */
bnn_pool *bnn_pool_create(size_t threads);
void bnn_pool_destroy(bnn_pool *pool);
size_t bnn_pool_threads(const bnn_pool *pool);

/* Calls fn(ctx, i) once for every i < tasks, on the pool's threads; returns when all
 * calls have returned. One run at a time per pool (a pool belongs to one workspace). */
void bnn_pool_run(bnn_pool *pool, size_t tasks, void (*fn)(void *ctx, size_t task), void *ctx);

/* k->xor_popcount_threshold over m rows and n outputs, split across the pool. */
void bnn_parallel_xor_popcount_threshold(bnn_pool *pool, const bnn_kernels *k, const uint64_t *a,
                                         size_t as, size_t m, const uint64_t *w, size_t ws,
                                         size_t n, size_t words, int32_t k_bits, const int32_t *t,
                                         const uint64_t *flip, uint64_t *out, size_t os);

/* k->bitplane_threshold over m rows and n outputs, split across the pool. */
void bnn_parallel_bitplane_threshold(bnn_pool *pool, const bnn_kernels *k, const uint64_t *planes,
                                     size_t ps, size_t m, const uint64_t *w, size_t ws, size_t n,
                                     size_t words, const int32_t *t, const uint64_t *flip,
                                     uint64_t *out, size_t os);

/* k->int8_dense_threshold over m rows and n outputs, split across the pool. */
void bnn_parallel_int8_dense_threshold(bnn_pool *pool, const bnn_kernels *k, const uint8_t *x,
                                       size_t xs, size_t m, const int8_t *w, size_t n, size_t k_len,
                                       const int32_t *t, const uint64_t *flip, uint64_t *out,
                                       size_t os);

/* One image's binary convolution: k->binary_conv_threshold, each thread on its own band of
 * output rows with scratch + slice * scratch_stride (one bnn_binary_conv_scratch_words of
 * the whole image per thread), all sharing `packed` (NULL or k->binary_conv_pack's). */
void bnn_parallel_binary_conv(bnn_pool *pool, const bnn_kernels *k, const uint64_t *in, size_t h,
                              size_t w, size_t wpp, size_t c, size_t kh, size_t kw, size_t stride,
                              size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                              const uint64_t *weights, size_t row_words, const uint32_t *packed,
                              size_t n, int32_t k_bits, const int32_t *t, const uint64_t *flip,
                              uint64_t *out, size_t out_wpp, uint64_t *scratch,
                              size_t scratch_stride);

/* One image's convolution on 8-bit pixels, each thread on its own band of output rows:
 * `direct` != 0: k->pixel_conv_threshold with scratch + slice * scratch_stride (int32
 * values; one bnn_pixel_conv_scratch_size per thread); else bnn_im2col_bitplanes into
 * `patches` (rows of 8 * row_words words) and k->bitplane_threshold. */
void bnn_parallel_pixel_conv(bnn_pool *pool, const bnn_kernels *k, int direct, const uint8_t *in,
                             size_t h, size_t w, size_t c, size_t kh, size_t kw, size_t stride,
                             size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                             const uint64_t *weights, size_t row_words, size_t n, const int32_t *t,
                             const uint64_t *flip, uint64_t *out, size_t out_wpp, uint64_t *patches,
                             int32_t *scratch, size_t scratch_stride);

#ifdef __cplusplus
}
#endif

#endif /* BNN_POOL_H */
