/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MCP protocol over JSON-RPC 2.0, one message per line, as pure functions
 * over bytes: lines in, response lines out. The tools themselves and the I/O
 * loop live in gmo-mcp-tools.c. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-mcp.h"

/* A pending line keeps its buffer across calls; a buffer grown past this by a
 * big message is given back once the message is handled. */
#define PENDING_KEEP (64 * 1024)

/* Newest first; the first is what an unknown version is answered with. */
static const gchar *const protocol_versions[] = {
  GMO_MCP_PROTOCOL_LATEST,
  "2025-06-18",
  "2025-03-26",
  "2024-11-05",
};

struct _GmoMcpServer
{
  gchar *instructions;
  const GmoMcpTool *tools;
  gsize n_tools;
  json_object *tool_list; /* the "tools" array of tools/list, built once */
  gboolean initialized;
  GmoSecretString *pending; /* the bytes of an incomplete line */
  gboolean discarding;      /* inside a line longer than GMO_MCP_MAX_LINE */
};

typedef GmoSecret *(*MethodFunc) (GmoMcpServer *server, json_object *id, json_object *params);

typedef struct
{
  const gchar *name;
  gboolean needs_initialize;
  MethodFunc handle;
} Method;

static json_object *
tool_to_json (const GmoMcpTool *tool)
{
  json_object *object = json_object_new_object ();
  json_object *annotations = json_object_new_object ();
  json_object *schema = json_tokener_parse (tool->input_schema);

  /* The schemas are compiled-in text: a bad one is a programmer error. */
  g_assert (json_object_is_type (schema, json_type_object));

  json_object_object_add (object, "name", json_object_new_string (tool->name));
  json_object_object_add (object, "title", json_object_new_string (tool->title));
  json_object_object_add (object, "description", json_object_new_string (tool->description));
  json_object_object_add (object, "inputSchema", schema);
  if (tool->output_schema != NULL)
    {
      schema = json_tokener_parse (tool->output_schema);
      g_assert (json_object_is_type (schema, json_type_object));
      json_object_object_add (object, "outputSchema", schema);
    }
  json_object_object_add (annotations, "title", json_object_new_string (tool->title));
  json_object_object_add (annotations, "readOnlyHint",
                          json_object_new_boolean (tool->flags & GMO_MCP_TOOL_READ_ONLY));
  json_object_object_add (annotations, "destructiveHint",
                          json_object_new_boolean (tool->flags & GMO_MCP_TOOL_DESTRUCTIVE));
  json_object_object_add (annotations, "idempotentHint",
                          json_object_new_boolean (tool->flags & GMO_MCP_TOOL_IDEMPOTENT));
  json_object_object_add (annotations, "openWorldHint",
                          json_object_new_boolean (tool->flags & GMO_MCP_TOOL_OPEN_WORLD));
  json_object_object_add (object, "annotations", annotations);
  return object;
}

/**
 * gmo_mcp_server_new:
 * @instructions: what the server's tools are for, said to the client
 * @tools: (array length=n_tools): the tools; borrowed, must outlive the server
 * @n_tools: their number
 *
 * Returns: (transfer full): a server that has not seen `initialize` yet.
 */
GmoMcpServer *
gmo_mcp_server_new (const gchar *instructions, const GmoMcpTool *tools, gsize n_tools)
{
  GmoMcpServer *server = g_new0 (GmoMcpServer, 1);

  server->instructions = g_strdup (instructions);
  server->tools = tools;
  server->n_tools = n_tools;
  server->tool_list = json_object_new_array ();
  for (gsize i = 0; i < n_tools; i++)
    json_object_array_add (server->tool_list, tool_to_json (&tools[i]));
  server->pending = g_string_sized_new (4096);
  return server;
}

/**
 * gmo_mcp_server_free:
 * @server: (nullable) (transfer full): a server
 *
 * Frees @server, wiping any partial message it held.
 */
void
gmo_mcp_server_free (GmoMcpServer *server)
{
  if (server == NULL)
    return;
  g_free (server->instructions);
  json_object_put (server->tool_list);
  gmo_string_wipe_free (server->pending);
  g_free (server);
}

