/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libcurl, loaded on first use. See gmo-curl.h.
 *
 * The programs are not linked with libcurl: this file defines the libcurl
 * functions the project calls, each forwarding to the real one found in
 * GMO_LIBCURL_SONAME. curl's type-checking macros still apply at every call
 * site. A packager must make the package depend on libcurl4 by hand, since
 * dpkg-shlibdeps cannot see a library loaded at run time. */
#include "config.h"

#include <malloc.h>
#include <string.h>

#include <curl/curl.h>
#include <gio/gio.h>
#include <stdarg.h>

#include "gmo-curl.h"
#include "gmo-error.h"
#include "gmo-lazy.h"

typedef void (*GmoCurlFunc) (void);

/* The libcurl functions we call, each a field of @api of its own type. */
#define GMO_CURL_FUNCTIONS(X)                                                                     \
  X (curl_global_init_mem)                                                                        \
  X (curl_easy_init)                                                                              \
  X (curl_easy_setopt)                                                                            \
  X (curl_easy_perform)                                                                           \
  X (curl_easy_getinfo)                                                                           \
  X (curl_easy_cleanup)                                                                           \
  X (curl_easy_strerror)                                                                          \
  X (curl_getdate)                                                                                \
  X (curl_free)                                                                                   \
  X (curl_url)                                                                                    \
  X (curl_url_cleanup)                                                                            \
  X (curl_url_set)                                                                                \
  X (curl_url_get)                                                                                \
  X (curl_url_strerror)                                                                           \
  X (curl_slist_append)                                                                           \
  X (curl_slist_free_all)

static struct
{
  GMO_CURL_FUNCTIONS (GMO_LAZY_FIELD)
} api;

#define SYMBOL(name) GMO_LAZY_SYMBOL (api, name)
static const GmoLazySymbol symbols[] = { GMO_CURL_FUNCTIONS (SYMBOL) };
#undef SYMBOL

/* libcurl's memory, wiped when it is freed: its request buffers hold copies
 * of the form we POST (client secret, refresh token) and of the headers
 * (a bearer token), which would otherwise stay in freed heap memory, where a
 * core dump or a read of /proc/PID/mem finds them. */
static void
wiping_free (void *ptr)
{
  if (ptr == NULL)
    return;
  explicit_bzero (ptr, malloc_usable_size (ptr));
  free (ptr);
}

static void *
wiping_realloc (void *ptr, size_t size)
{
  void *copy;

  if (ptr == NULL)
    return malloc (size);
  /* Never realloc(): it may leave the old block behind unwiped. */
  copy = malloc (size > 0 ? size : 1);
  if (copy == NULL)
    return NULL;
  memcpy (copy, ptr, MIN (malloc_usable_size (ptr), size));
  wiping_free (ptr);
  return copy;
}


static gchar *
init_curl (void)
{
  CURLcode rc = api.curl_global_init_mem (CURL_GLOBAL_DEFAULT, malloc, wiping_free,
                                          wiping_realloc, strdup, calloc);

  return rc == CURLE_OK ? NULL
                        : g_strdup_printf ("curl_global_init_mem: %s", api.curl_easy_strerror (rc));
}

static GmoLazyLibrary libcurl = GMO_LAZY_LIBRARY (GMO_LIBCURL_SONAME, "libcurl4", symbols, api,
                                                  init_curl);

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
  return gmo_lazy_load (&libcurl, error);
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
curl_global_init_mem (long flags, curl_malloc_callback m, curl_free_callback f,
                      curl_realloc_callback r, curl_strdup_callback s, curl_calloc_callback c)
{
  return API (curl_global_init_mem) (flags, m, f, r, s, c);
}

CURL *
curl_easy_init (void)
{
  return API (curl_easy_init) ();
}

/* libcurl reads the value as its option's type, given by the option's number
 * range: forward it with that same type. */
