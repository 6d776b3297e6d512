import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emptyState } from "../../src/store/schema.js";
import { CLI, createWorkspace, type Workspace } from "../helpers/workspace.js";

let ws: Workspace;
beforeAll(async () => {
  ws = await createWorkspace("limits:\n  maxEnvsPerOwner: 20");
});
afterAll(() => ws.remove());

/** The status the configured state file holds for `id`. */
const statusOf = (id: string) => ws.stored(id).status;

/** `hms-env cleanup --env-dir DIR` from `cwd`, with only the environment variables given. */
const cleanupDir = (
  dir: string,
  options: { cwd?: string; env?: Record<string, string>; args?: string[] } = {},
) =>
  execa("node", [CLI, "cleanup", "--env-dir", dir, ...(options.args ?? [])], {
    cwd: options.cwd ?? ws.dir,
    reject: false,
    stdin: "ignore",
    env: { HMS_CONFIG: "", ...options.env },
  });

const metaOf = (dir: string) => join(dir, ".hms-env", "env.json");

describe("cleanup --env-dir: the configuration decides, never the folder's own files", () => {
  it("a forged env.json (another state file, envRoot: /) deletes nothing outside the configured env root", async () => {
    // Someone's folder outside the env root, named like an environment, with a file worth keeping.
    const precious = join(ws.dir, "precious", "20200101_000000_hms-dev_main");
    mkdirSync(precious, { recursive: true });
    writeFileSync(join(precious, "thesis.tex"), "years of work");
    const template = await ws.provision(["--component", "hms-dev", "--branch", "main"]);
    const forgedRecord = { ...template, id: "env-f0f0f0f0", path: precious, mirror: "", workdir: "" };
    const forgedState = join(ws.dir, "forged", "state.json");
    mkdirSync(join(ws.dir, "forged"));
    writeFileSync(forgedState, JSON.stringify({ ...emptyState(), environments: [forgedRecord] }));
    mkdirSync(join(precious, ".hms-env"));
    // The shape env.json used to have, which cleanup trusted for its state file and env root.
    writeFileSync(
      metaOf(precious),
      JSON.stringify({ record: forgedRecord, stateFile: forgedState, envRoot: "/" }),
    );
    const stateBefore = readFileSync(ws.stateFile, "utf8");

    for (const cwd of [ws.dir, "/"]) {
      const result = await cleanupDir(precious, { cwd });
      expect(result.exitCode, result.stderr).toBe(2);
      expect(result.stderr).toContain("names environment env-f0f0f0f0, which the state file");
      expect(result.stderr).toContain("nothing was removed");
    }
    expect(readFileSync(join(precious, "thesis.tex"), "utf8")).toBe("years of work");
    expect(readFileSync(ws.stateFile, "utf8")).toBe(stateBefore);
    expect(JSON.parse(readFileSync(forgedState, "utf8")).environments[0].status).toBe("ready");
    await ws.cli(["cleanup", template.id]);
  });

  it("an env.json naming a real environment, in another folder, is refused and that environment is left alone", async () => {
    const env = await ws.provision(["--component", "hms-sme", "--branch", "main"]);
    const decoy = join(ws.dir, "decoy");
    mkdirSync(decoy);
    cpSync(join(env.path, ".hms-env"), join(decoy, ".hms-env"), { recursive: true });
    const result = await cleanupDir(decoy);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`refusing to clean up ${decoy}`);
    expect(result.stderr).toContain(`whose folder is ${env.path}`);
    expect(existsSync(decoy)).toBe(true);
    expect(statusOf(env.id)).toBe("ready");
    expect(existsSync(env.workdir)).toBe(true);
    await ws.cli(["cleanup", env.id]);
  });

  it("an environment's env.json edited to name another environment is refused; both stay", async () => {
    const [a, b] = [
      await ws.provision(["--component", "hms-esr", "--branch", "main"]),
      await ws.provision(["--component", "hms-sys", "--branch", "main"]),
    ];
    writeFileSync(metaOf(a.path), readFileSync(metaOf(b.path)));
    const result = await cleanupDir(a.path);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`names environment ${b.id}, whose folder is ${b.path}`);
    expect([statusOf(a.id), statusOf(b.id)]).toEqual(["ready", "ready"]);
    expect(existsSync(a.path) && existsSync(b.path)).toBe(true);
    await ws.cli(["cleanup", a.id]);
    await ws.cli(["cleanup", b.id]);
  });

  it("takes the configured state file from anywhere, and cleanup.sh carries the configuration it was made with", async () => {
    const viaFlag = await ws.provision(["--component", "hms-dev", "--branch", "main"]);
    // From /, with no configuration named, the built-in defaults do not know it: refused, kept.
    const unconfigured = await cleanupDir(viaFlag.path, { cwd: "/" });
    expect(unconfigured.exitCode).toBe(2);
    expect(existsSync(viaFlag.path)).toBe(true);
    const configured = await cleanupDir(viaFlag.path, { cwd: "/", args: ["--config", ws.configFile] });
    expect(configured.exitCode, configured.stderr).toBe(0);
    expect(statusOf(viaFlag.id)).toBe("cleaned");
    expect(existsSync(viaFlag.path)).toBe(false);

    const viaScript = await ws.provision(["--component", "hms-dev", "--branch", "main"]);
    const other = join(ws.dir, "other.yaml");
    writeFileSync(other, "stateFile: ./other-state.json\nenvRoot: ./other-envs\n");
    const script = await execa(join(viaScript.path, "cleanup.sh"), [], {
      cwd: "/",
      reject: false,
      stdin: "ignore",
      env: { HMS_CONFIG: other },
    });
    expect(script.exitCode, script.stderr).toBe(0);
    expect(statusOf(viaScript.id)).toBe("cleaned");
    expect(existsSync(viaScript.path)).toBe(false);
  });
});
