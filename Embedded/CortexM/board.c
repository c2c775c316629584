/*
 * Board support for the BinaryNet firmware on Cortex-M boards as qemu-system-arm models
 * them: the Arm MPS2-AN386 (Cortex-M4F, -DBOARD_MPS2_AN386) and the BBC micro:bit (nRF51822,
 * Cortex-M0, -DBOARD_NRF51). Console through semihosting, or with -DCONSOLE_UART through
 * the board's UART (CMSDK APB UART0 / nRF51 UART) so that a board without a debugger
 * prints its results; exit through semihosting (qemu takes the status; a board without a
 * debugger halts instead: see board_exit). Also the C library's memory hooks (newlib),
 * the Embedded Swift runtime's needs (putchar, posix_memalign), and the model data
 * linked from `bnn-run export-c`.
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

#define REG(address) (*(volatile uint32_t *)(address))

#if defined(BOARD_MPS2_AN386)
const char *board_name(void) { return "Cortex-M4F, Arm MPS2-AN386"; }
/* The MPS2 FPGA images run the processor at 25 MHz. */
uint32_t board_tick_hz(void) { return 25000000u; }
#elif defined(BOARD_NRF51)
const char *board_name(void) { return "Cortex-M0, nRF51 micro:bit"; }
/* The nRF51 runs its Cortex-M0 from the 16 MHz HFCLK. */
uint32_t board_tick_hz(void) { return 16000000u; }
#else
#error "define BOARD_MPS2_AN386 or BOARD_NRF51"
#endif
const char *board_tick_name(void) { return "SysTick"; }

#if defined(CONSOLE_UART) && defined(BOARD_MPS2_AN386)
/* CMSDK APB UART0: DATA, STATE (bit 0: TX buffer full), CTRL (bit 0: TX enable), BAUDDIV. */
#define UART0 0x40004000u
static void uart_init(void) {
  REG(UART0 + 0x10) = 25000000u / 115200u; /* BAUDDIV: 115200 baud at 25 MHz (>= 16) */
  REG(UART0 + 0x08) = 1u;                  /* CTRL: TX enable */
}
static void uart_put(char c) {
  while (REG(UART0 + 0x04) & 1u) {
  }
  REG(UART0 + 0x00) = (uint8_t)c;
}
#elif defined(CONSOLE_UART) && defined(BOARD_NRF51)
/* nRF51 UART0: TX on P0.24 (the micro:bit's USB serial), 115200 baud, no flow control. */
#define NRF_UART0 0x40002000u
static void uart_init(void) {
  REG(NRF_UART0 + 0x50C) = 24u;         /* PSELTXD: P0.24 */
  REG(NRF_UART0 + 0x524) = 0x01D7E000u; /* BAUDRATE: 115200 */
  REG(NRF_UART0 + 0x500) = 4u;          /* ENABLE */
  REG(NRF_UART0 + 0x008) = 1u;          /* TASKS_STARTTX */
}
static void uart_put(char c) {
  REG(NRF_UART0 + 0x11C) = 0; /* EVENTS_TXDRDY */
  REG(NRF_UART0 + 0x51C) = (uint8_t)c;
  while (REG(NRF_UART0 + 0x11C) == 0) {
  }
}
#endif

#if defined(CONSOLE_UART)
const char *board_console(void) { return "UART"; }
static int uart_ready;
static void console_line(const char *text) {
  if (!uart_ready) {
    uart_init();
    uart_ready = 1;
  }
  for (; *text; text++) {
    if (*text == '\n') uart_put('\r');
    uart_put(*text);
  }
}
#else
const char *board_console(void) { return "semihosting"; }
static void console_line(const char *text) { semihost(SYS_WRITE0, text); }
#endif

/* Console output is buffered by line: one semihosting call (or UART burst) per line. */
static char line[160];
static size_t line_length;

static void flush_line(void) {
  if (line_length == 0) return;
  line[line_length] = 0;
  console_line(line);
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

/* Exit through semihosting: qemu (or a debugger) ends the run with `status`. On a board
 * without a debugger a semihosting call is a breakpoint that faults: build with
 * -DBOARD_HALT_ON_EXIT there to stop in a low-power loop after the last line instead. */
void board_exit(int status) {
  flush_line();
#if defined(BOARD_HALT_ON_EXIT)
  for (;;) __asm__ volatile("wfi");
#endif
  /* SYS_EXIT_EXTENDED carries the status; plain SYS_EXIT only success or failure. */
  uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
  semihost(SYS_EXIT_EXTENDED, block);
  semihost(SYS_EXIT, (const void *)(uintptr_t)(status == 0 ? ADP_STOPPED_APPLICATION_EXIT
                                                           : ADP_STOPPED_RUNTIME_ERROR_UNKNOWN));
  for (;;) __asm__ volatile("wfi");
}

void _exit(int status) { board_exit(status); }

/* ---- Memory: newlib's malloc takes its heap from _sbrk (board_common.c) ---- */

void *_sbrk(ptrdiff_t increment) { return board_sbrk(increment); }

/* newlib 3.3 has memalign but no posix_memalign; the Embedded Swift runtime allocates
 * with posix_memalign and frees with free, which memalign's blocks allow. */
int posix_memalign(void **result, size_t alignment, size_t size) {
  if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
  void *p = memalign(alignment, size ? size : 1);
  if (!p) return ENOMEM;
  *result = p;
  return 0;
}

/* The model and test images: board_model.c (Embedded/Firmware). */
