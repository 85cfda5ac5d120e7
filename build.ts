// Builds dist/aggregator (one self-contained executable) and dist/node/main.js (the Node.js bundle).
import { mkdirSync, rmSync, statSync } from "node:fs";
import pkg from "./package.json" with { type: "json" };

const ENTRY = "src/main.ts";
const BINARY = "dist/aggregator";

function run(args: string[]): void {
  const proc = Bun.spawnSync([process.execPath, ...args], { stdout: "inherit", stderr: "inherit" });
  if (proc.exitCode !== 0) {
    console.error(`build: "bun ${args.join(" ")}" failed with exit code ${proc.exitCode}`);
    process.exit(1);
  }
}

const started = performance.now();
rmSync("dist", { recursive: true, force: true });
mkdirSync("dist", { recursive: true });

run([
  "build", ENTRY, "--compile", "--minify", "--bytecode", "--sourcemap=none",
  // The binary runs wherever systemd starts it: never pick up a stray .env or bunfig.toml there.
  "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
  // better-sqlite3 is the Node fallback; the binary always has bun:sqlite.
  "--external", "better-sqlite3",
  "--outfile", BINARY,
]);
run(["build", ENTRY, "--target=node", "--external", "better-sqlite3", "--outfile", "dist/node/main.js"]);

const seconds = ((performance.now() - started) / 1000).toFixed(1);
const mib = (statSync(BINARY).size / 1024 / 1024).toFixed(1);
console.log(`built ${BINARY} ${pkg.version} (${mib} MiB) and dist/node/main.js in ${seconds} s`);
