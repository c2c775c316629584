/* Internal declarations shared by the kernel files and the dispatcher. */
#ifndef CPOPCOUNT_KERNELS_INTERNAL_H
#define CPOPCOUNT_KERNELS_INTERNAL_H

#include "cpopcount.h"

extern const bnn_kernels bnn_scalar_kernels;

/* The portable bit-plane transposition (bit_utils.c), for paths without their own. */
void bnn_scalar_pack_bitplanes(const uint8_t *pixels, size_t count, uint64_t *planes, size_t words);

#if defined(__x86_64__) || defined(_M_X64)
#define BNN_HAVE_X86 1
extern const bnn_kernels bnn_popcnt_kernels;
extern const bnn_kernels bnn_avx2_kernels;
extern const bnn_kernels bnn_avx512_kernels;
#endif

#if defined(__aarch64__) && defined(__ARM_NEON)
#define BNN_HAVE_NEON 1
extern const bnn_kernels bnn_neon_kernels;
#endif

#endif
