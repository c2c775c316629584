/* The thread pool and the parallel layer drivers (see bnn_pool.h). */
#if defined(BNN_THREADS)

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "bnn_conv.h"
#include "bnn_pool.h"

#if defined(__x86_64__) || defined(__i386__)
#define BNN_PAUSE() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define BNN_PAUSE() __asm__ __volatile__("yield")
#else
#define BNN_PAUSE() ((void)0)
#endif

/* Pauses before a worker sleeps (tens of microseconds): long enough to span the gap
 * between two layers, short enough not to hold a core long after an image. */
enum { BNN_SPINS = 1 << 11 };

struct bnn_pool {
  size_t threads;
  pthread_t *workers;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  /* Set under `lock` by bnn_pool_run, read under it by workers joining a run. */
  void (*fn)(void *, size_t);
  void *ctx;
  size_t tasks;
  int stop;
  atomic_uint_fast64_t generation; /* bumped under `lock` for every run */
  /* The next task to claim, with the run's generation in the high 32 bits: a worker that
   * joined an earlier run can never claim a task of a later one. */
  atomic_uint_fast64_t next;
  atomic_size_t done; /* tasks finished in this run */
};

/* Claims and runs tasks of run `generation` until none is left. */
static void run_tasks(bnn_pool *p, uint64_t generation, void (*fn)(void *, size_t), void *ctx,
                      size_t tasks) {
  uint64_t tag = (generation & 0xFFFFFFFFu) << 32;
  uint64_t next = atomic_load(&p->next);
  for (;;) {
    if ((next & ~0xFFFFFFFFull) != tag || (next & 0xFFFFFFFFu) >= tasks) return;
    if (!atomic_compare_exchange_weak(&p->next, &next, next + 1)) continue; /* next reloaded */
    fn(ctx, (size_t)(next & 0xFFFFFFFFu));
    atomic_fetch_add(&p->done, 1);
    next = atomic_load(&p->next);
  }
}

static void *worker_main(void *arg) {
  bnn_pool *p = arg;
  uint64_t seen = 0;
  for (;;) {
    int spins = 0;
    while (atomic_load_explicit(&p->generation, memory_order_acquire) == seen &&
           spins < BNN_SPINS) {
      BNN_PAUSE();
      spins++;
    }
    pthread_mutex_lock(&p->lock);
    while (atomic_load(&p->generation) == seen && !p->stop) pthread_cond_wait(&p->wake, &p->lock);
    if (p->stop) {
      pthread_mutex_unlock(&p->lock);
      return NULL;
    }
    /* Join the newest run: its parameters, read under the lock it was set under. A run
     * that has already finished leaves no task to claim, so a late worker only looks. */
    seen = atomic_load(&p->generation);
    void (*fn)(void *, size_t) = p->fn;
    void *ctx = p->ctx;
    size_t tasks = p->tasks;
    pthread_mutex_unlock(&p->lock);
    run_tasks(p, seen, fn, ctx, tasks);
  }
}

bnn_pool *bnn_pool_create(size_t threads) {
  if (threads < 2) return NULL;
  bnn_pool *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->workers = calloc(threads - 1, sizeof(pthread_t));
  if (!p->workers || pthread_mutex_init(&p->lock, NULL) != 0) {
    free(p->workers);
    free(p);
    return NULL;
  }
  pthread_cond_init(&p->wake, NULL);
  atomic_init(&p->generation, 0);
  atomic_init(&p->next, 0);
  atomic_init(&p->done, 0);
  p->threads = 1;
  for (size_t i = 0; i + 1 < threads; i++) {
    if (pthread_create(&p->workers[i], NULL, worker_main, p) != 0) break;
    p->threads++;
  }
  if (p->threads < 2) {
    bnn_pool_destroy(p);
    return NULL;
  }
  return p;
}

