/*
 * The few C library functions binarynet.wasm needs, for a module without WASI or
 * Emscripten: memory (malloc, posix_memalign, free over memory.grow), memcpy, memmove,
 * memset, memcmp, strlen, and the traps Embedded Swift calls on a failed precondition.
 *
 * Allocator: one address-ordered free list of blocks, first fit, neighbours merged on
 * free. A block is a multiple of 16 bytes; the 8 bytes just below each payload hold the
 * block's start and size, so free() finds it whatever alignment the payload was given.
 * Memory comes from the end of the linear memory (__heap_base, then memory.grow) and is
 * never given back to the engine (WebAssembly memory cannot shrink).
 *
 * Compiled with -fno-builtin so the byte loops below stay loops (not calls to themselves).
 */
#include <stddef.h>
#include <stdint.h>

extern unsigned char __heap_base;

#define PAGE 65536u
#define GRAIN 16u

typedef struct free_block {
  uint32_t size;           /* bytes, a multiple of GRAIN */
  struct free_block *next; /* next higher free block */
} free_block;

static free_block *free_list;
static uintptr_t heap_end; /* end of the memory handed to the allocator so far */

static uintptr_t align_up(uintptr_t x, uintptr_t a) { return (x + a - 1) & ~(a - 1); }

/* Puts [start, start + size) back on the list, merged with free neighbours. */
static void release(uintptr_t start, uint32_t size) {
  free_block *block = (free_block *)start;
  free_block *prev = NULL, *next = free_list;
  while (next && (uintptr_t)next < start) prev = next, next = next->next;
  block->size = size;
  block->next = next;
  if (next && start + size == (uintptr_t)next) {
    block->size += next->size;
    block->next = next->next;
  }
  if (prev && (uintptr_t)prev + prev->size == start) {
    prev->size += block->size;
    prev->next = block->next;
  } else if (prev) {
    prev->next = block;
  } else {
    free_list = block;
  }
}

/* Adds at least `bytes` of fresh memory to the free list; 0 when the engine refuses. */
static int grow(size_t bytes) {
  if (!heap_end) heap_end = align_up((uintptr_t)&__heap_base, GRAIN);
  uintptr_t memory_end = (uintptr_t)__builtin_wasm_memory_size(0) * PAGE;
  if (heap_end + bytes > memory_end) {
    size_t pages = (heap_end + bytes - memory_end + PAGE - 1) / PAGE;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return 0;
    memory_end += pages * PAGE;
  }
  uintptr_t start = heap_end;
  heap_end = memory_end;
  release(start, (uint32_t)(memory_end - start));
  return 1;
}

static void *allocate(size_t size, size_t alignment) {
  if (alignment < GRAIN) alignment = GRAIN;
  if (size > 0x40000000u || alignment > 0x10000u) return NULL;
  for (int attempt = 0; attempt < 2; attempt++) {
    free_block *prev = NULL;
    for (free_block *block = free_list; block; prev = block, block = block->next) {
      uintptr_t start = (uintptr_t)block, end = start + block->size;
      uintptr_t payload = align_up(start + 8, alignment);
      uintptr_t used_end = align_up(payload + size, GRAIN);
      if (used_end > end) continue;
      free_block *after = block->next;
      /* Unlink, keep the tail (if big enough to be a block) on the list. */
      if (end - used_end >= 2 * GRAIN) {
        free_block *tail = (free_block *)used_end;
        tail->size = (uint32_t)(end - used_end);
        tail->next = after;
        after = tail;
      } else {
        used_end = end;
      }
      if (prev)
        prev->next = after;
      else
        free_list = after;
      uint32_t *header = (uint32_t *)(payload - 8);
      header[0] = (uint32_t)start;
      header[1] = (uint32_t)(used_end - start);
      return (void *)payload;
    }
    if (attempt == 0 && !grow(size + alignment + 2 * GRAIN)) return NULL;
  }
  return NULL;
}

void *malloc(size_t size) { return allocate(size, GRAIN); }

void free(void *pointer) {
  if (!pointer) return;
  uint32_t *header = (uint32_t *)((uintptr_t)pointer - 8);
  release(header[0], header[1]);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  if (alignment == 0 || (alignment & (alignment - 1))) return 22; /* EINVAL */
  void *p = allocate(size, alignment);
  if (!p) return 12; /* ENOMEM */
  *out = p;
  return 0;
}

void *aligned_alloc(size_t alignment, size_t size) { return allocate(size, alignment); }

void *calloc(size_t count, size_t size) {
  if (size && count > (size_t)-1 / size) return NULL;
  unsigned char *p = allocate(count * size, GRAIN);
  if (p)
    for (size_t i = 0; i < count * size; i++) p[i] = 0;
  return p;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
    for (; n >= 8; n -= 8, d += 8, s += 8) *(uint64_t *)d = *(const uint64_t *)s;
  }
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  unsigned char *d = dst;
  const unsigned char *s = src;
  if (d == s || n == 0) return dst;
  if (d < s || d >= s + n) return memcpy(dst, src, n);
  while (n--) d[n] = s[n];
  return dst;
}

void *memset(void *dst, int value, size_t n) {
  unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)value;
  return dst;
}

int memcmp(const void *x, const void *y, size_t n) {
  const unsigned char *a = x, *b = y;
  for (size_t i = 0; i < n; i++)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

/* Rounding half away from zero (Swift's Float.rounded()). Below 2^23 x - trunc(x) is
 * exact; from 2^23 on every float is already whole (NaN and infinities pass through). */
float roundf(float x) {
  float magnitude = __builtin_fabsf(x);
  if (!(magnitude < 8388608.0f)) return x;
  float whole = __builtin_truncf(magnitude);
  if (magnitude - whole >= 0.5f) whole += 1.0f;
  return __builtin_copysignf(whole, x);
}

/* 128-bit multiplication modulo 2^128 (compiler-rt's __multi3; Swift's overflow-checked
 * 64-bit multiplications use it on wasm32). Halves through a union, products of 32-bit
 * pieces: no 128-bit operation that could call back into this function. */
typedef union {
  __int128 value;
  struct {
    uint64_t low, high; /* WebAssembly is little-endian */
  } half;
} int128_parts;

static void multiply_64x64(uint64_t a, uint64_t b, uint64_t *low, uint64_t *high) {
  uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  uint64_t middle = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
  *low = (middle << 32) | (uint32_t)p00;
  *high = p11 + (p01 >> 32) + (p10 >> 32) + (middle >> 32);
}

__int128 __multi3(__int128 a, __int128 b) {
  int128_parts x = {.value = a}, y = {.value = b}, r;
  multiply_64x64(x.half.low, y.half.low, &r.half.low, &r.half.high);
  r.half.high += x.half.low * y.half.high + x.half.high * y.half.low;
  return r.value;
}
