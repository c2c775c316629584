/*
 * 32-bit atomics for ARMv6-M (Cortex-M0/M0+), which has no exclusive loads and stores
 * (ldrex/strex): LLVM lowers the Embedded Swift runtime's atomic reference counts to these
 * library calls. One core, so an operation is atomic when interrupts are masked around it
 * (PRIMASK saved and restored: nesting-safe). The names are the compiler's libatomic ABI;
 * GCC treats them as built-ins, hence the asm labels.
 */
#include <stdbool.h>
#include <stdint.h>

#if defined(__ARM_ARCH_6M__)

static inline uint32_t interrupts_off(void) {
  uint32_t primask;
  __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
  return primask;
}

static inline void interrupts_restore(uint32_t primask) {
  __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
}

uint32_t atomic_load_4(const volatile uint32_t *p, int order) __asm__("__atomic_load_4");
void atomic_store_4(volatile uint32_t *p, uint32_t value, int order) __asm__("__atomic_store_4");
uint32_t atomic_fetch_add_4(volatile uint32_t *p, uint32_t value,
                            int order) __asm__("__atomic_fetch_add_4");
uint32_t atomic_fetch_sub_4(volatile uint32_t *p, uint32_t value,
                            int order) __asm__("__atomic_fetch_sub_4");
bool atomic_compare_exchange_4(volatile uint32_t *p, uint32_t *expected, uint32_t desired,
                               bool weak, int success,
                               int failure) __asm__("__atomic_compare_exchange_4");

/* An aligned 32-bit load or store is single-copy atomic; the barriers give the ordering. */
uint32_t atomic_load_4(const volatile uint32_t *p, int order) {
  (void)order;
  uint32_t value = *p;
  __asm__ volatile("dmb" ::: "memory");
  return value;
}

void atomic_store_4(volatile uint32_t *p, uint32_t value, int order) {
  (void)order;
  __asm__ volatile("dmb" ::: "memory");
  *p = value;
  __asm__ volatile("dmb" ::: "memory");
}

uint32_t atomic_fetch_add_4(volatile uint32_t *p, uint32_t value, int order) {
  (void)order;
  uint32_t primask = interrupts_off();
  uint32_t old = *p;
  *p = old + value;
  interrupts_restore(primask);
  return old;
}

uint32_t atomic_fetch_sub_4(volatile uint32_t *p, uint32_t value, int order) {
  (void)order;
  uint32_t primask = interrupts_off();
  uint32_t old = *p;
  *p = old - value;
  interrupts_restore(primask);
  return old;
}

bool atomic_compare_exchange_4(volatile uint32_t *p, uint32_t *expected, uint32_t desired,
                               bool weak, int success, int failure) {
  (void)weak, (void)success, (void)failure;
  uint32_t primask = interrupts_off();
  uint32_t old = *p;
  bool same = old == *expected;
  if (same)
    *p = desired;
  else
    *expected = old;
  interrupts_restore(primask);
  return same;
}

#endif
