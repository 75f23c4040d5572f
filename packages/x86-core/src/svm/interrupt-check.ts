/** @file Interrupt recognition in guest mode (APM §15.21): physical INTR (intercepted before acknowledge), virtual interrupts (V_IRQ, VINTR intercept). */
import type { Cpu } from '../cpu/cpu.ts';
import { EVENT_KIND } from '../cpu/cpu.ts';
import { EFLAGS } from '../cpu/eflags.ts';
import { NO_ERROR_CODE } from '../cpu/fault.ts';
import { deliverEvent } from '../cpu/interrupts.ts';
import { recordExit } from './intercepts.ts';
import { EXIT_MARK, type SvmState } from './svm-state.ts';
import { INTERCEPT_MISC1, V_INTR, VMEXIT } from './vmcb-layout.ts';

/**
 * Called by the engine at an instruction boundary in guest mode instead of the native INTR check.
 * A physical interrupt (the processor's INTR line, `Cpu.intr`) with the INTR intercept exits
 * before it is acknowledged, whatever the guest's IF (V_INTR_MASKING: the host's IF governs it);
 * otherwise a pending virtual interrupt (V_IRQ, priority above V_TPR unless V_IGN_TPR) is taken
 * when the guest's IF=1 and no interrupt shadow: VINTR exit if intercepted, else delivered through
 * the guest IDT with V_INTR_VECTOR. Without the INTR intercept a physical interrupt is delivered
 * to the guest as on bare silicon. Returns true if it recorded an exit or delivered an event.
 */
export function guestInterruptCheck(cpu: Cpu, shadow: boolean): boolean {
  if (shadow) return false;
  const s = cpu.svm as SvmState;
  const intr = cpu.intr;
  const physical = intr !== null && intr.hasInterrupt();
  if (physical && (s.misc1 & INTERCEPT_MISC1.INTR) !== 0) {
    recordExit(cpu, VMEXIT.INTR, 0, 0, 0);
    s.nextRip = 0;
    cpu.hostEvent = EXIT_MARK;
    return true;
  }
  if ((cpu.flags & EFLAGS.IF) === 0) return false;
  if ((s.vIntr & V_INTR.IRQ) !== 0) {
    const prio = (s.vIntr >>> V_INTR.PRIO_SHIFT) & 0xf;
    if ((s.vIntr & V_INTR.IGN_TPR) !== 0 || prio > (cpu.cr8 & 0xf)) {
      if ((s.misc1 & INTERCEPT_MISC1.VINTR) !== 0) {
        recordExit(cpu, VMEXIT.VINTR, 0, 0, 0);
        s.nextRip = 0;
        cpu.hostEvent = EXIT_MARK;
        return true;
      }
      s.vIntr &= ~V_INTR.IRQ;
      cpu.halted = false;
      deliverEvent(cpu, s.vIntrVector, NO_ERROR_CODE, EVENT_KIND.EXTERNAL, cpu.eip);
      return true;
    }
  }
  if (physical && intr !== null) {
    const vector = intr.acknowledge();
    cpu.counters.interrupts++;
    cpu.halted = false;
    deliverEvent(cpu, vector, NO_ERROR_CODE, EVENT_KIND.EXTERNAL, cpu.eip);
    return true;
  }
  return false;
}