/* What a response may hold, and so how it is written. */
typedef enum
{
  /* No secret: a successful result of a tool that never hands out a
   * credential (the keyring-backed tools). Written once, nothing wiped. */
  HOLDS_NO_SECRET,
  /* Maybe a secret the request carried (its id, a name an error repeats):
   * written without leaving copies behind (gmo_json_to_secret()). */
  HOLDS_REQUEST,
  /* Maybe a token: written so, and its strings wiped afterwards. */
  HOLDS_SECRET,
} Holds;

/* @object serialised, into memory that is wiped when freed. */
static GmoSecret *
to_text (json_object *object, Holds holds)
{
  size_t len = 0;
  const char *text;

  if (holds != HOLDS_NO_SECRET)
    return gmo_json_to_secret (object);
  text = json_object_to_json_string_length (
      object, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
  return gmo_secret_dup_len (text, len);
}

/* A response is built, serialised, and then freed (and wiped if it may hold
 * a token); the request's id object is shared with it. */
static GmoSecret *
response_finish (json_object *response, Holds holds)
{
  GmoSecret *text = to_text (response, holds);

  if (holds == HOLDS_SECRET)
    gmo_json_wipe_put (response);
  else
    json_object_put (response);
  return text;
}

static json_object *
response_new (json_object *id)
{
  json_object *response = json_object_new_object ();

  json_object_object_add (response, "jsonrpc", json_object_new_string ("2.0"));
  /* An id is echoed as the very object the client sent, so that its text
   * (string or integer, however large) comes back unchanged. */
  json_object_object_add (response, "id", json_object_get (id));
  return response;
}

static GmoSecret *
error_response (json_object *id, int code, const gchar *format, ...) G_GNUC_PRINTF (3, 4);

static GmoSecret *
error_response (json_object *id, int code, const gchar *format, ...)
{
  json_object *response = response_new (id);
  json_object *error = json_object_new_object ();
  g_autofree gchar *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  json_object_object_add (error, "code", json_object_new_int (code));
  json_object_object_add (error, "message", json_object_new_string (message));
  json_object_object_add (response, "error", error);
  return response_finish (response, HOLDS_REQUEST);
}

/* @result: (transfer full). */
static GmoSecret *
result_response (json_object *id, json_object *result, Holds holds)
{
  json_object *response = response_new (id);

  json_object_object_add (response, "result", result);
  return response_finish (response, holds);
}

static GmoSecret *
handle_initialize (GmoMcpServer *server, json_object *id, json_object *params)
{
  const gchar *asked = gmo_json_get_string (params, "protocolVersion");
  const gchar *version = GMO_MCP_PROTOCOL_LATEST;
  json_object *result, *capabilities, *tools, *info;

  if (params == NULL)
    return error_response (id, GMO_MCP_INVALID_PARAMS, _("initialize needs params"));
  for (gsize i = 0; asked != NULL && i < G_N_ELEMENTS (protocol_versions); i++)
    if (g_str_equal (asked, protocol_versions[i]))
      version = protocol_versions[i];

  result = json_object_new_object ();
  capabilities = json_object_new_object ();
  tools = json_object_new_object ();
  info = json_object_new_object ();
  json_object_object_add (result, "protocolVersion", json_object_new_string (version));
  json_object_object_add (tools, "listChanged", json_object_new_boolean (FALSE));
  json_object_object_add (capabilities, "tools", tools);
  json_object_object_add (result, "capabilities", capabilities);
  json_object_object_add (info, "name", json_object_new_string (PACKAGE_TARNAME));
  json_object_object_add (info, "version", json_object_new_string (PACKAGE_VERSION));
  json_object_object_add (result, "serverInfo", info);
  json_object_object_add (result, "instructions", json_object_new_string (server->instructions));
  server->initialized = TRUE;
  g_debug ("initialize: client asked for protocol %s, answering %s", asked ? asked : "(none)",
           version);
  return result_response (id, result, HOLDS_REQUEST);
}

static GmoSecret *
handle_ping (GmoMcpServer *server, json_object *id, json_object *params)
{
  return result_response (id, json_object_new_object (), HOLDS_REQUEST);
}

static GmoSecret *
handle_tools_list (GmoMcpServer *server, json_object *id, json_object *params)
{
  json_object *result = json_object_new_object ();

  /* One page holds every tool, so a cursor has nothing to continue. */
  json_object_object_add (result, "tools", json_object_get (server->tool_list));
  return result_response (id, result, HOLDS_REQUEST);
}

static GmoSecret *
handle_tools_call (GmoMcpServer *server, json_object *id, json_object *params)
{
  const gchar *name = gmo_json_get_string (params, "name");
  const GmoMcpTool *tool = NULL;
  json_object *arguments = NULL;
  g_autoptr (GmoSecretJson) payload = NULL;
  g_autoptr (GmoSecret) text = NULL;
  json_object *result, *content, *item;
  gboolean is_error = FALSE;
  Holds holds;

  if (name == NULL)
    return error_response (id, GMO_MCP_INVALID_PARAMS, _("tools/call needs a tool name"));
  for (gsize i = 0; i < server->n_tools && tool == NULL; i++)
    if (g_str_equal (name, server->tools[i].name))
      tool = &server->tools[i];
  if (tool == NULL)
    return error_response (id, GMO_MCP_INVALID_PARAMS, _("Unknown tool: %s"), name);
  if (json_object_object_get_ex (params, "arguments", &arguments)
      && !json_object_is_type (arguments, json_type_null)
      && !json_object_is_type (arguments, json_type_object))
    return error_response (id, GMO_MCP_INVALID_PARAMS, _("The arguments must be an object"));
  if (!json_object_is_type (arguments, json_type_object))
    {
      /* Owned by params from here on, so it is wiped and freed with it. */
      arguments = json_object_new_object ();
      json_object_object_add (params, "arguments", arguments);
    }

  g_debug ("tools/call %s", tool->name);
  payload = tool->call (arguments, &is_error);
  holds = is_error || (tool->flags & GMO_MCP_TOOL_CREDENTIALS) ? HOLDS_SECRET : HOLDS_NO_SECRET;
  text = to_text (payload, holds);

  result = json_object_new_object ();
  content = json_object_new_array ();
  item = json_object_new_object ();
  json_object_object_add (item, "type", json_object_new_string ("text"));
  json_object_object_add (item, "text", json_object_new_string (text));
  json_object_array_add (content, item);
  json_object_object_add (result, "content", content);
  /* Clients check a successful result of a tool with an output schema
   * against it and fail the call when structuredContent is missing; older
   * clients read the same JSON from the text item. */
  if (tool->output_schema != NULL && !is_error)
    json_object_object_add (result, "structuredContent", json_object_get (payload));
  json_object_object_add (result, "isError", json_object_new_boolean (is_error));
  return result_response (id, result, holds);
}

static const Method methods[] = {
  { "initialize", FALSE, handle_initialize },
  { "ping", FALSE, handle_ping },
  { "tools/list", TRUE, handle_tools_list },
  { "tools/call", TRUE, handle_tools_call },
};

/* Request ids are strings or integers. Every 64-bit integer, from
 * -9223372036854775808 to 18446744073709551615, is echoed exactly: json-c
 * would saturate larger ones, which gmo_json_parse() refuses instead. */
static gboolean
id_is_valid (json_object *id)
{
  switch (json_object_get_type (id))
    {
    case json_type_string:
    case json_type_int:
      return TRUE;
    case json_type_null:
    case json_type_boolean:
    case json_type_double:
    case json_type_object:
    case json_type_array:
      return FALSE;
    }
  return FALSE;
}

static gboolean
is_blank (const gchar *line, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (line[i]))
      return FALSE;
  return TRUE;
}

