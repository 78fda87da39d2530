/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "gmo-secret.h"

G_BEGIN_DECLS

void gmo_program_init (void);
void gmo_process_keep_secrets (void);
gint64 gmo_now (void);
gchar *gmo_format_rfc3339 (gint64 unix_seconds);
GmoSecret *gmo_xoauth2_encode (const gchar *account, const gchar *access_token);
gchar *gmo_runtime_dir (GError **error);
gulong gmo_cancellable_forward (GCancellable *from, GCancellable *to);

G_END_DECLS
