/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmail-oauthd's tokens: access tokens kept in memory in front of the
 * keyring, concurrent requests for one account coalesced into one refresh,
 * which runs in a GTask thread under a watchdog; and the fast path that
 * answers a cached GetAccessToken on the GDBus worker thread. */
#include "config.h"

#include <glib/gi18n.h>

#include "gmo-broker.h"
#include "gmo-daemon.h"
#include "gmo-error.h"
#include "gmo-store.h"
#include "gmo-util.h"

/* One token request in flight for one account, and the calls waiting for it.
 * Lives on the main thread; the task thread sees only a TokenJob. */
typedef struct
{
  Daemon *daemon;
  gchar *account;
  GmoBrokerFlags flags;
  GPtrArray *invocations;    /* GDBusMethodInvocation, answered with the result */
  GPtrArray *forced_waiters; /* Refresh calls that came during a plain request */
  GCancellable *cancellable;
  guint watchdog_id;
  gboolean abandoned; /* the watchdog answered; the task's result is dropped */
} Refresh;

/* What the task thread needs: a copy, so that it shares nothing with the main thread. */
typedef struct
{
  gchar *account;
  GmoBrokerFlags flags;
  gint64 min_valid;
} TokenJob;

static void refresh_start (Daemon *daemon, const gchar *account, GmoBrokerFlags flags,
                           GPtrArray *invocations);

static CachedToken *
cached_token_new (const GmoGrant *grant, gboolean refreshed)
{
  CachedToken *token = g_new0 (CachedToken, 1);

  token->access_token = gmo_secret_dup (grant->access_token);
  token->expires_at = grant->expires_at;
  token->refreshed = refreshed;
  return token;
}

void
gmo_daemon_cached_token_free (CachedToken *token)
{
  if (token == NULL)
    return;
  gmo_secret_free (token->access_token);
  g_free (token);
}

static void
token_job_free (TokenJob *job)
{
  g_free (job->account);
  g_free (job);
}

/* ---- the cache, shared with the worker thread ---- */

/* Returns: (transfer full) (nullable): the answer "(sx)" for @account if its
 * cached token has more than the margin left. */
static GVariant *
cache_answer (Daemon *daemon, const gchar *account)
{
  const CachedToken *cached;
  GVariant *answer = NULL;

  g_mutex_lock (&daemon->cache_lock);
  cached = g_hash_table_lookup (daemon->cache, account);
  if (cached != NULL && cached->expires_at - gmo_now () > daemon->min_valid)
    answer = g_variant_ref_sink (g_variant_new ("(sx)", cached->access_token, cached->expires_at));
  g_mutex_unlock (&daemon->cache_lock);
  return answer;
}

/* Takes @token, or drops the entry when @token is %NULL. */
void
gmo_daemon_cache_put (Daemon *daemon, const gchar *account, CachedToken *token)
{
  g_mutex_lock (&daemon->cache_lock);
  if (token != NULL)
    g_hash_table_replace (daemon->cache, g_strdup (account), token);
  else
    g_hash_table_remove (daemon->cache, account);
  g_mutex_unlock (&daemon->cache_lock);
}

/* ---- token requests: cache, coalescing, task, watchdog ---- */

static void
refresh_free (Refresh *refresh)
{
  g_assert (refresh->invocations->len == 0 && refresh->forced_waiters->len == 0);
  g_clear_handle_id (&refresh->watchdog_id, g_source_remove);
  g_ptr_array_unref (refresh->invocations);
  g_ptr_array_unref (refresh->forced_waiters);
  g_object_unref (refresh->cancellable);
  g_free (refresh->account);
  g_free (refresh);
}

/* Runs in a GTask thread: network and keyring work, never on the main loop. */
static void
token_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  const TokenJob *job = task_data;
  g_autoptr (GmoGrant) before = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  GError *error = NULL;
  gboolean refreshed;

  /* A rotated grant the keyring refused earlier is written first: the
   * record read below must be the current one. */
  gmo_broker_flush_unsaved ();
  if (!(job->flags & GMO_BROKER_FORCE_REFRESH))
    {
      /* Read the record first, to tell a refresh of ours from a token that is
       * already stored (by a command-line process, or before we started).
       * A failure here is reported by the broker's own read below. */
      before = gmo_store_lookup (job->account, cancellable, NULL);
      if (before != NULL && gmo_broker_token_is_fresh (before, job->min_valid, gmo_now ()))
        {
          g_task_return_pointer (task, cached_token_new (before, FALSE),
                                 (GDestroyNotify)gmo_daemon_cached_token_free);
          return;
        }
    }

  grant = gmo_broker_get_token (job->account, job->flags, job->min_valid, cancellable, &error);
  if (grant == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  refreshed = (job->flags & GMO_BROKER_FORCE_REFRESH) || before == NULL
              || before->access_token == NULL
              || !g_str_equal (before->access_token, grant->access_token);
  g_task_return_pointer (task, cached_token_new (grant, refreshed),
                         (GDestroyNotify)gmo_daemon_cached_token_free);
}

