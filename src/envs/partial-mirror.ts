/**
 * Partial-clone mirrors (as Scalar makes them): the mirror fetches commits and trees only
 * (`--filter=blob:none`), and a checkout downloads the blobs of the files it writes, in one batch.
 * What the remote allowed is kept in the mirror's config, so `doctor` can say which kind of mirror a
 * repository has and why.
 */
import { execHere } from "./exec.js";
import { GIT_ENV, git } from "./git.js";

export const BLOB_FILTER = "blob:none";
/** Where a mirror that fetches everything keeps the reason (read by `doctor`). */
const FULL_REASON_KEY = "hms-env.fullMirrorReason";
/** git's warning when the server ignores `--filter` and sends every object. */
const FILTER_REFUSED = /filtering not recognized by server/i;

const PROBE_TIMEOUT_MS = 20_000;

export type MirrorKind = { partial: true } | { partial: false; reason: string };

/**
 * Whether the remote's upload-pack advertises `filter` (uploadpack.allowFilter), for `doctor` before a
 * mirror exists. Protocol v2 lists it in the `fetch=` capability, which git prints when asked to trace
 * packets; a remote that cannot be asked, or speaks only the old protocol, is taken as refusing.
 */
export async function remoteAllowsFilter(repo: string): Promise<boolean> {
  const probe = await execHere("git", ["-c", "protocol.version=2", "ls-remote", repo, "HEAD"], {
    env: { ...GIT_ENV, GIT_TRACE_PACKET: "1" },
    // A remote that does not answer must not hold `doctor` up: it then counts as refusing. Its whole
    // process group ends (git's remote helper would otherwise keep the output open).
    timeoutMs: PROBE_TIMEOUT_MS,
  });
  return probe.exitCode === 0 && /\bfetch=[^\n]*\bfilter\b/.test(probe.stderr);
}

async function setConfig(mirror: string, key: string, value: string): Promise<void> {
  await git(["config", key, value], mirror);
}

const REFUSED_REASON = "the remote does not allow filters (uploadpack.allowFilter), so every blob is fetched";

/**
 * Makes a new, empty mirror partial, as `git clone --filter=blob:none` does: fetches then ask for
 * commits and trees only, and missing blobs come from origin when a checkout needs them. Whether the
 * remote allows that is learnt from the first fetch itself (see noteFilterRefused), which costs nothing.
 */
export async function chooseMirrorKind(mirror: string, wanted: boolean): Promise<MirrorKind> {
  if (!wanted) {
    const kind = { partial: false, reason: "mirror.partialClone is false in the configuration" } as const;
    await setConfig(mirror, FULL_REASON_KEY, kind.reason);
    return kind;
  }
  await setConfig(mirror, "core.repositoryformatversion", "1");
  await setConfig(mirror, "remote.origin.promisor", "true");
  await setConfig(mirror, "remote.origin.partialclonefilter", BLOB_FILTER);
  return { partial: true };
}

/**
 * A remote that does not allow filters answers a filtered fetch with every object and a warning: the
 * mirror is then full in fact (from its first fetch, or from the day the remote changed), and is
 * recorded as such so later fetches stop asking.
 */
export async function noteFilterRefused(mirror: string, fetchStderr: string): Promise<void> {
  if (!FILTER_REFUSED.test(fetchStderr)) return;
  // The mirror stays a promisor: blobs that earlier, filtered fetches left out can still be fetched by id.
  await git(["config", "--unset", "remote.origin.partialclonefilter"], mirror);
  await setConfig(mirror, FULL_REASON_KEY, REFUSED_REASON);
}

export async function mirrorKind(mirror: string): Promise<MirrorKind> {
  const filter = await git(["config", "--get", "remote.origin.partialclonefilter"], mirror);
  if (filter.exitCode === 0 && filter.stdout.trim() !== "") return { partial: true };
  const reason = await git(["config", "--get", FULL_REASON_KEY], mirror);
  return {
    partial: false,
    reason: reason.exitCode === 0 ? reason.stdout.trim() : "made before partial clones were used",
  };
}
