/** @file The Engine contract and the interpreter engine: block cache by physical address and mode, code-page invalidation, run(budget) → StopReason. */
import type { Cpu } from '../cpu/cpu.ts';
import { DR6_BS, EVENT_KIND } from '../cpu/cpu.ts';
import { EFLAGS } from '../cpu/eflags.ts';
import { FAULT, NO_ERROR_CODE, raise, VECTOR } from '../cpu/fault.ts';
import { deliverEvent, deliverPendingException } from '../cpu/interrupts.ts';
import { guestInterruptCheck } from '../svm/interrupt-check.ts';
import { translateFetch } from '../cpu/paging.ts';
import { buildBlock, cachedSuccessor, cacheSuccessor, modeBits, type Block } from './block.ts';
import { TlbBit } from '@x86virt/mmu';
import { compileRegions, type RegionExit, type RegionPart } from './block-compiler.ts';
import { runBlocks } from './interpret.ts';

/** Why `run()` returned. Exhaustive: a caller's `switch` over `kind` needs no default. */
export type StopReason =
  /** The instruction budget was used up. */
  | { readonly kind: 'budget' }
  /**
   * HLT: with IF=0 the processor can only leave by NMI/reset; with IF=1 it waits for an
   * interrupt — the caller advances virtual time to the next device deadline and runs again.
   */
  | { readonly kind: 'halted'; readonly interruptsEnabled: boolean }
  /** Triple fault (or another shutdown condition), with the reason. */
  | { readonly kind: 'shutdown'; readonly reason: string }
  /** A device (exit port, reset line) asked to stop; the caller reads the code from the board. */
  | { readonly kind: 'stop-requested' }
  /** The modeled clock reached the deadline set with `setDeadline` (and no callback was given). */
  | { readonly kind: 'deadline' }
  /** A `HostSink` claimed an exception or interrupt (EIP and registers as at the event). */
  | { readonly kind: 'host'; readonly vector: number; readonly errorCode: number; readonly eventKind: number }
  /**
   * `InterpreterEngine.livelockLimit` (`LIVELOCK_DELIVERIES`) exceptions in a row were delivered
   * with no instruction retiring and ECX, ESI, EDI unchanged (a handler that faults at its first
   * instruction): the processor would go on so for ever, and the budget, which counts retired
   * instructions, would never run out. The last vector and EIP, and the deliveries counted.
   */
  | { readonly kind: 'livelock'; readonly vector: number; readonly eip: number; readonly deliveries: number };

/** Exceptions delivered in a row without an instruction retiring before `run()` stops with `livelock` (a nested fault takes a few). */
export const LIVELOCK_DELIVERIES = 1 << 16;

/** One line for a `livelock` stop (the runners report the guest hung). */
export function describeLivelock(stop: { readonly vector: number; readonly eip: number; readonly deliveries: number }): string {
  return `no instruction retired in ${stop.deliveries} exception deliveries in a row (the last: vector ${stop.vector} at EIP 0x${(stop.eip >>> 0).toString(16)})`;
}

/** The contract every execution mode offers (ARCHITECTURE.md §10.7). */
export interface Engine {
  /** Runs at most `budget` instructions; returns why it stopped. */
  run(budget: number): StopReason;
}

/** Called when the modeled clock passes the deadline: tick devices, return the next deadline (cycles). */
export type DeadlineCallback = (cycles: number) => number;

const BUDGET: StopReason = { kind: 'budget' };
const STOP: StopReason = { kind: 'stop-requested' };
const DEADLINE: StopReason = { kind: 'deadline' };
const HALT_IF: StopReason = { kind: 'halted', interruptsEnabled: true };
const HALT_NOIF: StopReason = { kind: 'halted', interruptsEnabled: false };

const DIRECT_SIZE = 1 << 14;
/** Default `InterpreterEngine.jitThreshold`: only blocks this hot are worth a JavaScript function (and its V8 optimization). */
export const JIT_THRESHOLD = 1024;
/** The engines `run`/`bench` offer: `interp` interprets every block (the reference), `jit` compiles hot blocks to JavaScript. */
export const ENGINE_KINDS = ['interp', 'jit'] as const;
/** One of `ENGINE_KINDS`. */
export type EngineKind = (typeof ENGINE_KINDS)[number];
/** The engine used when none is asked for: the block compiler (it passes everything the interpreter passes). */
export const DEFAULT_ENGINE: EngineKind = 'jit';

