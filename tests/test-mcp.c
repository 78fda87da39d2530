/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the MCP protocol functions (src/gmo-mcp.c): lines in,
 * response lines out, with a fake tool. */
#include "config.h"

#include <string.h>

#include "gmo-autocleanups.h"
#include "gmo-json.h"
#include "gmo-mcp.h"

static gint echo_calls;

/* Answers its arguments back, or an error when asked to. */
static json_object *
tool_echo (json_object *arguments, gboolean *out_is_error)
{
  json_object *copy = NULL;

  echo_calls++;
  g_assert_true (json_object_is_type (arguments, json_type_object));
  if (gmo_json_get_string (arguments, "fail") != NULL)
    {
      g_autoptr (GError) error = g_error_new (GMO_ERROR, GMO_ERROR_REAUTHORIZE, "line one\nline two");

      *out_is_error = TRUE;
      return gmo_mcp_tool_error (error, "invalid_grant: revoked");
    }
  json_object_deep_copy (arguments, &copy, NULL);
  return copy;
}

static const GmoMcpTool test_tools[] = {
  { "echo", "Echo", "Echoes its arguments", "{\"type\": \"object\", \"properties\": {}}", NULL,
    GMO_MCP_TOOL_READ_ONLY, tool_echo },
  /* The same with an output schema: its successful results carry
   * structuredContent. */
  { "echo_structured", "Echo structured", "Echoes its arguments as structured content",
    "{\"type\": \"object\", \"properties\": {}}", "{\"type\": \"object\"}",
    GMO_MCP_TOOL_DESTRUCTIVE | GMO_MCP_TOOL_IDEMPOTENT | GMO_MCP_TOOL_CREDENTIALS, tool_echo },
};

static GmoMcpServer *
server_new (gboolean initialize)
{
  GmoMcpServer *server = gmo_mcp_server_new ("Two sentences. Here.", test_tools,
                                             G_N_ELEMENTS (test_tools));

  if (initialize)
    {
      const gchar line[] = "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{}}";
      g_autoptr (GmoSecret) response = gmo_mcp_server_handle_line (server, line, sizeof line - 1);

      g_assert_nonnull (response);
    }
  return server;
}

static void
assert_answer (GmoMcpServer *server, const gchar *line, const gchar *expected)
{
  g_autoptr (GmoSecret) response = gmo_mcp_server_handle_line (server, line, strlen (line));

  g_assert_cmpstr (response, ==, expected);
}

static void
test_blank (void)
{
  g_autoptr (GmoMcpServer) server = server_new (TRUE);

  assert_answer (server, "", NULL);
  assert_answer (server, "\r", NULL);
  assert_answer (server, " \t ", NULL);
}

static void
test_errors (void)
{
  g_autoptr (GmoMcpServer) server = server_new (TRUE);
  g_autoptr (GmoSecret) response = NULL;

  /* The message is gmo_json_parse()'s, tested with it. */
  response = gmo_mcp_server_handle_line (server, "{\"jsonrpc\":\"2.0\",", 17);
  g_assert_true (g_str_has_prefix (response, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
                                             "{\"code\":-32700,\"message\":\"Invalid JSON: "));
  assert_answer (server, "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]",
                 "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
                 "\"message\":\"Batches are not supported\"}}");
  assert_answer (server, "42",
                 "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
                 "\"message\":\"A message must be a JSON object\"}}");
  assert_answer (server, "null",
                 "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32600,"
                 "\"message\":\"A message must be a JSON object\"}}");
  assert_answer (server, "{\"jsonrpc\":\"1.0\",\"id\":7,\"method\":\"ping\"}",
                 "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32600,"
                 "\"message\":\"jsonrpc must be \\\"2.0\\\"\"}}");
  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":5}",
                 "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32600,"
                 "\"message\":\"The method must be a string\"}}");
  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"nope\"}",
                 "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32601,"
                 "\"message\":\"Method not found: nope\"}}");
  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"ping\",\"params\":[]}",
                 "{\"jsonrpc\":\"2.0\",\"id\":7,\"error\":{\"code\":-32602,"
                 "\"message\":\"The params must be an object\"}}");
  /* A response from the client is not answered. */
  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}", NULL);
}

