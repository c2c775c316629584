/*
 * Board support for the BinaryNet firmware on the Arm MPS2-AN386 (Cortex-M4F), as
 * qemu-system-arm models it: console and exit through semihosting, the C library's
 * memory hooks (newlib), the Embedded Swift runtime's needs (putchar, posix_memalign),
 * and the model data linked from `bnn-run export-c`.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"

/* ---- Semihosting (ARM semihosting v2: a debugger or qemu -semihosting services it) ---- */

enum {
  SYS_WRITE0 = 0x04,
  SYS_EXIT = 0x18,
  SYS_EXIT_EXTENDED = 0x20,
  ADP_STOPPED_APPLICATION_EXIT = 0x20026,
  ADP_STOPPED_RUNTIME_ERROR_UNKNOWN = 0x20023,
};

static uintptr_t semihost(uintptr_t operation, const void *argument) {
  register uintptr_t r0 __asm__("r0") = operation;
  register const void *r1 __asm__("r1") = argument;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

/* Console output is buffered by line: one semihosting call per line. */
static char line[160];
static size_t line_length;

static void flush_line(void) {
  if (line_length == 0) return;
  line[line_length] = 0;
  semihost(SYS_WRITE0, line);
  line_length = 0;
}

void board_write(const char *text, size_t count) {
  for (size_t i = 0; i < count; i++) {
    line[line_length++] = text[i];
    if (text[i] == '\n' || line_length == sizeof line - 1) flush_line();
  }
}

/* The Embedded Swift runtime prints through putchar. */
int putchar(int c) {
  char ch = (char)c;
  board_write(&ch, 1);
  return (unsigned char)c;
}

void board_exit(int status) {
  flush_line();
  /* SYS_EXIT_EXTENDED carries the status; plain SYS_EXIT only success or failure. */
  uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
  semihost(SYS_EXIT_EXTENDED, block);
  semihost(SYS_EXIT, (const void *)(uintptr_t)(status == 0 ? ADP_STOPPED_APPLICATION_EXIT
                                                           : ADP_STOPPED_RUNTIME_ERROR_UNKNOWN));
  for (;;) __asm__ volatile("wfi");
}

void _exit(int status) { board_exit(status); }

/* ---- Memory: newlib's malloc takes its heap from _sbrk ---- */

extern char __heap_start[], __heap_end[], __stack_bottom[], __stack_top[];
static char *heap_break = __heap_start;

void *_sbrk(ptrdiff_t increment) {
  if (increment > __heap_end - heap_break || increment < __heap_start - heap_break) {
    errno = ENOMEM;
    return (void *)-1;
  }
  char *previous = heap_break;
  heap_break += increment;
  return previous;
}

/* newlib 3.3 has memalign but no posix_memalign; the Embedded Swift runtime allocates
 * with posix_memalign and frees with free, which memalign's blocks allow. */
int posix_memalign(void **result, size_t alignment, size_t size) {
  if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
  void *p = memalign(alignment, size ? size : 1);
  if (!p) return ENOMEM;
  *result = p;
  return 0;
}

uint32_t board_heap_used(void) { return (uint32_t)(heap_break - __heap_start); }
uint32_t board_heap_size(void) { return (uint32_t)(__heap_end - __heap_start); }
uint32_t board_stack_size(void) { return (uint32_t)(__stack_top - __stack_bottom); }

extern uint32_t board_stack_paint_value(void);

uint32_t board_stack_used(void) {
  const uint32_t paint = board_stack_paint_value();
  const uint32_t *p = (const uint32_t *)__stack_bottom;
  while ((const char *)p < __stack_top && *p == paint) p++;
  return (uint32_t)(__stack_top - (const char *)p);
}

/* The MPS2 FPGA images run the processor at 25 MHz. */
uint32_t board_tick_hz(void) { return 25000000u; }

/* ---- The model and test images (weak: a runtime-only build links none) ---- */

extern const uint8_t bnn_model[] __attribute__((weak));
extern const uint32_t bnn_model_size __attribute__((weak));
extern const uint8_t bnn_model_images[] __attribute__((weak));
extern const uint32_t bnn_model_image_count __attribute__((weak));
extern const uint32_t bnn_model_image_bytes __attribute__((weak));
extern const uint16_t bnn_model_expected[] __attribute__((weak));
extern const int16_t bnn_model_labels[] __attribute__((weak));

const uint8_t *board_model(void) { return &bnn_model_size ? bnn_model : NULL; }
uint32_t board_model_size(void) { return &bnn_model_size ? bnn_model_size : 0; }
uint32_t board_image_count(void) { return &bnn_model_image_count ? bnn_model_image_count : 0; }
uint32_t board_image_bytes(void) { return &bnn_model_image_bytes ? bnn_model_image_bytes : 0; }
const uint8_t *board_images(void) { return bnn_model_images; }
const uint16_t *board_expected(void) { return bnn_model_expected; }
const int16_t *board_labels(void) { return bnn_model_labels; }
