import type { ServerExtension } from "../main.js";
import type { RunningSlack } from "./serve.js";

export const SLACK_EVENTS_PATH = "/slack/events";

/** Slack on serve's server: POST /slack/events (commands, events, interactivity) goes to Bolt. */
export function slackExtension(slack: RunningSlack): ServerExtension {
  const listener = slack.app.requestListener;
  return {
    handle(request, response) {
      const path = (request.url ?? "/").split("?")[0];
      if (listener === undefined || request.method !== "POST" || path !== SLACK_EVENTS_PATH) return false;
      listener(request, response);
      return true;
    },
    environmentsChanged: (changes, state) => slack.environmentsChanged(changes, state),
    stop: () => slack.stop(),
    abortCalls: () => slack.abortCalls(),
  };
}
