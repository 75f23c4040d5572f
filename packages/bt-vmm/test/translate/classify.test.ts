/** @file IDENT or not: the classification of single guest instructions (bytes from the SDM encodings). */
import { decode } from '@x86virt/x86-core';
import { describe, expect, it } from 'vitest';
import { classify } from '../../src/index.ts';

const kindOf = (bytes: number[], adapted = false): string => {
  const c = classify(decode(Uint8Array.from(bytes), 0, 32), adapted);
  return c.kind === 'CALLOUT' ? `CALLOUT(${c.callout})` : c.kind;
};

describe('classify', () => {
  it.each([
    [[0x89, 0xf9], 'IDENT'], // mov ecx, edi
    [[0x0f, 0x31], 'IDENT'], // rdtsc: the silicon's clock is the guest's
    [[0x8c, 0xd8], 'IDENT'], // mov eax, ds: the shadow keeps the guest's selector
    [[0x8c, 0xc8], 'CALLOUT(segment-read)'], // mov eax, cs: the silicon's CS is the TC's
    [[0x65, 0x8b, 0x00], 'CALLOUT(gs)'], // mov eax, gs:[eax]: %gs is the monitor's
    [[0x2e, 0x8b, 0x00], 'CALLOUT(cs)'], // mov eax, cs:[eax]: translated code's %cs is the flat TC segment
    [[0x2e, 0xac], 'CALLOUT(cs)'], // lods al, cs:[esi]
    [[0x8e, 0xd8], 'CALLOUT(segment)'], // mov ds, eax
    [[0x0f, 0xb2, 0x00], 'CALLOUT(segment)'], // lss eax, [eax]
    [[0xc5, 0x00], 'CALLOUT(segment)'], // lds eax, [eax]
    [[0x1f], 'CALLOUT(segment)'], // pop ds
    [[0x74, 0x05], 'JCC'],
    [[0xeb, 0x05], 'JMP'],
    [[0xe8, 0, 0, 0, 0], 'CALL'],
    [[0xe2, 0xfe], 'LOOP'],
    [[0xc3], 'RET'],
    [[0xff, 0xe0], 'JMP_IND'], // jmp eax
    [[0xff, 0x10], 'CALL_IND'], // call [eax]
    [[0xfa], 'CLI'],
    [[0xfb], 'CALLOUT(sti)'],
    [[0x9c], 'PUSHF'],
    [[0x9d], 'POPF'],
    [[0xcf], 'CALLOUT(iret)'],
    [[0xcd, 0x80], 'CALLOUT(int)'],
    [[0xf4], 'CALLOUT(hlt)'],
    [[0xe4, 0x60], 'CALLOUT(io)'],
    [[0x0f, 0x22, 0xd8], 'CALLOUT(cr-write)'], // mov cr3, eax
    [[0x0f, 0x01, 0x10], 'CALLOUT(desc-table)'], // lgdt [eax]
    [[0x0f, 0x01, 0x38], 'CALLOUT(invlpg)'],
    [[0x0f, 0x30], 'CALLOUT(msr)'],
    [[0x0f, 0xa2], 'CALLOUT(cpuid)'],
    [[0x0f, 0x0b], 'CALLOUT(undefined)'], // ud2
  ])('%j → %s', (bytes, kind) => {
    expect(kindOf(bytes)).toBe(kind);
  });
  it('adaptive translation turns a faulting IDENT store into a callout', () => {
    expect(kindOf([0x89, 0x08])).toBe('IDENT');
    expect(kindOf([0x89, 0x08], true)).toBe('CALLOUT(adapted)');
  });
});