static void
on_refresh_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  Refresh *refresh = user_data;
  Daemon *daemon = refresh->daemon;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) forced_waiters = NULL;
  CachedToken *token;

  token = g_task_propagate_pointer (G_TASK (result), &error);
  if (refresh->abandoned)
    {
      /* The watchdog has answered every caller; a late token is still good. */
      g_debug ("A timed-out request for %s finished after all", refresh->account);
      if (token != NULL && !g_hash_table_contains (daemon->refreshes, refresh->account))
        {
          if (token->refreshed)
            gmo_broker1_emit_token_refreshed (daemon->skeleton, refresh->account,
                                              token->expires_at);
          gmo_daemon_cache_put (daemon, refresh->account, token);
        }
      else
        gmo_daemon_cached_token_free (token);
      refresh_free (refresh);
      return;
    }

  g_clear_handle_id (&refresh->watchdog_id, g_source_remove);
  g_hash_table_remove (daemon->refreshes, refresh->account);

  if (token != NULL)
    {
      /* Signals first: a caller that got its answer has seen them too. */
      if (token->refreshed)
        {
          g_debug ("Refreshed the access token of %s", refresh->account);
          gmo_broker1_emit_token_refreshed (daemon->skeleton, refresh->account, token->expires_at);
        }
      for (guint i = 0; i < refresh->invocations->len; i++)
        gmo_daemon_answer_token (daemon, g_ptr_array_index (refresh->invocations, i), token);
      g_ptr_array_set_size (refresh->invocations, 0);
      gmo_daemon_cache_put (daemon, refresh->account, token);
    }
  else
    {
      g_debug ("Token request for %s failed: %s", refresh->account, error->message);
      /* After a keyring failure too: the next call must reach the broker,
       * which writes a rotated grant it kept. */
      if (g_error_matches (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE)
          || g_error_matches (error, GMO_ERROR, GMO_ERROR_NO_ACCOUNT)
          || g_error_matches (error, GMO_ERROR, GMO_ERROR_KEYRING))
        gmo_daemon_cache_put (daemon, refresh->account, NULL);
      if (g_error_matches (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE))
        gmo_broker1_emit_authorization_required (daemon->skeleton, refresh->account,
                                                 error->message);
      gmo_daemon_answer_all_error (daemon, refresh->invocations, error);
    }

  /* Refresh calls that came while a plain request was in flight asked for a
   * token newer than it may return: they get a forced refresh of their own. */
  forced_waiters = g_steal_pointer (&refresh->forced_waiters);
  refresh->forced_waiters = g_ptr_array_new ();
  if (forced_waiters->len > 0)
    refresh_start (daemon, refresh->account, GMO_BROKER_FORCE_REFRESH, forced_waiters);
  refresh_free (refresh);
}

static gboolean
on_refresh_watchdog (gpointer user_data)
{
  Refresh *refresh = user_data;
  Daemon *daemon = refresh->daemon;
  g_autoptr (GError) error = NULL;

  refresh->watchdog_id = 0;
  g_warning ("The token request for %s hung for %u seconds; cancelled it", refresh->account,
             daemon->watchdog_timeout);
  g_cancellable_cancel (refresh->cancellable);
  /* Answer now and let new calls start afresh; the task frees the Refresh. */
  refresh->abandoned = TRUE;
  g_hash_table_remove (daemon->refreshes, refresh->account);
  g_set_error (&error, GMO_ERROR, GMO_ERROR_TRANSIENT,
               /* Translators: %s is an e-mail address, %u a number of seconds. */
               _ ("%s: getting a token took longer than %u seconds; try again later"),
               refresh->account, daemon->watchdog_timeout);
  gmo_daemon_answer_all_error (daemon, refresh->invocations, error);
  gmo_daemon_answer_all_error (daemon, refresh->forced_waiters, error);
  return G_SOURCE_REMOVE;
}

/* Starts the one task of @account; @invocations (nullable) are moved into it. */
static void
refresh_start (Daemon *daemon, const gchar *account, GmoBrokerFlags flags, GPtrArray *invocations)
{
  Refresh *refresh = g_new0 (Refresh, 1);
  TokenJob *job = g_new0 (TokenJob, 1);
  g_autoptr (GTask) task = NULL;

  refresh->daemon = daemon;
  refresh->account = g_strdup (account);
  refresh->flags = flags;
  refresh->invocations = g_ptr_array_new ();
  refresh->forced_waiters = g_ptr_array_new ();
  refresh->cancellable = g_cancellable_new ();
  if (invocations != NULL)
    g_ptr_array_extend_and_steal (refresh->invocations, g_ptr_array_ref (invocations));
  g_hash_table_insert (daemon->refreshes, refresh->account, refresh);

  job->account = g_strdup (account);
  job->flags = flags;
  job->min_valid = daemon->min_valid;
  task = g_task_new (NULL, refresh->cancellable, on_refresh_done, refresh);
  g_task_set_source_tag (task, refresh_start);
  /* The result is what the thread returned, even if the watchdog cancelled it. */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, job, (GDestroyNotify)token_job_free);
  g_task_run_in_thread (task, token_thread);
  if (daemon->watchdog_timeout > 0)
    refresh->watchdog_id
        = g_timeout_add_seconds (daemon->watchdog_timeout, on_refresh_watchdog, refresh);
}

