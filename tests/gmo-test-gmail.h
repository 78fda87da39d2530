/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* What the tests of the Gmail API client share: an account in the keyring
 * whose grant the stand-in knows, faults, fixtures, and checks that a failure
 * kept the grant and told no secret. */

#include <glib.h>
#include <json-c/json.h>

#include "gmo-gmail.h"
#include "gmo-store.h"

G_BEGIN_DECLS

#define GMO_TEST_GMAIL_ACCOUNT "me@example.com"
#define GMO_TEST_GMAIL_CLIENT_ID "gmail-client.apps.googleusercontent.com"
#define GMO_TEST_GMAIL_CLIENT_SECRET "GOCSPX-gmail-client-secret"

void gmo_test_gmail_ctl (const gchar *path, const gchar *body);
void gmo_test_gmail_fault (const gchar *endpoint, const gchar *kind, gint count);
GmoGrant *gmo_test_gmail_setup_account (const gchar *scope, const gchar *access_token,
                                        gint64 expires_at);
GmoGmail *gmo_test_gmail_setup_client (GmoGrant **out_grant);
void gmo_test_gmail_assert_grant_kept (const GmoGrant *initial);
void gmo_test_gmail_assert_clean_error (const GError *error, const GmoGrant *grant);
GHashTable *gmo_test_gmail_load_fixtures (void);
gsize gmo_test_gmail_array_length (json_object *object, const gchar *key);
gboolean gmo_test_gmail_array_has (json_object *object, const gchar *key, const gchar *value);
GBytes *gmo_test_gmail_build_message (const gchar *subject, gsize text_size,
                                      const gchar *in_reply_to);
json_object *gmo_test_gmail_last_sent (void);

G_END_DECLS
