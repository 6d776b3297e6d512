/** Inputs built to exhaust a parser: the classic YAML "billion laughs", nine levels of nine aliases. */
export function billionLaughs(): string {
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  const names = "abcdefghi";
  for (let level = 1; level < names.length; level++) {
    const previous = `*${names[level - 1]}`;
    lines.push(`${names[level]}: &${names[level]} [${Array(9).fill(previous).join(",")}]`);
  }
  return `${lines.join("\n")}\n`;
}
