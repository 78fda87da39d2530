/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmail-oauthd: the D-Bus session service door. It owns
 * io.github.gmail_oauth.Broker, keeps access tokens in memory in front of the
 * keyring, and coalesces concurrent requests for one account into one refresh,
 * which runs in a GTask thread under a watchdog. The contract is
 * data/io.github.gmail_oauth.Broker1.xml. */
#include "config.h"

#include <signal.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "gmo-broker.h"
#include "gmo-dbus-generated.h"
#include "gmo-error.h"
#include "gmo-secret.h"
#include "gmo-store.h"
#include "gmo-util.h"

#define BUS_NAME "io.github.gmail_oauth.Broker"
#define OBJECT_PATH "/io/github/gmail_oauth/Broker"
#define INTERFACE "io.github.gmail_oauth.Broker1"
#define DEFAULT_IDLE_TIMEOUT 120
/* Longer than the oauth module's own timeouts and retries, so that the
 * watchdog only catches what really hangs. */
#define DEFAULT_WATCHDOG_TIMEOUT 40

/* An access token kept in memory; the token is wiped when dropped. */
typedef struct
{
  GmoSecret *access_token;
  gint64 expires_at;
  gboolean refreshed; /* as a task result: whether the task refreshed it */
} CachedToken;

typedef struct
{
  GMainLoop *loop;
  GmoBroker1 *skeleton;
  GDBusConnection *connection;
  /* The cache is read by the GDBus worker thread too (on_incoming_message);
   * cache_lock guards it and last_call. */
  GMutex cache_lock;
  GHashTable *cache;     /* normalised account -> CachedToken */
  gint64 last_call;      /* monotonic time of the last call answered */
  GHashTable *refreshes; /* normalised account -> Refresh in flight (at most one) */
  gint64 min_valid;
  guint idle_timeout;
  guint watchdog_timeout;
  guint idle_id;
  guint filter_id;
  guint busy; /* calls received and not answered yet */
  gboolean name_owned;
  int exit_status;
} Daemon;

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

static void
cached_token_free (CachedToken *token)
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
static void
cache_put (Daemon *daemon, const gchar *account, CachedToken *token)
{
  g_mutex_lock (&daemon->cache_lock);
  if (token != NULL)
    g_hash_table_replace (daemon->cache, g_strdup (account), token);
  else
    g_hash_table_remove (daemon->cache, account);
  g_mutex_unlock (&daemon->cache_lock);
}

/* ---- keep-alive: the service exits after idle_timeout seconds without a call ---- */

static void
note_call (Daemon *daemon)
{
  g_mutex_lock (&daemon->cache_lock);
  daemon->last_call = g_get_monotonic_time ();
  g_mutex_unlock (&daemon->cache_lock);
}

static gboolean
on_idle_timeout (gpointer user_data)
{
  Daemon *daemon = user_data;
  gint64 idle_since, left;

  g_mutex_lock (&daemon->cache_lock);
  idle_since = daemon->last_call;
  g_mutex_unlock (&daemon->cache_lock);
  /* Calls answered on the worker thread do not touch the timer; look again. */
  left = idle_since + daemon->idle_timeout * G_USEC_PER_SEC - g_get_monotonic_time ();
  if (left > 0)
    {
      daemon->idle_id = g_timeout_add ((guint)(left / 1000) + 1, on_idle_timeout, daemon);
      return G_SOURCE_REMOVE;
    }
  daemon->idle_id = 0;
  g_debug ("Idle for %u seconds, exiting", daemon->idle_timeout);
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_REMOVE;
}

static void
daemon_hold (Daemon *daemon)
{
  daemon->busy++;
  g_clear_handle_id (&daemon->idle_id, g_source_remove);
}

static void
daemon_release (Daemon *daemon)
{
  g_assert (daemon->busy > 0);
  daemon->busy--;
  note_call (daemon);
  if (daemon->busy == 0 && daemon->idle_timeout > 0 && daemon->idle_id == 0)
    daemon->idle_id = g_timeout_add_seconds (daemon->idle_timeout, on_idle_timeout, daemon);
}

