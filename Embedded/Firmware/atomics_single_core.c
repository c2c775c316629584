/*
 * 32-bit atomics for single-core microcontrollers without atomic instructions: ARMv6-M
 * (Cortex-M0/M0+: no ldrex/strex) and RISC-V without the A extension (rv32imc). LLVM lowers
 * the Embedded Swift runtime's atomic reference counts to these library calls. One core
 * (one hart in machine mode), so an operation is atomic when interrupts are masked around
 * it, saved and restored so that it nests: PRIMASK on ARM, mstatus.MIE on RISC-V. An
 * aligned 32-bit load or store is single-copy atomic; the barriers give the ordering. The
 * names are the compiler's libatomic ABI; GCC treats them as built-ins, hence the asm labels.
 */
#include <stdbool.h>
#include <stdint.h>

#if defined(__ARM_ARCH_6M__) || (defined(__riscv) && !defined(__riscv_atomic))

#if defined(__ARM_ARCH_6M__)
static inline uint32_t interrupts_off(void) {
  uint32_t primask;
  __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
  return primask;
}
static inline void interrupts_restore(uint32_t primask) {
  __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
}
static inline void barrier(void) { __asm__ volatile("dmb" ::: "memory"); }
#else
static inline uint32_t interrupts_off(void) {
  uint32_t mstatus;
  __asm__ volatile("csrrci %0, mstatus, 8" : "=r"(mstatus)::"memory");
  return mstatus;
}
static inline void interrupts_restore(uint32_t mstatus) {
  if (mstatus & 8u) __asm__ volatile("csrsi mstatus, 8" ::: "memory");
}
static inline void barrier(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }
#endif

uint32_t atomic_load_4(const volatile uint32_t *p, int order) __asm__("__atomic_load_4");
void atomic_store_4(volatile uint32_t *p, uint32_t value, int order) __asm__("__atomic_store_4");
uint32_t atomic_fetch_add_4(volatile uint32_t *p, uint32_t value,
                            int order) __asm__("__atomic_fetch_add_4");
uint32_t atomic_fetch_sub_4(volatile uint32_t *p, uint32_t value,
                            int order) __asm__("__atomic_fetch_sub_4");
bool atomic_compare_exchange_4(volatile uint32_t *p, uint32_t *expected, uint32_t desired,
                               bool weak, int success,
                               int failure) __asm__("__atomic_compare_exchange_4");

uint32_t atomic_load_4(const volatile uint32_t *p, int order) {
  (void)order;
  uint32_t value = *p;
  barrier();
  return value;
}

void atomic_store_4(volatile uint32_t *p, uint32_t value, int order) {
  (void)order;
  barrier();
  *p = value;
  barrier();
}

/* *p += delta with interrupts masked; returns the old value. */
static uint32_t fetch_add(volatile uint32_t *p, uint32_t delta) {
  uint32_t saved = interrupts_off();
  uint32_t old = *p;
  *p = old + delta;
  interrupts_restore(saved);
  return old;
}

uint32_t atomic_fetch_add_4(volatile uint32_t *p, uint32_t value, int order) {
  (void)order;
  return fetch_add(p, value);
}

uint32_t atomic_fetch_sub_4(volatile uint32_t *p, uint32_t value, int order) {
  (void)order;
  return fetch_add(p, 0u - value);
}

bool atomic_compare_exchange_4(volatile uint32_t *p, uint32_t *expected, uint32_t desired,
                               bool weak, int success, int failure) {
  (void)weak, (void)success, (void)failure;
  uint32_t saved = interrupts_off();
  uint32_t old = *p;
  bool same = old == *expected;
  if (same)
    *p = desired;
  else
    *expected = old;
  interrupts_restore(saved);
  return same;
}

#endif
