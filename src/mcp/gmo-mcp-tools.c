/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `gmail-oauth mcp`: the MCP server on stdin and stdout. The token tools,
 * the table of every tool with the options that choose among them, and what
 * the tools share; the protocol is gmo-mcp.c, the loop gmo-mcp-serve.c. */
#include "config.h"

#include <unistd.h>

#include <glib/gi18n.h>

#include "gmo-autocleanups.h"
#include "gmo-broker.h"
#include "gmo-cli.h"
#include "gmo-client.h"
#include "gmo-curl.h"
#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-keyring.h"
#include "gmo-mcp-tools.h"
#include "gmo-oauth.h"
#include "gmo-store.h"
#include "gmo-util.h"

/* What the model reads: tool names, descriptions, schemas and instructions
 * are protocol text, kept in English and never translated, so that they stay
 * identical to the reference tools' and the same for every user. The
 * instructions name only the tools the server offers (see
 * gmo_mcp_tools_instructions()). */

/* Exactly the reference's registration (../shared/reference/gmail_refresh_token.md). */
static const gchar refresh_schema[] =
    "{\"type\": \"object\","
    " \"properties\": {"
    "  \"google_access_token\": {\"type\": \"string\","
    " \"description\": \"Google OAuth2 access token (optional if expired)\"},"
    "  \"google_refresh_token\": {\"type\": \"string\","
    " \"description\": \"Google OAuth2 refresh token\"},"
    "  \"google_client_id\": {\"type\": \"string\","
    " \"description\": \"Google OAuth2 client ID for token refresh\"},"
    "  \"google_client_secret\": {\"type\": \"string\","
    " \"description\": \"Google OAuth2 client secret for token refresh\"}},"
    " \"required\": [\"google_refresh_token\", \"google_client_id\", \"google_client_secret\"]}";

static const gchar get_token_schema[] =
    "{\"type\": \"object\","
    " \"properties\": {"
    "  \"account\": {\"type\": \"string\","
    " \"description\": \"The Gmail address whose token is wanted; may be omitted when exactly "
    "one account is stored\"}}}";

static const gchar list_schema[] = "{\"type\": \"object\", \"properties\": {}}";

/* The fields both token tools answer; expires_in is counted from the
 * absolute UTC expiry, so it is right in any time zone. */
static json_object *
token_json_new (const gchar *account, const gchar *access_token, gint64 expires_at)
{
  json_object *object = json_object_new_object ();
  g_autofree gchar *expires = gmo_format_rfc3339 (expires_at);

  if (account != NULL)
    json_object_object_add (object, "account", json_object_new_string (account));
  json_object_object_add (object, "access_token", json_object_new_string (access_token));
  json_object_object_add (object, "expires_at", json_object_new_string (expires));
  json_object_object_add (object, "expires_in",
                          json_object_new_int64 (MAX (expires_at - gmo_now (), 0)));
  return object;
}

static json_object *
tool_refresh_token (json_object *arguments, gboolean *out_is_error)
{
  static const gchar *const required[] = {
    "google_refresh_token",
    "google_client_id",
    "google_client_secret",
  };
  const gchar *values[G_N_ELEMENTS (required)];
  const gchar *ignored = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree gchar *details = NULL;
  g_autoptr (GmoTokenResponse) response = NULL;
  json_object *result;

  /* The access token is accepted and ignored, as by the reference: a refresh
   * is always forced. It must still be a string if given. */
  if (!gmo_mcp_args_get_string (arguments, "google_access_token", &ignored, &error))
    goto out;
  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    {
      if (!gmo_mcp_args_get_string (arguments, required[i], &values[i], &error))
        goto out;
      if (values[i] == NULL)
        {
          g_set_error (&error, GMO_ERROR, GMO_ERROR_USAGE, _("%s is required for token refresh"),
                       required[i]);
          goto out;
        }
    }

  /* Straight to the token endpoint: no keyring, no session bus needed. */
  response = gmo_oauth_refresh (values[1], values[2], values[0], &details, NULL, &error);
  if (response == NULL)
    goto out;
  result = token_json_new (NULL, response->access_token, response->expires_at);
  if (response->refresh_token != NULL)
    json_object_object_add (result, "refresh_token",
                            json_object_new_string (response->refresh_token));
  if (response->scope != NULL)
    json_object_object_add (result, "scope", json_object_new_string (response->scope));
  if (response->token_type != NULL)
    json_object_object_add (result, "token_type", json_object_new_string (response->token_type));
  json_object_object_add (result, "status", json_object_new_string ("success"));
  return result;

out:
  *out_is_error = TRUE;
  return gmo_mcp_tool_error (error, details);
}

