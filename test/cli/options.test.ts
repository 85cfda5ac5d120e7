// The option parser: values, defaults, durations, and the one-line errors a user sees.
import { expect, test } from "bun:test";
import { UsageError } from "../../src/cli/cli-errors.ts";
import { formatDuration, parseDuration, parseOptions, type OptionSpec } from "../../src/cli/options.ts";

const SPECS: OptionSpec[] = [
  { name: "url", kind: "text", value: "URL", description: "server", required: true },
  { name: "nodes", kind: "count", value: "N", description: "nodes", default: "10", max: 1000 },
  { name: "rate", kind: "rate", value: "R", description: "rate", default: "20" },
  { name: "duration", kind: "duration", value: "D", description: "how long" },
  { name: "port", kind: "port", value: "PORT", description: "port", default: "0" },
  { name: "json", kind: "flag", description: "json" },
];

function error(argv: string[]): string {
  try {
    parseOptions("simulate", SPECS, argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no error for ${argv.join(" ")}`);
}

test("values in both spellings, defaults, and flags", () => {
  const o = parseOptions("simulate", SPECS, ["--url=nats://x:1", "--rate", "2.5", "--duration", "1.5s", "--json"]);
  expect(o.text("url")).toBe("nats://x:1");
  expect(o.number("nodes")).toBe(10);
  expect(o.number("rate")).toBe(2.5);
  expect(o.optionalNumber("duration")).toBe(1500);
  expect(o.number("port")).toBe(0);
  expect(o.flag("json")).toBe(true);
});

test("durations as people write them", () => {
  expect([parseDuration("500ms"), parseDuration("30s"), parseDuration("5m"), parseDuration("2min"), parseDuration("1h"), parseDuration("90")])
    .toEqual([500, 30_000, 300_000, 120_000, 3_600_000, 90_000]);
  expect(parseDuration("soon")).toBeUndefined();
  expect([formatDuration(250), formatDuration(1500), formatDuration(150_000), formatDuration(5_400_000)]).toEqual(["250 ms", "1.5 s", "2 min 30 s", "1 h 30 min"]);
});

test("each mistake is named in one line", () => {
  expect(error([])).toBe("--url is required: server");
  expect(error(["--url", "x", "--nodes", "1001"])).toBe('--nodes must be a whole number from 1 to 1000 (got "1001")');
  expect(error(["--url", "x", "--nodes", "2.5"])).toBe('--nodes must be a whole number from 1 to 1000 (got "2.5")');
  expect(error(["--url", "x", "--rate", "0"])).toBe('--rate must be a positive number (got "0")');
  expect(error(["--url", "x", "--port", "-1"])).toBe('--port must be a port number from 0 to 65535, where 0 picks a free one (got "-1")');
  expect(error(["--url", "x", "--duration"])).toBe("--duration needs a value (D)");
  expect(error(["--url", "x", "--url", "y"])).toBe("--url is given twice");
  expect(error(["--url", "x", "--json=1"])).toBe('--json takes no value (got "1")');
  expect(error(["--url", "x", "--nodez", "3"])).toBe('unknown option "--nodez" (did you mean --nodes?)');
  expect(error(["--url", "x", "-n", "3"])).toBe('unknown option "-n"');
  expect(error(["--url", "x", "extra"])).toBe('unexpected argument "extra"');
});
