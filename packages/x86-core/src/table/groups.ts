/** @file The ModRM.reg-extended opcode groups of the one-byte and 0F maps (SDM Vol.2 Table A-6), SSE groups excluded. */
import type { RowLine } from './row-spec.ts';

const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'] as const;
const SHIFT = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'] as const; // objdump prints /6 as shl

/** Group 1 (80, 81, 82, 83): 82 is an alias of 80 on the i686 and shares its handlers. */
function group1(): RowLine[] {
  const rows: RowLine[] = [];
  ALU.forEach((m, n) => {
    const lock = m === 'cmp' ? '' : 'L';
    rows.push(`80 /${n} | ${m} Eb,Ib | ${lock}`, `81 /${n} | ${m} Ev,Iz | ${lock}`);
    rows.push(`82 /${n} | ${m} Eb,Ib | ${lock} h=${m}_EbIb`, `83 /${n} | ${m} Ev,Ibs | ${lock}`);
  });
  return rows;
}

/** Group 2 (C0, C1, D0–D3): /6 (SAL) is an alias of /4 (SHL) and shares its handlers. */
function group2(): RowLine[] {
  const rows: RowLine[] = [];
  SHIFT.forEach((m, n) => {
    const forms: [string, string][] = [['c0', 'Eb,Ib'], ['c1', 'Ev,Ib'], ['d0', 'Eb,1'], ['d1', 'Ev,1'], ['d2', 'Eb,CL'], ['d3', 'Ev,CL']];
    for (const [op, ops] of forms) {
      const h = m === 'sal' ? ` | h=shl_${ops.replace(',', '')}` : '';
      rows.push(`${op} /${n} | ${m === 'sal' ? 'shl' : m} ${ops}${h}`);
    }
  });
  return rows;
}

