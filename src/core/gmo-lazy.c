/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Libraries loaded on first use. See gmo-lazy.h. */
#include "config.h"

#include <dlfcn.h>

#include <gio/gio.h>
#include <glib/gi18n.h>

#include "gmo-lazy.h"

typedef void (*GmoLazyFunc) (void);

/* RTLD_DEEPBIND: the library and the libraries it brings find their symbols
 * among themselves before the program's, so that the loader does not look
 * each one up in the twenty-odd libraries of the program first (about 1 ms
 * less for libcurl's thirty-odd), and the program's forwarders do not stand
 * between libcurl and its own functions. Libraries the program has already
 * loaded are shared, as without it. AddressSanitizer cannot run a library
 * loaded so, and a sanitizer build does without. */
#if defined(RTLD_DEEPBIND) && !defined(__SANITIZE_ADDRESS__)
#define OPEN_FLAGS (RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND)
#else
#define OPEN_FLAGS (RTLD_NOW | RTLD_LOCAL)
#endif

/* Loads the library, its symbols kept to itself, for the life of the process
 * (as a linked library: it is never closed), and fills its struct of
 * function pointers. */
static gpointer
open_once (gpointer data)
{
  GmoLazyLibrary *library = data;
  void *handle = dlopen (library->soname, OPEN_FLAGS);

  if (handle == NULL)
    {
      library->failure = g_strdup (dlerror ());
      return NULL;
    }
  for (gsize i = 0; i < library->n_symbols; i++)
    {
      void *address;

      dlerror ();
      address = dlsym (handle, library->symbols[i].name);
      if (address == NULL)
        {
          const char *why = dlerror ();

          library->failure = g_strdup_printf ("%s: %s", library->symbols[i].name,
                                              why != NULL ? why : "NULL");
          return NULL; /* the library stays loaded: the process is failing anyway */
        }
      /* POSIX makes a data pointer from dlsym() usable as a function pointer. */
      G_STRUCT_MEMBER (GmoLazyFunc, library->api, library->symbols[i].offset) = (GmoLazyFunc) address;
    }
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
