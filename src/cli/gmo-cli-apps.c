/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The subcommands of `gmail-oauth` that decide which sandboxed applications
 * (Flatpak apps, snaps) gmail-oauthd hands an account's tokens to: allow and
 * deny. The decisions are kept by gmo-policy.c, without secrets. */
#include "config.h"

#include <glib/gi18n.h>

#include "gmo-cli.h"
#include "gmo-error.h"
#include "gmo-policy.h"
#include "gmo-store.h"

/* allow and deny: ACCOUNT APP_ID. */
static int
set_app (int argc, char **argv, gboolean allow)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_ ("ACCOUNT APP_ID"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autofree gchar *account = NULL;
  gboolean changed = FALSE;

  g_option_context_set_summary (
      context, allow ? _ ("Lets the sandboxed application APP_ID (a Flatpak app id, or snap.NAME "
                          "for a snap) get the access tokens of ACCOUNT from gmail-oauthd. Other "
                          "sandboxed applications are refused.")
                     : _ ("Stops the sandboxed application APP_ID from getting the access tokens "
                          "of ACCOUNT from gmail-oauthd."));
  if (!gmo_cli_parse_options (context, &argc, &argv, 2, 2, &error))
    goto out;
  account = gmo_account_normalize (argv[1], &error);
  if (account == NULL || !gmo_policy_check_app_id (argv[2], &error))
    goto out;
  /* Allowing an account that is not stored is most likely a typing mistake. */
  if (allow && (grant = gmo_store_lookup (account, NULL, &error)) == NULL)
    {
      if (error == NULL)
        g_set_error (&error, GMO_ERROR, GMO_ERROR_NO_ACCOUNT, _ ("No account %s"), account);
      goto out;
    }
  if (!gmo_policy_set (account, argv[2], allow, &changed, &error))
    goto out;
  if (allow)
    /* Translators: the first %s is an application id, the second an e-mail address. */
    g_printerr (changed ? _ ("%s may now get the tokens of %s.\n")
                        : _ ("%s could already get the tokens of %s.\n"),
                argv[2], account);
  else
    g_printerr (changed ? _ ("%s may no longer get the tokens of %s.\n")
                        : _ ("%s was not allowed the tokens of %s.\n"),
                argv[2], account);

out:
  return error != NULL ? gmo_cli_report (error) : GMO_EXIT_OK;
}

int
gmo_cli_allow (int argc, char **argv)
{
  return set_app (argc, argv, TRUE);
}

int
gmo_cli_deny (int argc, char **argv)
{
  return set_app (argc, argv, FALSE);
}
