import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PipelineBug } from "../../../src/bugs/pipeline.js";
import { DEFAULT_COMPONENTS } from "../../../src/config/defaults.js";
import { bugCard } from "../../../src/slack/blocks/card.js";
import { environmentMessage } from "../../../src/slack/blocks/environment.js";
import { homeView } from "../../../src/slack/blocks/home.js";
import { limitBlocks, section } from "../../../src/slack/blocks/kit.js";
import { escapeText, fromCommandText, fromSlackText, mention, slackDate } from "../../../src/slack/text.js";
import type { EnvRecord } from "../../../src/store/schema.js";
import { bugRecord } from "../../helpers/bug-record.js";

const huge = "E".repeat(10_000);

const bug: PipelineBug = bugRecord({
  title: `<!channel> ${huge}`,
  text: huge,
  provisionError: `git fetch failed: ${huge}`,
  triage: {
    outcome: "routed",
    summary: "path",
    components: [{ component: "hms-sme", confidence: 0.9, reasons: Array.from({ length: 200 }, () => huge) }],
    team: { id: "sme-team", name: "SME team", reason: "owns hms-sme" },
    explanation: huge,
    rootCauses: Array.from({ length: 3 }, (_, index) => ({
      id: `RC-${index}`,
      title: huge,
      rootCause: huge,
      fix: huge,
      likely: true,
    })),
    duplicates: Array.from({ length: 5 }, (_, index) => ({
      id: `BUG-${index}`,
      title: huge,
      similarity: 0.9,
    })),
  },
});

const env: EnvRecord = {
  id: "env-1a2b3c4d",
  path: "/srv/temp_envs/20261127_100000_hms-sme_main",
  workdir: "/srv/temp_envs/20261127_100000_hms-sme_main/checkout",
  component: "hms-sme",
  components: ["hms-sme"],
  repo: "/srv/repo",
  mirror: "/srv/mirror",
  branch: "main",
  pr: null,
  commit: "abc",
  owner: "U0BO",
  createdAt: "2026-11-27T10:00:00.000Z",
  expiresAt: "2026-11-28T10:00:00.000Z",
  status: "ready",
};

/** Every text object in a message, with its kind. */
function texts(blocks: unknown): { type: string; text: string }[] {
  const found: { type: string; text: string }[] = [];
  JSON.stringify(blocks, (_key, value) => {
    if (value && typeof value === "object" && (value.type === "mrkdwn" || value.type === "plain_text")) {
      found.push(value);
    }
    return value;
  });
  return found;
}

describe("Block Kit limits", () => {
  it("a card with huge logs stays within 50 blocks and 3,000 characters a section, cut with …", () => {
    const { blocks, text } = bugCard({
      bug,
      env: undefined,
      phase: "failed",
      components: DEFAULT_COMPONENTS,
    });
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const item of texts(blocks)) {
      expect(item.text.length).toBeLessThanOrEqual(item.type === "plain_text" ? 150 : 3000);
    }
    expect(texts(blocks).some((item) => item.text.endsWith("…"))).toBe(true);
    expect(text.length).toBeLessThan(4000);
  });

  it("a bug reported in Slack links to its GitHub issue; one from GitHub links to it as its report", () => {
    const linked = { ...bug, links: { github: { issue: "512", url: "https://github.com/o/r/issues/512" } } };
    const fromSlack = JSON.stringify(
      bugCard({ bug: linked, env, phase: "ready", components: DEFAULT_COMPONENTS }),
    );
    expect(fromSlack).toContain("<https://github.com/o/r/issues/512|GitHub #512>");
    const fromGithub = {
      ...linked,
      origin: { source: "github" as const, link: "https://github.com/o/r/issues/512" },
    };
    const card = JSON.stringify(
      bugCard({ bug: fromGithub, env, phase: "ready", components: DEFAULT_COMPONENTS }),
    );
    expect(card).toContain("<https://github.com/o/r/issues/512|report>");
    expect(card).not.toContain("GitHub #512");
  });

  it("button values carry ids, never records", () => {
    const card = bugCard({ bug, env, phase: "ready", components: DEFAULT_COMPONENTS });
    const dm = environmentMessage({ env, bug, extendChoices: ["4h", "24h"] });
    const values: string[] = [];
    JSON.stringify([card.blocks, dm.blocks], (key, value) => {
      if (key === "value") values.push(value);
      return value;
    });
    expect(values.length).toBeGreaterThan(4);
    for (const value of values) expect(value).toMatch(/^(BUG-\d+@\d+|env-[0-9a-f]+)( [\w-]+)*$/);
  });

  it("more than 50 blocks are cut to 50, the last one saying how many were left out", () => {
    const blocks = limitBlocks(Array.from({ length: 80 }, (_, index) => section(`row ${index}`)));
    expect(blocks).toHaveLength(50);
    expect(JSON.stringify(blocks.at(-1))).toContain("31 more blocks left out");
  });

  it("App Home with many environments stays within the limit", () => {
    const envs = Array.from({ length: 60 }, (_, index) => ({ ...env, id: `env-${index}` }));
    expect(homeView({ envs, bugs: [bug], extendChoices: ["4h"] }).blocks.length).toBeLessThanOrEqual(50);
  });
});

