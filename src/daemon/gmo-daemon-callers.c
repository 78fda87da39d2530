/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmail-oauthd's callers: who is asking. The bus tells each connection's uid
 * and pid (GetConnectionCredentials) and its security label; a Flatpak app is
 * known by its /.flatpak-info, read through /proc/PID/root, and a snap by its
 * AppArmor label, as xdg-desktop-portal knows them. Callers of another uid are
 * refused, and sandboxed apps unless the user allowed that app for that
 * account (gmo-policy.c). What the bus said of a connection is kept while it
 * lasts (unique names are never reused), so that the fast path knows it. */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "gmo-daemon.h"
#include "gmo-error.h"
#include "gmo-policy.h"

/* How long the bus may take to say who is calling. */
#define CREDENTIALS_MS 5000
/* The callers kept; beyond, all are forgotten (and asked about again). */
#define MAX_CALLERS 1024

/* One connection, as the bus and its /proc entry describe it; immutable,
 * reference-counted (g_atomic_rc_box) so that the worker thread may hold one. */
struct _GmoDaemonCaller
{
  gchar *sender;
  gboolean known; /* the bus answered */
  guint32 uid;
  guint32 pid;
  gchar *app_id; /* nullable: not sandboxed; "": sandboxed, the app unknown */
};

static void
caller_clear (GmoDaemonCaller *caller)
{
  g_free (caller->sender);
  g_free (caller->app_id);
}

GmoDaemonCaller *
gmo_daemon_caller_ref (GmoDaemonCaller *caller)
{
  return g_atomic_rc_box_acquire (caller);
}

void
gmo_daemon_caller_unref (GmoDaemonCaller *caller)
{
  g_atomic_rc_box_release_full (caller, (GDestroyNotify)caller_clear);
}

/* Returns: (transfer full) (nullable): what is known of @sender. Any thread. */
static GmoDaemonCaller *
caller_lookup (Daemon *daemon, const gchar *sender)
{
  GmoDaemonCaller *caller;

  g_mutex_lock (&daemon->cache_lock);
  caller = sender != NULL ? g_hash_table_lookup (daemon->callers, sender) : NULL;
  if (caller != NULL)
    gmo_daemon_caller_ref (caller);
  g_mutex_unlock (&daemon->cache_lock);
  return caller;
}

/**
 * gmo_daemon_caller_may_get:
 * @caller: a caller
 * @account: a normalised account
 * @error: return location for an org.freedesktop.DBus.Error.AccessDenied error
 *
 * Returns: whether @caller may get the tokens of @account: it runs as our
 * user, and is not sandboxed or is an app the user allowed for @account.
 */
gboolean
gmo_daemon_caller_may_get (const GmoDaemonCaller *caller, const gchar *account, GError **error)
{
  if (!caller->known || caller->uid != getuid ())
    {
      g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                   _ ("gmail-oauthd serves the processes of its own user only"));
      return FALSE;
    }
  if (caller->app_id == NULL || gmo_policy_allows (account, caller->app_id))
    return TRUE;
  if (*caller->app_id == '\0')
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                 /* Translators: %s is an e-mail address. */
                 _ ("A sandboxed application that does not say which it is may not get the "
                    "tokens of %s"),
                 account);
  else
    g_set_error (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED,
                 /* Translators: the first and third %s are an application id, the second
                  * and fourth an e-mail address. */
                 _ ("The application %s may not get the tokens of %s; to allow it, run "
                    "“gmail-oauth allow %s %s”"),
                 caller->app_id, account, account, caller->app_id);
  return FALSE;
}

/**
 * gmo_daemon_caller_is_sandboxed:
 * @caller: a caller
 *
 * Returns: whether @caller is a sandboxed application (or cannot be told from one).
 */
gboolean
gmo_daemon_caller_is_sandboxed (const GmoDaemonCaller *caller)
{
  return caller->app_id != NULL;
}

/**
 * gmo_daemon_caller_may_get_at_once:
 * @daemon: the daemon
 * @sender: (nullable): a unique bus name
 * @account: a normalised account
 *
 * For the fast path, on the worker thread: a caller already known, of our
 * user and not sandboxed (an app's permission is read from a file: that is
 * for the main thread).
 *
 * Returns: whether @sender may be answered without asking anything.
 */
gboolean
gmo_daemon_caller_may_get_at_once (Daemon *daemon, const gchar *sender, const gchar *account)
{
  g_autoptr (GmoDaemonCaller) caller = caller_lookup (daemon, sender);

  return caller != NULL && caller->app_id == NULL
         && gmo_daemon_caller_may_get (caller, account, NULL);
}

/**
 * gmo_daemon_caller_log_handout:
 * @daemon: the daemon
 * @sender: (nullable): who got a token
 * @account: whose token
 *
 * Logs at debug level who got a token, never the token. Any thread.
 */
void
gmo_daemon_caller_log_handout (Daemon *daemon, const gchar *sender, const gchar *account)
{
  g_autoptr (GmoDaemonCaller) caller = caller_lookup (daemon, sender);

  if (caller == NULL)
    g_debug ("Handed a token of %s to %s", account, sender);
  else
    g_debug ("Handed a token of %s to %s (uid %u, pid %u%s%s)", account, sender, caller->uid,
             caller->pid, caller->app_id != NULL ? ", app " : "",
             caller->app_id != NULL ? caller->app_id : "");
}

