/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The files a user hands over: Google's "authorized_user" grant for
 * `gmail-oauth import` (gmo_cli_import_parse()) and the client_secret JSON
 * of `gmail-oauth login --client-file` (gmo_login_parse_client_secrets()). */
#include "config.h"

#include <glib.h>

#include "fuzz-common.h"
#include "gmo-cli.h"
#include "gmo-error.h"
#include "gmo-login.h"

const char gmo_fuzz_target[] = "client-files";

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
  const gchar *data = (const gchar *) bytes;
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) client_error = NULL;
  g_autoptr (GmoGrant) grant = gmo_cli_import_parse ("me@example.com", data, size, &error);
  g_autofree gchar *client_id = NULL;
  g_autoptr (GmoSecret) client_secret = NULL;
  gboolean ok;

  g_assert ((grant == NULL) == (error != NULL));
  if (grant != NULL)
    {
      /* What import stores is what a refresh needs. */
      g_assert_cmpstr (grant->account, ==, "me@example.com");
      g_assert_true (grant->client_id != NULL && *grant->client_id != '\0');
      g_assert_true (grant->refresh_token != NULL && *grant->refresh_token != '\0');
      g_assert_null (grant->access_token);
    }
  else
    {
      g_assert_true (g_error_matches (error, GMO_ERROR, GMO_ERROR_USAGE));
      gmo_fuzz_assert_one_line (error->message);
    }

  ok = gmo_login_parse_client_secrets (data, size, &client_id, &client_secret, &client_error);
  g_assert (ok == (client_id != NULL && client_secret != NULL && client_error == NULL));
  if (!ok)
    gmo_fuzz_assert_one_line (client_error->message);
  return 0;
}
