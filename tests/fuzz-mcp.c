/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What an MCP client sends `gmail-oauth mcp`: lines in pieces, through the
 * protocol (gmo-mcp.c) and the real tool table (every tool, as without
 * --read-only and --no-credentials), whose tools find no keyring, no
 * gmail-oauthd and no endpoint (see LLVMFuzzerInitialize()). Whatever comes
 * in, every answer is one line of valid UTF-8 that parses as a JSON-RPC
 * message. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "fuzz-common.h"
#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-mcp-tools.h"
#include "gmo-mcp.h"

const char gmo_fuzz_target[] = "mcp";

static void
on_emit (const gchar *message, gsize len, gpointer user_data)
{
  gsize *total = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoSecretJson) answer = NULL;

  g_assert_cmpuint (strlen (message), ==, len);
  g_assert_null (memchr (message, '\n', len));
  g_assert_true (g_utf8_validate_len (message, len, NULL));
  answer = gmo_json_parse (message, len, GMO_ERROR_BAD_RESPONSE, &error);
  g_assert_no_error (error);
  g_assert_true (json_object_is_type (answer, json_type_object));
  g_assert_cmpstr (gmo_json_get_string (answer, "jsonrpc"), ==, "2.0");
  *total += len;
}

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
  const gchar *data = (const gchar *) bytes;
  static GArray *tools;
  static gchar *instructions;
  g_autoptr (GmoMcpServer) server = NULL;
  gsize total = 0;

  if (tools == NULL)
    {
      tools = gmo_mcp_tools_select (FALSE, FALSE);
      instructions = gmo_mcp_tools_instructions (tools, FALSE);
    }
  server = gmo_mcp_server_new (instructions, &g_array_index (tools, GmoMcpTool, 0), tools->len);
  for (gsize done = 0; done < size;)
    {
      gsize piece = gmo_fuzz_piece (data, size, done, 251);

      gmo_mcp_server_feed (server, data + done, piece, on_emit, &total);
      done += piece;
    }
  gmo_mcp_server_finish (server, on_emit, &total);
  return 0;
}
