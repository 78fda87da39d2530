/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "gmo-broker.h"
#include "gmo-store.h"

G_BEGIN_DECLS

/* gmail-oauthd on the session bus (data/io.github.gmail_oauth.Broker1.xml). */
#define GMO_CLIENT_BUS_NAME "io.github.gmail_oauth.Broker"
#define GMO_CLIENT_OBJECT_PATH "/io/github/gmail_oauth/Broker"
#define GMO_CLIENT_INTERFACE "io.github.gmail_oauth.Broker1"
/* The service answers every token request within this many seconds (its
 * watchdog): longer than the oauth module's own timeouts and retries. */
#define GMO_CLIENT_SERVICE_WATCHDOG_SECONDS 40

const gchar *gmo_client_token_url_setting (void);
GmoGrant *gmo_client_get_token (const gchar *account, GmoBrokerFlags flags, gint64 min_valid,
                                GCancellable *cancellable, GError **error);
GPtrArray *gmo_client_list_accounts (GError **error);
GVariant *gmo_client_account_state (const gchar *account);

G_END_DECLS
