/** @file The guest-mode state the intercept checks read: intercept vectors, permission-map bases and the exit being recorded, cached from the VMCB by `vmrun`. */

/** The marker vector an intercepted instruction raises to unwind to the engine (never a real vector). */
export const EXIT_MARK = 0x100;

/**
 * What the silicon holds while in guest mode (`Cpu.svm`). The intercept vectors are copied from
 * the VMCB by `vmrun`, so a check is one array-free AND. The pending exit is filled by the
 * intercept that fires and written to the VMCB by `#VMEXIT`.
 */
export class SvmState {
  /** INTERCEPT_CR: reads 15:0, writes 31:16. */
  crIntercepts = 0;
  /** INTERCEPT_DR: reads 15:0, writes 31:16. */
  drIntercepts = 0;
  /** INTERCEPT_EXCEPTIONS. */
  exceptionIntercepts = 0;
  /** Intercept vector 3 (`INTERCEPT_MISC1`). */
  misc1 = 0;
  /** Intercept vector 4 (`INTERCEPT_MISC2`). */
  misc2 = 0;
  /** IOPM and MSRPM physical bases. */
  iopmBase = 0;
  msrpmBase = 0;
  /** N_CR3 and the host CR4 (nested 4 MiB pages with host CR4.PSE). */
  nCr3 = 0;
  hostCr4 = 0;
  /** V_INTR of the VMCB (V_TPR lives in `Cpu.cr8` while in guest mode) and V_INTR_VECTOR. */
  vIntr = 0;
  vIntrVector = 0;

  /** The exit being recorded: code, EXITINFO1 (low and high dword), EXITINFO2, nRIP. */
  exitCode = 0;
  exitInfo1 = 0;
  exitInfo1Hi = 0;
  exitInfo2 = 0;
  nextRip = 0;
  /** EXITINTINFO (low dword; error code in `exitIntInfoError`). */
  exitIntInfo = 0;
  exitIntInfoError = 0;
  /** True once an exit is recorded (the engine unwinds to `vmrun`). */
  exitPending = false;
  /** The next event offered to the sink is the one EVENTINJ injects: not subject to intercepts (APM §15.20). */
  injecting = false;
  /** Linear address of an intercepted #PF (EXITINFO2; CR2 is not written). */
  pfAddress = 0;
}
