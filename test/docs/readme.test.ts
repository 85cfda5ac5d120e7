// The README stays true: every configuration variable the service reads is documented there.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { VARIABLES } from "../../src/config/config.ts";
import { PROJECT_ROOT } from "../helpers/aggregator-process.ts";

const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");

test("every configuration variable appears in the README's table", () => {
  const missing = VARIABLES.map((v) => v.name).filter((name) => !readme.includes(`\`${name}\``));
  expect(missing).toEqual([]);
});

test("the README's test command is the one CI runs", () => {
  const ci = readFileSync(join(PROJECT_ROOT, ".ci/run"), "utf8");
  expect(readme).toContain("npm install && npm test");
  expect(ci).toContain("npm test");
});
