import { describe, expect, it } from "vitest";
import { DEFAULT_COMPONENTS } from "../../../src/config/defaults.js";
import type { ComponentConfig } from "../../../src/config/schema.js";
import { createPathOwnership, pathsInText } from "../../../src/triage/paths.js";

const component = (paths: string[]): ComponentConfig => ({
  name: "X",
  description: "",
  paths,
  aliases: [],
  keywords: [],
  labels: [],
});

describe("pathsInText", () => {
  it("finds the file of Ruby, Node, Rust and clang frames, without line and column", () => {
    const text = [
      "/home/ana/work/hms/SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb:42:in `validate'",
      "    at Object.<anonymous> (/work/hms/SYSTEM-COMPONENTS/HMS-DEV/dist/run.js:4:17)",
      "  --> SYSTEM-COMPONENTS/HMS-SYS/crates/collector/src/main.rs:12:5",
      "SYSTEM-COMPONENTS/HMS-SYS/native/sensor.cc:3:10: fatal error: 'stddef.h' file not found",
    ].join("\n");
    expect(pathsInText(text)).toEqual([
      "/home/ana/work/hms/SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb",
      "/work/hms/SYSTEM-COMPONENTS/HMS-DEV/dist/run.js",
      "SYSTEM-COMPONENTS/HMS-SYS/crates/collector/src/main.rs",
      "SYSTEM-COMPONENTS/HMS-SYS/native/sensor.cc",
    ]);
  });

  it("finds nothing in prose", () => {
    expect(pathsInText("The app is slow since this morning.")).toEqual([]);
  });
});

describe("createPathOwnership", () => {
  const ownerOf = createPathOwnership(DEFAULT_COMPONENTS);

  it("matches repository-relative paths and any suffix of absolute ones", () => {
    expect(ownerOf("SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb")).toEqual({
      component: "hms-sme",
      pattern: "SYSTEM-COMPONENTS/HMS-SME/**",
      path: "SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb",
    });
    expect(ownerOf("/builds/ci/hms/SYSTEM-COMPONENTS/HMS-DEV/src/cli.ts")?.path).toBe(
      "SYSTEM-COMPONENTS/HMS-DEV/src/cli.ts",
    );
    expect(ownerOf("C:\\work\\hms\\SYSTEM-COMPONENTS\\HMS-ESR\\lib\\esr.rb")?.component).toBe("hms-esr");
  });

  it("owns nothing outside the components' globs", () => {
    expect(ownerOf("/usr/lib/ruby/3.3.0/psych.rb")).toBeUndefined();
    expect(ownerOf("SYSTEM-COMPONENTS/HMS-OTHER/x.rb")).toBeUndefined();
  });

  it("gives overlapping globs to the deepest pattern, whatever the order", () => {
    const overlapping = createPathOwnership({
      "hms-dev": component(["SYSTEM-COMPONENTS/HMS-DEV/**"]),
      "hms-sys": component(["SYSTEM-COMPONENTS/HMS-DEV/bridge/**", "**/*.proto"]),
    });
    expect(overlapping("SYSTEM-COMPONENTS/HMS-DEV/bridge/src/lib.rs")?.component).toBe("hms-sys");
    expect(overlapping("SYSTEM-COMPONENTS/HMS-DEV/src/cli.ts")?.component).toBe("hms-dev");
    // **/*.proto has no literal directory, so the deeper HMS-DEV/** wins inside HMS-DEV ...
    expect(overlapping("SYSTEM-COMPONENTS/HMS-DEV/api/events.proto")?.component).toBe("hms-dev");
    // ... and it takes .proto files nobody else claims.
    expect(overlapping("/work/proto/hms/v1/events.proto")?.component).toBe("hms-sys");
  });
});
