import { z } from "zod";
import { HmsError, type HmsErrorCode } from "../../errors.js";
import { backtrackingRisk } from "./regex-safety.js";

/**
 * data/root_cause.json: known failures with how to recognise them (signatures, symptoms) and what to do
 * (root cause, fix). A signature is a literal string, matched as whole words case-insensitively with
 * any whitespace, or `{ "regex": "...", "flags": "i" }`.
 */
export const ROOT_CAUSE_DB_VERSION = 1;

const regexSignature = z
  .object({
    regex: z.string().min(1),
    flags: z
      .string()
      .regex(/^(?!.*(.).*\1)[imsu]*$/, "expected flags from i, m, s, u (g and y keep state between matches)")
      .default("i"),
  })
  .strict()
  .superRefine(({ regex, flags }, ctx) => {
    let compiled: RegExp;
    try {
      compiled = new RegExp(regex, flags);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        path: ["regex"],
        message: `not a valid regular expression: ${(error as Error).message}`,
      });
      return;
    }
    const risk = backtrackingRisk(regex, flags);
    if (risk !== null) {
      ctx.addIssue({
        code: "custom",
        path: ["regex"],
        message: `can backtrack catastrophically on a long report: ${risk}`,
        params: { unsafePattern: true },
      });
      return;
    }
    if (compiled.test("")) {
      ctx.addIssue({
        code: "custom",
        path: ["regex"],
        message: "matches empty text, so it would match every report",
      });
    }
  });

const literalSignature = z.string().trim().min(4, "a literal signature needs at least 4 characters");

const calendarDay = z
  .string()
  .refine(
    (text) => /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text)),
    "expected a date such as 2026-03-14",
  );

export const rootCauseEntrySchema = z
  .object({
    id: z.string().regex(/^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+$/, "expected an id such as RC-SME-001"),
    /** The component the failure belongs to, or "all" for problems of every environment (Nix, TLS). */
    component: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "expected a component id such as hms-sme, or all"),
    title: z.string().min(1),
    signatures: z
      .array(
        z.union([literalSignature, regexSignature], {
          error: 'expected a string or { "regex": "...", "flags": "i" }',
        }),
      )
      .default([]),
    symptoms: z.array(z.string().min(1)).min(1, "describe at least one symptom"),
    rootCause: z.string().min(1),
    fix: z.string().min(1),
    references: z
      .array(z.url({ protocol: /^https?$/, error: "expected an http(s) URL of an issue, PR or page" }))
      .default([]),
    tags: z.array(z.string().min(1)).default([]),
    occurrences: z.number().int().min(0).default(0),
    lastSeen: calendarDay.nullable().default(null),
  })
  .strict();

export const rootCauseDbSchema = z
  .object({
    version: z.literal(ROOT_CAUSE_DB_VERSION, {
      error: `expected version ${ROOT_CAUSE_DB_VERSION} (this hms-env reads root-cause databases of version ${ROOT_CAUSE_DB_VERSION})`,
    }),
    entries: z.array(rootCauseEntrySchema),
  })
  .strict()
  .superRefine(({ entries }, ctx) => {
    const first = new Map<string, number>();
    entries.forEach((entry, index) => {
      const earlier = first.get(entry.id);
      if (earlier === undefined) first.set(entry.id, index);
      else
        ctx.addIssue({
          code: "custom",
          path: ["entries", index, "id"],
          message: `duplicate id (entry ${earlier + 1} has it too)`,
        });
    });
  });

export type RootCauseEntry = z.output<typeof rootCauseEntrySchema>;
export type RootCauseEntryInput = z.input<typeof rootCauseEntrySchema>;
export type RegexSignature = z.output<typeof regexSignature>;
export type Signature = RootCauseEntry["signatures"][number];
export type RootCauseDb = z.output<typeof rootCauseDbSchema>;

/** Validates a parsed root_cause.json; a failure names the file, the entry's id and the field. */
export function parseRootCauseDb(raw: unknown, source: string): RootCauseDb {
  const result = rootCauseDbSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new HmsError(
    errorCode(result.error.issues, "CONFIG_INVALID"),
    `root-cause database ${source}: ${describeIssues(result.error.issues, raw)}`,
  );
}

/** Validates one new entry, e.g. from a merged fix, before it is added. */
export function parseRootCauseEntry(raw: unknown): RootCauseEntry {
  const result = rootCauseEntrySchema.safeParse(raw);
  if (result.success) return result.data;
  const id = typeof (raw as { id?: unknown })?.id === "string" ? (raw as { id: string }).id : "(no id)";
  const issues = result.error.issues.map((issue) => `${issue.path.join(".") || "(entry)"}: ${issue.message}`);
  throw new HmsError(
    errorCode(result.error.issues, "INVALID_INPUT"),
    `root-cause entry ${id}: ${issues.join("; ")}`,
  );
}

/** A pattern refused for its backtracking has its own code, so callers and tests can tell it apart. */
function errorCode(issues: readonly z.core.$ZodIssue[], otherwise: HmsErrorCode): HmsErrorCode {
  const unsafe = issues.some((issue) => issue.code === "custom" && issue.params?.unsafePattern === true);
  return unsafe ? "UNSAFE_PATTERN" : otherwise;
}

function describeIssues(issues: readonly z.core.$ZodIssue[], raw: unknown): string {
  const entries = (raw as { entries?: unknown })?.entries;
  return issues
    .map((issue) => {
      const [top, index, ...field] = issue.path;
      if (top !== "entries" || typeof index !== "number") {
        return `${issue.path.join(".") || "(top level)"}: ${issue.message}`;
      }
      const id = Array.isArray(entries) ? (entries[index] as { id?: unknown } | undefined)?.id : undefined;
      const name = typeof id === "string" ? `entry ${id} (number ${index + 1})` : `entry number ${index + 1}`;
      return `${name}: ${field.join(".") || "(entry)"}: ${issue.message}`;
    })
    .join("; ");
}
