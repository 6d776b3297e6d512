/**
 * An env root whose path holds shell syntax (`$(...)`, a quote, spaces), with the real CLI, nix-shell
 * and bash: nothing in the path ever runs, the shell's variables hold the path as it is, and the
 * printed `cd` command works when pasted into bash.
 */
import { existsSync, readdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EnvRecord } from "../../src/store/schema.js";
import { createWorkspace, type Workspace } from "../helpers/workspace.js";

const MARKER = "pwned";
const ENV_ROOT = `x/$(touch ${MARKER})/it's a dir`;

/** Whether an injected `touch pwned` ran: the file anywhere under `dir`, or where a script starts. */
function injected(dir: string): boolean {
  const names = readdirSync(dir, { recursive: true, encoding: "utf8" });
  return existsSync(`/${MARKER}`) || names.some((name) => name === MARKER || name.endsWith(`/${MARKER}`));
}

describe(`an env root at "${ENV_ROOT}"`, () => {
  let ws: Workspace;
  let env: EnvRecord;
  let printed: string;

  beforeAll(async () => {
    ws = await createWorkspace(`envRoot: ${JSON.stringify(`./${ENV_ROOT}`)}`);
    const result = await ws.cli(["provision", "--component", "hms-sme", "--branch", "main"]);
    expect(result.exitCode, result.stderr).toBe(0);
    printed = result.stdout;
    env = JSON.parse((await ws.cli(["list", "--json"])).stdout)[0] as EnvRecord;
  });
  afterAll(() => ws.remove());

  it("provisions there without running what the path holds", () => {
    expect(env.path.startsWith(join(realpathSync(ws.dir), ENV_ROOT))).toBe(true);
    expect(existsSync(join(env.path, ".hms-env", "shell-env.sh"))).toBe(true);
    expect(injected(ws.dir)).toBe(false);
  });

  it("launch.sh sets the environment's paths exactly, and runs nothing from them", async () => {
    const result = await execa(
      join(env.path, "launch.sh"),
      ["--run", 'printf "%s\\n" "$HMS_ENV_DIR" "$HMS_ROOT_CAUSE_DB" "$HMS_DEV_ROOT" "$PWD"'],
      { reject: false, stdin: "ignore" },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.split("\n")).toEqual([
      env.path,
      join(env.path, "data", "root_cause.json"),
      env.workdir,
      env.workdir,
    ]);
    const fresh = await execa(join(env.path, "launch.sh"), ["--fresh", "--run", 'echo "$HMS_ENV_DIR"'], {
      reject: false,
      stdin: "ignore",
    });
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    expect(fresh.stdout).toBe(env.path);
    expect(injected(ws.dir)).toBe(false);
  });

  it("the printed cd command, pasted into bash, reaches the environment and launches it", async () => {
    const cd =
      printed
        .split("\n")
        .find((line) => line.trimStart().startsWith("cd "))
        ?.trim() ?? "";
    expect(cd).toContain("'\\''");
    const pasted = await execa("bash", ["-c", `${cd} && ./launch.sh --run 'echo "$HMS_ENV_DIR"'`], {
      cwd: ws.dir,
      reject: false,
      stdin: "ignore",
    });
    expect(pasted.exitCode, pasted.stderr).toBe(0);
    expect(pasted.stdout).toBe(env.path);
    expect(injected(ws.dir)).toBe(false);
  });

  it("cleanup.sh removes it, and runs nothing from the path either", async () => {
    const result = await execa(join(env.path, "cleanup.sh"), [], { reject: false, stdin: "ignore" });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(existsSync(env.path)).toBe(false);
    expect(injected(ws.dir)).toBe(false);
  });
});
