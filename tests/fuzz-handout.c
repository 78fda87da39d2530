/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The handout record in $XDG_RUNTIME_DIR/gmail-oauth/ (gmo-tokeninfo.c),
 * which every process of the user may write: the input is the file's
 * contents. A record read must be one gmo_handout_format() could have
 * written, read back the same after it is written again, and be safe to
 * decide on. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "fuzz-common.h"
#include "gmo-tokeninfo.h"

const char gmo_fuzz_target[] = "handout";

#define NOW G_GINT64_CONSTANT (1800000000)

static void
assert_tag (const gchar *tag)
{
  g_assert_cmpuint (strlen (tag), ==, GMO_HANDOUT_TAG_LEN);
  for (gsize i = 0; i < GMO_HANDOUT_TAG_LEN; i++)
    g_assert_nonnull (strchr ("0123456789abcdef", tag[i]));
}

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
  GmoHandout handout, again;
  g_autofree gchar *text = NULL;

  /* Filled with garbage first: a refused record must come back emptied. */
  memset (&handout, 0x5a, sizeof handout);
  if (!gmo_handout_parse ((const gchar *) bytes, size, &handout))
    {
      g_assert_cmpstr (handout.tag, ==, "");
      g_assert_cmpint (handout.handed_at, ==, 0);
      g_assert_cmpint (handout.checked_at, ==, 0);
      return 0;
    }
  assert_tag (handout.tag);
  g_assert_cmpint (handout.handed_at, >=, 0);
  g_assert_cmpint (handout.checked_at, >=, 0);
  /* Any times, however far off, are only a reason to check or not. */
  gmo_handout_needs_check (&handout, handout.tag, NOW);

  /* One line, as the file holds it. */
  text = gmo_handout_format (&handout);
  g_assert_true (strchr (text, '\n') == text + strlen (text) - 1);
  g_assert_true (gmo_handout_parse (text, strlen (text), &again));
  g_assert_cmpstr (again.tag, ==, handout.tag);
  g_assert_cmpint (again.handed_at, ==, handout.handed_at);
  g_assert_cmpint (again.checked_at, ==, handout.checked_at);
  return 0;
}
