import { SLACK_USER_ID } from "./ids.js";
import type { SlackLog } from "./services.js";

/** Whether `owner` may be sent DMs and an App Home. */
export type IsSlackRecipient = (owner: string) => boolean;

/**
 * DMs, warnings and App Home go to Slack user IDs only. An environment made on the command line belongs
 * to a login name (`root`), and `--owner` takes any word, a channel ID too: a DM "to" `C0BUGS` would be
 * posted into that channel. Each owner skipped is logged once, at debug level: it is not a fault.
 */
export function slackRecipients(log: SlackLog): IsSlackRecipient {
  const skipped = new Set<string>();
  return (owner) => {
    if (SLACK_USER_ID.test(owner)) return true;
    if (!skipped.has(owner)) {
      skipped.add(owner);
      log.debug?.(`slack: owner "${owner}" is not a Slack user ID: no DMs, warnings or App Home for it`);
    }
    return false;
  };
}
