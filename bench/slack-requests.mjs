// What Slack sends, signed (v0 HMAC over the raw body): shared by bench/ack.mjs and its client thread.
import { createHmac } from "node:crypto";

export function signedPost(url, secret, body, type) {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
  return fetch(`${url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": type,
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": signature,
    },
    body,
  });
}

/** A /hms-env command as Slack posts it (form-encoded); later answers go to `responseUrl`. */
export function slashCommand({ url, secret, responseUrl, text, user }) {
  const body = new URLSearchParams({
    command: "/hms-env",
    text,
    user_id: user,
    channel_id: "C0GENERAL",
    team_id: "T0HMS",
    response_url: responseUrl,
    trigger_id: "1",
  }).toString();
  return signedPost(url, secret, body, "application/x-www-form-urlencoded");
}
