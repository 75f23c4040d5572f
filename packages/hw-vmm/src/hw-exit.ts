/** @file Exits are data: the #VMEXIT the monitor handles, as a discriminated union decoded from EXITCODE/EXITINFO1/EXITINFO2/EXITINTINFO. */
import { CR_INFO_MOV_HI, EVENTINJ, IOIO_INFO, VMCB, VMEXIT } from '@x86virt/x86-core';
import type { VmcbAccess } from './vmcb-access.ts';

/** An event that was being delivered when the exit happened (EXITINTINFO), or null. */
export interface PendingEvent {
  readonly vector: number;
  /** EVENTINJ type: 0 INTR, 2 NMI, 3 exception, 4 software interrupt. */
  readonly type: number;
  /** Error code, or −1 for none. */
  readonly errorCode: number;
}

/** One #VMEXIT, decoded. Exhaustive: the exit handler's `switch` over `kind` has no default. */
export type HwExit =
  /** IN/OUT/INS/OUTS through the IOPM (EXITINFO1). */
  | { readonly kind: 'io'; readonly port: number; readonly size: 1 | 2 | 4; readonly isIn: boolean; readonly string: boolean; readonly rep: boolean; readonly nextRip: number }
  | { readonly kind: 'hlt' }
  | { readonly kind: 'cpuid' }
  | { readonly kind: 'msr'; readonly write: boolean }
  /** A physical interrupt (a device deadline passed; or the model's budget: `preempted`). */
  | { readonly kind: 'intr'; readonly preempted: boolean }
  /** The guest can take the virtual interrupt armed with V_IRQ. */
  | { readonly kind: 'vintr' }
  /** The guest triple-faulted. */
  | { readonly kind: 'shutdown' }
  /** An intercepted exception (EXITINFO1 = error code, EXITINFO2 = #PF address). */
  | { readonly kind: 'exception'; readonly vector: number; readonly errorCode: number; readonly address: number; readonly pending: PendingEvent | null }
  /** MOV from/to CRn (`gpr` ≥ 0 with the decode assist) or SMSW/LMSW/CLTS (`gpr` = −1). */
  | { readonly kind: 'cr'; readonly cr: number; readonly write: boolean; readonly gpr: number }
  | { readonly kind: 'invlpg'; readonly linear: number }
  /** Nested page fault: guest-physical address, error code, whether on the final gPA or a guest table. */
  | { readonly kind: 'npf'; readonly gpa: number; readonly errorCode: number; readonly final: boolean; readonly pending: PendingEvent | null }
  /** ICEBP (INT1) executed by the guest; nRIP is past it. */
  | { readonly kind: 'icebp' }
  /** VMMCALL or another SVM instruction executed by the guest. */
  | { readonly kind: 'svm-instruction'; readonly code: number }
  /** VMRUN refused the VMCB (consistency checks). */
  | { readonly kind: 'invalid' }
  /** An exit code this monitor never asked for. */
  | { readonly kind: 'unexpected'; readonly code: number };

/** Decodes EXITINTINFO (low dword + error code dword); null if not valid. */
export function pendingEvent(lo: number, errorCode: number): PendingEvent | null {
  if ((lo & EVENTINJ.V) === 0) return null;
  return { vector: lo & 0xff, type: (lo >>> EVENTINJ.TYPE_SHIFT) & 7, errorCode: (lo & EVENTINJ.EV) !== 0 ? errorCode >>> 0 : -1 };
}

/**
 * Decodes an exit from its fields (`code` = EXITCODE, −1 for VMEXIT_INVALID; `info1`/`info1Hi`
 * EXITINFO1's dwords; `info2` EXITINFO2; `intInfo`/`intInfoErr` EXITINTINFO). Pure.
 */
