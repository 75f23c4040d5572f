/** @file u-lib.c: the FrobOS user library (runs at CPL 3 in every user process). */
#include "u-lib.h"
#include "fmt.h"

void u_exit(int code)
{
  u_syscall(SYS_EXIT, (uint32_t)code, 0, 0);
  for (;;) {}
}

int u_fork(void) { return (int)u_syscall(SYS_FORK, 0, 0, 0); }
int u_getpid(void) { return (int)u_syscall(SYS_GETPID, 0, 0, 0); }
int u_waitpid(int pid) { return (int)u_syscall(SYS_WAITPID, (uint32_t)pid, 0, 0); }
void u_yield(void) { u_syscall(SYS_YIELD, 0, 0, 0); }

void *u_sbrk(uint32_t bytes)
{
  uint32_t old = u_syscall(SYS_BRK, 0, 0, 0);
  uint32_t want = old + ((bytes + 15) & ~15u);
  if (u_syscall(SYS_BRK, want, 0, 0) != want) return 0;
  return (void *)old;
}

void u_printf(const char *f, ...)
{
  char buf[256];
  va_list ap;
  va_start(ap, f);
  int n = fmt_vformat(buf, sizeof buf, f, ap);
  va_end(ap);
  u_syscall(SYS_WRITE, 1, (uint32_t)buf, (uint32_t)n);
}

void u_copy(void *d, const void *s, uint32_t n)
{
  __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

void u_zero(void *d, uint32_t n)
{
  __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(0) : "memory");
}
