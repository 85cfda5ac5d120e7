// The two ways a command fails on purpose: the user asked for something wrong (exit 2), or the world got in the way (exit 1).

/** Bad command line: printed as "aggregator COMMAND: message; see aggregator COMMAND --help", exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
  constructor(readonly command: string, message: string) {
    super(message);
  }
}

/** A command could not do its job for a reason a person can act on: printed as "aggregator COMMAND: message", exit 1. */
export class CommandFailure extends Error {
  override name = "CommandFailure";
  constructor(readonly command: string, message: string) {
    super(message);
  }
}
