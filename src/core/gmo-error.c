/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gio/gio.h>

#include "gmo-error.h"

typedef struct
{
  GmoError code;
  const char *class_name; /* MCP error_code and CLI docs; never translated */
  const char *dbus_name;
  int exit_status;
} GmoErrorClass;

static const GmoErrorClass error_classes[] = {
  { GMO_ERROR_NO_ACCOUNT, "no-account", "io.github.gmail_oauth.Error.NoAccount",
    GMO_EXIT_NO_ACCOUNT },
  { GMO_ERROR_REAUTHORIZE, "reauthorize", "io.github.gmail_oauth.Error.Reauthorize",
    GMO_EXIT_REAUTHORIZE },
  { GMO_ERROR_BAD_CLIENT, "bad-client", "io.github.gmail_oauth.Error.BadClient",
    GMO_EXIT_BAD_CLIENT },
  { GMO_ERROR_TRANSIENT, "transient", "io.github.gmail_oauth.Error.Transient",
    GMO_EXIT_TRANSIENT },
  { GMO_ERROR_BAD_RESPONSE, "bad-response", "io.github.gmail_oauth.Error.BadResponse",
    GMO_EXIT_BAD_RESPONSE },
  { GMO_ERROR_KEYRING, "keyring", "io.github.gmail_oauth.Error.Keyring", GMO_EXIT_KEYRING },
  { GMO_ERROR_USAGE, "usage", "io.github.gmail_oauth.Error.Usage", GMO_EXIT_USAGE },
  { GMO_ERROR_SCOPE, "scope", "io.github.gmail_oauth.Error.Scope", GMO_EXIT_SCOPE },
};

G_STATIC_ASSERT (G_N_ELEMENTS (error_classes) == GMO_ERROR_N_CLASSES);
G_STATIC_ASSERT (GMO_ERROR_SCOPE + 1 == GMO_ERROR_N_CLASSES);

/**
 * gmo_error_quark:
 *
 * The one error domain of gmail-oauth, registered with its D-Bus error names so
 * that GDBus maps it both ways.
 */
GQuark
gmo_error_quark (void)
{
  static gsize quark = 0;
  static GDBusErrorEntry entries[GMO_ERROR_N_CLASSES];

  if (g_once_init_enter (&quark))
    {
      gsize value = 0;

      for (guint i = 0; i < G_N_ELEMENTS (error_classes); i++)
        {
          g_assert ((guint) error_classes[i].code == i);
          entries[i].error_code = error_classes[i].code;
          entries[i].dbus_error_name = error_classes[i].dbus_name;
        }
      g_dbus_error_register_error_domain ("gmo-error-quark", &value, entries,
                                          G_N_ELEMENTS (entries));
      g_once_init_leave (&quark, value);
    }
  return (GQuark) quark;
}

static const GmoErrorClass *
error_class_lookup (const GError *error)
{
  if (error == NULL || error->domain != GMO_ERROR || error->code < 0
      || error->code >= GMO_ERROR_N_CLASSES)
    return NULL;
  return &error_classes[error->code];
}

/**
 * gmo_error_exit_status:
 * @error: (nullable): an error, or %NULL for success
 *
 * Returns: the documented exit status of @error's class, %GMO_EXIT_OK for %NULL
 * and %GMO_EXIT_FAILURE for an error of a foreign domain.
 */
int
gmo_error_exit_status (const GError *error)
{
  const GmoErrorClass *klass = error_class_lookup (error);

  if (error == NULL)
    return GMO_EXIT_OK;
  return klass != NULL ? klass->exit_status : GMO_EXIT_FAILURE;
}

/**
 * gmo_error_class_name:
 * @error: an error
 *
 * Returns: (transfer none): the class name ("no-account", ...) used as the MCP
 * error code, or "internal" for an error of a foreign domain.
 */
const char *
gmo_error_class_name (const GError *error)
{
  const GmoErrorClass *klass = error_class_lookup (error);

  return klass != NULL ? klass->class_name : "internal";
}

/**
 * gmo_error_class_name_for_code:
 * @code: an error class
 *
 * Returns: (transfer none): the class name of @code.
 */
const char *
gmo_error_class_name_for_code (GmoError code)
{
  g_return_val_if_fail ((guint) code < GMO_ERROR_N_CLASSES, "internal");
  return error_classes[code].class_name;
}
