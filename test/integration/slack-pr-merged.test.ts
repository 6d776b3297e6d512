import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deliver, pullPayload } from "../helpers/github.js";
import { type GithubHarness, startGithubHarness } from "../helpers/github-serve.js";
import { eventually } from "../helpers/serve.js";
import { type FakeSlack, startFakeSlack } from "../helpers/slack.js";

let gh: GithubHarness;
let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack();
  gh = await startGithubHarness("slack:\n  bugChannels: [C0BUGS]", { slack });
});
afterAll(async () => {
  await gh.close();
  await slack.close();
});

/** DMs posted to a person (each is then edited in place). */
const dmsTo = (userId: string) =>
  slack.called("chat.postMessage").filter((call) => call.args.channel === userId && call.answer?.ok);

/** The first DM to a person as they see it now: "" before it is posted. */
function dmOf(userId: string): string {
  const answer = dmsTo(userId)[0]?.answer as { channel: string; ts: string } | undefined;
  if (answer === undefined) return "";
  const versions = [
    ...dmsTo(userId).slice(0, 1),
    ...slack
      .called("chat.update")
      .filter((call) => call.args.channel === answer.channel && call.args.ts === answer.ts),
  ];
  return JSON.stringify(versions.at(-1)?.args.blocks);
}

describe("a pull request merged on GitHub", () => {
  it("its environment goes, and its author's DM says so, and why, in place", async () => {
    const file = "SYSTEM-COMPONENTS/HMS-DEV/src/index.ts";
    const head = await gh.repo.pullHead(62, { [file]: "export const merged = true;\n" });
    gh.api.files.set(62, [{ filename: file }]);
    await deliver(gh.server.url, "pull_request", pullPayload("opened", { number: 62, head, login: "ana" }));
    await gh.settle();
    const [env] = await gh.environments(62);
    expect(env?.owner).toBe("U024BE7LH");
    await eventually(() => dmOf("U024BE7LH").includes("launch.sh"), "the author's DM");

    const merged = await deliver(
      gh.server.url,
      "pull_request",
      pullPayload("closed", { number: 62, head, merged: true }),
    );
    expect(merged.status).toBe(202);
    await gh.settle();
    expect((await gh.environments(62))[0]).toMatchObject({ status: "cleaned", cleanReason: "merged" });
    await eventually(() => dmOf("U024BE7LH").includes("is gone"), "the DM saying it is gone");
    expect(dmOf("U024BE7LH")).toContain(`\`${env?.id}\` is gone: the pull request was merged`);
    expect(dmOf("U024BE7LH")).not.toContain("launch.sh");
    expect(dmsTo("U024BE7LH")).toHaveLength(1);
  });
});
