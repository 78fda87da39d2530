/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Secret Service as every door meets it: a session bus that may not
 * answer, a keyring that may be locked (with or without a way to prompt), a
 * daemon that may have been restarted under a long-running process. One
 * search per operation, through D-Bus paths; the records themselves are
 * gmo-store.c's (ours) and gmo-git-storage.c's (git's). */
#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "gmo-error.h"
#include "gmo-keyring.h"
#include "gmo-libsecret.h"
#include "gmo-util.h"

/**
 * gmo_keyring_error:
 * @error: return location for the error
 * @cause: what libsecret or GDBus said
 * @account: (nullable): the account concerned, for the message
 *
 * Sets @error to the %GMO_ERROR_KEYRING class (%GMO_ERROR_TRANSIENT when
 * @cause is a cancellation), naming @account and @cause.
 */
void
gmo_keyring_error (GError **error, const GError *cause, const gchar *account)
{
  if (g_error_matches (cause, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT, _("Cancelled"));
  else if (account != NULL)
    g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING,
                 _("The keyring is not available for %s (start or unlock the keyring): %s"),
                 account, cause->message);
  else
    g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING,
                 _("The keyring is not available (start or unlock the keyring): %s"),
                 cause->message);
}

/* How long a caller waits for the session bus to let it in. */
#define BUS_CONNECT_SECONDS 5

typedef struct
{
  GDBusConnection *connection;
  GError *error;
  gboolean done;
} BusWait;

static void
on_bus_got (GObject *source, GAsyncResult *result, gpointer user_data)
{
  BusWait *wait = user_data;

  wait->connection = g_bus_get_finish (result, &wait->error);
  wait->done = TRUE;
}

static gboolean
on_bus_timeout (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

/**
 * gmo_keyring_get_bus:
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR_KEYRING error
 *
 * Connects to the session bus, where the Secret Service is, within
 * %BUS_CONNECT_SECONDS. libsecret connects with g_bus_get_sync(), which waits
 * for ever on a bus that accepts the connection and never answers; connecting
 * first bounds that wait, and afterwards GLib hands libsecret the same
 * connection.
 *
 * Returns: (transfer full): the session bus, or %NULL with @error set.
 */
GDBusConnection *
gmo_keyring_get_bus (GCancellable *cancellable, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GCancellable) timeout = g_cancellable_new ();
  g_autoptr (GSource) timer = g_timeout_source_new_seconds (BUS_CONNECT_SECONDS);
  gulong forward = 0;
  BusWait wait = { NULL };

  g_main_context_push_thread_default (context);
  if (cancellable != NULL)
    forward = gmo_cancellable_forward (cancellable, timeout);
  g_source_set_callback (timer, on_bus_timeout, timeout, NULL);
  g_source_attach (timer, context);
  g_bus_get (G_BUS_TYPE_SESSION, timeout, on_bus_got, &wait);
  while (!wait.done)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timer);
  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, forward);
  g_main_context_pop_thread_default (context);

  if (wait.connection != NULL)
    return wait.connection;
  if (g_error_matches (wait.error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
      && !g_cancellable_is_cancelled (cancellable))
    g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING,
                 _("The session bus did not answer within %d seconds: the keyring cannot be "
                   "reached"),
                 BUS_CONNECT_SECONDS);
  else
    gmo_keyring_error (error, wait.error, NULL);
  g_error_free (wait.error);
  return NULL;
}

/**
 * gmo_keyring_connect:
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR_KEYRING error, or the
 *   %G_IO_ERROR_FAILED of gmo_libsecret_load()
 *
 * gmo_keyring_get_bus() for its bound alone, then loads libsecret. Call it
 * before any libsecret call.
 *
 * Returns: %TRUE if the session bus answered and libsecret is loaded.
 */
gboolean
gmo_keyring_connect (GCancellable *cancellable, GError **error)
{
  g_autoptr (GDBusConnection) connection = gmo_keyring_get_bus (cancellable, error);

  return connection != NULL && gmo_libsecret_load (error);
}

/**
 * gmo_keyring_watch:
 * @connection: the session bus
 * @callback: called for each signal of the Secret Service and for each
 *   change of its owner, in the thread-default main context of the caller
 * @user_data: for @callback
 *
 * Asks the bus for the signals that say the keyring changed: every signal of
 * the Secret Service (items created, changed or deleted, collections locked,
 * created or deleted) and the replacement or end of its daemon. The bus
 * sends them in order with everything else, so that after a round trip to
 * the bus every change another process has finished is in.
 */
void
gmo_keyring_watch (GDBusConnection *connection, GDBusSignalCallback callback, gpointer user_data)
{
  g_dbus_connection_signal_subscribe (connection, GMO_KEYRING_SERVICE_NAME, NULL, NULL, NULL, NULL,
                                      G_DBUS_SIGNAL_FLAGS_NONE, callback, user_data, NULL);
  g_dbus_connection_signal_subscribe (connection, "org.freedesktop.DBus", "org.freedesktop.DBus",
                                      "NameOwnerChanged", "/org/freedesktop/DBus",
                                      GMO_KEYRING_SERVICE_NAME, G_DBUS_SIGNAL_FLAGS_NONE, callback,
                                      user_data, NULL);
}

