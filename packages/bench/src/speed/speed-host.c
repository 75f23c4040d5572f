/* speed-host.c: the speed guest's loops (speed-loops.asm, assembled for a 32-bit Linux process) run natively on the host: the native-speed peer of pnpm bench:speed.
 *
 *   speed-host MASK N_ALU N_MEM N_CALL N_INDIRECT N_REP
 *
 * Prints what the guest prints on its serial line ("speed", one line per loop, "DONE"), so
 * the benchmark times it exactly as it times the emulators. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

uint32_t speed_alu(uint32_t n);
uint32_t speed_mem(uint32_t n);
uint32_t speed_call(uint32_t n);
uint32_t speed_indirect(uint32_t n);
uint32_t speed_rep(uint32_t n);

int main(int argc, char **argv) {
  static uint32_t (*const fns[5])(uint32_t) = { speed_alu, speed_mem, speed_call, speed_indirect, speed_rep };
  static const char *const names[5] = { "alu", "mem", "call", "indirect", "rep" };
  if (argc != 7) {
    fprintf(stderr, "usage: speed-host MASK N_ALU N_MEM N_CALL N_INDIRECT N_REP\n");
    return 2;
  }
  uint32_t mask = (uint32_t)strtoul(argv[1], NULL, 0);
  fputs("speed\n", stdout);
  fflush(stdout);
  for (int k = 0; k < 5; k++) {
    if (!(mask >> k & 1)) continue;
    uint32_t n = (uint32_t)strtoul(argv[2 + k], NULL, 0);
    uint32_t sum = fns[k](n);
    printf("%s n=%u sum=%08x\n", names[k], n, sum);
  }
  fputs("DONE\n", stdout);
  fflush(stdout);
  return 0;
}
