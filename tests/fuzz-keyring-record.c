/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The secret text of keyring items, which any program of the user's session
 * may have written: our grant records (gmo-store.c), read by lookup (the
 * account from the attributes) and by list (the account from the secret);
 * and the items of git's schema that our git helper and git's own libsecret
 * helper share (gmo-git-storage.c), whose text must read back the same after
 * we write it again. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "fuzz-common.h"
#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-git.h"
#include "gmo-store.h"

const char gmo_fuzz_target[] = "keyring-record";

static void
check_grant (const gchar *account, const gchar *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGrant) grant = gmo_store_grant_from_secret (account, text, &error);

  g_assert (grant == NULL || error == NULL);
  /* Only list, which has no account of its own, skips a record silently. */
  g_assert (grant != NULL || error != NULL || account == NULL);
  if (error != NULL)
    {
      g_assert_true (g_error_matches (error, GMO_ERROR, GMO_ERROR_KEYRING));
      gmo_fuzz_assert_one_line (error->message);
    }
  if (grant == NULL)
    return;
  g_assert_nonnull (grant->account);
  g_assert_nonnull (grant->client_id);
  g_assert_nonnull (grant->refresh_token);
  /* An expiry without a token is no cached token. */
  if (grant->access_token == NULL)
    g_assert_cmpint (grant->expires_at, ==, 0);
}

static void
assert_same_secret (const gchar *a, const gchar *b)
{
  g_assert_cmpstr (a, ==, b);
}

static void
check_git_item (const gchar *text)
{
  g_auto (GmoGitCredential) stored = { 0 };
  g_auto (GmoGitCredential) again = { 0 };
  g_autoptr (GmoSecretString) written = NULL;

  gmo_git_storage_secret_parse (text, &stored);
  /* A credential's own item has no password; anything else has one. */
  g_assert (stored.password != NULL || stored.credential != NULL);
  written = gmo_git_storage_secret_format (&stored);
  gmo_git_storage_secret_parse (written->str, &again);
  assert_same_secret (stored.password, again.password);
  g_assert_cmpint (stored.password_expiry_utc, ==, again.password_expiry_utc);
  assert_same_secret (stored.oauth_refresh_token, again.oauth_refresh_token);
  assert_same_secret (stored.credential, again.credential);
  /* authtype is written only with the credential it describes. */
  if (stored.credential != NULL)
    g_assert_cmpstr (stored.authtype, ==, again.authtype);
}

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
  /* libsecret hands a text secret over as a C string. */
  g_autofree gchar *text = g_strndup ((const gchar *) bytes, size);

  check_grant ("me@example.com", text);
  check_grant (NULL, text);
  check_git_item (text);
  return 0;
}