/* libsecret keeps one SecretService per process, bound to the daemon it
 * first met. In a process that does not run the main loop (the MCP server)
 * it never hears that the daemon was replaced or restarted, and every later
 * call goes to a name that is gone. Returns whether @error says so, after
 * forgetting that instance so that the next call connects again. */
gboolean
gmo_keyring_reconnect_if_gone (const GError *error)
{
  if (!g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN)
      && !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    return FALSE;
  g_debug ("The Secret Service went away (%s); connecting again", error->message);
  secret_service_disconnect ();
  return TRUE;
}

/* An unlock prompt is a window: without a display nobody can answer it, and
 * gnome-keyring then fails it, or keeps callers waiting in its prompt queue. */
static gboolean
can_prompt (void)
{
  const gchar *display = g_getenv ("DISPLAY");
  const gchar *wayland = g_getenv ("WAYLAND_DISPLAY");

  return (display != NULL && *display != '\0') || (wayland != NULL && *wayland != '\0');
}

static void
locked_error (GError **error, const gchar *account)
{
  if (account != NULL)
    g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING,
                 /* Translators: %s is an e-mail address. */
                 _("The keyring holding %s is locked: unlock it (log in to the desktop, or "
                   "run “gnome-keyring-daemon --unlock” and type the keyring password), then "
                   "try again"),
                 account);
  else
    g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING,
                 _("The keyring is locked: unlock it (log in to the desktop, or run "
                   "“gnome-keyring-daemon --unlock” and type the keyring password), then try "
                   "again"));
}

/**
 * gmo_keyring_search:
 * @schema: the schema of the items
 * @attributes: (element-type utf8 utf8): the attributes to match
 * @account: (nullable): the account searched for, for messages
 * @out_service: (out) (transfer full): the Secret Service
 * @out_paths: (out) (transfer full) (array zero-terminated=1): the D-Bus paths
 *   of the matching items, all unlocked; empty when none match
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR_KEYRING error
 *
 * One SearchItems call. Locked items are unlocked when a prompt can appear
 * (a display); headless, or when the prompt is dismissed, a locked item is a
 * %GMO_ERROR_KEYRING error saying so: never an absent item, never a wait.
 *
 * Returns: %TRUE on success, even if nothing matched.
 */
gboolean
gmo_keyring_search (const SecretSchema *schema, GHashTable *attributes, const gchar *account,
                    SecretService **out_service, gchar ***out_paths, GCancellable *cancellable,
                    GError **error)
{
  g_autoptr (SecretService) service = NULL;
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) unlocked = NULL;
  g_auto (GStrv) locked = NULL;

  for (guint attempt = 0; attempt < 2; attempt++)
    {
      /* Held until libsecret has its own reference: GLib forgets the bus
       * with its last reference, and libsecret would connect once more. */
      g_autoptr (GDBusConnection) bus = NULL;

      g_clear_error (&local_error);
      g_clear_object (&service);
      bus = gmo_keyring_get_bus (cancellable, error);
      if (bus == NULL || !gmo_libsecret_load (error))
        return FALSE;
      service = secret_service_get_sync (SECRET_SERVICE_OPEN_SESSION, cancellable, &local_error);
      if (service != NULL)
        secret_service_search_for_dbus_paths_sync (service, schema, attributes, cancellable,
                                                   &unlocked, &locked, &local_error);
      if (!gmo_keyring_reconnect_if_gone (local_error))
        break;
    }
  if (local_error != NULL)
    {
      gmo_keyring_error (error, local_error, account);
      return FALSE;
    }
  if (locked != NULL && locked[0] != NULL)
    {
      g_auto (GStrv) now_unlocked = NULL;
      g_autoptr (GStrvBuilder) all = g_strv_builder_new ();

      if (!can_prompt ()
          || secret_service_unlock_dbus_paths_sync (service, (const gchar **) locked, cancellable,
                                                    &now_unlocked, &local_error)
                 < (gint) g_strv_length (locked))
        {
          if (local_error != NULL && !g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            g_debug ("Unlocking failed: %s", local_error->message);
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            gmo_keyring_error (error, local_error, account);
          else
            locked_error (error, account);
          return FALSE;
        }
      if (unlocked != NULL)
        g_strv_builder_addv (all, (const gchar **) unlocked);
      g_strv_builder_addv (all, (const gchar **) now_unlocked);
      g_strfreev (unlocked);
      unlocked = g_strv_builder_end (all);
    }
  if (unlocked == NULL)
    unlocked = g_new0 (gchar *, 1);
  *out_service = g_steal_pointer (&service);
  *out_paths = g_steal_pointer (&unlocked);
  return TRUE;
}