void bnn_pool_destroy(bnn_pool *p) {
  if (!p) return;
  pthread_mutex_lock(&p->lock);
  p->stop = 1;
  atomic_fetch_add(&p->generation, 1);
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);
  for (size_t i = 0; i + 1 < p->threads; i++) pthread_join(p->workers[i], NULL);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->lock);
  free(p->workers);
  free(p);
}

size_t bnn_pool_threads(const bnn_pool *p) { return p ? p->threads : 1; }

void bnn_pool_run(bnn_pool *p, size_t tasks, void (*fn)(void *, size_t), void *ctx) {
  if (!p || tasks <= 1) {
    for (size_t i = 0; i < tasks; i++) fn(ctx, i);
    return;
  }
  /* Every task of the previous run has finished (its caller waited for them), so only
   * workers that have nothing left to claim can still be inside it. */
  pthread_mutex_lock(&p->lock);
  p->fn = fn;
  p->ctx = ctx;
  p->tasks = tasks;
  uint64_t generation = atomic_load(&p->generation) + 1;
  atomic_store(&p->done, 0);
  atomic_store(&p->next, (generation & 0xFFFFFFFFu) << 32);
  atomic_store(&p->generation, generation);
  pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->lock);
  run_tasks(p, generation, fn, ctx, tasks);
  /* The others' slices: spin, then yield (more threads than free cores). */
  for (unsigned spins = 0; atomic_load_explicit(&p->done, memory_order_acquire) < tasks; spins++) {
    if (spins < BNN_SPINS)
      BNN_PAUSE();
    else
      sched_yield();
  }
}

/* ------------------------------------------------------------------------ */
/* Layer drivers. Rows are split when there are enough of them; otherwise outputs, in
 * groups of 64 so every slice writes whole output words. */

/* Which dense kernel a job runs. */
enum { DENSE_XOR = 0, DENSE_BITPLANE = 1, DENSE_INT8 = 2 };

typedef struct {
  const bnn_kernels *k;
  const void *a, *w; /* rows and weights: uint64_t words, or uint8_t pixels and int8_t */
  const uint64_t *flip;
  const int32_t *t;
  uint64_t *out;
  size_t as, m, ws, n, words, os, slices; /* strides in the elements of a and w */
  int32_t k_bits;
  int by_rows, kind;
} threshold_job;

/* [begin, end) of slice i of `count` items in `slices` slices, in units of `unit`. */
static void slice_range(size_t count, size_t slices, size_t unit, size_t i, size_t *begin,
                        size_t *end) {
  size_t units = (count + unit - 1) / unit;
  size_t b = units * i / slices * unit, e = units * (i + 1) / slices * unit;
  *begin = b < count ? b : count;
  *end = e < count ? e : count;
}

/* Slices: one per thread, fewer when a slice would be tiny. */
static size_t slice_count(const bnn_pool *p, size_t rows, size_t outputs, int *by_rows) {
  size_t threads = bnn_pool_threads(p);
  *by_rows = rows >= 2 * threads;
  size_t units = *by_rows ? rows : (outputs + 63) / 64;
  return units < threads ? (units ? units : 1) : threads;
}

/* The job's kernel on rows [r0, r1) and outputs [j0, j1) (j0 a multiple of 64). */
static void dense_part(const threshold_job *j, size_t r0, size_t r1, size_t j0, size_t j1) {
  uint64_t *out = j->out + r0 * j->os + j0 / 64;
  const int32_t *t = j->t + j0;
  const uint64_t *flip = j->flip + j0 / 64;
  size_t m = r1 - r0, n = j1 - j0;
  switch (j->kind) {
  case DENSE_XOR:
    j->k->xor_popcount_threshold((const uint64_t *)j->a + r0 * j->as, j->as, m,
                                 (const uint64_t *)j->w + j0 * j->ws, j->ws, n, j->words, j->k_bits,
                                 t, flip, out, j->os);
    break;
  case DENSE_BITPLANE:
    j->k->bitplane_threshold((const uint64_t *)j->a + r0 * j->as, j->as, m,
                             (const uint64_t *)j->w + j0 * j->ws, j->ws, n, j->words, t, flip, out,
                             j->os);
    break;
  default:
    j->k->int8_dense_threshold((const uint8_t *)j->a + r0 * j->as, j->as, m,
                               (const int8_t *)j->w + j0 * j->ws, n, j->words, t, flip, out, j->os);
  }
}

