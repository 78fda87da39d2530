/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmail-oauthd: the D-Bus session service door. It owns
 * io.github.gmail_oauth.Broker, keeps access tokens in memory in front of the
 * keyring (gmo-daemon-tokens.c), and coalesces concurrent requests for one
 * account into one refresh. This file: the bus name, keep-alive, the keyring
 * methods and main(). The contract is data/io.github.gmail_oauth.Broker1.xml. */
#include "config.h"

#include <signal.h>

#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gi18n.h>

#include "gmo-broker.h"
#include "gmo-daemon.h"
#include "gmo-error.h"
#include "gmo-secret.h"
#include "gmo-store.h"
#include "gmo-util.h"

/* ---- keep-alive: the service exits after idle_timeout seconds without a call ---- */

void
gmo_daemon_note_call (Daemon *daemon)
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
  /* A rotated grant the keyring refused lives only here: stay until it is
   * written. An account that needs a login: stay, to withdraw its
   * notification later and not to post it again. */
  if (!gmo_broker_flush_unsaved () || gmo_daemon_attention_needed (daemon))
    {
      daemon->idle_id = g_timeout_add_seconds (daemon->idle_timeout, on_idle_timeout, daemon);
      return G_SOURCE_REMOVE;
    }
  g_debug ("Idle for %u seconds, exiting", daemon->idle_timeout);
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_REMOVE;
}

void
gmo_daemon_hold (Daemon *daemon)
{
  daemon->busy++;
  g_clear_handle_id (&daemon->idle_id, g_source_remove);
}

void
gmo_daemon_release (Daemon *daemon)
{
  g_assert (daemon->busy > 0);
  daemon->busy--;
  gmo_daemon_note_call (daemon);
  if (daemon->busy == 0 && daemon->idle_timeout > 0 && daemon->idle_id == 0)
    daemon->idle_id = g_timeout_add_seconds (daemon->idle_timeout, on_idle_timeout, daemon);
}

/**
 * gmo_daemon_run_on_main:
 * @func: what to run
 * @data: its data
 * @notify: (nullable): frees @data afterwards
 *
 * Runs @func once on the main loop, from any thread. (Unlike
 * g_main_context_invoke(), never in the calling thread, even when the main
 * context is free for a moment, as while the service drains it at exit.)
 */
void
gmo_daemon_run_on_main (GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  g_autoptr (GSource) source = g_idle_source_new ();

  g_source_set_callback (source, func, data, notify);
  g_source_attach (source, NULL);
}

/* Every call is answered through one of these two, exactly once. */
void
gmo_daemon_answer_error (Daemon *daemon, GDBusMethodInvocation *invocation, const GError *error)
{
  /* Outside the classes (a broken installation): a plain Failed, not an unmapped GError. */
  if (error->domain == GMO_ERROR || error->domain == G_DBUS_ERROR)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR, G_DBUS_ERROR_FAILED,
                                                   error->message);
  gmo_daemon_release (daemon);
}

void
gmo_daemon_answer_token (Daemon *daemon, GDBusMethodInvocation *invocation, const gchar *account,
                         const CachedToken *token)
{
  gmo_daemon_caller_log_handout (daemon, g_dbus_method_invocation_get_sender (invocation), account);
  g_dbus_method_invocation_return_value (
      invocation,
      gmo_daemon_token_answer (token, g_dbus_method_invocation_get_method_name (invocation)));
  gmo_daemon_release (daemon);
}

void
gmo_daemon_answer_all_error (Daemon *daemon, GPtrArray *invocations, const GError *error)
{
  for (guint i = 0; i < invocations->len; i++)
    gmo_daemon_answer_error (daemon, g_ptr_array_index (invocations, i), error);
  g_ptr_array_set_size (invocations, 0);
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
      gmo_daemon_answer_error (call->daemon, call->invocation, error);
      return;
    }
  g_dbus_method_invocation_return_value (call->invocation, value);
  gmo_daemon_release (call->daemon);
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

  gmo_daemon_hold (daemon);
  run_keyring_task (daemon, invocation, list_thread,
                    g_memdup2 (&daemon->min_valid, sizeof (gint64)), g_free);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Deleting a record is for the user's own, unsandboxed processes. */