static void
test_ids (void)
{
  g_autoptr (GmoMcpServer) server = server_new (TRUE);
  /* Every 64-bit integer, the extremes included. */
  const gchar *good[] = { "\"abc\"", "\"\"", "0", "-1", "9007199254740993", "9223372036854775807",
                          "18446744073709551614", "-9223372036854775807",
                          "-9223372036854775808", "18446744073709551615" };
  const gchar *bad[] = { "null", "true", "1.5", "1e3", "{}", "[]" };
  /* JSON that json-c would change (saturate, or make U+FFFD of): not parsed. */
  const gchar *unparsed[] = { "18446744073709551616", "-9223372036854775809",
                              "123456789012345678901234567890", "\"\\ud800\"", "\"a\\udc00\"",
                              "\"\\ud800\\u0041\"" };

  for (gsize i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autofree gchar *line = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"ping\"}",
                                                good[i]);
      g_autofree gchar *expected = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{}}",
                                                    good[i]);

      assert_answer (server, line, expected);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree gchar *line = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"ping\"}",
                                                bad[i]);
      g_autoptr (GmoSecret) response = gmo_mcp_server_handle_line (server, line, strlen (line));

      g_assert_true (g_str_has_prefix (response, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
                                                 "{\"code\":-32600,"));
    }
  for (gsize i = 0; i < G_N_ELEMENTS (unparsed); i++)
    {
      g_autofree gchar *line
          = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%s,\"method\":\"ping\"}", unparsed[i]);
      g_autoptr (GmoSecret) response = gmo_mcp_server_handle_line (server, line, strlen (line));

      g_assert_true (g_str_has_prefix (response, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":"
                                                 "{\"code\":-32700,"));
    }
}

/* UTF-8 that json-c 0.16 accepts (overlong, an encoded surrogate, above
 * U+10FFFF) is a parse error: echoing it would make the answer invalid. */
static void
test_invalid_utf8 (void)
{
  g_autoptr (GmoMcpServer) server = server_new (TRUE);
  const gchar *bytes[] = { "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80" };

  for (gsize i = 0; i < G_N_ELEMENTS (bytes); i++)
    {
      g_autofree gchar *line
          = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":\"%s\",\"method\":\"ping\"}", bytes[i]);

      assert_answer (server, line,
                     "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
                     "\"message\":\"Invalid JSON: not valid UTF-8\"}}");
    }
}

static void
test_notifications (void)
{
  g_autoptr (GmoMcpServer) server = server_new (FALSE);

  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", NULL);
  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\","
                         "\"params\":{\"requestId\":1}}", NULL);
  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\"}", NULL);
  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"method\":\"no/such\",\"params\":7}", NULL);
  g_assert_cmpint (echo_calls, ==, 0);
}

static void
test_initialize (void)
{
  g_autoptr (GmoMcpServer) server = server_new (FALSE);
  const gchar *versions[][2] = {
    { "2025-11-25", "2025-11-25" }, { "2025-06-18", "2025-06-18" }, { "2025-03-26", "2025-03-26" },
    { "2024-11-05", "2024-11-05" }, { "2099-01-01", "2025-11-25" }, { "1", "2025-11-25" },
  };

  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"method\":\"server/discover\"}",
                 "{\"jsonrpc\":\"2.0\",\"id\":\"d\",\"error\":{\"code\":-32601,"
                 "\"message\":\"Method not found: server/discover\"}}");
  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}",
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":-32002,"
                 "\"message\":\"Server not initialized\"}}");
  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}",
                 "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
  for (gsize i = 0; i < G_N_ELEMENTS (versions); i++)
    {
      g_autofree gchar *line = g_strdup_printf (
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
          "\"params\":{\"protocolVersion\":\"%s\",\"capabilities\":{}}}", versions[i][0]);
      g_autofree gchar *expected = g_strdup_printf (
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"protocolVersion\":\"%s\","
          "\"capabilities\":{\"tools\":{\"listChanged\":false}},"
          "\"serverInfo\":{\"name\":\"gmail-oauth\",\"version\":\"" PACKAGE_VERSION "\"},"
          "\"instructions\":\"Two sentences. Here.\"}}", versions[i][1]);

      assert_answer (server, line, expected);
    }
  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{}}",
                 "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{\"tools\":[{\"name\":\"echo\","
                 "\"title\":\"Echo\",\"description\":\"Echoes its arguments\","
                 "\"inputSchema\":{\"type\":\"object\",\"properties\":{}},"
                 "\"annotations\":{\"title\":\"Echo\",\"readOnlyHint\":true,"
                 "\"destructiveHint\":false,\"idempotentHint\":false,\"openWorldHint\":false}},"
                 /* The output schema follows the input schema; the
                  * credentials flag is no annotation. */
                 "{\"name\":\"echo_structured\",\"title\":\"Echo structured\","
                 "\"description\":\"Echoes its arguments as structured content\","
                 "\"inputSchema\":{\"type\":\"object\",\"properties\":{}},"
                 "\"outputSchema\":{\"type\":\"object\"},"
                 "\"annotations\":{\"title\":\"Echo structured\",\"readOnlyHint\":false,"
                 "\"destructiveHint\":true,\"idempotentHint\":true,\"openWorldHint\":false}}]}}");
}

