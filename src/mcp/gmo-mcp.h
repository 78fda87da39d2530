/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-c/json.h>

#include "gmo-secret.h"

G_BEGIN_DECLS

/* The longest message accepted, not counting its line ending. */
#define GMO_MCP_MAX_LINE (4 * 1024 * 1024)

/* The newest protocol version we speak; answered when the client's is unknown. */
#define GMO_MCP_PROTOCOL_LATEST "2025-11-25"

/* JSON-RPC error codes. */
#define GMO_MCP_PARSE_ERROR (-32700)
#define GMO_MCP_INVALID_REQUEST (-32600)
#define GMO_MCP_METHOD_NOT_FOUND (-32601)
#define GMO_MCP_INVALID_PARAMS (-32602)
#define GMO_MCP_NOT_INITIALIZED (-32002)

typedef enum
{
  GMO_MCP_TOOL_FLAGS_NONE = 0,
  GMO_MCP_TOOL_READ_ONLY = 1 << 0,   /* readOnlyHint */
  GMO_MCP_TOOL_IDEMPOTENT = 1 << 1,  /* idempotentHint */
  GMO_MCP_TOOL_OPEN_WORLD = 1 << 2,  /* openWorldHint: talks to the network */
  GMO_MCP_TOOL_DESTRUCTIVE = 1 << 3, /* destructiveHint: may remove or overwrite */
  /* Not an annotation: the tool takes or hands out a credential (a token, a
   * client secret), so a server that must keep credentials away from the
   * model leaves it out. */
  GMO_MCP_TOOL_CREDENTIALS = 1 << 4,
} GmoMcpToolFlags;

/* A tool's implementation. @arguments is the call's arguments object (never
 * %NULL; may hold secrets, it is wiped afterwards). Returns (transfer full) the
 * JSON object that becomes the text of the result's one content item (and its
 * structuredContent when the tool has an output schema), and sets
 * @out_is_error for a failure that the tool reports itself. */
typedef json_object *(*GmoMcpToolFunc) (json_object *arguments, gboolean *out_is_error);

typedef struct
{
  const gchar *name;
  const gchar *title;
  const gchar *description;
  const gchar *input_schema;  /* JSON text of a plain JSON Schema object */
  const gchar *output_schema; /* (nullable): JSON Schema of a successful result */
  GmoMcpToolFlags flags;
  GmoMcpToolFunc call;
} GmoMcpTool;

/* Receives one complete outgoing message (one line, without its newline). It
 * may hold a secret: copy it nowhere that is not wiped. */
typedef void (*GmoMcpEmitFunc) (const gchar *message, gsize len, gpointer user_data);

typedef struct _GmoMcpServer GmoMcpServer;

GmoMcpServer *gmo_mcp_server_new (const gchar *instructions, const GmoMcpTool *tools,
                                  gsize n_tools);
void gmo_mcp_server_free (GmoMcpServer *server);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GmoMcpServer, gmo_mcp_server_free)

GmoSecret *gmo_mcp_server_handle_line (GmoMcpServer *server, const gchar *line, gsize len);
void gmo_mcp_server_feed (GmoMcpServer *server, const gchar *data, gsize len,
                          GmoMcpEmitFunc emit, gpointer user_data);
void gmo_mcp_server_finish (GmoMcpServer *server, GmoMcpEmitFunc emit, gpointer user_data);

json_object *gmo_mcp_tool_error (const GError *error, const gchar *details);

/* Typed readers of a call's arguments (gmo-mcp-args.c). */
gboolean gmo_mcp_args_get_string (json_object *arguments, const gchar *name,
                                  const gchar **out_value, GError **error);
gboolean gmo_mcp_args_get_line (json_object *arguments, const gchar *name,
                                const gchar **out_value, GError **error);
gboolean gmo_mcp_args_get_int (json_object *arguments, const gchar *name, gint64 min, gint64 max,
                               gint64 *inout_value, GError **error);
gboolean gmo_mcp_args_get_boolean (json_object *arguments, const gchar *name,
                                   gboolean *inout_value, GError **error);
gboolean gmo_mcp_args_get_strv (json_object *arguments, const gchar *name, GStrv *out_value,
                                GError **error);

G_END_DECLS
