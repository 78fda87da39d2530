/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "gmo-broker.h"
#include "gmo-broker-private.h"
#include "gmo-error.h"
#include "gmo-oauth.h"
#include "gmo-signals.h"
#include "gmo-util.h"

/* How long a caller waits for another process's refresh of the same account
 * before giving up; longer than one refresh may take (see gmo-oauth.c). */
#define LOCK_WAIT_SECONDS 60
/* How long a rotated refresh token's write is retried: the Secret Service is
 * usually bus-activated back within a second. */
#define ROTATED_WRITE_SECONDS 10
#define ROTATED_WRITE_INTERVAL_MS 250

/* Rotated grants the keyring could not take, kept by the long-running doors
 * (gmo_broker_keep_unsaved()) and written on the next call for the account;
 * normalised account -> GmoGrant. Guarded by unsaved_lock. */
static GMutex unsaved_lock;
static GHashTable *unsaved;

/**
 * gmo_broker_keep_unsaved:
 *
 * For processes that outlive a call (gmail-oauthd, the MCP server): a rotated
 * grant that the keyring refused even after retrying is kept in memory and
 * written on the next call for its account, instead of being lost.
 */
void
gmo_broker_keep_unsaved (void)
{
  g_mutex_lock (&unsaved_lock);
  if (unsaved == NULL)
    unsaved = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) gmo_grant_free);
  g_mutex_unlock (&unsaved_lock);
}

static GmoGrant *flush_unsaved (const gchar *account, GCancellable *cancellable);

/**
 * gmo_broker_flush_unsaved:
 *
 * Tries to write every kept grant (see gmo_broker_keep_unsaved()), as a
 * long-running door does before it exits.
 *
 * Returns: %TRUE if nothing is kept any more.
 */
gboolean
gmo_broker_flush_unsaved (void)
{
  g_auto (GStrv) accounts = NULL;
  gboolean all = TRUE;

  g_mutex_lock (&unsaved_lock);
  if (unsaved != NULL)
    {
      g_autofree gpointer *keys = g_hash_table_get_keys_as_array (unsaved, NULL);

      accounts = g_strdupv ((gchar **) keys);
    }
  g_mutex_unlock (&unsaved_lock);
  for (guint i = 0; accounts != NULL && accounts[i] != NULL; i++)
    {
      const gchar *account = accounts[i];
      g_autoptr (GmoGrant) still = flush_unsaved (account, NULL);

      if (still != NULL)
        all = FALSE;
    }
  return all;
}

/* Writes the kept grant of @account, if any. Returns (transfer full) the
 * grant to use: the kept one when it could not be written yet, else %NULL
 * (the keyring's record is current). */
static GmoGrant *
flush_unsaved (const gchar *account, GCancellable *cancellable)
{
  g_autoptr (GmoGrant) kept = NULL;
  g_autoptr (GError) error = NULL;

  g_mutex_lock (&unsaved_lock);
  if (unsaved != NULL && g_hash_table_contains (unsaved, account))
    kept = gmo_grant_copy (g_hash_table_lookup (unsaved, account));
  g_mutex_unlock (&unsaved_lock);
  if (kept == NULL)
    return NULL;
  if (!gmo_store_save (kept, cancellable, &error))
    {
      g_debug ("The kept grant of %s still cannot be stored: %s", account, error->message);
      return g_steal_pointer (&kept);
    }
  g_debug ("Stored the kept grant of %s", account);
  g_mutex_lock (&unsaved_lock);
  g_hash_table_remove (unsaved, account);
  g_mutex_unlock (&unsaved_lock);
  return NULL;
}

/**
 * gmo_broker_min_valid_default:
 *
 * Returns: the freshness margin in seconds: GMAIL_OAUTH_MIN_VALID when it is a
 * number from 0 to %GMO_BROKER_MAX_MIN_VALID, else %GMO_BROKER_DEFAULT_MIN_VALID.
 */
gint64
gmo_broker_min_valid_default (void)
{
  const gchar *env = g_getenv ("GMAIL_OAUTH_MIN_VALID");
  guint64 value;

  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 0, GMO_BROKER_MAX_MIN_VALID, &value, NULL))
    return (gint64) value;
  return GMO_BROKER_DEFAULT_MIN_VALID;
}