/** Most blocks compiled into one region function (a page with more hot blocks gets several, see `compileRegions`). */
export const MAX_REGION_BLOCKS = 96;
/** A block run `jitThreshold / WARM_FRACTION` times joins its page's region when another block of the page becomes hot. */
const WARM_FRACTION = 16;
/** A page with at most this many hot blocks is compiled again for every block that becomes hot. */
const SMALL_REGION = 16;

/**
 * The compile threshold doubles for every `COMPILED_PER_DOUBLING` blocks compiled, up to
 * `MAX_THRESHOLD_SCALE` × `jitThreshold` (see `InterpreterEngine.threshold`).
 */
export const COMPILED_PER_DOUBLING = 128;
/** Largest factor on `jitThreshold` (`COMPILED_PER_DOUBLING`). */
export const MAX_THRESHOLD_SCALE = 64;

/** Blocks kept before the whole cache is dropped. */
export const MAX_CACHED_BLOCKS = 1 << 16;

/**
 * The interpreter engine. Decoded blocks are cached by physical address and mode; a write to
 * a physical page holding code (the per-page "has code" count in `Cpu.codePages` sends such
 * writes down the memory slow path) invalidates the blocks it overlaps, the current one
 * included — which then stops after the writing instruction (self-modifying code).
 *
 * Faults: handlers raise through `raise()` (fault.ts), the one throw; the block runner (a
 * region, `runBlocks`) that ran the faulting instruction catches it and returns, and `execute`
 * charges the instructions before it and delivers the exception via `deliverEvent`.
 * Interrupts, budget, deadline and stop requests are checked at block boundaries.
 */
export class InterpreterEngine implements Engine {
  readonly cpu: Cpu;
  private readonly blocks = new Map<number, Block>();
  private readonly direct: (Block | undefined)[] = new Array<Block | undefined>(DIRECT_SIZE);
  private readonly pageBlocks: (Block[] | undefined)[];
  /** The block executing (a region sets it per block): a code write that drops it ends it. */
  current: Block | null = null;
  private readonly exit: RegionExit = { block: null, last: null, at: null, done: 0, eip: 0 };
  /** Each code page's regions in one mode (by physical page number × 32 + mode bits). */
  private readonly pageRegions = new Map<number, readonly RegionPart[]>();
  /**
   * Executions of a block before it is compiled to a JavaScript function (block-compiler.ts);
   * `Infinity` keeps every block interpreted (the reference the compiler is tested against).
   */
  jitThreshold = JIT_THRESHOLD;
  /** Most blocks in one region function (`MAX_REGION_BLOCKS`; tests lower it to split pages into several regions). */
  regionBlocks = MAX_REGION_BLOCKS;
  private compiled = 0;
  /** `jitThreshold` × this is the compile count in use (`threshold`). */
  private scale = 1;
  /** The next device deadline in modeled cycles (Infinity: none), set by `setDeadline` and its callback; regions and `runBlocks` read it here (`RegionHost.deadline`). */
  deadline = Infinity;
  private onDeadline: DeadlineCallback | null = null;
  /**
   * Exceptions delivered since an instruction last retired or a string instruction moved on
   * (`LIVELOCK_DELIVERIES`), the last one's vector, and ECX, ESI, EDI at it (a long REP faulting on
   * page after page retires nothing until it is done, but moves them).
   */
  private stalls = 0;
  private stallVector = -1;
  private readonly stallRegs = new Int32Array(3);
  /** Deliveries without progress before `run()` returns `livelock` (`LIVELOCK_DELIVERIES`; tests lower it). */
  livelockLimit = LIVELOCK_DELIVERIES;

  constructor(cpu: Cpu) {
    this.cpu = cpu;
    this.pageBlocks = new Array<Block[] | undefined>(cpu.codePages.length);
    cpu.onCodeWrite = (phys, size) => this.invalidateRange(phys, size);
  }

