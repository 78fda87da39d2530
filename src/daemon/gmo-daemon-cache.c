/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmail-oauthd's cache: access tokens kept in memory in front of the
 * keyring, read and written by the main loop and by the GDBus worker thread,
 * which answers a cached-token call at once (the fast path) and drops the
 * cache when the Secret Service reports a change. */
#include "config.h"

#include "gmo-broker.h"
#include "gmo-daemon.h"
#include "gmo-keyring.h"
#include "gmo-store.h"
#include "gmo-util.h"

static guint64 keyring_generation (Daemon *daemon);

/**
 * gmo_daemon_cached_token_new:
 * @daemon: the daemon
 * @grant: the grant read or refreshed
 * @refreshed: whether this task refreshed it
 *
 * A task's result, made right after its last keyring call (see
 * gmo_daemon_cache_put_since()).
 *
 * Returns: (transfer full): the token.
 */
CachedToken *
gmo_daemon_cached_token_new (Daemon *daemon, const GmoGrant *grant, gboolean refreshed)
{
  CachedToken *token = g_new0 (CachedToken, 1);

  token->generation = keyring_generation (daemon);
  token->access_token = gmo_secret_dup (grant->access_token);
  token->expires_at = grant->expires_at;
  token->scopes = g_strdup (grant->scopes);
  gmo_handout_tag (grant->access_token, token->tag);
  token->refreshed = refreshed;
  return token;
}

/**
 * gmo_daemon_cached_token_copy:
 * @token: a token
 *
 * Returns: (transfer full): a copy of @token.
 */
CachedToken *
gmo_daemon_cached_token_copy (const CachedToken *token)
{
  CachedToken *copy = g_memdup2 (token, sizeof *token);

  copy->access_token = gmo_secret_dup (token->access_token);
  copy->scopes = g_strdup (token->scopes);
  return copy;
}

void
gmo_daemon_cached_token_free (CachedToken *token)
{
  if (token == NULL)
    return;
  gmo_secret_free (token->access_token);
  g_free (token->scopes);
  g_free (token);
}

/**
 * gmo_daemon_token_answer:
 * @token: a token
 * @method: the method answered
 *
 * Returns: (transfer floating): the answer of @method with @token: "(sx)",
 * or "(sxa{sv})" for RequestToken.
 */
GVariant *
gmo_daemon_token_answer (const CachedToken *token, const gchar *method)
{
  GVariantDict details;

  if (g_strcmp0 (method, "RequestToken") != 0)
    return g_variant_new ("(sx)", token->access_token, token->expires_at);
  g_variant_dict_init (&details, NULL);
  if (token->scopes != NULL)
    g_variant_dict_insert (&details, "scope", "s", token->scopes);
  return g_variant_new ("(sx@a{sv})", token->access_token, token->expires_at,
                        g_variant_dict_end (&details));
}

/* ---- the cache, shared with the worker thread ---- */

/* The handout record of @account: in memory, read from the one the direct
 * path keeps on disk the first time (so that a record outlives the service,
 * which exits when idle, and the two paths check alike). The caller holds
 * cache_lock. */
static GmoHandout *
handout_of (Daemon *daemon, const gchar *account)
{
  GmoHandout *handout = g_hash_table_lookup (daemon->handouts, account);

  if (handout == NULL)
    {
      handout = g_new0 (GmoHandout, 1);
      gmo_handout_load (account, handout);
      g_hash_table_insert (daemon->handouts, g_strdup (account), handout);
    }
  return handout;
}

/**
 * gmo_daemon_cache_answer:
 * @daemon: the daemon
 * @account: a normalised account
 * @flags: the call's flags: with %GMO_BROKER_OWN_USE, the caller uses the
 *   token itself and refreshes after a refusal (the Gmail API client of
 *   another process): it is neither checked nor recorded as a handout, as on
 *   the direct path
 * @min_valid: the margin in seconds
 * @method: the method answered
 * @out_to_check: (out) (optional) (transfer full): the cached token when it
 *   is fresh but must be checked with Google before it is handed out again
 *   (gmo_handout_needs_check()), else left alone
 *
 * Returns: (transfer full) (nullable): the answer of @method for @account if
 * its cached token has more than @min_valid seconds left and needs no check;
 * the handout is recorded.
 */