/* Every call is answered through one of these two, exactly once. */
static void
answer_error (Daemon *daemon, GDBusMethodInvocation *invocation, const GError *error)
{
  /* Outside the classes (a broken installation): a plain Failed, not an unmapped GError. */
  if (error->domain == GMO_ERROR)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR, G_DBUS_ERROR_FAILED,
                                                   error->message);
  daemon_release (daemon);
}

static void
answer_token (Daemon *daemon, GDBusMethodInvocation *invocation, const CachedToken *token)
{
  g_dbus_method_invocation_return_value (
      invocation, g_variant_new ("(sx)", token->access_token, token->expires_at));
  daemon_release (daemon);
}

static void
answer_all_error (Daemon *daemon, GPtrArray *invocations, const GError *error)
{
  for (guint i = 0; i < invocations->len; i++)
    answer_error (daemon, g_ptr_array_index (invocations, i), error);
  g_ptr_array_set_size (invocations, 0);
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

  if (!(job->flags & GMO_BROKER_FORCE_REFRESH))
    {
      /* Read the record first, to tell a refresh of ours from a token that is
       * already stored (by a command-line process, or before we started).
       * A failure here is reported by the broker's own read below. */
      before = gmo_store_lookup (job->account, cancellable, NULL);
      if (before != NULL && gmo_broker_token_is_fresh (before, job->min_valid, gmo_now ()))
        {
          g_task_return_pointer (task, cached_token_new (before, FALSE),
                                 (GDestroyNotify)cached_token_free);
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
                         (GDestroyNotify)cached_token_free);
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
          cache_put (daemon, refresh->account, token);
        }
      else
        cached_token_free (token);
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
        answer_token (daemon, g_ptr_array_index (refresh->invocations, i), token);
      g_ptr_array_set_size (refresh->invocations, 0);
      cache_put (daemon, refresh->account, token);
    }
  else
    {
      g_debug ("Token request for %s failed: %s", refresh->account, error->message);
      if (g_error_matches (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE)
          || g_error_matches (error, GMO_ERROR, GMO_ERROR_NO_ACCOUNT))
        cache_put (daemon, refresh->account, NULL);
      if (g_error_matches (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE))
        gmo_broker1_emit_authorization_required (daemon->skeleton, refresh->account,
                                                 error->message);
      answer_all_error (daemon, refresh->invocations, error);
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
  answer_all_error (daemon, refresh->invocations, error);
  answer_all_error (daemon, refresh->forced_waiters, error);
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

  daemon_hold (daemon);
  account = gmo_account_normalize (raw_account, &error);
  if (account == NULL)
    {
      answer_error (daemon, invocation, error);
      return;
    }

  if (!(flags & GMO_BROKER_FORCE_REFRESH) && (answer = cache_answer (daemon, account)) != NULL)
    {
      g_dbus_method_invocation_return_value (invocation, answer);
      daemon_release (daemon);
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

static gboolean
on_handle_get_access_token (GmoBroker1 *skeleton, GDBusMethodInvocation *invocation,
                            const gchar *account, gpointer user_data)
{
  request_token (user_data, invocation, account, GMO_BROKER_FLAGS_NONE);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_handle_refresh (GmoBroker1 *skeleton, GDBusMethodInvocation *invocation, const gchar *account,
                   gpointer user_data)
{
  request_token (user_data, invocation, account, GMO_BROKER_FORCE_REFRESH);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- ListAccounts and RemoveAccount: keyring work in a thread ---- */

static const gchar *
grant_state (const GmoGrant *grant, gint64 min_valid, gint64 now)
{
  if (grant->access_token == NULL)
    return "no-token";
  return gmo_broker_token_is_fresh (grant, min_valid, now) ? "valid" : "expired";
}

static void
list_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  const gint64 *min_valid = task_data;
  g_autoptr (GPtrArray) grants = NULL;
  GVariantBuilder builder;
  GError *error = NULL;
  gint64 now = gmo_now ();

  grants = gmo_store_list (cancellable, &error);
  if (grants == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Public fields only: no secret ever leaves through this method. */
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("(aa{sv})"));
  g_variant_builder_open (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < grants->len; i++)
    {
      const GmoGrant *grant = g_ptr_array_index (grants, i);

      g_variant_builder_open (&builder, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add (&builder, "{sv}", "account", g_variant_new_string (grant->account));
      g_variant_builder_add (&builder, "{sv}", "state",
                             g_variant_new_string (grant_state (grant, *min_valid, now)));
      g_variant_builder_add (
          &builder, "{sv}", "expires_at",
          g_variant_new_int64 (grant->access_token != NULL ? grant->expires_at : 0));
      g_variant_builder_close (&builder);
    }
  g_variant_builder_close (&builder);
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_builder_end (&builder)),
                         (GDestroyNotify)g_variant_unref);
}

static void
remove_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  const gchar *account = task_data;
  GError *error = NULL;
  gboolean removed = FALSE;

  if (!gmo_broker_remove_account (account, &removed, cancellable, &error))
    g_task_return_error (task, error);
  else if (!removed)
    g_task_return_new_error (task, GMO_ERROR, GMO_ERROR_NO_ACCOUNT, _ ("No account %s"), account);
  else
    g_task_return_pointer (task, g_variant_ref_sink (g_variant_new ("()")),
                           (GDestroyNotify)g_variant_unref);
}

/* A ListAccounts or RemoveAccount call waiting for its keyring task. */
typedef struct
{
  Daemon *daemon;
  GDBusMethodInvocation *invocation;
} KeyringCall;

/* Answers the call with the task's GVariant or error. */
static void
on_keyring_task_done (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  g_autofree KeyringCall *call = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) value = NULL;

  value = g_task_propagate_pointer (G_TASK (result), &error);
  if (value == NULL)
    {
      answer_error (call->daemon, call->invocation, error);
      return;
    }
  g_dbus_method_invocation_return_value (call->invocation, value);
  daemon_release (call->daemon);
}

