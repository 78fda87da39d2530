/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libcurl, loaded on first use. See gmo-curl.h.
 *
 * The programs are not linked with libcurl: this file defines the libcurl
 * functions the project calls, each forwarding to the real one found in
 * GMO_LIBCURL_SONAME. curl's type-checking macros still apply at every call
 * site. A packager must make the package depend on libcurl4 by hand, since
 * dpkg-shlibdeps cannot see a library loaded at run time. */
#include "config.h"

#include <curl/curl.h>
#include <gio/gio.h>
#include <glib/gi18n.h>
#include <gmodule.h>
#include <stdarg.h>

#include "gmo-curl.h"
#include "gmo-error.h"

typedef void (*GmoCurlFunc) (void);

static struct
{
  CURLcode (*global_init) (long flags);
  CURL *(*easy_init) (void);
  CURLcode (*easy_setopt) (CURL *curl, CURLoption option, ...);
  CURLcode (*easy_perform) (CURL *curl);
  CURLcode (*easy_getinfo) (CURL *curl, CURLINFO info, ...);
  void (*easy_cleanup) (CURL *curl);
  const char *(*easy_strerror) (CURLcode code);
  time_t (*getdate) (const char *date, const time_t *unused);
  void (*free) (void *p);
  CURLU *(*url) (void);
  void (*url_cleanup) (CURLU *handle);
  CURLUcode (*url_set) (CURLU *handle, CURLUPart what, const char *part, unsigned int flags);
  CURLUcode (*url_get) (GMO_CURLU_GET_CONST CURLU *handle, CURLUPart what, char **part, unsigned int flags);
  const char *(*url_strerror) (CURLUcode code);
  struct curl_slist *(*slist_append) (struct curl_slist *list, const char *string);
  void (*slist_free_all) (struct curl_slist *list);
} api;

#define SYMBOL(field, name) { G_STRUCT_OFFSET (__typeof__ (api), field), name }
static const struct
{
  gsize offset;
  const gchar *name;
} symbols[] = {
  SYMBOL (global_init, "curl_global_init"),
  SYMBOL (easy_init, "curl_easy_init"),
  SYMBOL (easy_setopt, "curl_easy_setopt"),
  SYMBOL (easy_perform, "curl_easy_perform"),
  SYMBOL (easy_getinfo, "curl_easy_getinfo"),
  SYMBOL (easy_cleanup, "curl_easy_cleanup"),
  SYMBOL (easy_strerror, "curl_easy_strerror"),
  SYMBOL (getdate, "curl_getdate"),
  SYMBOL (free, "curl_free"),
  SYMBOL (url, "curl_url"),
  SYMBOL (url_cleanup, "curl_url_cleanup"),
  SYMBOL (url_set, "curl_url_set"),
  SYMBOL (url_get, "curl_url_get"),
  SYMBOL (url_strerror, "curl_url_strerror"),
  SYMBOL (slist_append, "curl_slist_append"),
  SYMBOL (slist_free_all, "curl_slist_free_all"),
};
#undef SYMBOL

static gchar *load_failure; /* why loading failed, or NULL */

static gpointer
load_once (gpointer unused)
{
  GModule *module = g_module_open (GMO_LIBCURL_SONAME, G_MODULE_BIND_LOCAL);
  CURLcode rc;

  if (module == NULL)
    {
      load_failure = g_strdup (g_module_error ());
      return NULL;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (symbols); i++)
    {
      gpointer address = NULL;

      if (!g_module_symbol (module, symbols[i].name, &address) || address == NULL)
        {
          load_failure = g_strdup (g_module_error ());
          return NULL; /* the module stays open: the process is failing anyway */
        }
      /* POSIX makes a data pointer from dlsym() usable as a function pointer. */
      G_STRUCT_MEMBER (GmoCurlFunc, &api, symbols[i].offset) = (GmoCurlFunc)address;
    }
  /* Kept open for the life of the process, like a linked library. */
  g_module_make_resident (module);
  rc = api.global_init (CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK)
    load_failure = g_strdup_printf ("curl_global_init: %s", api.easy_strerror (rc));
  return NULL;
}

