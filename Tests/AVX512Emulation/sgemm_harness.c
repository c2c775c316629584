/*
 * SGEMM path harness (scripts/test-avx512.sh): runs the avx512 table's sgemm (on
 * SIMDe's emulated AVX-512 when built with BNN_EMULATE_AVX512) and the avx2 table's sgemm
 * against the portable table's on many shapes, and checks for each run:
 *
 *   - every element of the m x n block of C within 1e-5 * (|alpha| sum_p |a_ip b_pj| +
 *     |beta c_ij|) + 1e-30 of the portable result (FMA versus multiply-then-add; both
 *     accumulate in the same order p = 0, 1, ...), no NaN anywhere (beta == 0 runs start
 *     with NaN in C, which must be overwritten, not read);
 *   - avx512 and avx2 bit-identical (cfloatkernels.h: the same FMA chain per element);
 *   - nothing written outside the block: canaries before C, in each row's ldc gap and after C;
 *   - A and B unchanged, and nothing read past their last element (each ends at a
 *     PROT_NONE page; their ld gaps hold NaN, which would reach C if a packer used them).
 *
 * Shapes: every (m, n, k) of SIZES^3, each run with one of the transposes, alpha/beta pairs
 * and leading-dimension paddings in turn (so every combination appears many times), then a
 * smaller set under every transpose x alpha/beta x padding, then large shapes that cross the
 * driver's KC = 256, MC = 144 and NC = 3072 blocks. Prints "N passed, M failed"; exit 1 on
 * any failure, 2 when a path is unavailable.
 */
#define _DEFAULT_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cfloatkernels.h"

static const size_t SIZES[] = {0, 1, 5, 6, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129};
#define COUNT(x) (sizeof(x) / sizeof((x)[0]))

static const float ALPHA_BETA[][2] = {{1, 0},  {1, 1}, {0.5f, 1}, {-2, 0.25f},
                                      {1, -1}, {0, 3}, {0, 0},    {1.5f, 0}};
static const size_t PADDING[] = {0, 1, 3, 17};

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t next_random(void) { /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Du;
}
static float random_float(void) { /* uniform in [-1, 1) */
  return (float)(next_random() >> 40) / (float)(1u << 23) - 1.0f;
}

static size_t page_size;

/* count floats that end exactly at an inaccessible page; release with guarded_free. */
typedef struct {
  void *base;
  size_t bytes;
  float *data;
} guarded;

