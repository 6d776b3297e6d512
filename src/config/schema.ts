import { z } from "zod";
import { DEFAULT_COMPONENTS } from "./defaults.js";
import { parseDuration } from "./duration.js";
import { checkFolder } from "./folder.js";

/** A duration string that must parse; kept as text in the file, parsed where it is used. */
const durationText = z.string().refine(
  (text) => {
    try {
      parseDuration(text);
      return true;
    } catch {
      return false;
    }
  },
  { message: "expected a duration such as 30m, 8h, 2d or 1w" },
);

/** A folder of the repository for sparse checkouts: the same rules as `hms-env widen`. */
const folderText = z.string().superRefine((text, ctx) => {
  try {
    checkFolder(text);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
  }
});

/** Component ids are used in directory names and Nix arguments, so they are kept to a safe alphabet. */
export const componentId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, "expected a lower-case id such as hms-sme (letters, digits, '-')");

/** A binary cache: one URL, no spaces (NIX_CONFIG separates them with spaces). */
const substituterUrl = z
  .string()
  .regex(
    /^(https?|file|s3|ssh|ssh-ng):\/\/[^\s]+$/,
    "expected a binary cache URL such as https://cache.example.org",
  );

/** Nix's key format: name:base64 of an ed25519 public key. */
const publicKey = z
  .string()
  .regex(
    /^[^\s:]+:[A-Za-z0-9+/]{43}=$/,
    "expected a Nix public key such as cache.example.org-1:<44 base64 characters>",
  );

export const componentSchema = z
  .object({
    /** The name people and the Nix shell use, e.g. HMS-SME. */
    name: z.string().min(1),
    description: z.string().default(""),
    /** Globs (picomatch) of the files this component owns, relative to the repository root. */
    paths: z.array(z.string().min(1)).min(1),
    /** Triage: other names people use for the component ("sme app"); the id and name always count. */
    aliases: z.array(z.string().min(1)).default([]),
    /** Triage: words that hint at the component ("activerecord", "tsc"): the weakest evidence. */
    keywords: z.array(z.string().min(1)).default([]),
    /** Triage: GitHub labels that name the component; `<id>` and `comp:<id>` always count. */
    labels: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** Team ids appear in Slack messages and the state file: the same safe alphabet as components. */
export const teamId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, "expected a lower-case id such as sme-team (letters, digits, '-')");

/** Slack conversation IDs: public (C), private (G) channels; the bot posts cards there. */
export const slackChannelId = z
  .string()
  .regex(/^[CG][A-Z0-9]{2,}$/, "expected a Slack channel ID such as C024BE91L (not a #name)");

const slackUserId = z
  .string()
  .regex(/^[UW][A-Z0-9]{2,}$/, "expected a Slack user ID such as U024BE7LH (not a display name)");

/** A calendar day (2026-12-01, the person is back that day) or an exact ISO time. */
const isoDate = z
  .string()
  .refine((text) => /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(text) && !Number.isNaN(Date.parse(text)), {
    message: "expected a date such as 2026-12-01",
  });

export const memberSchema = z
  .object({
    slack: slackUserId,
    github: z
      .string()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "expected a GitHub login")
      .optional(),
    name: z.string().min(1).optional(),
    /** Away (holiday, leave) until this day: skipped by the rotation until then. */
    awayUntil: isoDate.optional(),
    /** Open bugs this person takes at most; unset means no limit. */
    capacity: z.number().int().positive().optional(),
  })
  .strict();

export const teamSchema = z
  .object({
    name: z.string().min(1).optional(),
    /** round-robin: take turns; least-loaded: whoever has the fewest open bugs (ties take turns). */
    strategy: z.enum(["round-robin", "least-loaded"]).default("round-robin"),
    /** The components whose bugs this team owns. */
    components: z.array(componentId).default([]),
    members: z.array(memberSchema).min(1, "a team needs at least one member"),
    /** Where cards go for this team's bugs that did not come from Slack (GitHub issues, the CLI). */
    channel: slackChannelId.optional(),
  })
  .strict();

/** How long the long steps of a provisioning may take before they fail (src/envs/step-limits.ts). */
const STEP_TIMEOUT_DEFAULTS = { fetch: "30m", checkout: "30m", build: "2h", stall: "1m" };

const SLACK_DEFAULTS = {
  bugChannels: [] as string[],
  autoProvision: true,
  warnBefore: "1h",
  extendChoices: ["4h", "24h"],
};

export const slackSchema = z
  .object({
    /** Channels where every top-level message (not bots, edits or thread replies) is a bug report. */
    bugChannels: z.array(slackChannelId).default(SLACK_DEFAULTS.bugChannels),
    /** Provision an environment for the assignee of every triaged bug. */
    autoProvision: z.boolean().default(SLACK_DEFAULTS.autoProvision),
    /** How long before a deadline the owner gets one DM with the Extend buttons. */
    warnBefore: durationText.default(SLACK_DEFAULTS.warnBefore),
    /** One Extend button per duration, in this order (Slack shows at most 5 buttons side by side). */
    extendChoices: z.array(durationText).min(1).max(5).default(SLACK_DEFAULTS.extendChoices),
  })
  .strict();

