/** @file `pnpm bench:speed`: guest MIPS of every peer on every speed-guest loop, measured side by side in one run (difference of two runs), plus startup time. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UNIT_PROFILE } from '@x86virt/x86-core';
import { runGuest } from '../machine/run-guest.ts';
import { patchSpeedImage, REP_BYTES_PER_ITERATION, SPEED_LOOP_INSNS, SPEED_LOOP_TEXT, SPEED_LOOPS, type SpeedLoop } from './speed-image.ts';
import { BENCH_DIR, detectPeers, type SpeedPeer } from './speed-peers.ts';

/** Options of the speed benchmark. */
export interface SpeedBenchOptions {
  /** Seconds the long run should last beyond the short one (default 1). */
  readonly seconds?: number;
  /** Only these loops / peers (default: all). */
  readonly loops?: readonly SpeedLoop[];
  readonly peers?: readonly string[];
  /** Write the measurements as JSON here. */
  readonly json?: string;
}

/** Iterations of the short run every measurement subtracts (boot, startup, JIT warm-up). */
export const BASE_ITERATIONS = 1000;
const RUN_TIMEOUT_MS = 300_000;
const MAX_ITERATIONS = 0xffffffff;

/** One timed run of a peer: milliseconds from spawn to its first output byte and to the guest's DONE line. */
interface Timed {
  readonly firstMs: number;
  readonly doneMs: number;
  readonly output: string;
}

/** One peer × loop result. */
export interface SpeedResult {
  readonly peer: string;
  readonly loop: SpeedLoop;
  readonly mips: number | null;
  /** The two runs the rate comes from: `fromIterations` and `iterations`, `deltaMs` apart. */
  readonly iterations: number;
  readonly fromIterations: number;
  readonly deltaMs: number;
  readonly startupMs: number;
  readonly error?: string;
}

function timeRun(peer: SpeedPeer, image: string, loop: SpeedLoop, n: number): Promise<Timed> {
  const { cmd, args } = peer.command({ image, loop, n });
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let firstMs = -1;
    let doneMs = -1;
    let output = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      const now = performance.now() - t0;
      if (firstMs < 0) firstMs = now;
      output += d.toString('latin1');
      if (doneMs < 0 && output.includes('DONE\n')) {
        doneMs = now;
        // The guest is done; a peer that lingers (no exit port) is not timed any further.
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', () => {
      clearTimeout(timer);
      if (doneMs < 0) reject(new Error(`${peer.name}: no DONE from the guest (${err.trim().split('\n').slice(-1)[0] ?? 'no output'})`));
      else resolve({ firstMs, doneMs, output });
    });
  });
}

/** The line the guest prints for `loop` (name, n, checksum), from a run's output. */
function loopLine(output: string, loop: SpeedLoop): string {
  return output.split('\n').find((l) => l.startsWith(`${loop} n=`)) ?? '(missing)';
}

/** Exact instructions per iteration and the reference output at BASE_ITERATIONS, from x86virt's interpreter in this process. */
function reference(image: Uint8Array, loop: SpeedLoop): { perIteration: number; line: string } {
  const count = (n: number): { insns: number; serial: string } => {
    const r = runGuest('native', patchSpeedImage(image, loop, n), UNIT_PROFILE, { engine: 'interp', maxInsns: 100_000_000 });
    if (r.stop.kind !== 'exit') throw new Error(`speed guest (${loop} × ${n}) did not exit: ${r.stop.kind}`);
    return { insns: r.instructions, serial: r.serial };
  };
  const a = count(BASE_ITERATIONS);
  const b = count(2 * BASE_ITERATIONS);
  // The decimal n printed has the same digit count at 1000 and 2000: the difference is the loop alone.
  return { perIteration: (b.insns - a.insns) / BASE_ITERATIONS, line: loopLine(a.serial, loop) };
}

/**
 * Runs the benchmark, printing as it goes through `out`. Method per peer and loop: short runs
 * (BASE_ITERATIONS: correctness and startup), then runs at growing N; every run is a whole
 * process timed from spawn to the guest's DONE line, and the rate is taken between consecutive
 * runs once it is stable, so startup, image loading and JIT warm-up cancel:
 * MIPS = insnsPerIteration × (N − N_prev) / (t(N) − t(N_prev)).
 */