export function decodeExit(code: number, info1: number, info1Hi: number, info2: number, intInfo: number, intInfoErr: number, preempted = false): HwExit {
  if (code === VMEXIT.INVALID) return { kind: 'invalid' };
  if (code >= VMEXIT.CR0_READ && code < VMEXIT.DR0_READ) {
    const write = code >= VMEXIT.CR0_WRITE;
    return { kind: 'cr', cr: code & 0xf, write, gpr: (info1Hi & CR_INFO_MOV_HI) !== 0 ? info1 & 0xf : -1 };
  }
  if (code >= VMEXIT.EXCP_BASE && code < VMEXIT.EXCP_BASE + 32) {
    return { kind: 'exception', vector: code - VMEXIT.EXCP_BASE, errorCode: info1 >>> 0, address: info2 >>> 0, pending: pendingEvent(intInfo, intInfoErr) };
  }
  switch (code) {
    case VMEXIT.IOIO: {
      const size = (info1 & IOIO_INFO.SZ32) !== 0 ? 4 : (info1 & IOIO_INFO.SZ16) !== 0 ? 2 : 1;
      return {
        kind: 'io',
        port: info1 >>> IOIO_INFO.PORT_SHIFT,
        size,
        isIn: (info1 & IOIO_INFO.IN) !== 0,
        string: (info1 & IOIO_INFO.STR) !== 0,
        rep: (info1 & IOIO_INFO.REP) !== 0,
        nextRip: info2 >>> 0,
      };
    }
    case VMEXIT.HLT:
      return { kind: 'hlt' };
    case VMEXIT.CPUID:
      return { kind: 'cpuid' };
    case VMEXIT.MSR:
      return { kind: 'msr', write: (info1 & 1) !== 0 };
    case VMEXIT.INTR:
      return { kind: 'intr', preempted };
    case VMEXIT.VINTR:
      return { kind: 'vintr' };
    case VMEXIT.SHUTDOWN:
      return { kind: 'shutdown' };
    case VMEXIT.INVLPG:
      return { kind: 'invlpg', linear: info1 >>> 0 };
    case VMEXIT.NPF:
      return { kind: 'npf', gpa: info2 >>> 0, errorCode: info1 & 0xffff, final: (info1Hi & 1) !== 0, pending: pendingEvent(intInfo, intInfoErr) };
    case VMEXIT.ICEBP:
      return { kind: 'icebp' };
    case VMEXIT.VMRUN:
    case VMEXIT.VMMCALL:
    case VMEXIT.VMLOAD:
    case VMEXIT.VMSAVE:
    case VMEXIT.STGI:
    case VMEXIT.CLGI:
    case VMEXIT.SKINIT:
    case VMEXIT.INVLPGA:
      return { kind: 'svm-instruction', code };
    default:
      return { kind: 'unexpected', code };
  }
}

/** Reads the exit fields through the monitor's (charging) accessor and decodes them. */
export function readExit(vmcb: VmcbAccess, preempted: boolean): HwExit {
  const lo = vmcb.readLow(VMCB.EXITCODE);
  const code = lo === 0xffffffff ? VMEXIT.INVALID : lo;
  const info1 = vmcb.readLow(VMCB.EXITINFO1);
  const info1Hi = vmcb.readHigh(VMCB.EXITINFO1);
  const info2 = vmcb.readLow(VMCB.EXITINFO2);
  const intInfo = vmcb.readLow(VMCB.EXITINTINFO);
  const intInfoErr = vmcb.readHigh(VMCB.EXITINTINFO);
  return decodeExit(code, info1, info1Hi, info2, intInfo, intInfoErr, preempted);
}

const names = new Map<number, string>();

/** A short name of an exit code for statistics (`IOIO`, `EXCP_PF`, `CR3_WRITE`, `NPF`, …). */
export function exitCodeName(code: number): string {
  let name = names.get(code);
  if (name === undefined) {
    name = computeName(code);
    names.set(code, name);
  }
  return name;
}

function computeName(code: number): string {
  if (code === VMEXIT.INVALID) return 'INVALID';
  if (code >= 0 && code < 0x10) return `CR${code}_READ`;
  if (code >= 0x10 && code < 0x20) return `CR${code - 0x10}_WRITE`;
  if (code >= 0x20 && code < 0x30) return `DR${code - 0x20}_READ`;
  if (code >= 0x30 && code < 0x40) return `DR${code - 0x30}_WRITE`;
  if (code >= 0x40 && code < 0x60) return `EXCP_${EXCEPTION_NAMES[code - 0x40] ?? code - 0x40}`;
  for (const [name, value] of Object.entries(VMEXIT)) if (value === code) return name;
  return `0x${code.toString(16)}`;
}

const EXCEPTION_NAMES = ['DE', 'DB', 'NMI', 'BP', 'OF', 'BR', 'UD', 'NM', 'DF', '9', 'TS', 'NP', 'SS', 'GP', 'PF', '15', 'MF', 'AC', 'MC', 'XM'];