static void
run_keyring_task (Daemon *daemon, GDBusMethodInvocation *invocation, GTaskThreadFunc func,
                  gpointer task_data, GDestroyNotify task_data_free)
{
  KeyringCall *call = g_new0 (KeyringCall, 1);
  g_autoptr (GTask) task = NULL;

  call->daemon = daemon;
  call->invocation = invocation;
  task = g_task_new (NULL, NULL, on_keyring_task_done, call);
  g_task_set_source_tag (task, run_keyring_task);
  g_task_set_task_data (task, task_data, task_data_free);
  g_task_run_in_thread (task, func);
}

static gboolean
on_handle_list_accounts (GmoBroker1 *skeleton, GDBusMethodInvocation *invocation,
                         gpointer user_data)
{
  Daemon *daemon = user_data;

  daemon_hold (daemon);
  run_keyring_task (daemon, invocation, list_thread,
                    g_memdup2 (&daemon->min_valid, sizeof (gint64)), g_free);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
on_handle_remove_account (GmoBroker1 *skeleton, GDBusMethodInvocation *invocation,
                          const gchar *raw_account, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr (GError) error = NULL;
  gchar *account;

  daemon_hold (daemon);
  account = gmo_account_normalize (raw_account, &error);
  if (account == NULL)
    {
      answer_error (daemon, invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  cache_put (daemon, account, NULL);
  run_keyring_task (daemon, invocation, remove_thread, account, g_free);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- the fast path ---- */

/* Runs on the GDBus worker thread for every incoming message. A
 * GetAccessToken that the cache can answer is answered right here: that saves
 * two thread switches per call (to the main loop and back), which is most of
 * the service's share of a call's latency. Everything else goes on to the
 * skeleton, which also answers malformed calls. */
static GDBusMessage *
on_incoming_message (GDBusConnection *connection, GDBusMessage *message, gboolean incoming,
                     gpointer user_data)
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
  note_call (daemon);
  g_object_unref (message);
  return NULL;
}

/* ---- the bus name ---- */

static void
on_bus_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr (GError) error = NULL;

  daemon->connection = g_object_ref (connection);
  daemon->filter_id = g_dbus_connection_add_filter (connection, on_incoming_message, daemon, NULL);
  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (daemon->skeleton), connection,
                                         OBJECT_PATH, &error))
    {
      g_printerr (_ ("gmail-oauthd: cannot export %s: %s\n"), OBJECT_PATH, error->message);
      daemon->exit_status = GMO_EXIT_FAILURE;
      g_main_loop_quit (daemon->loop);
    }
}