static void dense_slice(void *ctx, size_t i) {
  const threshold_job *j = ctx;
  size_t b, e;
  if (j->by_rows) {
    slice_range(j->m, j->slices, 1, i, &b, &e);
    if (b < e) dense_part(j, b, e, 0, j->n);
  } else {
    slice_range(j->n, j->slices, 64, i, &b, &e);
    if (b < e) dense_part(j, 0, j->m, b, e);
  }
}

static void run_dense(bnn_pool *pool, threshold_job *job) {
  job->slices = slice_count(pool, job->m, job->n, &job->by_rows);
  bnn_pool_run(pool, job->slices, dense_slice, job);
}

void bnn_parallel_xor_popcount_threshold(bnn_pool *pool, const bnn_kernels *k, const uint64_t *a,
                                         size_t as, size_t m, const uint64_t *w, size_t ws,
                                         size_t n, size_t words, int32_t k_bits, const int32_t *t,
                                         const uint64_t *flip, uint64_t *out, size_t os) {
  threshold_job job = {k, a, w, flip, t, out, as, m, ws, n, words, os, 1, k_bits, 0, DENSE_XOR};
  run_dense(pool, &job);
}

void bnn_parallel_bitplane_threshold(bnn_pool *pool, const bnn_kernels *k, const uint64_t *planes,
                                     size_t ps, size_t m, const uint64_t *w, size_t ws, size_t n,
                                     size_t words, const int32_t *t, const uint64_t *flip,
                                     uint64_t *out, size_t os) {
  threshold_job job = {k,  planes, w,     flip, t, out, ps, m,
                       ws, n,      words, os,   1, 0,   0,  DENSE_BITPLANE};
  run_dense(pool, &job);
}

void bnn_parallel_int8_dense_threshold(bnn_pool *pool, const bnn_kernels *k, const uint8_t *x,
                                       size_t xs, size_t m, const int8_t *w, size_t n, size_t k_len,
                                       const int32_t *t, const uint64_t *flip, uint64_t *out,
                                       size_t os) {
  threshold_job job = {k, x,     w,  flip, t, out, xs,        m, bnn_int8_row_bytes(k_len),
                       n, k_len, os, 1,    0, 0,   DENSE_INT8};
  run_dense(pool, &job);
}

typedef struct {
  const bnn_kernels *k;
  const uint64_t *in, *weights, *flip;
  const uint32_t *packed;
  const int32_t *t;
  uint64_t *scratch, *out;
  size_t h, w, wpp, c, kh, kw, stride, pad_top, pad_left, out_h, out_w, row_words, n, out_wpp;
  size_t scratch_stride, slices;
  int32_t k_bits;
} conv_job;

static void conv_slice(void *ctx, size_t i) {
  const conv_job *j = ctx;
  size_t y0, y1;
  slice_range(j->out_h, j->slices, 1, i, &y0, &y1);
  if (y0 >= y1) return;
  /* Rows y0..y1 alone: the same window arithmetic with the top pad moved by y0 rows
   * (unsigned wrap-around keeps positions above the input out of range). */
  j->k->binary_conv_threshold(
      j->in, j->h, j->w, j->wpp, j->c, j->kh, j->kw, j->stride, j->pad_top - y0 * j->stride,
      j->pad_left, y1 - y0, j->out_w, j->weights, j->row_words, j->packed, j->n, j->k_bits, j->t,
      j->flip, j->out + y0 * j->out_w * j->out_wpp, j->out_wpp, j->scratch + i * j->scratch_stride);
}

