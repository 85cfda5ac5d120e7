// Runs every storage case in sequence under whatever runtime executes it (built for Node, where the store uses better-sqlite3).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AggregatorStore } from "../../src/storage/aggregator-store.ts";
import { STORE_CASES } from "./store-cases.ts";

async function main(): Promise<number> {
  const probeDir = mkdtempSync(join(tmpdir(), "agg-store-driver-"));
  try {
    const probe = await AggregatorStore.open(join(probeDir, "agg.db"));
    console.log(`driver: ${probe.driver}`);
    probe.close();
  } finally {
    rmSync(probeDir, { recursive: true, force: true });
  }

  let passed = 0;
  let failed = 0;
  for (const c of STORE_CASES) {
    const dir = mkdtempSync(join(tmpdir(), "agg-store-"));
    try {
      await c.run(dir);
      passed++;
      console.log(`ok   ${c.name}`);
    } catch (err) {
      failed++;
      console.log(`FAIL ${c.name}\n${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.log(`runner error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    console.log(`0 passed, ${STORE_CASES.length} failed`);
    process.exit(1);
  },
);
