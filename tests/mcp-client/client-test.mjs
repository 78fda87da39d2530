// SPDX-License-Identifier: GPL-3.0-or-later
// Drives `gmail-oauth mcp` with the official MCP TypeScript SDK client
// (Client + StdioClientTransport) and prints TAP. Run by tests/mcp-sdk-client.sh
// under tests/with-session, which registers a grant at the stand-in and passes:
//   GMO_MCP_SERVER      the gmail-oauth program to start
//   GMO_MCP_REFERENCE   tests/mcp/reference-schema.json
//   GMO_TEST_ACCOUNT    an account stored in the test keyring
//   GMO_TEST_CLIENT_ID, GMO_TEST_CLIENT_SECRET, GMO_TEST_REFRESH_TOKEN
//                       a grant for gmail_refresh_token
//   GMAIL_OAUTH_GMAIL_URL the Gmail stand-in, which holds tests/mail's fixtures
// It lists every tool and calls each one; the SDK checks each successful
// result of a tool with an outputSchema against it (and fails the call when
// structuredContent is missing).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";

let n = 0;
let failed = 0;
async function test(name, fn) {
  n++;
  try {
    await fn();
    console.log(`ok ${n} - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok ${n} - ${name}`);
    for (const line of String(e && e.stack ? e.stack : e).split("\n")) console.log(`#   ${line}`);
  }
}

const env = process.env;
// Only what the server needs: the SDK starts it with this environment added
// to its small default one.
const serverEnv = {};
for (const key of ["HOME", "PATH", "LC_ALL", "XDG_RUNTIME_DIR", "XDG_DATA_HOME", "XDG_CONFIG_HOME",
                   "XDG_CACHE_HOME", "DBUS_SESSION_BUS_ADDRESS", "GMAIL_OAUTH_TOKEN_URL",
                   "GMAIL_OAUTH_GMAIL_URL",
                   "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"])
  if (env[key] !== undefined) serverEnv[key] = env[key];

const transport = new StdioClientTransport({
  command: env.GMO_MCP_SERVER,
  args: ["mcp"],
  env: serverEnv,
  stderr: "pipe",
});
let stderr = "";
transport.stderr.on("data", (chunk) => { stderr += chunk; });
const client = new Client({ name: "gmail-oauth-sdk-test", version: "1.0.0" });

function toolJson(result) {
  // The SDK has already checked the result against its schema; check again
  // so that a looser SDK would not hide a bad result.
  CallToolResultSchema.parse(result);
  assert.equal(result.content.length, 1);
  assert.equal(result.content[0].type, "text");
  return JSON.parse(result.content[0].text);
}

await test("connect and initialize", async () => {
  await client.connect(transport);
  const info = client.getServerVersion();
  assert.equal(info.name, "gmail-oauth");
  assert.match(info.version, /^\d+\.\d+/);
  assert.deepEqual(client.getServerCapabilities().tools, { listChanged: false });
  assert.match(client.getInstructions(), /gmail_get_access_token/);
});

await test("ping", async () => {
  assert.deepEqual(await client.ping(), {});
});

let tools = [];
const called = new Set();
const MAIL_TOOLS = ["gmail_search_messages", "gmail_read_message", "gmail_list_labels",
                    "gmail_send_message", "gmail_create_draft", "gmail_modify_labels"];
await test("list tools: twelve, each with a title, a description and annotations", async () => {
  tools = (await client.listTools()).tools;
  assert.deepEqual(tools.map((t) => t.name).sort(),
                   [...MAIL_TOOLS, "gmail_get_access_token", "gmail_list_accounts", "gmail_refresh_token",
                    "gmail_get_recent_emails", "gmail_get_email_body_chunk", "gmail_send_email"].sort());
  for (const tool of tools) {
    assert.ok(tool.title && tool.description, tool.name);
    assert.equal(typeof tool.annotations.readOnlyHint, "boolean");
    assert.equal(tool.inputSchema.type, "object");
    assert.equal(tool.inputSchema.$schema, undefined);
    assert.equal(tool.inputSchema.additionalProperties, undefined);
  }
  for (const name of MAIL_TOOLS)
    assert.equal(tools.find((t) => t.name === name).outputSchema.type, "object", name);
});

