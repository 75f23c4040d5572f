/** @file nano.c: runs one nanobenchmark: calibrate the empty loop, time the loop with the operation, print the RESULT line. */
#include "kernel.h"
#include "fmt.h"

uint64_t nano_empty(uint32_t n);
uint64_t nano_in(uint32_t n);
uint64_t nano_callret(uint32_t n);
uint64_t nano_cr8wr(uint32_t n);
uint64_t nano_pgfault(uint32_t n);
uint64_t nano_divzero(uint32_t n);
uint64_t nano_ptemod(uint32_t n, uint32_t *pte);

enum { N_SYSCALL, N_SYSENTER, N_IN, N_CR8WR, N_CALLRET, N_PGFAULT, N_DIVZERO, N_PTEMOD };

static uint64_t run_op(int which, uint32_t n)
{
  switch (which) {
  case N_IN: return nano_in(n);
  case N_CR8WR: return nano_cr8wr(n);
  case N_CALLRET: return nano_callret(n);
  case N_PGFAULT: return nano_pgfault(n);
  case N_DIVZERO: return nano_divzero(n);
  case N_PTEMOD: return nano_ptemod(n, &scratch_pt[(SCRATCH_PTEMOD >> 12) & 1023]);
  default: return 0;
  }
}

void nano_run(int which, uint32_t n)
{
  const char *name = nano_names[which];
  if (which == N_SYSCALL || which == N_SYSENTER) {
    if (which == N_SYSENTER && !cpu.sep) {
      kprintf("RESULT nano %s unsupported reason=cpuid-sep-absent\n", name);
      return;
    }
    /* Measured in user mode by the process itself (u-main.c), which prints the RESULT line. */
    int pid = proc_spawn(which == N_SYSCALL ? JOB_NANO_SYSCALL : JOB_NANO_SYSENTER, n);
    int code = pid < 0 ? -1 : proc_wait(pid);
    if (code != 0) { kprintf("FAIL nano %s exit=%d\n", name, code); machine_exit(EXIT_WORKLOAD_FAILED); }
    return;
  }
  if (which == N_CR8WR && !cpu.altmovcr8) {
    /* No TPR to write without AltMovCr8 (and no local APIC is mapped): report, do not fake. */
    kprintf("RESULT nano %s unsupported reason=cpuid-altmovcr8-absent\n", name);
    return;
  }
  uint32_t warm = n < 64 ? n : 64;
  run_op(which, warm);                  /* warm-up: first-time costs (TLB, translation) stay out */
  nano_empty(warm);
  uint64_t overhead = nano_empty(n);
  uint64_t total = run_op(which, n);
  uint64_t net = total > overhead ? total - overhead : 0;
  uint64_t q = net + n / 2;
  fmt_div64(&q, n);
  kprintf("RESULT nano %s cycles=%llu total=%llu iterations=%u overhead=%llu\n", name, q, total, n, overhead);
}
