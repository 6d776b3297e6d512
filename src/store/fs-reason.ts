import { dirname } from "node:path";

/**
 * What a failed file-system call on `path` means for a person, and what to do: the cause behind a lock
 * or a write that failed, instead of a bare errno.
 */
export function fileSystemReason(path: string, error: unknown): string {
  const failure = error as NodeJS.ErrnoException;
  const folder = dirname(path);
  const reasons: Record<string, string> = {
    EACCES: `permission denied: this user cannot write in ${folder}; fix its permissions`,
    EPERM: `operation not permitted in ${folder} (an immutable file or folder?); fix its permissions or attributes`,
    EROFS: `${folder} is on a read-only file system; move the file to a writable folder`,
    ENOENT: `the folder ${folder} does not exist (was it removed or moved?); restore it`,
    ENOTDIR: `${folder} is not a folder; check the configured path`,
    ENOSPC: `the disk holding ${folder} is full; free space`,
    EDQUOT: `the disk quota for ${folder} is used up; free space`,
  };
  return reasons[failure.code ?? ""] ?? `${failure.code ?? "error"}: ${failure.message}`;
}