/**
 * gmo_mcp_server_handle_line:
 * @server: a server
 * @line: one message, without its newline (a trailing `\r` is ignored)
 * @len: its length
 *
 * Handles one incoming JSON-RPC message. The caller wipes @line afterwards:
 * tool arguments can be secrets.
 *
 * Returns: (transfer full) (nullable): the response line (without newline),
 * to free with gmo_secret_free(), or %NULL when nothing is to be answered
 * (notifications, responses, blank lines).
 */
GmoSecret *
gmo_mcp_server_handle_line (GmoMcpServer *server, const gchar *line, gsize len)
{
  g_autoptr (GmoSecretJson) request = NULL;
  g_autoptr (GError) error = NULL;
  json_object *id = NULL;
  json_object *member = NULL;
  json_object *params = NULL;
  const Method *method = NULL;
  const gchar *name;

  g_return_val_if_fail (server != NULL, NULL);
  g_return_val_if_fail (line != NULL || len == 0, NULL);

  if (len > 0 && line[len - 1] == '\r')
    len--;
  if (is_blank (line, len))
    return NULL;
  if (len > GMO_MCP_MAX_LINE)
    return error_response (NULL, GMO_MCP_PARSE_ERROR, _("Message longer than %d MiB"),
                           GMO_MCP_MAX_LINE / (1024 * 1024));

  /* The document `null` parses to %NULL without an error: not an object. */
  request = gmo_json_parse (line, len, GMO_ERROR_USAGE, &error);
  if (error != NULL)
    return error_response (NULL, GMO_MCP_PARSE_ERROR, "%s", error->message);
  if (json_object_is_type (request, json_type_array))
    return error_response (NULL, GMO_MCP_INVALID_REQUEST, _("Batches are not supported"));
  if (!json_object_is_type (request, json_type_object))
    return error_response (NULL, GMO_MCP_INVALID_REQUEST, _("A message must be a JSON object"));

  if (json_object_object_get_ex (request, "id", &id) && !id_is_valid (id))
    return error_response (NULL, GMO_MCP_INVALID_REQUEST,
                           _("The id must be a string or an integer of at most 64 bits"));
  if (g_strcmp0 (gmo_json_get_string (request, "jsonrpc"), "2.0") != 0)
    return error_response (id, GMO_MCP_INVALID_REQUEST, _("jsonrpc must be \"2.0\""));
  if (!json_object_object_get_ex (request, "method", &member))
    {
      /* A response to a request of ours; we send none, so it is dropped
       * rather than answered, which could loop. */
      if (json_object_object_get_ex (request, "result", NULL)
          || json_object_object_get_ex (request, "error", NULL))
        {
          g_debug ("Ignoring a response from the client");
          return NULL;
        }
      return error_response (id, GMO_MCP_INVALID_REQUEST, _("The method is missing"));
    }
  if (!gmo_json_is_c_string (member))
    return error_response (id, GMO_MCP_INVALID_REQUEST, _("The method must be a string"));
  name = json_object_get_string (member);

  if (id == NULL)
    {
      /* Notifications (notifications/initialized, notifications/cancelled,
       * unknown ones) are never answered. */
      g_debug ("Notification %s", name);
      return NULL;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (methods) && method == NULL; i++)
    if (g_str_equal (name, methods[i].name))
      method = &methods[i];
  if (method == NULL)
    return error_response (id, GMO_MCP_METHOD_NOT_FOUND, _("Method not found: %s"), name);
  /* Newer clients probe with requests such as server/discover first and fall
   * back on any error: answering at once spares them a timeout. */
  if (method->needs_initialize && !server->initialized)
    return error_response (id, GMO_MCP_NOT_INITIALIZED, _("Server not initialized"));
  if (json_object_object_get_ex (request, "params", &params)
      && !json_object_is_type (params, json_type_object))
    {
      if (!json_object_is_type (params, json_type_null))
        return error_response (id, GMO_MCP_INVALID_PARAMS, _("The params must be an object"));
      params = NULL;
    }
  g_debug ("Request %s", name);
  return method->handle (server, id, params);
}

