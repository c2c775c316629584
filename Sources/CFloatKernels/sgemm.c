/*
 * Cache-blocked SGEMM driver (the GotoBLAS / BLIS loop nest):
 *
 *   for jc over N in steps of NC          B block KC x NC  -> packed, lives in L3
 *     for pc over K in steps of KC
 *       pack op(B)[pc.., jc..] into NR-wide micro-panels
 *       for ic over M in steps of MC      A block MC x KC  -> packed, lives in L2
 *         pack op(A)[ic.., pc..] into MR-tall micro-panels
 *         for jr, ir: micro-kernel on an MR x NR tile of C (B micro-panel in L1)
 *
 * NR depends on the micro-kernel (16 for AVX2 and portable C, 32 for AVX-512). Each path's
 * sgemm entry (bnn_sgemm_portable / _avx2 / _avx512) is this driver around its micro-kernel;
 * the tables, and the choice between them, are in dispatch.c.
 *
 * Packing reads op(A) / op(B) through (row, column) strides, so the transposes cost only
 * a different packing access pattern. The packers are part of each path too (sgemm_parts):
 * the AVX2 ones (sgemm_pack_avx2.c) transpose 8x8 blocks where the portable ones move one
 * float at a time; they write the same floats, so the results do not change. Partial tiles
 * at the edges are zero-padded when packed and computed into a scratch tile, then added to C.
 */
#include <stdlib.h>
#include <string.h>

#include "cfloatkernels.h"
#include "kernels_internal.h"

/* Block sizes: a KC x NR B micro-panel (16 KB) stays in a 32 KB L1D, an MC x KC A block
   (144 KB) in a 512 KB L2 (Zen1 and later); measured with `bnn-train --bench-gemm`. */
#define SGEMM_KC 256
#define SGEMM_MC 144
#define SGEMM_NC 3072

static size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/*
 * Packs the mc x kc block of a matrix X, element (i, p) at x[i*rs + p*cs], into MR-tall
 * micro-panels: panel r holds rows r*MR.., stored k-major (MR values per p), zero-padded.
 */
void sgemm_pack_a_portable(size_t mc, size_t kc, const float *x, size_t rs, size_t cs, float *out) {
  for (size_t i0 = 0; i0 < mc; i0 += SGEMM_MR) {
    const size_t rows = min_size(SGEMM_MR, mc - i0);
    if (rows == SGEMM_MR && cs == 1) {
      /* Rows are contiguous: read each row once, scatter with stride MR. */
      for (size_t i = 0; i < SGEMM_MR; i++) {
        const float *row = x + (i0 + i) * rs;
        for (size_t p = 0; p < kc; p++) out[p * SGEMM_MR + i] = row[p];
      }
    } else {
      for (size_t p = 0; p < kc; p++) {
        const float *col = x + i0 * rs + p * cs;
        size_t i = 0;
        for (; i < rows; i++) out[p * SGEMM_MR + i] = col[i * rs];
        for (; i < SGEMM_MR; i++) out[p * SGEMM_MR + i] = 0.0f;
      }
    }
    out += kc * SGEMM_MR;
  }
}

/*
 * Packs the kc x nc block of a matrix Y, element (p, j) at y[p*rs + j*cs], into nr-wide
 * micro-panels: panel s holds columns s*nr.., stored k-major (nr values per p), zero-padded.
 */
