/**
 * Every name Slack and the manifest share. manifest.yml must declare exactly these (a test checks it),
 * so a renamed action or a new event cannot reach production without the manifest following.
 */
export const SLASH_COMMAND = "/hms-env";

/** A Slack user ID: only these get DMs (an environment made from the CLI may belong to a login name). */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

export const SHORTCUTS = { reportBug: "report_bug", fileAsBug: "file_as_bug" } as const;

export const VIEWS = { reportBug: "report_bug_modal" } as const;

export const ACTIONS = {
  reassign: "bug_reassign",
  assignToMe: "bug_assign_me",
  provision: "bug_provision",
  retry: "bug_retry",
  close: "bug_close",
  component: "bug_component",
  extend: "env_extend",
  cleanup: "env_cleanup",
} as const;

/**
 * The manifest's bot events for each event the app listens to: Bolt's `message` arrives through one
 * subscription per kind of channel (public, private).
 */
export const BOT_EVENTS: Readonly<Record<string, readonly string[]>> = {
  message: ["message.channels", "message.groups"],
  app_home_opened: ["app_home_opened"],
};

/** What createSlackApp registered with Bolt: the manifest test compares it with manifest.yml. */
export interface Registered {
  commands: Set<string>;
  shortcuts: Set<string>;
  events: Set<string>;
  views: Set<string>;
}
