import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineBug } from "../../src/bugs/pipeline.js";
import { deliver, issuePayload as issueDelivery, type Payload } from "../helpers/github.js";
import { type GithubHarness, startGithubHarness } from "../helpers/github-serve.js";

let gh: GithubHarness;

beforeAll(async () => {
  gh = await startGithubHarness("", { bugs: true });
});
afterAll(async () => gh.close());

const LOGINS: Record<string, string> = { U024BE7LH: "ana", U024BE7LJ: "bo" };
const REPORT = [
  "Saving a user crashes",
  "",
  'ActiveRecord::StatementInvalid: PG::UndefinedTable: ERROR:  relation "users" does not exist',
  "  from SYSTEM-COMPONENTS/HMS-SME/app/models/user.rb:3",
].join("\n");

function issuePayload(
  action: string,
  number: number,
  labels: string[],
  extra: Partial<Payload> = {},
): Payload {
  const [title = "", ...body] = REPORT.split("\n");
  return issueDelivery(action, { number, title, body: body.join("\n"), labels }, extra);
}

const bugsOf = async (issue: number) =>
  (await gh.bugs?.pipeline.list((bug) => bug.origin?.refs?.issue === String(issue))) ?? [];

/** The number of the issue a bug is linked to. */
const issueOf = (bug: PipelineBug) => Number(bug.links?.github?.issue);

const callsTo = (method: string, suffix: string) =>
  gh.api.calls.filter((call) => call.method === method && call.path.endsWith(suffix));

describe("issues as bug reports", () => {
  it("an issue opened with the bug label is triaged, assigned on GitHub, labelled, and provisioned", async () => {
    gh.api.issues.set(50, { number: 50, title: "Saving a user crashes", body: REPORT, labels: ["bug"] });
    await deliver(gh.server.url, "issues", issuePayload("opened", 50, ["bug"]));
    // GitHub announces the label of a new issue as well: still one bug.
    await deliver(gh.server.url, "issues", issuePayload("labeled", 50, ["bug"], { label: { name: "bug" } }));
    await gh.settle();

    const [bug, ...others] = await bugsOf(50);
    expect(others).toHaveLength(0);
    expect(bug?.components[0]).toBe("hms-sme");
    expect(bug?.origin?.link).toBe("https://github.test/hms-org/hms-monorepo/issues/50");
    const login = LOGINS[bug?.assignee ?? ""];
    expect(login).toBeDefined();
    expect(callsTo("POST", "/issues/50/labels")[0]?.body).toEqual({ labels: ["hms-sme"] });
    expect(callsTo("POST", "/issues/50/assignees")[0]?.body).toEqual({ assignees: [login] });
    expect(gh.api.issues.get(50)?.assignees).toEqual([login]);
    expect((bug as PipelineBug).links?.github).toMatchObject({ issue: "50" });
    // The assignee's environment, as for a report in Slack.
    const env = (await gh.environments()).find(
      (candidate) => candidate.id === (bug as PipelineBug).environment,
    );
    expect(env?.status).toBe("ready");
    expect(env?.owner).toBe(bug?.assignee);
  });

  it("an issue without the bug label is no bug until it gets the label", async () => {
    await deliver(gh.server.url, "issues", issuePayload("opened", 51, ["question"]));
    await gh.settle();
    expect(await bugsOf(51)).toHaveLength(0);
    await deliver(
      gh.server.url,
      "issues",
      issuePayload("labeled", 51, ["question", "docs"], { label: { name: "docs" } }),
    );
    await gh.settle();
    expect(await bugsOf(51)).toHaveLength(0);
    gh.api.issues.set(51, { number: 51, title: "x", body: "", labels: ["question", "bug"] });
    await deliver(
      gh.server.url,
      "issues",
      issuePayload("labeled", 51, ["question", "bug"], { label: { name: "bug" } }),
    );
    await gh.settle();
    expect(await bugsOf(51)).toHaveLength(1);
  });

  it("closing the issue closes the bug, and nothing is written back to GitHub", async () => {
    const patchesBefore = callsTo("PATCH", "/issues/50").length;
    await deliver(gh.server.url, "issues", issuePayload("closed", 50, ["bug"]));
    await gh.settle();
    const [bug] = await bugsOf(50);
    expect(bug?.status).toBe("closed");
    expect(callsTo("PATCH", "/issues/50")).toHaveLength(patchesBefore);
  });
});

describe("bugs reported in Slack", () => {
  let messages = 0;
  // Each report is another Slack message: one message is one bug.
  const fileFromSlack = async () => {
    const ts = `1764000000.${String(++messages).padStart(6, "0")}`;
    const filed = await gh.bugs?.pipeline.file({
      text: REPORT,
      reporter: "U04IVY001",
      origin: {
        source: "slack",
        link: `https://hms.slack.test/archives/C1/p${ts.replace(".", "")}`,
        refs: { channel: "C1", ts },
      },
    });
    await gh.settle();
    if (!filed) throw new Error("not filed");
    return (await gh.bugs?.pipeline.get(filed.bug.id)) as PipelineBug;
  };

  it("become a GitHub issue with the reporter, triage's reasons, the component label and the assignee", async () => {
    const bug = await fileFromSlack();
    const link = bug.links?.github as { issue: string; url: string };
    const issue = gh.api.issues.get(Number(link.issue));
    expect(issue?.title).toBe("Saving a user crashes");
    expect(issue?.body).toContain("Reported in Slack by Slack user `U04IVY001`");
    expect(issue?.body).toContain(`hms-env ${bug.id}`);
    expect(issue?.body).toContain("PG::UndefinedTable");
    expect(issue?.body).toContain("**Triage:** hms-sme by path evidence");
    expect(issue?.labels).toEqual(["bug", "hms-sme"]);
    expect(issue?.assignees).toEqual([LOGINS[bug.assignee ?? ""]]);
    expect(link.url).toBe(`https://github.test/hms-org/hms-monorepo/issues/${link.issue}`);
  });

  it("reassigning in Slack reassigns on GitHub, closing the bug closes the issue", async () => {
    const bug = await fileFromSlack();
    const number = issueOf(bug);
    const other = bug.assignee === "U024BE7LH" ? "U024BE7LJ" : "U024BE7LH";
    await gh.bugs?.pipeline.assignTo(bug.id, other, "U04IVY001");
    await gh.settle();
    expect(gh.api.issues.get(number)?.assignees).toEqual([LOGINS[other]]);
    await gh.bugs?.pipeline.close(bug.id, "U04IVY001", "fixed");
    await gh.settle();
    expect(gh.api.issues.get(number)?.state).toBe("closed");
  });

  it("an assignee GitHub refuses does not lose the issue", async () => {
    gh.api.assignable = new Set(["someone-else"]);
    try {
      const bug = await fileFromSlack();
      const issue = gh.api.issues.get(issueOf(bug));
      expect(issue?.assignees).toEqual([]);
      expect(gh.logs.some((line) => line.includes(`${bug.id}: GitHub refused @`))).toBe(true);
    } finally {
      gh.api.assignable = undefined;
    }
  });
});