static void
test_tools_call (void)
{
  g_autoptr (GmoMcpServer) server = server_new (TRUE);

  echo_calls = 0;
  assert_answer (server,
                 "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"echo\",\"arguments\":{\"a\":\"b\"}}}",
                 "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"content\":[{\"type\":\"text\","
                 "\"text\":\"{\\\"a\\\":\\\"b\\\"}\"}],\"isError\":false}}");
  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\","
                         "\"params\":{\"name\":\"echo\"}}",
                 "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"content\":[{\"type\":\"text\","
                 "\"text\":\"{}\"}],\"isError\":false}}");
  assert_answer (server,
                 "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"echo\",\"arguments\":{\"fail\":\"1\"}}}",
                 "{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{\"content\":[{\"type\":\"text\","
                 "\"text\":\"{\\\"error\\\":\\\"line one line two\\\",\\\"details\\\":"
                 "\\\"invalid_grant: revoked\\\",\\\"error_code\\\":\\\"reauthorize\\\","
                 "\\\"status\\\":\\\"error\\\"}\"}],\"isError\":true}}");
  g_assert_cmpint (echo_calls, ==, 3);
  /* With an output schema: the same JSON as text and as structuredContent,
   * but only for a success (an error result is not checked against it). */
  assert_answer (server,
                 "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"echo_structured\",\"arguments\":{\"a\":[\"b\",1]}}}",
                 "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"content\":[{\"type\":\"text\","
                 "\"text\":\"{\\\"a\\\":[\\\"b\\\",1]}\"}],"
                 "\"structuredContent\":{\"a\":[\"b\",1]},\"isError\":false}}");
  assert_answer (server,
                 "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\","
                 "\"params\":{\"name\":\"echo_structured\",\"arguments\":{\"fail\":\"1\"}}}",
                 "{\"jsonrpc\":\"2.0\",\"id\":5,\"result\":{\"content\":[{\"type\":\"text\","
                 "\"text\":\"{\\\"error\\\":\\\"line one line two\\\",\\\"details\\\":"
                 "\\\"invalid_grant: revoked\\\",\\\"error_code\\\":\\\"reauthorize\\\","
                 "\\\"status\\\":\\\"error\\\"}\"}],\"isError\":true}}");
  g_assert_cmpint (echo_calls, ==, 5);
  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\","
                         "\"params\":{\"name\":\"nope\"}}",
                 "{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32602,"
                 "\"message\":\"Unknown tool: nope\"}}");
  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{}}",
                 "{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32602,"
                 "\"message\":\"tools/call needs a tool name\"}}");
  assert_answer (server, "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\","
                         "\"params\":{\"name\":\"echo\",\"arguments\":[1]}}",
                 "{\"jsonrpc\":\"2.0\",\"id\":4,\"error\":{\"code\":-32602,"
                 "\"message\":\"The arguments must be an object\"}}");
  g_assert_cmpint (echo_calls, ==, 5);
}

static void
on_emit (const gchar *message, gsize len, gpointer user_data)
{
  GPtrArray *out = user_data;

  g_assert_cmpuint (strlen (message), ==, len);
  g_ptr_array_add (out, g_strndup (message, len));
}

