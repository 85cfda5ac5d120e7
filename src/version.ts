// The release version (from package.json) and, for a build made in a git checkout, the commit it was built from.
import pkg from "../package.json" with { type: "json" };

// Replaced by build.ts (`bun build --define`); absent when running from source.
declare const AGGREGATOR_BUILD_COMMIT: string | undefined;

export const VERSION: string = pkg.version;

export const BUILD_COMMIT: string | null =
  typeof AGGREGATOR_BUILD_COMMIT === "string" && AGGREGATOR_BUILD_COMMIT !== "" ? AGGREGATOR_BUILD_COMMIT : null;

/** What `aggregator --version` prints: "0.1.0", or "0.1.0 (commit 1a2b3c4d5e6f)" for a build from a checkout. */
export function versionLine(): string {
  return BUILD_COMMIT === null ? VERSION : `${VERSION} (commit ${BUILD_COMMIT})`;
}
