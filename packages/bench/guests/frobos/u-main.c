/** @file u-main.c: the user programs: u_start dispatches a job (abi.h): the syscall/sysenter nanobenchmarks, forkwait and iomix. */
#include "u-lib.h"
#include "fmt.h"

static uint64_t loop_empty(uint32_t n)
{
  uint64_t t0 = u_rdtsc();
  __asm__ volatile("1: mov $4, %%eax\n\tdec %%ecx\n\tjnz 1b" : "+c"(n) : : "eax", "memory");
  return u_rdtsc() - t0;
}

static uint64_t loop_int80(uint32_t n)
{
  uint64_t t0 = u_rdtsc();
  __asm__ volatile("1: mov $4, %%eax\n\tint $0x80\n\tdec %%ecx\n\tjnz 1b" : "+c"(n) : : "eax", "memory");
  return u_rdtsc() - t0;
}

/* sysenter takes the return EIP in EDX and ESP in ECX, so the counter lives in ESI. */
static uint64_t loop_sysenter_empty(uint32_t n)
{
  uint64_t t0 = u_rdtsc();
  __asm__ volatile("1: mov $4, %%eax\n\tmov %%esp, %%ecx\n\tmov $2f, %%edx\n2:\tdec %%esi\n\tjnz 1b"
                   : "+S"(n) : : "eax", "ecx", "edx", "memory");
  return u_rdtsc() - t0;
}

static uint64_t loop_sysenter(uint32_t n)
{
  uint64_t t0 = u_rdtsc();
  __asm__ volatile("1: mov $4, %%eax\n\tmov %%esp, %%ecx\n\tmov $2f, %%edx\n\tsysenter\n2:\tdec %%esi\n\tjnz 1b"
                   : "+S"(n) : : "eax", "ecx", "edx", "memory");
  return u_rdtsc() - t0;
}

static void nano_syscall(const char *name, uint32_t n, int use_sysenter)
{
  uint32_t warm = n < 64 ? n : 64;
  uint64_t overhead, total;
  if (use_sysenter) {
    loop_sysenter(warm);
    loop_sysenter_empty(warm);
    overhead = loop_sysenter_empty(n);
    total = loop_sysenter(n);
  } else {
    loop_int80(warm);
    loop_empty(warm);
    overhead = loop_empty(n);
    total = loop_int80(n);
  }
  uint64_t q = (total > overhead ? total - overhead : 0) + n / 2;
  fmt_div64(&q, n);
  u_printf("RESULT nano %s cycles=%llu total=%llu iterations=%u overhead=%llu\n", name, q, total, n, overhead);
}

/* The paper's loop: for (i = 0; i < N; i++) { pid = fork(); if (pid == 0) exit; waitpid(pid); } */
static int forkwait(uint32_t n)
{
  uint32_t h = FNV_INIT, me = (uint32_t)u_getpid();
  uint64_t t0 = u_rdtsc();
  for (uint32_t i = 0; i < n; i++) {
    int pid = u_fork();
    if (pid < 0) { u_printf("FAIL forkwait fork=%d at %u\n", pid, i); return 1; }
    if (pid == 0) u_exit((int)(i & 0x7F));
    int status = u_waitpid(pid);
    if (status != (int)(i & 0x7F)) { u_printf("FAIL forkwait status=%d at %u\n", status, i); return 1; }
    h = fnv1a(h, (uint32_t)pid - me);   /* pids relative to ours: independent of earlier workloads */
    h = fnv1a(h, (uint32_t)status);
  }
  uint64_t t = u_rdtsc() - t0;
  u_printf("RESULT macro forkwait cycles=%llu checksum=%08x iterations=%u\n", t, h, n);
  return 0;
}

/* A small server: each request is built in user memory, goes through a system call that does
 * port I/O in the kernel's "driver", and its reply is checked; a getpid per request, a yield every 16. */
static int iomix(uint32_t n)
{
  uint32_t h = FNV_INIT, seed = 12345, req[16];
  int me = u_getpid();
  uint64_t t0 = u_rdtsc();
  for (uint32_t i = 0; i < n; i++) {
    for (int k = 0; k < 16; k++) { seed = seed * 1103515245u + 12345u; req[k] = seed; }
    uint32_t v = 0;
    for (int k = 0; k < 16; k++) v = fnv1a(v, req[k]);
    uint32_t r = u_syscall(SYS_IOREQ, v, 0, 0);
    if (((r >> 8) & 0xFF) != ((v >> 8) & 0xFF)) { u_printf("FAIL iomix scratch=%02x want %02x at %u\n", (r >> 8) & 0xFF, (v >> 8) & 0xFF, i); return 1; }
    h = fnv1a(h, r);
    if (u_getpid() != me) { u_printf("FAIL iomix getpid at %u\n", i); return 1; }
    if ((i & 15) == 15) u_yield();
  }
  uint64_t t = u_rdtsc() - t0;
  u_printf("RESULT macro iomix cycles=%llu checksum=%08x requests=%u\n", t, h, n);
  return 0;
}

__attribute__((noreturn)) void u_start(uint32_t job, uint32_t arg)
{
  int code = 0;
  switch (job) {
  case JOB_NANO_SYSCALL: nano_syscall("syscall", arg, 0); break;
  case JOB_NANO_SYSENTER: nano_syscall("sysenter", arg, 1); break;
  case JOB_FORKWAIT: code = forkwait(arg); break;
  case JOB_COMPUTE: code = u_compute(arg); break;
  case JOB_IOMIX: code = iomix(arg); break;
  case JOB_CRASH: { volatile uint32_t *volatile bad = (volatile uint32_t *)16; code = (int)*bad; break; }
  default: code = 100; break;
  }
  u_exit(code);
}
