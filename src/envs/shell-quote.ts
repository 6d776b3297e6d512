/**
 * POSIX single-quoting: the value is wrapped in '...' and each ' inside becomes '\''. Inside single
 * quotes nothing is special ($, `, \, !, newlines), so any string, unicode included, arrives unchanged.
 */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
