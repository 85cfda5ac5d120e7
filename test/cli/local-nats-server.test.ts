// Finding nats-server for the demo: NATS_SERVER_BIN, then PATH, then the system folders; a clear way out when it is nowhere.
import { expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findNatsServer } from "../../src/cli/local-nats-server.ts";
import { tempDir } from "../helpers/aggregator-process.ts";

function fakeServer(dir: string): string {
  const path = join(dir, "nats-server");
  writeFileSync(path, "#!/bin/sh\n");
  chmodSync(path, 0o755);
  return path;
}

test("NATS_SERVER_BIN wins, then PATH, then the extra folders", () => {
  const onPath = fakeServer(tempDir());
  const inSbin = fakeServer(tempDir());
  const explicit = fakeServer(tempDir());
  const sbin = join(inSbin, "..");
  expect(findNatsServer({ NATS_SERVER_BIN: explicit, PATH: join(onPath, "..") }, [sbin])).toEqual({ path: explicit });
  expect(findNatsServer({ PATH: `/nonexistent:${join(onPath, "..")}` }, [sbin])).toEqual({ path: onPath });
  expect(findNatsServer({ PATH: "/nonexistent" }, [sbin])).toEqual({ path: inSbin });
});

test("nowhere to be found: the message names the install command", () => {
  const lookup = findNatsServer({ PATH: "/nonexistent" }, []);
  expect(lookup).toEqual({
    problem: 'nats-server is not installed (looked on PATH and in /usr/sbin); install it with "sudo apt-get install nats-server" (Debian/Ubuntu) or "brew install nats-server" (macOS), or set NATS_SERVER_BIN to its path',
  });
});

test("a file that is not executable is not taken for nats-server", () => {
  const dir = tempDir();
  writeFileSync(join(dir, "nats-server"), "not a program");
  expect("problem" in findNatsServer({ PATH: dir }, [])).toBe(true);
});
