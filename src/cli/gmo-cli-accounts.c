/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The subcommands of `gmail-oauth` that manage the stored accounts: import,
 * list, status and remove. */
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
#include "gmo-policy.h"
#include "gmo-store.h"
#include "gmo-util.h"

/* An authorized_user file is a few hundred bytes; refuse anything absurd. */
#define MAX_IMPORT_SIZE (64 * 1024)

static gchar *
read_import_source (const gchar *path, gsize *out_len, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  gchar *contents = NULL;
  gsize len = 0;

  if (path == NULL || g_str_equal (path, "-"))
    {
      contents = gmo_cli_read_stdin_secret (MAX_IMPORT_SIZE, error);
      if (contents != NULL)
        *out_len = strlen (contents);
      return contents;
    }
  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, "%s", local_error->message);
      return NULL;
    }
  if (len > MAX_IMPORT_SIZE)
    {
      gmo_wipe (contents, len);
      g_free (contents);
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("%s is too large for a grant file"), path);
      return NULL;
    }
  *out_len = len;
  return contents;
}

/**
 * gmo_cli_import_parse:
 * @account: the normalised account the grant is for
 * @contents: Google's “authorized_user” JSON
 * @len: its length
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * Checks every field import takes: type and client_secret may be missing,
 * but not of another JSON type; client_id and refresh_token are non-empty
 * strings.
 *
 * Returns: (transfer full): the grant (without granted_at), or %NULL with
 * @error set.
 */
GmoGrant *
gmo_cli_import_parse (const gchar *account, const gchar *contents, gsize len, GError **error)
{
  g_autoptr (GmoSecretJson) root = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GError) local_error = NULL;
  const gchar *type, *client_id, *client_secret, *refresh_token;

  /* The document `null` parses, without an error, to %NULL, which has no
   * client_id: refused below like any other document without one. */
  root = gmo_json_parse (contents, len, GMO_ERROR_USAGE, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  type = gmo_json_get_string (root, "type");
  client_id = gmo_json_get_string (root, "client_id");
  client_secret = gmo_json_get_string (root, "client_secret");
  refresh_token = gmo_json_get_string (root, "refresh_token");
  if ((json_object_object_get_ex (root, "type", NULL) && g_strcmp0 (type, "authorized_user") != 0)
      || (json_object_object_get_ex (root, "client_secret", NULL) && client_secret == NULL)
      || client_id == NULL
      || *client_id == '\0' || refresh_token == NULL || *refresh_token == '\0')
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Not an “authorized_user” grant: it needs the strings client_id and "
                     "refresh_token, and client_secret when the client has one"));
      return NULL;
    }

  grant = gmo_grant_new (account);
  grant->client_id = g_strdup (client_id);
  grant->client_secret = gmo_secret_dup (client_secret);
  grant->refresh_token = gmo_secret_dup (refresh_token);
  grant->scopes = g_strdup (gmo_json_get_string (root, "scopes"));
  return g_steal_pointer (&grant);
}

