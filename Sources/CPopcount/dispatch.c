/*
 * dispatch.c is the one place that selects a kernel; every kernel is an entry of the table
 * (bnn_kernels in cpopcount.h, one table per path: kernels_scalar.c, kernels_x86.c,
 * kernels_avx512.c, kernels_neon.c). No kernel file selects by itself (no target_clones,
 * ifunc or cpuid outside this file), so BNN_KERNEL and the path a caller asks for (Swift's
 * KernelPath) reach every kernel, the direct pixel convolution included.
 *
 * x86-64: POPCNT, AVX2 and AVX-512 tables exist in every build; they are handed out only
 * when cpuid says this CPU runs them. AArch64: NEON is chosen at compile time; the
 * neon-dotprod table (NEON + an int8 first layer on UDOT) is handed out only when the CPU
 * has the ARMv8.2 dot-product extension (getauxval(AT_HWCAP) & HWCAP_ASIMDDP on Linux and
 * Android, sysctl hw.optional.arm.FEAT_DotProd on Apple systems, or a build that targets it).
 * WebAssembly: SIMD128 is chosen at compile time (a module built with -msimd128 has it and
 * needs an engine with SIMD; the scalar build runs everywhere).
 * Anything else (e.g. Cortex-M, RISC-V): the scalar reference only. Build-time choices
 * (which tables exist, and the scalar path's popcount variant) are made in
 * kernels_internal.h, which every kernel file includes.
 * Portable C: no compiler builtins outside the #if guards.
 */
#include "kernels_internal.h"

#if defined(__STDC_HOSTED__) && __STDC_HOSTED__ && !defined(BNN_NO_ENVIRONMENT)
/* getenv; freestanding builds (bare metal) and BNN_NO_ENVIRONMENT (the minimal firmware)
 * skip BNN_KERNEL */
#include <stdlib.h>
#define BNN_HAVE_GETENV 1
#endif

#if defined(BNN_HAVE_NEON_DOTPROD) && !defined(__ARM_FEATURE_DOTPROD)
#if defined(__APPLE__)
#include <sys/sysctl.h>
#include <sys/types.h>
#else
#include <sys/auxv.h>
#endif
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20) /* Linux arch/arm64/include/uapi/asm/hwcap.h */
#endif
#endif

#if defined(BNN_HAVE_NEON_DOTPROD)
/* Whether this CPU runs UDOT/SDOT (kernels_internal.h lists the systems that can tell). */
static int cpu_has_dotprod(void) {
#if defined(__ARM_FEATURE_DOTPROD)
  return 1; /* the whole build requires it */
#elif defined(__APPLE__)
  int has = 0;
  size_t size = sizeof has;
  return sysctlbyname("hw.optional.arm.FEAT_DotProd", &has, &size, NULL, 0) == 0 && has;
#else
  return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#endif
}
#endif

const bnn_kernels *bnn_kernels_for(bnn_kernel_path path) {
  switch (path) {
  case BNN_PATH_SCALAR:
    return &bnn_scalar_kernels;
#if defined(BNN_HAVE_X86)
  case BNN_PATH_POPCNT:
    __builtin_cpu_init(); /* idempotent; needed if called before constructors */
    return __builtin_cpu_supports("popcnt") ? &bnn_popcnt_kernels : NULL;
  case BNN_PATH_AVX2:
    __builtin_cpu_init();
    return (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) ? &bnn_avx2_kernels
                                                                                : NULL;
  case BNN_PATH_AVX512:
    __builtin_cpu_init();
#if defined(BNN_EMULATE_AVX512)
    /* The emulated build runs the table on SIMDe (scripts/test-avx512.sh); it needs AVX2. */
    return __builtin_cpu_supports("avx2") ? &bnn_avx512_kernels : NULL;
#else
    /* __builtin_cpu_supports also checks (xgetbv) that the OS saves zmm state.
     * avx2: the table's pixel convolution is the AVX2 one (every AVX-512 CPU has AVX2). */
    return (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
            __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vpopcntdq") &&
            __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("avx2"))
               ? &bnn_avx512_kernels
               : NULL;
#endif
#endif
#if defined(BNN_HAVE_NEON)
  case BNN_PATH_NEON:
    return &bnn_neon_kernels;
#endif
#if defined(BNN_HAVE_NEON_DOTPROD)
  case BNN_PATH_NEON_DOTPROD:
    return cpu_has_dotprod() ? &bnn_neon_dotprod_kernels : NULL;
#endif
#if defined(BNN_HAVE_SIMD128)
  case BNN_PATH_SIMD128:
    return &bnn_simd128_kernels;
#endif
  default:
    return NULL;
  }
}

