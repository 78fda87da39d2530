/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsecret/secret.h>

G_BEGIN_DECLS

/* The Secret Service's well-known bus name. */
#define GMO_KEYRING_SERVICE_NAME "org.freedesktop.secrets"

void gmo_keyring_error (GError **error, const GError *cause, const gchar *account);
gboolean gmo_keyring_reconnect_if_gone (const GError *error);
GDBusConnection *gmo_keyring_get_bus (GCancellable *cancellable, GError **error);
void gmo_keyring_watch (GDBusConnection *connection, GDBusSignalCallback callback,
                        gpointer user_data);
gboolean gmo_keyring_connect (GCancellable *cancellable, GError **error);
gboolean gmo_keyring_search (const SecretSchema *schema, GHashTable *attributes,
                             const gchar *account, SecretService **out_service,
                             gchar ***out_paths, GCancellable *cancellable, GError **error);

G_END_DECLS
