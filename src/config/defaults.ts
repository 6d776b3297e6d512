import type { ComponentConfig } from "./schema.js";

/** The four HMS components, laid out as the HMS monorepo keeps them under SYSTEM-COMPONENTS/. */
export const DEFAULT_COMPONENTS: Record<string, ComponentConfig> = {
  "hms-sme": {
    name: "HMS-SME",
    description: "Ruby on Rails application with PostgreSQL",
    paths: ["SYSTEM-COMPONENTS/HMS-SME/**"],
  },
  "hms-esr": {
    name: "HMS-ESR",
    description: "Ruby services with the ESR configuration",
    paths: ["SYSTEM-COMPONENTS/HMS-ESR/**"],
  },
  "hms-dev": {
    name: "HMS-DEV",
    description: "Node.js, TypeScript and Rust developer tooling",
    paths: ["SYSTEM-COMPONENTS/HMS-DEV/**"],
  },
  "hms-sys": {
    name: "HMS-SYS",
    description: "Rust, Clang, Protobuf and LLVM system services",
    paths: ["SYSTEM-COMPONENTS/HMS-SYS/**"],
  },
};

/** `--component all` selects every configured component and the merged Nix shell. */
export const ALL_COMPONENTS = "all";
