import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createTriageCommand } from "../../../src/cli/commands/triage.js";
import type { CliIo } from "../../../src/cli/io.js";
import { COMMANDS, runCli } from "../../../src/cli/run.js";
import { testHost } from "../../helpers/host.js";
import { createTriageMonorepo } from "../../helpers/triage-monorepo.js";
import { useTempDir } from "../support.js";
import { NOW, report, SHIPPED_DB } from "./support.js";

const tempDir = useTempDir("triage");

const CONFIG = `
stateFile: ./state.json
rootCauseDb: ${JSON.stringify(SHIPPED_DB)}
teams:
  sme-team:
    strategy: round-robin
    components: [hms-sme, hms-esr]
    members:
      - { slack: U01ANA, github: ana, awayUntil: 2026-12-01 }
      - { slack: U01BO, github: bo }
      - { slack: U01CY, github: cy }
  platform:
    members: [{ slack: U04IVY, github: ivy }]
triage:
  fallbackTeam: platform
`;

// An existing state: an open bug that the report duplicates, and a rotation that has reached Bo.
const STATE = `${JSON.stringify(
  {
    version: 1,
    environments: [],
    bugs: [
      {
        id: "BUG-12",
        title: "Staff pages 500 after pull: PendingMigrationError",
        text: report("sme-pending-migration"),
        status: "open",
        components: ["hms-sme"],
        team: "sme-team",
        assignee: "U01BO",
        assignedBy: "rotation",
        reporter: null,
        needsTriage: false,
        createdAt: "2026-11-20T09:00:00.000Z",
        updatedAt: "2026-11-20T09:00:00.000Z",
      },
    ],
    rotation: { "sme-team": { lastAssigned: "U01BO", updatedAt: "2026-11-20T09:00:00.000Z" } },
    deliveries: [],
    audit: [],
  },
  null,
  2,
)}\n`;

function setup(config = CONFIG, state: string | null = STATE) {
  const dir = tempDir();
  writeFileSync(join(dir, "hms.config.yaml"), config);
  if (state !== null) writeFileSync(join(dir, "state.json"), state);
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env: {},
    cwd: dir,
    host: testHost(),
  };
  const run = (argv: string[], stdin = "") =>
    runCli(argv, io, [createTriageCommand({ readStdin: async () => stdin, now: () => NOW })]);
  return { dir, io, run, stdout: () => out.join("\n"), stderr: () => err.join("\n") };
}

