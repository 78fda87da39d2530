/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmail-oauth: the command-line door. One function per subcommand, one exit
 * path each; the core does the work. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "gmo-autocleanups.h"
#include "gmo-broker.h"
#include "gmo-cli.h"
#include "gmo-client.h"
#include "gmo-error.h"
#include "gmo-json.h"
#include "gmo-oauth.h"
#include "gmo-store.h"
#include "gmo-signals.h"
#include "gmo-util.h"

typedef int (*CommandFunc) (int argc, char **argv);

typedef struct
{
  const char *name;
  CommandFunc func;
  const char *args;    /* untranslated synopsis */
  const char *summary; /* N_() */
} Command;

typedef enum
{
  FORMAT_RAW,
  FORMAT_JSON,
  FORMAT_XOAUTH2,
  FORMAT_HEADER,
} TokenFormat;

static gboolean
parse_format (const gchar *name, TokenFormat *out_format, GError **error)
{
  static const char *const names[] = { "raw", "json", "xoauth2", "header" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (name, names[i]) == 0)
      {
        *out_format = (TokenFormat) i;
        return TRUE;
      }
  g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
               _("Unknown format “%s”; use raw, json, xoauth2 or header"), name);
  return FALSE;
}

static GmoSecret *
format_token (const GmoGrant *grant, TokenFormat format)
{
  switch (format)
    {
    case FORMAT_RAW:
      return g_strdup_printf ("%s\n", grant->access_token);
    case FORMAT_HEADER:
      return g_strdup_printf ("Authorization: Bearer %s\n", grant->access_token);
    case FORMAT_XOAUTH2:
      {
        g_autoptr (GmoSecret) sasl = gmo_xoauth2_encode (grant->account, grant->access_token);

        return g_strdup_printf ("%s\n", sasl);
      }
    case FORMAT_JSON:
      {
        g_autoptr (GmoSecretJson) root = json_object_new_object ();
        g_autoptr (GmoSecret) text = NULL;
        g_autofree gchar *expires = gmo_format_rfc3339 (grant->expires_at);

        json_object_object_add (root, "access_token", json_object_new_string (grant->access_token));
        json_object_object_add (root, "expires_at", json_object_new_string (expires));
        json_object_object_add (root, "expires_in",
                                json_object_new_int64 (MAX (grant->expires_at - gmo_now (), 0)));
        text = gmo_json_to_secret (root);
        return g_strdup_printf ("%s\n", text);
      }
    }
  g_return_val_if_reached (NULL);
}

static int
cmd_token (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("ACCOUNT"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoSecret) text = NULL;
  g_autofree gchar *format_name = NULL;
  gint min_valid = (gint) gmo_broker_min_valid_default ();
  TokenFormat format = FORMAT_RAW;
  const GOptionEntry entries[] = {
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format_name,
      N_("Output: raw (the token), json, xoauth2 (SASL string) or header"), N_("FORMAT") },
    { "min-valid", 0, 0, G_OPTION_ARG_INT, &min_valid,
      N_("Refresh when fewer seconds of life remain (default 300)"), N_("SECONDS") },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (
      context, _("Prints a valid access token for ACCOUNT: the cached one while it has more "
                 "than --min-valid seconds left, else a fresh one. Asks gmail-oauthd on the "
                 "session bus first, and the keyring when the service cannot answer."));
  if (!gmo_cli_parse_options (context, &argc, &argv, 1, 1, &error))
    goto out;
  if (format_name != NULL && !parse_format (format_name, &format, &error))
    goto out;
  if (min_valid < 0 || min_valid > GMO_BROKER_MAX_MIN_VALID)
    {
      g_set_error (&error, GMO_ERROR, GMO_ERROR_USAGE, _("--min-valid must be from 0 to %d seconds"),
                   GMO_BROKER_MAX_MIN_VALID);
      goto out;
    }
  grant = gmo_client_get_token (argv[1], GMO_BROKER_FLAGS_NONE, min_valid, NULL, &error);
  if (grant == NULL)
    goto out;
  text = format_token (grant, format);
  gmo_cli_write_stdout (text, &error);

out:
  return error != NULL ? gmo_cli_report (error) : GMO_EXIT_OK;
}

/* refresh --all, the keep-alive: every stored account in turn, through
 * gmail-oauthd when it is there (so that a dead grant reaches its
 * AttentionNeeded path), one line each, never a token. Returns the exit
 * status of the first failure, 0 if none. */
