// Runs every storage case under Bun, where the store uses bun:sqlite.
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AggregatorStore } from "../../src/storage/aggregator-store.ts";
import { STORE_CASES } from "./store-cases.ts";

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "agg-store-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test("under Bun the store uses bun:sqlite", async () => {
  const store = await AggregatorStore.open(join(freshDir(), "agg.db"));
  try {
    expect(store.driver).toBe("bun:sqlite");
  } finally {
    store.close();
  }
});

for (const c of STORE_CASES) {
  test(c.name, () => c.run(freshDir()), 30_000);
}
