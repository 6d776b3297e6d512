import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.js";
import { manualClock } from "../helpers/manual-clock.js";
import { eventually } from "../helpers/serve.js";
import { clickButton } from "../helpers/slack.js";
import { anyReady, blockText, type SlackHarness, settle, useSlackHarness } from "../helpers/slack-app.js";
import { CHANNELS, PEOPLE, SME_REPORT, VAGUE_REPORT } from "../helpers/teams.js";

const open = useSlackHarness();

const report = (text = SME_REPORT) => ({
  type: "message",
  channel: CHANNELS.bugs,
  user: PEOPLE.ana,
  text,
  ts: `${Math.floor(Date.now() / 1000)}.${String(Math.floor(Math.random() * 1e6)).padStart(6, "0")}`,
});

/** Files the SME report and waits for Bo's environment and DM. */
async function readyEnvironment(h: SlackHarness) {
  await h.send.event(report());
  await settle(h, anyReady(h), "the environment");
  const posted = h.posts(PEOPLE.bo)[0]?.answer as { channel: string; ts: string };
  return { env: h.environments()[0], dm: () => h.message(posted.channel, posted.ts) };
}

/** The bug's card as it stands now (posted once, then edited). */
function cardMessage(h: SlackHarness) {
  const posted = h.fake.called("chat.postMessage").find((call) => String(call.args.text).startsWith("BUG-"));
  const answer = posted?.answer as { channel: string; ts: string };
  return h.message(answer.channel, answer.ts);
}

/** Ephemeral answers sent back through response_url. */
const ephemerals = (h: SlackHarness) =>
  h.fake.calls.filter((call) => call.method.startsWith("respond/")).map((call) => String(call.args.text));

describe("Extend and Clean up now", () => {
  it("the owner extends: the deadline moves and the DM shows the new expiry in place", async () => {
    const h = await open();
    const { env, dm } = await readyEnvironment(h);
    await h.send.interaction(clickButton(dm(), ACTIONS.extend, PEOPLE.bo, "Extend 4h"));
    await h.idle();
    const after = h.environments()[0];
    expect(Date.parse(after?.expiresAt ?? "")).toBe(Date.parse(env?.expiresAt ?? "") + 4 * 3_600_000);
    const seconds = Math.floor(Date.parse(after?.expiresAt ?? "") / 1000);
    expect(blockText(dm().blocks)).toContain(`<!date^${seconds}^`);
    expect(h.posts(PEOPLE.bo)).toHaveLength(1);
  });

  it("a double click extends once", async () => {
    const h = await open();
    const { env, dm } = await readyEnvironment(h);
    const click = clickButton(dm(), ACTIONS.extend, PEOPLE.bo, "Extend 4h");
    await Promise.all([h.send.interaction(click), h.send.interaction(click)]);
    await h.idle();
    expect(Date.parse(h.environments()[0]?.expiresAt ?? "")).toBe(
      Date.parse(env?.expiresAt ?? "") + 4 * 3_600_000,
    );
  });

  it("a member of the team owning the component may extend it", async () => {
    const h = await open();
    const { env, dm } = await readyEnvironment(h);
    await h.send.interaction(clickButton(dm(), ACTIONS.extend, PEOPLE.ana, "Extend 24h"));
    await h.idle();
    expect(Date.parse(h.environments()[0]?.expiresAt ?? "")).toBeGreaterThan(
      Date.parse(env?.expiresAt ?? ""),
    );
    expect(ephemerals(h)).toHaveLength(0);
  });

  it("a member of the team owning the component may clean it up", async () => {
    const h = await open();
    const { dm } = await readyEnvironment(h);
    await h.send.interaction(clickButton(dm(), ACTIONS.cleanup, PEOPLE.ana));
    await settle(h, () => h.environments()[0]?.status === "cleaned", "the cleanup");
    expect(ephemerals(h)).toHaveLength(0);
  });

  it("a stranger is refused, only they see it, and nothing changes", async () => {
    const h = await open();
    const { env, dm } = await readyEnvironment(h);
    const before = dm();
    await h.send.interaction(clickButton(before, ACTIONS.extend, PEOPLE.stranger, "Extend 24h"));
    await h.send.interaction(clickButton(before, ACTIONS.cleanup, PEOPLE.dee));
    await h.idle();
    expect(h.environments()[0]).toMatchObject({ status: "ready", expiresAt: env?.expiresAt });
    const refusals = ephemerals(h);
    expect(refusals).toHaveLength(2);
    expect(refusals[0]).toContain(`<@${PEOPLE.bo}>`);
    expect(refusals[0]).toContain("Nothing was changed");
    expect(dm().blocks).toEqual(before.blocks);
  });

  it("the owner cleans up: the folder goes, the DM and the card say it is gone", async () => {
    const h = await open();
    const { env, dm } = await readyEnvironment(h);
    await h.send.interaction(clickButton(dm(), ACTIONS.cleanup, PEOPLE.bo));
    await eventually(async () => {
      await h.idle();
      return h.environments()[0]?.status === "cleaned";
    }, "the cleanup");
    await h.idle();
    expect(blockText(dm().blocks)).toContain(`\`${env?.id}\` is gone`);
    const card = h.fake
      .called("chat.update")
      .filter((call) => call.args.channel === CHANNELS.bugs)
      .at(-1);
    expect(blockText(card?.args.blocks)).toContain("Environment gone");
  });
});

