// Builds dist/aggregator (one self-contained executable) and dist/node/main.js (the Node.js bundle); `bun build.ts node` builds only the latter.
import { mkdirSync, rmSync, statSync } from "node:fs";
import pkg from "./package.json" with { type: "json" };

const ENTRY = "src/main.ts";
const BINARY = "dist/aggregator";
const NODE_BUNDLE = "dist/node/main.js";
const TARGETS = ["binary", "node"] as const;

function run(args: string[]): void {
  const proc = Bun.spawnSync([process.execPath, ...args], { stdout: "inherit", stderr: "inherit" });
  if (proc.exitCode !== 0) {
    console.error(`build: "bun ${args.join(" ")}" failed with exit code ${proc.exitCode}`);
    process.exit(1);
  }
}

const requested = process.argv.slice(2);
const unknown = requested.filter((t) => !(TARGETS as readonly string[]).includes(t));
if (unknown.length > 0) {
  console.error(`build: unknown target "${unknown[0]}"; targets: ${TARGETS.join(", ")} (none given: both)`);
  process.exit(2);
}
const targets = requested.length > 0 ? requested : [...TARGETS];

/** The checkout's commit (with "-dirty" for uncommitted changes), or "" outside a git checkout. */
function checkoutCommit(): string {
  const git = (args: string[]) => Bun.spawnSync(["git", ...args], { stdout: "pipe", stderr: "ignore" });
  const head = git(["rev-parse", "--short=12", "HEAD"]);
  if (head.exitCode !== 0) return "";
  const dirty = git(["status", "--porcelain", "--untracked-files=no"]).stdout.toString().trim() !== "";
  return head.stdout.toString().trim() + (dirty ? "-dirty" : "");
}
const commit = checkoutCommit();
const stamp = ["--define", `AGGREGATOR_BUILD_COMMIT=${JSON.stringify(commit)}`];

const started = performance.now();
const built: string[] = [];
mkdirSync("dist", { recursive: true });

if (targets.includes("binary")) {
  rmSync(BINARY, { force: true });
  run([
    "build", ENTRY, "--compile", "--minify", "--bytecode", "--sourcemap=none",
    // The binary runs wherever systemd starts it: never pick up a stray .env or bunfig.toml there.
    "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig",
    // better-sqlite3 is the Node fallback; the binary always has bun:sqlite.
    "--external", "better-sqlite3",
    ...stamp,
    "--outfile", BINARY,
  ]);
  built.push(`${BINARY} (${(statSync(BINARY).size / 1024 / 1024).toFixed(1)} MiB)`);
}
if (targets.includes("node")) {
  rmSync("dist/node", { recursive: true, force: true });
  // Node 20 cannot run TypeScript: it gets one JavaScript bundle; better-sqlite3 stays a native module in node_modules.
  run(["build", ENTRY, "--target=node", "--external", "better-sqlite3", ...stamp, "--outfile", NODE_BUNDLE]);
  built.push(`${NODE_BUNDLE} (${(statSync(NODE_BUNDLE).size / 1024 / 1024).toFixed(1)} MiB)`);
}

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`built ${pkg.version}${commit ? ` (commit ${commit})` : ""}: ${built.join(" and ")} in ${seconds} s`);
