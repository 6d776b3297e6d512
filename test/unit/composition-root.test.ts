import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/load.js";
import { PACKAGE_ROOT } from "../../src/config/package-root.js";
import { noLog } from "../../src/envs/context.js";
import { readOwner } from "../../src/store/file-lock.js";
import { markerOf } from "../../src/store/state-file.js";
import { manualClock } from "../helpers/manual-clock.js";
import { useTempDir } from "./support.js";

const tempDir = useTempDir("composition-root");

/** Another replica, as createApp is told about it: nothing may name this test process instead. */
const REPLICA = { pid: 424242, host: "replica-b.example", isAlive: () => true };

function appIn(dir: string) {
  writeFileSync(join(dir, "hms.config.yaml"), "stateFile: ./data/state.json\nenvRoot: ./envs\n");
  const clock = manualClock(new Date("2031-05-06T07:08:09.000Z"));
  const config = loadConfig({ explicitPath: join(dir, "hms.config.yaml"), cwd: dir });
  const app = createApp({ config, env: {}, clock, log: noLog, self: REPLICA, nodeBinary: "/usr/bin/node" });
  return { app, clock, config };
}

const lockOwner = (file: string) => readOwner(`${file}.lock`);

describe("createApp takes the process and the time from its caller", () => {
  it("names the given process in the state lock, the state file's marker and the mirror lock; stamps with the given clock", async () => {
    const { app } = appIn(tempDir());
    const file = app.store.file;
    const inside = await app.store.update(() => lockOwner(file));
    expect(inside).toMatchObject({ pid: REPLICA.pid, host: REPLICA.host });
    expect(JSON.parse(readFileSync(markerOf(file), "utf8"))).toEqual({
      createdAt: "2031-05-06T07:08:09.000Z",
      host: REPLICA.host,
      pid: REPLICA.pid,
    });
    await app.store.audit({ actor: "test", action: "test", target: "x" });
    expect((await app.store.read()).audit.at(-1)?.at).toBe("2031-05-06T07:08:09.000Z");

    const mirror = join(tempDir(), "repo.git");
    mkdirSync(mirror);
    const mirrorOwner = await app.git.withMirrorLock(mirror, async () => lockOwner(mirror));
    expect(mirrorOwner).toMatchObject({ pid: REPLICA.pid, host: REPLICA.host });
  });
});

/** Every source file outside the command line (src/cli.ts and src/cli/), with its comments taken out. */
function codeOutsideCli(): { path: string; code: string }[] {
  const src = join(PACKAGE_ROOT, "src");
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith(".ts")) files.push(path);
    }
  };
  walk(src);
  return files
    .map((path) => ({ path: relative(src, path), text: readFileSync(path, "utf8") }))
    .filter(({ path }) => path !== "cli.ts" && !path.startsWith("cli/"))
    .map(({ path, text }) => ({
      path,
      code: text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1"),
    }));
}

describe("nothing outside the command line reads the process's environment, pid or host name", () => {
  it.each([
    ["process.env", /\bprocess\.env\b/],
    ["process.pid", /\bprocess\.pid\b/],
    ["the host name", /\bhostname\s*\(/],
  ])("%s", (_what, pattern) => {
    const readers = codeOutsideCli()
      .filter(({ code }) => pattern.test(code))
      .map(({ path }) => path);
    expect(readers).toEqual([]);
  });

  it("the scan would see one", () => {
    // The same scan over a line that does read it, so a broken pattern cannot pass the test above.
    expect(/\bprocess\.pid\b/.test("const staged = `${file}.${process.pid}.tmp`;")).toBe(true);
    expect(codeOutsideCli().length).toBeGreaterThan(50);
  });
});