static void
pending_clear (GmoMcpServer *server)
{
  gmo_wipe (server->pending->str, server->pending->len);
  g_string_truncate (server->pending, 0);
  if (server->pending->allocated_len > PENDING_KEEP)
    {
      gmo_string_wipe_free (server->pending);
      server->pending = g_string_sized_new (4096);
    }
}

/* GString's own growth would free the old block unwiped: grow by hand. */
static void
pending_append (GmoMcpServer *server, const gchar *data, gsize len)
{
  GString *pending = server->pending;

  if (pending->len + len + 1 > pending->allocated_len)
    {
      GString *bigger = g_string_sized_new (MAX (pending->allocated_len * 2, pending->len + len + 1));

      g_string_append_len (bigger, pending->str, pending->len);
      gmo_string_wipe_free (pending);
      server->pending = pending = bigger;
    }
  g_string_append_len (pending, data, len);
}

static void
emit_line (GmoMcpServer *server, const gchar *line, gsize len, GmoMcpEmitFunc emit,
           gpointer user_data)
{
  g_autoptr (GmoSecret) response = gmo_mcp_server_handle_line (server, line, len);

  if (response != NULL)
    emit (response, strlen (response), user_data);
}

static void
emit_too_long (GmoMcpServer *server, GmoMcpEmitFunc emit, gpointer user_data)
{
  g_autoptr (GmoSecret) response = error_response (NULL, GMO_MCP_PARSE_ERROR,
                                                   _("Message longer than %d MiB"),
                                                   GMO_MCP_MAX_LINE / (1024 * 1024));

  emit (response, strlen (response), user_data);
}

