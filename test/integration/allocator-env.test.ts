// `aggregator run` re-executes itself once, in place, with Bun's allocator told not to purge page holes; an operator's own value wins.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { ALLOCATOR_ENV, missingAllocatorEnv, procEntries } from "../../src/cli/allocator-tuning.ts";
import { AggregatorProcess, PROJECT_ROOT, tempDir } from "../helpers/aggregator-process.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";

let nats: TestNatsServer;
beforeAll(async () => {
  nats = await TestNatsServer.start();
});
afterAll(async () => {
  await nats.dispose();
});

/** The environment and arguments a running process has now, as the kernel reports them. */
function proc(pid: number): { env: Map<string, string>; argv: string[] } {
  const env = new Map(procEntries(`/proc/${pid}/environ`).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)] as const));
  return { env, argv: procEntries(`/proc/${pid}/cmdline`) };
}

test("only the variables the environment lacks are added", () => {
  expect(missingAllocatorEnv({})).toEqual(Object.entries(ALLOCATOR_ENV));
  expect(missingAllocatorEnv({ MIMALLOC_PURGE_HOLES: "1" })).toEqual([]);
});

test("the service runs as the same process, with its arguments, with the allocator variable added and nothing else lost", async () => {
  const dir = tempDir("agg-alloc-");
  const service = await AggregatorProcess.start({ env: { NATS_URL: nats.url, DB_PATH: join(dir, "agg.db"), OPERATOR_MARK: "kept" } });
  try {
    await service.waitReady();
    const { env, argv } = proc(service.pid!);
    expect(env.get("MIMALLOC_PURGE_HOLES")).toBe("0");
    expect(env.get("OPERATOR_MARK")).toBe("kept");
    expect(env.get("NATS_URL")).toBe(nats.url);
    expect(argv).toEqual([process.execPath, join(PROJECT_ROOT, "src/main.ts")]);
    // One start: one "starting" line, so the re-exec happened before anything was logged or opened.
    expect(service.stdout.match(/starting/g)?.length).toBe(1);
  } finally {
    expect(await service.stop("SIGTERM")).toBe(0);
  }
});

test("an operator's own MIMALLOC_PURGE_HOLES is left as it is", async () => {
  const dir = tempDir("agg-alloc-own-");
  const service = await AggregatorProcess.start({ env: { NATS_URL: nats.url, DB_PATH: join(dir, "agg.db"), MIMALLOC_PURGE_HOLES: "1" } });
  try {
    await service.waitReady();
    expect(proc(service.pid!).env.get("MIMALLOC_PURGE_HOLES")).toBe("1");
  } finally {
    expect(await service.stop("SIGTERM")).toBe(0);
  }
});