static void
on_name_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  Daemon *daemon = user_data;

  g_debug ("Owning %s", name);
  daemon->name_owned = TRUE;
  if (daemon->busy == 0 && daemon->idle_timeout > 0 && daemon->idle_id == 0)
    daemon->idle_id = g_timeout_add_seconds (daemon->idle_timeout, on_idle_timeout, daemon);
}

static void
on_name_lost (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  Daemon *daemon = user_data;

  if (connection == NULL)
    {
      g_printerr (_ ("gmail-oauthd: cannot connect to the session bus\n"));
      daemon->exit_status = GMO_EXIT_FAILURE;
    }
  else if (!daemon->name_owned)
    {
      g_printerr (_ ("gmail-oauthd: %s is owned by another process; use --replace to take it "
                     "over\n"),
                  name);
      daemon->exit_status = GMO_EXIT_FAILURE;
    }
  else
    g_debug ("Lost %s (replaced), exiting", name);
  g_main_loop_quit (daemon->loop);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  Daemon *daemon = user_data;

  g_debug ("Terminated by a signal, exiting");
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_CONTINUE;
}

/* The service holds one user's grants: refuse a system bus, whether we were
 * started by its activation or the session address points at it. */
static gboolean
check_session_bus (GError **error)
{
  g_autofree gchar *session = NULL;
  g_autofree gchar *system = NULL;
  g_autoptr (GError) local_error = NULL;

  if (g_strcmp0 (g_getenv ("DBUS_STARTER_BUS_TYPE"), "system") == 0)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _ ("gmail-oauthd serves one user on the session bus; it refuses to run on the "
                      "system bus"));
      return FALSE;
    }
  session = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &local_error);
  if (session == NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _ ("No session bus: %s"),
                   local_error->message);
      return FALSE;
    }
  system = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SYSTEM, NULL, NULL);
  if (system != NULL && g_str_equal (session, system))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _ ("The session bus address is the system bus address (%s); gmail-oauthd "
                      "refuses to run on the system bus"),
                   session);
      return FALSE;
    }
  return TRUE;
}

