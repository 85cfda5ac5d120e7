// The one error type of the storage layer: its message names the file, and `variable` marks an operator's fix.

export class StorageError extends Error {
  override name = "StorageError";
  /** Set when the cause is the configured path or the file it names (an operator's fix, exit code 2). */
  constructor(message: string, readonly variable?: "DB_PATH") {
    super(message);
  }
}