/** Group rows of the one-byte and 0F maps. */
export const GROUP_ROWS: readonly RowLine[] = [
  ...group1(),
  '8f /0 | pop Ev',
  ...group2(),
  'c6 /0 | mov Eb,Ib',
  'c7 /0 | mov Ev,Iz',
  'c6 =f8 | xabort Ib | UD',
  'c7 =f8 | xbegin Jz | UD',
  // Group 3
  'f6 /0 | test Eb,Ib',
  'f6 /1 | test Eb,Ib | h=test_EbIb',
  'f6 /2 | not Eb | L',
  'f6 /3 | neg Eb | L',
  'f6 /4 | mul Eb',
  'f6 /5 | imul Eb',
  'f6 /6 | div Eb',
  'f6 /7 | idiv Eb',
  'f7 /0 | test Ev,Iz',
  'f7 /1 | test Ev,Iz | h=test_EvIz',
  'f7 /2 | not Ev | L',
  'f7 /3 | neg Ev | L',
  'f7 /4 | mul Ev',
  'f7 /5 | imul Ev',
  'f7 /6 | div Ev',
  'f7 /7 | idiv Ev',
  // Group 4, 5
  'fe /0 | inc Eb | L',
  'fe /1 | dec Eb | L',
  'ff /0 | inc Ev | L',
  'ff /1 | dec Ev | L',
  'ff /2 | call Ev | B I',
  'ff /3 | call Mp | B I S',
  'ff /4 | jmp Ev | B I',
  'ff /5 | jmp Mp | B I S',
  'ff /6 | push Ev',
  // Group 6 (0F 00)
  '0f 00 /0 | sldt Evw | S h=sldt_Ew',
  '0f 00 /1 | str Evw | S h=str_Ew',
  '0f 00 /2 | lldt Ew | P E',
  '0f 00 /3 | ltr Ew | P E',
  '0f 00 /4 | verr Ew | S',
  '0f 00 /5 | verw Ew | S',
  // Group 7 (0F 01)
  '0f 01 /0 m | sgdt Ms | S',
  '0f 01 /1 m | sidt Ms | S',
  '0f 01 /2 m | lgdt Ms | P E',
  '0f 01 /3 m | lidt Ms | P E',
  '0f 01 /4 | smsw Evw | S h=smsw_Ew',
  '0f 01 /6 | lmsw Ew | P E',
  '0f 01 /7 m | invlpg Mb | P E',
  '0f 01 =c0 | enclv | UD',
  '0f 01 =c1 | vmcall | UD',
  '0f 01 =c2 | vmlaunch | UD',
  '0f 01 =c3 | vmresume | UD',
  '0f 01 =c4 | vmxoff | UD',
  '0f 01 =c5 | pconfig | UD',
  '0f 01 =c6 | wrmsrns | UD',
  '0f 01 =c8 | monitor | UD',
  '0f 01 =c9 | mwait | UD',
  '0f 01 =ca | clac | UD',
  '0f 01 =cb | stac | UD',
  '0f 01 =cf | encls | UD',
  '0f 01 =d0 | xgetbv | UD',
  '0f 01 =d1 | xsetbv | UD',
  '0f 01 =d4 | vmfunc | UD',
  '0f 01 =d5 | xend | UD',
  '0f 01 =d6 | xtest | UD',
  '0f 01 =d7 | enclu | UD',
  '0f 01 =d8 | vmrun | SVM P E',
  '0f 01 =d9 | vmmcall | SVM E',
  '0f 01 =da | vmload | SVM P',
  '0f 01 =db | vmsave | SVM P',
  '0f 01 =dc | stgi | SVM P E',
  '0f 01 =dd | clgi | SVM P',
  '0f 01 =de | skinit | SVM P E',
  '0f 01 =df | invlpga | SVM P',
  '0f 01 =e8 | serialize | UD',
  '0f 01 =ee | rdpkru | UD',
  '0f 01 =ef | wrpkru | UD',
  '0f 01 =f8 | swapgs | UD',
  '0f 01 =f9 | rdtscp | UD',
  '0f 01 =fe | invlpgb | UD',
  '0f 01 =ff | tlbsync | UD',
  '0f 01 =fa | monitorx | UD',
  '0f 01 =fb | mwaitx | UD',
  '0f 01 =fc | clzero | UD',
  '0f 01 =fd | rdpru | UD',
  '66 0f 01 =c6 | (bad)',
  '66 0f 01 =cf | (bad)',
  '66 0f 01 =d9 | (bad)',
  '66 0f 01 =e8 | (bad)',
  '66 0f 01 =ee | (bad)',
  '66 0f 01 =ef | (bad)',
  '66 0f 01 =fa | (bad)',
  '66 0f 01 =fb | (bad)',
  '66 0f 01 =fd | (bad)',
  '66 0f 01 =fe | (bad)',
  '66 0f 01 =ff | (bad)',
  'f3 0f 01 =c6 | (bad)',
  'f3 0f 01 =cf | (bad)',
  'f3 0f 01 =ee | (bad)',
  'f3 0f 01 =ef | (bad)',
  'f3 0f 01 =fb | (bad)',
  'f3 0f 01 =fd | (bad)',
  'f3 0f 01 =fe | (bad)',
  'f3 0f 01 =ff | (bad)',
  'f2 0f 01 =c6 | (bad)',
  'f2 0f 01 =cf | (bad)',
  'f2 0f 01 =ee | (bad)',
  'f2 0f 01 =ef | (bad)',
  'f2 0f 01 =fa | (bad)',
  'f2 0f 01 =fb | (bad)',
  'f2 0f 01 =fd | (bad)',
  'f2 0f 01 =fe | (bad)',
  '66 0f 01 =cc | tdcall | UD',
  'f3 0f 01 /5 m | rstorssp Mq | UD',
  'f3 0f 01 =ea | saveprevssp | UD',
  'f2 0f 01 =e9 | xresldtrk | UD',
  // Group 8 (0F BA)
  '0f ba /4 | bt Ev,Ib',
  '0f ba /5 | bts Ev,Ib | L',
  '0f ba /6 | btr Ev,Ib | L',
  '0f ba /7 | btc Ev,Ib | L',
  // Group 9 (0F C7)
  '0f c7 /1 | cmpxchg8b Mq | L ob',
  '0f c7 /3 m | xrstors M | UD',
  '0f c7 /4 m | xsavec M | UD',
  '0f c7 /5 m | xsaves M | UD',
  '0f c7 /6 m | vmptrld Mq | UD',
  '66 0f c7 /6 m | vmclear Mq | UD',
  'f3 0f c7 /6 m | vmxon Mq | UD',
  '0f c7 /7 m | vmptrst Mq | UD',
  'f2 0f c7 /6 | (bad)',
  'f2 0f c7 /7 r | (bad)',
  'f3 0f c7 /6 r | (bad)',
  '0f c7 /6 r | rdrand Rv | UD',
  '0f c7 /7 r | rdseed Rv | UD',
  'f3 0f c7 /7 r | rdpid Rd | UD',
];
