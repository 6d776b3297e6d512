/**
 * `branch: NAME` in a bug report, read the way people write it in Slack and on GitHub: the key in bold
 * (`*branch:*`, `**Branch**:`), the name in backticks, quotes or italics, pasted as a link
 * (`<https://github.com/o/r/tree/feature/x|feature/x>`, or the bare URL) and followed by the sentence's
 * punctuation (`branch: main, since yesterday`). What is left must be a name git accepts for a branch;
 * anything else is reported as rejected, to be said on the card, and never reaches git.
 */
export type BranchInText = { branch: string } | { rejected: string };

/**
 * The key: `branch` with any emphasis or code markers around it, then `:` or `=`. It stands after a
 * space, punctuation or markup, so `feature_branch: x` or `mybranch=x` is not it.
 */
const KEY = /(?<![\p{L}\p{N}_/-])[*_~`]{0,3}branch[*_~`]{0,3}[ \t]*[:=][ \t]*(?=\S)/giu;
/** A pasted log can say "branch:" thousands of times; a report's own field comes among the first. */
const MAX_KEYS = 100;
/** The last word before the key on its line: `on branch: main` is a field, `The main branch: broken` is not. */
const WORD_BEFORE = /([\p{L}\p{N}]+)[^\p{L}\p{N}\n]*$/u;
/**
 * Words that make "branch" part of a sentence rather than a field ("the main branch: broken", "which
 * branch: the old one?"): a field is written alone, or after a word such as "on" or "my".
 */
const NOT_A_FIELD = new Set(
  "main master default develop dev release trunk production prod staging base target upstream remote local which what wrong any no every each other new old same".split(
    " ",
  ),
);
/** A Slack link: `<target>` or `<target|label>`. */
const SLACK_LINK = /^<([^<>|\s]*)(?:\|([^<>]*))?>/;
/** A Markdown link: `[label](target)`. */
const MARKDOWN_LINK = /^\[([^\]]*)\]\(([^)\s]*)\)/;
/** A branch's page on GitHub or GitLab: `…/tree/NAME` or `…/-/tree/NAME`. */
const TREE_URL = /^(?:https?:\/\/)?[^/\s]+\/[^\s]*?\/tree\/([^?#\s]+)/i;
/** Wrappers around a name: quotes, brackets and markup. */
const LEADING = /^[ \t*_~`"'“‘«([]+/;
/** What ends a sentence or closes a wrapper after the name. */
const TRAILING = /[*_~`"'”’»)\]}>,.;:!?…]+$/;

/** The first `branch:` field of the text, as a valid branch name or as what was rejected. */
export function readBranch(text: string): BranchInText | undefined {
  let tried = 0;
  for (const match of text.matchAll(KEY)) {
    if (++tried > MAX_KEYS) break;
    const at = match.index ?? 0;
    const before = WORD_BEFORE.exec(text.slice(Math.max(0, at - 40), at))?.[1]?.toLowerCase();
    if (before !== undefined && NOT_A_FIELD.has(before)) continue;
    const name = nameFrom(text.slice(at + match[0].length, at + match[0].length + 1000));
    if (name === "") continue;
    return isBranchName(name) ? { branch: name } : { rejected: name };
  }
  return undefined;
}

/** The branch a report names, if it names a valid one. */
export function branchFromText(text: string): string | undefined {
  const found = readBranch(text);
  return found !== undefined && "branch" in found ? found.branch : undefined;
}

/** The name at the start of a field's value, unwrapped. */
function nameFrom(value: string): string {
  const unwrapped = value.replace(LEADING, "");
  const link = SLACK_LINK.exec(unwrapped);
  if (link) return fromLink(link[2] || link[1] || "");
  const markdown = MARKDOWN_LINK.exec(unwrapped);
  if (markdown) return fromLink(markdown[1] || markdown[2] || "");
  return fromLink(unwrapped.split(/[\s`]/, 1)[0] ?? "");
}

/** A link's text is the name, unless it is the branch's URL, whose path ends with it. */
function fromLink(text: string): string {
  const trimmed = text.trim().replace(LEADING, "").replace(TRAILING, "");
  const tree = TREE_URL.exec(trimmed);
  if (tree?.[1] === undefined) return trimmed;
  try {
    return decodeURIComponent(tree[1]).replace(TRAILING, "");
  } catch {
    return tree[1];
  }
}

/**
 * `git check-ref-format --branch` as git documents it, plus what provisioning refuses (a leading `-`,
 * over 200 characters), so a name read from prose is only ever one git would take.
 */
export function isBranchName(name: string): boolean {
  if (name.length === 0 || name.length > 200 || name.startsWith("-") || name === "@" || name === "HEAD")
    return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what git refuses
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  if (name.includes("..") || name.includes("@{") || name.includes("//")) return false;
  if (name.startsWith("/") || name.endsWith("/") || name.endsWith(".")) return false;
  return name.split("/").every((part) => !part.startsWith(".") && !part.endsWith(".lock"));
}
