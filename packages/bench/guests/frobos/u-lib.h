/** @file u-lib.h: the FrobOS user library: system-call wrappers, rdtsc, printf, sbrk, FNV-1a. */
#ifndef FROBOS_U_LIB_H
#define FROBOS_U_LIB_H
#include <stdint.h>
#include "abi.h"

static inline uint32_t u_syscall(uint32_t nr, uint32_t a, uint32_t b, uint32_t c)
{
  uint32_t r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
  return r;
}

static inline uint64_t u_rdtsc(void)
{
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}

static inline uint32_t fnv1a(uint32_t h, uint32_t v)
{
  for (int i = 0; i < 4; i++) { h ^= (v >> (8 * i)) & 0xFF; h *= 16777619u; }
  return h;
}
#define FNV_INIT 2166136261u

__attribute__((noreturn)) void u_exit(int code);
int u_fork(void);
int u_getpid(void);
int u_waitpid(int pid);
void u_yield(void);
void *u_sbrk(uint32_t bytes);
void u_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void u_copy(void *d, const void *s, uint32_t n);
void u_zero(void *d, uint32_t n);

/* u-compute.c */
int u_compute(uint32_t kib);

#endif