static guarded guarded_alloc(size_t count) {
  const size_t data_bytes = count * sizeof(float);
  const size_t pages = (data_bytes + page_size - 1) / page_size + 1;
  guarded g = {NULL, pages * page_size, NULL};
  g.base = mmap(NULL, g.bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (g.base == MAP_FAILED) {
    perror("mmap");
    exit(2);
  }
  char *guard = (char *)g.base + (pages - 1) * page_size;
  if (mprotect(guard, page_size, PROT_NONE) != 0) {
    perror("mprotect");
    exit(2);
  }
  g.data = (float *)(guard - data_bytes);
  return g;
}

static void guarded_free(guarded g) { munmap(g.base, g.bytes); }

/* A stored rows x cols matrix with row stride ld, ld - cols NaN gap floats after each row but
   the last (which ends at the guard page). */
static guarded random_operand(size_t rows, size_t cols, size_t ld) {
  const size_t count = rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols;
  guarded g = guarded_alloc(count);
  for (size_t i = 0; i < count; i++) g.data[i] = (i % ld < cols) ? random_float() : NAN;
  return g;
}

static uint32_t canary_bits(size_t i) { return 0x7F80C0DEu ^ (uint32_t)(i * 2654435761u); }

static uint32_t float_bits(float x) {
  uint32_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

#define C_GUARD 64 /* canary floats before and after C */

static size_t passed, failed;

static void fail(const char *what, const char *path, int ta, int tb, size_t m, size_t n, size_t k,
                 float alpha, float beta, size_t pad, const char *detail) {
  if (failed < 25)
    fprintf(stderr,
            "FAIL %s [%s] trans_a=%d trans_b=%d m=%zu n=%zu k=%zu alpha=%g beta=%g pad=%zu: %s\n",
            what, path, ta, tb, m, n, k, alpha, beta, pad, detail);
}

static const bnn_float_kernels *portable, *avx2, *avx512;

/* One product under every path; returns 1 if all checks pass. */
static int run_case(int ta, int tb, size_t m, size_t n, size_t k, float alpha, float beta,
                    size_t pad) {
  const size_t lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
  const size_t a_rows = ta ? k : m, a_cols = ta ? m : k;
  const size_t b_rows = tb ? n : k, b_cols = tb ? k : n;
  guarded ga = random_operand(a_rows, a_cols, lda);
  guarded gb = random_operand(b_rows, b_cols, ldb);
  const size_t a_count = a_rows == 0 || a_cols == 0 ? 0 : (a_rows - 1) * lda + a_cols;
  const size_t b_count = b_rows == 0 || b_cols == 0 ? 0 : (b_rows - 1) * ldb + b_cols;
  float *a_copy = malloc((a_count + 1) * sizeof(float));
  float *b_copy = malloc((b_count + 1) * sizeof(float));
  if (!a_copy || !b_copy) exit(2);
  if (a_count) memcpy(a_copy, ga.data, a_count * sizeof(float));
  if (b_count) memcpy(b_copy, gb.data, b_count * sizeof(float));

  /* C: canaries, then m rows of ldc (n values + canary gap), then canaries. */
  const size_t c_total = C_GUARD + m * ldc + C_GUARD;
  float *c0 = malloc(c_total * sizeof(float));
  float *results[3];
  for (int r = 0; r < 3; r++) results[r] = malloc(c_total * sizeof(float));
  if (!c0 || !results[0] || !results[1] || !results[2]) exit(2);
  for (size_t i = 0; i < c_total; i++) {
    const uint32_t bits = canary_bits(i);
    memcpy(&c0[i], &bits, sizeof bits);
  }
  for (size_t i = 0; i < m; i++)
    for (size_t j = 0; j < n; j++) c0[C_GUARD + i * ldc + j] = beta == 0.0f ? NAN : random_float();

  const bnn_float_kernels *tables[3] = {portable, avx2, avx512};
  for (int r = 0; r < 3; r++) {
    memcpy(results[r], c0, c_total * sizeof(float));
    tables[r]->sgemm(ta, tb, m, n, k, alpha, ga.data, lda, gb.data, ldb, beta, results[r] + C_GUARD,
                     ldc);
  }

  int ok = 1;
  char detail[200];
  for (int r = 0; r < 3; r++) {
    const char *name = tables[r]->name;
    /* Canaries: every float outside the m x n block keeps its bits. */
    for (size_t i = 0; i < c_total && ok; i++) {
      const size_t at = i - C_GUARD;
      const int inside = i >= C_GUARD && at < m * ldc && at % ldc < n;
      if (!inside && float_bits(results[r][i]) != canary_bits(i)) {
        snprintf(detail, sizeof detail, "wrote outside C's block at float %td of C",
                 (ptrdiff_t)i - C_GUARD);
        fail("canary", name, ta, tb, m, n, k, alpha, beta, pad, detail);
        ok = 0;
      }
    }
  }
  /* Within tolerance of the portable path, and avx512 bit-identical to avx2. */
  for (size_t i = 0; i < m && ok; i++) {
    for (size_t j = 0; j < n && ok; j++) {
      double magnitude = 0.0;
      for (size_t p = 0; p < k; p++) {
        const float x = ta ? ga.data[p * lda + i] : ga.data[i * lda + p];
        const float y = tb ? gb.data[j * ldb + p] : gb.data[p * ldb + j];
        magnitude += fabs((double)x * (double)y);
      }
      const size_t at = C_GUARD + i * ldc + j;
      const double old = beta == 0.0f ? 0.0 : fabs((double)beta * c0[at]);
      const double tolerance = 1e-5 * (fabs(alpha) * magnitude + old) + 1e-30;
      const float want = results[0][at];
      for (int r = 0; r < 3 && ok; r++) {
        const float got = results[r][at];
        if (isnan(got) || fabs((double)got - (double)want) > tolerance) {
          snprintf(detail, sizeof detail, "C[%zu][%zu] = %.9g, portable %.9g, tolerance %.3g", i, j,
                   got, want, tolerance);
          fail("value", tables[r]->name, ta, tb, m, n, k, alpha, beta, pad, detail);
          ok = 0;
        }
      }
      if (ok && float_bits(results[1][at]) != float_bits(results[2][at])) {
        snprintf(detail, sizeof detail, "C[%zu][%zu] = %.9g, avx2 %.9g (not bit-identical)", i, j,
                 results[2][at], results[1][at]);
        fail("bits", "avx512", ta, tb, m, n, k, alpha, beta, pad, detail);
        ok = 0;
      }
    }
  }
  if (ok && ((a_count && memcmp(a_copy, ga.data, a_count * sizeof(float)) != 0) ||
             (b_count && memcmp(b_copy, gb.data, b_count * sizeof(float)) != 0))) {
    fail("operands", "any", ta, tb, m, n, k, alpha, beta, pad, "A or B was modified");
    ok = 0;
  }

  free(c0);
  for (int r = 0; r < 3; r++) free(results[r]);
  free(a_copy);
  free(b_copy);
  guarded_free(ga);
  guarded_free(gb);
  if (ok)
    passed++;
  else
    failed++;
  return ok;
}

int main(void) {
  page_size = (size_t)sysconf(_SC_PAGESIZE);
  portable = bnn_float_kernels_for(BNN_SGEMM_PORTABLE);
  avx2 = bnn_float_kernels_for(BNN_SGEMM_AVX2);
  avx512 = bnn_float_kernels_for(BNN_SGEMM_AVX512);
  if (!portable || !avx2 || !avx512) {
    fprintf(stderr, "sgemm_harness: a path is unavailable (portable %d, avx2 %d, avx512 %d)\n",
            portable != NULL, avx2 != NULL, avx512 != NULL);
    return 2;
  }
  if (portable->path != BNN_SGEMM_PORTABLE || avx2->path != BNN_SGEMM_AVX2 ||
      avx512->path != BNN_SGEMM_AVX512) {
    fprintf(stderr, "sgemm_harness: a table reports the wrong path\n");
    return 2;
  }

  /* Every (m, n, k) of SIZES^3, the variants taken in turn. */
  size_t index = 0;
  for (size_t im = 0; im < COUNT(SIZES); im++)
    for (size_t in = 0; in < COUNT(SIZES); in++)
      for (size_t ik = 0; ik < COUNT(SIZES); ik++, index++) {
        const float *ab = ALPHA_BETA[(index / 4) % COUNT(ALPHA_BETA)];
        run_case((int)(index & 1), (int)(index >> 1 & 1), SIZES[im], SIZES[in], SIZES[ik], ab[0],
                 ab[1], PADDING[(index / 3) % COUNT(PADDING)]);
      }

  /* A few shapes under every transpose x alpha/beta x padding. */
  static const size_t full[][3] = {{1, 1, 1},   {6, 32, 7},  {7, 33, 17},
                                   {5, 31, 65}, {13, 64, 1}, {31, 65, 129}};
  for (size_t s = 0; s < COUNT(full); s++)
    for (int t = 0; t < 4; t++)
      for (size_t v = 0; v < COUNT(ALPHA_BETA); v++)
        for (size_t p = 0; p < COUNT(PADDING); p++)
          run_case(t & 1, t >> 1, full[s][0], full[s][1], full[s][2], ALPHA_BETA[v][0],
                   ALPHA_BETA[v][1], PADDING[p]);

  /* Larger shapes: across KC = 256 (k), MC = 144 (m) and NC = 3072 (n). */
  static const size_t large[][3] = {{300, 257, 513}, {257, 300, 513}, {145, 97, 600},
                                    {13, 3100, 37},  {150, 70, 256},  {144, 96, 257}};
  for (size_t s = 0; s < COUNT(large); s++)
    for (int t = 0; t < 4; t++)
      run_case(t & 1, t >> 1, large[s][0], large[s][1], large[s][2], t == 3 ? 0.5f : 1.0f,
               t & 1 ? 1.0f : 0.0f, (size_t)(3 + 8 * t));

  printf("sgemm paths avx2 and avx512 against portable: %zu passed, %zu failed\n", passed, failed);
  return failed ? 1 : 0;
}