static void
on_remove_caller (Daemon *daemon, GDBusMethodInvocation *invocation, const GmoDaemonCaller *caller,
                  gpointer user_data)
{
  const gchar *account = user_data;
  g_autoptr (GError) error = NULL;

  if (!gmo_daemon_caller_may_get (caller, account, &error)
      || gmo_daemon_caller_is_sandboxed (caller))
    {
      if (error == NULL)
        g_set_error (&error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                     _ ("A sandboxed application may not remove an account"));
      gmo_daemon_answer_error (daemon, invocation, error);
      return;
    }
  gmo_daemon_cache_put (daemon, account, NULL);
  run_keyring_task (daemon, invocation, remove_thread, g_strdup (account), g_free);
}

static gboolean
on_handle_remove_account (GmoBroker1 *skeleton, GDBusMethodInvocation *invocation,
                          const gchar *raw_account, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr (GError) error = NULL;
  gchar *account;

  gmo_daemon_hold (daemon);
  account = gmo_account_normalize (raw_account, &error);
  if (account == NULL)
    {
      gmo_daemon_answer_error (daemon, invocation, error);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  gmo_daemon_with_caller (daemon, invocation, on_remove_caller, account, g_free);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- the bus name ---- */

static void
on_bus_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autoptr (GError) error = NULL;

  daemon->connection = g_object_ref (connection);
  daemon->filter_id
      = g_dbus_connection_add_filter (connection, gmo_daemon_on_incoming_message, daemon, NULL);
  gmo_daemon_watch_keyring (daemon);
  gmo_daemon_attention_start (daemon);
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

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  gboolean replace = FALSE, verbose = FALSE;
  gint idle_timeout = DEFAULT_IDLE_TIMEOUT;
  /* Static: the worker thread may run the filter until the process ends. */
  static Daemon daemon;
  guint owner_id;
  const GOptionEntry entries[] = {
    { "replace", 'r', 0, G_OPTION_ARG_NONE, &replace, N_ ("Replace the running instance"), NULL },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout,
      N_ ("Exit after this many seconds without a call (default 120; 0: never)"), N_ ("SECONDS") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_ ("Log debug messages to stderr"), NULL },
    { NULL },
  };

  gmo_program_init ();
  gmo_process_keep_secrets ();
  gmo_broker_keep_unsaved ();
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
  if (argc > 1 || idle_timeout < 0)
    {
      g_printerr (_ ("gmail-oauthd: takes no arguments, and the idle timeout must not be negative\n"));
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
  daemon.cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify)gmo_daemon_cached_token_free);
  g_mutex_init (&daemon.cache_lock);
  daemon.callers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify)gmo_daemon_caller_unref);
  daemon.handouts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  daemon.last_call = g_get_monotonic_time ();
  daemon.refreshes = g_hash_table_new (g_str_hash, g_str_equal);
  daemon.min_valid = gmo_broker_min_valid_default ();
  daemon.token_url = g_strdup (gmo_client_token_url_setting ());
  daemon.idle_timeout = (guint)idle_timeout;
  daemon.watchdog_timeout = DEFAULT_WATCHDOG_TIMEOUT;
  daemon.exit_status = GMO_EXIT_OK;
  daemon.skeleton = gmo_broker1_skeleton_new ();
  g_signal_connect (daemon.skeleton, "handle-get-access-token",
                    G_CALLBACK (gmo_daemon_on_handle_get_access_token), &daemon);
  g_signal_connect (daemon.skeleton, "handle-refresh", G_CALLBACK (gmo_daemon_on_handle_refresh),
                    &daemon);
  g_signal_connect (daemon.skeleton, "handle-request-token",
                    G_CALLBACK (gmo_daemon_on_handle_request_token), &daemon);
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
  gmo_daemon_answer_pending (&daemon);
  gmo_daemon_attention_stop (&daemon);
  if (!gmo_broker_flush_unsaved ())
    g_warning ("Exiting with a rotated grant the keyring did not take: it is lost");
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