export async function runSpeedBench(opts: SpeedBenchOptions, out: (line: string) => void): Promise<SpeedResult[]> {
  const seconds = opts.seconds ?? 1;
  const image = new Uint8Array(readFileSync(join(BENCH_DIR, 'guests', 'speed', 'speed.elf')));
  const loops = opts.loops ?? SPEED_LOOPS;
  const found = detectPeers();
  const peers = found.present.filter((p) => opts.peers === undefined || opts.peers.includes(p.name));
  const tmp = mkdtempSync(join(tmpdir(), 'x86virt-speed-'));
  const results: SpeedResult[] = [];
  out('x86virt speed benchmark: guest MIPS of each peer on the speed guest (packages/bench/guests/speed)');
  out('  method: every run is a whole process (the peer booting a copy of the image patched to run one loop N');
  out(`  times), timed from spawn to the guest's "DONE" line. N grows (×3 near the end) until a run lasts about ${seconds} s`);
  out('  (at least 0.7 of it beyond the run before) and two consecutive rates agree within 25 %; MIPS = instructions');
  out('  per iteration × (N − N_prev) / (t(N) − t(N_prev)): process start, image loading, boot and JIT warm-up are');
  out('  in both runs and cancel. Instructions per iteration are counted exactly by x86virt (a REP instruction');
  out(`  counts once). Every peer's checksum line is checked against x86virt's interpreter at ${BASE_ITERATIONS} iterations.`);
  out('  Startup = spawn to the first serial byte (the guest prints "speed" first thing), best of two short runs.');
  out('  peers present:');
  for (const p of peers) out(`    ${p.name.padEnd(15)} ${p.how}`);
  for (const a of found.absent) out(`  peer absent: ${a.name.padEnd(15)} ${a.reason}`);
  try {
    for (const loop of loops) {
      const ref = reference(image, loop);
      const note = ref.perIteration === SPEED_LOOP_INSNS[loop] ? '' : ` (speed-loops.asm says ${SPEED_LOOP_INSNS[loop]})`;
      out('');
      out(`${loop}: ${SPEED_LOOP_TEXT[loop]}; ${ref.perIteration} instructions per iteration${note}`);
      const baseImage = join(tmp, `${loop}-${BASE_ITERATIONS}.elf`);
      writeFileSync(baseImage, patchSpeedImage(image, loop, BASE_ITERATIONS));
      for (const peer of peers) {
        const r = await measure(peer, image, tmp, baseImage, loop, ref, seconds);
        results.push(r);
        out(`  ${formatResult(r, loop)}`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  out('');
  for (const line of summary(results, loops, peers)) out(line);
  if (opts.json !== undefined) writeFileSync(opts.json, `${JSON.stringify({ format: 'x86virt-speed', version: 1, seconds, baseIterations: BASE_ITERATIONS, peers: peers.map((p) => ({ name: p.name, how: p.how })), absent: found.absent, results }, null, 2)}\n`);
  return results;
}

async function measure(peer: SpeedPeer, image: Uint8Array, tmp: string, baseImage: string, loop: SpeedLoop, ref: { perIteration: number; line: string }, seconds: number): Promise<SpeedResult> {
  const fail = (error: string): SpeedResult => ({ peer: peer.name, loop, mips: null, iterations: 0, fromIterations: 0, deltaMs: 0, startupMs: 0, error });
  const run = async (n: number): Promise<Timed> => {
    if (n === BASE_ITERATIONS) return timeRun(peer, baseImage, loop, n);
    const file = join(tmp, `${loop}-${n}.elf`);
    writeFileSync(file, patchSpeedImage(image, loop, n));
    try {
      return await timeRun(peer, file, loop, n);
    } finally {
      rmSync(file, { force: true });
    }
  };
  try {
    // Two short runs (the faster counts): the first also warms the host's file cache.
    const b1 = await run(BASE_ITERATIONS);
    const b2 = await run(BASE_ITERATIONS);
    const base = b1.doneMs <= b2.doneMs ? b1 : b2;
    const line = loopLine(base.output, loop);
    if (line !== ref.line) return fail(`wrong result: printed '${line}', x86virt's interpreter prints '${ref.line}'`);
    const target = seconds * 1000;
    const startupMs = Math.min(b1.firstMs, b2.firstMs);
    // Runs at growing N; each rate is taken between two consecutive runs (N_prev, N). Accepted when
    // the pair lasts long enough and its rate agrees with the previous pair's within 25 %: a JIT
    // that compiles only once the loop is hot (v86 after thousands of iterations) has then warmed
    // up before N_prev, so its warm-up is in both runs and cancels like the process start.
    let prev = { n: BASE_ITERATIONS, ms: base.doneMs };
    let lastRate = 0;
    let n = 20 * BASE_ITERATIONS;
    for (;;) {
      const t = await run(n);
      const d = t.doneMs - prev.ms;
      const rate = d > 0 ? (ref.perIteration * (n - prev.n)) / (d * 1000) : 0;
      const spent = t.doneMs - base.doneMs;
      // Both runs of the pair must be long: a short N can be all warm-up (V8 or v86 compiling), even at a steady rate.
      const settled = spent >= target * 0.7 && d >= target * 0.7 && lastRate > 0 && Math.abs(rate - lastRate) <= 0.25 * rate;
      if (settled || n >= MAX_ITERATIONS || d >= target * 4) {
        const note = settled ? undefined : 'did not settle (rates of the last two steps differ by more than 25 %)';
        return { peer: peer.name, loop, mips: rate > 0 ? rate : null, iterations: n, fromIterations: prev.n, deltaMs: d, startupMs, ...(note !== undefined ? { error: note } : {}) };
      }
      lastRate = rate;
      prev = { n, ms: t.doneMs };
      // Far from the target: jump (at most ×16) by the rate seen so far; near it, ×3 per step.
      const factor = spent < target * 0.1 ? 16 : Math.min(16, Math.max(3, target / Math.max(1, d)));
      n = Math.min(MAX_ITERATIONS, Math.round(n * factor));
    }
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
}

function formatResult(r: SpeedResult, loop: SpeedLoop): string {
  if (r.mips === null) return `${r.peer.padEnd(15)} failed: ${r.error ?? 'no time difference'}`;
  const extra = loop === 'rep' ? `  (${((r.mips / SPEED_LOOP_INSNS.rep) * REP_BYTES_PER_ITERATION).toFixed(0)} MB/s copied)` : '';
  const warn = r.error !== undefined ? `  [${r.error}]` : '';
  return `${r.peer.padEnd(15)} ${r.mips.toFixed(1).padStart(8)} MIPS   N=${r.fromIterations}→${r.iterations}: ${r.deltaMs.toFixed(0)} ms, startup ${r.startupMs.toFixed(0)} ms${extra}${warn}`;
}

function summary(results: readonly SpeedResult[], loops: readonly SpeedLoop[], peers: readonly SpeedPeer[]): string[] {
  const w = 12;
  const lines = ['summary: guest MIPS (rep: instructions, one per 1 KiB copied); startup ms = spawn to first serial byte (best)'];
  lines.push(`  ${'loop'.padEnd(9)}${peers.map((p) => p.name.padStart(w + 2)).join('')}`);
  for (const loop of loops) {
    const cells = peers.map((p) => {
      const r = results.find((x) => x.peer === p.name && x.loop === loop);
      return (r?.mips == null ? '—' : r.mips.toFixed(1)).padStart(w + 2);
    });
    lines.push(`  ${loop.padEnd(9)}${cells.join('')}`);
  }
  const startup = peers.map((p) => {
    const s = results.filter((x) => x.peer === p.name && x.mips !== null).map((x) => x.startupMs);
    return (s.length === 0 ? '—' : Math.min(...s).toFixed(0)).padStart(w + 2);
  });
  lines.push(`  ${'startup'.padEnd(9)}${startup.join('')}`);
  return lines;
}
