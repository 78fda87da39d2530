/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmail-oauthd's token requests: a call the cache (gmo-daemon-cache.c)
 * cannot answer joins the one request of its account, which runs in a GTask
 * thread under a watchdog; concurrent calls share it. A cached token handed
 * out again soon (gmo-tokeninfo.h) is checked with Google by such a request
 * too, without a keyring call unless Google refused it. */
#include "config.h"

#include <glib/gi18n.h>

#include "gmo-broker.h"
#include "gmo-daemon.h"
#include "gmo-error.h"
#include "gmo-store.h"
#include "gmo-tokeninfo.h"
#include "gmo-util.h"

/* One token request in flight for one account, and the calls waiting for it.
 * Lives on the main thread; the task thread sees only a TokenJob. */
typedef struct
{
  gint refs; /* atomic: the task's, and an early answer's on its way */
  Daemon *daemon;
  gchar *account;
  GmoBrokerFlags flags;
  gint64 min_valid;
  GPtrArray *invocations; /* GDBusMethodInvocation, answered with the result */
  /* Calls that came during the request and asked more than it may return (a
   * forced refresh during a plain request, a larger margin): they get a
   * request of their own afterwards, with these flags and this margin. */
  GPtrArray *later;
  GmoBrokerFlags later_flags;
  gint64 later_min_valid;
  GCancellable *cancellable;
  guint watchdog_id;
  gboolean abandoned; /* the watchdog answered; the task's result is dropped */
  gboolean announced; /* TokenRefreshed was emitted by the early answer */
} Refresh;

/* What the task thread needs: a copy, so that it shares nothing with the main
 * thread but two pointers it only hands on. */
typedef struct
{
  Daemon *daemon;   /* for its keyring_generation only */
  Refresh *refresh; /* handed back to the main thread by an early answer */
  gchar *account;
  GmoBrokerFlags flags;
  gint64 min_valid;
  CachedToken *to_check; /* nullable: the cached token to check before handing it out */
  /* Found out by the thread, read by the main thread once the task is done: */
  gchar *grant_id;   /* gmo_daemon_grant_id() of the grant used */
  gint64 granted_at; /* of the grant, when it turned out dead */
} TokenJob;

static void refresh_start (Daemon *daemon, const gchar *account, GmoBrokerFlags flags,
                           gint64 min_valid, GPtrArray *invocations, CachedToken *to_check);

static void
token_job_free (TokenJob *job)
{
  gmo_daemon_cached_token_free (job->to_check);
  g_free (job->account);
  g_free (job->grant_id);
  g_free (job);
}

/* ---- token requests: cache, coalescing, task, watchdog ---- */

static void
refresh_unref (Refresh *refresh)
{
  if (!g_atomic_int_dec_and_test (&refresh->refs))
    return;
  g_assert (refresh->invocations->len == 0 && refresh->later->len == 0);
  g_clear_handle_id (&refresh->watchdog_id, g_source_remove);
  g_ptr_array_unref (refresh->invocations);
  g_ptr_array_unref (refresh->later);
  g_object_unref (refresh->cancellable);
  g_free (refresh->account);
  g_free (refresh);
}

/* A refreshed token that the broker hands over before its keyring write. */
typedef struct
{
  Refresh *refresh; /* a reference */
  CachedToken *token;
} EarlyAnswer;

static void
early_answer_free (EarlyAnswer *early)
{
  refresh_unref (early->refresh);
  gmo_daemon_cached_token_free (early->token);
  g_free (early);
}

/* On the main thread: the callers waiting so far get the new token now; the
 * write of an access token that was not rotated costs nothing if lost. Later
 * callers, and the cache, wait for the task's end (on_refresh_done()). */
static gboolean
on_early_answer (gpointer user_data)
{
  EarlyAnswer *early = user_data;
  Refresh *refresh = early->refresh;

  if (refresh->abandoned || refresh->invocations->len == 0)
    return G_SOURCE_REMOVE;
  /* Cached first: a caller that got the new token never gets the old one after it. */
  gmo_daemon_cache_put_since (refresh->daemon, refresh->account, early->token);
  gmo_broker1_emit_token_refreshed (refresh->daemon->skeleton, refresh->account,
                                    early->token->expires_at);
  refresh->announced = TRUE;
  if (!(refresh->flags & GMO_BROKER_OWN_USE))
    gmo_daemon_cache_note_handout (refresh->daemon, refresh->account, early->token);
  for (guint i = 0; i < refresh->invocations->len; i++)
    gmo_daemon_answer_token (refresh->daemon, g_ptr_array_index (refresh->invocations, i),
                             refresh->account, early->token);
  g_ptr_array_set_size (refresh->invocations, 0);
  return G_SOURCE_REMOVE;
}

