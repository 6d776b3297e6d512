import type { types } from "@slack/bolt";
import { cut, LIMITS } from "../text.js";

/** Small builders for the Block Kit shapes this app uses, each within Slack's limits. */
export type Block = types.KnownBlock;
export type Button = types.Button;

export const section = (text: string): types.SectionBlock => ({
  type: "section",
  text: { type: "mrkdwn", text: cut(text, LIMITS.sectionText) },
});

export const header = (text: string): types.HeaderBlock => ({
  type: "header",
  text: { type: "plain_text", text: cut(text, LIMITS.plainText), emoji: true },
});

export const context = (text: string): types.ContextBlock => ({
  type: "context",
  elements: [{ type: "mrkdwn", text: cut(text, LIMITS.sectionText) }],
});

export const divider = (): types.DividerBlock => ({ type: "divider" });

export function button(
  text: string,
  actionId: string,
  value: string,
  style?: "primary" | "danger",
): types.Button {
  if (value.length > LIMITS.buttonValue) throw new Error(`button value for ${actionId} is too long`);
  return {
    type: "button",
    text: { type: "plain_text", text: cut(text, 75), emoji: true },
    // Several buttons can share an action id, so each gets its own: the listener matches the prefix.
    action_id: `${actionId}:${value}`.slice(0, 255),
    value,
    ...(style && { style }),
  };
}

export const actions = (elements: types.ActionsBlockElement[]): types.ActionsBlock => ({
  type: "actions",
  elements: elements.slice(0, 25),
});

/** At most 50 blocks: whatever is beyond is replaced by one line saying so. */
export function limitBlocks(blocks: Block[]): Block[] {
  if (blocks.length <= LIMITS.blocks) return blocks;
  const kept = blocks.slice(0, LIMITS.blocks - 1);
  return [...kept, context(`… ${blocks.length - kept.length} more blocks left out (Slack shows at most 50)`)];
}
