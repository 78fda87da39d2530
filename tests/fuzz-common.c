/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The set-up every fuzz target shares, and the replay driver that makes each
 * of them a test in builds without libFuzzer. See fuzz-common.h. */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  /* A warning or a critical is a bug too. */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  /* Whatever a parser hands its input to (the MCP tools reach for the
   * keyring, gmail-oauthd and Google's endpoints), nothing leaves the
   * process: no session bus, and endpoints gmo_http_check_url() refuses at
   * once, without a connection or a retry. */
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/gmail-oauth-fuzz", TRUE);
  g_unsetenv ("DISPLAY");
  g_setenv ("GMAIL_OAUTH_TOKEN_URL", "http://fuzzing.invalid/token", TRUE);
  g_setenv ("GMAIL_OAUTH_AUTH_URL", "http://fuzzing.invalid/auth", TRUE);
  g_setenv ("GMAIL_OAUTH_REVOKE_URL", "http://fuzzing.invalid/revoke", TRUE);
  g_setenv ("GMAIL_OAUTH_GMAIL_URL", "http://fuzzing.invalid/gmail/", TRUE);
  g_setenv ("GMAIL_OAUTH_TOKENINFO_URL", "http://fuzzing.invalid/tokeninfo", TRUE);
  g_setenv ("GMAIL_OAUTH_USERINFO_URL", "http://fuzzing.invalid/userinfo", TRUE);
  return 0;
}

/**
 * gmo_fuzz_piece:
 * @data: a fuzz input
 * @len: its length
 * @done: how much of it was handed over already (less than @len)
 * @max: the largest piece
 *
 * The size of the next piece in which @data reaches a parser, as a network
 * or a pipe would cut it: chosen by the input's own byte at @done, so that
 * the fuzzer varies the cuts with the bytes and a seed always replays the
 * same way.
 *
 * Returns: 1 to @max, at most what is left.
 */
gsize
gmo_fuzz_piece (const gchar *data, gsize len, gsize done, gsize max)
{
  g_assert (done < len && max > 0);
  return MIN (1 + (guchar) data[done] % max, len - done);
}

/* A message or details line that reaches a user or a log: one line. */
void
gmo_fuzz_assert_one_line (const gchar *text)
{
  g_assert_nonnull (text);
  g_assert_null (strchr (text, '\n'));
}

#ifndef GMO_FUZZING
static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

static void
replay (gconstpointer path)
{
  g_autofree gchar *contents = NULL;
  gsize len = 0;
  g_autoptr (GError) error = NULL;

  /* No path: the empty input, which no seed file holds. */
  if (path == NULL)
    contents = g_strdup ("");
  else
    g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  g_assert_cmpint (LLVMFuzzerTestOneInput ((const uint8_t *) contents, len), ==, 0);
}

/* Replays every file of tests/fuzz/<target>/ as a test of its own. */
int
main (int argc, char **argv)
{
  g_autofree gchar *dir_path = NULL;
  g_autofree gchar *test_path = NULL;
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  const gchar *name;

  g_test_init (&argc, &argv, NULL);
  LLVMFuzzerInitialize (&argc, &argv);
  dir_path = g_test_build_filename (G_TEST_DIST, "fuzz", gmo_fuzz_target, NULL);
  dir = g_dir_open (dir_path, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  /* A target without seeds would pass without testing anything. */
  g_assert_cmpuint (names->len, >, 0);
  for (guint i = 0; i < names->len; i++)
    {
      const gchar *file = g_ptr_array_index (names, i);
      g_autofree gchar *file_test = g_strdup_printf ("/fuzz/%s/%s", gmo_fuzz_target, file);
      gchar *path = g_build_filename (dir_path, file, NULL);

      g_ptr_array_add (paths, path);
      g_test_add_data_func (file_test, path, replay);
    }
  test_path = g_strdup_printf ("/fuzz/%s/(empty)", gmo_fuzz_target);
  g_test_add_data_func (test_path, NULL, replay);
  return g_test_run ();
}
#endif
