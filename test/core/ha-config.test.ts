// The high-availability variables: INSTANCE_ID, LEADER_LEASE_MS and JS_REPLICAS, their defaults and one-line refusals.
import { expect, test } from "bun:test";
import { ConfigError, describeConfig, loadConfig } from "../../src/config/config.ts";

function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be refused`);
}

test("defaults: no override, a 10 s lease, one replica", () => {
  const c = loadConfig({});
  expect(c.cluster).toEqual({ instanceId: undefined, leaseMs: 10_000 });
  expect(c.jetstream.replicas).toBe(1);
  expect(describeConfig(c)).toMatchObject({ LEADER_LEASE_MS: 10_000, JS_REPLICAS: 1, INSTANCE_ID: "(kept in the database)" });
});

test("set values are used", () => {
  const c = loadConfig({ INSTANCE_ID: "host-2", LEADER_LEASE_MS: "3000", JS_REPLICAS: "3" });
  expect(c.cluster).toEqual({ instanceId: "host-2", leaseMs: 3000 });
  expect(c.jetstream.replicas).toBe(3);
});

test("bad values are refused in one line naming the variable", () => {
  expect(refusal({ INSTANCE_ID: "has space" })).toMatch(/^INSTANCE_ID: "has space" is not a valid name; allowed: /);
  expect(refusal({ INSTANCE_ID: "a.b" })).toMatch(/^INSTANCE_ID: /);
  expect(refusal({ LEADER_LEASE_MS: "500" })).toMatch(/^LEADER_LEASE_MS: "500" is below 1000; allowed: /);
  expect(refusal({ LEADER_LEASE_MS: "ten" })).toMatch(/^LEADER_LEASE_MS: "ten" is not a whole number/);
  expect(refusal({ JS_REPLICAS: "7" })).toMatch(/^JS_REPLICAS: "7" is above 5; allowed: /);
  expect(refusal({ JS_REPLICAS: "0" })).toMatch(/^JS_REPLICAS: /);
  for (const m of [refusal({ JS_REPLICAS: "7" }), refusal({ LEADER_LEASE_MS: "x" })]) expect(m).not.toContain("\n");
});
