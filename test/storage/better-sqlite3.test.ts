// Runs every storage case under Node, where the store uses better-sqlite3: bundles node-runner.ts, runs it, reads its verdict.
import { afterAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { STORE_CASES } from "./store-cases.ts";

const PROJECT_ROOT = resolve(import.meta.dir, "../..");
// Node resolves better-sqlite3 from the bundle's own location, not from cwd, so the
// bundle must live inside the project (.tmp/ is gitignored); a system temp dir cannot see node_modules.
mkdirSync(join(PROJECT_ROOT, ".tmp"), { recursive: true });
const outDir = mkdtempSync(join(PROJECT_ROOT, ".tmp", "storage-runner-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

function run(cmd: string, args: string[], timeoutMs: number) {
  const r = spawnSync(cmd, args, { cwd: PROJECT_ROOT, encoding: "utf8", timeout: timeoutMs, env: { ...process.env, NO_COLOR: "1" } });
  if (r.error) throw r.error;
  return { code: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

test("every storage case passes under Node with better-sqlite3", () => {
  const outfile = join(outDir, "runner.mjs");
  const build = run(process.execPath, ["build", "test/storage/node-runner.ts", "--target=node", "--external", "better-sqlite3", "--outfile", outfile], 60_000);
  expect(build.code, build.out).toBe(0);

  const node = run("node", [outfile], 120_000);
  const lines = node.out.trim().split("\n");
  const closing = lines.at(-1) ?? "";
  expect(closing, node.out).toMatch(/^\d+ passed, \d+ failed$/);
  expect(closing, node.out).toBe(`${STORE_CASES.length} passed, 0 failed`);
  expect(lines.filter((l) => /^\d+ passed, \d+ failed$/.test(l))).toHaveLength(1);
  expect(lines, node.out).toContain("driver: better-sqlite3");
  expect(node.code, node.out).toBe(0);
}, 180_000);
