// --help for the program and every command: complete, consistent, and readable in a 100-column terminal.
import { expect, test } from "bun:test";
import { COMMANDS } from "../../src/cli/commands.ts";
import { runCli } from "../helpers/aggregator-process.ts";

test("aggregator --help lists every command, the configuration and the exit codes", async () => {
  const r = await runCli(["--help"]);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe("");
  for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c.name}\\s+${c.summary.replace(/[()]/g, "\\$&")}$`, "m"));
  expect(r.stdout).toContain("Configuration (environment variables");
  expect(r.stdout).toContain("Exit codes: 0 ok, 1 runtime failure, 2 bad usage or configuration.");
  for (const line of r.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
});

for (const c of COMMANDS) {
  test(`aggregator ${c.name} --help shows its usage and every option`, async () => {
    const r = await runCli([c.name, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(`Usage: aggregator ${c.usage}\n`)).toBe(true);
    for (const o of c.options) expect(r.stdout).toContain(o.positional ? `\n  ${o.value}  ` : `--${o.name}`);
    for (const line of r.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(100);
    expect((await runCli(["help", c.name])).stdout).toBe(r.stdout);
    expect((await runCli([c.name, "-h"])).stdout).toBe(r.stdout);
  });
}

test("mistyped commands and options get a suggestion and exit code 2", async () => {
  const cmd = await runCli(["simualte"]);
  expect(cmd.code).toBe(2);
  expect(cmd.stderr).toBe('aggregator: unknown command "simualte" (did you mean simulate?); see aggregator --help\n');
  const opt = await runCli(["--verbose"]);
  expect(opt.code).toBe(2);
  expect(opt.stderr).toBe('aggregator: unknown option "--verbose"; see aggregator --help\n');
  const arg = await runCli(["run", "now"]);
  expect(arg.code).toBe(2);
  expect(arg.stderr).toBe('aggregator run: unexpected argument "now": run takes no arguments; see aggregator run --help\n');
});
