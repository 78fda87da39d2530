/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which account a keyring-backed tool uses: the one its arguments name, else
 * the only one stored. Finding the only one asks gmail-oauthd, which reads
 * every record of the keyring (or reads them here when it cannot answer):
 * about a millisecond, more than the rest of a cached call. A running server
 * remembers it instead, and forgets it as soon as the Secret Service says that
 * its records changed, so that an account added or removed by another process
 * is seen by the next call; so are the access tokens it keeps in memory (a
 * record removed must not be served from memory). */
#include "config.h"

#include <glib/gi18n.h>

#include "gmo-broker.h"
#include "gmo-client.h"
#include "gmo-curl.h"
#include "gmo-error.h"
#include "gmo-keyring.h"
#include "gmo-mcp-tools.h"
#include "gmo-store.h"

/* How long the round trip to the bus that brings in the keyring's signals
 * may take before the records are read instead. */
#define SYNC_TIMEOUT_MS 5000

static struct
{
  GMutex lock;
  GDBusConnection *bus;  /* (nullable): where the keyring's signals come, once watched */
  GMainContext *context; /* their callbacks wait there until sync_changes() runs them */
  gchar *account;        /* (nullable): the only account stored, until the keyring changes */
} remembered;

static void
on_keyring_changed (GDBusConnection *connection, const gchar *sender, const gchar *path,
                    const gchar *interface, const gchar *member, GVariant *parameters,
                    gpointer user_data)
{
  g_clear_pointer (&remembered.account, g_free);
  gmo_broker_forget_tokens ();
}

/* Starts watching the keyring, once; FALSE with @error set if there is no
 * session bus. With @preload, libcurl starts loading (gmo_curl_preload()) as
 * soon as the bus is connected. */
static gboolean
watch_keyring (gboolean preload, GError **error)
{
  if (remembered.bus != NULL)
    return TRUE;
  /* Holding the connection also keeps libsecret and gmail-oauthd's client on
   * it: they get the same one. */
  remembered.bus = gmo_keyring_get_bus (NULL, error);
  if (remembered.bus == NULL)
    return FALSE;
  /* A call that makes a request gets a token first: libcurl loads meanwhile.
   * After the bus connection, which starts GLib's threads (a thread cannot
   * start while another maps libraries: the loader's lock), and before the
   * watch's calls, which need not wait for it. */
  if (preload)
    gmo_curl_preload ();
  remembered.context = g_main_context_new ();
  g_main_context_push_thread_default (remembered.context);
  gmo_keyring_watch (remembered.bus, on_keyring_changed, NULL);
  g_main_context_pop_thread_default (remembered.context);
  return TRUE;
}

/* Runs the callbacks of every keyring signal sent before now. The bus
 * delivers the Secret Service's signals in order with its answers, and the
 * Secret Service signals a change before it answers the process that made
 * it: after a round trip to the bus, every change finished elsewhere is in.
 * Returns FALSE if the bus did not answer. */
static gboolean
sync_changes (void)
{
  g_autoptr (GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (remembered.bus, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus.Peer", "Ping",
                                       NULL, NULL, G_DBUS_CALL_FLAGS_NONE, SYNC_TIMEOUT_MS, NULL,
                                       NULL);
  if (reply == NULL)
    return FALSE;
  while (g_main_context_iteration (remembered.context, FALSE))
    ;
  return TRUE;
}

/* The only stored account. */
static gchar *
only_account (GError **error)
{
  g_autoptr (GPtrArray) grants = gmo_client_list_accounts (error);
  g_autoptr (GString) names = NULL;

  if (grants == NULL)
    return NULL;
  if (grants->len == 1)
    {
      const GmoGrant *only = g_ptr_array_index (grants, 0);

      /* Its token, if it was read here: the broker need not read it again. */
      gmo_broker_offer_token (only);
      return g_strdup (only->account);
    }
  if (grants->len == 0)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_NO_ACCOUNT,
                   _("No account is stored; add one with “gmail-oauth login” or "
                     "“gmail-oauth import”"));
      return NULL;
    }
  names = g_string_new (NULL);
  for (guint i = 0; i < grants->len; i++)
    g_string_append_printf (names, "%s%s", i > 0 ? ", " : "",
                            ((GmoGrant *) g_ptr_array_index (grants, i))->account);
  g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
               _("Several accounts are stored (%s); name one in the account argument"),
               names->str);
  return NULL;
}

/**
 * gmo_mcp_follow_keyring:
 * @for_request: the call will make a Gmail API request (libcurl then starts
 *   loading in another thread, if it has not)
 * @error: return location for an error
 *
 * For every keyring-backed call, first: starts following the keyring's
 * changes (once; the session bus is then held for the server's life, and
 * gmail-oauthd sees one caller), and takes in those that came since the last
 * call, without a round trip: the signals of a change made before this call
 * was sent are in by now.
 *
 * Returns: %FALSE with a %GMO_ERROR_KEYRING @error if there is no session bus.
 */
gboolean
gmo_mcp_follow_keyring (gboolean for_request, GError **error)
{
  gboolean watching;

  g_mutex_lock (&remembered.lock);
  watching = remembered.bus != NULL || watch_keyring (for_request, error);
  if (for_request && watching)
    gmo_curl_preload ();
  while (watching && g_main_context_iteration (remembered.context, FALSE))
    ;
  g_mutex_unlock (&remembered.lock);
  return watching;
}

/**
 * gmo_mcp_pick_account:
 * @arguments: a call's arguments, with an optional "account"
 * @error: return location for an error
 *
 * Returns: (transfer full): the account to use: the argument, else the only
 * stored one.
 */
gchar *
gmo_mcp_pick_account (json_object *arguments, GError **error)
{
  const gchar *account = NULL;
  gboolean watching;
  gchar *only;

  if (!gmo_mcp_args_get_string (arguments, "account", &account, error))
    return NULL;
  if (account != NULL)
    return g_strdup (account);

  g_mutex_lock (&remembered.lock);
  /* The watch starts before the records are read: a change after the read
   * is then signalled. */
  watching = watch_keyring (FALSE, NULL);
  if (watching && remembered.account != NULL && sync_changes () && remembered.account != NULL)
    {
      only = g_strdup (remembered.account);
      g_mutex_unlock (&remembered.lock);
      return only;
    }
  g_clear_pointer (&remembered.account, g_free);
  only = only_account (error);
  if (only != NULL && watching)
    remembered.account = g_strdup (only);
  g_mutex_unlock (&remembered.lock);
  return only;
}
