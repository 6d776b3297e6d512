/**
 * Pure planning of an environment: the checks on what a person typed and the names derived from it.
 * No I/O here, so Slack, GitHub and the CLI share exactly the same rules and a dry run costs nothing.
 */

import { ALL_COMPONENTS } from "../config/defaults.js";
import { checkTimeout, parseDuration } from "../config/duration.js";
import type { Config } from "../config/load.js";
import type { ComponentConfig } from "../config/schema.js";
import { HmsError } from "../errors.js";
import { type CheckoutMode, type CheckoutPlan, planCheckout } from "./sparse.js";

export interface ProvisionRequest {
  component: string;
  branch?: string | undefined;
  pr?: string | number | undefined;
  timeout?: string | undefined;
  owner: string;
  /** `--sparse` / `--full`; default `checkout.mode`. */
  checkout?: CheckoutMode | undefined;
}

export type EnvSource = { kind: "branch"; branch: string } | { kind: "pr"; pr: number };

export interface ProvisionPlan {
  component: string;
  components: string[];
  source: EnvSource;
  owner: string;
  timeoutMs: number;
  createdAt: Date;
  expiresAt: Date;
  /** `YYYYMMDD_HHMMSS_<component>_<branch or pr-N>`; a same-second clash adds a suffix at creation. */
  dirName: string;
  /** What to fetch from origin. */
  sourceRef: string;
  /** A human name for the source, for messages. */
  shownAs: string;
  checkout: CheckoutPlan;
}

const OWNER = /^[A-Za-z0-9._@-]{1,64}$/;
const PR_NUMBER = /^[1-9]\d{0,8}$/;
/** Control characters are legal in no ref git makes, and would garble every message and script. */
const CONTROL = /\p{Cc}/u;

export function resolveComponents(component: string, config: Config): string[] {
  if (component === ALL_COMPONENTS) return Object.keys(config.components);
  if (Object.hasOwn(config.components, component)) return [component];
  const valid = [...Object.keys(config.components), ALL_COMPONENTS].join(", ");
  throw new HmsError("INVALID_INPUT", `unknown component "${component}": expected one of ${valid}`);
}

export function parseSource(branch: string | undefined, pr: string | number | undefined): EnvSource {
  if (branch !== undefined && pr !== undefined) {
    throw new HmsError("USAGE", "give either --branch or --pr, not both");
  }
  if (pr !== undefined) {
    const text = String(pr).trim();
    if (!PR_NUMBER.test(text)) {
      throw new HmsError(
        "INVALID_INPUT",
        `PR "${pr}" is not a pull request number: expected a positive integer`,
      );
    }
    return { kind: "pr", pr: Number(text) };
  }
  if (branch === undefined) throw new HmsError("USAGE", "give --branch NAME or --pr N");
  checkBranchShape(branch);
  return { kind: "branch", branch };
}

/** The checks git's check-ref-format does not make: option-like names and unprintable characters. */
export function checkBranchShape(branch: string): void {
  if (branch.length === 0) throw new HmsError("INVALID_INPUT", "branch name is empty");
  if (branch.startsWith("-")) {
    throw new HmsError(
      "INVALID_INPUT",
      `branch "${branch}" starts with "-", which git would read as an option`,
    );
  }
  if (CONTROL.test(branch)) {
    throw new HmsError("INVALID_INPUT", `branch ${JSON.stringify(branch)} contains control characters`);
  }
  if (branch.length > 200) throw new HmsError("INVALID_INPUT", "branch name is longer than 200 characters");
}

export function checkOwner(owner: string): string {
  if (!OWNER.test(owner)) {
    throw new HmsError(
      "INVALID_INPUT",
      `owner "${owner}" is not a user id: use letters, digits, '.', '_', '@' or '-' (at most 64)`,
    );
  }
  return owner;
}

/** Anything but letters, digits, '.', '_' and '-' becomes '_' so the name is safe in any shell or URL. */
export function slug(text: string, max = 60): string {
  const safe = text.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[_.-]+|_+$/g, "");
  return (safe.slice(0, max) || "_").replace(/_+$/, "") || "_";
}

export function timestampName(date: Date): string {
  const iso = date.toISOString(); // 2026-11-26T22:01:20.123Z, always UTC
  return `${iso.slice(0, 10).replaceAll("-", "")}_${iso.slice(11, 19).replaceAll(":", "")}`;
}

export function sourceLabel(source: EnvSource): string {
  return source.kind === "pr" ? `pr-${source.pr}` : source.branch;
}

export function planProvision(request: ProvisionRequest, config: Config, now: Date): ProvisionPlan {
  const components = resolveComponents(request.component, config);
  const source = parseSource(request.branch, request.pr);
  const owner = checkOwner(request.owner);
  const timeoutMs =
    request.timeout === undefined
      ? config.timeouts.defaultMs
      : checkTimeout(parseDuration(request.timeout, "timeout"), request.timeout, {
          min: config.timeouts.minMs,
          max: config.timeouts.maxMs,
        });
  return {
    component: request.component,
    components,
    source,
    owner,
    timeoutMs,
    createdAt: now,
    expiresAt: new Date(now.getTime() + timeoutMs),
    dirName: `${timestampName(now)}_${request.component}_${slug(sourceLabel(source))}`,
    sourceRef: source.kind === "pr" ? `refs/pull/${source.pr}/head` : `refs/heads/${source.branch}`,
    shownAs:
      source.kind === "pr" ? `PR #${source.pr} (refs/pull/${source.pr}/head)` : `branch "${source.branch}"`,
    checkout: planCheckout(
      request.checkout ?? config.checkout.mode,
      components.map((id) => [id, config.components[id] as ComponentConfig]),
      config.checkout.alwaysInclude,
    ),
  };
}

/** The new deadline of an extension: from the later of now and the old deadline, capped at max from now. */
export function extendedDeadline(
  current: Date,
  now: Date,
  durationText: string,
  bounds: { minMs: number; maxMs: number },
): Date {
  return extension(current, now, durationText, bounds).deadline;
}

/** The new deadline, and whether the cap (max from now) cut it short of what was asked for. */
export function extension(
  current: Date,
  now: Date,
  durationText: string,
  bounds: { minMs: number; maxMs: number },
): { deadline: Date; capped: boolean } {
  const duration = checkTimeout(parseDuration(durationText, "extension"), durationText, {
    min: bounds.minMs,
    max: bounds.maxMs,
  });
  const asked = Math.max(now.getTime(), current.getTime()) + duration;
  const cap = now.getTime() + bounds.maxMs;
  return { deadline: new Date(Math.min(asked, cap)), capped: asked > cap };
}