  /** Selects the engine: `interp` never compiles (`jitThreshold` = Infinity), `jit` compiles blocks run `JIT_THRESHOLD` times. */
  useEngine(kind: EngineKind): void {
    this.jitThreshold = kind === 'jit' ? JIT_THRESHOLD : Infinity;
  }

  /**
   * Sets the next device deadline (modeled cycles). When the clock passes it at a block
   * boundary, `callback` (if given) is called and returns the next deadline; without a
   * callback `run()` returns `{ kind: 'deadline' }`.
   */
  setDeadline(cycles: number, callback?: DeadlineCallback): void {
    this.deadline = cycles;
    this.onDeadline = callback ?? null;
  }

  /** Asks `run()` to return `stop-requested` at the next instruction boundary. */
  requestStop(): void {
    this.cpu.stopRequested = true;
  }

  /**
   * The executions after which a block is compiled: `jitThreshold`, doubled for every
   * `COMPILED_PER_DOUBLING` blocks compiled so far, at most `MAX_THRESHOLD_SCALE` times. Each
   * compiled instruction becomes 300–600 characters of JavaScript that V8 parses, runs unoptimized
   * until it has optimized it (its optimizing compiler competing for this machine's two shared
   * cores), so a compilation pays only for code that runs long after. A guest whose hot code is
   * small (a benchmark loop, Linux's XZ decompressor: 135 blocks) compiles it at `jitThreshold`;
   * one that keeps making new code hot (Linux's kernel start-up: thousands of blocks run a few
   * thousand times each) raises the bar — compiling all of those at 1024 executions made the boot
   * 2.4 G–4 G instructions 2.3× slower than the interpreter.
   */
  get threshold(): number {
    return this.jitThreshold * this.scale;
  }

  /** Number of blocks that became hot and were compiled into their page's region so far. */
  get compiledBlocks(): number {
    return this.compiled;
  }

  /** Number of blocks in the cache. */
  get cachedBlocks(): number {
    return this.blocks.size;
  }

  /** Drops every cached block. */
  flushBlocks(): void {
    for (const b of this.blocks.values()) b.valid = false;
    this.blocks.clear();
    this.direct.fill(undefined);
    this.pageBlocks.fill(undefined);
    this.cpu.codePages.fill(0);
    this.pageRegions.clear();
  }

  run(budget: number): StopReason {
    const cpu = this.cpu;
    const counters = cpu.counters;
    cpu.hostEvent = -1;
    let left = budget;
    for (;;) {
      if (cpu.shutdown !== null) return { kind: 'shutdown', reason: cpu.shutdown.reason };
      if (cpu.hostEvent >= 0) return this.hostStop();
      if (cpu.stopRequested) {
        cpu.stopRequested = false;
        return STOP;
      }
      if (cpu.cycles >= this.deadline) {
        if (this.onDeadline === null) return DEADLINE;
        this.deadline = this.onDeadline(cpu.cycles);
      }
      const shadow = cpu.intShadow;
      if (cpu.guestMode) {
        // SVM guest mode: INTR is checked for its intercept before any acknowledge; V_IRQ.
        if (guestInterruptCheck(cpu, shadow)) continue;
      } else if (!shadow && (cpu.flags & EFLAGS.IF) !== 0 && cpu.intr !== null && cpu.intr.hasInterrupt()) {
        const vector = cpu.intr.acknowledge();
        counters.interrupts++;
        cpu.halted = false;
        deliverEvent(cpu, vector, NO_ERROR_CODE, EVENT_KIND.EXTERNAL, cpu.eip);
        continue;
      }
      if (cpu.halted) return (cpu.flags & EFLAGS.IF) !== 0 ? HALT_IF : HALT_NOIF;
      if (left <= 0) return BUDGET;

      const n = this.execute(left, shadow);
      left -= n;
      if (n > 0) this.stalls = 0;
      else if (this.stalls >= this.livelockLimit) {
        const deliveries = this.stalls;
        this.stalls = 0;
        return { kind: 'livelock', vector: this.stallVector, eip: cpu.eip, deliveries };
      }
      if (cpu.blockBreak) {
        if (cpu.io.stopRequested !== undefined && cpu.io.stopRequested()) cpu.stopRequested = true;
        // A block ends after every I/O instruction: a device may have been reprogrammed (a new
        // PIT count), so ask for the deadline again rather than keep a stale one.
        if (this.onDeadline !== null) this.deadline = this.onDeadline(cpu.cycles);
      }
    }
  }

