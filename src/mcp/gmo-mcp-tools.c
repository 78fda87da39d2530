/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `gmail-oauth mcp`: the MCP server on stdin and stdout, and its tools; the
 * protocol is gmo-mcp.c, the loop gmo-mcp-serve.c. */
#include "config.h"

#include <glib/gi18n.h>

#include "gmo-broker.h"
#include "gmo-cli.h"
#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-mcp-tools.h"
#include "gmo-oauth.h"
#include "gmo-store.h"
#include "gmo-util.h"

/* What the model reads: tool names, descriptions, schemas and instructions
 * are protocol text, kept in English and never translated, so that they stay
 * identical to the reference tool's and the same for every user. */
static const gchar instructions[] =
    "These tools hand out short-lived Google OAuth 2.0 access tokens for Gmail (the Gmail API, "
    "IMAP and SMTP with XOAUTH2): gmail_get_access_token and gmail_list_accounts use grants kept "
    "in the user's keyring, so no refresh token or client secret ever passes through the "
    "conversation. gmail_refresh_token is the drop-in replacement for the older tool of the same "
    "name, which takes the refresh token and client credentials as arguments; prefer "
    "gmail_get_access_token whenever an account is stored.";

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

/* The account to use: the argument, else the only stored one. */
static gchar *
pick_account (json_object *arguments, GError **error)
{
  const gchar *account = NULL;
  g_autoptr (GPtrArray) grants = NULL;
  g_autoptr (GString) names = NULL;

  if (!gmo_mcp_args_get_string (arguments, "account", &account, error))
    return NULL;
  if (account != NULL)
    return g_strdup (account);

  grants = gmo_store_list (NULL, error);
  if (grants == NULL)
    return NULL;
  if (grants->len == 1)
    return g_strdup (((GmoGrant *) g_ptr_array_index (grants, 0))->account);
  if (grants->len == 0)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_NO_ACCOUNT,
                   _("No account is stored; add one with “gmail-oauth login” or "
                     "“gmail-oauth import”"));
      return NULL;
    }
  names = g_string_new (NULL);
  for (guint i = 0; i < grants->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
                            ((GmoGrant *) g_ptr_array_index (grants, i))->account);
  g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
               _("Several accounts are stored (%s); name one in the account argument"),
               names->str);
  return NULL;
}

static json_object *
tool_get_access_token (json_object *arguments, gboolean *out_is_error)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *account = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  json_object *result;

  account = pick_account (arguments, &error);
  if (account == NULL)
    goto out;
  grant = gmo_broker_get_token (account, GMO_BROKER_FLAGS_NONE, gmo_broker_min_valid_default (),
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

static const GmoMcpTool tools[] = {
  { "gmail_get_access_token", "Get a Gmail access token",
    "Get a valid Google OAuth 2.0 access token for a Gmail account stored in the user's keyring "
    "(cached, refreshed when about to expire), with its expiry. The refresh token and client "
    "secret stay in the keyring.",
    get_token_schema, NULL, GMO_MCP_TOOL_READ_ONLY | GMO_MCP_TOOL_IDEMPOTENT | GMO_MCP_TOOL_OPEN_WORLD,
    tool_get_access_token },
  { "gmail_list_accounts", "List Gmail accounts",
    "List the Gmail accounts stored in the user's keyring and the state of their cached access "
    "token (valid, expired, no-token), with expiry and granted scopes. Shows no secrets.",
    list_schema, NULL, GMO_MCP_TOOL_READ_ONLY | GMO_MCP_TOOL_IDEMPOTENT, tool_list_accounts },
  /* Not read-only and not idempotent: the server may rotate the refresh
   * token, after which the same arguments no longer work. */
  { "gmail_refresh_token", "Refresh a Google access token",
    "Refresh the access token using the refresh token and client credentials", refresh_schema,
    NULL, GMO_MCP_TOOL_OPEN_WORLD, tool_refresh_token },
};

int
gmo_cli_mcp (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoMcpServer) server = NULL;

  g_option_context_set_summary (
      context, _("Runs the Model Context Protocol server on standard input and output, one "
                 "JSON-RPC message per line, with the tools gmail_get_access_token, "
                 "gmail_list_accounts and gmail_refresh_token. Ends at end of input."));
  if (!gmo_cli_parse_options (context, &argc, &argv, 0, 0, &error)
      || !gmo_mcp_serve_prepare (&error))
    return gmo_cli_report (error);

  server = gmo_mcp_server_new (instructions, tools, G_N_ELEMENTS (tools));
  return gmo_mcp_serve (server);
}