// A successful call of a keyring-backed mail tool: the SDK has checked
// structuredContent against the outputSchema; the text item holds the same.
async function mail(name, args) {
  called.add(name);
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.isError, false, JSON.stringify(result).slice(0, 2000));
  assert.deepEqual(toolJson(result), result.structuredContent);
  assert.equal(result.structuredContent.status, "success");
  assert.equal(result.structuredContent.account, env.GMO_TEST_ACCOUNT);
  assert.ok(!/ya29\./.test(JSON.stringify(result)), "no access token in a keyring-backed result");
  return result.structuredContent;
}

let found = [];
await test("gmail_search_messages: the fixtures, with decoded subjects", async () => {
  found = (await mail("gmail_search_messages", { max_results: 50 })).messages;
  assert.ok(found.length >= 9, `${found.length} messages`);
  assert.ok(found.some((m) => m.subject === "Rechnung März"), "an RFC 2047 subject decoded");
  const page = await mail("gmail_search_messages", { query: "is:unread", max_results: 2 });
  assert.equal(page.messages.length, 2);
  assert.equal(typeof page.next_page_token, "string");
});

await test("gmail_read_message: a message in chunks, and a thread", async () => {
  const invoice = found.find((m) => m.subject === "Your invoice #42 is ready");
  const whole = await mail("gmail_read_message", { message_id: invoice.id });
  assert.match(whole.body, /Dear customer,/);
  assert.doesNotMatch(whole.body, /<p>/);
  const chunk = await mail("gmail_read_message", { message_id: invoice.id, offset: 5, max_chars: 10 });
  assert.equal(chunk.body, [...whole.body].slice(5, 15).join(""));
  assert.equal(chunk.next_offset, 15);
  const thread = await mail("gmail_read_message", { thread_id: invoice.thread_id });
  assert.equal(thread.thread.length, 1);
});

await test("gmail_list_labels", async () => {
  const labels = (await mail("gmail_list_labels", {})).labels;
  assert.ok(labels.some((l) => l.id === "INBOX" && l.type === "system"));
});

await test("gmail_modify_labels: star and unstar", async () => {
  const id = found[0].id;
  assert.ok((await mail("gmail_modify_labels", { message_id: id, star: true })).labels.includes("STARRED"));
  assert.ok(!(await mail("gmail_modify_labels", { message_id: id, unstar: true })).labels.includes("STARRED"));
});

await test("gmail_send_message and gmail_create_draft", async () => {
  const sent = await mail("gmail_send_message", { to: "ann@example.org", subject: "Grüße ✓", body: "Hallo",
                                                  html_body: "<p>Hallo</p>" });
  assert.ok(sent.labels.includes("SENT"));
  const reply = await mail("gmail_send_message", { reply_to_message_id: found[0].id, body: "Danke" });
  assert.equal(reply.thread_id, found[0].thread_id);
  const draft = await mail("gmail_create_draft", { to: "ann@example.org", subject: "Entwurf", body: "später" });
  assert.equal(typeof draft.draft_id, "string");
});

await test("a failing call of a tool with an outputSchema: isError, no structuredContent", async () => {
  const result = await client.callTool({ name: "gmail_read_message", arguments: {} });
  assert.equal(result.isError, true);
  assert.equal(result.structuredContent, undefined);
  assert.equal(toolJson(result).error_code, "usage");
});

await test("the drop-ins, with a token from gmail_get_access_token", async () => {
  called.add("gmail_get_recent_emails").add("gmail_get_email_body_chunk").add("gmail_send_email");
  const token = toolJson(await client.callTool({ name: "gmail_get_access_token", arguments: {} })).access_token;
  const recent = await client.callTool({ name: "gmail_get_recent_emails",
                                         arguments: { google_access_token: token, max_results: 3 } });
  assert.equal(recent.isError, false);
  const emails = toolJson(recent).emails;
  assert.equal(emails.length, 3);
  assert.deepEqual(Object.keys(emails[0]), ["id", "threadId", "labelIds", "snippet", "from", "to", "subject",
                                            "date", "internalDate", "body", "body_size_bytes",
                                            "contains_full_body"]);
  const chunk = toolJson(await client.callTool({ name: "gmail_get_email_body_chunk",
                                                 arguments: { google_access_token: token,
                                                              message_id: emails[0].id } }));
  assert.equal(chunk.status, "success");
  assert.equal(chunk.message_id, emails[0].id);
  const sent = toolJson(await client.callTool({ name: "gmail_send_email",
                                                arguments: { google_access_token: token, to: "ann@example.org",
                                                             subject: "Drop-in", body: "x" } }));
  assert.equal(typeof sent.messageId, "string");
});