/**
 * gmo_mcp_server_feed:
 * @server: a server
 * @data: bytes read from the client
 * @len: their number
 * @emit: called with each response, in order
 * @user_data: for @emit
 *
 * Splits the stream into lines and handles each complete one. A line longer
 * than %GMO_MCP_MAX_LINE is dropped as it comes, without being kept, and
 * answered with a parse error at its end. The caller wipes @data afterwards.
 */
void
gmo_mcp_server_feed (GmoMcpServer *server, const gchar *data, gsize len, GmoMcpEmitFunc emit,
                     gpointer user_data)
{
  g_return_if_fail (server != NULL);
  g_return_if_fail (emit != NULL);

  while (len > 0)
    {
      const gchar *newline = memchr (data, '\n', len);
      gsize take = newline != NULL ? (gsize) (newline - data) : len;

      if (newline != NULL && !server->discarding && server->pending->len == 0)
        {
          /* The common case, a whole line in @data: no copy. */
          emit_line (server, data, take, emit, user_data);
          data = newline + 1;
          len -= take + 1;
          continue;
        }
      /* One more byte than the limit is kept for a `\r` before the newline;
       * gmo_mcp_server_handle_line() judges the length without it. */
      if (!server->discarding && server->pending->len + take > GMO_MCP_MAX_LINE + 1)
        {
          pending_clear (server);
          server->discarding = TRUE;
        }
      if (!server->discarding)
        pending_append (server, data, take);
      if (newline == NULL)
        return;

      if (server->discarding)
        {
          server->discarding = FALSE;
          emit_too_long (server, emit, user_data);
        }
      else
        {
          emit_line (server, server->pending->str, server->pending->len, emit, user_data);
          pending_clear (server);
        }
      data = newline + 1;
      len -= take + 1;
    }
}

/**
 * gmo_mcp_server_finish:
 * @server: a server
 * @emit: called with the response to a last line that had no newline
 * @user_data: for @emit
 *
 * At end of input: handles what is left of the stream.
 */
void
gmo_mcp_server_finish (GmoMcpServer *server, GmoMcpEmitFunc emit, gpointer user_data)
{
  g_return_if_fail (server != NULL);
  g_return_if_fail (emit != NULL);

  if (server->discarding)
    {
      server->discarding = FALSE;
      emit_too_long (server, emit, user_data);
    }
  else if (server->pending->len > 0)
    emit_line (server, server->pending->str, server->pending->len, emit, user_data);
  pending_clear (server);
}

/**
 * gmo_mcp_tool_error:
 * @error: why a tool failed
 * @details: (nullable): what the endpoint said, if anything
 *
 * Returns: (transfer full): the failure object of a tool result,
 * {"error", "details", "error_code", "status": "error"}; @details is left out
 * when %NULL.
 */
json_object *
gmo_mcp_tool_error (const GError *error, const gchar *details)
{
  json_object *object = json_object_new_object ();
  g_autofree gchar *message = g_strdup (error->message);

  /* One line, whatever a lower layer put in the message. */
  g_strdelimit (message, "\r\n", ' ');
  json_object_object_add (object, "error", json_object_new_string (message));
  if (details != NULL)
    json_object_object_add (object, "details", json_object_new_string (details));
  json_object_object_add (object, "error_code",
                          json_object_new_string (gmo_error_class_name (error)));
  json_object_object_add (object, "status", json_object_new_string ("error"));
  return object;
}
