/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Between the broker (gmo-broker.c), its tokens in memory (gmo-broker-cache.c),
 * its check of tokens handed out again (gmo-broker-check.c) and its client
 * side of gmail-oauthd (gmo-client.c); no door uses these. */
#pragma once

#include <gio/gio.h>

#include "gmo-store.h"

G_BEGIN_DECLS

int gmo_broker_lock (const gchar *account, GCancellable *cancellable, GError **error);
void gmo_broker_unlock (int fd);
gboolean gmo_broker_refresh_locked (GmoGrant *grant, gint64 *out_server_date,
                                    GCancellable *cancellable, GError **error);
GmoGrant *gmo_broker_cached_token (const gchar *account, gint64 min_valid);
void gmo_broker_cache_token (const GmoGrant *grant);
void gmo_broker_uncache (const gchar *account);
GmoGrant *gmo_broker_lookup (const gchar *account, GCancellable *cancellable, GError **error);
GmoGrant *gmo_broker_recheck (const gchar *account, GmoGrant *grant, gint64 min_valid,
                              gint64 *out_server_date, GCancellable *cancellable,
                              GError **error);

G_END_DECLS
