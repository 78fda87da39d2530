#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# The official MCP TypeScript SDK client (npm @modelcontextprotocol/sdk,
# Client + StdioClientTransport) drives `gmail-oauth mcp`: see
# tests/mcp-client/client-test.mjs. Needs `npm ci` in tests/mcp-client (done by
# build-aux/quickstart); without it the test is skipped, or fails when
# GMO_REQUIRE_NODE=1 (CI).
. "$top_srcdir/tests/tap.sh"

client=$top_srcdir/tests/mcp-client
node=${NODE:-node}
missing=
command -v "$node" >/dev/null 2>&1 || missing="node is not installed"
[ -n "$missing" ] || [ -d "$client/node_modules/@modelcontextprotocol/sdk" ] ||
  missing="the MCP SDK is not installed: run (cd tests/mcp-client && npm ci)"
if [ -n "$missing" ]; then
  if [ "${GMO_REQUIRE_NODE:-0}" = 1 ]; then
    echo "Bail out! $missing (GMO_REQUIRE_NODE=1)"
    exit 1
  fi
  echo "1..0 # SKIP $missing"
  exit 0
fi

A=sdk@example.com
export GMAIL_OAUTH_GMAIL_URL="$GMO_FAKE_GOOGLE/gmail/v1/users/me/"
ctl POST /control/gmail/config "{\"address\":\"$A\"}" >/dev/null
ctl POST /control/gmail/fixtures >/dev/null
ctl POST /control/client '{"client_id":"sdk-client","client_secret":"secret-of-sdk-client"}' >/dev/null
GMO_TEST_REFRESH_TOKEN=$(json_get "$(ctl POST /control/grant '{"client_id":"sdk-client"}')" refresh_token)
setup_account "$A" keyring-client >/dev/null
GMO_MCP_SERVER=$(command -v gmail-oauth)
export GMO_MCP_SERVER GMO_TEST_REFRESH_TOKEN GMO_TEST_ACCOUNT=$A GMO_TEST_CLIENT_ID=sdk-client \
  GMO_TEST_CLIENT_SECRET=secret-of-sdk-client GMO_MCP_REFERENCE=$top_srcdir/tests/mcp/reference-schema.json
exec "$node" "$client/client-test.mjs"
