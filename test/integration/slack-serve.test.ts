import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, type ServeProcess, startServe } from "../helpers/serve.js";
import {
  type FakeSlack,
  reportSubmission,
  type SlackCall,
  signature,
  slackSender,
  startFakeSlack,
} from "../helpers/slack.js";
import { CHANNELS, PEOPLE, SME_REPORT, TEAMS_CONFIG } from "../helpers/teams.js";
import { CLI, createWorkspace, PROJECT_ROOT, type Workspace } from "../helpers/workspace.js";

const SECRET = "serve-test-signing-secret";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function workspace(): Promise<Workspace> {
  const ws = await createWorkspace();
  cleanups.push(() => ws.remove());
  return ws;
}

async function serve(ws: Workspace, env: Record<string, string>): Promise<ServeProcess> {
  const running = await startServe(ws, env);
  cleanups.push(() => running.stop());
  return running;
}

describe("hms-env serve and Slack", () => {
  it("runs without Slack when no Slack variable is set, and says so once", async () => {
    const ws = await workspace();
    const running = await serve(ws, {});
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${running.url}/slack/events`, { method: "POST", body: "{}" })).status).toBe(404);
    expect(running.log().match(/Slack is off/g)).toHaveLength(1);
  });

  it.each([
    [
      { SLACK_BOT_TOKEN: "xoxb-1" },
      "SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) is missing",
    ],
    [{ SLACK_SIGNING_SECRET: "s" }, "SLACK_BOT_TOKEN is missing"],
    [{ SLACK_APP_TOKEN: "xapp-1" }, "SLACK_BOT_TOKEN is missing"],
  ])(
    "exits 1 with half of them (%j), naming what is missing and pointing at the README",
    async (set, missing) => {
      const ws = await workspace();
      // Only these: a Slack variable of the machine running the tests must not complete the setup.
      const unset = { SLACK_BOT_TOKEN: "", SLACK_SIGNING_SECRET: "", SLACK_APP_TOKEN: "", SLACK_API_URL: "" };
      const result = await execa("node", [CLI, "serve", "--port", "0"], {
        cwd: ws.dir,
        env: { HMS_CONFIG: ws.configFile, ...unset, ...set },
        reject: false,
        stdin: "ignore",
        timeout: 20_000,
      });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(missing);
      expect(result.stderr).toContain('see the README\'s "Slack setup" section');
      expect(readFileSync(join(PROJECT_ROOT, "README.md"), "utf8")).toMatch(/^### Slack setup$/m);
      expect(result.stderr).not.toContain("listening");
      // It stopped before anything started: no state file was made.
      expect(existsSync(ws.stateFile)).toBe(false);
    },
  );

  it("serves Slack at POST /slack/events beside /healthz on one port, checks signatures, stops on SIGTERM", async () => {
    const ws = await workspace();
    const fake: FakeSlack = await startFakeSlack();
    cleanups.push(() => fake.close());
    const running = await serve(ws, {
      SLACK_BOT_TOKEN: "xoxb-serve",
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
    });
    const body = JSON.stringify({
      token: "t",
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
      type: "url_verification",
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const post = (sig: string) =>
      fetch(`${running.url}/slack/events`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-slack-request-timestamp": String(timestamp),
          "x-slack-signature": sig,
        },
        body,
      });
    const verified = await post(signature(SECRET, timestamp, body));
    expect(verified.status).toBe(200);
    expect(await verified.json()).toEqual({
      challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
    });
    expect((await post(signature("wrong", timestamp, body))).status).toBe(401);
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    expect(running.log()).toContain("POST /slack/events");
    running.process.kill("SIGTERM");
    const result = await running.process;
    expect(result.exitCode).toBe(0);
  });

  it("a modal report whose serve is killed between its opener and its card gets one opener and one card", async () => {
    const ws = await createWorkspace(
      `${TEAMS_CONFIG}slack:\n  bugChannels: [${CHANNELS.bugs}]\n  autoProvision: false\n`,
    );
    cleanups.push(() => ws.remove());
    const fake = await startFakeSlack();
    cleanups.push(() => fake.close());
    const env = { SLACK_BOT_TOKEN: "xoxb-serve", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl };
    // The opener goes out; Slack never answers the card's post.
    fake.fail("chat.postMessage", { hold: true, when: (args) => args.thread_ts !== undefined });
    const first = await startServe(ws, env);
    const submitted = await slackSender(first.url, SECRET, fake).interaction(
      reportSubmission({ user: PEOPLE.ana, title: "Login returns 500", description: SME_REPORT }),
    );
    expect(submitted.status).toBe(200);
    await fake.held("chat.postMessage");
    first.process.kill("SIGKILL");
    await first.process;
    fake.dropHeld();

    const second = await serve(ws, env);
    const answered = (pattern: RegExp) =>
      fake
        .called("chat.postMessage")
        .filter((call) => call.answer?.ok && pattern.test(String(call.args.text)));
    await eventually(() => answered(/^BUG-1:/).length > 0, "the card after the restart");
    const openers = answered(/BUG-1 reported by/);
    expect(openers).toHaveLength(1);
    expect(answered(/^BUG-1:/)).toHaveLength(1);
    expect(answered(/^BUG-1:/)[0]?.args).toMatchObject({
      channel: CHANNELS.bugs,
      thread_ts: openers[0]?.answer?.ts,
    });
    expect(second.log()).not.toContain('"level":50');
  });
  it("a bug whose serve is killed while its environment provisions says so on its card and DM, with Retry", async () => {
    const ws = await createWorkspace(`${TEAMS_CONFIG}slack:\n  bugChannels: [${CHANNELS.bugs}]\n`);
    cleanups.push(() => ws.remove());
    // A shell whose input takes long to build: the provisioning is still running when serve is killed.
    writeFileSync(
      join(ws.dir, "slow.nix"),
      `{ pkgs ? import <nixpkgs> {}, component ? "all", envDir ? "" }:
pkgs.mkShell { buildInputs = [ (derivation { name = "slow-\${builtins.toString builtins.currentTime}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "/bin/sleep 60; /bin/mkdir $out" ]; }) ]; }
`,
    );
    writeFileSync(
      ws.configFile,
      readFileSync(ws.configFile, "utf8").replace("nix:\n", "nix:\n  file: ./slow.nix\n"),
    );
    const fake = await startFakeSlack();
    cleanups.push(() => fake.close());
    const env = { SLACK_BOT_TOKEN: "xoxb-serve", SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl };
    const first = await startServe(ws, env);
    const sent = await slackSender(first.url, SECRET, fake).event({
      type: "message",
      channel: CHANNELS.bugs,
      channel_type: "channel",
      user: PEOPLE.ana,
      text: SME_REPORT,
      ts: "1764000000.000100",
      event_ts: "1764000000.000100",
    });
    expect(sent.status).toBe(200);
    const posted = (pattern: RegExp) =>
      fake
        .called("chat.postMessage")
        .filter((call) => call.answer?.ok && pattern.test(String(call.args.text)));
    await eventually(
      () =>
        existsSync(ws.stateFile) &&
        ws.state().environments.some((e) => e.status === "provisioning") &&
        posted(/^Provisioning an environment/).length === 1,
      "the environment provisioning and its DM",
      30_000,
    );
    first.process.kill("SIGKILL");
    await first.process;
    const card = posted(/^BUG-1:/)[0]?.answer as { channel: string; ts: string };
    const dm = posted(/^Provisioning an environment/)[0]?.answer as { channel: string; ts: string };
    const before = fake.calls.length;

    const second = await serve(ws, env);
    const sinceRestart = () => fake.calls.slice(before);
    const edited = (where: { channel: string; ts: string }) =>
      sinceRestart().filter(
        (call) =>
          call.method === "chat.update" && call.args.channel === where.channel && call.args.ts === where.ts,
      );
    const says = (call: SlackCall | undefined) => JSON.stringify(call?.args.blocks ?? "");
    await eventually(
      () => [card, dm].every((where) => /interrupted/.test(says(edited(where).at(-1)))),
      "the card and the DM saying the provisioning was interrupted",
      30_000,
    );
    for (const where of [card, dm]) {
      const last = says(edited(where).at(-1));
      expect(last).toContain("interrupted: provisioning never finished");
      expect(last).toContain("Retry");
    }
    expect(sinceRestart().filter((call) => call.method === "chat.postMessage")).toEqual([]);
    expect(second.log()).not.toContain('"level":50');
  });
});