/**
 * gmo_broker_token_is_fresh:
 * @grant: a grant
 * @min_valid: the margin in seconds
 * @now: the current time, unix seconds
 *
 * Returns: whether @grant has a cached access token with more than @min_valid
 * seconds of life left.
 */
gboolean
gmo_broker_token_is_fresh (const GmoGrant *grant, gint64 min_valid, gint64 now)
{
  return grant->access_token != NULL && grant->expires_at - now > min_valid;
}

/**
 * gmo_broker_age_is_testing_limit:
 * @granted_at: when the grant was made, unix seconds (0: unknown)
 * @now: the current time, unix seconds
 *
 * Whether a grant that died now died of the 7-day rule: Google ends the
 * grants of apps in "Testing" status %GMO_BROKER_TESTING_GRANT_LIFE after
 * consent, so a grant that dies at about that age almost surely met it (a day
 * early for a consent given late in a day, two late for a grant unused over
 * a weekend).
 *
 * Returns: %TRUE if the age is within that window.
 */
gboolean
gmo_broker_age_is_testing_limit (gint64 granted_at, gint64 now)
{
  gint64 age = now - granted_at;

  return granted_at > 0 && age > GMO_BROKER_TESTING_GRANT_LIFE - 24 * 3600
         && age < GMO_BROKER_TESTING_GRANT_LIFE + 2 * 24 * 3600;
}

/* The per-account lock shared by every process of the user: an flock()ed file
 * whose name is a hash of the account (an address may hold any character). */
static int
account_lock (const gchar *account, GCancellable *cancellable, GError **error)
{
  g_autofree gchar *dir = NULL;
  g_autofree gchar *hash = NULL;
  g_autofree gchar *path = NULL;
  gint64 deadline;
  int fd;

  dir = gmo_runtime_dir (error);
  if (dir == NULL)
    return -1;
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, account, -1);
  path = g_strdup_printf ("%s/%s.lock", dir, hash);
  fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING, _("Cannot open the lock file %s: %s"),
                   path, g_strerror (saved));
      return -1;
    }

  /* Poll rather than block, so that cancellation and a deadline apply. */
  deadline = g_get_monotonic_time () + LOCK_WAIT_SECONDS * G_USEC_PER_SEC;
  while (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      if (errno != EWOULDBLOCK && errno != EINTR)
        {
          int saved = errno;

          g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING, _("Cannot lock %s: %s"), path,
                       g_strerror (saved));
          close (fd);
          return -1;
        }
      if (g_cancellable_is_cancelled (cancellable) || g_get_monotonic_time () > deadline)
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT,
                       _("Another process has been refreshing the token of %s for too long"),
                       account);
          close (fd);
          return -1;
        }
      g_usleep (10 * 1000);
    }
  return fd;
}

static void
account_unlock (int fd)
{
  /* Closing the descriptor releases the flock(). */
  close (fd);
}

/* The account's normalised name and its lock, for the operations that always
 * take it; -1 with @error set on failure. */
static int
normalize_and_lock (const gchar *account, gchar **out_normalized, GCancellable *cancellable,
                    GError **error)
{
  *out_normalized = gmo_account_normalize (account, error);
  if (*out_normalized == NULL)
    return -1;
  return account_lock (*out_normalized, cancellable, error);
}

static GmoGrant *
lookup_existing (const gchar *account, GCancellable *cancellable, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  GmoGrant *grant = flush_unsaved (account, cancellable);

  if (grant != NULL)
    return grant;
  grant = gmo_store_lookup (account, cancellable, &local_error);

  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else if (grant == NULL)
    g_set_error (error, GMO_ERROR, GMO_ERROR_NO_ACCOUNT,
                 _("No account %s; add it with “gmail-oauth login %s” or “gmail-oauth import "
                   "%s”"),
                 account, account, account);
  return grant;
}

/* Keeps @grant for a later write, where this process does that. */
static gboolean
keep_unsaved (const GmoGrant *grant)
{
  gboolean kept = FALSE;

  g_mutex_lock (&unsaved_lock);
  if (unsaved != NULL)
    {
      g_hash_table_replace (unsaved, g_strdup (grant->account), gmo_grant_copy (grant));
      kept = TRUE;
    }
  g_mutex_unlock (&unsaved_lock);
  return kept;
}

