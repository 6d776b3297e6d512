/**
 * Who fetched each environment ref of a mirror. A provisioning fetches `refs/hms-env/<id>` before it
 * writes its record, so for a moment the ref has no record; gc leaves a fresh ref without a record
 * alone for that reason. With its maker named beside it, a fresh ref whose maker is certainly gone
 * (killed during the fetch) is pruned by the first gc, not one two minutes later. The notes live in a
 * folder of the bare mirror that git never reads, and are written and removed under the mirror lock.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LockHolder } from "../store/lock-holder.js";

const MAKERS_DIR = "hms-env-ref-makers";

/** The process that fetched a ref, with the /proc facts that tell a reused pid apart. */
export type RefMaker = LockHolder;

const noteOf = (mirror: string, ref: string) => join(mirror, MAKERS_DIR, `${encodeURIComponent(ref)}.json`);

/**
 * Names `holder` as the maker of `ref`, before the fetch that makes it (under the mirror lock). A note
 * that cannot be written (a full disk) stops nothing: its ref is then only pruned once it is not fresh.
 */
export function noteRefMaker(mirror: string, ref: string, holder: LockHolder): void {
  const { pid, host, bootId, pidNamespace, startTicks } = holder;
  const maker: RefMaker = { pid, host, bootId, pidNamespace, startTicks };
  try {
    mkdirSync(join(mirror, MAKERS_DIR), { recursive: true });
    writeFileSync(noteOf(mirror, ref), JSON.stringify(maker));
  } catch {
    forgetRefMaker(mirror, ref);
  }
}

/** Who made `ref`, or undefined when nobody is named (an older version made it, or the note is unreadable). */
export function refMaker(mirror: string, ref: string): RefMaker | undefined {
  try {
    const maker = JSON.parse(readFileSync(noteOf(mirror, ref), "utf8")) as RefMaker;
    return typeof maker.pid === "number" && typeof maker.host === "string" ? maker : undefined;
  } catch {
    return undefined;
  }
}

/** Drops the note of a ref that is deleted. */
export function forgetRefMaker(mirror: string, ref: string): void {
  try {
    rmSync(noteOf(mirror, ref), { force: true });
  } catch {
    // A note left behind names a maker that is gone by then: gc prunes no live ref for it.
  }
}

/** Drops the notes of refs that no longer exist (a fetch that failed, a ref deleted by hand). */
export function forgetRefMakersExcept(mirror: string, refs: ReadonlySet<string>): void {
  let names: string[];
  try {
    names = readdirSync(join(mirror, MAKERS_DIR));
  } catch {
    return;
  }
  for (const name of names) {
    const ref = name.endsWith(".json") ? safeDecode(name.slice(0, -".json".length)) : undefined;
    if (ref === undefined || !refs.has(ref)) rmSync(join(mirror, MAKERS_DIR, name), { force: true });
  }
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
