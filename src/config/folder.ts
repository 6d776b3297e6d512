/**
 * A folder of the repository as a person names it for a sparse checkout (`hms-env widen`,
 * `checkout.alwaysInclude`): checked here, before it can reach git.
 */
import { HmsError } from "../errors.js";

/** Cone mode takes folders, not patterns: these characters would be read as wildcards or escapes. */
const PATTERN_CHARACTERS = /[*?[\]\\]/;
const CONTROL = /\p{Cc}/u;

/**
 * A folder inside the repository, as `widen` and `checkout.alwaysInclude` take it: relative, without
 * `.` or `..`, not option-like, no wildcards. Returns it without trailing slashes; throws INVALID_INPUT.
 */
export function checkFolder(input: string): string {
  const folder = input.replace(/\/+$/, "");
  const refuse = (why: string) => {
    throw new HmsError("INVALID_INPUT", `folder ${JSON.stringify(input)} ${why}`);
  };
  if (folder === "" || folder === ".") {
    refuse("is the repository root: provision with --full to check out everything");
  }
  if (folder.length > 1024) refuse("is longer than 1024 characters");
  if (CONTROL.test(folder)) refuse("contains control characters");
  if (folder.startsWith("/")) refuse("is absolute: give it relative to the repository root");
  if (folder.startsWith("-")) refuse('starts with "-", which git would read as an option');
  if (PATTERN_CHARACTERS.test(folder)) {
    refuse("contains *, ?, [, ] or \\: sparse checkouts take folders, not patterns");
  }
  const segments = folder.split("/");
  if (segments.some((segment) => segment === ".."))
    refuse('contains "..": it must stay inside the repository');
  if (segments.some((segment) => segment === "" || segment === ".")) {
    refuse('contains an empty or "." part: write it as a/b');
  }
  if (segments.some((segment) => segment === ".git")) refuse("names git's own folder");
  return folder;
}