await test("gmail_refresh_token: name, description and inputSchema as the reference", async () => {
  const reference = JSON.parse(readFileSync(env.GMO_MCP_REFERENCE, "utf8"));
  const ours = tools.find((t) => t.name === reference.name);
  assert.ok(ours);
  assert.equal(ours.description, reference.description);
  assert.deepEqual(ours.inputSchema, reference.inputSchema);
});

await test("gmail_refresh_token against the stand-in", async () => {
  called.add("gmail_refresh_token");
  const result = await client.callTool({
    name: "gmail_refresh_token",
    arguments: {
      google_refresh_token: env.GMO_TEST_REFRESH_TOKEN,
      google_client_id: env.GMO_TEST_CLIENT_ID,
      google_client_secret: env.GMO_TEST_CLIENT_SECRET,
    },
  });
  assert.equal(result.isError, false);
  const json = toolJson(result);
  assert.equal(json.status, "success");
  assert.match(json.access_token, /^ya29\./);
  assert.match(json.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const left = (Date.parse(json.expires_at) - Date.now()) / 1000;
  assert.ok(Math.abs(left - json.expires_in) <= 3, `expires_in ${json.expires_in}, ${left} s left`);
  assert.equal(json.token_type, "Bearer");
});

await test("gmail_refresh_token without a refresh token: isError naming it", async () => {
  const result = await client.callTool({
    name: "gmail_refresh_token",
    arguments: { google_client_id: "x", google_client_secret: "y" },
  });
  assert.equal(result.isError, true);
  const json = toolJson(result);
  assert.equal(json.status, "error");
  assert.equal(json.error_code, "usage");
  assert.match(json.error, /google_refresh_token/);
});

await test("gmail_refresh_token with a revoked grant: isError reauthorize", async () => {
  const result = await client.callTool({
    name: "gmail_refresh_token",
    arguments: {
      google_refresh_token: "1//revoked",
      google_client_id: env.GMO_TEST_CLIENT_ID,
      google_client_secret: env.GMO_TEST_CLIENT_SECRET,
    },
  });
  assert.equal(result.isError, true);
  assert.equal(toolJson(result).error_code, "reauthorize");
});

await test("gmail_list_accounts: the stored account, no secrets", async () => {
  called.add("gmail_list_accounts");
  const result = await client.callTool({ name: "gmail_list_accounts", arguments: {} });
  assert.equal(result.isError, false);
  const json = toolJson(result);
  assert.deepEqual(json.accounts.map((a) => a.account), [env.GMO_TEST_ACCOUNT]);
  assert.ok(!JSON.stringify(json).includes(env.GMO_TEST_CLIENT_SECRET));
});

await test("gmail_get_access_token: the only account, no account argument", async () => {
  called.add("gmail_get_access_token");
  const result = await client.callTool({ name: "gmail_get_access_token", arguments: {} });
  assert.equal(result.isError, false);
  const json = toolJson(result);
  assert.equal(json.account, env.GMO_TEST_ACCOUNT);
  assert.match(json.access_token, /^ya29\./);
  assert.ok(json.expires_in > 300);
  const again = toolJson(await client.callTool({
    name: "gmail_get_access_token", arguments: { account: env.GMO_TEST_ACCOUNT },
  }));
  assert.equal(again.access_token, json.access_token, "the cached token");
});

await test("every tool listed was called", async () => {
  assert.deepEqual([...called].sort(), tools.map((t) => t.name).sort());
});

await test("an unknown tool is a JSON-RPC error -32602", async () => {
  await assert.rejects(client.callTool({ name: "no_such_tool", arguments: {} }),
                       (e) => e.code === -32602);
});

await test("close: the server exits with status 0", async () => {
  const exited = new Promise((resolve) => transport._process.once("exit", (code) => resolve(code)));
  await client.close();
  // The server's stderr is shown when it failed (a sanitizer's report, say).
  assert.equal(await exited, 0, `server stderr:\n${stderr.slice(-4000)}`);
});

await test("no secret on the server's stderr", async () => {
  for (const secret of [env.GMO_TEST_REFRESH_TOKEN, env.GMO_TEST_CLIENT_SECRET])
    assert.ok(!stderr.includes(secret));
});

console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