/**
 * gmo_curl_load:
 * @error: return location for a %G_IO_ERROR_FAILED error (no class of
 *   gmo-error.h: a broken installation, exit status %GMO_EXIT_FAILURE)
 *
 * Loads and initializes libcurl, once per process; thread-safe. Every other
 * libcurl call must come after a successful call of this function.
 *
 * Returns: %TRUE if libcurl can be used
 */
gboolean
gmo_curl_load (GError **error)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, load_once, NULL);
  if (load_failure != NULL)
    {
      /* Translators: the first %s is a file name (libcurl.so.4), the second why it failed. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("Cannot load %s (%s); install the Debian package libcurl4"),
                   GMO_LIBCURL_SONAME, load_failure);
      return FALSE;
    }
  return TRUE;
}

/* Calling libcurl before gmo_curl_load() succeeded is a bug. */
static G_GNUC_NORETURN void
not_loaded (void)
{
  g_error ("libcurl was called before gmo_curl_load()");
}

#define API(field) ((G_LIKELY (api.field != NULL) ? (void)0 : not_loaded ()), api.field)

/* The forwarders. The names are parenthesized where <curl/curl.h> defines a
 * type-checking macro of the same name. */

CURLcode
curl_global_init (long flags)
{
  return API (global_init) (flags);
}

CURL *
curl_easy_init (void)
{
  return API (easy_init) ();
}

/* libcurl reads the value as its option's type, given by the option's number
 * range: forward it with that same type. */
CURLcode (curl_easy_setopt) (CURL *curl, CURLoption option, ...)
{
  va_list args;
  CURLcode rc;

  va_start (args, option);
  if (option < CURLOPTTYPE_OBJECTPOINT)
    rc = API (easy_setopt) (curl, option, va_arg (args, long));
  else if (option < CURLOPTTYPE_FUNCTIONPOINT)
    rc = API (easy_setopt) (curl, option, va_arg (args, void *));
  else if (option < CURLOPTTYPE_OFF_T)
    rc = API (easy_setopt) (curl, option, va_arg (args, GmoCurlFunc));
  else if (option < CURLOPTTYPE_BLOB)
    rc = API (easy_setopt) (curl, option, va_arg (args, curl_off_t));
  else
    rc = API (easy_setopt) (curl, option, va_arg (args, void *));
  va_end (args);
  return rc;
}

CURLcode
curl_easy_perform (CURL *curl)
{
  return API (easy_perform) (curl);
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode (curl_easy_getinfo) (CURL *curl, CURLINFO info, ...)
{
  va_list args;
  CURLcode rc;

  va_start (args, info);
  rc = API (easy_getinfo) (curl, info, va_arg (args, void *));
  va_end (args);
  return rc;
}

void
curl_easy_cleanup (CURL *curl)
{
  API (easy_cleanup) (curl);
}

const char *
curl_easy_strerror (CURLcode code)
{
  return API (easy_strerror) (code);
}

time_t
curl_getdate (const char *date, const time_t *unused)
{
  return API (getdate) (date, unused);
}

void
curl_free (void *p)
{
  API (free) (p);
}

CURLU *
curl_url (void)
{
  return API (url) ();
}

void
curl_url_cleanup (CURLU *handle)
{
  API (url_cleanup) (handle);
}

CURLUcode
curl_url_set (CURLU *handle, CURLUPart what, const char *part, unsigned int flags)
{
  return API (url_set) (handle, what, part, flags);
}

CURLUcode
curl_url_get (GMO_CURLU_GET_CONST CURLU *handle, CURLUPart what, char **part, unsigned int flags)
{
  return API (url_get) (handle, what, part, flags);
}

const char *
curl_url_strerror (CURLUcode code)
{
  return API (url_strerror) (code);
}

struct curl_slist *
curl_slist_append (struct curl_slist *list, const char *string)
{
  return API (slist_append) (list, string);
}

void
curl_slist_free_all (struct curl_slist *list)
{
  API (slist_free_all) (list);
}
