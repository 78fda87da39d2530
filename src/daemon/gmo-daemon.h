/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "gmo-broker.h"
#include "gmo-client.h"
#include "gmo-dbus-generated.h"
#include "gmo-secret.h"
#include "gmo-tokeninfo.h"

G_BEGIN_DECLS

#define BUS_NAME GMO_CLIENT_BUS_NAME
#define OBJECT_PATH GMO_CLIENT_OBJECT_PATH
#define INTERFACE GMO_CLIENT_INTERFACE
#define DEFAULT_IDLE_TIMEOUT 120
/* Longer than the oauth module's own timeouts and retries, so that the
 * watchdog only catches what really hangs; the clients wait that long. */
#define DEFAULT_WATCHDOG_TIMEOUT GMO_CLIENT_SERVICE_WATCHDOG_SECONDS

/* An access token kept in memory; the token is wiped when dropped. */
typedef struct
{
  GmoSecret *access_token;
  gint64 expires_at;
  gchar *scopes;      /* nullable */
  gchar tag[GMO_HANDOUT_TAG_LEN + 1]; /* gmo_handout_tag() of the token */
  gboolean refreshed; /* as a task result: whether the task refreshed it */
  gboolean checked;   /* as a task result: whether the task checked it with Google */
  guint64 generation; /* as a task result: Daemon.keyring_generation after the
                       * task's last keyring call */
} CachedToken;

typedef struct
{
  GMainLoop *loop;
  GmoBroker1 *skeleton;
  GDBusConnection *connection;
  /* The cache is read by the GDBus worker thread too (gmo_daemon_on_incoming_message);
   * cache_lock guards it and last_call. */
  GMutex cache_lock;
  GHashTable *cache;          /* normalised account -> CachedToken */
  GHashTable *callers;        /* unique bus name -> GmoDaemonCaller, also under cache_lock */
  GHashTable *handouts;       /* normalised account -> GmoHandout, also under cache_lock;
                               * kept when the cache is dropped (it holds no token) */
  guint64 keyring_generation; /* counts the keyring's changes; a token read
                               * before one is not cached after it */
  gint64 last_call;           /* monotonic time of the last call answered */
  GHashTable *refreshes;      /* normalised account -> Refresh in flight (at most one) */
  /* Attention (gmo-daemon-attention.c), main thread only. */
  GHashTable *accounts; /* normalised account -> AccountState */
  guint margin_id;      /* republishes Accounts when a token passes its margin */
  guint relist_id;      /* reads the accounts again after the keyring changed */
  gboolean listing;
  gboolean relist_again;
  gint64 min_valid;
  gchar *token_url; /* gmo_client_token_url_setting() */
  guint idle_timeout;
  guint watchdog_timeout;
  guint idle_id;
  guint filter_id;
  guint busy; /* calls received and not answered yet */
  gboolean name_owned;
  int exit_status;
} Daemon;

/* Keep-alive and answers (gmail-oauthd.c): every call is held while it is
 * being answered, and answered exactly once. */
void gmo_daemon_note_call (Daemon *daemon);
void gmo_daemon_run_on_main (GSourceFunc func, gpointer data, GDestroyNotify notify);
void gmo_daemon_hold (Daemon *daemon);
void gmo_daemon_release (Daemon *daemon);
void gmo_daemon_answer_error (Daemon *daemon, GDBusMethodInvocation *invocation,
                              const GError *error);
void gmo_daemon_answer_token (Daemon *daemon, GDBusMethodInvocation *invocation,
                              const gchar *account, const CachedToken *token);
void gmo_daemon_answer_all_error (Daemon *daemon, GPtrArray *invocations, const GError *error);

/* The cache (gmo-daemon-cache.c): shared with the worker thread, which
 * answers from it and drops it when the keyring changes. */
CachedToken *gmo_daemon_cached_token_new (Daemon *daemon, const GmoGrant *grant,
                                          gboolean refreshed);
