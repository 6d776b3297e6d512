import { z } from "zod";
import { parseDuration } from "./duration.js";

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

/** Component ids are used in directory names and Nix arguments, so they are kept to a safe alphabet. */
export const componentId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, "expected a lower-case id such as hms-sme (letters, digits, '-')");

export const componentSchema = z.object({
  /** The name people and the Nix shell use, e.g. HMS-SME. */
  name: z.string().min(1),
  description: z.string().default(""),
  /** Globs (picomatch) of the files this component owns, relative to the repository root. */
  paths: z.array(z.string().min(1)).min(1),
});

export const configSchema = z
  .object({
    /** Path or URL of the monorepo. Default: the git toplevel of the current directory. */
    repo: z.string().min(1).optional(),
    defaultBranch: z.string().min(1).default("main"),
    envRoot: z.string().min(1).default("./temp_envs"),
    /** Where the shared bare mirrors live. Default: `<envRoot>/.mirrors`. */
    cacheDir: z.string().min(1).optional(),
    stateFile: z.string().min(1).default("./data/state.json"),
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
      })
      .strict()
      .default({}),
    schedule: z
      .object({
        reconcileInterval: durationText.default("5m"),
      })
      .strict()
      .default({ reconcileInterval: "5m" }),
    components: z.record(componentId, componentSchema).optional(),
  })
  .strict();

export type ConfigFile = z.input<typeof configSchema>;
export type ParsedConfigFile = z.output<typeof configSchema>;
export type ComponentConfig = z.output<typeof componentSchema>;
