// Asks the runtime for a full garbage collection once the JS heap has grown a set amount past what the last one left.
//
// Why: a message's event object waits in the pipeline's queue until its batch commits, long enough to
// outlive the young-generation collections, so every batch leaves megabytes of dead objects in the old
// generation. The runtime lets that pile up well past the live heap before its own full collection,
// and under a burst that is what sets the peak RSS. Collecting at a fixed headroom bounds the pile.
import { currentRuntime } from "../runtime.ts";

export interface HeapTrimOptions {
  /** Collect once the heap holds this many bytes more than the last collection left; 0: never. */
  headroomBytes: number;
  /** Bytes in the JS heap now, live and dead. */
  heapUsed: () => number;
  /** A synchronous full collection, or undefined where the runtime offers none (then this does nothing). */
  collect: (() => void) | undefined;
  now?: () => number;
}

export class HeapTrim {
  /** The heap left by the last collection this made (at start: the heap then). */
  private floor: number;
  private readonly now: () => number;
  /** Collections made, and their time: what /metrics and /api/status show. */
  collections = 0;
  collectingMs = 0;

  constructor(private readonly opts: HeapTrimOptions) {
    this.floor = opts.heapUsed();
    this.now = opts.now ?? (() => performance.now());
  }

  /** Called between batches, when the committed batch's objects are no longer referenced. */
  check(): void {
    if (!this.opts.collect || this.opts.headroomBytes <= 0) return;
    if (this.opts.heapUsed() < this.floor + this.opts.headroomBytes) return;
    const started = this.now();
    this.opts.collect();
    this.collectingMs += this.now() - started;
    this.collections++;
    this.floor = this.opts.heapUsed();
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

/** The trim the service uses: the runtime's own heap reading and collection. */
export async function createHeapTrim(headroomBytes: number): Promise<HeapTrim> {
  return new HeapTrim({ headroomBytes, heapUsed: () => process.memoryUsage().heapUsed, collect: await runtimeFullCollection() });
}
