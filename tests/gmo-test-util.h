/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <json-c/json.h>

G_BEGIN_DECLS

/* Talks to the stand-in's /control API (tests/fake-google.py) at $GMO_FAKE_GOOGLE. */
json_object *gmo_test_fake_call (const gchar *method, const gchar *path, const gchar *json_body);
gchar *gmo_test_fake_redirect (const gchar *path);
gint64 gmo_test_fake_stat (const gchar *key);
void gmo_test_fake_reset (void);
gchar *gmo_test_fake_add_grant (const gchar *client_id, const gchar *client_secret);
void gmo_test_fake_fault (const gchar *kind, gint count);

G_END_DECLS