describe("card buttons", () => {
  it("Reassign by the team picks someone else and updates the card in place; a stranger is refused", async () => {
    const h = await open({ config: "  autoProvision: false\n" });
    await h.send.event(report());
    await h.idle();
    const cardPost = h.posts(CHANNELS.bugs)[0]?.answer as { channel: string; ts: string };
    const card = h.message(cardPost.channel, cardPost.ts);
    await h.send.interaction(clickButton(card, ACTIONS.reassign, PEOPLE.stranger));
    await h.idle();
    expect(h.bugs()[0]).toMatchObject({ assignee: PEOPLE.bo });
    expect(ephemerals(h)[0]).toContain("Only the SME team");
    await h.send.interaction(clickButton(card, ACTIONS.assignToMe, PEOPLE.ana));
    await h.idle();
    expect(h.bugs()[0]).toMatchObject({ assignee: PEOPLE.ana, assignedBy: "manual" });
    expect(blockText(h.message(cardPost.channel, cardPost.ts).blocks)).toContain(`<@${PEOPLE.ana}>`);
    expect(h.posts(CHANNELS.bugs)).toHaveLength(1);
  });

  it("Provision environment by the assignee makes one environment, even on a double click", async () => {
    const h = await open({ config: "  autoProvision: false\n" });
    await h.send.event(report());
    await h.idle();
    const card = cardMessage(h);
    const click = clickButton(card, ACTIONS.provision, PEOPLE.bo);
    await Promise.all([h.send.interaction(click), h.send.interaction(click)]);
    await settle(h, anyReady(h), "the environment");
    expect(h.environments()).toHaveLength(1);
    expect(h.environments()[0]).toMatchObject({ owner: PEOPLE.bo, component: "hms-sme" });
    expect(blockText(cardMessage(h).blocks)).toContain("Environment ready");
  });

  it("a failed provisioning says why on the card and in the DM; Retry by a team member provisions again", async () => {
    const h = await open();
    await h.send.event(report(`${SME_REPORT}\nbranch: hotfix/login`));
    await settle(
      h,
      () => h.bugs()[0]?.provisionError !== undefined && h.bugs()[0]?.provisionError !== null,
      "the failure",
    );
    const failedCard = cardMessage(h);
    expect(blockText(failedCard.blocks)).toContain("Provisioning failed");
    expect(blockText(failedCard.blocks)).toContain("hotfix/login");
    const dmPost = h.posts(PEOPLE.bo)[0]?.answer as { channel: string; ts: string };
    expect(blockText(h.message(dmPost.channel, dmPost.ts).blocks)).toContain("Retry");
    // The branch is pushed; a member of the team retries from the card.
    await execa("git", ["branch", "hotfix/login", "main"], { cwd: h.ws.repo.path });
    await h.send.interaction(clickButton(failedCard, ACTIONS.retry, PEOPLE.ana));
    await settle(h, anyReady(h), "the environment after the retry");
    expect(h.environments().find((env) => env.status === "ready")).toMatchObject({ branch: "hotfix/login" });
    expect(blockText(cardMessage(h).blocks)).toContain("Environment ready");
    expect(blockText(h.message(dmPost.channel, dmPost.ts).blocks)).toContain("./launch.sh");
  });

  it("Close by a team member closes the bug and the card says so; its buttons go", async () => {
    const h = await open({ config: "  autoProvision: false\n" });
    await h.send.event(report());
    await h.idle();
    await h.send.interaction(clickButton(cardMessage(h), ACTIONS.close, PEOPLE.ana, "Close: duplicate"));
    await h.idle();
    expect(h.bugs()[0]).toMatchObject({ status: "closed", closeReason: "duplicate" });
    const text = blockText(cardMessage(h).blocks);
    expect(text).toContain("Closed");
    expect(text).not.toContain("Reassign");
  });

  it("a component the card never offered is refused and changes nothing", async () => {
    const h = await open({ config: "  autoProvision: false\n" });
    await h.send.event(report(VAGUE_REPORT));
    await h.idle();
    const card = cardMessage(h);
    const forged = clickButton(card, ACTIONS.reassign, PEOPLE.ivy) as { actions: Record<string, unknown>[] };
    const token = String(forged.actions[0]?.value);
    forged.actions[0] = {
      type: "static_select",
      action_id: ACTIONS.component,
      block_id: "pick",
      selected_option: { value: `${token} ../../etc` },
      action_ts: "2",
    };
    await h.send.interaction(forged);
    await h.idle();
    expect(ephemerals(h).join("\n")).toContain('unknown component "../../etc"');
    expect(h.bugs()[0]).toMatchObject({ needsTriage: true, team: "platform" });
  });

  it("a link another side announces (a GitHub issue) shows on the card", async () => {
    const h = await open({ config: "  autoProvision: false\n" });
    await h.send.event(report());
    await h.idle();
    await h.slack.pipeline.link(
      "BUG-1",
      "github",
      { issue: "9", url: "https://github.com/hms/monorepo/issues/9", title: "GitHub #9" },
      { announce: true },
    );
    await h.idle();
    expect(blockText(cardMessage(h).blocks)).toContain(
      "<https://github.com/hms/monorepo/issues/9|GitHub #9>",
    );
    expect(h.posts(CHANNELS.bugs)).toHaveLength(1);
  });

  it("a bug from outside Slack gets its card in the team's channel", async () => {
    const h = await open({ config: "  autoProvision: false\n" });
    await h.slack.pipeline.file({
      text: SME_REPORT,
      reporter: "octocat",
      origin: { source: "github", link: "https://github.com/hms/monorepo/issues/7" },
    });
    await h.idle();
    const posted = h.posts(CHANNELS.sme);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.args.thread_ts).toBeUndefined();
    expect(blockText(posted[0]?.args.blocks)).toContain("https://github.com/hms/monorepo/issues/7");
  });
});

