/** @file Public API of @x86virt/bt-vmm (named exports only; see README.md). */

/** The binary-translating monitor, what it runs on, how it is built, why a run ends, and the monitor memory it needs. */
export { BT_MONITOR_MIB, BtMonitor, type BtMachine, type BtMonitorOptions, type BtStop } from './monitor/bt-monitor.ts';
/** The monitor's software costs (charged from a cost profile's `bt`/`monitor` sections) and the all-zero set. */
export { ZERO_BT_COSTS, type BtCosts } from './monitor/bt-costs.ts';
/** The monitor's counters (translation cache, callouts by kind, faults, adaptation). */
export { newBtStats, type BtStats } from './tc/bt-stats.ts';
/** The translation cache (CCFs, hash table, stubs, chaining, invalidation, target cache). */
export { TranslationCache, type TranslationCacheOptions } from './tc/translation-cache.ts';
/** The translator: one translation unit into a CCF plan; its limits and fetch-fault result. */
export { MAX_TU_INSNS, MIN_CCF_BYTES, translateTu, type FetchFault } from './translate/translator.ts';
/** IDENT / non-IDENT classification of a guest instruction. */
export { classify, type Classification } from './translate/classify.ts';
/** Records of translation: instruction kinds, site kinds, CCFs, plans. */
export { INSN_KIND, RESTORE, SITE_KIND, type Ccf, type GuestInsnRecord, type InsnKind, type Site, type TuPlan } from './translate/ccf.ts';
/** Guest-linear reads through the guest's own page tables. */
export { GuestMemory } from './host/guest-memory.ts';
/** The monitor region's layout, host selectors and callout vector. */
export { CALLOUT_VECTOR, HOST_SEL, MON, MONITOR_LINEAR, MONITOR_REGION_BYTES } from './layout.ts';
/** The side-by-side listing of guest instructions and their CCFs (`x86virt translate`). */
export { formatTranslation } from './listing/translation-listing.ts';