describe("text from users", () => {
  it("escapes &, < and >, so nobody is pinged and no link is forged", () => {
    expect(escapeText("<!channel> <@U1> & <http://x|y>")).toBe(
      "&lt;!channel&gt; &lt;@U1&gt; &amp; &lt;http://x|y&gt;",
    );
  });

  it("reads a slash command's text as typed: entities undone once, Slack's <…> markup back to what was typed", () => {
    expect(fromCommandText("--branch feature/a&amp;b&lt;c&gt;")).toBe("--branch feature/a&b<c>");
    // Someone who typed an entity gets that entity, not the character.
    expect(fromCommandText("&amp;lt;")).toBe("&lt;");
    expect(fromCommandText("see <https://ci.example.com/42|ci.example.com/42> and <https://x.io>")).toBe(
      "see ci.example.com/42 and https://x.io",
    );
    expect(fromCommandText("<@U024BE7LH|bob> <@U024BE7LH> in <#C024BE7LR|general> <#C024BE7LR|>")).toBe(
      "@bob @U024BE7LH in #general #C024BE7LR",
    );
    expect(fromCommandText("<!here> <!subteam^S0SME|@sme-team> <mailto:a@b.io|a@b.io>")).toBe(
      "@here @sme-team a@b.io",
    );
  });

  it("mentions Slack users only: an owner that is a login name or a channel is shown as code", () => {
    expect(mention("U024BE7LH")).toBe("<@U024BE7LH>");
    expect(mention("W024BE7LH")).toBe("<@W024BE7LH>");
    expect(mention("root")).toBe("`root`");
    expect(mention("C0BUGS")).toBe("`C0BUGS`");
    expect(mention("!channel>")).toBe("`!channel&gt;`");
  });

  it("shows dates as Slack date tokens, each reader in their own timezone", () => {
    expect(slackDate("2026-11-28T10:00:00.000Z")).toBe(
      "<!date^1795860000^{date_short_pretty} {time}|2026-11-28T10:00:00Z>",
    );
  });
});

describe("the launch command in a DM", () => {
  it("works pasted into bash for a folder holding $(...), a quote and spaces, and runs nothing", () => {
    const root = mkdtempSync(join(tmpdir(), "hms-env-blocks-"));
    try {
      const path = join(root, "x $(touch pwned) `touch pwned`", "it's & <a> dir");
      mkdirSync(path, { recursive: true });
      const dm = environmentMessage({ env: { ...env, path }, bug, extendChoices: ["4h"] });
      const launch = texts(dm.blocks).find((item) => item.text.includes("./launch.sh"))?.text ?? "";
      const commands = [
        /```(cd .*) && \.\/launch\.sh```/.exec(launch)?.[1],
        /is ready: (cd .*) && \.\/launch\.sh$/.exec(dm.text)?.[1],
      ];
      for (const command of commands) {
        // what a person copies is the text Slack shows: its &amp; &lt; &gt; turned back
        const shown = fromSlackText(command ?? "");
        const pasted = spawnSync("bash", ["-c", `${shown} && pwd`], { cwd: root, encoding: "utf8" });
        expect(pasted.stderr).toBe("");
        expect(pasted.stdout.trim()).toBe(path);
      }
      expect(readdirSync(root)).toEqual(["x $(touch pwned) `touch pwned`"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
