/*
 * The AVX-512 target shared by the x86-64 AVX-512 kernel files (kernels_avx512.c,
 * binary_conv_avx512.c). Not a public header; include it only inside an x86-64 guard.
 *
 * BNN_TARGET_AVX512 compiles a function for AVX512F + VL + BW + VPOPCNTDQ (per-function
 * attributes, no global -mavx512* flags: the file links into binaries for any x86-64, and
 * dispatch.c hands the table out only where cpuid says the CPU runs it).
 *
 * With BNN_EMULATE_AVX512 (only scripts/test-avx512.sh defines it) the same code compiles
 * on SIMDe's portable forms of the intrinsics instead (Tests/AVX512Emulation), so a CPU
 * without AVX-512 can run the AVX-512 table against the scalar reference.
 */
#ifndef CPOPCOUNT_KERNELS_AVX512_H
#define CPOPCOUNT_KERNELS_AVX512_H

#if defined(BNN_EMULATE_AVX512)
#include "avx512_emulation.h" /* Tests/AVX512Emulation */
#define BNN_TARGET_AVX512
#else
#include <immintrin.h>
#define BNN_TARGET_AVX512                                                                          \
  __attribute__((target("avx512f,avx512vl,avx512bw,avx512vpopcntdq,popcnt")))
#endif

#endif
