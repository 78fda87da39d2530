/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What reaches the login's loopback listener: a request head in the pieces
 * a connection delivers, checked after each as the listener does
 * (gmo_login_check_head()), and once complete read for the code
 * (gmo_login_parse_request_head()). */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "fuzz-common.h"
#include "gmo-login.h"

const char gmo_fuzz_target[] = "login-request";

#define STATE "st4te-Of-This-Login"
/* The listener reads at most this much at once. */
#define READ_CHUNK 1024

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
  const gchar *data = (const gchar *) bytes;
  g_autoptr (GString) head = g_string_new (NULL);
  GmoLoginHead state = GMO_LOGIN_HEAD_PARTIAL;

  for (gsize done = 0; state == GMO_LOGIN_HEAD_PARTIAL && done < size;)
    {
      gsize piece = gmo_fuzz_piece (data, size, done, READ_CHUNK);

      g_string_append_len (head, data + done, piece);
      done += piece;
      state = gmo_login_check_head (head->str, head->len);
    }
  g_assert (state != GMO_LOGIN_HEAD_TOO_LARGE || head->len >= GMO_LOGIN_MAX_REQUEST_HEAD);
  if (state == GMO_LOGIN_HEAD_COMPLETE)
    {
      g_autoptr (GmoSecret) code = NULL;
      g_autofree gchar *problem = NULL;
      GmoLoginAnswer answer;

      /* A complete head is text: the parser sees all of it. */
      g_assert_cmpuint (strlen (head->str), ==, head->len);
      answer = gmo_login_parse_request_head (head->str, STATE, &code, &problem);
      /* A code comes only with our state; anything but a code says why, in
       * the one line the browser shows. */
      g_assert ((answer == GMO_LOGIN_ANSWER_CODE) == (code != NULL));
      if (answer != GMO_LOGIN_ANSWER_CODE)
        gmo_fuzz_assert_one_line (problem);
      if (code != NULL)
        g_assert_cmpstr (code, !=, "");
    }
  return 0;
}
