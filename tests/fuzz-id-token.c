/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The ID token of a code exchange's answer (gmo-identity.c): a JWT whose
 * signature is not checked, so that only the reading of its parts and the
 * checks of its claims stand between a foreign token and a grant stored
 * under another address.
 *
 * The input is the client id, a line end, then the token. The same rest is
 * also the payload of a token with a good header and signature, encoded
 * here, so that the fuzzer reaches the claims without keeping base64url
 * intact. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "fuzz-common.h"
#include "gmo-error.h"
#include "gmo-identity.h"
#include "gmo-store.h"

const char gmo_fuzz_target[] = "id-token";

#define NOW G_GINT64_CONSTANT (1800000000)
/* {"alg":"RS256","typ":"JWT"} */
#define HEADER "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"
#define SIGNATURE "c2lnbmF0dXJlLW5vdC1jaGVja2Vk"

/* @len bytes at @data in base64url without padding, as a JWT part. */
static gchar *
b64url (const gchar *data, gsize len)
{
  gchar *encoded = g_base64_encode ((const guchar *) data, len);

  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  encoded[strcspn (encoded, "=")] = '\0';
  return encoded;
}

static void
check_token (const gchar *token, const gchar *client_id)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *email = gmo_identity_from_id_token (token, client_id, NOW, &error);
  g_autofree gchar *again = NULL;

  g_assert ((email == NULL) != (error == NULL));
  if (email == NULL)
    {
      g_assert_true (g_error_matches (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE)
                     || g_error_matches (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE));
      gmo_fuzz_assert_one_line (error->message);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return;
    }
  /* What login compares with the account it was asked for, and stores the
   * grant under: an account as gmo_account_normalize() makes them. */
  g_assert_cmpstr (email, !=, "");
  g_assert_true (g_utf8_validate (email, -1, NULL));
  for (const gchar *p = email; *p != '\0'; p = g_utf8_next_char (p))
    g_assert_false (g_unichar_iscntrl (g_utf8_get_char (p)));
  again = gmo_account_normalize (email, NULL);
  g_assert_cmpstr (again, ==, email);
}

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
  const gchar *data = (const gchar *) bytes;
  const gchar *nl = memchr (data, '\n', size);
  gsize client_len = nl != NULL ? (gsize) (nl - data) : size;
  gsize rest = nl != NULL ? client_len + 1 : size;
  /* Both arrive as C strings: the client id from a client file, the token
   * from a JSON string without NUL. */
  g_autofree gchar *client_id = g_strndup (data, client_len);
  g_autofree gchar *token = g_strndup (data + rest, size - rest);
  g_autofree gchar *payload = b64url (data + rest, size - rest);
  g_autofree gchar *built = g_strjoin (".", HEADER, payload, SIGNATURE, NULL);

  check_token (token, client_id);
  check_token (built, client_id);
  return 0;
}