  /**
   * Executes blocks until something needs the outer loop's attention (a block-breaking
   * instruction, a fault, the budget, the deadline); follows each block's cached successors
   * while they stay in the same linear page (same translation). A block with a compiled region
   * runs it when the whole block fits: the region goes on through its page's hot blocks,
   * accounting each exactly as this loop does, and says where it stopped (`RegionExit`).
   * Returns instructions retired.
   */
  private execute(left: number, shadow: boolean): number {
    const cpu = this.cpu;
    const cpl = cpu.cpl;
    // EFLAGS.TF: one instruction at a time, each followed by a single-step #DB trap.
    const step = (cpu.flags & EFLAGS.TF) !== 0;
    const one = shadow || step;
    const st = this.exit;
    const threshold = this.jitThreshold * this.scale;
    let total = 0;
    let done = 0;
    let block: Block | null = null;
    let faulted = false;
    cpu.blockBreak = false;
    try {
      block = this.lookup();
      let pageEip = cpu.eip & ~0xfff;
      for (;;) {
        this.current = block;
        const insns = block.insns;
        let n = insns.length;
        if (n > left - total) n = left - total;
        if (one) n = 1;
        done = 0;
        cpu.stepTrap = step;
        const hits = ++block.hits;
        if (hits === threshold) this.compile(block, false);
        else if (hits === 4 * threshold) this.compile(block, true);
        let prev: Block = block;
        const region = block.region;
        let accounted = false;
        st.block = null;
        st.last = null;
        st.at = null;
        if (region !== null && n === insns.length && !one && (cpu.segBase[1]! & 0xfff) === 0) {
          total += region(cpu, left - total, this, st);
          // Region after region, as long as each stops at a block boundary with a cached successor that has
          // a region of its own: another part of this page (`compileRegions`), or a block in another page
          // while it is what `lookup` would find there (`fetchesAsCached`: a call or return between two
          // compiled pages). None of the checks below applies to it (a region's block is hot, so it
          // compiles nothing), only its hit count.
          while (st.last !== null && !cpu.blockBreak && total < left && cpu.cycles < this.deadline) {
            const eip = cpu.eip;
            const next = cachedSuccessor(st.last, eip);
            if (next === null || !next.valid || next.region === null || next.insns.length > left - total) break;
            if ((eip & ~0xfff) !== pageEip) {
              if (!this.fetchesAsCached(next, eip)) break;
              pageEip = eip & ~0xfff;
            }
            next.hits++;
            this.current = block = prev = next;
            n = next.insns.length;
            st.last = null;
            total += next.region(cpu, left - total, this, st);
          }
        }
        // Interpreted (also when the region ran nothing): this block, then its cached successors while they are interpreted too.
        if (st.block === null && st.last === null && st.at === null) total += runBlocks(cpu, block, n, !one && n === block.insns.length, left - total, threshold, this, st);
        if (st.at !== null) {
          // A fault: the blocks before the faulting one are accounted.
          total += this.chargeToFault(st.at, st.eip);
          faulted = true;
          break;
        }
        if (st.block !== null) {
          // It stopped inside (or right after a handler ending) this block, or the one it went on to: accounted below.
          block = prev = st.block;
          done = st.done;
        } else if (st.last !== null) {
          prev = st.last;
          accounted = true;
        }
        if (!accounted) {
          if (cpu.repPending) {
            // A REP string instruction yielded before its last iteration: not retired yet.
            cpu.repPending = false;
            done--;
          }
          cpu.cycles += block.costs[done]!;
          total += done;
          if (cpu.stepTrap) this.singleStepTrap();
        }
        block = null;
        if (cpu.blockBreak || one || total >= left || cpu.cycles >= this.deadline) break;
        const eip = cpu.eip;
        let next = cachedSuccessor(prev, eip);
        // In another page, a cached successor stands only while it is what `lookup` would find.
        if (next !== null && (eip & ~0xfff) !== pageEip && !this.fetchesAsCached(next, eip)) next = null;
        if (next === null || !next.valid) {
          next = this.lookup();
          cacheSuccessor(prev, eip, next);
        }
        pageEip = eip & ~0xfff;
        block = next;
      }
    } catch (e) {
      // A fault outside the blocks (fetching the next one): nothing of it ran.
      if (e !== FAULT) throw e;
      faulted = true;
    }
    if (faulted) this.deliverFault(total);
    this.current = null;
    if (shadow) cpu.intShadow = false;
    cpu.counters.retired[cpl]! += total;
    return total;
  }