describe("hms-env triage", () => {
  it("prints the whole decision and changes nothing", async () => {
    const cli = setup();
    const code = await cli.run(["triage", report("sme-pending-migration"), "--reporter", "U01CY"]);
    expect(cli.stderr()).toBe("");
    expect(code).toBe(0);
    const text = cli.stdout();
    expect(text).toContain("Outcome:    routed to hms-sme (hms-sme by path evidence (confidence 0.88))");
    expect(text).toContain("Team:       sme-team: sme-team owns hms-sme");
    // After Bo comes Cy, who reported it, then Ana, who is away: Bo again.
    expect(text).toContain(
      "Assignee:   bo (@bo, U01BO): next in sme-team rotation; skipped @cy (reporter), @ana (away until 2026-12-01)",
    );
    expect(text).toContain(
      "  1. RC-SME-001  score 0.90 (signature match)  Migrations pending after switching branches",
    );
    expect(text).toMatch(
      / {2}possible duplicate of BUG-12 \(similarity 0\.9\d\): Staff pages 500 after pull/,
    );
    expect(text).toContain("Dry run: nothing was recorded or assigned.");
    expect(readFileSync(join(cli.dir, "state.json"), "utf8")).toBe(STATE);
  });

  it("reads the report from stdin with -", async () => {
    const cli = setup();
    expect(await cli.run(["triage", "-", "--json"], report("sys-protoc"))).toBe(0);
    const decision = JSON.parse(cli.stdout());
    expect(decision.primaryComponent).toBe("hms-sys");
    expect(decision.team.id).toBe("platform");
    expect(decision.rootCauses[0].id).toBe("RC-SYS-001");
  });

  it("takes changed files, labels and an explicit component", async () => {
    const cli = setup();
    const code = await cli.run([
      "triage",
      "--json",
      "Nightly sync drops records",
      "--files",
      "SYSTEM-COMPONENTS/HMS-ESR/lib/esr/sync.rb, SYSTEM-COMPONENTS/HMS-ESR/lib/esr/config.rb",
      "--labels",
      "comp:hms-dev,bug",
    ]);
    expect(code).toBe(0);
    const decision = JSON.parse(cli.stdout());
    expect(
      decision.components.map((match: { component: string; evidence: string }) => [
        match.component,
        match.evidence,
      ]),
    ).toEqual([
      ["hms-esr", "changed"],
      ["hms-dev", "label"],
    ]);
    const chosen = setup();
    await chosen.run(["triage", "--json", "Nightly sync drops records", "--component", "hms-sys"]);
    expect(JSON.parse(chosen.stdout()).primaryComponent).toBe("hms-sys");
  });

  it("creates no state file where there was none", async () => {
    const cli = setup(CONFIG, null);
    expect(await cli.run(["triage", "Users can't log in on staging"])).toBe(0);
    expect(cli.stdout()).toContain("Outcome:    needs-triage (nothing in the report points to a component)");
    expect(cli.stdout()).toContain("Team:       platform: fallback team; needs-triage");
    expect(existsSync(join(cli.dir, "state.json"))).toBe(false);
  });

  it("exits 2 with the usage when the report is missing or empty", async () => {
    const missing = setup();
    expect(await missing.run(["triage"])).toBe(2);
    expect(missing.stderr()).toContain("hms-env: triage takes one TEXT (quote it) or - to read stdin");
    const empty = setup();
    expect(await empty.run(["triage", "-"], "  \n")).toBe(2);
    expect(empty.stderr()).toContain("hms-env: the report is empty");
  });

  it("exits 2 naming the entry and field of an invalid root-cause database", async () => {
    const cli = setup();
    const db = JSON.parse(readFileSync(SHIPPED_DB, "utf8"));
    db.entries[3].signatures[1] = { regex: 'database "[^"]+" does not exist(', flags: "i" };
    const file = join(cli.dir, "root_cause.json");
    writeFileSync(file, JSON.stringify(db));
    writeFileSync(
      join(cli.dir, "hms.config.yaml"),
      CONFIG.replace(JSON.stringify(SHIPPED_DB), "./root_cause.json"),
    );
    expect(await cli.run(["triage", "anything"])).toBe(2);
    expect(cli.stderr()).toContain(
      `hms-env triage: root-cause database ${file}: entry RC-SME-004 (number 4): signatures.1.regex: not a valid regular expression`,
    );
  });

  it("exits 2 naming the key of an invalid team configuration", async () => {
    const cli = setup(CONFIG.replace("components: [hms-sme, hms-esr]", "components: [hms-sme, hms-web]"));
    expect(await cli.run(["triage", "anything"])).toBe(2);
    expect(cli.stderr()).toContain('teams.sme-team.components.1: unknown component "hms-web"');
  });

  it("exits 2 for an unknown component", async () => {
    const cli = setup();
    expect(await cli.run(["triage", "anything", "--component", "hms-web"])).toBe(2);
    expect(cli.stderr()).toBe(
      'hms-env triage: unknown component "hms-web": choose one of hms-sme, hms-esr, hms-dev, hms-sys',
    );
  });

  it("is registered with the other commands", async () => {
    const cli = setup();
    expect(COMMANDS.some((command) => command.name === "triage")).toBe(true);
    expect(await runCli(["triage", "--help"], cli.io)).toBe(0);
    expect(cli.stdout()).toContain(
      'Usage: hms-env triage "TEXT" [--files a,b] [--labels x,y] [--reporter ID]',
    );
  });

  it("resolves pasted paths against the repository's default branch, and works as before outside one", async () => {
    const cli = setup();
    const origin = await createTriageMonorepo(cli.dir);
    const text =
      "app/models/claim.rb:2:in `<class:Claim>': uninitialized constant Claim::Auditable (NameError)";
    expect(await cli.run(["triage", text])).toBe(0);
    expect(cli.stdout()).toContain(
      "Paths:      no repository: paths are read by components.<id>.paths alone",
    );
    expect(cli.stdout()).toContain("Outcome:    needs-triage");

    writeFileSync(join(cli.dir, "hms.config.yaml"), `${CONFIG}\nrepo: ${JSON.stringify(origin)}\n`);
    expect(await cli.run(["triage", text])).toBe(0);
    const output = cli.stdout();
    expect(output).toContain("Outcome:    routed to hms-sme (hms-sme by path evidence (confidence 0.85))");
    expect(output).toContain(
      "    - path app/models/claim.rb resolved to SYSTEM-COMPONENTS/HMS-SME/app/models/claim.rb (hms-sme)",
    );
    expect(output).toMatch(/Paths: {6}\d+ files of main at [0-9a-f]{12}/);
    expect(readFileSync(join(cli.dir, "state.json"), "utf8")).toBe(STATE);
  });
});