/* Stores a grant whose refresh token Google just rotated: the old one no
 * longer works, so a failed write is retried for a while before the grant is
 * given up. */
static gboolean
store_rotated (const GmoGrant *grant, GCancellable *cancellable, GError **error)
{
  gint64 deadline = g_get_monotonic_time () + ROTATED_WRITE_SECONDS * G_USEC_PER_SEC;
  g_autoptr (GError) local_error = NULL;

  while (!gmo_store_save (grant, cancellable, &local_error))
    {
      if ((g_get_monotonic_time () > deadline || g_cancellable_is_cancelled (cancellable))
          && keep_unsaved (grant))
        {
          /* Translators: %s is an e-mail address, the second %s the keyring's complaint. */
          g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING,
                       _("%s: Google replaced the refresh token, and the keyring could not store "
                         "the new one (%s); it is kept in this process's memory and will be "
                         "written on the next call, once the keyring is back"),
                       grant->account, local_error->message);
          return FALSE;
        }
      if (g_get_monotonic_time () > deadline || g_cancellable_is_cancelled (cancellable))
        {
          /* Translators: %s is an e-mail address, the second %s the keyring's complaint. */
          g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING,
                       _("%s: Google replaced the refresh token, and the new one could not be "
                         "stored for %d seconds (%s); the old one no longer works: log in "
                         "again with “gmail-oauth login %s”"),
                       grant->account, ROTATED_WRITE_SECONDS, local_error->message,
                       grant->account);
          return FALSE;
        }
      g_debug ("Storing the rotated grant of %s failed, retrying: %s", grant->account,
               local_error->message);
      g_clear_error (&local_error);
      g_usleep (ROTATED_WRITE_INTERVAL_MS * 1000);
    }
  return TRUE;
}

/* Refreshes @grant in place and stores it in one write. The caller holds the
 * lock. Termination signals wait from the request to the write (gmo-signals.h):
 * an answer that rotated the refresh token must reach the keyring. */
static gboolean
refresh_and_store (GmoGrant *grant, gint64 *out_server_date, GmoBrokerAnswerFunc on_answer,
                   gpointer user_data, GCancellable *cancellable, GError **error)
{
  g_autoptr (GmoTokenResponse) response = NULL;
  g_autoptr (GError) local_error = NULL;
  gboolean rotated, ok;
  gint64 answered;

  gmo_signals_hold ();
  response = gmo_oauth_refresh (grant->client_id, grant->client_secret, grant->refresh_token,
                                NULL, cancellable, &local_error);
  if (response == NULL)
    {
      gmo_signals_release ();
      /* Name the account: the oauth module's message names only the cause. */
      if (g_error_matches (local_error, GMO_ERROR, GMO_ERROR_REAUTHORIZE))
        /* Translators: the first %s is an e-mail address, the second the cause. */
        g_set_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE,
                     _("%s: %s Log in again with “gmail-oauth login %s”."), grant->account,
                     local_error->message, grant->account);
      else
        g_set_error (error, local_error->domain, local_error->code, "%s: %s", grant->account,
                     local_error->message);
      return FALSE;
    }

  answered = g_get_monotonic_time ();
  if (out_server_date != NULL)
    *out_server_date = response->server_date;
  gmo_secret_free (grant->access_token);
  grant->access_token = g_steal_pointer (&response->access_token);
  grant->expires_at = response->expires_at;
  /* Rotation: a new refresh token replaces the old one in the same write. */
  rotated = response->refresh_token != NULL;
  if (rotated)
    {
      gmo_secret_free (grant->refresh_token);
      grant->refresh_token = g_steal_pointer (&response->refresh_token);
    }
  if (response->scope != NULL)
    {
      g_free (grant->scopes);
      grant->scopes = g_steal_pointer (&response->scope);
    }
  /* Losing the write of an access token costs a refresh at worst: a door
   * that can answer before it does. A rotated grant is written first. */
  if (!rotated && on_answer != NULL)
    on_answer (grant, user_data);
  /* A cached access token is worth one try; a rotated grant is worth waiting for. */
  ok = rotated ? store_rotated (grant, cancellable, error)
               : gmo_store_save (grant, cancellable, error);
  /* The window that SIGKILL (which cannot wait) could still hit; see README. */
  g_debug ("Stored the refreshed grant of %s %.1f ms after the answer", grant->account,
           (g_get_monotonic_time () - answered) / 1000.0);
  gmo_signals_release ();
  return ok;
}