/**
 * gmo_mcp_gmail_new:
 * @arguments: a call's arguments, with an optional "account"
 * @error: return location for an error
 *
 * Returns: (transfer full): a keyring-backed client for the account named,
 * or the only one stored.
 */
GmoGmail *
gmo_mcp_gmail_new (json_object *arguments, GError **error)
{
  g_autofree gchar *account = NULL;

  if (!gmo_mcp_follow_keyring (TRUE, error))
    return NULL;
  account = gmo_mcp_pick_account (arguments, error);
  if (account == NULL)
    return NULL;
  return gmo_gmail_new (account, error);
}

/**
 * gmo_mcp_mail_get_array:
 * @answer: (nullable): an object from the Gmail API
 * @key: a member that Gmail leaves out when it would be empty
 * @out_array: (out) (transfer none) (nullable): the array, or %NULL when absent
 * @error: return location for a %GMO_ERROR_BAD_RESPONSE error
 *
 * Returns: %FALSE if the member is there but is no array.
 */
gboolean
gmo_mcp_mail_get_array (json_object *answer, const gchar *key, json_object **out_array,
                        GError **error)
{
  json_object *member = NULL;

  *out_array = NULL;
  if (!json_object_is_type (answer, json_type_object)
      || !json_object_object_get_ex (answer, key, &member)
      || json_object_is_type (member, json_type_null))
    return TRUE;
  if (!json_object_is_type (member, json_type_array))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("The Gmail API answered a %s that is not an array"), key);
      return FALSE;
    }
  *out_array = member;
  return TRUE;
}

/**
 * gmo_mcp_mail_string:
 * @message: (nullable): an object from the Gmail API
 * @key: a member name
 *
 * Returns: (transfer full): a new JSON string of the member, "" when it is
 * absent or no string.
 */
json_object *
gmo_mcp_mail_string (json_object *message, const gchar *key)
{
  const gchar *value = gmo_json_get_string (message, key);

  return json_object_new_string (value != NULL ? value : "");
}

/**
 * gmo_mcp_mail_result_new:
 * @gmail: a keyring-backed client
 *
 * Returns: (transfer full): a successful result of a keyring-backed mail
 * tool, to fill: {"account"} first, as every one of them answers.
 */
json_object *
gmo_mcp_mail_result_new (GmoGmail *gmail)
{
  json_object *result = json_object_new_object ();

  json_object_object_add (result, "account",
                          json_object_new_string (gmo_gmail_get_account (gmail)));
  return result;
}

/**
 * gmo_mcp_mail_labels:
 * @message: (nullable): a message from the Gmail API
 *
 * Returns: (transfer full): a new array of the message's label ids (Gmail
 * leaves "labelIds" out for a message without labels: then []).
 */
json_object *
gmo_mcp_mail_labels (json_object *message)
{
  json_object *labels = json_object_new_array ();
  json_object *ids = NULL;

  if (json_object_object_get_ex (message, "labelIds", &ids)
      && json_object_is_type (ids, json_type_array))
    for (size_t i = 0; i < json_object_array_length (ids); i++)
      {
        json_object *id = json_object_array_get_idx (ids, i);

        if (gmo_json_is_c_string (id))
          json_object_array_add (labels, json_object_new_string (json_object_get_string (id)));
      }
  return labels;
}

