/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Libraries loaded on first use. See gmo-lazy.h. */
#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <gmodule.h>

#include "gmo-lazy.h"

typedef void (*GmoLazyFunc) (void);

/* Loads the library, its symbols kept to itself, for the life of the process
 * (as a linked library), and fills its struct of function pointers. */
static gpointer
open_once (gpointer data)
{
  GmoLazyLibrary *library = data;
  GModule *module = g_module_open (library->soname, G_MODULE_BIND_LOCAL);

  if (module == NULL)
    {
      library->failure = g_strdup (g_module_error ());
      return NULL;
    }
  for (gsize i = 0; i < library->n_symbols; i++)
    {
      gpointer address = NULL;

      if (!g_module_symbol (module, library->symbols[i].name, &address) || address == NULL)
        {
          library->failure = g_strdup (g_module_error ());
          return NULL; /* the module stays open: the process is failing anyway */
        }
      /* POSIX makes a data pointer from dlsym() usable as a function pointer. */
      G_STRUCT_MEMBER (GmoLazyFunc, library->api, library->symbols[i].offset) = (GmoLazyFunc) address;
    }
  g_module_make_resident (module);
  if (library->init != NULL)
    library->failure = library->init ();
  return NULL;
}

/**
 * gmo_lazy_load:
 * @library: the library
 * @error: return location for a %G_IO_ERROR_FAILED error (no class of
 *   gmo-error.h: a broken installation, exit status %GMO_EXIT_FAILURE)
 *
 * Loads @library, once per process; thread-safe.
 *
 * Returns: %TRUE if the library can be used.
 */
gboolean
gmo_lazy_load (GmoLazyLibrary *library, GError **error)
{
  g_once (&library->once, open_once, library);
  if (library->failure == NULL)
    return TRUE;
  /* Translators: the first %s is a file name (libcurl.so.4), the second why it
   * failed, the third a Debian package (libcurl4). */
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               _("Cannot load %s (%s); install the Debian package %s"), library->soname,
               library->failure, library->package);
  return FALSE;
}