static GmoGrant *get_token (const gchar *account, GmoBrokerFlags flags, gint64 min_valid,
                            gint64 *out_server_date, GmoBrokerAnswerFunc on_answer,
                            gpointer user_data, GCancellable *cancellable, GError **error);

/**
 * gmo_broker_get_token:
 * @account: an account (normalised here)
 * @flags: %GMO_BROKER_FORCE_REFRESH to refresh even a fresh token
 * @min_valid: the freshness margin in seconds
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * "A valid access token for @account": the cached one while more than
 * @min_valid seconds remain, else a refreshed one. Refreshing takes the
 * account's lock and reads the record again first, so that N callers at once
 * cause one token request, and a forced refresh always uses the newest
 * refresh token.
 *
 * Returns: (transfer full): the grant with a valid access token, or %NULL.
 */
GmoGrant *
gmo_broker_get_token (const gchar *account, GmoBrokerFlags flags, gint64 min_valid,
                      GCancellable *cancellable, GError **error)
{
  return gmo_broker_get_token_full (account, flags, min_valid, NULL, cancellable, error);
}

/**
 * gmo_broker_get_token_full:
 * @account: an account (normalised here)
 * @flags: %GMO_BROKER_FORCE_REFRESH to refresh even a fresh token
 * @min_valid: the freshness margin in seconds
 * @out_server_date: (out) (optional): the token endpoint's Date (unix seconds)
 *   if a refresh happened and the answer had one, else left alone
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * gmo_broker_get_token(), also telling the server's clock (for `doctor`).
 *
 * Returns: (transfer full): the grant with a valid access token, or %NULL.
 */
GmoGrant *
gmo_broker_get_token_full (const gchar *account, GmoBrokerFlags flags, gint64 min_valid,
                           gint64 *out_server_date, GCancellable *cancellable, GError **error)
{
  g_autofree gchar *normalized = gmo_account_normalize (account, error);
  GmoGrant *grant = NULL;

  if (normalized == NULL)
    return NULL;
  if (!(flags & GMO_BROKER_FORCE_REFRESH))
    grant = gmo_broker_cached_token (normalized, min_valid);
  if (grant == NULL)
    grant = get_token (normalized, flags, min_valid, out_server_date, NULL, NULL, cancellable,
                       error);
  /* A token handed out again soon may be what its client was just refused. */
  if (grant != NULL && !(flags & GMO_BROKER_OWN_USE))
    grant = gmo_broker_recheck (normalized, grant, min_valid, out_server_date, cancellable,
                                error);
  if (grant != NULL)
    gmo_broker_cache_token (grant);
  return grant;
}

/**
 * gmo_broker_get_token_early:
 * @account: an account (normalised here)
 * @flags: %GMO_BROKER_FORCE_REFRESH to refresh even a fresh token
 * @min_valid: the freshness margin in seconds
 * @on_answer: called, in this thread, with the refreshed grant before its
 *   keyring write when that write may be lost without harm (Google did not
 *   rotate the refresh token); not called otherwise
 * @user_data: for @on_answer
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * gmo_broker_get_token() for a door that can answer its callers before the
 * keyring write of a new access token: the write still happens, and its
 * failure is still returned.
 *
 * Returns: (transfer full): the grant with a valid access token, or %NULL.
 */
GmoGrant *
gmo_broker_get_token_early (const gchar *account, GmoBrokerFlags flags, gint64 min_valid,
                            GmoBrokerAnswerFunc on_answer, gpointer user_data,
                            GCancellable *cancellable, GError **error)
{
  return get_token (account, flags, min_valid, NULL, on_answer, user_data, cancellable, error);
}

