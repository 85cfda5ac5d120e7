// aggregator.service passes `systemd-analyze verify` and keeps the hardening an operator relies on.
import { beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT, tempDir } from "../helpers/aggregator-process.ts";
import { BINARY, ensureBuilt } from "./built-artifacts.ts";

const UNIT = readFileSync(join(PROJECT_ROOT, "aggregator.service"), "utf8");
const INSTALLED_PATH = "/usr/local/bin/aggregator";

/** section -> key -> values (a key may repeat, as Environment= does). */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf("=");
    if (!current || eq === -1) throw new Error(`aggregator.service: cannot read line "${line}"`);
    const key = line.slice(0, eq);
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1)]);
  }
  return sections;
}

const unit = parseUnit(UNIT);
const service = unit.get("Service")!;
const value = (key: string) => service.get(key)?.at(-1);

test("the service runs the binary as a dynamic user with its own state directory and the operator's env file", () => {
  expect(value("ExecStart")).toBe(`${INSTALLED_PATH} run`);
  expect(value("DynamicUser")).toBe("yes");
  expect(value("StateDirectory")).toBe("aggregator");
  expect(service.get("Environment")).toContain("DB_PATH=/var/lib/aggregator/aggregator.db");
  // The leading "-" lets the unit start before the operator wrote the file; the defaults then apply.
  expect(value("EnvironmentFile")).toBe("-/etc/aggregator/env");
});

test("the unit's documentation links point at files that ship, installed where the README says", () => {
  const links = unit.get("Unit")!.get("Documentation") ?? [];
  expect(links.length).toBeGreaterThan(0);
  const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
  for (const link of links) {
    const m = /^file:\/\/\/usr\/share\/doc\/aggregator\/([A-Z]+\.md)$/.exec(link);
    expect(m, `Documentation=${link} is not a file under /usr/share/doc/aggregator`).not.toBeNull();
    expect(existsSync(join(PROJECT_ROOT, m![1]!)), `${m![1]} must exist in the project`).toBe(true);
    expect(readme).toMatch(new RegExp(`install .*-t /usr/share/doc/aggregator .*${m![1]!.replace(".", "\\.")}`));
  }
});

test("restarts on failure with a limit, but not after a configuration error", () => {
  expect(value("Restart")).toBe("on-failure");
  expect(Number.parseInt(unit.get("Unit")!.get("StartLimitBurst")![0]!)).toBeGreaterThan(0);
  expect(unit.get("Unit")!.get("StartLimitIntervalSec")).toBeDefined();
  expect(value("RestartPreventExitStatus")).toBe("2");
});

test("hardening: no privileges, read-only system, private tmp, only the address families NATS and HTTP need", () => {
  const expected: Record<string, string> = {
    NoNewPrivileges: "yes",
    ProtectSystem: "strict",
    ProtectHome: "yes",
    PrivateTmp: "yes",
    PrivateDevices: "yes",
    ProtectKernelTunables: "yes",
    ProtectKernelModules: "yes",
    ProtectControlGroups: "yes",
    RestrictNamespaces: "yes",
    RestrictSUIDSGID: "yes",
    LockPersonality: "yes",
    CapabilityBoundingSet: "",
  };
  for (const [key, v] of Object.entries(expected)) expect(`${key}=${value(key)}`).toBe(`${key}=${v}`);
  expect(value("RestrictAddressFamilies")!.split(/\s+/).sort()).toEqual(["AF_INET", "AF_INET6", "AF_UNIX"]);
});

let analyze: string | null = null;
beforeAll(() => {
  const found = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
  analyze = found.status === 0 ? "systemd-analyze" : null;
  if (analyze) ensureBuilt();
}, 120_000);

test("systemd-analyze verify accepts the unit (run against the freshly built binary)", () => {
  if (!analyze) {
    console.log("skipped: systemd-analyze is not installed (apt-get install systemd); the unit was not verified");
    return;
  }
  // verify checks that ExecStart exists: point the one path at dist/aggregator, change nothing else.
  expect(UNIT.split(INSTALLED_PATH).length - 1).toBe(1);
  const dir = tempDir("agg-unit-");
  const copy = join(dir, "aggregator.service");
  writeFileSync(copy, UNIT.replace(INSTALLED_PATH, BINARY));
  const r = spawnSync(analyze, ["verify", copy], { encoding: "utf8" });
  // verify exits 0 on warnings such as an unknown key; those must not pass either.
  expect({ code: r.status, output: `${r.stdout}${r.stderr}`.trim() }).toEqual({ code: 0, output: "" });
});