/* Answers @invocation from the cache, or queues it on the account's one request. */
static void
request_token (Daemon *daemon, GDBusMethodInvocation *invocation, const gchar *raw_account,
               GmoBrokerFlags flags)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *account = NULL;
  g_autoptr (GVariant) answer = NULL;
  Refresh *refresh;

  gmo_daemon_hold (daemon);
  account = gmo_account_normalize (raw_account, &error);
  if (account == NULL)
    {
      gmo_daemon_answer_error (daemon, invocation, error);
      return;
    }

  if (!(flags & GMO_BROKER_FORCE_REFRESH) && (answer = cache_answer (daemon, account)) != NULL)
    {
      g_dbus_method_invocation_return_value (invocation, answer);
      gmo_daemon_release (daemon);
      return;
    }

  refresh = g_hash_table_lookup (daemon->refreshes, account);
  if (refresh == NULL)
    {
      refresh_start (daemon, account, flags, NULL);
      refresh = g_hash_table_lookup (daemon->refreshes, account);
    }
  else if ((flags & GMO_BROKER_FORCE_REFRESH) && !(refresh->flags & GMO_BROKER_FORCE_REFRESH))
    {
      g_ptr_array_add (refresh->forced_waiters, invocation);
      return;
    }
  g_ptr_array_add (refresh->invocations, invocation);
}

gboolean
gmo_daemon_on_handle_get_access_token (GmoBroker1 *skeleton, GDBusMethodInvocation *invocation,
                            const gchar *account, gpointer user_data)
{
  request_token (user_data, invocation, account, GMO_BROKER_FLAGS_NONE);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

gboolean
gmo_daemon_on_handle_refresh (GmoBroker1 *skeleton, GDBusMethodInvocation *invocation,
                              const gchar *account, gpointer user_data)
{
  request_token (user_data, invocation, account, GMO_BROKER_FORCE_REFRESH);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- the fast path ---- */

/* Runs on the GDBus worker thread for every incoming message. A
 * GetAccessToken that the cache can answer is answered right here: that saves
 * two thread switches per call (to the main loop and back), which is most of
 * the service's share of a call's latency. Everything else goes on to the
 * skeleton, which also answers malformed calls. */
GDBusMessage *
gmo_daemon_on_incoming_message (GDBusConnection *connection, GDBusMessage *message,
                                gboolean incoming, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autofree gchar *account = NULL;
  g_autoptr (GDBusMessage) reply = NULL;
  GVariant *body, *answer;
  const gchar *raw_account;

  if (!incoming || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL
      || (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED)
      || g_strcmp0 (g_dbus_message_get_member (message), "GetAccessToken") != 0
      || g_strcmp0 (g_dbus_message_get_interface (message), INTERFACE) != 0
      || g_strcmp0 (g_dbus_message_get_path (message), OBJECT_PATH) != 0)
    return message;
  body = g_dbus_message_get_body (message);
  if (body == NULL || !g_variant_is_of_type (body, G_VARIANT_TYPE ("(s)")))
    return message;
  g_variant_get (body, "(&s)", &raw_account);
  account = gmo_account_normalize (raw_account, NULL);
  if (account == NULL || (answer = cache_answer (daemon, account)) == NULL)
    return message;

  reply = g_dbus_message_new_method_reply (message);
  g_dbus_message_set_body (reply, answer);
  g_variant_unref (answer);
  g_dbus_connection_send_message (connection, reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
  gmo_daemon_note_call (daemon);
  g_object_unref (message);
  return NULL;
}

static gboolean
on_exit_deadline (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Callers still waiting when we quit get an answer rather than a timeout. */
void
gmo_daemon_answer_pending (Daemon *daemon)
{
  g_autoptr (GError) error = NULL;
  GHashTableIter iter;
  Refresh *refresh;

  /* A refresh in flight may hold a rotated refresh token that only its
   * keyring write saves: let it finish (its callers get their answers), for
   * as long as the watchdog would have allowed it. */
  if (g_hash_table_size (daemon->refreshes) > 0)
    {
      gboolean expired = FALSE;
      guint deadline_id = g_timeout_add_seconds (MAX (daemon->watchdog_timeout, 1),
                                                 on_exit_deadline, &expired);

      g_debug ("Finishing %u token requests before exiting",
               g_hash_table_size (daemon->refreshes));
      while (g_hash_table_size (daemon->refreshes) > 0 && !expired)
        g_main_context_iteration (NULL, TRUE);
      if (!expired)
        g_source_remove (deadline_id);
    }

  g_set_error (&error, GMO_ERROR, GMO_ERROR_TRANSIENT,
               _ ("The gmail-oauth service is shutting down; try again"));
  g_hash_table_iter_init (&iter, daemon->refreshes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&refresh))
    {
      g_cancellable_cancel (refresh->cancellable);
      gmo_daemon_answer_all_error (daemon, refresh->invocations, error);
      gmo_daemon_answer_all_error (daemon, refresh->forced_waiters, error);
    }
}