CachedToken *gmo_daemon_cached_token_copy (const CachedToken *token);
void gmo_daemon_cached_token_free (CachedToken *token);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CachedToken, gmo_daemon_cached_token_free)
GVariant *gmo_daemon_token_answer (const CachedToken *token, const gchar *method);
GVariant *gmo_daemon_cache_answer (Daemon *daemon, const gchar *account, GmoBrokerFlags flags,
                                   gint64 min_valid, const gchar *method,
                                   CachedToken **out_to_check);
gboolean gmo_daemon_cache_needs_check (Daemon *daemon, const gchar *account, const gchar *tag);
void gmo_daemon_cache_note_handout (Daemon *daemon, const gchar *account,
                                    const CachedToken *token);
void gmo_daemon_cache_put (Daemon *daemon, const gchar *account, CachedToken *token);
void gmo_daemon_cache_put_since (Daemon *daemon, const gchar *account, const CachedToken *token);
GDBusMessage *gmo_daemon_on_incoming_message (GDBusConnection *connection, GDBusMessage *message,
                                              gboolean incoming, gpointer user_data);
void gmo_daemon_watch_keyring (Daemon *daemon);

/* Attention (gmo-daemon-attention.c): the Accounts property and the
 * notification of a dead grant. */
gchar *gmo_daemon_grant_id (const GmoGrant *grant);
void gmo_daemon_attention_start (Daemon *daemon);
void gmo_daemon_attention_stop (Daemon *daemon);
void gmo_daemon_attention_token (Daemon *daemon, const gchar *account, gint64 expires_at,
                                 const gchar *grant_id);
void gmo_daemon_attention_failed (Daemon *daemon, const gchar *account, const GError *error,
                                  const gchar *grant_id, gint64 granted_at);
void gmo_daemon_attention_keyring_changed (Daemon *daemon);
gboolean gmo_daemon_attention_needed (Daemon *daemon);

/* Callers (gmo-daemon-callers.c): who is asking, and whether they may. */
typedef struct _GmoDaemonCaller GmoDaemonCaller;
typedef void (*GmoDaemonCallerFunc) (Daemon *daemon, GDBusMethodInvocation *invocation,
                                     const GmoDaemonCaller *caller, gpointer data);
GmoDaemonCaller *gmo_daemon_caller_ref (GmoDaemonCaller *caller);
void gmo_daemon_caller_unref (GmoDaemonCaller *caller);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GmoDaemonCaller, gmo_daemon_caller_unref)
gboolean gmo_daemon_caller_may_get (const GmoDaemonCaller *caller, const gchar *account,
                                    GError **error);
gboolean gmo_daemon_caller_may_get_at_once (Daemon *daemon, const gchar *sender,
                                            const gchar *account);
gboolean gmo_daemon_caller_is_sandboxed (const GmoDaemonCaller *caller);
void gmo_daemon_caller_log_handout (Daemon *daemon, const gchar *sender, const gchar *account);
void gmo_daemon_with_caller (Daemon *daemon, GDBusMethodInvocation *invocation,
                             GmoDaemonCallerFunc func, gpointer data, GDestroyNotify notify);

/* Token requests (gmo-daemon-tokens.c): coalesced, in threads, under a watchdog. */
gboolean gmo_daemon_parse_options (Daemon *daemon, GVariant *options, GmoBrokerFlags *out_flags,
                                   gint64 *out_min_valid, gboolean *out_other_endpoint,
                                   GError **error);
gboolean gmo_daemon_on_handle_get_access_token (GmoBroker1 *skeleton,
                                                GDBusMethodInvocation *invocation,
                                                const gchar *account, gpointer user_data);
gboolean gmo_daemon_on_handle_refresh (GmoBroker1 *skeleton, GDBusMethodInvocation *invocation,
                                       const gchar *account, gpointer user_data);
gboolean gmo_daemon_on_handle_request_token (GmoBroker1 *skeleton,
                                             GDBusMethodInvocation *invocation,
                                             const gchar *account, GVariant *options,
                                             gpointer user_data);
void gmo_daemon_answer_pending (Daemon *daemon);

G_END_DECLS
