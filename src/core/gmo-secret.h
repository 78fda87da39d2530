/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A NUL-terminated string that holds a secret (token, client secret). It is an
 * ordinary string in memory, but its type says that it must be released with
 * gmo_secret_free(), which wipes it first. Never pass one to a log call, an
 * error message, a label or an attribute. */
typedef gchar GmoSecret;

void gmo_wipe (gpointer data, gsize len);
GmoSecret *gmo_secret_dup (const gchar *str);
GmoSecret *gmo_secret_dup_len (const gchar *str, gsize len);
void gmo_secret_free (GmoSecret *secret);
void gmo_secret_clear (GmoSecret **secret);
gboolean gmo_secret_equal (const GmoSecret *a, const GmoSecret *b);
void gmo_string_wipe_free (GString *string);
void gmo_bytes_wipe_free (GByteArray *array);

typedef GString GmoSecretString;
typedef GByteArray GmoSecretBytes;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GmoSecret, gmo_secret_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GmoSecretString, gmo_string_wipe_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GmoSecretBytes, gmo_bytes_wipe_free)

G_END_DECLS
