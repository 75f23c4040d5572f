/** @file The translator judged by its expect goldens: guest snippets run under bt-vmm, their CCF listings compared with test/expect (rewrite: pnpm expect). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INSN_KIND } from '../../src/index.ts';
import { runSnippet, SNIPPETS } from '../support/snippets.ts';

const golden = (name: string): string => readFileSync(join(import.meta.dirname, '..', 'expect', `${name}.txt`), 'utf8').split('\n').slice(1).join('\n');

describe('translator expect goldens', () => {
  for (const s of SNIPPETS) {
    it(`${s.name}: CCF listing as reviewed`, () => {
      expect(runSnippet(s).listing).toBe(golden(s.name));
    });
  }
});

describe("the paper's isPrime figure (S1 §3.2)", () => {
  const r = runSnippet(SNIPPETS[0]!);
  const ccfs = r.monitor.tc.all.filter((c) => c.guestEip >= 0x100016);
  it('isPrime(49) returns 0 (the exit code)', () => {
    expect(r.stop).toEqual({ kind: 'exit', code: 0 });
  });
  it('the loop becomes four CCFs: isPrime, nexti, the inc/cmp/jl unit, notPrime; prime is never translated', () => {
    expect(ccfs.map((c) => c.guestEip.toString(16))).toEqual(['100016', '100021', '10002a', '100035']);
    expect(ccfs.map((c) => c.insns.map((i) => i.kind).join(' '))).toEqual([
      'IDENT IDENT IDENT JCC',
      'IDENT IDENT IDENT IDENT JCC',
      'IDENT IDENT JCC',
      `IDENT ${INSN_KIND.RET}`,
    ]);
  });
  it('two fall-throughs elided, one jump chained to nexti, the jz chained to notPrime', () => {
    // isPrime' and nexti' end at their jcc: the fall-through jmp was overwritten by the next CCF.
    expect(ccfs[0]!.tcEnd).toBe(ccfs[1]!.tcStart);
    expect(ccfs[1]!.tcEnd).toBe(ccfs[2]!.tcStart);
    const chainedFrom = (target: number): number[] => ccfs[target]!.incoming.filter((_, i) => i % 3 === 0).map((rel) => ccfs.findIndex((c) => rel >= c.tcStart && rel < c.tcEnd));
    // jl nexti (third CCF) → nexti'; jz notPrime (nexti') → notPrime'.
    expect(chainedFrom(1)).toContain(2);
    expect(chainedFrom(3)).toEqual([1]);
    expect(r.monitor.stats.fallThroughElided).toBeGreaterThanOrEqual(2);
  });
});

describe('privileged and sensitive instructions in-TC', () => {
  const r = runSnippet(SNIPPETS[1]!);
  it('mov to/from CR8 never leave the TC: the TPR lives in the monitor data page, and the guest reads back what it wrote', () => {
    expect(r.stop).toEqual({ kind: 'exit', code: 7 });
    const g = r.monitor.guestState();
    expect(g.regs[3]).toBe(5);
    expect(g.cr8).toBe(5);
    expect(r.monitor.stats.calloutsByKind['cr-write']).toBeUndefined();
  });
});