GVariant *
gmo_daemon_cache_answer (Daemon *daemon, const gchar *account, GmoBrokerFlags flags,
                         gint64 min_valid, const gchar *method, CachedToken **out_to_check)
{
  const CachedToken *cached;
  GVariant *answer = NULL;
  GmoHandout *handout;
  gint64 now = gmo_now ();

  g_mutex_lock (&daemon->cache_lock);
  cached = g_hash_table_lookup (daemon->cache, account);
  if (cached != NULL && cached->expires_at - now > min_valid)
    {
      handout = handout_of (daemon, account);
      if ((flags & GMO_BROKER_OWN_USE) || !gmo_handout_needs_check (handout, cached->tag, now))
        {
          if (!(flags & GMO_BROKER_OWN_USE))
            gmo_handout_record (account, handout, cached->tag, now, FALSE);
          answer = g_variant_ref_sink (gmo_daemon_token_answer (cached, method));
        }
      else if (out_to_check != NULL)
        *out_to_check = gmo_daemon_cached_token_copy (cached);
    }
  g_mutex_unlock (&daemon->cache_lock);
  return answer;
}

/* Whether a token of @account with @tag must be checked before it is handed out. */
gboolean
gmo_daemon_cache_needs_check (Daemon *daemon, const gchar *account, const gchar *tag)
{
  gboolean needs;

  g_mutex_lock (&daemon->cache_lock);
  needs = gmo_handout_needs_check (handout_of (daemon, account), tag, gmo_now ());
  g_mutex_unlock (&daemon->cache_lock);
  return needs;
}

/* Records that a task's @token was handed out (checked, if the task checked it). */
void
gmo_daemon_cache_note_handout (Daemon *daemon, const gchar *account, const CachedToken *token)
{
  g_mutex_lock (&daemon->cache_lock);
  gmo_handout_record (account, handout_of (daemon, account), token->tag, gmo_now (),
                      token->checked);
  g_mutex_unlock (&daemon->cache_lock);
}

/**
 * gmo_daemon_cache_put_since:
 * @daemon: the daemon
 * @account: a normalised account
 * @token: a task's result
 *
 * Caches a copy of @token unless the keyring changed since @token was made
 * (its generation, the count right after the keyring call that read or wrote
 * it): the Secret Service signals a change before it answers a later call, so
 * a change that came before our call is in what we read (or overwritten by
 * what we wrote), and one after it leaves the token uncached. (Only a change
 * signalled in the instant between the answer and the task's look at the
 * count escapes; the token's own expiry bounds what that costs.)
 */
void
gmo_daemon_cache_put_since (Daemon *daemon, const gchar *account, const CachedToken *token)
{
  CachedToken *copy;

  g_mutex_lock (&daemon->cache_lock);
  if (daemon->keyring_generation == token->generation)
    {
      copy = gmo_daemon_cached_token_copy (token);
      copy->refreshed = copy->checked = FALSE;
      g_hash_table_replace (daemon->cache, g_strdup (account), copy);
    }
  g_mutex_unlock (&daemon->cache_lock);
}

/* The keyring changed: an item written or deleted by anyone (this process
 * too), a collection locked or unlocked, the Secret Service replaced. A
 * cached token may no longer be what the keyring holds or would give out, so
 * the next call reads the keyring again. */
static void
cache_drop_all (Daemon *daemon)
{
  g_mutex_lock (&daemon->cache_lock);
  daemon->keyring_generation++;
  g_hash_table_remove_all (daemon->cache);
  g_mutex_unlock (&daemon->cache_lock);
}

