// Words for the file-system error codes a person meets when pointing the service at a file or folder.

const WORDS: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "it is a folder",
  ENOTDIR: "a part of the path is not a folder",
  EROFS: "the file system is read-only",
  ENOSPC: "the disk is full",
};

export function fileErrorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return (code && WORDS[code]) ?? (err as Error).message;
}
