// Words for the file-system error codes a person meets when pointing the CLI at a file.

const WORDS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "it is a folder",
  ENOTDIR: "a part of the path is not a folder",
};

export function fileErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return (code && WORDS[code]) ?? (err as Error).message;
}