void sgemm_pack_b_portable(size_t kc, size_t nc, const float *y, size_t rs, size_t cs, size_t nr,
                           float *out) {
  for (size_t j0 = 0; j0 < nc; j0 += nr) {
    const size_t cols = min_size(nr, nc - j0);
    if (cs == 1 && cols == 16 && nr == 16) {
      /* Full panel, contiguous rows: fixed-length copies the compiler keeps in registers. */
      for (size_t p = 0; p < kc; p++) {
        const float *row = y + p * rs + j0;
        float *dst = out + p * 16;
        for (size_t j = 0; j < 16; j++) dst[j] = row[j];
      }
    } else if (cs == 1 && cols == 32 && nr == 32) {
      for (size_t p = 0; p < kc; p++) {
        const float *row = y + p * rs + j0;
        float *dst = out + p * 32;
        for (size_t j = 0; j < 32; j++) dst[j] = row[j];
      }
    } else if (cs == 1) {
      for (size_t p = 0; p < kc; p++) {
        const float *row = y + p * rs + j0;
        float *dst = out + p * nr;
        size_t j = 0;
        for (; j < cols; j++) dst[j] = row[j];
        for (; j < nr; j++) dst[j] = 0.0f;
      }
    } else {
      /* Columns of Y are contiguous rows of the stored (transposed) matrix. */
      for (size_t j = 0; j < nr; j++) {
        if (j < cols) {
          const float *col = y + (j0 + j) * cs;
          for (size_t p = 0; p < kc; p++) out[p * nr + j] = col[p * rs];
        } else {
          for (size_t p = 0; p < kc; p++) out[p * nr + j] = 0.0f;
        }
      }
    }
    out += kc * nr;
  }
}

/* C = beta * C, with beta == 0 writing zeros (so NaN garbage never survives). */
static void scale_c(size_t m, size_t n, float beta, float *c, size_t ldc) {
  if (beta == 1.0f) return;
  for (size_t i = 0; i < m; i++) {
    float *row = c + i * ldc;
    if (beta == 0.0f) {
      memset(row, 0, n * sizeof(float));
    } else {
      for (size_t j = 0; j < n; j++) row[j] *= beta;
    }
  }
}

void bnn_sgemm_blocked(const sgemm_parts *parts, int trans_a, int trans_b, size_t m, size_t n,
                       size_t k, float alpha, const float *a, size_t lda, const float *b,
                       size_t ldb, float beta, float *c, size_t ldc) {
  const sgemm_micro_kernel kernel = parts->kernel;
  const size_t tile_nr = parts->nr;
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  /* beta == 0: the first K block writes C instead of adding to it (no memset, and NaNs in
     C are never read); any other beta scales C once up front. */
  if (beta != 0.0f) scale_c(m, n, beta, c, ldc);

  /* Strides of op(A) (i, p) and op(B) (p, j) in the stored arrays. */
  const size_t a_rs = trans_a ? 1 : lda, a_cs = trans_a ? lda : 1;
  const size_t b_rs = trans_b ? 1 : ldb, b_cs = trans_b ? ldb : 1;

  const size_t kc_max = min_size(SGEMM_KC, k);
  const size_t mc_max = round_up(min_size(SGEMM_MC, m), SGEMM_MR);
  const size_t nc_max = round_up(min_size(SGEMM_NC, n), tile_nr);
  float *packed_a = aligned_alloc(64, round_up(mc_max * kc_max * sizeof(float), 64));
  float *packed_b = aligned_alloc(64, round_up(nc_max * kc_max * sizeof(float), 64));
  if (!packed_a || !packed_b) abort(); /* out of memory: nothing sensible to return */
  float tile[SGEMM_MR * SGEMM_NR_MAX];

  for (size_t jc = 0; jc < n; jc += SGEMM_NC) {
    const size_t nc = min_size(SGEMM_NC, n - jc);
    for (size_t pc = 0; pc < k; pc += SGEMM_KC) {
      const size_t kc = min_size(SGEMM_KC, k - pc);
      const int accumulate = pc > 0 || beta != 0.0f;
      parts->pack_b(kc, nc, b + pc * b_rs + jc * b_cs, b_rs, b_cs, tile_nr, packed_b);
      for (size_t ic = 0; ic < m; ic += SGEMM_MC) {
        const size_t mc = min_size(SGEMM_MC, m - ic);
        parts->pack_a(mc, kc, a + ic * a_rs + pc * a_cs, a_rs, a_cs, packed_a);
        for (size_t jr = 0; jr < nc; jr += tile_nr) {
          const size_t nr = min_size(tile_nr, nc - jr);
          const float *bp = packed_b + jr * kc;
          for (size_t ir = 0; ir < mc; ir += SGEMM_MR) {
            const size_t mr = min_size(SGEMM_MR, mc - ir);
            const float *ap = packed_a + ir * kc;
            float *ct = c + (ic + ir) * ldc + jc + jr;
            if (mr == SGEMM_MR && nr == tile_nr) {
              kernel(kc, ap, bp, ct, ldc, alpha, accumulate);
            } else {
              /* Copy the partial tile in and out so that every element of C gets exactly
                 the same arithmetic as in a full tile (results do not depend on where the
                 caller splits M or N between threads). */
              memset(tile, 0, sizeof tile);
              if (accumulate)
                for (size_t i = 0; i < mr; i++)
                  memcpy(tile + i * tile_nr, ct + i * ldc, nr * sizeof(float));
              kernel(kc, ap, bp, tile, tile_nr, alpha, accumulate);
              for (size_t i = 0; i < mr; i++)
                memcpy(ct + i * ldc, tile + i * tile_nr, nr * sizeof(float));
            }
          }
        }
      }
    }
  }
  free(packed_a);
  free(packed_b);
}

