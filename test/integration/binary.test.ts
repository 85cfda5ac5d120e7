// The compiled single binary: built by build.ts, self-contained, deaf to stray files in its working directory, and publishing the expected stats.
import { beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AggregatorProcess, PROJECT_ROOT, tempDir } from "../helpers/aggregator-process.ts";
import { FederationClient } from "../helpers/federation-client.ts";
import { TestNatsServer } from "../helpers/nats-server.ts";
import { ALL_MESSAGES, EXPECTED } from "../helpers/scripted-federation.ts";
import { BINARY, ensureBuilt } from "../runtimes/built-artifacts.ts";
import { procEntries } from "../../src/cli/allocator-tuning.ts";
import pkg from "../../package.json" with { type: "json" };

let buildOutput = "";
beforeAll(() => {
  buildOutput = ensureBuilt().output;
}, 120_000);

/** Runs a command in `cwd` with a bare environment: no Bun on PATH, nothing inherited. */
function runIn(cwd: string, command: string[], env: Record<string, string> = {}) {
  const r = spawnSync(command[0]!, command.slice(1), { cwd, encoding: "utf8", env: { PATH: "/usr/bin:/bin", HOME: cwd, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("build.ts reports what it built: version, size and time", () => {
  expect(buildOutput).toMatch(/built \d+\.\d+\.\d+ \(commit [0-9a-f]{12}(-dirty)?\): dist\/aggregator \(\d+\.\d MiB\) and dist\/node\/main\.js \(\d+\.\d MiB\) in \d+\.\d s/);
});

test("a copy of the binary runs alone, and ignores a stray .env and bunfig.toml in its working directory", () => {
  const dir = tempDir("agg-bin-alone-");
  const copy = join(dir, "aggregator");
  copyFileSync(BINARY, copy);
  writeFileSync(join(dir, ".env"), "PUBLISH_INTERVAL=12345\nNATS_URL=nats://stray.example:1\n");
  writeFileSync(join(dir, "preload.ts"), 'console.log("STRAY PRELOAD RAN");\n');
  writeFileSync(join(dir, "bunfig.toml"), 'preload = ["./preload.ts"]\n');

  const version = runIn(dir, [copy, "--version"]);
  expect(version.code).toBe(0);
  // Built in this git checkout: the version names the commit, as HEAD says.
  const head = spawnSync("git", ["rev-parse", "--short=12", "HEAD"], { cwd: PROJECT_ROOT, encoding: "utf8" }).stdout.trim();
  expect(version.stdout.trim()).toMatch(new RegExp(`^${pkg.version.replaceAll(".", "\\.")} \\(commit ${head}(-dirty)?\\)$`));

  const checked = runIn(dir, [copy, "check-config"], { DB_PATH: join(dir, "data/agg.db") });
  expect(checked.stderr).toBe("");
  expect(checked.code).toBe(0);
  expect(checked.stdout).toMatch(/PUBLISH_INTERVAL\s+30000\s+default/);
  expect(checked.stdout).not.toContain("stray.example");
  expect(checked.stdout).not.toContain("STRAY PRELOAD RAN");

  // The same files do reach a plain `bun` run, so the fixture above would have caught a binary that read them.
  const viaBun = runIn(dir, [process.execPath, join(PROJECT_ROOT, "src/main.ts"), "check-config"], { DB_PATH: join(dir, "data/agg.db") });
  expect(viaBun.stdout).toContain("STRAY PRELOAD RAN");
  expect(viaBun.stdout).toMatch(/PUBLISH_INTERVAL\s+12345/);
});

test("dist/aggregator runs from any directory and publishes the expected stats", async () => {
  const nats = await TestNatsServer.start();
  const client = await FederationClient.connect(nats.url);
  const cwd = tempDir("agg-bin-cwd-");
  const service = await AggregatorProcess.start({
    command: [BINARY],
    env: { NATS_URL: nats.url, DB_PATH: join(cwd, "data/agg.db"), PUBLISH_INTERVAL: "200" },
  });
  try {
    await service.waitReady();
    // The binary re-executed itself in place with the allocator tuning (src/cli/allocator-tuning.ts).
    expect(procEntries(`/proc/${service.pid}/environ`)).toContain("MIMALLOC_PURGE_HOLES=0");
    const first = await client.nextStats();
    expect(first.data.totalTasks).toBe(0);

    await client.publish(ALL_MESSAGES);
    const stats = await client.nextStats((m) => m.data.totalTasks === EXPECTED.totalTasks && m.data.activeNodes === EXPECTED.activeNodes);
    expect(stats.data).toEqual(EXPECTED);
    expect(client.invalidStats).toEqual([]);
    // The dashboard's files are inside the binary: byte for byte what the build read.
    const embedded = await service.http("/assets/uPlot.iife.min.js");
    expect(embedded.text).toBe(readFileSync(join(PROJECT_ROOT, "node_modules/uplot/dist/uPlot.iife.min.js"), "utf8"));
    expect((await service.http("/")).text).toContain(`data-figure="totalTasks">${EXPECTED.totalTasks}<`);
    expect((await service.http("/metrics")).text).toContain(`\ntruebit_network_total_tasks ${EXPECTED.totalTasks}\n`);
  } finally {
    expect(await service.stop("SIGTERM")).toBe(0);
    await client.close();
    await nats.dispose();
  }
});

test("the binary reports a configuration error in one line with exit code 2", () => {
  const r = runIn(tempDir("agg-bin-cfg-"), [BINARY], { PUBLISH_INTERVAL: "99" });
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).toBe('aggregator: configuration error: PUBLISH_INTERVAL: "99" is below 100; allowed: integer milliseconds, 100 to 86400000\n');
});
