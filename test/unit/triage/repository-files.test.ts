import { renameSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commitToOrigin, createTriageMonorepo, repositoryFilesFor } from "../../helpers/triage-monorepo.js";
import { useTempDir } from "../support.js";

const tempDir = useTempDir("repo-files");

describe("the repository's file index", () => {
  it("lists the default branch from the mirror, and is rebuilt only when a fetch moves it", async () => {
    const dir = tempDir();
    const origin = await createTriageMonorepo(dir);
    const files = repositoryFilesFor(dir, origin);

    const first = await files.refresh();
    expect(first.source).toMatch(/^\d+ files of main at [0-9a-f]{12}$/);
    expect(first.index?.resolve("app/models/claim.rb")).toMatchObject({
      kind: "file",
      file: "SYSTEM-COMPONENTS/HMS-SME/app/models/claim.rb",
      component: "hms-sme",
    });
    // Nothing new upstream: the same index object, not a second listing.
    expect((await files.refresh()).index).toBe(first.index);
    expect((await files.current()).index).toBe(first.index);

    await commitToOrigin(origin, { "SYSTEM-COMPONENTS/HMS-ESR/lib/esr/audit.rb": "module Esr; end\n" });
    expect((await files.current()).index).toBe(first.index);
    const second = await files.refresh();
    expect(second.index?.commit).not.toBe(first.index?.commit);
    expect(second.index?.size).toBe((first.index?.size ?? 0) + 1);
    expect(second.index?.resolve("lib/esr/audit.rb")).toMatchObject({ kind: "file", component: "hms-esr" });
  });

  it("uses the commit fetched before when the origin cannot be reached, and says so", async () => {
    const dir = tempDir();
    const origin = await createTriageMonorepo(dir);
    const files = repositoryFilesFor(dir, origin);
    const before = await files.refresh();
    renameSync(origin, join(dir, "moved"));
    const offline = await repositoryFilesFor(dir, origin).refresh();
    expect(offline.index?.commit).toBe(before.index?.commit);
    expect(offline.source).toContain('(fetched before: cannot fetch branch "main"');
  });

  it("has no index, and says why, without a repository or before any fetch succeeded", async () => {
    const dir = tempDir();
    const outside = await repositoryFilesFor(dir, join(dir, "nowhere")).refresh();
    expect(outside.index).toBeUndefined();
    expect(outside.source).toMatch(
      /^no file index \(cannot fetch branch "main".*\): paths are read by components/,
    );
  });

  it("lists names with spaces and non-ASCII characters as they are", async () => {
    const dir = tempDir();
    const origin = await createTriageMonorepo(dir);
    await commitToOrigin(origin, { "SYSTEM-COMPONENTS/HMS-DEV/web/src/Übersicht view.tsx": "x\n" });
    const { index } = await repositoryFilesFor(dir, origin).refresh();
    expect(index?.resolve("src/Übersicht view.tsx")).toMatchObject({ kind: "file", component: "hms-dev" });
  });
});
