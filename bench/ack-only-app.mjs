#!/usr/bin/env node
// The baseline of bench/ack.mjs, in a process of its own as serve is: a Bolt app with the same receiver
// and signature check whose /hms-env only acks. Prints its URL on stdout.
import { createServer } from "node:http";
import bolt from "@slack/bolt";

const receiver = new bolt.HTTPReceiver({
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? "",
  endpoints: "/slack/events",
});
const app = new bolt.App({
  receiver,
  authorize: async () => ({ botToken: "xoxb-bench", botId: "B0BOT", botUserId: "U0BOT" }),
});
app.command("/hms-env", async ({ ack }) => ack());
const server = createServer((request, response) => receiver.requestListener(request, response));
server.listen(0, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
