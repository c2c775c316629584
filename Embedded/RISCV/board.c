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

/* ---- Memory: picolibc's malloc takes its heap from sbrk (board_common.c) ---- */

void *sbrk(ptrdiff_t increment) { return board_sbrk(increment); }

/* The model and test images: board_model.c (Embedded/Firmware). */