  /**
   * Whether `lookup` at `eip` would find `next`, cached as the successor of a block in another page:
   * EIP within CS.limit, the mode `next` was decoded in, the fetch translation of EIP's page in the
   * TLB and to the page `next` was decoded from (a block on one page only). A TLB miss is left to
   * `lookup` (its walk, its counts).
   */
  private fetchesAsCached(next: Block, eip: number): boolean {
    const cpu = this.cpu;
    if (next.start1 >= 0 || eip >>> 0 > cpu.segLimit[1]! || next.key % 32 !== modeBits(cpu)) return false;
    const e = cpu.tlb.entries[((cpu.segBase[1]! + eip) | 0) >>> 12]!;
    return (e & (cpu.cpl === 3 ? TlbBit.FETCH_U : TlbBit.FETCH_S)) !== 0 && ((e ^ next.phys) & TlbBit.FRAME) === 0;
  }

  /** A fault in `block` (first EIP `blockEip`): charges the instructions before the faulting one (EIP is exact there) and returns their number. */
  private chargeToFault(block: Block, blockEip: number): number {
    const cpu = this.cpu;
    let done = 0;
    let at = blockEip;
    while (done < block.insns.length && at !== cpu.eip) {
      at = (at + block.insns[done]!.length) & block.ipMask;
      done++;
    }
    cpu.cycles += block.costs[done]!;
    return done;
  }

  /**
   * Delivers the pending exception after `execute` retired `total` instructions, counting
   * deliveries without progress for `livelock`: a REP string instruction faulting page after page
   * retires nothing until it is done, but moves ECX, ESI, EDI.
   */
  private deliverFault(total: number): void {
    const cpu = this.cpu;
    cpu.stepTrap = false;
    cpu.repPending = false;
    if (total === 0) {
      const r = cpu.regs;
      const was = this.stallRegs;
      this.stalls = r[1] === was[0] && r[6] === was[1] && r[7] === was[2] ? this.stalls + 1 : 1;
      was[0] = r[1]!;
      was[1] = r[6]!;
      was[2] = r[7]!;
      this.stallVector = cpu.excVector;
    }
    deliverPendingException(cpu);
  }

  /**
   * The single-step trap after an instruction that started with EFLAGS.TF=1 (SDM Vol.3
   * §17.3.1.4): #DB with DR6.BS set, returning to the next instruction. Not after HLT (the
   * processor waits; the trap is not taken, as in QEMU).
   */
  private singleStepTrap(): void {
    const cpu = this.cpu;
    cpu.stepTrap = false;
    if (cpu.halted) return;
    cpu.dr[6] = cpu.dr[6]! | DR6_BS;
    deliverEvent(cpu, VECTOR.DB, NO_ERROR_CODE, EVENT_KIND.EXCEPTION, cpu.eip);
  }

