import { existsSync, lstatSync, readdirSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describeError } from "../errors.js";
import { holderGone, type LockHolder } from "../store/lock-holder.js";
import type { EnvContext, Log } from "./context.js";
import { git, type MirrorLock } from "./git.js";
import { findMarker } from "./metadata.js";
import { forEachMirror, type MirrorPass } from "./mirror-maintenance.js";
import { ORPHAN_MIN_AGE_MS } from "./orphans.js";
import { forgetRefMakersExcept, refMaker } from "./ref-makers.js";
import { holdsFolder } from "./transitions.js";

/** What a pass over one mirror took away, and what it could not. */
export interface MirrorLeftovers {
  mirror: string;
  /** `refs/hms-env/<id>` of environments that have no live record (a kill between fetch and reserve). */
  prunedRefs: string[];
  /** Partial objects and stale lock files a failed or killed git left, relative to the mirror. */
  removedFiles: string[];
  /** Unreachable loose objects removed by `git prune`. */
  prunedObjects: number;
  failures: string[];
}

const ENV_REFS = "refs/hms-env/";
/** Unreachable loose objects a failed fetch wrote are pruned once this old (git's own approxidate). */
const PRUNE_EXPIRE = `${ORPHAN_MIN_AGE_MS / 60_000}.minutes.ago`;

/** Untouched for a while: nothing is writing it now (a lazy fetch or a live ref keeps changing its file). */
function isStale(path: string, nowMs: number): boolean {
  try {
    return nowMs - lstatSync(path).mtimeMs > ORPHAN_MIN_AGE_MS;
  } catch {
    return false; // gone meanwhile
  }
}

function entries(dir: string, recursive = false): string[] {
  try {
    return readdirSync(dir, { recursive, encoding: "utf8" });
  } catch {
    return [];
  }
}

/**
 * What git leaves when it dies or the disk fills mid-write: `tmp_pack_*`, `tmp_idx_*` and the like in
 * objects/pack, a `.pack` whose `.idx` was never written, `tmp_obj_*` loose objects, quarantine
 * folders (`tmp_objdir-*`), and `*.lock` files under refs/ and beside packed-refs.
 */
function partialFiles(mirror: string, nowMs: number): string[] {
  const objects = join(mirror, "objects");
  const packs = entries(join(objects, "pack"));
  const unindexed = (name: string) =>
    /^pack-[0-9a-f]+\.pack$/.test(name) && !packs.includes(name.replace(/\.pack$/, ".idx"));
  const found = [
    ...packs
      .filter((name) => name.startsWith("tmp_") || unindexed(name))
      .map((name) => join(objects, "pack", name)),
    ...entries(objects)
      .filter((name) => name.startsWith("tmp_objdir"))
      .map((name) => join(objects, name)),
    ...entries(objects)
      .filter((name) => /^[0-9a-f]{2}$/.test(name))
      .flatMap((dir) =>
        entries(join(objects, dir))
          .filter((name) => name.startsWith("tmp_obj_"))
          .map((name) => join(objects, dir, name)),
      ),
    ...entries(join(mirror, "refs"), true)
      .filter((name) => name.endsWith(".lock"))
      .map((name) => join(mirror, "refs", name)),
    join(mirror, "packed-refs.lock"),
  ];
  return found.filter((path) => isStale(path, nowMs));
}

async function envRefs(mirror: string): Promise<string[]> {
  const listed = await git(["for-each-ref", "--format=%(refname)", ENV_REFS], mirror);
  if (listed.exitCode !== 0) throw new Error(`git for-each-ref failed: ${listed.stderr.trim()}`);
  return listed.stdout.split("\n").filter((ref) => ref !== "");
}

/**
 * Whether no record will ever name this ref (it has none now). A ref written moments ago may belong to
 * a provisioning between its fetch and its record, unless the process that fetched it is certainly
 * gone (killed during the fetch): then it is pruned at once, not once it is old.
 */
function nobodyWillRecord(mirror: string, ref: string, now: Date, self: LockHolder): boolean {
  const loose = join(mirror, ref);
  // A packed ref has no file of its own: only `git pack-refs` or `gc` packs refs, long after the fetch.
  if (!existsSync(loose) || isStale(loose, now.getTime())) return true;
  const maker = refMaker(mirror, ref);
  return maker !== undefined && holderGone(maker, self) !== undefined;
}

/**
 * Ids of the environments whose folder still carries hms-env's mark, whatever state file made it: the
 * env-named folders under this env root, and the folders holding the mirror's worktrees (another
 * configuration sharing the cache folder may keep its environments under another env root).
 */
async function markedIds(mirror: string, envRoot: string): Promise<Set<string>> {
  const listed = await git(["worktree", "list", "--porcelain"], mirror);
  if (listed.exitCode !== 0) throw new Error(`git worktree list failed: ${listed.stderr.trim()}`);
  const checkouts = [...listed.stdout.matchAll(/^worktree (.+)$/gm)].map((match) =>
    dirname(match[1] as string),
  );
  const folders = entries(envRoot).map((name) => join(envRoot, name));
  const ids = new Set<string>();
  for (const folder of [...folders, ...checkouts]) {
    const marker = findMarker(folder);
    if (marker !== undefined) ids.add(marker.id);
  }
  return ids;
}

