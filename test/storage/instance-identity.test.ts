// The instance id: created once and kept in the database across restarts (a 0.1.0 database gets one), overridable by INSTANCE_ID.
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { AggregatorStore } from "../../src/storage/aggregator-store.ts";
import { PROJECT_ROOT, tempDir } from "../helpers/aggregator-process.ts";

test("an id is created on first open, kept on the next, and an override is used but not stored", async () => {
  const path = join(tempDir(), "agg.db");
  const first = await AggregatorStore.open(path);
  const created = first.instanceIdentity();
  expect(created.source).toBe("created");
  expect(created.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  expect(first.instanceIdentity()).toEqual({ id: created.id, source: "database" });
  first.close();

  const again = await AggregatorStore.open(path);
  expect(again.instanceIdentity()).toEqual({ id: created.id, source: "database" });
  expect(again.instanceIdentity("staging-1")).toEqual({ id: "staging-1", source: "INSTANCE_ID" });
  again.close();

  const db = new Database(path, { readonly: true });
  expect(db.query("SELECT key, value FROM schema_meta WHERE key = 'instance_id'").all()).toEqual([{ key: "instance_id", value: created.id }]);
  db.close();
});

test("a 0.1.0 database (no instance id yet) keeps its data through the upgrade and gains an id that stays", async () => {
  const path = join(tempDir(), "v0.1.0.db");
  copyFileSync(join(PROJECT_ROOT, "test/fixtures/v0.1.0.db"), path);
  const before = new Database(path, { readonly: true });
  expect(before.query("SELECT COUNT(*) AS n FROM schema_meta WHERE key = 'instance_id'").get()).toEqual({ n: 0 });
  const nodes = (before.query("SELECT COUNT(*) AS n FROM active_nodes").get() as { n: number }).n;
  before.close();
  expect(nodes).toBeGreaterThan(0);

  const store = await AggregatorStore.open(path);
  const created = store.instanceIdentity();
  expect(created.source).toBe("created");
  expect(store.countRows("active_nodes")).toBe(nodes);
  store.close();
  const again = await AggregatorStore.open(path);
  expect(again.instanceIdentity()).toMatchObject({ id: created.id, source: "database" });
  again.close();
});
