/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-c/json.h>

#include "gmo-gmail.h"
#include "gmo-mcp.h"
#include "gmo-mime.h"

G_BEGIN_DECLS

/* The tools of `gmail-oauth mcp`, one table per file: the reference server's
 * mail tools as drop-ins (gmo-mcp-dropin.c), the keyring-backed mail tools
 * that read (gmo-mcp-mail.c) and those that send or change
 * (gmo-mcp-mail-write.c). Each returns (transfer none) its table and sets
 * @out_n to its length. */
const GmoMcpTool *gmo_mcp_dropin_tools (gsize *out_n);
const GmoMcpTool *gmo_mcp_mail_tools (gsize *out_n);
const GmoMcpTool *gmo_mcp_mail_write_tools (gsize *out_n);

/* Shared by the tool files. The account a call names, else the only one
 * stored (gmo-mcp-account.c). */
gboolean gmo_mcp_follow_keyring (gboolean for_request, GError **error);
gchar *gmo_mcp_pick_account (json_object *arguments, GError **error);
GmoGmail *gmo_mcp_gmail_new (json_object *arguments, GError **error);
GmoMimeMessage *gmo_mcp_mail_fetch (GmoGmail *gmail, const gchar *id, glong offset,
                                    glong n_chars, json_object **out_meta, GError **error);
json_object *gmo_mcp_mail_labels (json_object *message);
json_object *gmo_mcp_mail_string (json_object *message, const gchar *key);
json_object *gmo_mcp_mail_result_new (GmoGmail *gmail);
gboolean gmo_mcp_mail_get_array (json_object *answer, const gchar *key, json_object **out_array,
                                 GError **error);

/* The table of `gmail-oauth mcp` as its options choose it (gmo-mcp-tools.c). */
GArray *gmo_mcp_tools_select (gboolean read_only, gboolean no_credentials);
gchar *gmo_mcp_tools_instructions (GArray *tools, gboolean read_only);

/* The stdio loop (gmo-mcp-serve.c). */
gboolean gmo_mcp_serve_prepare (GError **error);
int gmo_mcp_serve (GmoMcpServer *server);

/* The optional account argument of every keyring-backed mail tool, as a
 * member of an input schema's properties. */
#define GMO_MCP_ACCOUNT_PROPERTY                                                               \
  " \"account\": {\"type\": \"string\", \"description\": \"The Gmail address to use; may be "  \
  "omitted when exactly one account is stored\"}"

/* The largest message offset the tools accept: beyond any message Gmail
 * stores (35 MB). */
#define GMO_MCP_MAX_OFFSET G_MAXINT32

G_END_DECLS
