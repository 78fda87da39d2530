/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The git helper's minter role: a `get` for Gmail's SMTP or IMAP server whose
 * username is an account stored with gmail-oauth is answered with a fresh
 * access token, asked of gmail-oauthd first (gmo-client.c). */
#include "config.h"

#include <glib/gi18n.h>

#include "gmo-broker.h"
#include "gmo-client.h"
#include "gmo-error.h"
#include "gmo-git.h"
#include "gmo-store.h"

static gboolean
ascii_nocase_in (const gchar *value, const gchar *const *set)
{
  for (; *set != NULL; set++)
    if (g_ascii_strcasecmp (value, *set) == 0)
      return TRUE;
  return FALSE;
}

/**
 * gmo_git_minter_candidate:
 * @c: a request
 *
 * Whether @c asks for a Gmail server with a username that could be an account
 * stored with gmail-oauth (only the keyring, or gmail-oauthd, can tell
 * whether it is one).
 *
 * Returns: (transfer full) (nullable): the normalised account, or %NULL.
 */
gchar *
gmo_git_minter_candidate (const GmoGitCredential *c)
{
  static const gchar *const protocols[] = { "smtp", "smtps", "imap", "imaps", NULL };
  static const gchar *const servers[] = { "smtp.gmail.com", "imap.gmail.com", NULL };
  g_autofree gchar *server = NULL;
  guint port;

  if (c->protocol == NULL || c->host == NULL || c->username == NULL
      || !ascii_nocase_in (c->protocol, protocols))
    return NULL;
  server = gmo_git_split_host (c->host, &port);
  if (!ascii_nocase_in (server, servers))
    return NULL;
  return gmo_account_normalize (c->username, NULL);
}

/* Whether @c asks for a Gmail server as an account stored with gmail-oauth:
 * sets @out_account to the normalised account, or to %NULL when it does not.
 * Fails only when the keyring could not be asked. */
gboolean
gmo_git_minter_account (const GmoGitCredential *c, gchar **out_account, GError **error)
{
  g_autofree gchar *account = gmo_git_minter_candidate (c);
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GError) local_error = NULL;

  *out_account = NULL;
  if (account == NULL)
    return TRUE;
  grant = gmo_store_lookup (account, NULL, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (grant != NULL)
    *out_account = g_steal_pointer (&account);
  return TRUE;
}

gboolean
gmo_git_minter_get (const GmoGitCredential *c, const gchar *account, GmoSecretString *answer,
            GError **error)
{
  gint64 margin = gmo_broker_min_valid_default ();
  g_autoptr (GmoGrant) grant = NULL;

  grant = gmo_client_get_token (account, GMO_BROKER_FLAGS_NONE, margin, NULL, error);
  if (grant == NULL)
    return FALSE;
  if (c->capa_authtype)
    gmo_git_answer_add (answer, "capability[]", "authtype");
  gmo_git_answer_add (answer, "username", c->username);
  gmo_git_answer_add (answer, "password", grant->access_token);
  /* git applies no margin of its own: let it drop the token while it still works. */
  gmo_git_answer_add_int (answer, "password_expiry_utc", grant->expires_at - margin);
  if (c->capa_authtype)
    {
      gmo_git_answer_add (answer, "authtype", "Bearer");
      gmo_git_answer_add (answer, "credential", grant->access_token);
      /* The token lives an hour and the grant is kept already: no storage
       * helper after us (credential-cache, our own storage role) keeps it. */
      gmo_git_answer_add (answer, "ephemeral", "1");
    }
  return TRUE;
}

/* Whether an error of the minter says that the account's grant is dead or its
 * client wrong, which neither a prompt nor a later helper can fix. A keyring
 * failure says nothing of the grant. */
gboolean
gmo_git_minter_error_is_final (const GError *error)
{
  if (error->domain != GMO_ERROR)
    return FALSE;
  switch ((GmoError) error->code)
    {
    case GMO_ERROR_REAUTHORIZE:
    case GMO_ERROR_BAD_CLIENT:
      return TRUE;
    case GMO_ERROR_KEYRING:
    case GMO_ERROR_NO_ACCOUNT:
    case GMO_ERROR_TRANSIENT:
    case GMO_ERROR_BAD_RESPONSE:
    case GMO_ERROR_USAGE:
    case GMO_ERROR_SCOPE:
      return FALSE;
    }
  return FALSE;
}