int
gmo_cli_import (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("ACCOUNT [FILE]"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autofree gchar *account = NULL;
  g_autofree gchar *contents = NULL;
  gsize len = 0;

  g_option_context_set_summary (
      context, _("Stores a grant from Google's “authorized_user” JSON (as written by google-auth "
                 "and gcloud), read from FILE or standard input. Secrets are never taken from "
                 "the command line."));
  if (!gmo_cli_parse_options (context, &argc, &argv, 1, 2, &error))
    goto out;
  account = gmo_account_normalize (argv[1], &error);
  if (account == NULL)
    goto out;
  contents = read_import_source (argc > 2 ? argv[2] : NULL, &len, &error);
  if (contents == NULL)
    goto out;
  grant = gmo_cli_import_parse (account, contents, len, &error);
  gmo_wipe (contents, len);
  if (grant == NULL)
    goto out;
  grant->granted_at = gmo_now ();
  if (!gmo_store_save (grant, NULL, &error))
    goto out;
  /* Translators: %s is an e-mail address. */
  g_printerr (_("Stored the grant of %s in the keyring.\n"), account);

out:
  return error != NULL ? gmo_cli_report (error) : GMO_EXIT_OK;
}

/* The state of a grant's cached token, as list and status show it. */
static const gchar *
grant_state (const GmoGrant *grant, gint64 now)
{
  if (grant->access_token == NULL)
    return "no-token";
  if (gmo_broker_token_is_fresh (grant, gmo_broker_min_valid_default (), now))
    return "valid";
  return "expired";
}

/**
 * gmo_cli_grant_to_json:
 * @grant: a grant
 * @now: the current time
 *
 * Returns: (transfer full): what list, status and the MCP server show of
 * @grant: account, state, client id, expiry, scopes; never a secret.
 */
json_object *
gmo_cli_grant_to_json (const GmoGrant *grant, gint64 now)
{
  json_object *object = json_object_new_object ();

  json_object_object_add (object, "account", json_object_new_string (grant->account));
  json_object_object_add (object, "state", json_object_new_string (grant_state (grant, now)));
  json_object_object_add (object, "client_id", json_object_new_string (grant->client_id));
  if (grant->access_token != NULL)
    {
      g_autofree gchar *expires = gmo_format_rfc3339 (grant->expires_at);

      json_object_object_add (object, "expires_at", json_object_new_string (expires));
    }
  if (grant->scopes != NULL)
    json_object_object_add (object, "scopes", json_object_new_string (grant->scopes));
  if (grant->granted_at > 0)
    {
      g_autofree gchar *granted = gmo_format_rfc3339 (grant->granted_at);

      json_object_object_add (object, "granted_at", json_object_new_string (granted));
    }
  return object;
}

int
gmo_cli_list (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) grants = NULL;
  gboolean as_json = FALSE;
  gint64 now = gmo_now ();
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print a JSON array"), NULL },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _("Lists the stored accounts and the state of their "
                                           "cached token (valid, expired, no-token)."));
  if (!gmo_cli_parse_options (context, &argc, &argv, 0, 0, &error))
    goto out;
  grants = gmo_store_list (NULL, &error);
  if (grants == NULL)
    goto out;

  if (as_json)
    {
      g_autoptr (json_object) array = json_object_new_array ();
      g_autofree gchar *text = NULL;

      for (guint i = 0; i < grants->len; i++)
        json_object_array_add (array, gmo_cli_grant_to_json (g_ptr_array_index (grants, i), now));
      text = gmo_json_to_string (array);
      if (gmo_cli_write_stdout (text, &error))
        gmo_cli_write_stdout ("\n", &error);
      goto out;
    }
  for (guint i = 0; i < grants->len && error == NULL; i++)
    {
      const GmoGrant *grant = g_ptr_array_index (grants, i);
      g_autofree gchar *line
          = g_strdup_printf ("%s\t%s\n", grant->account, grant_state (grant, now));

      gmo_cli_write_stdout (line, &error);
    }

out:
  return error != NULL ? gmo_cli_report (error) : GMO_EXIT_OK;
}

/* What only gmail-oauthd knows, from its last refresh: that the grant is
 * dead (needs-login, with the reason). Asked of a running service only. */
static void
add_service_state (json_object *object, const gchar *account)
{
  g_autoptr (GVariant) state = gmo_client_account_state (account);
  const gchar *name, *reason;

  if (state == NULL || !g_variant_lookup (state, "state", "&s", &name)
      || !g_str_equal (name, "needs-login"))
    return;
  json_object_object_add (object, "state", json_object_new_string (name));
  if (g_variant_lookup (state, "reason", "&s", &reason))
    json_object_object_add (object, "reason", json_object_new_string (reason));
}

