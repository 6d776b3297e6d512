import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "./workspace.js";

/**
 * The bot scope each Web API method the app may call needs, from the "Required scopes" of Slack's method
 * reference (https://docs.slack.dev/reference/methods/<method>); `null` where it says "No scope
 * required". A method the code starts calling must be added here from that page: the manifest test
 * fails until it is, and the stand-in Slack refuses a method it has no entry for.
 */
export const METHOD_SCOPES: Readonly<Record<string, string | null>> = {
  "auth.test": null,
  "chat.postEphemeral": "chat:write",
  "chat.postMessage": "chat:write",
  "chat.update": "chat:write",
  "chat.getPermalink": null,
  "views.open": null,
  "views.publish": null,
};

/** The scope each bot event of the manifest needs (https://docs.slack.dev/reference/events/<event>). */
export const EVENT_SCOPES: Readonly<Record<string, string | null>> = {
  "message.channels": "channels:history",
  "message.groups": "groups:history",
  app_home_opened: null,
};

/** Slash commands and shortcuts both come with this scope. */
export const COMMANDS_SCOPE = "commands";

/** The bot scopes manifest.yml asks for: what a token installed from it holds. */
export function manifestBotScopes(): string[] {
  const manifest = parse(readFileSync(join(PROJECT_ROOT, "manifest.yml"), "utf8")) as {
    oauth_config: { scopes: { bot: string[] } };
  };
  return manifest.oauth_config.scopes.bot;
}

/**
 * Every Web API method called through a Slack WebClient in `source`: `client.chat.postMessage(`, also
 * split over lines (`client.chat\n  .getPermalink(`). Octokit's `client.rest.issues.get(` has three
 * parts and is not one.
 */
export function webApiMethodsIn(source: string): string[] {
  const calls = source.matchAll(/\bclient\s*\.\s*([a-z]+)\s*\.\s*([a-zA-Z]+)\s*\(/g);
  return [...new Set([...calls].map(([, family, method]) => `${family}.${method}`))];
}

/** The Web API methods the code under `dir` calls, file by file. */
export function webApiMethodsUnder(dir: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const relative of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (!relative.endsWith(".ts")) continue;
    const file = join(dir, relative);
    for (const method of webApiMethodsIn(readFileSync(file, "utf8"))) {
      found.set(method, [...(found.get(method) ?? []), file]);
    }
  }
  return found;
}