  /**
   * A block reached `jitThreshold` executions (`full` = false) or four times that while running
   * outside its page's regions (`full` = true). It joins the hot blocks of its physical page (same
   * mode), with the page's warm blocks, and the page's regions are compiled again
   * (`compileRegions`: a part whose blocks did not change keeps its function, already
   * optimized) — when the page's hot blocks have doubled since its last
   * compilation, or are few, or when `full`. Until then the block runs interpreted: a new region
   * function runs V8's unoptimized code (several times slower than the interpreter) until V8 has
   * optimized it, a warm-up paid again by every new function, so a page of n hot blocks is not
   * recompiled n times.
   */
  private compile(block: Block, full: boolean): void {
    // Already in its page's region: it joined while warm, with another block that became hot.
    if (!full && block.hot) return;
    block.hot = true;
    if (block.ipMask !== -1 || (full && block.region !== null)) return;
    const page = block.phys >>> 12;
    const fetchBit = this.cpu.cpl === 3 ? TlbBit.FETCH_U : TlbBit.FETCH_S;
    const list = this.pageBlocks[page] ?? [block];
    const mode = block.key % 32;
    // Warm blocks of the page join too: a loop's blocks then share one compilation instead of one each.
    const warm = (this.jitThreshold * this.scale) / WARM_FRACTION;
    const members = list.filter((b) => (b.hot || b.hits >= warm) && b.valid && b.key % 32 === mode && b.phys >>> 12 === page && b.ipMask === -1);
    const key = page * 32 + mode;
    const last = this.pageRegions.get(key);
    if (!full && last !== undefined && members.length > SMALL_REGION && members.length < 2 * last.reduce((n, p) => n + p.members.length, 0)) return;
    const parts = compileRegions(members, fetchBit, this.regionBlocks, last);
    if (parts.length === 0) return;
    this.pageRegions.set(key, parts);
    for (const part of parts) {
      for (const b of part.members) {
        b.hot = true;
        if (b.region === null && ++this.compiled % COMPILED_PER_DOUBLING === 0 && this.scale < MAX_THRESHOLD_SCALE) this.scale *= 2;
        b.region = part.region;
      }
    }
  }

  private hostStop(): StopReason {
    const cpu = this.cpu;
    const r: StopReason = { kind: 'host', vector: cpu.hostEvent, errorCode: cpu.hostError, eventKind: cpu.hostKind };
    cpu.hostEvent = -1;
    return r;
  }

  /** The block at CS:EIP (built on a miss). May raise a fetch fault. */
  private lookup(): Block {
    const cpu = this.cpu;
    if (cpu.eip >>> 0 > cpu.segLimit[1]!) raise(cpu, VECTOR.GP, 0);
    const phys = translateFetch(cpu, (cpu.segBase[1]! + cpu.eip) | 0);
    const mode = modeBits(cpu);
    const key = phys * 32 + mode;
    const slot = (phys ^ (phys >>> 14) ^ mode) & (DIRECT_SIZE - 1);
    const hit = this.direct[slot];
    if (hit !== undefined && hit.key === key && hit.valid) return hit;
    let b = this.blocks.get(key);
    if (b === undefined || !b.valid) {
      if (this.blocks.size >= MAX_CACHED_BLOCKS) this.flushBlocks();
      b = buildBlock(cpu, phys, mode);
      this.register(b);
    }
    this.direct[slot] = b;
    return b;
  }

  private register(b: Block): void {
    const cpu = this.cpu;
    cpu.counters.blocksBuilt++;
    this.blocks.set(b.key, b);
    this.addToPage(b.phys >>> 12, b);
    if (b.start1 >= 0) this.addToPage(b.start1 >>> 12, b);
  }

  private addToPage(page: number, b: Block): void {
    if (page >= this.pageBlocks.length) return;
    let list = this.pageBlocks[page];
    if (list === undefined) list = this.pageBlocks[page] = [];
    list.push(b);
    this.cpu.codePages[page] = 1;
  }

  /** A write hit a code page: drop every block overlapping [phys, phys + size). */
  invalidateRange(phys: number, size: number): void {
    const first = phys >>> 12;
    const last = (phys + size - 1) >>> 12;
    for (let page = first; page <= last; page++) {
      const list = this.pageBlocks[page];
      if (list === undefined) continue;
      let keep = 0;
      for (let k = 0; k < list.length; k++) {
        const b = list[k]!;
        const hit =
          b.valid &&
          ((phys < b.end0 && phys + size > b.phys) || (b.start1 >= 0 && phys < b.end1 && phys + size > b.start1));
        if (hit) {
          b.valid = false;
          this.blocks.delete(b.key);
          this.cpu.counters.blocksInvalidated++;
          if (b === this.current) this.cpu.blockBreak = true;
        } else if (b.valid) list[keep++] = b;
      }
      list.length = keep;
      if (keep === 0) {
        this.pageBlocks[page] = undefined;
        this.cpu.codePages[page] = 0;
        for (let mode = 0; mode < 32; mode++) this.pageRegions.delete(page * 32 + mode);
      }
    }
  }
}
