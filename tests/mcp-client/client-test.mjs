// SPDX-License-Identifier: GPL-3.0-or-later
// Drives `gmail-oauth mcp` with the official MCP TypeScript SDK client
// (Client + StdioClientTransport) and prints TAP. Run by tests/mcp-sdk-client.sh
// under tests/with-session, which registers a grant at the stand-in and passes:
//   GMO_MCP_SERVER      the gmail-oauth program to start
//   GMO_MCP_REFERENCE   tests/mcp/reference-schema.json
//   GMO_TEST_ACCOUNT    an account stored in the test keyring
//   GMO_TEST_CLIENT_ID, GMO_TEST_CLIENT_SECRET, GMO_TEST_REFRESH_TOKEN
//                       a grant for gmail_refresh_token
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
await test("list tools: three, each with a title, a description and annotations", async () => {
  tools = (await client.listTools()).tools;
  assert.deepEqual(tools.map((t) => t.name).sort(),
                   ["gmail_get_access_token", "gmail_list_accounts", "gmail_refresh_token"]);
  for (const tool of tools) {
    assert.ok(tool.title && tool.description, tool.name);
    assert.equal(typeof tool.annotations.readOnlyHint, "boolean");
    assert.equal(tool.inputSchema.type, "object");
    assert.equal(tool.inputSchema.$schema, undefined);
    assert.equal(tool.inputSchema.additionalProperties, undefined);
  }
});

await test("gmail_refresh_token: name, description and inputSchema as the reference", async () => {
  const reference = JSON.parse(readFileSync(env.GMO_MCP_REFERENCE, "utf8"));
  const ours = tools.find((t) => t.name === reference.name);
  assert.ok(ours);
  assert.equal(ours.description, reference.description);
  assert.deepEqual(ours.inputSchema, reference.inputSchema);
});

await test("gmail_refresh_token against the stand-in", async () => {
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
  const result = await client.callTool({ name: "gmail_list_accounts", arguments: {} });
  assert.equal(result.isError, false);
  const json = toolJson(result);
  assert.deepEqual(json.accounts.map((a) => a.account), [env.GMO_TEST_ACCOUNT]);
  assert.ok(!JSON.stringify(json).includes(env.GMO_TEST_CLIENT_SECRET));
});

await test("gmail_get_access_token: the only account, no account argument", async () => {
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