static int
refresh_all (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) grants = gmo_store_list (NULL, &error);
  int status = GMO_EXIT_OK;

  if (grants == NULL)
    return gmo_cli_report (error);
  for (guint i = 0; i < grants->len; i++)
    {
      const GmoGrant *stored = g_ptr_array_index (grants, i);
      g_autoptr (GmoGrant) grant = NULL;
      g_autofree gchar *line = NULL;
      g_autofree gchar *expires = NULL;
      int failed;

      grant = gmo_client_get_token (stored->account, GMO_BROKER_FORCE_REFRESH, 0, NULL, &error);
      if (grant == NULL)
        {
          failed = gmo_cli_report (error);
          g_clear_error (&error);
          if (status == GMO_EXIT_OK)
            status = failed;
          continue;
        }
      /* Translators: the first %s is an e-mail address, the second a time (RFC 3339). */
      expires = gmo_format_rfc3339 (grant->expires_at);
      line = g_strdup_printf (_("%s\trefreshed, valid until %s\n"), grant->account, expires);
      if (!gmo_cli_write_stdout (line, &error))
        return gmo_cli_report (error);
    }
  return status;
}

static int
cmd_refresh (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("ACCOUNT | --all"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoSecretJson) root = NULL;
  g_autoptr (GmoSecret) text = NULL;
  g_autofree gchar *expires = NULL;
  gboolean all = FALSE;
  const GOptionEntry entries[] = {
    { "all", 0, 0, G_OPTION_ARG_NONE, &all,
      N_("Refresh every stored account, printing one line each and no token (what the "
         "keep-alive timer runs)"),
      NULL },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (
      context, _("Refreshes the access token of ACCOUNT now, stores it, and prints "
                 "{\"access_token\", \"expires_at\", \"expires_in\", \"scope\", \"status\"} "
                 "as JSON. Asks gmail-oauthd on the session bus first, and the keyring when the "
                 "service cannot answer."));
  if (!gmo_cli_parse_options (context, &argc, &argv, 0, 1, &error))
    goto out;
  if (all != (argc == 1))
    {
      g_set_error (&error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Give either ACCOUNT or --all; see “gmail-oauth refresh --help”"));
      goto out;
    }
  if (all)
    return refresh_all ();
  grant = gmo_client_get_token (argv[1], GMO_BROKER_FORCE_REFRESH, 0, NULL, &error);
  if (grant == NULL)
    goto out;

  root = json_object_new_object ();
  expires = gmo_format_rfc3339 (grant->expires_at);
  json_object_object_add (root, "access_token", json_object_new_string (grant->access_token));
  json_object_object_add (root, "expires_at", json_object_new_string (expires));
  json_object_object_add (root, "expires_in",
                          json_object_new_int64 (MAX (grant->expires_at - gmo_now (), 0)));
  if (grant->scopes != NULL)
    json_object_object_add (root, "scope", json_object_new_string (grant->scopes));
  json_object_object_add (root, "token_type", json_object_new_string ("Bearer"));
  json_object_object_add (root, "status", json_object_new_string ("success"));
  text = gmo_json_to_secret (root);
  if (gmo_cli_write_stdout (text, &error))
    gmo_cli_write_stdout ("\n", &error);

out:
  return error != NULL ? gmo_cli_report (error) : GMO_EXIT_OK;
}

static const Command commands[] = {
  { "token", cmd_token, "ACCOUNT [--format=raw|json|xoauth2|header]",
    N_("Print a valid access token (refreshed only when needed)") },
  { "refresh", cmd_refresh, "ACCOUNT | --all", N_("Refresh the access token now; print JSON") },
  { "import", gmo_cli_import, "ACCOUNT [FILE]",
    N_("Store a grant from an “authorized_user” JSON file or stdin") },
  { "login", gmo_cli_login, "ACCOUNT [--client-secrets FILE | --client-id ID]",
    N_("Authorize in a browser and store the grant") },
  { "list", gmo_cli_list, "[--json]", N_("List the stored accounts") },
  { "status", gmo_cli_status, "ACCOUNT [--json]", N_("Show what is stored for an account") },
  { "remove", gmo_cli_remove, "ACCOUNT [--revoke [--force]]", N_("Delete an account's record") },
  { "allow", gmo_cli_allow, "ACCOUNT APP_ID", N_("Let a sandboxed app get the account's tokens") },
  { "deny", gmo_cli_deny, "ACCOUNT APP_ID", N_("No longer let that app get them") },
  { "doctor", gmo_cli_doctor, "[ACCOUNT]", N_("Check the keyring, the grant and the clock") },
  { "config", gmo_cli_config, "CLIENT ACCOUNT",
    N_("Print a mail client's or git's configuration for an account") },
  { "mcp", gmo_cli_mcp, "[--read-only] [--no-credentials]",
    N_("Run the MCP server on stdin and stdout") },
  { "sendmail", gmo_cli_sendmail, "[-t] [-i] [-f ACCOUNT] [RECIPIENT...]",
    N_("Send a message from stdin through the Gmail API") },
};

static void
print_usage (void)
{
  FILE *stream = stdout;

  fprintf (stream, "%s\n", _("Usage: gmail-oauth COMMAND [OPTION…] [ARGUMENT…]"));
  fprintf (stream, "\n%s\n\n", _("Keeps Google OAuth 2.0 grants in the keyring and prints fresh "
                                 "access tokens for Gmail."));
  fprintf (stream, "%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (stream, "  %-8s %-45s %s\n", commands[i].name, commands[i].args,
             _(commands[i].summary));
  fprintf (stream, "\n%s\n", _("“gmail-oauth COMMAND --help” describes a command."));
  fprintf (stream, "\n%s\n", _("Exit status:"));
  fprintf (stream, "  %d  %s\n", GMO_EXIT_OK, _("success"));
  fprintf (stream, "  %d  %s\n", GMO_EXIT_FAILURE, _("internal error (a bug: please report it)"));
  fprintf (stream, "  %d  %s\n", GMO_EXIT_USAGE, _("usage: bad arguments or input"));
  fprintf (stream, "  %d  %s\n", GMO_EXIT_NO_ACCOUNT, _("no-account: nothing stored for it"));
  fprintf (stream, "  %d  %s\n", GMO_EXIT_REAUTHORIZE,
           _("reauthorize: the grant was revoked or expired; log in again"));
  fprintf (stream, "  %d  %s\n", GMO_EXIT_BAD_CLIENT,
           _("bad-client: the OAuth client id or secret is wrong"));
  fprintf (stream, "  %d  %s\n", GMO_EXIT_TRANSIENT,
           _("transient: network, timeout or server trouble; retry later"));
  fprintf (stream, "  %d  %s\n", GMO_EXIT_BAD_RESPONSE,
           _("bad-response: a Google endpoint answered something invalid"));
  fprintf (stream, "  %d  %s\n", GMO_EXIT_KEYRING,
           _("keyring: the Secret Service is missing or locked"));
  fprintf (stream, "  %d  %s\n", GMO_EXIT_SCOPE,
           _("scope: the grant lacks a Gmail scope the call needs; log in again with it"));
  fprintf (stream, "%s\n", _("(gmail-oauth sendmail has sendmail's statuses instead: see its "
                             "--help.)"));
  fprintf (stream, "\n%s\n", _("Environment: GMAIL_OAUTH_TOKEN_URL, GMAIL_OAUTH_AUTH_URL, "
                               "GMAIL_OAUTH_REVOKE_URL, GMAIL_OAUTH_TOKENINFO_URL and "
                               "GMAIL_OAUTH_GMAIL_URL override Google's endpoints; "
                               "GMAIL_OAUTH_MIN_VALID sets the freshness margin."));
}

int
main (int argc, char **argv)
{
  const char *name;

  gmo_program_init ();
  /* Dying of a signal waits for a rotated grant's keyring write. */
  gmo_signals_install (gmo_signals_die);

  if (argc < 2)
    {
      g_printerr ("gmail-oauth: %s\n", _("no command given; see “gmail-oauth --help”"));
      return GMO_EXIT_USAGE;
    }
  name = argv[1];
  if (g_str_equal (name, "--help") || g_str_equal (name, "-h") || g_str_equal (name, "help"))
    {
      print_usage ();
      return GMO_EXIT_OK;
    }
  if (g_str_equal (name, "--version") || g_str_equal (name, "-V"))
    {
      printf ("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return GMO_EXIT_OK;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (name, commands[i].name))
      {
        g_set_prgname (commands[i].name);
        return commands[i].func (argc - 1, argv + 1);
      }

  {
    g_autofree gchar *shown = g_strescape (name, NULL);

    g_printerr (_("gmail-oauth: unknown command “%s”; see “gmail-oauth --help”\n"), shown);
  }
  return GMO_EXIT_USAGE;
}
