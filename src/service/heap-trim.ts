// Asks the runtime for garbage collections between batches: a full one once the JS heap has grown a set amount past what the last one left, a young one every few thousand messages.
//
// Why the full one: a message's event object waits in the pipeline's queue until its batch commits, long
// enough to outlive the young-generation collections, so every batch leaves megabytes of dead objects in
// the old generation. The runtime lets that pile up well past the live heap before its own full
// collection, and under a burst that is what sets the peak RSS. Collecting at a fixed headroom bounds the pile.
//
// Why the young one: each message's text (~0.5 KB, decoded only to be parsed) is garbage at once, but
// its bytes live outside the JS heap and barely count towards the runtime's own collections, so under a
// burst they pile up by the hundred megabytes. Collected right after a commit, when the batch's objects
// are dead too (about 5 ms a collection in bench 1), the freed memory is reused while it is still mapped,
// instead of being handed back to the kernel and faulted in again. What that buys is memory, not speed:
// bench 1 without them peaked 194-197 MB against 177-178, with about a fifth more page faults and the same rate.
import { currentRuntime } from "../runtime.ts";

export interface HeapTrimOptions {
  /** Collect once the heap holds this many bytes more than the last collection left; 0: never. */
  headroomBytes: number;
  /** Bytes in the JS heap now, live and dead. */
  heapUsed: () => number;
  /** A synchronous full collection, or undefined where the runtime offers none (then this does nothing). */
  collect: (() => void) | undefined;
  /** A young-generation collection, or undefined where the runtime offers none. */
  collectYoung?: (() => void) | undefined;
  /** Messages committed between two young collections. */
  youngEveryMessages?: number;
  now?: () => number;
}

/** About one full batch under load; at a trickle, one collection every many seconds. */
export const YOUNG_EVERY_MESSAGES = 4000;

export class HeapTrim {
  /** The heap left by the last collection this made (at start: the heap then). */
  private floor: number;
  private readonly now: () => number;
  /** Full collections made, and their time: what /metrics and /api/status show. */
  collections = 0;
  collectingMs = 0;
  /** Young collections made, and their time. */
  youngCollections = 0;
  youngCollectingMs = 0;
  private committedSinceYoung = 0;
  private readonly youngEvery: number;

  constructor(private readonly opts: HeapTrimOptions) {
    this.floor = opts.heapUsed();
    this.now = opts.now ?? (() => performance.now());
    this.youngEvery = opts.youngEveryMessages ?? YOUNG_EVERY_MESSAGES;
  }

  /**
   * Called between batches, when the committed batches' objects are no longer referenced;
   * `committed` is how many messages they held. HEAP_TRIM_MB=0 (headroom 0) turns both collections off.
   */
  check(committed = 0): void {
    if (this.opts.headroomBytes <= 0) return;
    this.committedSinceYoung += committed;
    if (this.opts.collect && this.opts.heapUsed() >= this.floor + this.opts.headroomBytes) {
      this.collectingMs += this.timed(this.opts.collect);
      this.collections++;
      this.floor = this.opts.heapUsed();
      this.committedSinceYoung = 0; // a full collection is also a young one
      return;
    }
    if (!this.opts.collectYoung || this.committedSinceYoung < this.youngEvery) return;
    this.youngCollectingMs += this.timed(this.opts.collectYoung);
    this.youngCollections++;
    this.committedSinceYoung = 0;
  }

  /** Runs one collection and answers how long it took, in milliseconds. */
  private timed(collect: () => void): number {
    const started = this.now();
    collect();
    return this.now() - started;
  }
}

/**
 * The running runtime's synchronous full collection: JSC's under Bun (bun:jsc's fullGC: in bench 1
 * Bun.gc(true) spent 4-5 times as long per collection for the same effect on the heap), V8's under
 * Node when started with --expose-gc, none under Deno.
 */
export async function runtimeFullCollection(): Promise<(() => void) | undefined> {
  if (currentRuntime() === "bun") {
    const { fullGC } = await import("bun:jsc");
    return () => void fullGC();
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  return typeof gc === "function" ? () => gc() : undefined;
}

/** The running runtime's young-generation collection: JSC's eden collection under Bun, none elsewhere. */
export async function runtimeYoungCollection(): Promise<(() => void) | undefined> {
  if (currentRuntime() !== "bun") return undefined;
  const { edenGC } = await import("bun:jsc");
  return () => void edenGC();
}

/** The trim the service uses: the runtime's own heap reading and collections. */
export async function createHeapTrim(headroomBytes: number): Promise<HeapTrim> {
  return new HeapTrim({
    headroomBytes, heapUsed: () => process.memoryUsage().heapUsed,
    collect: await runtimeFullCollection(), collectYoung: await runtimeYoungCollection(),
  });
}