static GmoGrant *
get_token (const gchar *account, GmoBrokerFlags flags, gint64 min_valid, gint64 *out_server_date,
           GmoBrokerAnswerFunc on_answer, gpointer user_data, GCancellable *cancellable,
           GError **error)
{
  g_autofree gchar *normalized = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  gint64 started = gmo_now ();
  gboolean ok;
  int fd;

  normalized = gmo_account_normalize (account, error);
  if (normalized == NULL)
    return NULL;

  if (!(flags & GMO_BROKER_FORCE_REFRESH))
    {
      grant = lookup_existing (normalized, cancellable, error);
      if (grant == NULL)
        return NULL;
      if (gmo_broker_token_is_fresh (grant, min_valid, started))
        return g_steal_pointer (&grant);
      g_clear_pointer (&grant, gmo_grant_free);
    }

  fd = account_lock (normalized, cancellable, error);
  if (fd < 0)
    return NULL;

  grant = lookup_existing (normalized, cancellable, error);
  if (grant == NULL)
    {
      account_unlock (fd);
      return NULL;
    }
  /* Someone refreshed while we waited. A forced refresh always asks again,
   * with the refresh token read under the lock. */
  if (!(flags & GMO_BROKER_FORCE_REFRESH) && gmo_broker_token_is_fresh (grant, min_valid, gmo_now ()))
    {
      account_unlock (fd);
      return g_steal_pointer (&grant);
    }

  g_debug ("Refreshing the access token of %s", normalized);
  ok = refresh_and_store (grant, out_server_date, on_answer, user_data, cancellable, error);
  account_unlock (fd);
  return ok ? g_steal_pointer (&grant) : NULL;
}

/**
 * gmo_broker_forget_access_token:
 * @account: an account
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Drops the cached access token (a server refused it) and keeps the grant, so
 * that the next request refreshes. A missing account is not an error.
 *
 * Returns: %TRUE on success.
 */
gboolean
gmo_broker_forget_access_token (const gchar *account, GCancellable *cancellable, GError **error)
{
  g_autofree gchar *normalized = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GError) local_error = NULL;
  gboolean ok;
  int fd = normalize_and_lock (account, &normalized, cancellable, error);

  if (fd < 0)
    return FALSE;
  gmo_broker_uncache (normalized);
  grant = gmo_store_lookup (normalized, cancellable, &local_error);
  if (grant == NULL || grant->access_token == NULL)
    {
      account_unlock (fd);
      if (local_error == NULL)
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  gmo_grant_forget_access_token (grant);
  ok = gmo_store_save (grant, cancellable, error);
  account_unlock (fd);
  return ok;
}

/**
 * gmo_broker_remove_account:
 * @account: an account
 * @out_removed: (out) (optional): whether there was a record
 * @cancellable: (nullable): a cancellable
 * @error: return location for an error
 *
 * Deletes the record of @account under the account's lock, so that a refresh
 * in flight in another process cannot store it again afterwards.
 *
 * Returns: %TRUE on success, including when there was nothing to remove.
 */
gboolean
gmo_broker_remove_account (const gchar *account, gboolean *out_removed,
                           GCancellable *cancellable, GError **error)
{
  g_autofree gchar *normalized = NULL;
  gboolean ok;
  int fd = normalize_and_lock (account, &normalized, cancellable, error);

  if (fd < 0)
    return FALSE;
  g_mutex_lock (&unsaved_lock);
  if (unsaved != NULL)
    g_hash_table_remove (unsaved, normalized);
  g_mutex_unlock (&unsaved_lock);
  gmo_broker_uncache (normalized);
  ok = gmo_store_remove (normalized, out_removed, cancellable, error);
  account_unlock (fd);
  return ok;
}

/* ---- for gmo-broker-check.c (gmo-broker-private.h) ---- */

int
gmo_broker_lock (const gchar *account, GCancellable *cancellable, GError **error)
{
  return account_lock (account, cancellable, error);
}

void
gmo_broker_unlock (int fd)
{
  account_unlock (fd);
}

gboolean
gmo_broker_refresh_locked (GmoGrant *grant, gint64 *out_server_date, GCancellable *cancellable,
                           GError **error)
{
  return refresh_and_store (grant, out_server_date, NULL, NULL, cancellable, error);
}

GmoGrant *
gmo_broker_lookup (const gchar *account, GCancellable *cancellable, GError **error)
{
  return lookup_existing (account, cancellable, error);
}