/* What the identifying thread needs. */
typedef struct
{
  Daemon *daemon; /* for its connection only */
  gchar *sender;
} IdentifyJob;

static void
identify_job_free (IdentifyJob *job)
{
  g_free (job->sender);
  g_free (job);
}

/* In a thread: what the bus says of the sender, and what its /proc tells. */
static void
identify_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  const IdentifyJob *job = task_data;
  Daemon *daemon = job->daemon;
  const gchar *sender = job->sender;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) credentials = NULL;
  g_autoptr (GVariant) label = NULL;
  g_autoptr (GError) error = NULL;
  GmoDaemonCaller *caller = g_atomic_rc_box_new0 (GmoDaemonCaller);

  caller->sender = g_strdup (sender);
  reply = g_dbus_connection_call_sync (
      daemon->connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "GetConnectionCredentials", g_variant_new ("(s)", sender), G_VARIANT_TYPE ("(a{sv})"),
      G_DBUS_CALL_FLAGS_NONE, CREDENTIALS_MS, cancellable, &error);
  if (reply != NULL)
    {
      g_variant_get (reply, "(@a{sv})", &credentials);
      caller->known = g_variant_lookup (credentials, "UnixUserID", "u", &caller->uid)
                      && g_variant_lookup (credentials, "ProcessID", "u", &caller->pid);
      label = g_variant_lookup_value (credentials, "LinuxSecurityLabel", G_VARIANT_TYPE_BYTESTRING);
    }
  else
    g_debug ("The bus does not say who %s is: %s", sender, error->message);

  if (caller->known)
    {
      g_autofree gchar *path = g_strdup_printf ("/proc/%u/root/.flatpak-info", caller->pid);
      g_autofree gchar *info = NULL;
      g_autoptr (GError) file_error = NULL;
      gsize len;

      if (g_file_get_contents (path, &info, &len, &file_error))
        caller->app_id = gmo_policy_app_id_from_flatpak_info (info, len);
      else if (!g_error_matches (file_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        /* A root we may not look into: nothing to tell it from a sandbox. */
        caller->app_id = g_strdup ("");
      else if (label != NULL)
        caller->app_id = gmo_policy_app_id_from_label (g_variant_get_bytestring (label));
      g_debug ("Caller %s: uid %u, pid %u, %s%s", sender, caller->uid, caller->pid,
               caller->app_id == NULL ? "not sandboxed" : "app ",
               caller->app_id == NULL    ? ""
               : *caller->app_id != '\0' ? caller->app_id
                                         : "(unknown)");
    }
  g_task_return_pointer (task, caller, (GDestroyNotify)gmo_daemon_caller_unref);
}

typedef struct
{
  Daemon *daemon;
  GDBusMethodInvocation *invocation;
  GmoDaemonCallerFunc func;
  gpointer data;
  GDestroyNotify notify;
} CallerWait;

static void
on_identified (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  CallerWait *wait = user_data;
  Daemon *daemon = wait->daemon;
  g_autoptr (GmoDaemonCaller) caller = g_task_propagate_pointer (G_TASK (result), NULL);

  /* An unknown caller is kept too: it is refused, and asking again would not help. */
  g_mutex_lock (&daemon->cache_lock);
  if (g_hash_table_size (daemon->callers) >= MAX_CALLERS)
    g_hash_table_remove_all (daemon->callers);
  g_hash_table_replace (daemon->callers, g_strdup (caller->sender), gmo_daemon_caller_ref (caller));
  g_mutex_unlock (&daemon->cache_lock);
  wait->func (daemon, wait->invocation, caller, wait->data);
  if (wait->notify != NULL)
    wait->notify (wait->data);
  g_free (wait);
}

/**
 * gmo_daemon_with_caller:
 * @daemon: the daemon
 * @invocation: a call
 * @func: called on the main thread with the caller of @invocation
 * @data: for @func
 * @notify: (nullable): frees @data after @func
 *
 * Runs @func once the caller of @invocation is known: at once when it is, else
 * after asking the bus (in a thread).
 */
void
gmo_daemon_with_caller (Daemon *daemon, GDBusMethodInvocation *invocation, GmoDaemonCallerFunc func,
                        gpointer data, GDestroyNotify notify)
{
  const gchar *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr (GmoDaemonCaller) caller = caller_lookup (daemon, sender);
  g_autoptr (GTask) task = NULL;
  IdentifyJob *job;
  CallerWait *wait;

  if (caller != NULL)
    {
      func (daemon, invocation, caller, data);
      if (notify != NULL)
        notify (data);
      return;
    }
  wait = g_new0 (CallerWait, 1);
  wait->daemon = daemon;
  wait->invocation = invocation;
  wait->func = func;
  wait->data = data;
  wait->notify = notify;
  job = g_new0 (IdentifyJob, 1);
  job->daemon = daemon;
  job->sender = g_strdup (sender != NULL ? sender : "");
  task = g_task_new (NULL, NULL, on_identified, wait);
  g_task_set_source_tag (task, gmo_daemon_with_caller);
  g_task_set_task_data (task, job, (GDestroyNotify)identify_job_free);
  g_task_run_in_thread (task, identify_thread);
}