/** `owner/name` as GitHub spells it: what payloads are compared against and REST calls address. */
const githubRepository = z
  .string()
  .regex(
    /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/,
    "expected owner/name, e.g. hms-org/hms-monorepo",
  );

/** GitHub allows labels of 1 to 50 characters. */
const githubLabel = z.string().min(1).max(50);

export const githubSchema = z
  .object({
    /** The repository served; deliveries for any other repository are ignored and logged. */
    repository: githubRepository.optional(),
    /** An issue with this label is a bug report, as one filed in Slack. */
    bugLabel: githubLabel.default("bug"),
    /** A PR with this label keeps its environments until their own deadline after it closes. */
    keepLabel: githubLabel.default("keep-env"),
    /** Bugs filed in Slack become GitHub issues. Default: on when GitHub credentials are set. */
    createIssues: z.boolean().optional(),
    /** Pull requests get one environment per affected component. */
    prEnvironments: z.boolean().default(true),
    /** How long a PR environment lives unless the PR closes first or someone extends it. */
    prTimeout: durationText.default("24h"),
    /**
     * Environments for PRs from forks whose author is not OWNER, MEMBER or COLLABORATOR. Off by
     * default: a stranger's code is never checked out unless a maintainer asks for it.
     */
    allowForks: z.boolean().default(false),
  })
  .strict();

export const configSchema = z
  .object({
    /** Path or URL of the monorepo. Default: the git toplevel of the current directory. */
    repo: z.string().min(1).optional(),
    /** Default: the branch the repository's HEAD names (`git ls-remote --symref REPO HEAD`), else `main`. */
    defaultBranch: z.string().min(1).optional(),
    /** Default: `./temp_envs`, or `.git/hms-env/temp_envs` inside a git checkout (src/config/default-places.ts). */
    envRoot: z.string().min(1).optional(),
    /** Where the shared bare mirrors live. Default: `<envRoot>/.mirrors`. */
    cacheDir: z.string().min(1).optional(),
    /** Default: `./data/state.json`, or `.git/hms-env/data/state.json` inside a git checkout. */
    stateFile: z.string().min(1).optional(),
    /** Default: the root-cause database shipped with hms-env. */
    rootCauseDb: z.string().min(1).optional(),
    defaults: z
      .object({
        timeout: durationText.default("24h"),
      })
      .strict()
      .default({ timeout: "24h" }),
    limits: z
      .object({
        minTimeout: durationText.default("5m"),
        maxTimeout: durationText.default("7d"),
        maxEnvsPerOwner: z.number().int().positive().default(5),
      })
      .strict()
      .default({ minTimeout: "5m", maxTimeout: "7d", maxEnvsPerOwner: 5 }),
    nix: z
      .object({
        /** Default: the hms-env.nix shipped with hms-env. */
        file: z.string().min(1).optional(),
        /** NIX_PATH for nix-shell and nix-instantiate, e.g. nixpkgs=/path/to/nixpkgs. Default: inherited. */
        nixPath: z.string().min(1).optional(),
        /** Absolute bash for NIX_BUILD_SHELL. Default: the bash found on PATH at provisioning time. */
        bash: z.string().startsWith("/", "expected an absolute path").optional(),
        /**
         * Which nixpkgs the shells use: `pinned` (nix/nixpkgs.json), `channel` (`<nixpkgs>`) or the path of
         * a nixpkgs tree. Default: `channel` when nixPath names nixpkgs, otherwise `pinned`.
         */
        nixpkgs: z.string().min(1).optional(),
        /** Binary caches every Nix call may use besides the machine's own (extra-substituters). */
        substituters: z.array(substituterUrl).default([]),
        /** The signing keys of those caches (extra-trusted-public-keys), e.g. cache.example.org-1:AbC...= */
        trustedPublicKeys: z.array(publicKey).default([]),
      })
      .strict()
      .default({ substituters: [], trustedPublicKeys: [] }),
    schedule: z
      .object({
        reconcileInterval: durationText.default("5m"),
        /** How often `serve` runs git maintenance (commit-graph, gc --auto) on the mirrors. */
        maintenanceInterval: durationText.default("1h"),
      })
      .strict()
      .default({ reconcileInterval: "5m", maintenanceInterval: "1h" }),
    cleanup: z
      .object({
        /** Failed cleanup attempts after which an environment is flagged for a person (retries go on). */
        maxAttempts: z.number().int().min(1).max(1000).default(8),
        /** The wait after the first failed attempt; it doubles with each one, up to maxRetryDelay. */
        retryDelay: durationText.default("1m"),
        maxRetryDelay: durationText.default("6h"),
        /** How long a provisioning or cleanup claim holds without renewal before another host takes it. */
        claimLease: durationText.default("10m"),
      })
      .strict()
      .default({ maxAttempts: 8, retryDelay: "1m", maxRetryDelay: "6h", claimLease: "10m" }),
    timeouts: z
      .object({
        /** One git fetch of the branch or PR an environment asks for (the first one of a large repository is the longest). */
        fetch: durationText.default(STEP_TIMEOUT_DEFAULTS.fetch),
        /** The checkout, which downloads the blobs of its files from a partial mirror's remote. */
        checkout: durationText.default(STEP_TIMEOUT_DEFAULTS.checkout),
        /** Evaluating, building (or fetching) and capturing the component's Nix shell. */
        build: durationText.default(STEP_TIMEOUT_DEFAULTS.build),
        /** A git transfer below 1 KB/s this long fails (git's http.lowSpeedTime; ssh's ConnectTimeout). */
        stall: durationText.default(STEP_TIMEOUT_DEFAULTS.stall),
      })
      .strict()
      .default(STEP_TIMEOUT_DEFAULTS),
    checkout: z
      .object({
        /** full: every file; sparse: the component's folders, the top-level files and alwaysInclude. */
        mode: z.enum(["full", "sparse"]).default("full"),
        /** Folders every sparse checkout gets (shared libraries, build files), relative to the root. */
        alwaysInclude: z.array(folderText).max(200).default([]),
      })
      .strict()
      .default({ mode: "full", alwaysInclude: [] }),
    mirror: z
      .object({
        /** Fetch commits and trees only (`--filter=blob:none`) when the remote allows it; blobs at checkout. */
        partialClone: z.boolean().default(true),
      })
      .strict()
      .default({ partialClone: true }),
    retention: z
      .object({
        /** Cleaned and failed environments stay on record this long, then leave the state file. */
        records: durationText.default("30d"),
      })
      .strict()
      .default({ records: "30d" }),
    components: z.record(componentId, componentSchema).optional(),
    teams: z.record(teamId, teamSchema).default({}),
    triage: z
      .object({
        /** Gets the reports no component claims, or that two components claim equally (needs-triage). */
        fallbackTeam: teamId.optional(),
        /** Similarity (0..1) above which an open bug is shown as a possible duplicate. */
        duplicateThreshold: z.number().min(0).max(1).default(0.6),
      })
      .strict()
      .default({ duplicateThreshold: 0.6 }),
    /** Slack user IDs who may reassign bugs and act on other people's environments. */
    admins: z.array(slackUserId).default([]),
    slack: slackSchema.default(SLACK_DEFAULTS),
    github: githubSchema.default({
      bugLabel: "bug",
      keepLabel: "keep-env",
      prEnvironments: true,
      prTimeout: "24h",
      allowForks: false,
    }),
  })
  .strict()
  .superRefine(checkTeams);