/* Fastest first. bnn-kernel-bench on the project machine (AMD EPYC, family 0x1A)
 * measured AVX-512 at 1.3-1.4x AVX2 on batch-1 rows streamed from L3 (mlp-4096),
 * 2.3-2.4x on batch-1 mlp-1024, ~4x on batches and 6.2x on the bit-plane first
 * layer; AVX2 at 1.3-2.3x POPCNT and POPCNT at 2-2.8x scalar, on every shape.
 * NEON is the only fast path on AArch64, SIMD128 on WebAssembly; elsewhere only scalar
 * exists. neon-dotprod is neon plus the int8 first layer, preferred wherever the CPU has
 * the feature: not measured on AArch64 hardware (only tested under qemu), the choice
 * follows the AVX2 int8 form's 3.5x over bit-planes at batch 1 on x86, not a crossover
 * measured on ARM. */
static const bnn_kernel_path preference[] = {
    BNN_PATH_NEON_DOTPROD, BNN_PATH_NEON,   BNN_PATH_SIMD128, BNN_PATH_AVX512,
    BNN_PATH_AVX2,         BNN_PATH_POPCNT, BNN_PATH_SCALAR,
};

/* BNN_KERNEL=name, or NULL when unset, unknown or not available here. */
#if defined(BNN_HAVE_GETENV)
static int same_name(const char *x, const char *y) {
  while (*x && *x == *y) x++, y++;
  return *x == *y;
}
#endif

static const bnn_kernels *from_environment(void) {
#if defined(BNN_HAVE_GETENV)
  const char *want = getenv("BNN_KERNEL");
  if (!want || !*want) return NULL;
  for (int p = 0; p < BNN_PATH_COUNT; p++) {
    const bnn_kernels *k = bnn_kernels_for((bnn_kernel_path)p);
    if (k && same_name(k->name, want)) return k;
  }
#endif
  return NULL;
}

static const bnn_kernels *choose(void) {
  const bnn_kernels *k = from_environment();
  if (k) return k;
  for (size_t i = 0; i < sizeof preference / sizeof preference[0]; i++) {
    k = bnn_kernels_for(preference[i]);
    if (k) return k;
  }
  return &bnn_scalar_kernels;
}

/* Chosen once. Racing first calls compute the same answer and store the same
 * pointer (idempotent), so a relaxed atomic is all the ordering needed. */
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__STDC_NO_ATOMICS__)
#include <stdatomic.h>
static _Atomic(const bnn_kernels *) chosen = NULL;
#define LOAD_CHOSEN() atomic_load_explicit(&chosen, memory_order_relaxed)
#define STORE_CHOSEN(k) atomic_store_explicit(&chosen, (k), memory_order_relaxed)
#else
static const bnn_kernels *volatile chosen = NULL;
#define LOAD_CHOSEN() (chosen)
#define STORE_CHOSEN(k) (chosen = (k))
#endif

const bnn_kernels *bnn_kernels_best(void) {
  const bnn_kernels *k = LOAD_CHOSEN();
  if (!k) {
    k = choose();
    STORE_CHOSEN(k);
  }
  return k;
}

void bnn_pack_bitplanes(const uint8_t *pixels, size_t count, uint64_t *planes, size_t words) {
  bnn_kernels_best()->pack_bitplanes(pixels, count, planes, words);
}