void bnn_parallel_binary_conv(bnn_pool *pool, const bnn_kernels *k, const uint64_t *in, size_t h,
                              size_t w, size_t wpp, size_t c, size_t kh, size_t kw, size_t stride,
                              size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                              const uint64_t *weights, size_t row_words, const uint32_t *packed,
                              size_t n, int32_t k_bits, const int32_t *t, const uint64_t *flip,
                              uint64_t *out, size_t out_wpp, uint64_t *scratch,
                              size_t scratch_stride) {
  conv_job job = {k,        in,    weights, flip,      packed, t,       scratch,        out,
                  h,        w,     wpp,     c,         kh,     kw,      stride,         pad_top,
                  pad_left, out_h, out_w,   row_words, n,      out_wpp, scratch_stride, 1,
                  k_bits};
  size_t threads = bnn_pool_threads(pool);
  job.slices = out_h < threads ? out_h : threads;
  bnn_pool_run(pool, job.slices, conv_slice, &job);
}

typedef struct {
  const bnn_kernels *k;
  const uint8_t *in;
  const uint64_t *weights, *flip;
  const int32_t *t;
  uint64_t *out, *patches;
  int32_t *scratch;
  size_t h, w, c, kh, kw, stride, pad_top, pad_left, out_h, out_w, row_words, n, out_wpp;
  size_t scratch_stride, slices;
  int direct;
} pixel_conv_job;

static void pixel_conv_slice(void *ctx, size_t i) {
  const pixel_conv_job *j = ctx;
  size_t y0, y1;
  slice_range(j->out_h, j->slices, 1, i, &y0, &y1);
  if (y0 >= y1) return;
  size_t first = y0 * j->out_w, rows = (y1 - y0) * j->out_w;
  size_t top = j->pad_top - y0 * j->stride; /* wraps like the kernels' own positions */
  if (j->direct) {
    j->k->pixel_conv_threshold(j->in, j->h, j->w, j->c, j->kh, j->kw, j->stride, top, j->pad_left,
                               y1 - y0, j->out_w, j->weights, j->row_words, j->n, j->t, j->flip,
                               j->out + first * j->out_wpp, j->out_wpp,
                               j->scratch + i * j->scratch_stride);
  } else {
    size_t row_stride = 8 * j->row_words;
    uint64_t *patches = j->patches + first * row_stride;
    bnn_im2col_bitplanes(j->in, j->h, j->w, j->c, j->kh, j->kw, j->stride, top, j->pad_left,
                         y1 - y0, j->out_w, patches, j->row_words, row_stride);
    j->k->bitplane_threshold(patches, row_stride, rows, j->weights, j->row_words, j->n,
                             j->row_words, j->t, j->flip, j->out + first * j->out_wpp, j->out_wpp);
  }
}

void bnn_parallel_pixel_conv(bnn_pool *pool, const bnn_kernels *k, int direct, const uint8_t *in,
                             size_t h, size_t w, size_t c, size_t kh, size_t kw, size_t stride,
                             size_t pad_top, size_t pad_left, size_t out_h, size_t out_w,
                             const uint64_t *weights, size_t row_words, size_t n, const int32_t *t,
                             const uint64_t *flip, uint64_t *out, size_t out_wpp, uint64_t *patches,
                             int32_t *scratch, size_t scratch_stride) {
  pixel_conv_job job = {
      k,  in,    weights, flip,    t,        out,   patches, scratch,   h, w,       c,
      kh, kw,    stride,  pad_top, pad_left, out_h, out_w,   row_words, n, out_wpp, scratch_stride,
      1,  direct};
  size_t threads = bnn_pool_threads(pool);
  job.slices = out_h < threads ? out_h : threads;
  bnn_pool_run(pool, job.slices, pixel_conv_slice, &job);
}

#endif /* BNN_THREADS */
