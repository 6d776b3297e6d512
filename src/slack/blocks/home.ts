import type { types } from "@slack/bolt";
import type { PipelineBug } from "../../bugs/pipeline.js";
import type { EnvRecord } from "../../store/schema.js";
import { escapeText, slackDate, userText } from "../text.js";
import { environmentButtons, sourceText } from "./environment.js";
import { type Block, context, divider, header, limitBlocks, section } from "./kit.js";

/** App Home: the person's live environments with their buttons, then the open bugs assigned to them. */
export function homeView(input: {
  envs: readonly EnvRecord[];
  bugs: readonly PipelineBug[];
  extendChoices: readonly string[];
}): types.HomeView {
  const envBlocks: Block[] =
    input.envs.length === 0
      ? [context("No live environments. `/hms-env provision --component hms-dev --branch main` makes one.")]
      : input.envs.flatMap((env) => [
          section(
            `*\`${env.id}\`* ${env.status} · ${env.component} at ${sourceText(env)}\n\`${escapeText(env.path)}\`\nExpires ${slackDate(env.expiresAt)}`,
          ),
          ...(env.status === "ready" ? [environmentButtons(env, input.extendChoices)] : []),
        ]);
  const bugBlocks: Block[] =
    input.bugs.length === 0
      ? [context("No open bugs assigned to you.")]
      : input.bugs.map((bug) => {
          const link = bug.links?.slack?.permalink;
          const title = userText(bug.title, 300);
          return section(
            `*${bug.id}* ${link ? `<${encodeURI(link)}|${title}>` : title}\n${bug.components.join(", ") || "needs triage"}${bug.environment ? ` · environment \`${bug.environment}\`` : ""}`,
          );
        });
  // Environments first, each with its buttons; bugs fill what is left of Slack's 100-block Home limit.
  const blocks = limitBlocks([
    header("Your environments"),
    ...envBlocks.slice(0, 30),
    divider(),
    header("Open bugs assigned to you"),
    ...bugBlocks.slice(0, 14),
  ]);
  return { type: "home", blocks };
}