/* In the task thread (GmoBrokerAnswerFunc). */
static void
on_broker_answer (const GmoGrant *grant, gpointer user_data)
{
  const TokenJob *job = user_data;
  EarlyAnswer *early = g_new0 (EarlyAnswer, 1);

  g_atomic_int_inc (&job->refresh->refs);
  early->refresh = job->refresh;
  early->token = gmo_daemon_cached_token_new (job->daemon, grant, TRUE);
  gmo_daemon_run_on_main (on_early_answer, early, (GDestroyNotify)early_answer_free);
}

/* In the task thread: whether Google still takes @access_token; an outage
 * says yes (the token is served as it would have been without the check). */
static gboolean
still_accepted (const TokenJob *job, const gchar *access_token, GCancellable *cancellable)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *details = NULL;

  switch (gmo_tokeninfo_check (access_token, &details, cancellable, &error))
    {
    case GMO_TOKEN_ALIVE:
      return TRUE;
    case GMO_TOKEN_DEAD:
      g_debug ("Google no longer accepts the cached access token of %s (%s); refreshing",
               job->account, details);
      return FALSE;
    case GMO_TOKEN_UNKNOWN:
    default:
      g_debug ("Cannot check the access token of %s, handing it out: %s", job->account,
               error->message);
      return TRUE;
    }
}

static void
return_token (GTask *task, CachedToken *token)
{
  g_task_return_pointer (task, token, (GDestroyNotify)gmo_daemon_cached_token_free);
}

/* Runs in a GTask thread: network and keyring work, never on the main loop. */
static void
token_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  TokenJob *job = task_data;
  g_autoptr (GmoGrant) before = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoSecret) refused = NULL;
  CachedToken *token;
  GError *error = NULL;
  gboolean refreshed;

  /* The cached token first, without a keyring call (the keyring may be slow
   * or gone while the cache still answers). */
  if (job->to_check != NULL)
    {
      if (still_accepted (job, job->to_check->access_token, cancellable))
        {
          token = gmo_daemon_cached_token_copy (job->to_check);
          token->checked = TRUE;
          token->refreshed = FALSE;
          return_token (task, token);
          return;
        }
      refused = gmo_secret_dup (job->to_check->access_token);
    }

  /* A rotated grant the keyring refused earlier is written first: the
   * record read below must be the current one. */
  gmo_broker_flush_unsaved ();
  if (refused == NULL && !(job->flags & GMO_BROKER_FORCE_REFRESH))
    {
      /* Read the record first, to tell a refresh of ours from a token that is
       * already stored (by a command-line process, or before we started).
       * A failure here is reported by the broker's own read below. */
      before = gmo_store_lookup (job->account, cancellable, NULL);
      if (before != NULL && gmo_broker_token_is_fresh (before, job->min_valid, gmo_now ()))
        {
          token = gmo_daemon_cached_token_new (job->daemon, before, FALSE);
          token->checked = !(job->flags & GMO_BROKER_OWN_USE)
                           && gmo_daemon_cache_needs_check (job->daemon, job->account, token->tag);
          if (!token->checked || still_accepted (job, before->access_token, cancellable))
            {
              job->grant_id = gmo_daemon_grant_id (before);
              return_token (task, token);
              return;
            }
          gmo_daemon_cached_token_free (token);
          refused = gmo_secret_dup (before->access_token);
        }
    }

  if (refused != NULL)
    grant = gmo_broker_replace_dead_token (job->account, refused, job->min_valid, NULL, cancellable,
                                           &error);
  else
    grant = gmo_broker_get_token_early (job->account, job->flags, job->min_valid,
                                        on_broker_answer, task_data, cancellable, &error);
  if (grant == NULL)
    {
      /* Which grant died, and when it was made (the 7-day rule). */
      if (g_error_matches (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE))
        {
          g_autoptr (GmoGrant) dead = gmo_store_lookup (job->account, cancellable, NULL);

          job->grant_id = gmo_daemon_grant_id (dead);
          job->granted_at = dead != NULL ? dead->granted_at : 0;
        }
      g_task_return_error (task, error);
      return;
    }
  job->grant_id = gmo_daemon_grant_id (grant);
  refreshed = (job->flags & GMO_BROKER_FORCE_REFRESH) || before == NULL
              || before->access_token == NULL
              || !g_str_equal (before->access_token, grant->access_token);
  g_task_return_pointer (task, gmo_daemon_cached_token_new (job->daemon, grant, refreshed),
                         (GDestroyNotify)gmo_daemon_cached_token_free);
}

