/** @file main.c: kmain: reads the multiboot information, sets the machine up, runs the selected workloads, exits through port 0xf4. */
#include "kernel.h"

static char cmdline[512];

/* Until mm_init, only physical 0-8 MiB is mapped (boot.asm). */
#define BOOT_MAPPED (8u << 20)

static void copy_cmdline(uint32_t magic, uint32_t mbi_phys)
{
  cmdline[0] = 0;
  if (magic != 0x2BADB002u || mbi_phys >= BOOT_MAPPED - 64) return;
  const uint32_t *mbi = P2V(mbi_phys);
  if (!(mbi[0] & (1u << 2)) || !mbi[4] || mbi[4] >= BOOT_MAPPED - sizeof cmdline) return;
  const char *s = P2V(mbi[4]);
  uint32_t i = 0;
  for (; s[i] && i < sizeof cmdline - 1; i++) cmdline[i] = s[i];
  cmdline[i] = 0;
}

static uint32_t mem_upper(uint32_t magic, uint32_t mbi_phys)
{
  if (magic != 0x2BADB002u || mbi_phys >= BOOT_MAPPED - 64) return 0;
  const uint32_t *mbi = P2V(mbi_phys);
  return (mbi[0] & 1u) ? mbi[2] : 0;
}

static void run_macro(const char *name, uint32_t job, uint32_t arg)
{
  int pid = proc_spawn(job, arg);
  int code = pid < 0 ? -1 : proc_wait(pid);
  if (code != 0) {
    kprintf("FAIL macro %s exit=%d\n", name, code);
    machine_exit(EXIT_WORKLOAD_FAILED);
  }
}

void kmain(uint32_t magic, uint32_t mbi_phys)
{
  console_init();
  copy_cmdline(magic, mbi_phys);
  uint32_t upper = mem_upper(magic, mbi_phys);
  kprintf("FrobOS x86virt benchmark kernel\n");
  if (magic != 0x2BADB002u) kprintf("warning: not booted by a multiboot loader\n");
  mm_init(upper);
  gdt_init();
  idt_init();
  cpu_detect();
  if (!cpu.tsc) { kprintf("FAIL cpu has no rdtsc\n"); machine_exit(EXIT_WORKLOAD_FAILED); }
  sysenter_init();
  pic_init();
  proc_init();

  struct config cfg;
  if (cmdline_parse(cmdline, &cfg)) machine_exit(EXIT_BAD_CMDLINE);
  config_print(&cfg);
  kprintf("cpu tsc=%d pse=%d sep=%d altmovcr8=%d\n", cpu.tsc, cpu.pse, cpu.sep, cpu.altmovcr8);
  fork_eager = cfg.fork_eager;
  pit_init(cfg.hz);
  uint32_t free_before = frames_free();
  if (cfg.crash == 1) run_macro("crash", JOB_CRASH, 0);
  if (cfg.crash == 2) __asm__ volatile("ud2");

  for (int i = 0; i < NANO_COUNT; i++) if (cfg.nano_iters[i]) nano_run(i, cfg.nano_iters[i]);
  if (cfg.forkwait) run_macro("forkwait", JOB_FORKWAIT, cfg.forkwait);
  if (cfg.compute_kib) run_macro("compute", JOB_COMPUTE, cfg.compute_kib);
  if (cfg.iomix) run_macro("iomix", JOB_IOMIX, cfg.iomix);

  uint32_t leaked = free_before - frames_free();
  if (leaked) { kprintf("FAIL %u frames leaked\n", leaked); machine_exit(EXIT_WORKLOAD_FAILED); }
  kprintf("DONE ok\n");
  machine_exit(EXIT_OK);
}
