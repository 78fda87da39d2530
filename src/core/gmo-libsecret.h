/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* libsecret (and libgcrypt under it) is loaded on first use, not at start-up:
 * a door that gets its token from gmail-oauthd never reads the keyring
 * itself. gmo-libsecret.c defines libsecret's functions we call as
 * forwarders, so code keeps using <libsecret/secret.h> as usual; the first
 * call loads the library, and gmo_keyring_connect() does so before any. */
#define GMO_LIBSECRET_SONAME "libsecret-1.so.0"

gboolean gmo_libsecret_load (GError **error);

G_END_DECLS