/* Callers still waiting when we quit get an answer rather than a timeout. */
static void
answer_pending_on_exit (Daemon *daemon)
{
  g_autoptr (GError) error = NULL;
  GHashTableIter iter;
  Refresh *refresh;

  g_set_error (&error, GMO_ERROR, GMO_ERROR_TRANSIENT,
               _ ("The gmail-oauth service is shutting down; try again"));
  g_hash_table_iter_init (&iter, daemon->refreshes);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *)&refresh))
    {
      g_cancellable_cancel (refresh->cancellable);
      answer_all_error (daemon, refresh->invocations, error);
      answer_all_error (daemon, refresh->forced_waiters, error);
    }
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  gboolean replace = FALSE, verbose = FALSE;
  gint idle_timeout = DEFAULT_IDLE_TIMEOUT, watchdog_timeout = DEFAULT_WATCHDOG_TIMEOUT;
  /* Static: the worker thread may run the filter until the process ends. */
  static Daemon daemon;
  guint owner_id;
  const GOptionEntry entries[] = {
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace, N_ ("Replace the running instance"), NULL },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout,
      N_ ("Exit after this many seconds without a call (default 120; 0: never)"), N_ ("SECONDS") },
    /* For the tests: how long a token request may take before it is cancelled. */
    { "watchdog-timeout", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &watchdog_timeout, NULL,
      NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_ ("Log debug messages to stderr"), NULL },
    { NULL },
  };

  gmo_program_init ();
  context = g_option_context_new (NULL);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (context, _ ("The gmail-oauth D-Bus session service "
                                            "(io.github.gmail_oauth.Broker). It is started by "
                                            "D-Bus activation."));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("gmail-oauthd: %s\n", error->message);
      return GMO_EXIT_USAGE;
    }
  if (argc > 1 || idle_timeout < 0 || watchdog_timeout < 0)
    {
      g_printerr (_ ("gmail-oauthd: takes no arguments, and the timeouts must not be negative\n"));
      return GMO_EXIT_USAGE;
    }
  if (verbose)
    g_log_set_debug_enabled (TRUE);
  if (!check_session_bus (&error))
    {
      g_printerr ("gmail-oauthd: %s\n", error->message);
      return gmo_error_exit_status (error);
    }

  daemon.loop = g_main_loop_new (NULL, FALSE);
  daemon.cache
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)cached_token_free);
  g_mutex_init (&daemon.cache_lock);
  daemon.last_call = g_get_monotonic_time ();
  daemon.refreshes = g_hash_table_new (g_str_hash, g_str_equal);
  daemon.min_valid = gmo_broker_min_valid_default ();
  daemon.idle_timeout = (guint)idle_timeout;
  daemon.watchdog_timeout = (guint)watchdog_timeout;
  daemon.exit_status = GMO_EXIT_OK;
  daemon.skeleton = gmo_broker1_skeleton_new ();
  g_signal_connect (daemon.skeleton, "handle-get-access-token",
                    G_CALLBACK (on_handle_get_access_token), &daemon);
  g_signal_connect (daemon.skeleton, "handle-refresh", G_CALLBACK (on_handle_refresh), &daemon);
  g_signal_connect (daemon.skeleton, "handle-list-accounts", G_CALLBACK (on_handle_list_accounts),
                    &daemon);
  g_signal_connect (daemon.skeleton, "handle-remove-account", G_CALLBACK (on_handle_remove_account),
                    &daemon);
  g_unix_signal_add (SIGTERM, on_quit_signal, &daemon);
  g_unix_signal_add (SIGINT, on_quit_signal, &daemon);

  owner_id = g_bus_own_name (G_BUS_TYPE_SESSION, BUS_NAME,
                             G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT
                                 | (replace ? G_BUS_NAME_OWNER_FLAGS_REPLACE : 0),
                             on_bus_acquired, on_name_acquired, on_name_lost, &daemon, NULL);
  g_main_loop_run (daemon.loop);

  /* Release the name first, so that a new call activates a new instance. */
  g_bus_unown_name (owner_id);
  answer_pending_on_exit (&daemon);
  if (daemon.connection != NULL)
    {
      g_dbus_connection_remove_filter (daemon.connection, daemon.filter_id);
      g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (daemon.skeleton));
      g_dbus_connection_flush_sync (daemon.connection, NULL, NULL);
      g_object_unref (daemon.connection);
    }
  /* Tasks still running own their Refresh; the process ends with them. The
   * cache stays allocated (the filter may still look), but the tokens are wiped. */
  g_hash_table_destroy (daemon.refreshes);
  g_mutex_lock (&daemon.cache_lock);
  g_hash_table_remove_all (daemon.cache);
  g_mutex_unlock (&daemon.cache_lock);
  g_object_unref (daemon.skeleton);
  g_main_loop_unref (daemon.loop);
  return daemon.exit_status;
}