/** Teams refer to components and to each other: checked here so a bad file fails at load, by key. */
function checkTeams(config: ParsedConfigShape, ctx: z.RefinementCtx): void {
  const components = Object.keys(config.components ?? DEFAULT_COMPONENTS);
  const owner = new Map<string, string>();
  for (const [team, { components: owned, members }] of Object.entries(config.teams)) {
    owned.forEach((component, index) => {
      const path = ["teams", team, "components", index];
      if (!components.includes(component)) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `unknown component "${component}" (components: ${components.join(", ")})`,
        });
      } else if (owner.has(component)) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `${component} is already owned by team ${owner.get(component)}`,
        });
      } else owner.set(component, team);
    });
    const seen = new Set<string>();
    members.forEach((member, index) => {
      if (seen.has(member.slack)) {
        ctx.addIssue({
          code: "custom",
          path: ["teams", team, "members", index, "slack"],
          message: `${member.slack} is listed twice`,
        });
      }
      seen.add(member.slack);
    });
  }
  const teams = Object.keys(config.teams);
  const fallback = config.triage.fallbackTeam;
  if (fallback !== undefined && !teams.includes(fallback)) {
    ctx.addIssue({
      code: "custom",
      path: ["triage", "fallbackTeam"],
      message: `unknown team "${fallback}" (teams: ${teams.join(", ") || "none"})`,
    });
  }
  if (fallback === undefined && teams.length > 0) {
    ctx.addIssue({
      code: "custom",
      path: ["triage", "fallbackTeam"],
      message: "required when teams are configured: the team that gets reports no component claims",
    });
  }
}

interface ParsedConfigShape {
  components?: Record<string, unknown> | undefined;
  teams: Record<string, z.output<typeof teamSchema>>;
  triage: { fallbackTeam?: string | undefined };
}

export type ConfigFile = z.input<typeof configSchema>;
export type ParsedConfigFile = z.output<typeof configSchema>;
export type ComponentConfig = z.output<typeof componentSchema>;
export type TeamConfig = z.output<typeof teamSchema>;
export type SlackConfigFile = z.output<typeof slackSchema>;
export type GithubConfigFile = z.output<typeof githubSchema>;
export type MemberConfig = z.output<typeof memberSchema>;