/**
 * gmo_mcp_mail_fetch:
 * @gmail: a client
 * @id: a message id
 * @offset: the first character of the body wanted
 * @n_chars: how many characters of it at most
 * @out_meta: (out) (transfer full) (optional): Gmail's answer without "raw"
 * @error: return location for an error
 *
 * Reads a message whole (format=raw) and decodes it with GMime, so that every
 * charset and transfer encoding is read the same way whatever Gmail's own
 * parse of it would give. Only characters [@offset, @offset + @n_chars) of
 * its body are kept, in text (text_chars counts them all): a tool answers a
 * chunk of it, and a large message costs little more than its own bytes.
 *
 * Returns: (transfer full): the message.
 */
GmoMimeMessage *
gmo_mcp_mail_fetch (GmoGmail *gmail, const gchar *id, glong offset, glong n_chars,
                    json_object **out_meta, GError **error)
{
  g_autoptr (json_object) meta = NULL;
  g_autoptr (GBytes) raw = gmo_gmail_get_raw (gmail, id, &meta, NULL, error);
  GmoMimeMessage *message;

  if (raw == NULL)
    return NULL;
  message = gmo_mime_parse_window (raw, offset, n_chars, GMO_ERROR_BAD_RESPONSE, error);
  if (message != NULL && out_meta != NULL)
    *out_meta = g_steal_pointer (&meta);
  return message;
}

static json_object *
tool_get_access_token (json_object *arguments, gboolean *out_is_error)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *account = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  json_object *result;

  if (!gmo_mcp_follow_keyring (FALSE, &error))
    goto out;
  account = gmo_mcp_pick_account (arguments, &error);
  if (account == NULL)
    goto out;
  grant = gmo_client_get_token (account, GMO_BROKER_FLAGS_NONE, gmo_broker_min_valid_default (),
                                NULL, &error);
  if (grant == NULL)
    goto out;
  result = token_json_new (grant->account, grant->access_token, grant->expires_at);
  json_object_object_add (result, "status", json_object_new_string ("success"));
  return result;

out:
  *out_is_error = TRUE;
  return gmo_mcp_tool_error (error, NULL);
}

static json_object *
tool_list_accounts (json_object *arguments, gboolean *out_is_error)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) grants = NULL;
  json_object *result, *accounts;
  gint64 now = gmo_now ();

  grants = gmo_store_list (NULL, &error);
  if (grants == NULL)
    {
      *out_is_error = TRUE;
      return gmo_mcp_tool_error (error, NULL);
    }
  accounts = json_object_new_array ();
  for (guint i = 0; i < grants->len; i++)
    json_object_array_add (accounts, gmo_cli_grant_to_json (g_ptr_array_index (grants, i), now));
  result = json_object_new_object ();
  json_object_object_add (result, "accounts", accounts);
  json_object_object_add (result, "status", json_object_new_string ("success"));
  return result;
}

/* The token tools hand out (or take) credentials: --no-credentials leaves
 * them out, but not gmail_list_accounts, which shows none. */
static const GmoMcpTool token_tools[] = {
  { "gmail_get_access_token", "Get a Gmail access token",
    "Get a valid Google OAuth 2.0 access token for a Gmail account stored in the user's keyring "
    "(cached, refreshed when about to expire), with its expiry. The refresh token and client "
    "secret stay in the keyring.",
    get_token_schema, NULL,
    GMO_MCP_TOOL_READ_ONLY | GMO_MCP_TOOL_IDEMPOTENT | GMO_MCP_TOOL_OPEN_WORLD
        | GMO_MCP_TOOL_CREDENTIALS,
    tool_get_access_token },
  { "gmail_list_accounts", "List Gmail accounts",
    "List the Gmail accounts stored in the user's keyring and the state of their cached access "
    "token (valid, expired, no-token), with expiry and granted scopes. Shows no secrets.",
    list_schema, NULL, GMO_MCP_TOOL_READ_ONLY | GMO_MCP_TOOL_IDEMPOTENT, tool_list_accounts },
  /* Not read-only and not idempotent: the server may rotate the refresh
   * token, after which the same arguments no longer work. */
  { "gmail_refresh_token", "Refresh a Google access token",
    "Refresh the access token using the refresh token and client credentials", refresh_schema,
    NULL, GMO_MCP_TOOL_OPEN_WORLD | GMO_MCP_TOOL_CREDENTIALS, tool_refresh_token },
};