static guint64
keyring_generation (Daemon *daemon)
{
  guint64 generation;

  g_mutex_lock (&daemon->cache_lock);
  generation = daemon->keyring_generation;
  g_mutex_unlock (&daemon->cache_lock);
  return generation;
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

/* ---- the fast path, and the keyring's changes ---- */

/* Whether @message is a signal saying that the keyring changed (see
 * cache_drop_all()). The bus sends us the Secret Service's signals because
 * gmo_daemon_watch_keyring() asked for them. */
static gboolean
is_keyring_change (GDBusMessage *message)
{
  const gchar *interface = g_dbus_message_get_interface (message);
  GVariant *body;
  const gchar *name;

  if (g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_SIGNAL)
    return FALSE;
  if (g_strcmp0 (interface, "org.freedesktop.Secret.Service") == 0
      || g_strcmp0 (interface, "org.freedesktop.Secret.Collection") == 0
      || g_strcmp0 (interface, "org.freedesktop.Secret.Item") == 0)
    return TRUE;
  if (g_strcmp0 (interface, "org.freedesktop.DBus") != 0
      || g_strcmp0 (g_dbus_message_get_member (message), "NameOwnerChanged") != 0)
    return FALSE;
  body = g_dbus_message_get_body (message);
  if (body == NULL || !g_variant_is_of_type (body, G_VARIANT_TYPE ("(sss)")))
    return FALSE;
  g_variant_get (body, "(&sss)", &name, NULL, NULL);
  return g_str_equal (name, GMO_KEYRING_SERVICE_NAME);
}

/* The account, flags and margin of a cached-token request, if @message is one:
 * GetAccessToken, or RequestToken without "refresh" and with our endpoint. */
static gboolean
is_cache_request (Daemon *daemon, GDBusMessage *message, const gchar **out_account,
                  GmoBrokerFlags *out_flags, gint64 *out_min_valid)
{
  const gchar *member = g_dbus_message_get_member (message);
  GVariant *body = g_dbus_message_get_body (message);
  g_autoptr (GVariant) options = NULL;
  gboolean other_endpoint;

  if (g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_CALL
      || (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED)
      || g_strcmp0 (g_dbus_message_get_interface (message), INTERFACE) != 0
      || g_strcmp0 (g_dbus_message_get_path (message), OBJECT_PATH) != 0 || body == NULL)
    return FALSE;
  if (g_strcmp0 (member, "GetAccessToken") == 0
      && g_variant_is_of_type (body, G_VARIANT_TYPE ("(s)")))
    {
      g_variant_get (body, "(&s)", out_account);
      *out_flags = GMO_BROKER_FLAGS_NONE;
      *out_min_valid = daemon->min_valid;
      return TRUE;
    }
  if (g_strcmp0 (member, "RequestToken") != 0
      || !g_variant_is_of_type (body, G_VARIANT_TYPE ("(sa{sv})")))
    return FALSE;
  g_variant_get (body, "(&s@a{sv})", out_account, &options);
  /* Anything else, a bad option included, is for the skeleton to answer. */
  return gmo_daemon_parse_options (daemon, options, out_flags, out_min_valid, &other_endpoint,
                                   NULL)
         && !(*out_flags & GMO_BROKER_FORCE_REFRESH);
}

/* Runs on the GDBus worker thread for every incoming message, in the order
 * they came. A cached-token request that the cache can answer is answered
 * right here: that saves two thread switches per call (to the main loop and
 * back), which is most of the service's share of a call's latency. A change
 * of the keyring drops the cache here too, before any call that came after
 * it is answered: the Secret Service sends its signals before its replies,
 * so a caller that has just removed or replaced a record is never answered
 * from the old one. Everything else goes on to the skeleton, which also
 * answers malformed calls. */
GDBusMessage *
gmo_daemon_on_incoming_message (GDBusConnection *connection, GDBusMessage *message,
                                gboolean incoming, gpointer user_data)
{
  Daemon *daemon = user_data;
  g_autofree gchar *account = NULL;
  g_autoptr (GDBusMessage) reply = NULL;
  GVariant *answer;
  const gchar *raw_account;
  GmoBrokerFlags flags;
  gint64 min_valid;

  if (!incoming)
    return message;
  if (is_keyring_change (message))
    {
      cache_drop_all (daemon);
      gmo_daemon_attention_keyring_changed (daemon);
      return message;
    }
  if (!is_cache_request (daemon, message, &raw_account, &flags, &min_valid))
    return message;
  account = gmo_account_normalize (raw_account, NULL);
  if (account == NULL
      || !gmo_daemon_caller_may_get_at_once (daemon, g_dbus_message_get_sender (message), account)
      || (answer = gmo_daemon_cache_answer (daemon, account, flags, min_valid,
                                            g_dbus_message_get_member (message), NULL))
             == NULL)
    return message;
  gmo_daemon_caller_log_handout (daemon, g_dbus_message_get_sender (message), account);

  reply = g_dbus_message_new_method_reply (message);
  g_dbus_message_set_body (reply, answer);
  g_variant_unref (answer);
  g_dbus_connection_send_message (connection, reply, G_DBUS_SEND_MESSAGE_FLAGS_NONE, NULL, NULL);
  gmo_daemon_note_call (daemon);
  g_object_unref (message);
  return NULL;
}

/* The work is done in gmo_daemon_on_incoming_message(), in order with the calls. */
static void
on_keyring_signal (GDBusConnection *connection, const gchar *sender, const gchar *path,
                   const gchar *interface, const gchar *member, GVariant *parameters,
                   gpointer user_data)
{
}

/**
 * gmo_daemon_watch_keyring:
 * @daemon: the daemon, on the bus
 *
 * Asks the bus for the Secret Service's signals and for changes of its owner,
 * which drop the cache (see gmo_daemon_on_incoming_message()).
 */
void
gmo_daemon_watch_keyring (Daemon *daemon)
{
  gmo_keyring_watch (daemon->connection, on_keyring_signal, NULL);
}
