import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/run.js";
import { PROVISION_GRAMMAR, PROVISION_OPTIONS, TRIAGE_GRAMMAR } from "../../src/grammar/commands.js";
import { helpList, missingOption, parserOptions } from "../../src/grammar/options.js";

const usageOf = (name: string) => COMMANDS.find((command) => command.name === name)?.usage ?? "";

describe("option tables: the parser and --help from one place", () => {
  it.each([PROVISION_GRAMMAR, TRIAGE_GRAMMAR])("$name --help lists every option it parses", (grammar) => {
    const listed = [...usageOf(grammar.name).matchAll(/^ {2}--([a-z-]+) {3,}\S/gm)].map((match) => match[1]);
    expect(listed).toEqual([...Object.keys(grammar.options), "json"]);
  });

  it("parseArgs sees only each option's type", () => {
    expect(parserOptions({ keep: { type: "boolean", help: "h", required: true } })).toEqual({
      keep: { type: "boolean" },
    });
  });

  it("a required option left out names itself; given, even empty, it is not missing", () => {
    expect(missingOption(PROVISION_OPTIONS, { values: { branch: "main" }, positionals: [] })).toBe(
      "--component is required",
    );
    expect(missingOption(PROVISION_OPTIONS, { values: { component: "" }, positionals: [] })).toBeUndefined();
  });

  it("lines up what each entry does in one column, three spaces after the longest", () => {
    expect(helpList({ ID: "the id", "--long-one": "more" })).toBe(
      "  ID           the id\n  --long-one   more",
    );
  });
});
