import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "..", "..", "src");

/** Every relative import of every source file, as paths under src/ ("slack/app.ts" -> "grammar/parse.ts"). */
function imports(): { from: string; to: string }[] {
  const edges: { from: string; to: string }[] = [];
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const file = join(entry.parentPath, entry.name);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/from\s+"(\.{1,2}\/[^"]+)"|import\("(\.{1,2}\/[^"]+)"\)/g)) {
      const target = resolve(dirname(file), (match[1] ?? match[2]) as string).replace(/\.js$/, ".ts");
      edges.push({ from: relative(SRC, file), to: relative(SRC, target) });
    }
  }
  return edges;
}

const area = (path: string) => path.split("/")[0] as string;

describe("dependency direction (DESIGN.md)", () => {
  const edges = imports();

  it("finds the imports it checks", () => {
    expect(edges.some((edge) => edge.from.startsWith("slack/") && edge.to.startsWith("grammar/"))).toBe(true);
  });

  it("only the command line imports src/cli: Slack takes the shared grammar from src/grammar", () => {
    const outside = edges.filter(
      (edge) => area(edge.to) === "cli" && area(edge.from) !== "cli" && edge.from !== "cli.ts",
    );
    expect(outside).toEqual([]);
  });

  it("Slack, GitHub and the schedule never import each other: they meet through services passed in", () => {
    const sides = new Set(["slack", "github", "schedule"]);
    const crossing = edges.filter(
      (edge) => sides.has(area(edge.from)) && sides.has(area(edge.to)) && area(edge.from) !== area(edge.to),
    );
    expect(crossing).toEqual([]);
  });

  it("the grammar depends on no side that uses it", () => {
    const users = new Set(["cli", "slack", "github", "main.ts", "cli.ts"]);
    expect(edges.filter((edge) => area(edge.from) === "grammar" && users.has(area(edge.to)))).toEqual([]);
  });
});
