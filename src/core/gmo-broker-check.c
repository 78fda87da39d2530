/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The broker's answer to "my client was just refused this token": a cached
 * access token handed out again soon (gmo_handout_needs_check()) is checked
 * with Google's tokeninfo endpoint first, under the account's lock so that
 * callers at once share one check, and a dead one is replaced by a refresh,
 * whose failure (a revoked grant: invalid_grant) is the caller's answer. An
 * outage of the endpoint hands the token out as before. gmail-oauthd keeps
 * its own record in memory and calls gmo_broker_replace_dead_token(). */
#include "config.h"

#include <string.h>

#include "gmo-broker.h"
#include "gmo-broker-private.h"
#include "gmo-error.h"
#include "gmo-tokeninfo.h"
#include "gmo-util.h"

/* Under the lock: the token to serve instead of @dead_token, which Google
 * refused or another process replaced while we waited. The stored one when
 * it differs and is fresh, else a refreshed one; on failure the dead token is
 * dropped from the record, so that no caller gets it again and the next one
 * learns why the refresh fails. */
static GmoGrant *
replace_locked (const gchar *account, const gchar *dead_token, gint64 min_valid,
                gint64 *out_server_date, GCancellable *cancellable, GError **error)
{
  g_autoptr (GmoGrant) current = NULL;
  g_autoptr (GError) local_error = NULL;

  gmo_broker_uncache (account);
  current = gmo_broker_lookup (account, cancellable, error);
  if (current == NULL)
    return NULL;
  if (!gmo_secret_equal (current->access_token, dead_token)
      && gmo_broker_token_is_fresh (current, min_valid, gmo_now ()))
    return g_steal_pointer (&current);
  if (gmo_broker_refresh_locked (current, out_server_date, cancellable, error))
    return g_steal_pointer (&current);
  if (gmo_secret_equal (current->access_token, dead_token))
    {
      gmo_grant_forget_access_token (current);
      if (!gmo_store_save (current, cancellable, &local_error))
        g_debug ("Cannot drop the dead access token of %s: %s", account, local_error->message);
    }
  return NULL;
}

static void
note_handout (const gchar *account, GmoHandout *handout, const GmoGrant *grant, gboolean checked)
{
  gchar tag[GMO_HANDOUT_TAG_LEN + 1];

  gmo_handout_tag (grant->access_token, tag);
  gmo_handout_record (account, handout, tag, gmo_now (), checked);
}

/* Takes @grant, whose token needs a check; returns (transfer full) what to serve. */
static GmoGrant *
check_locked (const gchar *account, GmoGrant *grant, const gchar *tag, gint64 min_valid,
              gint64 *out_server_date, GCancellable *cancellable, GError **error)
{
  g_autoptr (GmoGrant) held = grant;
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *details = NULL;
  gboolean checked = FALSE;
  gboolean replace;
  GmoGrant *result;
  GmoHandout handout;
  int fd = gmo_broker_lock (account, cancellable, &local_error);

  if (fd < 0)
    {
      /* Never worse than without the check. */
      g_debug ("Not checking the token of %s: %s", account, local_error->message);
      return g_steal_pointer (&held);
    }
  /* Another process may have checked it, or replaced it (another token was
   * handed out since), while we waited. */
  gmo_handout_load (account, &handout);
  replace = strcmp (handout.tag, tag) != 0;
  if (!replace && gmo_handout_needs_check (&handout, tag, gmo_now ()))
    switch (gmo_tokeninfo_check (held->access_token, &details, cancellable, &local_error))
      {
      case GMO_TOKEN_DEAD:
        g_debug ("Google no longer accepts the cached access token of %s (%s); refreshing",
                 account, details);
        replace = TRUE;
        break;
      case GMO_TOKEN_UNKNOWN:
        g_debug ("Cannot check the access token of %s, handing it out: %s", account,
                 local_error->message);
        /* An outage counts as a check too: the next handouts do not wait on it again. */
        checked = TRUE;
        break;
      case GMO_TOKEN_ALIVE:
      default:
        checked = TRUE;
        break;
      }
  if (replace)
    {
      result = replace_locked (account, held->access_token, min_valid, out_server_date,
                               cancellable, error);
      if (result != NULL)
        note_handout (account, &handout, result, FALSE);
      gmo_broker_unlock (fd);
      return result;
    }
  note_handout (account, &handout, held, checked);
  gmo_broker_unlock (fd);
  return g_steal_pointer (&held);
}

/**
 * gmo_broker_recheck:
 * @account: a normalised account
 * @grant: (transfer full): the grant about to be handed out
 * @min_valid: the freshness margin in seconds
 * @out_server_date: (out) (optional): as for gmo_broker_get_token_full()
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Records the handout of @grant's token in the account's record under
 * $XDG_RUNTIME_DIR/gmail-oauth/ and, when the same token was handed out a
 * short while ago, checks it with Google first (see gmo-tokeninfo.h).
 *
 * Returns: (transfer full): the grant to hand out (@grant, or one with a new
 * token), or %NULL with @error set when the token is dead and no new one
 * could be had.
 */
GmoGrant *
gmo_broker_recheck (const gchar *account, GmoGrant *grant, gint64 min_valid,
                    gint64 *out_server_date, GCancellable *cancellable, GError **error)
{
  gchar tag[GMO_HANDOUT_TAG_LEN + 1];
  GmoHandout handout;
  gint64 now = gmo_now ();

  gmo_handout_tag (grant->access_token, tag);
  gmo_handout_load (account, &handout);
  /* A token just minted is new to the record: its next handout checks it,
   * since a grant may be revoked at any time after. */
  if (gmo_handout_needs_check (&handout, tag, now))
    return check_locked (account, grant, tag, min_valid, out_server_date, cancellable, error);
  gmo_handout_record (account, &handout, tag, now, FALSE);
  return grant;
}

/**
 * gmo_broker_replace_dead_token:
 * @account: an account (normalised here)
 * @dead_token: the access token Google no longer accepts
 * @min_valid: the freshness margin in seconds
 * @out_server_date: (out) (optional): as for gmo_broker_get_token_full()
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * For gmail-oauthd, which checks the tokens it hands out itself: under the
 * account's lock, the stored token when another process has replaced
 * @dead_token already, else a refreshed one. When that fails, @dead_token is
 * dropped from the record (never the refresh token), so that it is not
 * served again.
 *
 * Returns: (transfer full): the grant with a valid access token, or %NULL.
 */
GmoGrant *
gmo_broker_replace_dead_token (const gchar *account, const gchar *dead_token, gint64 min_valid,
                               gint64 *out_server_date, GCancellable *cancellable,
                               GError **error)
{
  g_autofree gchar *normalized = gmo_account_normalize (account, error);
  GmoGrant *grant;
  int fd;

  if (normalized == NULL)
    return NULL;
  fd = gmo_broker_lock (normalized, cancellable, error);
  if (fd < 0)
    return NULL;
  grant = replace_locked (normalized, dead_token, min_valid, out_server_date, cancellable, error);
  gmo_broker_unlock (fd);
  return grant;
}