CURLcode (curl_easy_setopt) (CURL *curl, CURLoption option, ...)
{
  va_list args;
  CURLcode rc;

  va_start (args, option);
  if (option < CURLOPTTYPE_OBJECTPOINT)
    rc = API (curl_easy_setopt) (curl, option, va_arg (args, long));
  else if (option < CURLOPTTYPE_FUNCTIONPOINT)
    rc = API (curl_easy_setopt) (curl, option, va_arg (args, void *));
  else if (option < CURLOPTTYPE_OFF_T)
    rc = API (curl_easy_setopt) (curl, option, va_arg (args, GmoCurlFunc));
  else if (option < CURLOPTTYPE_BLOB)
    rc = API (curl_easy_setopt) (curl, option, va_arg (args, curl_off_t));
  else
    rc = API (curl_easy_setopt) (curl, option, va_arg (args, void *));
  va_end (args);
  return rc;
}

CURLcode
curl_easy_perform (CURL *curl)
{
  return API (curl_easy_perform) (curl);
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode (curl_easy_getinfo) (CURL *curl, CURLINFO info, ...)
{
  va_list args;
  CURLcode rc;

  va_start (args, info);
  rc = API (curl_easy_getinfo) (curl, info, va_arg (args, void *));
  va_end (args);
  return rc;
}

void
curl_easy_cleanup (CURL *curl)
{
  API (curl_easy_cleanup) (curl);
}

const char *
curl_easy_strerror (CURLcode code)
{
  return API (curl_easy_strerror) (code);
}

time_t
curl_getdate (const char *date, const time_t *unused)
{
  return API (curl_getdate) (date, unused);
}

void
curl_free (void *p)
{
  API (curl_free) (p);
}

CURLU *
curl_url (void)
{
  return API (curl_url) ();
}

void
curl_url_cleanup (CURLU *handle)
{
  API (curl_url_cleanup) (handle);
}

CURLUcode
curl_url_set (CURLU *handle, CURLUPart what, const char *part, unsigned int flags)
{
  return API (curl_url_set) (handle, what, part, flags);
}

CURLUcode
curl_url_get (GMO_CURLU_GET_CONST CURLU *handle, CURLUPart what, char **part, unsigned int flags)
{
  return API (curl_url_get) (handle, what, part, flags);
}

const char *
curl_url_strerror (CURLUcode code)
{
  return API (curl_url_strerror) (code);
}

struct curl_slist *
curl_slist_append (struct curl_slist *list, const char *string)
{
  return API (curl_slist_append) (list, string);
}

void
curl_slist_free_all (struct curl_slist *list)
{
  API (curl_slist_free_all) (list);
}

static GThread *preload; /* the thread of gmo_curl_preload(), until gmo_curl_preload_finish() */

static gpointer
preload_thread (gpointer unused)
{
  gmo_curl_load (NULL);
  return NULL;
}

/**
 * gmo_curl_preload:
 *
 * Starts loading libcurl in a thread of its own, once per process, for a
 * caller that will make a request after slower work of its own (getting a
 * token): mapping libcurl's thirty-odd libraries then overlaps that work,
 * and the first gmo_curl_load() waits only for what is left. A failure is
 * reported by that call. The caller calls gmo_curl_preload_finish() before
 * the process exits.
 */
void
gmo_curl_preload (void)
{
  static gsize started = 0;

  if (g_once_init_enter (&started))
    {
      preload = g_thread_try_new ("gmo-curl-load", preload_thread, NULL, NULL);
      g_once_init_leave (&started, 1);
    }
}

/**
 * gmo_curl_preload_finish:
 *
 * Waits for the thread of gmo_curl_preload(), if one was started: a process
 * that exits while libcurl initialises OpenSSL in another thread would run
 * OpenSSL's exit handlers and destructors under it.
 */
void
gmo_curl_preload_finish (void)
{
  if (preload != NULL)
    g_thread_join (g_steal_pointer (&preload));
}
