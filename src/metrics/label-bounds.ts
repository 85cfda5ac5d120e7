// Keeps every Prometheus label set finite whatever senders invent: closed reason enums, capped distribution keys.
import type { Refusal } from "../core/admission.ts";
import {
  CONTINENT_BUCKETS, EXECUTION_TIME_BUCKETS, GAS_USED_BUCKETS, MEMORY_USED_BUCKETS, STEPS_COMPUTED_BUCKETS,
} from "../protocol/buckets.ts";
import { DATA_SCHEMAS, envelopeSchema } from "../protocol/schemas.ts";

/** The label value for everything outside a closed set or past a cap. */
export const OVERFLOW_LABEL = "other";

/** Free-form distributions (chain ids, task types, places) publish at most this many labels; the rest is summed into "other". */
export const MAX_FREE_LABELS = 20;

/**
 * Every reason the decoder can name: its fixed reasons, plus "invalid_envelope:" / "invalid_data:" followed
 * by a schema field (zod reports only the first path element, and unknown keys are stripped, so a sender
 * cannot make up a field name).
 */
function decodeReasons(): readonly string[] {
  const fixed = ["unknown_subject", "oversized", "not_utf8", "not_json", "not_object", "type_mismatch", "missing_task_id"];
  const envelope = ["(root)", ...Object.keys(envelopeSchema.shape)].map((f) => `invalid_envelope:${f}`);
  const dataFields = new Set<string>(["(root)"]);
  for (const schema of Object.values(DATA_SCHEMAS)) for (const f of Object.keys(schema.shape)) dataFields.add(f);
  return [...fixed, ...envelope, ...[...dataFields].map((f) => `invalid_data:${f}`)];
}

export const INVALID_REASONS: ReadonlySet<string> = new Set(decodeReasons());

const REFUSALS = ["timestamp_in_future", "timestamp_too_old", "rate_limited_global", "rate_limited_node", "new_node_refused"] as const satisfies readonly Refusal[];
// Fails to compile when admission gains a refusal this list lacks.
const _allRefusalsListed: Refusal extends (typeof REFUSALS)[number] ? true : never = true;
void _allRefusalsListed;
export const REJECTED_REASONS: ReadonlySet<string> = new Set(REFUSALS);

/** Counts by reason with every unknown reason folded into "other". */
export function boundedReasons(byReason: Record<string, number>, known: ReadonlySet<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [reason, n] of Object.entries(byReason)) {
    const label = known.has(reason) ? reason : OVERFLOW_LABEL;
    out.set(label, (out.get(label) ?? 0) + n);
  }
  return out;
}

/** The closed bucket sets of the protocol, by distribution; absent means free-form (capped instead). */
export const CLOSED_BUCKETS = {
  executionTimeDistribution: new Set<string>(EXECUTION_TIME_BUCKETS),
  gasUsageDistribution: new Set<string>(GAS_USED_BUCKETS),
  stepsComputedDistribution: new Set<string>(STEPS_COMPUTED_BUCKETS),
  memoryUsedDistribution: new Set<string>(MEMORY_USED_BUCKETS),
  continentDistribution: new Set<string>(CONTINENT_BUCKETS),
} as const;

/**
 * A published distribution as at most `cap` + 1 labels: keys of a closed set pass, others become "other";
 * without a closed set, the `cap` largest keys pass (ties by key, so the choice is stable) and the rest is summed.
 */
export function boundedDistribution(dist: Record<string, number>, closed?: ReadonlySet<string>, cap = MAX_FREE_LABELS): Map<string, number> {
  const out = new Map<string, number>();
  const add = (k: string, n: number) => out.set(k, (out.get(k) ?? 0) + n);
  if (closed) {
    for (const [k, n] of Object.entries(dist)) add(closed.has(k) ? k : OVERFLOW_LABEL, n);
    return out;
  }
  const ranked = Object.entries(dist).sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : ka > kb ? 1 : 0));
  ranked.forEach(([k, n], i) => add(i < cap ? k : OVERFLOW_LABEL, n));
  return out;
}
