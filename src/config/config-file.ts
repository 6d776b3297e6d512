import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { HmsError } from "../errors.js";

/** A real configuration is a few KiB; anything near this is a mistake or an attack, not a config. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a named pipe";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

function invalid(file: string, what: string): HmsError {
  return new HmsError("CONFIG_INVALID", `config file ${file} ${what}`);
}

/**
 * Reads the config file, which must be a regular file of at most MAX_CONFIG_BYTES. It is opened
 * without blocking (a named pipe would otherwise wait for a writer forever), checked on the open file
 * (so nothing can be swapped in after the check), and never read past the limit (/dev/zero, or a file
 * growing while it is read, costs one MiB, not all memory).
 */
export function readConfigText(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new HmsError("CONFIG_UNREADABLE", `cannot read config file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw invalid(file, `is ${kindOf(stats)}: give the path of a YAML file`);
    if (stats.size > MAX_CONFIG_BYTES) {
      throw invalid(
        file,
        `is ${stats.size} bytes; a config file may be at most 1 MiB (${MAX_CONFIG_BYTES} bytes)`,
      );
    }
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > MAX_CONFIG_BYTES) throw invalid(file, "grew past 1 MiB while it was read");
    return buffer.toString("utf8", 0, length);
  } catch (error) {
    if (error instanceof HmsError) throw error;
    throw new HmsError("CONFIG_UNREADABLE", `cannot read config file ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    closeSync(fd);
  }
}
