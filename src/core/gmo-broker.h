/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "gmo-store.h"

G_BEGIN_DECLS

/* Default margin: a cached token is served while more than this many seconds
 * of life remain. GMAIL_OAUTH_MIN_VALID overrides it. */
#define GMO_BROKER_DEFAULT_MIN_VALID 300
#define GMO_BROKER_MAX_MIN_VALID 86400
/* Google ends the grants of apps in "Testing" publishing status this long after consent. */
#define GMO_BROKER_TESTING_GRANT_LIFE (7 * 24 * 3600)

typedef enum
{
  GMO_BROKER_FLAGS_NONE = 0,
  GMO_BROKER_FORCE_REFRESH = 1 << 0, /* refresh even if the cached token is fresh */
  /* The token is for this process's own requests, which refresh after a
   * refusal themselves (the Gmail API client): it is never checked with
   * tokeninfo (see gmo-tokeninfo.h). */
  GMO_BROKER_OWN_USE = 1 << 1,
} GmoBrokerFlags;

/* Called with a refreshed grant before its keyring write; see gmo_broker_get_token_early(). */
typedef void (*GmoBrokerAnswerFunc) (const GmoGrant *grant, gpointer user_data);

void gmo_broker_keep_unsaved (void);
void gmo_broker_cache_tokens (void);
void gmo_broker_forget_tokens (void);
void gmo_broker_offer_token (const GmoGrant *grant);
gboolean gmo_broker_flush_unsaved (void);
gint64 gmo_broker_min_valid_default (void);
gboolean gmo_broker_token_is_fresh (const GmoGrant *grant, gint64 min_valid, gint64 now);
gboolean gmo_broker_age_is_testing_limit (gint64 granted_at, gint64 now);
GmoGrant *gmo_broker_get_token (const gchar *account, GmoBrokerFlags flags, gint64 min_valid,
                                GCancellable *cancellable, GError **error);
GmoGrant *gmo_broker_get_token_full (const gchar *account, GmoBrokerFlags flags, gint64 min_valid,
                                     gint64 *out_server_date, GCancellable *cancellable,
                                     GError **error);
GmoGrant *gmo_broker_get_token_early (const gchar *account, GmoBrokerFlags flags,
                                      gint64 min_valid, GmoBrokerAnswerFunc on_answer,
                                      gpointer user_data, GCancellable *cancellable,
                                      GError **error);
gboolean gmo_broker_remove_account (const gchar *account, gboolean *out_removed,
                                    GCancellable *cancellable, GError **error);
gboolean gmo_broker_forget_access_token (const gchar *account, GCancellable *cancellable,
                                         GError **error);
GmoGrant *gmo_broker_replace_dead_token (const gchar *account, const gchar *dead_token,
                                         gint64 min_valid, gint64 *out_server_date,
                                         GCancellable *cancellable, GError **error);

G_END_DECLS
