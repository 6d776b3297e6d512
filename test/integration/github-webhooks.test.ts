import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver, examplePayload, pullPayload } from "../helpers/github.js";
import { type GithubHarness, startGithubHarness } from "../helpers/github-serve.js";

let gh: GithubHarness;

beforeAll(async () => {
  gh = await startGithubHarness();
});
afterAll(async () => gh.close());

describe("POST /github/webhooks refuses what GitHub did not sign, and changes nothing", () => {
  const payload = () => pullPayload("opened", { number: 40, head: "0".repeat(40) });

  it.each([
    ["a missing signature", { signature: null }, 400, "X-Hub-Signature-256 is missing"],
    ["another secret's signature", { secret: "not the secret" }, 401, "does not match"],
    ["a malformed signature", { signature: "sha256=zz" }, 401, "does not match"],
    ["a signature without its sha256= prefix", { signature: "abc" }, 401, "does not match"],
  ])("%s is refused", async (_what, options, status, message) => {
    const before = gh.stateText();
    const answer = await deliver(gh.server.url, "pull_request", payload(), options);
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body).error).toContain(message);
    await gh.settle();
    expect(gh.stateText()).toBe(before);
    expect(gh.api.calls).toHaveLength(0);
  });

  it("a signed body that is not JSON gets 400", async () => {
    const { Webhooks } = await import("@octokit/webhooks");
    const body = "payload=%7B%7D";
    const signature = await new Webhooks({ secret: "It's a Secret to Everybody" }).sign(body);
    const response = await fetch(`${gh.server.url}/github/webhooks`, {
      method: "POST",
      headers: { "x-github-event": "ping", "x-github-delivery": "form-1", "x-hub-signature-256": signature },
      body,
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain("application/json");
  });

  it("a GET gets 405 and names what the endpoint takes", async () => {
    const response = await fetch(`${gh.server.url}/github/webhooks`);
    expect(response.status).toBe(405);
  });

  it("a payload for another repository is ignored and logged", async () => {
    const foreign = payload();
    foreign.repository.full_name = "someone/else";
    const answer = await deliver(gh.server.url, "pull_request", foreign);
    expect(answer.status).toBe(202);
    await gh.settle();
    expect(gh.api.calls).toHaveLength(0);
    expect(gh.logs.some((line) => line.includes("is for someone/else, not hms-org/hms-monorepo"))).toBe(true);
  });

  it("ping is answered and logged", async () => {
    const answer = await deliver(gh.server.url, "ping", examplePayload("ping"));
    expect(answer.status).toBe(202);
    await gh.settle();
    expect(gh.logs.some((line) => line.startsWith("GitHub ping from hook"))).toBe(true);
  });
});

interface LearnedEntry {
  id: string;
  component: string;
  rootCause: string;
  references: string[];
}

const learnedEntries = () =>
  (JSON.parse(readFileSync(join(gh.ws.dir, "root_cause.json"), "utf8")) as { entries: LearnedEntry[] })
    .entries;

describe("root-cause learning", () => {
  const ERROR = 'PG::UndefinedTable: ERROR:  relation "audit_trails" does not exist at character 15';

  it("a merged PR that fixes a tracked bug and names the root cause adds an entry the next report gets", async () => {
    gh.api.issues.set(21, {
      number: 21,
      title: "Audit page crashes",
      body: `Opening /audit fails:\n\n${ERROR}\n`,
      labels: ["bug"],
    });
    const head = await gh.repo.pullHead(30, {
      "SYSTEM-COMPONENTS/HMS-SME/db/migrate/1_audit.rb": "# migration\n",
    });
    gh.api.files.set(30, [{ filename: "SYSTEM-COMPONENTS/HMS-SME/db/migrate/1_audit.rb" }]);
    const body = [
      "Adds the missing migration.",
      "",
      "Fixes #21",
      "",
      "## Root cause",
      "The audit_trails migration was never committed, so fresh databases lack the table.",
      "",
      "## Testing",
      "rails db:migrate",
    ].join("\n");
    const merge = async () => {
      await deliver(
        gh.server.url,
        "pull_request",
        pullPayload("closed", { number: 30, head, merged: true, body }),
      );
      await gh.settle();
      return learnedEntries();
    };
    await deliver(gh.server.url, "pull_request", pullPayload("opened", { number: 30, head }));
    const learned = (await merge()).find((entry) => entry.id === "RC-GH-21-30");
    expect(learned?.component).toBe("hms-sme");
    expect(learned?.rootCause).toBe(
      "The audit_trails migration was never committed, so fresh databases lack the table.",
    );
    expect(learned?.references).toContain("https://github.test/hms-org/hms-monorepo/pull/30");
    expect(gh.api.commentsOn(21)[0]?.body).toContain("`RC-GH-21-30`");

    // The next report of the same error, on another table, is pointed to the learned cause.
    const triage = await gh.ws.cli([
      "triage",
      'PG::UndefinedTable: ERROR:  relation "audit_logs" does not exist at character 9',
      "--json",
    ]);
    expect(triage.exitCode, triage.stderr).toBe(0);
    const decision = JSON.parse(triage.stdout) as { rootCauses: { id: string }[] };
    expect(decision.rootCauses[0]?.id).toBe("RC-GH-21-30");

    // Redelivering the merge by hand (a new delivery id) adds nothing twice.
    expect((await merge()).filter((entry) => entry.id === "RC-GH-21-30")).toHaveLength(1);
  });

  it("an issue that is not a tracked bug teaches nothing", async () => {
    gh.api.issues.set(22, { number: 22, title: "Docs typo", body: "typo", labels: ["docs"] });
    const head = await gh.repo.pullHead(31, { "README.md": "typo fixed\n" });
    gh.api.files.set(31, [{ filename: "README.md" }]);
    const body = "Fixes #22\n\nRoot cause: a typo.";
    await deliver(
      gh.server.url,
      "pull_request",
      pullPayload("closed", { number: 31, head, merged: true, body }),
    );
    await gh.settle();
    expect(learnedEntries().some((entry) => entry.id.startsWith("RC-GH-22"))).toBe(false);
    expect(gh.logs.some((line) => line.includes("#22, which is not a tracked bug"))).toBe(true);
  });
});
