// This instance's stable identity: created on first start and kept in schema_meta, unless INSTANCE_ID overrides it.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { SqlDatabase } from "./sqlite-driver.ts";

export interface InstanceIdentity {
  id: string;
  /** Where the id came from, for the start-up log. */
  source: "INSTANCE_ID" | "database" | "created";
}

const KEY = "instance_id";

/** A readable, unique name: the host (so an operator sees where the leader runs) and a random suffix. */
function newInstanceId(): string {
  const host = hostname().replace(/[^A-Za-z0-9_-]/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "aggregator";
  return `${host}-${randomBytes(4).toString("hex")}`;
}

/**
 * The id this database's instance goes by. An override is used as it is and not stored, so
 * removing it returns the instance to the id its database keeps (and to that id's consumer).
 */
export function instanceIdentity(db: SqlDatabase, override?: string): InstanceIdentity {
  if (override !== undefined) return { id: override, source: "INSTANCE_ID" };
  const stored = db.prepare("SELECT value FROM schema_meta WHERE key = ?").get(KEY)?.value;
  if (typeof stored === "string" && stored !== "") return { id: stored, source: "database" };
  const id = newInstanceId();
  // OR IGNORE and read back: whatever is stored is the id, even if another writer got there first.
  db.prepare("INSERT OR IGNORE INTO schema_meta (key, value) VALUES (?, ?)").run(KEY, id);
  const kept = String(db.prepare("SELECT value FROM schema_meta WHERE key = ?").get(KEY)!.value);
  return { id: kept, source: kept === id ? "created" : "database" };
}