/**
 * Clears one mirror under its lock, so no fetch or worktree change of hms-env runs meanwhile: partial
 * objects first (a stale ref lock would block the ref's removal), then the refs of environments that
 * nobody holds. A ref carries no mark of its own, and another configuration (another state file)
 * may share this mirror, so a ref is pruned only when no live record of this state file has its id and
 * no folder marked by any state file names it: what is left is a provisioning killed before it made
 * its folder, whoever ran it. Each failure is reported and the rest still goes.
 */
export async function clearMirrorLeftovers(
  withMirrorLock: MirrorLock,
  mirror: string,
  liveIds: ReadonlySet<string>,
  now: Date,
  envRoot: string,
  self: LockHolder,
): Promise<MirrorLeftovers> {
  const result: MirrorLeftovers = {
    mirror,
    prunedRefs: [],
    removedFiles: [],
    prunedObjects: 0,
    failures: [],
  };
  await withMirrorLock(mirror, async () => {
    for (const path of partialFiles(mirror, now.getTime())) {
      try {
        rmSync(path, { recursive: true, force: true });
        result.removedFiles.push(relative(mirror, path));
      } catch (error) {
        result.failures.push(`cannot remove ${path}: ${describeError(error)}`);
      }
    }
    let refs: string[] | undefined;
    const held = new Set(liveIds);
    try {
      refs = await envRefs(mirror);
      for (const id of await markedIds(mirror, envRoot)) held.add(id);
    } catch (error) {
      // Without knowing which folders name their refs, none is pruned.
      result.failures.push(
        `cannot tell which ${ENV_REFS} refs are in use in ${mirror}: ${describeError(error)}`,
      );
      refs = undefined;
    }
    const left = new Set(refs);
    for (const ref of refs ?? []) {
      if (held.has(ref.slice(ENV_REFS.length)) || !nobodyWillRecord(mirror, ref, now, self)) continue;
      const deleted = await git(["update-ref", "-d", ref], mirror);
      if (deleted.exitCode === 0) {
        result.prunedRefs.push(ref);
        left.delete(ref);
      } else result.failures.push(`cannot delete ${ref} in ${mirror}: ${deleted.stderr.trim()}`);
    }
    // Under the lock no fetch is under way: a note whose ref is gone names nobody's ref.
    if (refs !== undefined) forgetRefMakersExcept(mirror, left);
    // Objects of a fetch that failed half-way are in no ref: prune takes them (worktree HEADs and
    // indexes count as references, so nothing an environment uses goes).
    const pruned = await git(["prune", "--verbose", `--expire=${PRUNE_EXPIRE}`], mirror);
    if (pruned.exitCode !== 0) result.failures.push(`git prune failed in ${mirror}: ${pruned.stderr.trim()}`);
    else
      result.prunedObjects = pruned.stdout
        .split("\n")
        .filter((line) => /^[0-9a-f]{40,64} /.test(line)).length;
  });
  return result;
}

/** `gc` and serve's maintenance: every mirror under the cache folder, against the records as they are now. */
export async function clearLeftovers(context: EnvContext): Promise<MirrorPass<MirrorLeftovers>> {
  const { environments } = await context.store.read();
  const liveIds = new Set(environments.filter(holdsFolder).map((env) => env.id));
  const now = context.clock.now();
  return forEachMirror(context.config.cacheDir, (mirror) =>
    clearMirrorLeftovers(
      context.git.withMirrorLock,
      mirror,
      liveIds,
      now,
      context.config.envRoot,
      context.self,
    ),
  );
}

/** What `gc` prints about the mirrors' leftovers. */
export function describeLeftovers(pass: MirrorPass<MirrorLeftovers>): string[] {
  const lines = pass.done
    .filter((done) => done.prunedRefs.length + done.removedFiles.length + done.prunedObjects > 0)
    .map(
      (done) =>
        `leftovers removed from ${done.mirror}: ${done.prunedRefs.length} refs of environments without a record, ${done.removedFiles.length} partial files, ${done.prunedObjects} unreachable objects`,
    );
  if (lines.length === 0) lines.push("mirror leftovers: none");
  for (const done of pass.done)
    for (const failure of done.failures) lines.push(`could not clear: ${failure}`);
  for (const failure of pass.failures) lines.push(`could not clear ${failure.mirror}: ${failure.error}`);
  return lines;
}

/** Whether anything could not be cleared (gc then exits 1). */
export function leftoversFailed(pass: MirrorPass<MirrorLeftovers>): boolean {
  return pass.failures.length > 0 || pass.done.some((done) => done.failures.length > 0);
}

/** serve's log of a pass: one line a mirror that had leftovers, one a failure. */
export function logLeftovers(log: Log, pass: MirrorPass<MirrorLeftovers>): void {
  for (const done of pass.done) {
    const { mirror, prunedRefs, removedFiles, prunedObjects, failures } = done;
    if (prunedRefs.length + removedFiles.length + prunedObjects > 0) {
      log.info(
        { action: "leftovers", mirror, prunedRefs, removedFiles, prunedObjects },
        `removed leftovers from ${mirror}`,
      );
    }
    for (const error of failures)
      log.error({ action: "leftovers", mirror, error }, `could not clear ${mirror}`);
  }
  for (const { mirror, error } of pass.failures) {
    log.error({ action: "leftovers", mirror, error }, `could not clear ${mirror}`);
  }
}
