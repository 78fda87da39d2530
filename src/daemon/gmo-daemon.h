/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "gmo-dbus-generated.h"
#include "gmo-secret.h"

G_BEGIN_DECLS

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
  /* The cache is read by the GDBus worker thread too (gmo_daemon_on_incoming_message);
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

/* Keep-alive and answers (gmail-oauthd.c): every call is held while it is
 * being answered, and answered exactly once. */
void gmo_daemon_note_call (Daemon *daemon);
void gmo_daemon_hold (Daemon *daemon);
void gmo_daemon_release (Daemon *daemon);
void gmo_daemon_answer_error (Daemon *daemon, GDBusMethodInvocation *invocation,
                              const GError *error);
void gmo_daemon_answer_token (Daemon *daemon, GDBusMethodInvocation *invocation,
                              const CachedToken *token);
void gmo_daemon_answer_all_error (Daemon *daemon, GPtrArray *invocations, const GError *error);

/* Tokens (gmo-daemon-tokens.c): the cache, coalesced refreshes, the fast path. */
void gmo_daemon_cached_token_free (CachedToken *token);
void gmo_daemon_cache_put (Daemon *daemon, const gchar *account, CachedToken *token);
gboolean gmo_daemon_on_handle_get_access_token (GmoBroker1 *skeleton,
                                                GDBusMethodInvocation *invocation,
                                                const gchar *account, gpointer user_data);
gboolean gmo_daemon_on_handle_refresh (GmoBroker1 *skeleton, GDBusMethodInvocation *invocation,
                                       const gchar *account, gpointer user_data);
GDBusMessage *gmo_daemon_on_incoming_message (GDBusConnection *connection,
                                              GDBusMessage *message, gboolean incoming,
                                              gpointer user_data);
void gmo_daemon_answer_pending (Daemon *daemon);

G_END_DECLS