typedef const GmoMcpTool *(*ToolTableFunc) (gsize *out_n);

static const GmoMcpTool *
get_token_tools (gsize *out_n)
{
  *out_n = G_N_ELEMENTS (token_tools);
  return token_tools;
}

/* In the order tools/list shows them: the mail tools the model should use
 * first, the token tools, then the drop-ins. */
static const ToolTableFunc tool_tables[] = {
  gmo_mcp_mail_tools,
  gmo_mcp_mail_write_tools,
  get_token_tools,
  gmo_mcp_dropin_tools,
};

/**
 * gmo_mcp_tools_select:
 * @read_only: leave out the tools that change something
 * @no_credentials: leave out the tools that take or give a credential
 *
 * Returns: (transfer full) (element-type GmoMcpTool): the tools offered, in
 * the order tools/list shows them.
 */
GArray *
gmo_mcp_tools_select (gboolean read_only, gboolean no_credentials)
{
  GArray *tools = g_array_new (FALSE, FALSE, sizeof (GmoMcpTool));

  for (gsize t = 0; t < G_N_ELEMENTS (tool_tables); t++)
    {
      gsize n = 0;
      const GmoMcpTool *table = tool_tables[t](&n);

      for (gsize i = 0; i < n; i++)
        {
          if (read_only && !(table[i].flags & GMO_MCP_TOOL_READ_ONLY))
            continue;
          if (no_credentials && (table[i].flags & GMO_MCP_TOOL_CREDENTIALS))
            continue;
          g_array_append_val (tools, table[i]);
        }
    }
  return tools;
}

/* The names of @names that @tools offers, as "a, b and c"; %NULL for none. */
static gchar *
join_offered (GArray *tools, const gchar *const *names)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new ();
  GString *text = g_string_new (NULL);

  for (gsize i = 0; names[i] != NULL; i++)
    for (guint j = 0; j < tools->len; j++)
      if (g_str_equal (names[i], g_array_index (tools, GmoMcpTool, j).name))
        g_ptr_array_add (found, (gpointer) names[i]);
  for (guint i = 0; i < found->len; i++)
    g_string_append_printf (text, "%s%s", i == 0 ? "" : i + 1 == found->len ? " and " : ", ",
                            (const gchar *) g_ptr_array_index (found, i));
  return g_string_free (text, found->len == 0);
}

/**
 * gmo_mcp_tools_instructions:
 * @tools: (element-type GmoMcpTool): the tools offered
 * @read_only: whether the server is read-only
 *
 * Returns: (transfer full): the server's instructions, naming only @tools.
 */
