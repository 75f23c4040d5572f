/** @file Divergences and limitations the fuzzer knows about, each with its explanation; anything else it finds is unexplained. */
import type { FuzzProgram } from './program.ts';
import type { Divergence } from './run-case.ts';

/** One known, explained difference (or a limitation the generator works around). */
export interface KnownDivergence {
  readonly id: string;
  /** Modes it shows in. */
  readonly modes: readonly string[];
  /** Matches the divergence's `what` and `detail`; a limitation that the generator avoids has none. */
  readonly matches?: (d: Divergence, program: FuzzProgram) => boolean;
  /** 'open': a bug found by the fuzzer and not fixed yet (its regression file expects the divergence); 'inherent': what the design implies; 'avoided': the generator steers around it. */
  readonly status: 'open' | 'inherent' | 'avoided';
  readonly explanation: string;
}

/**
 * The list. Entries without `matches` are not divergences between modes: they are faults of a
 * shared layer (the silicon, a runner) that the generator or the comparer steers around, listed
 * so that the steering is explained.
 */
export const KNOWN_DIVERGENCES: readonly KnownDivergence[] = [
  {
    id: 'bt-user-reveals-host-tables',
    status: 'inherent',
    modes: ['bt'],
    explanation:
      'SGDT, SIDT, SLDT, STR and SMSW are sensitive but not privileged (Popek–Goldberg; paper §3): bt runs guest user code ' +
      "directly, so from CPL 3 they return the monitor's GDTR/IDTR/LDTR/TR/CR0 (e.g. `str edx` gives 0x3fd0, native 0x28). " +
      'The paper\'s VMM has the same hole. The generator leaves these five out of user phases (kernel phases keep them: there ' +
      'bt translates them). Regression: test/fuzz-regressions/known-bt-user-str.json.',
  },
  {
    id: 'hw-svm-insn-cpl3',
    status: 'inherent',
    modes: ['hw-shadow', 'hw-nested'],
    explanation:
      'In SVM guest mode EFER.SVME is 1 (VMRUN requires it), so VMLOAD/VMSAVE/STGI/CLGI/INVLPGA/SKINIT at CPL 3 raise #GP(0), ' +
      'checked before any intercept (APM Vol.2 §15.5/§15.9); natively (SVME=0) they raise #UD. hw-vmm cannot hide that without ' +
      'intercepting #GP. The generator leaves SVM instructions out of user phases. Regression: known-hw-user-vmsave.json.',
  },
];

/** The known entry that explains `d` in `program`, if any. */
export function explain(d: Divergence, program: FuzzProgram): KnownDivergence | undefined {
  return KNOWN_DIVERGENCES.find((k) => k.modes.includes(d.mode) && k.matches !== undefined && k.matches(d, program));
}