static void
on_refresh_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  Refresh *refresh = user_data;
  Daemon *daemon = refresh->daemon;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) later = NULL;
  g_autoptr (CachedToken) token = NULL;
  const TokenJob *job = g_task_get_task_data (G_TASK (result));

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
          gmo_daemon_cache_put_since (daemon, refresh->account, token);
        }
      refresh_unref (refresh);
      return;
    }

  g_clear_handle_id (&refresh->watchdog_id, g_source_remove);
  g_hash_table_remove (daemon->refreshes, refresh->account);

  if (token != NULL)
    {
      /* Signals first: a caller that got its answer has seen them too. */
      if (token->refreshed && !refresh->announced)
        {
          g_debug ("Refreshed the access token of %s", refresh->account);
          gmo_broker1_emit_token_refreshed (daemon->skeleton, refresh->account, token->expires_at);
        }
      gmo_daemon_cache_put_since (daemon, refresh->account, token);
      if (refresh->invocations->len > 0 && !(refresh->flags & GMO_BROKER_OWN_USE))
        gmo_daemon_cache_note_handout (daemon, refresh->account, token);
      for (guint i = 0; i < refresh->invocations->len; i++)
        gmo_daemon_answer_token (daemon, g_ptr_array_index (refresh->invocations, i),
                                 refresh->account, token);
      g_ptr_array_set_size (refresh->invocations, 0);
      gmo_daemon_attention_token (daemon, refresh->account, token->expires_at, job->grant_id);
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
      gmo_daemon_attention_failed (daemon, refresh->account, error, job->grant_id, job->granted_at);
    }

  later = g_steal_pointer (&refresh->later);
  refresh->later = g_ptr_array_new ();
  if (later->len > 0)
    refresh_start (daemon, refresh->account, refresh->later_flags, refresh->later_min_valid, later,
                   NULL);
  refresh_unref (refresh);
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
  gmo_daemon_answer_all_error (daemon, refresh->later, error);
  return G_SOURCE_REMOVE;
}

/* Starts the one task of @account; @invocations (nullable) are moved into
 * it, and @to_check (transfer full, nullable) is the cached token it checks. */
