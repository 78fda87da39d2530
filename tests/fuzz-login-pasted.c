/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the user pastes into `gmail-oauth login` (the address the browser
 * ended at): the input cut into lines as the login reads them, each read by
 * gmo_login_parse_pasted(). */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "fuzz-common.h"
#include "gmo-login.h"

const char gmo_fuzz_target[] = "login-pasted";

#define STATE "st4te-Of-This-Login"
#define REDIRECT_URI "http://127.0.0.1:8765/"

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
  const gchar *data = (const gchar *) bytes;

  for (gsize done = 0; done < size;)
    {
      const gchar *nl = memchr (data + done, '\n', size - done);
      gsize len = nl != NULL ? (gsize) (nl - (data + done)) : size - done;
      g_autofree gchar *line = g_strndup (data + done, len);
      g_autoptr (GmoSecret) code = NULL;
      g_autofree gchar *problem = NULL;
      GmoLoginAnswer answer;

      done += len + 1;
      answer = gmo_login_parse_pasted (line, REDIRECT_URI, STATE, &code, &problem);
      g_assert ((answer == GMO_LOGIN_ANSWER_CODE) == (code != NULL));
      if (answer != GMO_LOGIN_ANSWER_CODE)
        gmo_fuzz_assert_one_line (problem);
      else
        g_assert_cmpstr (code, !=, "");
    }
  return 0;
}