static void
test_feed (void)
{
  g_autoptr (GmoMcpServer) server = server_new (TRUE);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  const gchar stream[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\r\n"
                         "\n"
                         "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
                         "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\n"
                         "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}";

  /* Byte by byte, then all at once: the same answers. */
  for (gsize i = 0; i < sizeof stream - 1; i++)
    gmo_mcp_server_feed (server, &stream[i], 1, on_emit, out);
  g_assert_cmpuint (out->len, ==, 2);
  gmo_mcp_server_finish (server, on_emit, out);
  g_assert_cmpuint (out->len, ==, 3);
  gmo_mcp_server_feed (server, stream, sizeof stream - 1, on_emit, out);
  gmo_mcp_server_finish (server, on_emit, out);
  g_assert_cmpuint (out->len, ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      g_autofree gchar *expected = g_strdup_printf ("{\"jsonrpc\":\"2.0\",\"id\":%u,\"result\":{}}",
                                                    i % 3 + 1);

      g_assert_cmpstr (g_ptr_array_index (out, i), ==, expected);
    }
}

/* A line of exactly the limit is handled; one byte more is dropped and
 * answered with a parse error, and the next line is handled as usual. */
static void
test_feed_long (void)
{
  g_autoptr (GmoMcpServer) server = server_new (TRUE);
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  const gchar head[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"p\":\"";
  const gchar tail[] = "\"}}";
  const gchar next[] = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}\n";
  g_autoptr (GString) line = g_string_new (head);
  gsize chunk = 65536;

  while (line->len < GMO_MCP_MAX_LINE - (sizeof tail - 1))
    g_string_append_c (line, 'x');
  g_string_append (line, tail);
  g_assert_cmpuint (line->len, ==, GMO_MCP_MAX_LINE);

  for (gint round = 0; round < 2; round++)
    {
      g_string_append_c (line, '\n');
      for (gsize i = 0; i < line->len; i += chunk)
        gmo_mcp_server_feed (server, line->str + i, MIN (chunk, line->len - i), on_emit, out);
      gmo_mcp_server_feed (server, next, sizeof next - 1, on_emit, out);
      /* One byte more for the next round. */
      g_string_truncate (line, line->len - 1 - (sizeof tail - 1));
      g_string_append (line, "x");
      g_string_append (line, tail);
    }
  g_assert_cmpuint (out->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (out, 0), ==, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}");
  g_assert_cmpstr (g_ptr_array_index (out, 1), ==, "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}");
  g_assert_cmpstr (g_ptr_array_index (out, 2), ==,
                   "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,"
                   "\"message\":\"Message longer than 4 MiB\"}}");
  g_assert_cmpstr (g_ptr_array_index (out, 3), ==, "{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}");

  /* A line far too long, cut short by the end of input, is answered too. */
  g_string_append (line, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  gmo_mcp_server_feed (server, line->str, line->len, on_emit, out);
  gmo_mcp_server_finish (server, on_emit, out);
  g_assert_cmpuint (out->len, ==, 5);
  g_assert_cmpstr (g_ptr_array_index (out, 4), ==, g_ptr_array_index (out, 2));
}

/* json-c's own parser, which saturates integers beyond 64 bits where
 * gmo_json_parse() may refuse them: the readers must cope either way. */
static json_object *
args_parse (const gchar *text)
{
  json_object *arguments = json_tokener_parse (text);

  g_assert_true (json_object_is_type (arguments, json_type_object));
  return arguments;
}

static void
test_args_string (void)
{
  g_autoptr (json_object) arguments = args_parse (
      "{\"s\":\"x\",\"empty\":\"\",\"null\":null,\"n\":1,\"nul\":\"a\\u0000b\"}");
  g_autoptr (GError) error = NULL;
  const gchar *value = "unset";

  g_assert_true (gmo_mcp_args_get_string (arguments, "s", &value, &error));
  g_assert_cmpstr (value, ==, "x");
  /* Absent, null and empty all mean "not given". */
  for (gsize i = 0; i < 3; i++)
    {
      const gchar *names[] = { "absent", "null", "empty" };

      value = "unset";
      g_assert_true (gmo_mcp_args_get_string (arguments, names[i], &value, &error));
      g_assert_null (value);
    }
  g_assert_false (gmo_mcp_args_get_string (arguments, "n", &value, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_assert_cmpstr (error->message, ==, "n must be a string");
  g_clear_error (&error);
  g_assert_false (gmo_mcp_args_get_string (arguments, "nul", &value, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
}

static void
test_args_line (void)
{
  g_autoptr (json_object) arguments = args_parse (
      "{\"to\":\"a@example.com, B <b@example.com>\",\"lf\":\"a@example.com\\nBcc: c@example.com\","
      "\"cr\":\"x\\ry\",\"n\":1}");
  g_autoptr (GError) error = NULL;
  const gchar *value = NULL;
  const gchar *bad[] = { "lf", "cr" };

  g_assert_true (gmo_mcp_args_get_line (arguments, "to", &value, &error));
  g_assert_cmpstr (value, ==, "a@example.com, B <b@example.com>");
  g_assert_true (gmo_mcp_args_get_line (arguments, "absent", &value, &error));
  g_assert_null (value);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree gchar *expected = g_strdup_printf ("%s must be one line", bad[i]);

      g_assert_false (gmo_mcp_args_get_line (arguments, bad[i], &value, &error));
      g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
      g_assert_cmpstr (error->message, ==, expected);
      g_assert_null (value);
      g_clear_error (&error);
    }
  g_assert_false (gmo_mcp_args_get_line (arguments, "n", &value, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
}

static void
test_args_int (void)
{
  g_autoptr (json_object) arguments = args_parse (
      "{\"one\":1,\"max\":500,\"zero\":0,\"big\":501,\"float\":10.0,\"str\":\"10\","
      "\"huge\":123456789012345678901234567890,\"neg\":-5,\"null\":null}");
  g_autoptr (GError) error = NULL;
  gint64 value = 10;
  const gchar *bad[] = { "zero", "big", "float", "str", "huge", "neg" };

  g_assert_true (gmo_mcp_args_get_int (arguments, "absent", 1, 500, &value, &error));
  g_assert_cmpint (value, ==, 10);
  g_assert_true (gmo_mcp_args_get_int (arguments, "null", 1, 500, &value, &error));
  g_assert_cmpint (value, ==, 10);
  g_assert_true (gmo_mcp_args_get_int (arguments, "one", 1, 500, &value, &error));
  g_assert_cmpint (value, ==, 1);
  g_assert_true (gmo_mcp_args_get_int (arguments, "max", 1, 500, &value, &error));
  g_assert_cmpint (value, ==, 500);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree gchar *expected = g_strdup_printf ("%s must be an integer from 1 to 500", bad[i]);

      value = 7;
      g_assert_false (gmo_mcp_args_get_int (arguments, bad[i], 1, 500, &value, &error));
      g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
      g_assert_cmpstr (error->message, ==, expected);
      g_assert_cmpint (value, ==, 7);
      g_clear_error (&error);
    }
}

static void
test_args_boolean (void)
{
  g_autoptr (json_object) arguments = args_parse ("{\"t\":true,\"f\":false,\"one\":1,"
                                                  "\"s\":\"true\"}");
  g_autoptr (GError) error = NULL;
  gboolean value = FALSE;

  g_assert_true (gmo_mcp_args_get_boolean (arguments, "t", &value, &error));
  g_assert_true (value);
  g_assert_true (gmo_mcp_args_get_boolean (arguments, "absent", &value, &error));
  g_assert_true (value);
  g_assert_true (gmo_mcp_args_get_boolean (arguments, "f", &value, &error));
  g_assert_false (value);
  g_assert_false (gmo_mcp_args_get_boolean (arguments, "one", &value, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_assert_cmpstr (error->message, ==, "one must be true or false");
  g_clear_error (&error);
  g_assert_false (gmo_mcp_args_get_boolean (arguments, "s", &value, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
}

static void
test_args_strv (void)
{
  g_autoptr (json_object) arguments = args_parse (
      "{\"a\":[\"x\",\"Y z\"],\"e\":[],\"s\":\"x\",\"mixed\":[\"x\",1],"
      "\"blank\":[\"\"]}");
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) value = NULL;
  const gchar *bad[] = { "s", "mixed", "blank" };

  g_assert_true (gmo_mcp_args_get_strv (arguments, "a", &value, &error));
  g_assert_cmpstrv (value, ((const gchar *[]){ "x", "Y z", NULL }));
  g_clear_pointer (&value, g_strfreev);
  g_assert_true (gmo_mcp_args_get_strv (arguments, "e", &value, &error));
  g_assert_cmpstrv (value, ((const gchar *[]){ NULL }));
  g_clear_pointer (&value, g_strfreev);
  g_assert_true (gmo_mcp_args_get_strv (arguments, "absent", &value, &error));
  g_assert_null (value);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (gmo_mcp_args_get_strv (arguments, bad[i], &value, &error));
      g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
      g_assert_null (value);
      g_clear_error (&error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mcp/blank", test_blank);
  g_test_add_func ("/mcp/errors", test_errors);
  g_test_add_func ("/mcp/ids", test_ids);
  g_test_add_func ("/mcp/invalid-utf8", test_invalid_utf8);
  g_test_add_func ("/mcp/notifications", test_notifications);
  g_test_add_func ("/mcp/initialize", test_initialize);
  g_test_add_func ("/mcp/tools-call", test_tools_call);
  g_test_add_func ("/mcp/feed", test_feed);
  g_test_add_func ("/mcp/feed-long", test_feed_long);
  g_test_add_func ("/mcp/args/string", test_args_string);
  g_test_add_func ("/mcp/args/line", test_args_line);
  g_test_add_func ("/mcp/args/int", test_args_int);
  g_test_add_func ("/mcp/args/boolean", test_args_boolean);
  g_test_add_func ("/mcp/args/strv", test_args_strv);
  return g_test_run ();
}
