/**
 * Bug reports as people paste them into a Slack bug channel, in the `text` Slack sends for them: mrkdwn
 * (*bold*, _italic_, ~strike~, `code`, ``` blocks), Slack's `<…>` links and mentions, `&lt;` for a typed
 * `<`, CRLF from a Windows clipboard, emoji and non-Latin text, and stack traces from Python, Java and Go.
 * `title` is what a person should read as the bug's title everywhere it is shown.
 */
export interface PastedReport {
  text: string;
  title: string;
}

export const PASTED: Record<string, PastedReport> = {
  pythonFromWindows: {
    text: [
      "*Claims page broken*",
      "```Traceback (most recent call last):",
      '  File "/srv/hms/SYSTEM-COMPONENTS/HMS-SME/claims/views.py", line 42, in index',
      "    rows = Claim.objects.filter(owner=request.user)",
      'django.db.utils.ProgrammingError: relation "claims_claim" does not exist```',
    ].join("\r\n"),
    title: "Claims page broken",
  },
  javaInAFence: {
    text: [
      "```",
      'Exception in thread "main" java.lang.NullPointerException: Cannot invoke "String.length()" because "name" is null',
      "\tat com.hms.esr.Export.run(Export.java:88)",
      "\tat com.hms.esr.Main.main(Main.java:12)",
      "```",
    ].join("\n"),
    title:
      'Exception in thread "main" java.lang.NullPointerException: Cannot invoke "String.length()" because "name" is null',
  },
  goWithALanguage: {
    text: [
      "```go",
      "panic: runtime error: index out of range [5] with length 3",
      "",
      "goroutine 1 [running]:",
      "main.main()",
      "\t/src/hms/SYSTEM-COMPONENTS/HMS-SYS/cmd/sync/main.go:14 +0x1d",
      "```",
    ].join("\n"),
    title: "panic: runtime error: index out of range [5] with length 3",
  },
  mentionsAndLinks: {
    text: "<@U0BO|bo> <!here> export to <https://hms.example.com/esr/export|the ESR export page> times out, see <#C0SME|hms-sme>",
    title: "@bo @here export to the ESR export page times out, see #hms-sme",
  },
  bareLinkAndId: {
    text: "<@U0BO> <https://hms.example.com/esr> returns 502 since <!date^1764000000^{date_short}|Nov 24>",
    title: "@U0BO https://hms.example.com/esr returns 502 since Nov 24",
  },
  mentionsFirst: {
    text: "<@U0BO> <!subteam^S0SME|@sme-team>\r\n\r\n_Login fails_ for every user: `ECONNREFUSED 127.0.0.1:5432`",
    title: "Login fails for every user: ECONNREFUSED 127.0.0.1:5432",
  },
  escapedGenerics: {
    text: "javac: incompatible types: List&lt;String&gt; cannot be converted to Set&lt;String&gt; &amp; the build stops",
    title: "javac: incompatible types: List<String> cannot be converted to Set<String> & the build stops",
  },
  emphasisAndIdentifiers: {
    text: "~Login~ *Signup* fails: KeyError: 'claim_owner_id' in SYSTEM-COMPONENTS/HMS-SME/claims/api_views.py",
    title: "Login Signup fails: KeyError: 'claim_owner_id' in SYSTEM-COMPONENTS/HMS-SME/claims/api_views.py",
  },
  emojiAndNonLatin: {
    text: ":fire: 🔥 Ошибка экспорта: 請求書のダウンロードに失敗 👨‍👩‍👧\nstack trace in the thread",
    title: ":fire: 🔥 Ошибка экспорта: 請求書のダウンロードに失敗 👨‍👩‍👧",
  },
  boldAcrossLines: {
    text: "*Checkout is broken\nsince the deploy at 9:00*",
    title: "Checkout is broken",
  },
  onlyAMention: {
    text: "<@U0BO>",
    title: "@U0BO",
  },
};
