import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Integration tests run real git, nix-shell and child processes: generous, never a speed assertion.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