static void
refresh_start (Daemon *daemon, const gchar *account, GmoBrokerFlags flags, gint64 min_valid,
               GPtrArray *invocations, CachedToken *to_check)
{
  Refresh *refresh = g_new0 (Refresh, 1);
  TokenJob *job = g_new0 (TokenJob, 1);
  g_autoptr (GTask) task = NULL;

  refresh->refs = 1;
  refresh->daemon = daemon;
  refresh->account = g_strdup (account);
  refresh->flags = flags;
  refresh->min_valid = min_valid;
  refresh->invocations = g_ptr_array_new ();
  refresh->later = g_ptr_array_new ();
  refresh->cancellable = g_cancellable_new ();
  if (invocations != NULL)
    g_ptr_array_extend_and_steal (refresh->invocations, g_ptr_array_ref (invocations));
  g_hash_table_insert (daemon->refreshes, refresh->account, refresh);

  job->daemon = daemon;
  job->refresh = refresh;
  job->account = g_strdup (account);
  job->flags = flags;
  job->min_valid = min_valid;
  job->to_check = to_check;
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

/* Answers @invocation, whose caller may have the token, from the cache, or
 * queues it on the account's one request. */
static void
request_token (Daemon *daemon, GDBusMethodInvocation *invocation, const gchar *account,
               GmoBrokerFlags flags, gint64 min_valid)
{
  g_autoptr (GVariant) answer = NULL;
  g_autoptr (CachedToken) to_check = NULL;
  Refresh *refresh;

  if (!(flags & GMO_BROKER_FORCE_REFRESH)
      && (answer = gmo_daemon_cache_answer (daemon, account, flags, min_valid,
                                            g_dbus_method_invocation_get_method_name (invocation),
                                            &to_check))
             != NULL)
    {
      gmo_daemon_caller_log_handout (daemon, g_dbus_method_invocation_get_sender (invocation),
                                     account);
      g_dbus_method_invocation_return_value (invocation, answer);
      gmo_daemon_release (daemon);
      return;
    }

  /* A forced refresh for the caller's own use says that Google refused the
   * token: callers meanwhile wait for the new one rather than get that one. */
  if ((flags & (GMO_BROKER_OWN_USE | GMO_BROKER_FORCE_REFRESH))
      == (GMO_BROKER_OWN_USE | GMO_BROKER_FORCE_REFRESH))
    gmo_daemon_cache_put (daemon, account, NULL);
  refresh = g_hash_table_lookup (daemon->refreshes, account);
  if (refresh == NULL)
    {
      refresh_start (daemon, account, flags, min_valid, NULL, g_steal_pointer (&to_check));
      refresh = g_hash_table_lookup (daemon->refreshes, account);
    }
  /* What a forced refresh returns satisfies every call; what a plain request
   * returns satisfies a call with the same margin or a smaller one. But a
   * token already handed out (the early answer) may be the one a forcing
   * caller was refused: it waits for a refresh of its own; so does a call
   * whose cached token is due for a check (the running task hands that token
   * out unchecked), and the next task checks it; so does a call for others
   * while the running task is for its callers' own use and may hand out a
   * stored token unchecked (a forced one mints a new token: nothing to check). */
  else if (((flags & GMO_BROKER_FORCE_REFRESH) && refresh->announced) || to_check != NULL
           || ((refresh->flags & (GMO_BROKER_OWN_USE | GMO_BROKER_FORCE_REFRESH))
                   == GMO_BROKER_OWN_USE
               && !(flags & GMO_BROKER_OWN_USE))
           || (!(refresh->flags & GMO_BROKER_FORCE_REFRESH)
               && ((flags & GMO_BROKER_FORCE_REFRESH) || min_valid > refresh->min_valid)))
    {
      /* Forced if any of them forces; for own use only if all of them are. */
      refresh->later_flags = refresh->later->len == 0 ? flags
                             : ((refresh->later_flags | flags) & ~GMO_BROKER_OWN_USE)
                                   | (refresh->later_flags & flags & GMO_BROKER_OWN_USE);
      refresh->later_min_valid = MAX (refresh->later_min_valid, min_valid);
      g_ptr_array_add (refresh->later, invocation);
      return;
    }
  g_ptr_array_add (refresh->invocations, invocation);
}

/* A token call waiting to know its caller. */
typedef struct
{
  gchar *account; /* normalised */
  GmoBrokerFlags flags;
  gint64 min_valid;
} TokenCall;

static void
token_call_free (TokenCall *call)
{
  g_free (call->account);
  g_free (call);
}

static void
on_token_caller (Daemon *daemon, GDBusMethodInvocation *invocation, const GmoDaemonCaller *caller,
                 gpointer user_data)
{
  const TokenCall *call = user_data;
  g_autoptr (GError) error = NULL;

  if (!gmo_daemon_caller_may_get (caller, call->account, &error))
    {
      g_debug ("Refused a token of %s to %s: %s", call->account,
               g_dbus_method_invocation_get_sender (invocation), error->message);
      gmo_daemon_answer_error (daemon, invocation, error);
      return;
    }
  request_token (daemon, invocation, call->account, call->flags, call->min_valid);
}

/* Every token call: a well-formed account, then a caller that may have it. */
static void
token_call (Daemon *daemon, GDBusMethodInvocation *invocation, const gchar *raw_account,
            GmoBrokerFlags flags, gint64 min_valid)
{
  g_autoptr (GError) error = NULL;
  TokenCall *call = g_new0 (TokenCall, 1);

  gmo_daemon_hold (daemon);
  call->account = gmo_account_normalize (raw_account, &error);
  if (call->account == NULL)
    {
      gmo_daemon_answer_error (daemon, invocation, error);
      token_call_free (call);
      return;
    }
  call->flags = flags;
  call->min_valid = min_valid;
  gmo_daemon_with_caller (daemon, invocation, on_token_caller, call,
                          (GDestroyNotify)token_call_free);
}

gboolean
gmo_daemon_on_handle_get_access_token (GmoBroker1 *skeleton, GDBusMethodInvocation *invocation,
                                       const gchar *account, gpointer user_data)
{
  Daemon *daemon = user_data;

  token_call (daemon, invocation, account, GMO_BROKER_FLAGS_NONE, daemon->min_valid);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

gboolean
gmo_daemon_on_handle_refresh (GmoBroker1 *skeleton, GDBusMethodInvocation *invocation,
                              const gchar *account, gpointer user_data)
{
  token_call (user_data, invocation, account, GMO_BROKER_FORCE_REFRESH, 0);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Reads the options of RequestToken. Returns %FALSE with a usage @error for a
 * bad one, and with @out_other_endpoint set when the caller uses another
 * token endpoint. */
gboolean
gmo_daemon_parse_options (Daemon *daemon, GVariant *options, GmoBrokerFlags *out_flags,
                          gint64 *out_min_valid, gboolean *out_other_endpoint, GError **error)
{
  g_autoptr (GVariant) min_valid = g_variant_lookup_value (options, "min-valid", NULL);
  g_autoptr (GVariant) refresh = g_variant_lookup_value (options, "refresh", NULL);
  g_autoptr (GVariant) token_url = g_variant_lookup_value (options, "token-url", NULL);
  g_autoptr (GVariant) own_use = g_variant_lookup_value (options, "own-use", NULL);

  *out_flags = GMO_BROKER_FLAGS_NONE;
  *out_min_valid = daemon->min_valid;
  *out_other_endpoint = FALSE;
  if (min_valid != NULL
      && (!g_variant_is_of_type (min_valid, G_VARIANT_TYPE_UINT32)
          || g_variant_get_uint32 (min_valid) > GMO_BROKER_MAX_MIN_VALID))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _ ("The option min-valid must be a uint32 from 0 to %d"),
                   GMO_BROKER_MAX_MIN_VALID);
      return FALSE;
    }
  if ((refresh != NULL && !g_variant_is_of_type (refresh, G_VARIANT_TYPE_BOOLEAN))
      || (own_use != NULL && !g_variant_is_of_type (own_use, G_VARIANT_TYPE_BOOLEAN))
      || (token_url != NULL && !g_variant_is_of_type (token_url, G_VARIANT_TYPE_STRING)))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _ ("The options refresh and own-use must be booleans, token-url a string"));
      return FALSE;
    }
  if (token_url != NULL
      && g_strcmp0 (g_variant_get_string (token_url, NULL), daemon->token_url) != 0)
    {
      *out_other_endpoint = TRUE;
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_NOT_SUPPORTED,
                   _ ("This service uses another token endpoint; ask yours directly"));
      return FALSE;
    }
  if (min_valid != NULL)
    *out_min_valid = g_variant_get_uint32 (min_valid);
  if (refresh != NULL && g_variant_get_boolean (refresh))
    *out_flags |= GMO_BROKER_FORCE_REFRESH;
  if (own_use != NULL && g_variant_get_boolean (own_use))
    *out_flags |= GMO_BROKER_OWN_USE;
  return TRUE;
}

gboolean
gmo_daemon_on_handle_request_token (GmoBroker1 *skeleton, GDBusMethodInvocation *invocation,
                                    const gchar *account, GVariant *options, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr (GError) error = NULL;
  GmoBrokerFlags flags;
  gint64 min_valid;
  gboolean other_endpoint;

  if (!gmo_daemon_parse_options (daemon, options, &flags, &min_valid, &other_endpoint, &error))
    {
      gmo_daemon_hold (daemon);
      gmo_daemon_answer_error (daemon, invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  token_call (daemon, invocation, account, flags, min_valid);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
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
      guint deadline_id
          = g_timeout_add_seconds (MAX (daemon->watchdog_timeout, 1), on_exit_deadline, &expired);

      g_debug ("Finishing %u token requests before exiting", g_hash_table_size (daemon->refreshes));
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
      gmo_daemon_answer_all_error (daemon, refresh->later, error);
    }
}