gchar *
gmo_mcp_tools_instructions (GArray *tools, gboolean read_only)
{
  static const gchar *const mail[] = { "gmail_search_messages", "gmail_read_message",
                                       "gmail_list_labels",     "gmail_send_message",
                                       "gmail_create_draft",    "gmail_modify_labels",
                                       NULL };
  static const gchar *const token[] = { "gmail_get_access_token", NULL };
  static const gchar *const dropins[] = { "gmail_refresh_token", "gmail_get_recent_emails",
                                          "gmail_get_email_body_chunk", "gmail_send_email",
                                          NULL };
  g_autofree gchar *mail_names = join_offered (tools, mail);
  g_autofree gchar *token_names = join_offered (tools, token);
  g_autofree gchar *dropin_names = join_offered (tools, dropins);
  GString *text = g_string_new (NULL);

  g_string_append_printf (text,
                          "These tools read and send Gmail mail with OAuth 2.0 grants kept in the "
                          "user's keyring, so that no refresh token, client secret or access token "
                          "ever passes through the conversation. Prefer %s; gmail_list_accounts "
                          "names the stored accounts, and each of these tools takes an optional "
                          "account.",
                          mail_names);
  if (read_only)
    g_string_append (text, " This server is read-only: it offers no tool that sends, drafts or "
                           "changes anything.");
  if (token_names != NULL)
    g_string_append_printf (text, " %s hands out a short-lived access token, for IMAP, SMTP or "
                                  "the Gmail API outside this conversation.",
                            token_names);
  if (dropin_names != NULL)
    g_string_append_printf (text, " %s replace the older tools of the same names, which take "
                                  "tokens and client credentials as arguments: use them only when "
                                  "no account is stored.",
                            dropin_names);
  return g_string_free (text, FALSE);
}

int
gmo_cli_mcp (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoMcpServer) server = NULL;
  g_autoptr (GArray) tools = NULL;
  g_autofree gchar *instructions = NULL;
  gboolean read_only = FALSE;
  gboolean no_credentials = FALSE;
  int status;
  const GOptionEntry entries[] = {
    { "read-only", 0, 0, G_OPTION_ARG_NONE, &read_only,
      N_("Offer only the tools that change nothing: none that sends, drafts or changes labels"),
      NULL },
    { "no-credentials", 0, 0, G_OPTION_ARG_NONE, &no_credentials,
      N_("Offer only the tools that never take or hand out a credential: not "
         "gmail_get_access_token, gmail_refresh_token or the drop-ins that take "
         "google_access_token"),
      NULL },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (
      context,
      _("Runs the Model Context Protocol server on standard input and output, one JSON-RPC "
        "message per line. Ends at end of input.\n\n"
        "Tools that use the accounts stored in the keyring (no credential reaches the model):\n"
        "  gmail_search_messages, gmail_read_message, gmail_list_labels,\n"
        "  gmail_send_message, gmail_create_draft, gmail_modify_labels, gmail_list_accounts\n"
        "Tools that hand out or take credentials (left out by --no-credentials):\n"
        "  gmail_get_access_token, and the drop-ins for an older server's tools:\n"
        "  gmail_refresh_token, gmail_get_recent_emails, gmail_get_email_body_chunk,\n"
        "  gmail_send_email\n"
        "--read-only leaves out gmail_send_message, gmail_create_draft, gmail_modify_labels,\n"
        "gmail_send_email and gmail_refresh_token."));
  if (!gmo_cli_parse_options (context, &argc, &argv, 0, 0, &error)
      || !gmo_mcp_serve_prepare (&error))
    return gmo_cli_report (error);
  gmo_process_keep_secrets ();
  gmo_broker_keep_unsaved ();
  gmo_broker_cache_tokens ();

  tools = gmo_mcp_tools_select (read_only, no_credentials);
  instructions = gmo_mcp_tools_instructions (tools, read_only);
  server = gmo_mcp_server_new (instructions, &g_array_index (tools, GmoMcpTool, 0), tools->len);
  status = gmo_mcp_serve (server);
  gmo_curl_preload_finish ();
#ifndef __SANITIZE_ADDRESS__
  /* Everything is answered and saved (gmo_mcp_serve() made the last keyring
   * write): the libraries' exit handlers and destructors (OpenSSL's cleanup,
   * those of fifty-odd libraries) would only free memory the kernel is about
   * to take back, about half a millisecond. A sanitizer build runs them:
   * LeakSanitizer checks at exit. */
  fflush (NULL);
  _exit (status);
#endif
  return status;
}
