/**
 * POSIX single-quoting: the value is wrapped in '...' and each ' inside becomes '\''. Inside single
 * quotes nothing is special ($, `, \, !, newlines), so any string, unicode included, arrives unchanged.
 */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * One word of a command printed for a person to paste (`cd <path> && ./launch.sh`): bare when every
 * character is one no shell treats specially, as a person would type it, else single-quoted.
 */
export function shellWord(value: string): string {
  return /^[\w./@%+=:,-]+$/.test(value) ? value : shellQuote(value);
}
