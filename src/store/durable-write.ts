import { copyFile, link, open, realpath, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import writeFileAtomic from "write-file-atomic";

export const backupOf = (file: string) => `${file}.bak`;

/**
 * Replaces `file` so that a power cut leaves either the old or the new content, never an empty file:
 * write-file-atomic writes a temporary file and fsyncs it before the rename; the folder is fsynced after,
 * so the rename itself is on disk. With `backup`, the current file (already read and validated by the
 * caller) is kept first as `<file>.bak`.
 *
 * Every step is asynchronous: `serve` writes the state file several times per provisioning, and a
 * rename or fsync on a busy disk takes tens of milliseconds that would otherwise hold up every request
 * (Slack must be acked within 3 s).
 */
export async function writeDurably(file: string, text: string, options: { backup: boolean }): Promise<void> {
  // A symlinked file is written where it points (as write-file-atomic does): that folder gets the fsync.
  const target = await realTarget(file);
  if (options.backup) await keepBackup(file, target);
  await writeFileAtomic(file, text, { fsync: true });
  await fsyncFolder(dirname(target));
}

async function realTarget(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return file;
  }
}

/**
 * The backup is a second name for the current file's content (a hard link, no copy), switched in by a
 * rename, so `.bak` is always a whole earlier version. Where hard links are refused, a copy is fsynced.
 */
async function keepBackup(file: string, target: string): Promise<void> {
  // One name, not one per process: every writer holds the file's lock, and a name left by a killed
  // writer is reused (removed first) rather than piling up.
  const staged = `${backupOf(file)}.tmp`;
  await rm(staged, { force: true });
  try {
    try {
      // The content, not a symlink: link(2) of a symlink would link the symlink itself.
      await link(target, staged);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT") return; // first write: nothing to keep yet
      if (code !== "EPERM" && code !== "EXDEV" && code !== "ENOTSUP") throw error;
      await copyFile(target, staged);
      await fsyncPath(staged);
    }
    await rename(staged, backupOf(file));
  } finally {
    await rm(staged, { force: true });
  }
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a rename or a new name in `folder` durable (Linux: fsync of the folder itself). */
export async function fsyncFolder(folder: string): Promise<void> {
  try {
    await fsyncPath(folder);
  } catch (error) {
    // Some file systems do not fsync folders (EINVAL, EISDIR on a few); the data itself is already synced.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM") throw error;
  }
}
