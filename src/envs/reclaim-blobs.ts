/**
 * Gives back the disk that cleaned environments' checkouts took in a partial mirror. Blobs that came
 * from the remote (they sit in `.promisor` packs) and that no live worktree has checked out can be
 * fetched again when a checkout needs them, so they are dropped: the promisor packs are rewritten with
 * every commit and tree, and only the blobs live worktrees use. Everything that exists only here (a
 * commit made inside an environment: loose objects, packs without `.promisor`) is never touched.
 * git 2.39 has no `repack --filter`, hence this; it runs under the mirror lock, like any other change.
 */
import { existsSync, readdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { currentLockSignal } from "../store/file-lock.js";
import { GIT_ENV, git, gitFailure, type MirrorLock } from "./git.js";
import { forEachMirror, type MirrorPass } from "./mirror-maintenance.js";

export interface ReclaimReport {
  mirror: string;
  /** Blobs dropped from the mirror. */
  blobs: number;
  /** Bytes of pack files freed. */
  bytes: number;
}

/** Runs git with `input` on stdin (object lists can be large); fails with git's message. */
async function gitWithInput(args: string[], cwd: string, input: string, what: string): Promise<string> {
  const result = await execa("git", args, {
    cwd,
    env: GIT_ENV,
    input,
    reject: false,
    maxBuffer: 1 << 30,
    cancelSignal: currentLockSignal(),
  });
  if (result.exitCode !== 0) throw gitFailure(what, result.stderr);
  return result.stdout;
}

async function gitOutput(args: string[], cwd: string, what: string): Promise<string> {
  const result = await git(args, cwd);
  if (result.exitCode !== 0) throw gitFailure(what, result.stderr);
  return result.stdout;
}

/** The promisor packs by base name (`pack-<hash>`), leaving alone any pack someone marked `.keep`. */
function promisorPacks(packDir: string): string[] {
  if (!existsSync(packDir)) return [];
  const names = new Set(readdirSync(packDir));
  return [...names]
    .filter((name) => name.endsWith(".promisor"))
    .map((name) => name.slice(0, -".promisor".length))
    .filter((base) => names.has(`${base}.pack`) && names.has(`${base}.idx`) && !names.has(`${base}.keep`));
}

/** Blob ids the live worktrees have checked out (index entries not marked skip-worktree). */
async function blobsInUse(mirror: string): Promise<Set<string>> {
  const listing = await gitOutput(["worktree", "list", "--porcelain"], mirror, "cannot list worktrees");
  const worktrees = listing
    .split("\n\n")
    .filter((block) => !/^bare$/m.test(block))
    .map((block) => /^worktree (.*)$/m.exec(block)?.[1])
    .filter((path): path is string => path !== undefined && existsSync(path));
  const used = new Set<string>();
  for (const worktree of worktrees) {
    const entries = await gitOutput(
      ["ls-files", "--stage", "-t"],
      worktree,
      `cannot read the index of ${worktree}`,
    );
    for (const line of entries.split("\n")) {
      // "H 100644 <oid> 0\tpath"; S marks an entry outside the sparse checkout.
      const [tag, , oid] = line.split(/[ \t]/);
      if (tag !== "S" && oid) used.add(oid);
    }
  }
  return used;
}

async function reclaimLocked(mirror: string): Promise<ReclaimReport> {
  const none = { mirror, blobs: 0, bytes: 0 };
  const packDir = join(mirror, "objects", "pack");
  const packs = promisorPacks(packDir);
  if (packs.length === 0) return none;
  const inPacks = new Set<string>();
  for (const base of packs) {
    const listed = await execa("git", ["show-index"], {
      cwd: mirror,
      env: GIT_ENV,
      inputFile: join(packDir, `${base}.idx`),
      reject: false,
      maxBuffer: 1 << 30,
    });
    if (listed.exitCode !== 0) throw gitFailure(`cannot read ${base}.idx`, listed.stderr);
    for (const line of listed.stdout.split("\n")) {
      const oid = line.split(" ")[1];
      if (oid) inPacks.add(oid);
    }
  }
  const typed = await gitWithInput(
    ["cat-file", "--batch-check=%(objectname) %(objecttype)"],
    mirror,
    `${[...inPacks].join("\n")}\n`,
    "cannot read object types",
  );
  const used = await blobsInUse(mirror);
  const keep: string[] = [];
  let dropped = 0;
  for (const line of typed.split("\n")) {
    const [oid, type] = line.split(" ");
    if (!oid || !type || type === "missing") continue;
    if (type === "blob" && !used.has(oid)) dropped++;
    else keep.push(oid);
  }
  if (dropped === 0) return none;

  const bytesBefore = packs.reduce((sum, base) => sum + statSync(join(packDir, `${base}.pack`)).size, 0);
  const hash = (
    await gitWithInput(
      ["pack-objects", "--quiet", join(packDir, "pack")],
      mirror,
      `${keep.join("\n")}\n`,
      "cannot write the new pack",
    )
  ).trim();
  const kept = `pack-${hash}`;
  // Marked before the old packs go, so every object stays a promisor object throughout.
  writeFileSync(join(packDir, `${kept}.promisor`), "");
  for (const base of packs.filter((name) => name !== kept)) {
    for (const extension of [".promisor", ".bitmap", ".rev", ".idx", ".pack"]) {
      const file = join(packDir, `${base}${extension}`);
      if (existsSync(file)) unlinkSync(file);
    }
  }
  // A multi-pack index names the packs just removed: write it again over what is there now.
  if (existsSync(join(packDir, "multi-pack-index"))) {
    await gitOutput(["multi-pack-index", "write"], mirror, "cannot rewrite the multi-pack index");
  }
  return {
    mirror,
    blobs: dropped,
    bytes: Math.max(0, bytesBefore - statSync(join(packDir, `${kept}.pack`)).size),
  };
}

/** Drops from a partial mirror the blobs no live environment has checked out; a full mirror is left as it is. */
export async function reclaimBlobs(withMirrorLock: MirrorLock, mirror: string): Promise<ReclaimReport> {
  const promisor = await git(["config", "--get", "remote.origin.promisor"], mirror);
  if (promisor.stdout.trim() !== "true") return { mirror, blobs: 0, bytes: 0 };
  return withMirrorLock(mirror, () => reclaimLocked(mirror));
}

/** `hms-env gc`: every mirror under the cache folder. */
export function reclaimMirrors(
  withMirrorLock: MirrorLock,
  cacheDir: string,
): Promise<MirrorPass<ReclaimReport>> {
  return forEachMirror(cacheDir, (mirror) => reclaimBlobs(withMirrorLock, mirror));
}

/** One line a mirror that gave something back, and one a mirror that could not be processed. */
export function describeReclaim(pass: MirrorPass<ReclaimReport>): string[] {
  const lines = pass.done
    .filter((report) => report.blobs > 0)
    .map(
      (report) =>
        `blobs no environment needs, dropped from ${report.mirror}: ${report.blobs} (${(report.bytes / 1024 ** 2).toFixed(1)} MiB)`,
    );
  if (lines.length === 0) lines.push("blobs no environment needs: none");
  for (const failure of pass.failures)
    lines.push(`could not reclaim blobs in ${failure.mirror}: ${failure.error}`);
  return lines;
}
