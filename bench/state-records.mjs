// The state file the store benchmarks share: `cleaned` cleaned environments (within retention), then
// `live` ready ones whose deadlines are spread over the next day.
import { join } from "node:path";
import { emptyState } from "../dist/store/schema.js";

const HOUR = 3_600_000;

function environment(index, live, envRoot, now) {
  const id = `20261127_090000_${index.toString(16).padStart(8, "0")}`;
  const path = join(envRoot, id);
  return {
    id,
    path,
    workdir: join(path, "checkout"),
    component: "hms-dev",
    components: ["hms-dev"],
    repo: "git@github.com:hms/monorepo.git",
    mirror: "/srv/hms-envs/.mirrors/monorepo-0123456789ab.git",
    branch: `feature/ticket-${index}`,
    pr: null,
    commit: "0123456789abcdef0123456789abcdef01234567",
    owner: `U${(index % 400).toString().padStart(8, "0")}`,
    createdAt: new Date(now - (live ? 1 : 48) * HOUR).toISOString(),
    expiresAt: new Date(now + HOUR + (index % 1440) * 60_000).toISOString(),
    status: live ? "ready" : "cleaned",
    ...(live ? {} : { cleanedAt: new Date(now - 24 * HOUR).toISOString(), cleanReason: "expired" }),
  };
}

/** A whole state: the cleaned records first, then the live ones. */
export function benchState({ live, cleaned, envRoot, now }) {
  const state = emptyState();
  for (let index = 0; index < cleaned + live; index++)
    state.environments.push(environment(index, index >= cleaned, envRoot, now));
  return state;
}
