/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libsecret, loaded on first use. See gmo-libsecret.h.
 *
 * The programs are not linked with libsecret: this file defines the libsecret
 * functions the project calls, each forwarding to the real one found in
 * GMO_LIBSECRET_SONAME. A packager must make the package depend on
 * libsecret-1-0 by hand, since dpkg-shlibdeps cannot see a library loaded at
 * run time. */
#include "config.h"

#include <stdlib.h>

#include <libsecret/secret.h>

#include "gmo-error.h"
#include "gmo-lazy.h"
#include "gmo-libsecret.h"

/* The libsecret functions we call, each a field of @api of its own type. */
#define GMO_LIBSECRET_FUNCTIONS(X)                                                                \
  X (secret_collection_for_alias_sync)                                                            \
  X (secret_collection_get_locked)                                                                \
  X (secret_item_delete_sync)                                                                     \
  X (secret_item_get_attributes)                                                                  \
  X (secret_item_get_schema_name)                                                                 \
  X (secret_item_get_secret)                                                                      \
  X (secret_item_new_for_dbus_path_sync)                                                          \
  X (secret_password_storev_sync)                                                                 \
  X (secret_service_delete_item_dbus_path_sync)                                                   \
  X (secret_service_disconnect)                                                                   \
  X (secret_service_get_secret_for_dbus_path_sync)                                                \
  X (secret_service_get_secrets_for_dbus_paths_sync)                                              \
  X (secret_service_get_sync)                                                                     \
  X (secret_service_search_for_dbus_paths_sync)                                                   \
  X (secret_service_unlock_dbus_paths_sync)                                                       \
  X (secret_value_get_text)                                                                       \
  X (secret_value_unref)

static struct
{
  GMO_LIBSECRET_FUNCTIONS (GMO_LAZY_FIELD)
} api;

#define SYMBOL(name) GMO_LAZY_SYMBOL (api, name)
static const GmoLazySymbol symbols[] = { GMO_LIBSECRET_FUNCTIONS (SYMBOL) };
#undef SYMBOL

static GmoLazyLibrary libsecret = GMO_LAZY_LIBRARY (GMO_LIBSECRET_SONAME, "libsecret-1-0", symbols,
                                                    api, NULL);

/**
 * gmo_libsecret_load:
 * @error: return location for a %G_IO_ERROR_FAILED error (no class of
 *   gmo-error.h: a broken installation, exit status %GMO_EXIT_FAILURE)
 *
 * Loads libsecret, once per process; thread-safe.
 *
 * Returns: %TRUE if libsecret can be used
 */
gboolean
gmo_libsecret_load (GError **error)
{
  return gmo_lazy_load (&libsecret, error);
}

/* A call before gmo_libsecret_load(), which gmo_keyring_connect() makes
 * first: loads now, or ends the process as gmo_cli_report() would. */
static void
require (void)
{
  GError *error = NULL;

  if (gmo_libsecret_load (&error))
    return;
  g_printerr ("%s: %s\n", g_get_prgname () != NULL ? g_get_prgname () : PACKAGE, error->message);
  exit (GMO_EXIT_FAILURE);
}

#define API(field) ((G_LIKELY (api.field != NULL) ? (void) 0 : require ()), api.field)

/* The forwarders. */
SecretCollection *
secret_collection_for_alias_sync (SecretService *service, const gchar *alias,
                                  SecretCollectionFlags flags, GCancellable *cancellable,
                                  GError **error)
{
  return API (secret_collection_for_alias_sync) (service, alias, flags, cancellable, error);
}

gboolean
secret_collection_get_locked (SecretCollection *self)
{
  return API (secret_collection_get_locked) (self);
}

gboolean
secret_item_delete_sync (SecretItem *self, GCancellable *cancellable, GError **error)
{
  return API (secret_item_delete_sync) (self, cancellable, error);
}

GHashTable *
secret_item_get_attributes (SecretItem *self)
{
  return API (secret_item_get_attributes) (self);
}

gchar *
secret_item_get_schema_name (SecretItem *self)
{
  return API (secret_item_get_schema_name) (self);
}

SecretValue *
secret_item_get_secret (SecretItem *self)
{
  return API (secret_item_get_secret) (self);
}

SecretItem *
secret_item_new_for_dbus_path_sync (SecretService *service, const gchar *item_path,
                                    SecretItemFlags flags, GCancellable *cancellable,
                                    GError **error)
{
  return API (secret_item_new_for_dbus_path_sync) (service, item_path, flags, cancellable, error);
}

gboolean
secret_password_storev_sync (const SecretSchema *schema, GHashTable *attributes,
                             const gchar *collection, const gchar *label, const gchar *password,
                             GCancellable *cancellable, GError **error)
{
  return API (secret_password_storev_sync) (schema, attributes, collection, label, password,
                                            cancellable, error);
}

gboolean
secret_service_delete_item_dbus_path_sync (SecretService *self, const gchar *item_path,
                                           GCancellable *cancellable, GError **error)
{
  return API (secret_service_delete_item_dbus_path_sync) (self, item_path, cancellable, error);
}

void
secret_service_disconnect (void)
{
  API (secret_service_disconnect) ();
}

SecretValue *
secret_service_get_secret_for_dbus_path_sync (SecretService *self, const gchar *item_path,
                                              GCancellable *cancellable, GError **error)
{
  return API (secret_service_get_secret_for_dbus_path_sync) (self, item_path, cancellable, error);
}

GHashTable *
secret_service_get_secrets_for_dbus_paths_sync (SecretService *self, const gchar **item_paths,
                                                GCancellable *cancellable, GError **error)
{
  return API (secret_service_get_secrets_for_dbus_paths_sync) (self, item_paths, cancellable,
                                                               error);
}

SecretService *
secret_service_get_sync (SecretServiceFlags flags, GCancellable *cancellable, GError **error)
{
  return API (secret_service_get_sync) (flags, cancellable, error);
}

gboolean
secret_service_search_for_dbus_paths_sync (SecretService *self, const SecretSchema *schema,
                                           GHashTable *attributes, GCancellable *cancellable,
                                           gchar ***unlocked, gchar ***locked, GError **error)
{
  return API (secret_service_search_for_dbus_paths_sync) (self, schema, attributes, cancellable,
                                                          unlocked, locked, error);
}

gint
secret_service_unlock_dbus_paths_sync (SecretService *self, const gchar **paths,
                                       GCancellable *cancellable, gchar ***unlocked,
                                       GError **error)
{
  return API (secret_service_unlock_dbus_paths_sync) (self, paths, cancellable, unlocked, error);
}

const gchar *
secret_value_get_text (SecretValue *value)
{
  return API (secret_value_get_text) (value);
}

void
secret_value_unref (gpointer value)
{
  API (secret_value_unref) (value);
}
