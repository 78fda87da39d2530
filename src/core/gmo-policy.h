/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean gmo_policy_check_app_id (const gchar *app_id, GError **error);
gchar *gmo_policy_app_id_from_flatpak_info (const gchar *contents, gsize len);
gchar *gmo_policy_app_id_from_label (const gchar *label);
gboolean gmo_policy_allows (const gchar *account, const gchar *app_id);
gchar **gmo_policy_list (const gchar *account);
gboolean gmo_policy_set (const gchar *account, const gchar *app_id, gboolean allow,
                         gboolean *out_changed, GError **error);

G_END_DECLS
