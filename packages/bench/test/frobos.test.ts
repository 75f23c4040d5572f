/** @file The frobos benchmark kernel: its QEMU goldens exist and parse, and (with QEMU) a fresh run matches them. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const benchDir = join(import.meta.dirname, '..');
const goldenDir = join(benchDir, 'guests', 'frobos', 'golden');
const script = join(benchDir, 'scripts', 'qemu-goldens.sh');
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const hasQemu = has('qemu-system-i386');
const hasObjdump = has('objdump');

const NANOS = ['syscall', 'sysenter', 'in', 'cr8wr', 'call/ret', 'pgfault', 'divzero', 'ptemod'];
const MACROS = ['forkwait', 'compute', 'iomix'];
const GOLDENS = ['quick', 'nano', 'macro-cow', 'macro-eager', 'crash-user', 'full'];

interface Golden {
  readonly cmdline: string;
  readonly exit: number;
  readonly lines: readonly string[];
  readonly results: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** Parses a golden file: three header lines, then the masked serial output. */
function parseGolden(text: string): Golden {
  const all = text.split('\n');
  expect(all[0]).toMatch(/^# frobos golden: /);
  const cmdline = /^# cmdline: (.*)$/.exec(all[1] ?? '')?.[1];
  const exit = /^# exit: (\d+)$/.exec(all[2] ?? '')?.[1];
  expect(cmdline).toBeDefined();
  expect(exit).toBeDefined();
  expect(all.at(-1)).toBe('');
  const lines = all.slice(3, -1);
  const results = new Map<string, Record<string, string>>();
  for (const line of lines.filter((l) => l.startsWith('RESULT '))) {
    const m = /^RESULT (nano|macro) (\S+)( unsupported)?((?: \S+=\S+)+)$/.exec(line);
    expect(m, `malformed line: ${line}`).not.toBeNull();
    const fields: Record<string, string> = m![3] ? { unsupported: 'yes' } : {};
    for (const kv of m![4]!.trim().split(' ')) {
      const [k, v] = kv.split('=') as [string, string];
      fields[k] = v;
    }
    results.set(`${m![1]} ${m![2]}`, fields);
  }
  return { cmdline: cmdline!, exit: Number(exit), lines, results };
}

const read = (name: string): string => readFileSync(join(goldenDir, `${name}.txt`), 'utf8');

describe('frobos goldens (written by scripts/qemu-goldens.sh)', () => {
  it.each(GOLDENS)('%s exists and parses', (name) => {
    expect(existsSync(join(goldenDir, `${name}.txt`))).toBe(true);
    const g = parseGolden(read(name));
    expect(g.lines[0]).toBe('FrobOS x86virt benchmark kernel');
    expect(g.lines[1]).toMatch(/^config nano=\S+ forkwait=\d+ compute=\d+ iomix=\d+ hz=\d+ fork=(cow|eager)/);
    expect(g.lines.join('\n')).not.toMatch(/\b(cycles|total|overhead)=\d/);
    if (g.exit === 0) expect(g.lines.at(-1)).toBe('DONE ok');
  });

  it('quick and full runs report every nanobenchmark and macro workload', () => {
    for (const name of ['quick', 'full']) {
      const g = parseGolden(read(name));
      expect(g.exit).toBe(0);
      expect([...g.results.keys()]).toEqual([...NANOS.map((n) => `nano ${n}`), ...MACROS.map((n) => `macro ${n}`)]);
      for (const n of NANOS) {
        const r = g.results.get(`nano ${n}`)!;
        // QEMU's pentium3 has no AltMovCr8: the kernel says so instead of faking a number.
        if (n === 'cr8wr') expect(r).toEqual({ unsupported: 'yes', reason: 'cpuid-altmovcr8-absent' });
        else expect(r).toEqual({ cycles: '*', total: '*', iterations: name === 'quick' ? '2000' : '10000', overhead: '*' });
      }
      for (const n of MACROS) expect(g.results.get(`macro ${n}`)!.checksum).toMatch(/^[0-9a-f]{8}$/);
    }
  });

  it('the full run uses the paper\'s forkwait size and 256 KiB of compute', () => {
    const g = parseGolden(read('full'));
    expect(g.results.get('macro forkwait')).toMatchObject({ iterations: '40000' });
    expect(g.results.get('macro compute')).toMatchObject({ in: '262144' });
    expect(g.results.get('macro iomix')).toMatchObject({ requests: '10000' });
  });

  it('copy-on-write and eager fork give the same checksums (same pids, statuses and data)', () => {
    const cow = parseGolden(read('macro-cow'));
    const eager = parseGolden(read('macro-eager'));
    expect(cow.lines[1]).toContain('fork=cow');
    expect(eager.lines[1]).toContain('fork=eager');
    expect(cow.results.get('macro forkwait')).toMatchObject({ iterations: '2000' });
    for (const n of MACROS) expect(eager.results.get(`macro ${n}`)).toEqual(cow.results.get(`macro ${n}`));
  });

  it('an unexpected fault panics with one line and exit code 1', () => {
    const g = parseGolden(read('crash-user'));
    expect(g.exit).toBe(1);
    expect(g.lines.at(-1)).toMatch(/^PANIC vector=0x0e err=0x00000004 eip=0x004[0-9a-f]{5} cr2=0x00000010 cs=0x1b pid=1$/);
  });
});

describe.skipIf(!hasObjdump)('the frobos image (objdump)', () => {
  it('user code (.user, linked at 0x400000) never calls or jumps into the kernel half', () => {
    const image = join(benchDir, 'guests', 'frobos', 'frobos.elf');
    const r = spawnSync('objdump', ['-d', '-j', '.user', image], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const branches = r.stdout.split('\n').filter((l) => /\s(call|jmp|j[a-z]+)\s+[0-9a-f]+ </.test(l));
    expect(branches.length).toBeGreaterThan(100);
    const targets = branches.map((l) => Number.parseInt(/\s(?:call|jmp|j[a-z]+)\s+([0-9a-f]+) </.exec(l)![1]!, 16));
    expect(targets.filter((t) => t < 0x400000 || t >= 0xc0000000)).toEqual([]);
  });
});
if (!hasObjdump) console.warn('frobos.test: objdump not installed; skipping the image check (apt-get install -y binutils)');

describe.skipIf(!hasQemu)('frobos under qemu-system-i386', () => {
  it.each(['quick', 'nano', 'crash-user'])('%s: a fresh run matches the golden', (name) => {
    const r = spawnSync(script, ['--stdout', name], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(read(name));
  });
});
if (!hasQemu) console.warn('frobos.test: qemu-system-i386 not installed; skipping the QEMU reruns (apt-get install -y qemu-system-x86)');
