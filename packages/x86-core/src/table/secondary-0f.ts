/** @file The two-byte (0F) opcode map's integer and system rows (SDM Vol.2 Table A-3), groups and SSE excluded. */
import { CC_NAMES } from './primary.ts';
import type { RowLine } from './row-spec.ts';

const hex = (n: number) => n.toString(16).padStart(2, '0');

/** Jcc Jz (0F 80–8F), SETcc Eb (0F 90–9F), CMOVcc Gv,Ev (0F 40–4F): one handler each, condition in `cc`. */
function ccRows(): RowLine[] {
  const rows: RowLine[] = [];
  CC_NAMES.forEach((c, i) => {
    rows.push(`0f ${hex(0x80 + i)} | j${c} Jz | B cc=${i} h=jcc_Jz`);
    rows.push(`0f ${hex(0x90 + i)} | set${c} Eb | cc=${i} h=setcc_Eb`);
    rows.push(`0f ${hex(0x40 + i)} | cmov${c} Gv,Ev | cc=${i} h=cmovcc_GvEv`);
  });
  return rows;
}

/** Rows of the 0F map that are not groups and not MMX/SSE. */
export const SECONDARY_0F_ROWS: readonly RowLine[] = [
  '0f 02 | lar Gv,Evw | S h=lar_GvEw',
  '0f 03 | lsl Gv,Evw | S h=lsl_GvEw',
  '0f 05 | syscall | UD',
  '0f 06 | clts | P E',
  '0f 07 | sysret | UD',
  '0f 08 | invd | P',
  '0f 09 | wbinvd | P',
  '66 0f 09 | (bad)',
  'f2 0f 09 | (bad)',
  'f3 0f 09 | wbnoinvd | P h=wbinvd', // executes as WBINVD before WBNOINVD
  '0f 0b | ud2 | UD',
  '0f 0d /1 m | prefetchw Mb | UD',
  '0f 0d /2 m | prefetchwt1 Mb | UD',
  '0f 0d m | prefetch Mb | UD',
  '0f 0e | femms | UD',
  '0f 18 | nop Ev | h=nop_Ev',
  '0f 19 | nop Ev | h=nop_Ev',
  '0f 1a | nop Ev | h=nop_Ev',
  '0f 1b | nop Ev | h=nop_Ev',
  '0f 1c | nop Ev | h=nop_Ev',
  '0f 1d | nop Ev | h=nop_Ev',
  '0f 1e | nop Ev | h=nop_Ev',
  '0f 1f | nop Ev',
  'f3 0f 1e =fb | endbr32 | h=nop', // CET: a hint NOP on processors without CET, the i686 included
  'f3 0f 1e =fa | endbr64 | h=nop',
  '0f 20 | mov Rd,Cd | P',
  '0f 21 | mov Rd,Dd | P',
  '0f 22 | mov Cd,Rd | P E',
  '0f 23 | mov Dd,Rd | P E',
  '0f 24 | mov Rd,Td | UD',
  '0f 26 | mov Td,Rd | UD',
  '0f 30 | wrmsr | P E',
  '0f 31 | rdtsc | S',
  '0f 32 | rdmsr | P',
  '0f 33 | rdpmc | S',
  '0f 34 | sysenter | B',
  '0f 35 | sysexit | B P',
  '0f 37 | getsec | UD',
  ...ccRows(),
  '0f a0 | push FS',
  '0f a1 | pop FS',
  '0f a2 | cpuid',
  '0f a3 | bt Ev,Gv',
  '0f a4 | shld Ev,Gv,Ib',
  '0f a5 | shld Ev,Gv,CL',
  '0f a8 | push GS',
  '0f a9 | pop GS',
  '0f aa | rsm | UD',
  '0f ab | bts Ev,Gv | L',
  '0f ac | shrd Ev,Gv,Ib',
  '0f ad | shrd Ev,Gv,CL',
  '0f af | imul Gv,Ev',
  '0f b0 | cmpxchg Eb,Gb | L',
  '0f b1 | cmpxchg Ev,Gv | L',
  '0f b2 | lss Gv,Mp',
  '0f b3 | btr Ev,Gv | L',
  '0f b4 | lfs Gv,Mp',
  '0f b5 | lgs Gv,Mp',
  '0f b6 | movzx Gv,Eb',
  '0f b7 | movzx Gv,Ew',
  'f3 0f b8 | popcnt Gv,Ev | UD',
  '0f b9 | ud1 Gv,Ev | UD',
  '0f bb | btc Ev,Gv | L',
  '0f bc | bsf Gv,Ev',
  'f3 0f bc | tzcnt Gv,Ev | h=bsf_GvEv', // executes as BSF (the F3 is ignored) before BMI1
  '0f bd | bsr Gv,Ev',
  'f3 0f bd | lzcnt Gv,Ev | h=bsr_GvEv', // executes as BSR before LZCNT
  'f2 0f bc | (bad)',
  'f2 0f bd | (bad)',
  '0f be | movsx Gv,Eb',
  '0f bf | movsx Gv,Ew',
  '0f c0 | xadd Eb,Gb | L',
  '0f c1 | xadd Ev,Gv | L',
  '0f c8+ | bswap Zv',
  '0f ff | ud0 Gv,Ev | UD',
  // VIA PadLock (objdump knows them): #UD on the i686.
  '0f a6 =c0 | montmul | UD',
  '0f a6 =c8 | xsha1 | UD',
  '0f a6 =d0 | xsha256 | UD',
  '0f a7 =c0 | xstore-rng | UD h=xstore_rng',
  '0f a7 =c8 | xcrypt-ecb | UD h=xcrypt_ecb',
  '0f a7 =d0 | xcrypt-cbc | UD h=xcrypt_cbc',
  '0f a7 =d8 | xcrypt-ctr | UD h=xcrypt_ctr',
  '0f a7 =e0 | xcrypt-cfb | UD h=xcrypt_cfb',
  '0f a7 =e8 | xcrypt-ofb | UD h=xcrypt_ofb',
];