describe("/hms-env", () => {
  it("acks at once, shows progress in one DM and ends with the launch instructions and Extend buttons", async () => {
    const h = await open();
    const answer = await h.send.command({
      text: "provision --component hms-dev --branch feature/new-feature --timeout 8h",
      user_id: PEOPLE.dee,
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({
      response_type: "ephemeral",
      text: /Provisioning hms-dev/,
    });
    await settle(h, anyReady(h), "the environment");
    const env = h.environments()[0];
    expect(env).toMatchObject({ owner: PEOPLE.dee, component: "hms-dev", branch: "feature/new-feature" });
    const posts = h.posts(PEOPLE.dee);
    expect(posts).toHaveLength(1);
    const dm = h.message(String(posts[0]?.answer?.channel), String(posts[0]?.answer?.ts));
    expect(blockText(dm.blocks)).toContain(`cd ${env?.path} && ./launch.sh`);
    expect(blockText(dm.blocks)).toContain("Extend 4h");
  });

  it("answers bad input with the value, the rule and the usage, and creates nothing", async () => {
    const h = await open();
    for (const [text, expected] of [
      ["provision --component hms-dev --branch main --timeout 999d", /timeout "999d" is outside/],
      ["provision --component nope --branch main", /unknown component "nope"/],
      ["provision --component hms-dev --branch main --owner U0ELSE", /--owner is not taken/],
      ["provision --branch main", /--component is required/],
      ["frobnicate", /unknown command "frobnicate"/],
      ["extend env-deadbeef", /extend takes an ID and a DURATION/],
    ] as const) {
      const answer = JSON.parse((await h.send.command({ text, user_id: PEOPLE.dee })).body);
      expect(answer.response_type).toBe("ephemeral");
      expect(answer.text).toMatch(expected);
      expect(answer.text).toContain("Usage:");
    }
    await h.idle();
    expect(h.environments()).toHaveLength(0);
    expect(h.fake.called("chat.postMessage")).toHaveLength(0);
  });

  it("reads the text as typed: Slack's &amp; &lt; &gt; and its <…> markup are undone once, and shown escaped once", async () => {
    const h = await open();
    // A branch whose name holds "&", in the real origin, with a file only it has.
    const origin = h.ws.repo.path;
    await execa("git", ["-C", origin, "checkout", "--quiet", "-b", "feature/a&b", "main"]);
    writeFileSync(join(origin, "SYSTEM-COMPONENTS/HMS-DEV/AMPERSAND.md"), "on feature/a&b only\n");
    await execa("git", ["-C", origin, "add", "--all"]);
    await execa("git", ["-C", origin, "commit", "--quiet", "--message", "A branch with & in its name"]);
    await execa("git", ["-C", origin, "checkout", "--quiet", "main"]);

    const ackOf = async (text: string) =>
      JSON.parse((await h.send.command({ text, user_id: PEOPLE.dee })).body) as { text: string };
    // What Slack sends for `/hms-env provision --component hms-dev --branch feature/a&b`.
    const ack = await ackOf("provision --component hms-dev --branch feature/a&amp;b");
    expect(ack.text).toContain("feature/a&amp;b");
    expect(ack.text).not.toContain("&amp;amp;");
    await settle(h, anyReady(h), "the environment of feature/a&b");
    const env = h.environments()[0];
    expect(env).toMatchObject({ branch: "feature/a&b", owner: PEOPLE.dee });
    expect(existsSync(join(env?.workdir ?? "", "SYSTEM-COMPONENTS/HMS-DEV/AMPERSAND.md"))).toBe(true);

    // Bad values come back escaped once: Slack shows them as they were typed.
    const bad = await ackOf("provision --component a&amp;b&lt;x&gt; --branch main");
    expect(bad.text).toContain('unknown component "a&amp;b&lt;x&gt;"');
    expect(bad.text).not.toMatch(/&amp;(amp|lt|gt);/);

    // Links, mentions and channels arrive as Slack's markup; the value named is what the person typed.
    const answers: string[] = [];
    for (const text of [
      "cleanup <#C0BUGS|bugs>",
      "extend <@U0ANA|ana> 4h",
      "cleanup <https://env-1.example.com|env-1.example.com>",
    ]) {
      const before = ephemerals(h).length;
      expect((await h.send.command({ text, user_id: PEOPLE.dee })).status).toBe(200);
      await h.idle();
      answers.push(ephemerals(h).slice(before).join("\n"));
    }
    expect(answers[0]).toContain('no environment "#bugs"');
    expect(answers[1]).toContain('no environment "@ana"');
    expect(answers[2]).toContain('no environment "env-1.example.com"');
    expect(h.environments()).toHaveLength(1);
  });

  it("keeps the owner limit: one over it is told so and nothing is created", async () => {
    const h = await open({ config: "limits:\n  maxEnvsPerOwner: 1\n" });
    await h.send.command({ text: "provision --component hms-dev --branch main", user_id: PEOPLE.dee });
    await settle(h, anyReady(h), "the first environment");
    await h.send.command({ text: "provision --component hms-sys --branch main", user_id: PEOPLE.dee });
    await h.idle();
    expect(ephemerals(h).join("\n")).toContain("limits.maxEnvsPerOwner is 1");
    expect(h.environments()).toHaveLength(1);
  });

  it("list, extend, cleanup, triage and help use the CLI's grammar", async () => {
    const h = await open();
    const { env } = await readyEnvironment(h);
    const id = env?.id ?? "";
    // The ack comes first and empty; the answer follows through response_url.
    const say = async (text: string, user: string = PEOPLE.bo) => {
      const before = ephemerals(h).length;
      const ack = await h.send.command({ text, user_id: user });
      expect(ack.status).toBe(200);
      if (ack.body !== "") return String(JSON.parse(ack.body).text);
      await h.idle();
      return ephemerals(h).slice(before).join("\n");
    };
    expect(await say("list")).toContain(id);
    expect(await say("list", PEOPLE.dee)).toContain("You have no live environments");
    expect(await say(`extend ${id} 4h`, PEOPLE.stranger)).toContain("nothing was changed");
    expect(await say(`extend ${id} 4h`)).toContain("now expires");
    expect(await say('triage "tsc fails with TS2307 in SYSTEM-COMPONENTS/HMS-DEV/src/index.ts"')).toContain(
      "hms-dev",
    );
    expect(await say("help")).toContain("Usage:");
    expect(await say(`cleanup ${id}`)).toMatch(/Cleaning up[\s\S]*is gone/);
    expect(h.environments()[0]?.status).toBe("cleaned");
    expect(await say(`extend ${id} 1h`)).toMatch(/only a ready one can be extended[\s\S]*Usage:/);
  });
});

describe("Slack's rate limits and outages", () => {
  it("waits out a 429's Retry-After for a message, without delaying acks", async () => {
    const h = await open({ config: "  autoProvision: false\n" });
    h.fake.fail("chat.postMessage", { status: 429, retryAfter: 1 });
    await h.send.event(report());
    // While the card waits, a command is answered at once.
    const help = await h.send.command({ text: "help", user_id: PEOPLE.bo });
    expect(help.status).toBe(200);
    const helpAnsweredAt = Date.now();
    await h.idle();
    const tries = h.fake.called("chat.postMessage");
    expect(tries).toHaveLength(2);
    expect((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(helpAnsweredAt).toBeLessThan(tries[1]?.at ?? 0);
  });

  it("a ready DM held up by a 429 is still one DM: the environment's change does not post a second", async () => {
    const h = await open();
    // The assignee's DM is edited to "ready" only after Retry-After; the state file says ready at once.
    h.fake.fail("chat.update", {
      status: 429,
      retryAfter: 1,
      when: (args) => / is ready: /.test(String(args.text)),
    });
    await h.send.event(report());
    await settle(
      h,
      () => h.fake.calls.filter((call) => / is ready: /.test(String(call.args.text))).length >= 2,
      "the ready DM, after its retry",
    );
    const assignee = String(h.bugs()[0]?.assignee);
    expect(h.posts(assignee)).toHaveLength(1);
    const dm = h.posts(assignee)[0]?.answer as { channel: string; ts: string };
    expect(blockText(h.message(dm.channel, dm.ts).blocks)).toContain("./launch.sh");
  });

  it("with Slack unreachable the environment is still made; messages go out once it is back", async () => {
    const h = await open({ retries: 6 });
    h.fake.down();
    await h.send.event(report());
    await eventually(() => h.environments().some((env) => env.status === "ready"), "the environment");
    setTimeout(() => h.fake.up(), 300);
    await eventually(async () => {
      await h.idle();
      return h.posts(PEOPLE.bo).some((call) => call.answer !== undefined);
    }, "the DM");
    const posted = h.posts(PEOPLE.bo).find((call) => call.answer)?.answer as { channel: string; ts: string };
    expect(blockText(h.message(posted.channel, posted.ts).blocks)).toContain("./launch.sh");
  });

  it("/hms-env provision with Slack unreachable still makes the environment, and the DM follows", async () => {
    const h = await open({ retries: 6 });
    h.fake.down();
    const ack = await h.send.command({
      text: "provision --component hms-dev --branch main",
      user_id: PEOPLE.dee,
    });
    expect(ack.status).toBe(200);
    await eventually(() => h.environments().some((env) => env.status === "ready"), "the environment");
    h.fake.up();
    await settle(
      h,
      () => h.posts(PEOPLE.dee).some((call) => call.answer !== undefined),
      "the DM once Slack is back",
    );
    const latest = h.fake
      .called("chat.update")
      .concat(h.posts(PEOPLE.dee))
      .filter((call) => call.answer !== undefined)
      .map((call) => blockText(call.args.blocks));
    expect(latest.some((text) => text.includes("./launch.sh"))).toBe(true);
  });

  it("logs a message it gave up on with the bug id, and sends the latest state with the next change", async () => {
    const h = await open({ retries: 1 });
    h.fake.down();
    await h.send.event(report());
    await settle(h, anyReady(h), "the environment");
    expect(h.logs.some((line) => line.startsWith("error: BUG-1:"))).toBe(true);
    h.fake.up();
    const env = h.environments()[0];
    await h.ws.cli(["extend", env?.id ?? "", "1h"], { env: { HMS_CONFIG: h.ws.configFile } });
    await eventually(async () => {
      await h.idle();
      return h.fake.called("chat.postMessage").some((call) => call.answer && call.args.channel === PEOPLE.bo);
    }, "the DM after the outage");
    const card = h.fake
      .called("chat.postMessage")
      .find((call) => call.answer && String(call.args.text).startsWith("BUG-1"));
    expect(card).toBeDefined();
  });
});

describe("a restart after an outage", () => {
  it("posts the card and the DM that never went out", async () => {
    const h = await open({ retries: 0 });
    h.fake.down();
    await h.send.event(report());
    await settle(h, anyReady(h), "the environment");
    expect(h.logs.some((line) => line.startsWith("error: BUG-1:"))).toBe(true);
    h.fake.up();
    await h.restart();
    await settle(h, () => h.posts(PEOPLE.bo).some((call) => call.answer !== undefined), "the DM");
    expect(String(h.posts(CHANNELS.bugs).find((call) => call.answer)?.args.text)).toMatch(/^BUG-1:/);
    const dm = h.posts(PEOPLE.bo).find((call) => call.answer);
    expect(blockText(dm?.args.blocks)).toContain("./launch.sh");
  });
});

describe("the warning before a deadline", () => {
  it("DMs the owner once, slack.warnBefore ahead, with the Extend buttons, and not again after a restart", async () => {
    const clock = manualClock(new Date());
    const h = await open({ clock, config: "  warnBefore: 1h\n" });
    const { env } = await readyEnvironment(h);
    expect(h.posts(PEOPLE.bo)).toHaveLength(1);
    const deadline = Date.parse(env?.expiresAt ?? "");
    clock.advance(deadline - 3_600_000 - clock.now().getTime() - 5_000);
    await h.idle();
    expect(h.posts(PEOPLE.bo)).toHaveLength(1);
    // The timer is armed when serve's follower of the state file sees the environment: time moves on
    // a second at a time until the warning is due and sent.
    await eventually(async () => {
      clock.advance(1000);
      await h.idle();
      return h.posts(PEOPLE.bo).length === 2;
    }, "the warning");
    const warning = h.posts(PEOPLE.bo)[1];
    expect(String(warning?.args.text)).toContain(`${env?.id} expires`);
    expect(blockText(warning?.args.blocks)).toContain("Extend 4h");
    await h.restart();
    clock.advance(60_000);
    await h.idle();
    expect(h.posts(PEOPLE.bo)).toHaveLength(2);
  });
});

describe("owners that are not Slack users", () => {
  it("a login name or a channel as owner gets no warning and no App Home; a Slack user's warning still goes", async () => {
    const clock = manualClock(new Date());
    const h = await open({ clock, config: "  warnBefore: 1h\n" });
    const made: Record<string, string> = {};
    // Made on the command line: by `root`, for a channel by mistake, and for a Slack user.
    for (const owner of ["root", CHANNELS.bugs, PEOPLE.dee]) {
      const env = await h.ws.provision(["--component", "hms-dev", "--branch", "main", "--owner", owner]);
      made[owner] = env.id;
    }
    // Dee's App Home follows her environment, the last one made: serve has seen all three.
    await settle(
      h,
      () => h.fake.called("views.publish").some((call) => call.args.user_id === PEOPLE.dee),
      "serve seeing them",
    );
    const deadline = Math.max(...h.environments().map((env) => Date.parse(env.expiresAt)));
    clock.advance(deadline - 3_600_000 - clock.now().getTime() - 5_000);
    await eventually(async () => {
      clock.advance(1000);
      await h.idle();
      return h
        .posts(PEOPLE.dee)
        .some((call) => String(call.args.text).includes(`${made[PEOPLE.dee]} expires`));
    }, "Dee's warning");
    clock.advance(60_000);
    // Extended from the command line: a change serve tells Slack about, and a new deadline to warn of.
    await h.ws.cli(["extend", made.root ?? "", "4h"], { env: { HMS_CONFIG: h.ws.configFile } });
    await h.ws.cli(["extend", made[CHANNELS.bugs] ?? "", "4h"], { env: { HMS_CONFIG: h.ws.configFile } });
    await eventually(async () => {
      await h.idle();
      return h.environments().every((env) => env.status === "ready");
    }, "the extensions");
    clock.advance(4 * 3_600_000);
    await h.idle();

    for (const owner of ["root", CHANNELS.bugs]) {
      expect(h.posts(owner), owner).toEqual([]);
      expect(
        h.fake.called("views.publish").filter((call) => call.args.user_id === owner),
        owner,
      ).toEqual([]);
      // Skipped without fuss: one debug line for each, not an error.
      expect(h.logs.filter((line) => line.includes(`owner "${owner}" is not a Slack user ID`))).toHaveLength(
        1,
      );
      expect(h.logs.filter((line) => line.startsWith("error:") && line.includes(owner))).toEqual([]);
    }
    expect(h.fake.called("views.publish").some((call) => call.args.user_id === PEOPLE.dee)).toBe(true);
  });
});

describe("cleanup at the deadline", () => {
  it("the DM and the card say the environment is gone because its time ran out", async () => {
    const clock = manualClock(new Date());
    const h = await open({ clock });
    const { env, dm } = await readyEnvironment(h);
    await eventually(
      async () => {
        clock.advance(60 * 60_000);
        await h.idle();
        return h.environments()[0]?.status === "cleaned";
      },
      "the expiry",
      30_000,
    );
    await settle(h, () => blockText(dm().blocks).includes("its time ran out"), "the notice");
    expect(blockText(dm().blocks)).toContain(`\`${env?.id}\` is gone: its time ran out`);
    expect(blockText(cardMessage(h).blocks)).toContain("Environment gone");
  });
});

describe("cleanup when the pull request is merged", () => {
  it("the assignee's DM and the card say the environment is gone because the pull request was merged", async () => {
    const h = await open();
    const { env, dm } = await readyEnvironment(h);
    const id = env?.id ?? "";
    // What the GitHub side does for a merged pull request: the lifecycle's cleanup, reason "merged".
    await h.app.environments.cleanup(id, "merged", "github");
    await settle(h, () => blockText(dm().blocks).includes("pull request was merged"), "the DM saying so");
    expect(blockText(dm().blocks)).toContain(`\`${id}\` is gone: the pull request was merged`);
    expect(blockText(dm().blocks)).not.toContain("Extend 4h");
    await settle(
      h,
      () => blockText(cardMessage(h).blocks).includes("Environment gone"),
      "the card saying so",
    );
    expect(blockText(cardMessage(h).blocks)).toContain(`\`${id}\` (the pull request was merged)`);
    // Edited in place: still one DM to the assignee and one card.
    expect(h.posts(PEOPLE.bo)).toHaveLength(1);
    expect(
      h.fake.called("chat.postMessage").filter((call) => String(call.args.text).startsWith("BUG-")),
    ).toHaveLength(1);
  });
});

describe("an environment cleanup gave up on", () => {
  const immutable: string[] = [];
  afterEach(async () => {
    for (const file of immutable.splice(0)) await execa("chattr", ["-i", file], { reject: false });
  });

  /** An environment of Bo's that cannot be removed: a file in its checkout is immutable. */
  async function uncleanable(h: SlackHarness) {
    const { env } = await readyEnvironment(h);
    // Its name would ping the channel if the error quoting it were not escaped.
    const locked = join(env?.workdir ?? "", "<!channel>");
    writeFileSync(locked, "stuck\n");
    await execa("chattr", ["+i", locked]);
    immutable.push(locked);
    const id = env?.id ?? "";
    const told = (person: string) =>
      h.posts(person).filter((call) => String(call.args.text).includes(`${id} could not be cleaned up`));
    return { env: env as NonNullable<typeof env>, id, locked, told };
  }

  it("tells its owner and every admin once, with why and what to do, not on later tries nor after a restart", async () => {
    const clock = manualClock(new Date());
    // A person is asked for after the 2nd failed try; tries go on at +10 s, +20 s, +40 s ...
    const h = await open({
      clock,
      config: "cleanup:\n  retryDelay: 10s\n  maxRetryDelay: 1m\n  maxAttempts: 2\n",
    });
    const { env, id, locked, told } = await uncleanable(h);
    await h.app.store.update((state) => {
      for (const stored of state.environments)
        stored.expiresAt = new Date(clock.now().getTime() + 1000).toISOString();
    });

    const passTime = async (ms: number) => {
      for (let passed = 0; passed < ms; passed += 5000) {
        clock.advance(5000);
        await h.idle();
      }
    };
    const stuck = () => h.environments().find((candidate) => candidate.id === id);
    // Time passes until the 2nd try has failed and flagged it. The DMs follow the flag through the state
    // file's watch, after idle() returns: time stands still while they are waited for, or the 3rd try
    // (20 s later) could run before they are seen.
    await eventually(
      async () => {
        await passTime(5000);
        return stuck()?.needsAttentionAt !== undefined;
      },
      "the flag",
      60_000,
    );
    await eventually(() => told(PEOPLE.admin).length > 0 && told(PEOPLE.bo).length > 0, "the DMs", 60_000);
    expect(stuck()).toMatchObject({ status: "cleaning", attempts: 2 });
    for (const person of [PEOPLE.bo, PEOPLE.admin]) {
      expect(told(person)).toHaveLength(1);
      const text = blockText(told(person)[0]?.args.blocks);
      // Why: the file the last try could not remove, escaped so that it pings nobody.
      expect(text).toContain(join(env.workdir, "&lt;!channel&gt;"));
      expect(text).not.toContain("<!channel>");
      expect(text).toContain(env.path); // where
      expect(text).toContain(`hms-env cleanup ${id}`); // what to do once it is fixed
    }

    // More failed tries, then a restart of serve: nobody is told again.
    await passTime(120_000);
    await h.restart();
    await passTime(120_000);
    expect(h.environments().find((candidate) => candidate.id === id)?.attempts).toBeGreaterThan(3);
    expect(told(PEOPLE.bo)).toHaveLength(1);
    expect(told(PEOPLE.admin)).toHaveLength(1);

    // Fixed, then cleaned up as the DM says: the owner's DM about the environment says it is gone.
    await execa("chattr", ["-i", locked]);
    const cleaned = await h.ws.cli(["cleanup", id], { env: { HMS_CONFIG: h.ws.configFile } });
    expect(cleaned.exitCode, cleaned.stderr).toBe(0);
    expect(existsSync(env.path)).toBe(false);
  });

  it("tells them when serve starts if cleanup gave up while it was stopped", async () => {
    const h = await open({ config: "cleanup:\n  maxAttempts: 2\n" });
    const { id, told } = await uncleanable(h);
    await h.restart(async () => {
      // serve is down; two failed tries from the command line flag the environment.
      for (let attempt = 0; attempt < 2; attempt++) {
        const tried = await h.ws.cli(["cleanup", id], { env: { HMS_CONFIG: h.ws.configFile } });
        expect(tried.exitCode).toBe(1);
      }
      expect(h.environments().find((candidate) => candidate.id === id)?.needsAttentionAt).toBeDefined();
      expect(told(PEOPLE.admin)).toEqual([]);
    });
    await settle(h, () => told(PEOPLE.admin).length > 0, "the admin's DM");
    expect(told(PEOPLE.bo)).toHaveLength(1);
    expect(told(PEOPLE.admin)).toHaveLength(1);
  });
});

describe("App Home", () => {
  it("shows the person's environments and open bugs when opened, and again when they change", async () => {
    const h = await open();
    const { env } = await readyEnvironment(h);
    await h.send.event({ type: "app_home_opened", user: PEOPLE.bo, channel: "D0BO", tab: "home" });
    await h.idle();
    const published = h.fake.called("views.publish").filter((call) => call.args.user_id === PEOPLE.bo);
    expect(published.length).toBeGreaterThan(0);
    const home = blockText((published.at(-1)?.args.view as { blocks?: unknown[] } | undefined)?.blocks);
    expect(home).toContain(env?.id ?? "");
    expect(home).toContain("BUG-1");
    expect(home).toContain("Extend 4h");
    const count = published.length;
    await h.ws.cli(["cleanup", env?.id ?? ""], { env: { HMS_CONFIG: h.ws.configFile } });
    await eventually(async () => {
      await h.idle();
      return h.fake.called("views.publish").filter((call) => call.args.user_id === PEOPLE.bo).length > count;
    }, "the Home update");
  });
});
