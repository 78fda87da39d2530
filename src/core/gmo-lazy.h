/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A library loaded on first use rather than at start-up (libcurl: gmo-curl.c;
 * libsecret: gmo-libsecret.c). Such a file lists the library's functions it
 * calls in an X macro, keeps their addresses in a struct of function pointers
 * (one GMO_LAZY_FIELD each), and defines each function as a forwarder to its
 * field, so that callers keep using the library's own header. */
typedef struct
{
  gsize offset; /* of the function's field in the struct */
  const gchar *name;
} GmoLazySymbol;

#define GMO_LAZY_FIELD(name) __typeof__ (name) *name;
#define GMO_LAZY_SYMBOL(api, name) { G_STRUCT_OFFSET (__typeof__ (api), name), #name },

typedef struct
{
  const gchar *soname;  /* as the loader finds it: "libcurl.so.4" */
  const gchar *package; /* the Debian package that installs it, for the message */
  const GmoLazySymbol *symbols;
  gsize n_symbols;
  gpointer api;          /* the struct of function pointers */
  gchar *(*init) (void); /* (nullable): run once loaded; returns why it failed, or NULL */
  GOnce once;
  gchar *failure; /* why loading failed, or NULL */
} GmoLazyLibrary;

#define GMO_LAZY_LIBRARY(soname, package, symbols, api, init)                                   \
  { soname, package, symbols, G_N_ELEMENTS (symbols), &(api), init, G_ONCE_INIT, NULL }

gboolean gmo_lazy_load (GmoLazyLibrary *library, GError **error);

G_END_DECLS
