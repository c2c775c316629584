/*
 * Board support for the BinaryNet firmware on qemu's RISC-V `virt` machine (rv32imc here):
 * the console on the 16550 UART (serial port 0, what `-nographic` / `-serial` show), exit
 * through the SiFive test device (qemu ends with the firmware's status), the heap for
 * picolibc's malloc (sbrk), the Embedded Swift runtime's needs (putchar, posix_memalign is
 * picolibc's), and the model data linked from `bnn-run export-c`.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"

#define REG8(address) (*(volatile uint8_t *)(address))
#define REG32(address) (*(volatile uint32_t *)(address))

const char *board_name(void) { return "RISC-V rv32imc, qemu virt"; }
const char *board_console(void) { return "UART"; }

/* minstret counts instructions, not clock cycles: there is no tick frequency. */
uint32_t board_tick_hz(void) { return 0; }
const char *board_tick_name(void) { return "minstret: instructions retired"; }

/* ---- 16550 UART at 0x10000000: THR (0), LCR (3), LSR (5: bit 5 = transmitter empty) ---- */

#define UART 0x10000000u
static int uart_ready;

static void uart_put(char c) {
  if (!uart_ready) {
    REG8(UART + 3) = 0x03; /* 8 data bits, no parity, 1 stop bit */
    uart_ready = 1;
  }
  while ((REG8(UART + 5) & 0x20u) == 0) {
  }
  REG8(UART + 0) = (uint8_t)c;
}

void board_write(const char *text, size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (text[i] == '\n') uart_put('\r');
    uart_put(text[i]);
  }
}

/* The Embedded Swift runtime prints through putchar. */
int putchar(int c) {
  char ch = (char)c;
  board_write(&ch, 1);
  return (unsigned char)c;
}

/* ---- Exit: the SiFive test device at 0x100000 ends qemu (0x5555: pass; 0x3333 with the
 * status in the upper 16 bits: fail with that status). A board without it halts. ---- */

void board_exit(int status) {
  REG32(0x100000u) = status == 0 ? 0x5555u : ((uint32_t)status << 16) | 0x3333u;
  for (;;) __asm__ volatile("wfi");
}

void _exit(int status) { board_exit(status); }

/* ---- Memory: picolibc's malloc takes its heap from sbrk ---- */

extern char __heap_start[], __heap_end[], __stack_bottom[], __stack_top[];
static char *heap_break = __heap_start;

void *sbrk(ptrdiff_t increment) {
  if (increment > __heap_end - heap_break || increment < __heap_start - heap_break) {
    errno = ENOMEM;
    return (void *)-1;
  }
  char *previous = heap_break;
  heap_break += increment;
  return previous;
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

/* ---- The model and test images (weak: a runtime-only build links none) ---- */

extern const uint8_t bnn_model[] __attribute__((weak));
extern const uint32_t bnn_model_size __attribute__((weak));
extern const uint8_t bnn_model_images[] __attribute__((weak));
extern const uint32_t bnn_model_image_count __attribute__((weak));
extern const uint32_t bnn_model_image_bytes __attribute__((weak));
extern const uint16_t bnn_model_expected[] __attribute__((weak));
extern const int16_t bnn_model_labels[] __attribute__((weak));
extern const uint32_t bnn_model_expected_scores[] __attribute__((weak));
extern const uint32_t bnn_model_class_count __attribute__((weak));

const uint8_t *board_model(void) { return &bnn_model_size ? bnn_model : NULL; }
uint32_t board_model_size(void) { return &bnn_model_size ? bnn_model_size : 0; }
uint32_t board_image_count(void) { return &bnn_model_image_count ? bnn_model_image_count : 0; }
uint32_t board_image_bytes(void) { return &bnn_model_image_bytes ? bnn_model_image_bytes : 0; }
const uint8_t *board_images(void) { return bnn_model_images; }
const uint16_t *board_expected(void) { return bnn_model_expected; }
const int16_t *board_labels(void) { return bnn_model_labels; }
const uint32_t *board_expected_scores(void) { return bnn_model_expected_scores; }
uint32_t board_expected_class_count(void) {
  return &bnn_model_class_count ? bnn_model_class_count : 0;
}
