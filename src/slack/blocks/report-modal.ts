import type { types } from "@slack/bolt";
import { bugTitle } from "../../bugs/title.js";
import type { ComponentConfig } from "../../config/schema.js";
import { VIEWS } from "../ids.js";
import { cut, LIMITS } from "../text.js";

export const DETECT = "detect";
export const SEVERITIES = ["critical", "major", "minor"] as const;

/** Block and action ids of the modal's inputs: the submission is read by them. */
export const FIELDS = {
  title: "title",
  description: "description",
  component: "component",
  severity: "severity",
  branch: "branch",
} as const;

/** What the modal was opened from: ids only (a message shortcut names the message). */
export interface ModalOrigin {
  channel?: string;
  ts?: string;
}

const option = (text: string, value: string) => ({
  text: { type: "plain_text" as const, text: cut(text, 75) },
  value,
});

const input = (
  id: string,
  label: string,
  element: types.InputBlockElement,
  optional = false,
): types.InputBlock => ({
  type: "input",
  block_id: id,
  label: { type: "plain_text", text: label },
  element,
  optional,
});

/** "Report a bug", and "File as bug" on a message (prefilled with its text and permalink). */
export function reportModal(input_: {
  components: Record<string, ComponentConfig>;
  prefill?: { text: string; permalink?: string | undefined };
  origin?: ModalOrigin;
}): types.ModalView {
  const detect = option("Detect it for me", DETECT);
  const prefill = input_.prefill;
  const description = prefill
    ? `${prefill.text}${prefill.permalink ? `\n\nFrom ${prefill.permalink}` : ""}`
    : undefined;
  const title = prefill ? bugTitle(prefill.text, 150) : "";
  return {
    type: "modal",
    callback_id: VIEWS.reportBug,
    title: { type: "plain_text", text: "Report a bug" },
    submit: { type: "plain_text", text: "Report" },
    close: { type: "plain_text", text: "Cancel" },
    private_metadata: JSON.stringify(input_.origin ?? {}).slice(0, LIMITS.privateMetadata),
    blocks: [
      input(FIELDS.title, "Title", {
        type: "plain_text_input",
        action_id: FIELDS.title,
        max_length: 150,
        ...(title && { initial_value: title }),
      }),
      input(FIELDS.description, "What happened (logs and stack traces welcome)", {
        type: "plain_text_input",
        action_id: FIELDS.description,
        multiline: true,
        max_length: 3000,
        ...(description && { initial_value: cut(description, 3000) }),
      }),
      input(FIELDS.component, "Component", {
        type: "static_select",
        action_id: FIELDS.component,
        initial_option: detect,
        options: [
          detect,
          ...Object.entries(input_.components)
            .slice(0, 99)
            .map(([id, component]) => option(`${component.name} (${id})`, id)),
        ],
      }),
      input(FIELDS.severity, "Severity", {
        type: "static_select",
        action_id: FIELDS.severity,
        initial_option: option("major", "major"),
        options: SEVERITIES.map((severity) => option(severity, severity)),
      }),
      input(
        FIELDS.branch,
        "Branch (default: the main branch)",
        { type: "plain_text_input", action_id: FIELDS.branch, max_length: 200 },
        true,
      ),
    ],
  };
}
