// The instance id: created once and kept in the database across restarts (a 0.1.0 database gets one), overridable by INSTANCE_ID.
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { AggregatorStore } from "../../src/storage/aggregator-store.ts";
import { tempDir } from "../helpers/aggregator-process.ts";

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

test("a database from before instance ids (schema_meta without the key) keeps its data and gains an id", async () => {
  const path = join(tempDir(), "old.db");
  const seed = await AggregatorStore.open(path);
  seed.close();
  // As 0.1.0 left it: the version row only.
  const raw = new Database(path);
  raw.exec("DELETE FROM schema_meta WHERE key <> 'version'");
  raw.exec("INSERT INTO active_nodes (node_id, first_seen, last_seen, status, status_at) VALUES ('n1', 1, 1, 'online', 1)");
  raw.close();

  const store = await AggregatorStore.open(path);
  expect(store.instanceIdentity().source).toBe("created");
  expect(store.countRows("active_nodes")).toBe(1);
  store.close();
});
