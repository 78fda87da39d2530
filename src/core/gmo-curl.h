/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* libcurl and its ~30 dependencies are loaded on first use, not at start-up:
 * most runs (a cached token, an MCP initialize, a D-Bus call answered from the
 * cache) never make a request. gmo-curl.c defines libcurl's functions we call
 * as forwarders, so code keeps using <curl/curl.h> as usual, but only after
 * gmo_curl_load() has succeeded. */
#define GMO_LIBCURL_SONAME "libcurl.so.4"

gboolean gmo_curl_load (GError **error);
void gmo_curl_preload (void);
void gmo_curl_preload_finish (void);

G_END_DECLS
