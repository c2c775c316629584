/* Internal declarations shared by the kernel files and the dispatcher. */
#ifndef CPOPCOUNT_KERNELS_INTERNAL_H
#define CPOPCOUNT_KERNELS_INTERNAL_H

#include "cpopcount.h"

extern const bnn_kernels bnn_scalar_kernels;

/*
 * Build-time choice of the scalar path's popcount (popcount_portable.h): the fastest exact
 * variant measured on each target (instructions per inference under qemu, and the core's
 * multiplier; docs/EMBEDDED.md, "Popcount without an instruction"). Every variant gives
 * the same counts. -DBNN_SCALAR_POPCOUNT=1|2|3 overrides it (for measurements).
 */
#include "popcount_portable.h"
#ifndef BNN_SCALAR_POPCOUNT
#if defined(__ARM_ARCH_6M__) || (defined(__riscv) && __riscv_xlen == 32)
/* Cortex-M0 (armv6m, 784-256-10 under qemu): swar-nomul 1.425 M instructions per
 * inference, table 1.442 M, swar-mul 1.490 M (Thumb-1 has no shifted operands). RISC-V
 * rv32imc: swar-nomul 1.1238 M, swar-mul 1.1244 M, table 1.375 M. (GCC 12 -O2 expands
 * swar-mul's multiply into shifted adds on these cores: no multiply is executed.) */
#define BNN_SCALAR_POPCOUNT BNN_POPCOUNT_ID_SWAR_NOMUL
#else
/* 64-bit hosts, and Cortex-M4 (single-cycle multiplier): swar-mul 1.018 M instructions
 * per inference, swar-nomul 1.045 M, table 1.076 M. */
#define BNN_SCALAR_POPCOUNT BNN_POPCOUNT_ID_SWAR_MUL
#endif
#endif
#if BNN_SCALAR_POPCOUNT == BNN_POPCOUNT_ID_SWAR_MUL
#define bnn_popcount64_scalar bnn_popcount64_swar_mul
#elif BNN_SCALAR_POPCOUNT == BNN_POPCOUNT_ID_SWAR_NOMUL
#define bnn_popcount64_scalar bnn_popcount64_swar_nomul
#elif BNN_SCALAR_POPCOUNT == BNN_POPCOUNT_ID_TABLE
#define bnn_popcount64_scalar bnn_popcount64_table
#else
#error "BNN_SCALAR_POPCOUNT must be 1 (swar-mul), 2 (swar-nomul) or 3 (table)"
#endif

/* The portable bit-plane transposition (bit_utils.c), for paths without their own. */
void bnn_scalar_pack_bitplanes(const uint8_t *pixels, size_t count, uint64_t *planes, size_t words);

/* The direct pixel convolution (pixel_conv.c): the portable reference is declared in
 * bnn_conv.h; on x86-64 the same body is also compiled for AVX2 (declared below). */
#include "bnn_conv.h"

#if defined(__x86_64__) || defined(_M_X64)
#define BNN_HAVE_X86 1
extern const bnn_kernels bnn_popcnt_kernels;
extern const bnn_kernels bnn_avx2_kernels;
extern const bnn_kernels bnn_avx512_kernels;
void bnn_avx2_pixel_conv_threshold(const uint8_t *in, size_t h, size_t w, size_t c, size_t kh,
                                   size_t kw, size_t stride, size_t pad_top, size_t pad_left,
                                   size_t out_h, size_t out_w, const uint64_t *weights,
                                   size_t w_stride, size_t n, const int32_t *thresholds,
                                   const uint64_t *flip, uint64_t *out, size_t out_stride,
                                   int32_t *scratch);
/* The channel-blocked binary convolution (binary_conv.c). */
void bnn_avx2_binary_conv_threshold(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t c,
                                    size_t kh, size_t kw, size_t stride, size_t pad_top,
                                    size_t pad_left, size_t out_h, size_t out_w,
                                    const uint64_t *weights, size_t w_stride,
                                    const uint32_t *packed, size_t n, int32_t k_bits,
                                    const int32_t *thresholds, const uint64_t *flip, uint64_t *out,
                                    size_t out_stride, uint64_t *scratch);
/* Its counts (binary_conv_gemm) with the same kernel. */
void bnn_avx2_binary_conv_gemm(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t c,
                               size_t kh, size_t kw, size_t stride, size_t pad_top, size_t pad_left,
                               size_t out_h, size_t out_w, const uint64_t *weights, size_t w_stride,
                               const uint32_t *packed, size_t n, int32_t *counts,
                               size_t counts_stride, uint64_t *scratch);
/* The AVX-512 form of both (binary_conv_avx512.c), on the same packed weights. */
void bnn_avx512_binary_conv_threshold(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t c,
                                      size_t kh, size_t kw, size_t stride, size_t pad_top,
                                      size_t pad_left, size_t out_h, size_t out_w,
                                      const uint64_t *weights, size_t w_stride,
                                      const uint32_t *packed, size_t n, int32_t k_bits,
                                      const int32_t *thresholds, const uint64_t *flip,
                                      uint64_t *out, size_t out_stride, uint64_t *scratch);
void bnn_avx512_binary_conv_gemm(const uint64_t *in, size_t h, size_t w, size_t wpp, size_t c,
                                 size_t kh, size_t kw, size_t stride, size_t pad_top,
                                 size_t pad_left, size_t out_h, size_t out_w,
                                 const uint64_t *weights, size_t w_stride, const uint32_t *packed,
                                 size_t n, int32_t *counts, size_t counts_stride,
                                 uint64_t *scratch);
/* Their weights' layout: per block of 32 channels, per 32-bit step, 32 channels' words. */
void bnn_avx2_binary_conv_pack(const uint64_t *weights, size_t w_stride, size_t n, size_t c,
                               size_t kh, size_t kw, size_t wpp, uint32_t *packed);
#endif

#if defined(__aarch64__) && defined(__ARM_NEON)
#define BNN_HAVE_NEON 1
extern const bnn_kernels bnn_neon_kernels;
/* NEON with the dot-product extension (ARMv8.2 FEAT_DotProd: UDOT/SDOT): the neon table
 * plus an int8 first layer. It exists when the compiler can build vdotq_u32 inside one
 * function (every GCC since 8 with target("arch=armv8.2-a+dotprod"); clang since 16, Apple
 * clang since 15, with target("dotprod"); any compiler when the whole build targets it),
 * and dispatch.c can ask the CPU (the build targets it; getauxval on Linux and Android;
 * sysctl on Apple systems). Elsewhere (bare metal, other systems) it is left out. */
#if (defined(__ARM_FEATURE_DOTPROD) || (defined(__STDC_HOSTED__) && __STDC_HOSTED__ &&             \
                                        (defined(__linux__) || defined(__APPLE__)))) &&            \
    (defined(__ARM_FEATURE_DOTPROD) ||                                                             \
     (defined(__clang__) && __clang_major__ >= (defined(__apple_build_version__) ? 15 : 16)) ||    \
     (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 8))
#define BNN_HAVE_NEON_DOTPROD 1
extern const bnn_kernels bnn_neon_dotprod_kernels;
#endif
#endif

#if defined(__wasm_simd128__)
#define BNN_HAVE_SIMD128 1
extern const bnn_kernels bnn_simd128_kernels;
#endif

#endif