int
gmo_cli_status (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("ACCOUNT"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (json_object) object = NULL;
  g_autofree gchar *account = NULL;
  g_autofree gchar *text = NULL;
  g_auto (GStrv) apps = NULL;
  gboolean as_json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &as_json, N_("Print a JSON object"), NULL },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _("Shows what is stored for ACCOUNT, without secrets, "
                                           "and “needs-login” with the reason when gmail-oauthd "
                                           "found the grant dead."));
  if (!gmo_cli_parse_options (context, &argc, &argv, 1, 1, &error))
    goto out;
  account = gmo_account_normalize (argv[1], &error);
  if (account == NULL)
    goto out;
  grant = gmo_store_lookup (account, NULL, &error);
  if (grant == NULL)
    {
      if (error == NULL)
        g_set_error (&error, GMO_ERROR, GMO_ERROR_NO_ACCOUNT, _("No account %s"), account);
      goto out;
    }
  object = gmo_cli_grant_to_json (grant, gmo_now ());
  add_service_state (object, account);
  apps = gmo_policy_list (account);
  if (apps[0] != NULL)
    {
      g_autofree gchar *joined = g_strjoinv (" ", apps);

      json_object_object_add (object, "allowed_apps", json_object_new_string (joined));
    }
  if (as_json)
    text = g_strdup_printf ("%s\n",
                            json_object_to_json_string_ext (
                                object, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  else
    {
      GString *out = g_string_new (NULL);

      json_object_object_foreach (object, key, value)
      {
        g_string_append_printf (out, "%-11s %s\n", key, json_object_get_string (value));
      }
      text = g_string_free (out, FALSE);
    }
  gmo_cli_write_stdout (text, &error);

out:
  return error != NULL ? gmo_cli_report (error) : GMO_EXIT_OK;
}

int
gmo_cli_remove (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("ACCOUNT"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autofree gchar *account = NULL;
  gboolean revoke = FALSE, force = FALSE, removed = FALSE;
  const GOptionEntry entries[] = {
    { "revoke", 0, 0, G_OPTION_ARG_NONE, &revoke,
      N_("Revoke the grant at Google first; keep the record if that fails (a grant Google "
         "no longer knows counts as revoked)"),
      NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force,
      N_("With --revoke: delete the record even if revocation fails"), NULL },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _("Deletes the keyring record of ACCOUNT."));
  if (!gmo_cli_parse_options (context, &argc, &argv, 1, 1, &error))
    goto out;
  account = gmo_account_normalize (argv[1], &error);
  if (account == NULL)
    goto out;

  if (revoke)
    {
      g_autoptr (GError) revoke_error = NULL;

      grant = gmo_store_lookup (account, NULL, &error);
      if (grant == NULL)
        {
          if (error == NULL)
            g_set_error (&error, GMO_ERROR, GMO_ERROR_NO_ACCOUNT, _("No account %s"), account);
          goto out;
        }
      if (!gmo_oauth_revoke (grant->refresh_token, NULL, NULL, &revoke_error))
        {
          /* Google answers invalid_token for a grant that no longer works:
           * what --revoke was asked to bring about is already so. */
          if (g_error_matches (revoke_error, GMO_ERROR, GMO_ERROR_REAUTHORIZE))
            g_printerr (_("gmail-oauth: %s: the grant was already revoked or expired; deleting "
                          "the record\n"),
                        account);
          else if (force)
            g_printerr (_("gmail-oauth: %s: revocation failed, deleting anyway: %s\n"), account,
                        revoke_error->message);
          else
            {
              g_set_error (&error, revoke_error->domain, revoke_error->code,
                           _("%s: revocation failed, the record is kept (use --force to delete "
                             "it anyway): %s"),
                           account, revoke_error->message);
              goto out;
            }
        }
    }

  if (!gmo_broker_remove_account (account, &removed, NULL, &error))
    goto out;
  if (!removed)
    g_set_error (&error, GMO_ERROR, GMO_ERROR_NO_ACCOUNT, _("No account %s"), account);

out:
  return error != NULL ? gmo_cli_report (error) : GMO_EXIT_OK;
}

