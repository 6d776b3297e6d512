import { closeSync, copyFileSync, fsyncSync, linkSync, openSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import writeFileAtomic from "write-file-atomic";

export const backupOf = (file: string) => `${file}.bak`;

/**
 * Replaces `file` so that a power cut leaves either the old or the new content, never an empty file:
 * write-file-atomic writes a temporary file and fsyncs it before the rename; the folder is fsynced after,
 * so the rename itself is on disk. With `backup`, the current file (already read and validated by the
 * caller) is kept first as `<file>.bak`.
 */
export async function writeDurably(file: string, text: string, options: { backup: boolean }): Promise<void> {
  if (options.backup) keepBackup(file);
  await writeFileAtomic(file, text, { fsync: true });
  fsyncFolder(dirname(file));
}

/**
 * The backup is a second name for the current file's content (a hard link, no copy), switched in by a
 * rename, so `.bak` is always a whole earlier version. Where hard links are refused, a copy is fsynced.
 */
function keepBackup(file: string): void {
  const staged = `${backupOf(file)}.${process.pid}.tmp`;
  rmSync(staged, { force: true });
  try {
    try {
      linkSync(file, staged);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return; // first write: nothing to keep yet
      if (code !== "EPERM" && code !== "EXDEV" && code !== "ENOTSUP") throw error;
      copyFileSync(file, staged);
      fsyncFile(staged);
    }
    renameSync(staged, backupOf(file));
  } finally {
    rmSync(staged, { force: true });
  }
}

function fsyncFile(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Makes a rename or a new name in `folder` durable (Linux: fsync of the folder itself). */
export function fsyncFolder(folder: string): void {
  try {
    fsyncFile(folder);
  } catch (error) {
    // Some file systems do not fsync folders (EINVAL, EISDIR on a few); the data itself is already synced.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM") throw error;
  }
}
