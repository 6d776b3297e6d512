import { describe, expect, it } from "vitest";
import { DEFAULT_COMPONENTS } from "../../../src/config/defaults.js";
import { createFileIndex, pathSegments } from "../../../src/triage/file-index.js";
import { createFileOwnership } from "../../../src/triage/paths.js";

const FILES = [
  "README.md",
  "scripts/release.sh",
  "SYSTEM-COMPONENTS/HMS-SME/app/models/claim.rb",
  "SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb",
  "SYSTEM-COMPONENTS/HMS-SME/config/database.yml",
  "SYSTEM-COMPONENTS/HMS-ESR/lib/esr/export.rb",
  "SYSTEM-COMPONENTS/HMS-ESR/lib/esr/rules.rb",
  "SYSTEM-COMPONENTS/HMS-ESR/config/esr.yml",
  "SYSTEM-COMPONENTS/HMS-ESR/config/database.yml",
  "SYSTEM-COMPONENTS/HMS-DEV/web/src/index.ts",
  "SYSTEM-COMPONENTS/HMS-DEV/web/src/api/client.ts",
  "SYSTEM-COMPONENTS/HMS-DEV/devtool/src/main.rs",
  "SYSTEM-COMPONENTS/HMS-DEV/devtool/src/lib.rs",
  "SYSTEM-COMPONENTS/HMS-SYS/agent/src/main.rs",
  "SYSTEM-COMPONENTS/HMS-SYS/agent/src/lib.rs",
  "SYSTEM-COMPONENTS/HMS-SYS/proto/env.proto",
  "tools/src/lib.rs",
];

const index = createFileIndex("4be1a0c9d2e1", FILES, createFileOwnership(DEFAULT_COMPONENTS));

describe("pathSegments", () => {
  it("reads Unix, Windows, webpack and URL paths, without ., .. and ...", () => {
    expect(pathSegments("./src/index.ts")).toEqual(["src", "index.ts"]);
    expect(pathSegments("C:\\Users\\ana\\hms\\web\\src\\index.ts")).toEqual([
      "Users",
      "ana",
      "hms",
      "web",
      "src",
      "index.ts",
    ]);
    expect(pathSegments("webpack://hms-web/./src/index.ts")).toEqual(["src", "index.ts"]);
    expect(pathSegments("/srv/hms/.../lib/esr/export.rb")).toEqual(["srv", "hms", "lib", "esr", "export.rb"]);
    expect(pathSegments("../../config/esr.yml.")).toEqual(["config", "esr.yml"]);
  });
});

describe("createFileIndex", () => {
  const file = (path: string) => {
    const resolved = index.resolve(path);
    return resolved.kind === "file" ? [resolved.file, resolved.component] : resolved.kind;
  };

  it("resolves paths relative to an app, a crate or a component by their longest suffix", () => {
    expect(file("app/models/claim.rb")).toEqual(["SYSTEM-COMPONENTS/HMS-SME/app/models/claim.rb", "hms-sme"]);
    expect(file("lib/esr/rules.rb")).toEqual(["SYSTEM-COMPONENTS/HMS-ESR/lib/esr/rules.rb", "hms-esr"]);
    expect(file("agent/src/main.rs")).toEqual(["SYSTEM-COMPONENTS/HMS-SYS/agent/src/main.rs", "hms-sys"]);
    expect(file("web/src/index.ts")).toEqual(["SYSTEM-COMPONENTS/HMS-DEV/web/src/index.ts", "hms-dev"]);
    expect(file("proto/env.proto")).toEqual(["SYSTEM-COMPONENTS/HMS-SYS/proto/env.proto", "hms-sys"]);
    expect(file("config/esr.yml")).toEqual(["SYSTEM-COMPONENTS/HMS-ESR/config/esr.yml", "hms-esr"]);
  });

  it("resolves absolute paths from another root, Windows paths and webpack's ./src", () => {
    expect(file("/srv/hms/releases/20261120/lib/esr/export.rb")?.[0]).toBe(
      "SYSTEM-COMPONENTS/HMS-ESR/lib/esr/export.rb",
    );
    expect(file("C:\\Users\\ana\\hms\\web\\src\\api\\client.ts")?.[1]).toBe("hms-dev");
    expect(file("webpack:///./src/api/client.ts")?.[1]).toBe("hms-dev");
    expect(file("/home/ci/hms/SYSTEM-COMPONENTS/HMS-SYS/agent/src/lib.rs")?.[0]).toBe(
      "SYSTEM-COMPONENTS/HMS-SYS/agent/src/lib.rs",
    );
  });

  it("calls a suffix of several components' files ambiguous, and lists them", () => {
    expect(index.resolve("src/main.rs")).toEqual({
      kind: "ambiguous",
      suffix: "src/main.rs",
      partial: false,
      components: ["hms-dev", "hms-sys"],
      examples: [
        "SYSTEM-COMPONENTS/HMS-DEV/devtool/src/main.rs",
        "SYSTEM-COMPONENTS/HMS-SYS/agent/src/main.rs",
      ],
      count: 2,
    });
    // A file outside every component makes a suffix ambiguous too: the report may mean that one.
    expect(index.resolve("/home/ana/x/src/lib.rs")).toMatchObject({
      kind: "ambiguous",
      components: ["hms-dev", "hms-sys", null],
      count: 3,
    });
    expect(index.resolve("config/database.yml")).toMatchObject({
      kind: "ambiguous",
      components: ["hms-esr", "hms-sme"],
    });
  });

  it("knows nothing of other people's code, single file names and paths it has not got", () => {
    expect(index.resolve("/usr/lib/ruby/gems/3.3.0/gems/pg-1.5.4/lib/esr/rules.rb").kind).toBe("unknown");
    expect(
      index.resolve("/home/ci/.cargo/registry/src/index.crates.io-6f17/prost-0.12/src/lib.rs").kind,
    ).toBe("unknown");
    expect(index.resolve("/home/ana/notes/claim.rb").kind).toBe("unknown");
    expect(index.resolve("app/controllers/claims_controller.rb").kind).toBe("unknown");
  });

  it("reads a forged path of 50,000 segments by what the repository has, and nothing above the root", () => {
    expect(file(`${"x/".repeat(50_000)}app/models/claim.rb`)).toEqual([
      "SYSTEM-COMPONENTS/HMS-SME/app/models/claim.rb",
      "hms-sme",
    ]);
    expect(index.resolve("../../../../etc/passwd").kind).toBe("unknown");
    expect(index.resolve("").kind).toBe("unknown");
  });

  it("resolves files outside every component to no component", () => {
    expect(file("scripts/release.sh")).toEqual(["scripts/release.sh", null]);
  });

  it("is exact for 1,000 files of the same name spread over one component", () => {
    const many = Array.from({ length: 1000 }, (_, n) => `SYSTEM-COMPONENTS/HMS-DEV/pkg${n}/src/index.ts`);
    const big = createFileIndex("c0ffee", [...many, "SYSTEM-COMPONENTS/HMS-SYS/ui/src/index.ts"], (path) =>
      path.includes("HMS-DEV") ? "hms-dev" : "hms-sys",
    );
    expect(big.resolve("pkg517/src/index.ts")).toMatchObject({
      kind: "file",
      component: "hms-dev",
      count: 1,
    });
    expect(big.resolve("ui/src/index.ts")).toMatchObject({ kind: "file", component: "hms-sys" });
    expect(big.resolve("./src/index.ts")).toMatchObject({ kind: "ambiguous", count: 1001 });
  });
});