/* Each path's entry: the same driver around its micro-kernel and packers (tables in
   dispatch.c). Packing only moves values, so every packer gives the same bits. */
static const sgemm_parts portable_parts = {sgemm_kernel_portable, SGEMM_NR, sgemm_pack_a_portable,
                                           sgemm_pack_b_portable};

void bnn_sgemm_portable(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                        const float *a, size_t lda, const float *b, size_t ldb, float beta,
                        float *c, size_t ldc) {
  bnn_sgemm_blocked(&portable_parts, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c,
                    ldc);
}

#ifdef SGEMM_HAVE_X86
static const sgemm_parts avx2_parts = {sgemm_kernel_avx2, SGEMM_NR, sgemm_pack_a_avx2,
                                       sgemm_pack_b_avx2};
static const sgemm_parts avx512_parts = {sgemm_kernel_avx512, SGEMM_NR_MAX, sgemm_pack_a_avx2,
                                         sgemm_pack_b_avx2};

void bnn_sgemm_avx2(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                    const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                    size_t ldc) {
  bnn_sgemm_blocked(&avx2_parts, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void bnn_sgemm_avx512(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                      const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                      size_t ldc) {
  bnn_sgemm_blocked(&avx512_parts, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
#endif

size_t bnn_sgemm_pack_for_tests(bnn_sgemm_path path, int operand, size_t rows, size_t cols,
                                const float *x, size_t rs, size_t cs, size_t nr, float *out) {
  const sgemm_parts *parts = &portable_parts;
  if (!bnn_sgemm_path_available(path)) return 0;
#ifdef SGEMM_HAVE_X86
  if (bnn_float_kernels_for(path)->path == BNN_SGEMM_AVX2) parts = &avx2_parts;
  if (bnn_float_kernels_for(path)->path == BNN_SGEMM_AVX512) parts = &avx512_parts;
#endif
  if (operand == 0) {
    parts->pack_a(rows, cols, x, rs, cs, out);
    return round_up(rows, SGEMM_MR) * cols;
  }
  parts->pack_b(rows, cols, x, rs, cs, nr, out);
  return rows * round_up(cols, nr);
}

void bnn_sgemm_reference(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                         const float *a, size_t lda, const float *b, size_t ldb, float beta,
                         float *c, size_t ldc) {
  for (size_t i = 0; i < m; i++) {
    for (size_t j = 0; j < n; j++) {
      double sum = 0.0;
      for (size_t p = 0; p < k; p++) {
        const float x = trans_a ? a[p * lda + i] : a[i * lda + p];
        const float y = trans_b ? b[j * ldb + p] : b[p * ldb + j];
        sum += (double)x * (double)y;
      }
      const float old = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
      c[i * ldc + j] = (float)(alpha * sum) + old;
    }
  }
}
