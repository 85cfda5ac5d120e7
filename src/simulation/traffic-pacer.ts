// Sends a fleet's messages at a steady rate for a while (or until stopped), counting what went out.
import type { OutboundMessage } from "./monitor-messages.ts";

export interface MessageSource {
  next(now: number): OutboundMessage;
}

export interface PaceOptions {
  ratePerSecond: number;
  /** Stop after this long; undefined runs until `signal` aborts. */
  durationMs?: number;
  signal: AbortSignal;
  /** Called about every `progressEveryMs`, and once at the end. */
  onProgress?: (p: TrafficProgress) => void;
  progressEveryMs?: number;
}

export interface TrafficProgress {
  elapsedMs: number;
  sent: number;
  /** Messages the connection refused (disconnected at the time); they are not retried. */
  notSent: number;
  bySubject: Record<string, number>;
  done: boolean;
}

/** Sends one message; answers false when it could not be sent. */
export type Send = (m: OutboundMessage) => boolean;

const TICK_MS = 20;
/** After a stall (a slow broker, a paused process), catch up at most this much per tick, not in one burst. */
const MAX_CATCH_UP_MS = 1000;

/**
 * Paces `source` into `send`. With a duration, exactly rate × duration messages are attempted,
 * so a load test knows its volume in advance (a slow server stretches the run rather than shrinking it);
 * `flush` runs once per tick to push back on a slow server.
 */
export async function paceTraffic(source: MessageSource, send: Send, flush: () => Promise<void>, opts: PaceOptions): Promise<TrafficProgress> {
  const started = performance.now();
  const total = opts.durationMs === undefined ? Infinity : Math.round((opts.ratePerSecond * opts.durationMs) / 1000);
  const progress: TrafficProgress = { elapsedMs: 0, sent: 0, notSent: 0, bySubject: {}, done: false };
  const attempted = () => progress.sent + progress.notSent;
  let lastReport = started;
  let wake: (() => void) | null = null;
  const onAbort = () => wake?.();
  opts.signal.addEventListener("abort", onAbort);

  try {
    while (!opts.signal.aborted && attempted() < total) {
      const now = performance.now();
      const due = Math.min(total, Math.floor((opts.ratePerSecond * (now - started)) / 1000));
      const batch = Math.min(due - attempted(), Math.ceil((opts.ratePerSecond * MAX_CATCH_UP_MS) / 1000));
      const wallNow = Date.now();
      for (let i = 0; i < batch; i++) {
        const m = source.next(wallNow);
        if (send(m)) {
          progress.sent++;
          progress.bySubject[m.subject] = (progress.bySubject[m.subject] ?? 0) + 1;
        } else {
          progress.notSent++;
        }
      }
      if (batch > 0) await flush();
      progress.elapsedMs = performance.now() - started;
      if (opts.onProgress && performance.now() - lastReport >= (opts.progressEveryMs ?? 1000)) {
        lastReport = performance.now();
        opts.onProgress({ ...progress });
      }
      if (attempted() >= total) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, TICK_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    opts.signal.removeEventListener("abort", onAbort);
  }
  progress.elapsedMs = performance.now() - started;
  progress.done = true;
  opts.onProgress?.({ ...progress });
  return progress;
}
