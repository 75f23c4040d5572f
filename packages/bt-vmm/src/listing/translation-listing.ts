/** @file The translation listing: each CCF's guest instructions beside the code produced for them (disassembled), IDENT vs non-IDENT marked. */
import { disassemble } from '@x86virt/x86-core';
import type { GuestMemory } from '../host/guest-memory.ts';
import { SITE_KIND, type Ccf } from '../translate/ccf.ts';
import type { TranslationCache } from '../tc/translation-cache.ts';

const hex = (v: number, w = 8): string => (v >>> 0).toString(16).padStart(w, '0');
const GUEST_COLUMN = 60;

/**
 * Lists CCFs as the paper's figures do: per CCF a header (guest address, TC range, live or
 * invalidated), then every guest instruction with its kind, beside the TC instructions its
 * translation became. Jumps are annotated with where they lead: a CCF (chained), a
 * continuation (not yet executed), a callout.
 */
export function formatTranslation(tc: TranslationCache, guest: GuestMemory, ram: Uint8Array, ccfs: readonly Ccf[] = tc.all): string {
  const out: string[] = [];
  const gbuf = new Uint8Array(16);
  for (const c of ccfs) {
    out.push(`CCF ${c.id}  guest ${hex(c.guestEip)}  tc ${hex(c.tcStart)}-${hex(c.tcEnd)}  ${c.valid ? 'live' : 'invalidated'}`);
    for (const r of c.insns) {
      const n = guest.fetch(r.eip, gbuf, r.length);
      const g = disassemble(gbuf.subarray(0, n), 0, 32, r.eip);
      const mark = r.kind === 'CALLOUT' ? `CALLOUT(${r.callout})` : r.kind;
      const left = `${`  ${hex(r.eip)}: ${g.text}`.padEnd(GUEST_COLUMN - 19)} ${mark.padEnd(18)}`;
      const tcLines: string[] = [];
      const end = Math.min(c.tcStart + r.end, c.tcEnd);
      for (let a = c.tcStart + r.start; a < end;) {
        const d = disassemble(ram, tc.phys(a), 32, a);
        tcLines.push(`${hex(a)}: ${d.text}${annotate(tc, d.text, a, d.bytes.length)}`);
        a += Math.max(1, d.bytes.length);
      }
      if (tcLines.length === 0) tcLines.push('(fall-through into the next CCF)');
      tcLines.forEach((t, i) => out.push(`${(i === 0 ? left : '').padEnd(GUEST_COLUMN)}| ${t}`));
    }
  }
  return `${out.join('\n')}\n`;
}

function annotate(tc: TranslationCache, text: string, at: number, length: number): string {
  if (text.startsWith('int ')) {
    const s = tc.site(at);
    return s === undefined ? '' : `   ; ${calloutName(s.kind)} ${s.category}`;
  }
  const m = /^(j\w+|call)\s+0x([0-9a-f]+)$/.exec(text);
  if (m === null) return '';
  const target = parseInt(m[2]!, 16);
  const s = tc.site(target);
  if (s !== undefined && s.kind === SITE_KIND.CONTINUATION) return `   ; continuation -> guest ${hex(s.guestEip)}`;
  const c = tc.ccfAt(target);
  if (c !== undefined && c.tcStart === target) return `   ; chained -> CCF ${c.id} (guest ${hex(c.guestEip)})`;
  void length;
  return '';
}

function calloutName(kind: number): string {
  switch (kind) {
    case SITE_KIND.CALLOUT:
      return 'callout';
    case SITE_KIND.TARGET_MISS:
      return 'target-cache miss';
    case SITE_KIND.IRQ_WINDOW:
      return 'interrupt window';
    default:
      return 'continuation';
  }
}
