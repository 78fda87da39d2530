/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The caller policy: application ids from /.flatpak-info and AppArmor labels,
 * and the decisions of gmail-oauth allow and deny (in the throwaway
 * XDG_CONFIG_HOME of tests/with-session). */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "gmo-broker.h"
#include "gmo-error.h"
#include "gmo-policy.h"

static void
test_app_id_check (void)
{
  g_autoptr (GError) error = NULL;
  const gchar *good[] = { "org.example.App", "org.mozilla.Thunderbird", "snap.thunderbird",
                          "io.github.some_one.App-2" };
  const gchar *bad[] = { "", "App", ".org.example", "org.example/App", "org example", "org.éx" };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    g_assert_true (gmo_policy_check_app_id (good[i], NULL));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (gmo_policy_check_app_id (bad[i], &error));
      g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
      g_clear_error (&error);
    }
}

static void
test_flatpak_info (void)
{
  const gchar *info = "[Application]\nname=org.example.Mail\nruntime=runtime/x/y/z\n"
                      "[Instance]\ninstance-id=1\n";
  g_autofree gchar *id = gmo_policy_app_id_from_flatpak_info (info, strlen (info));
  g_autofree gchar *none = gmo_policy_app_id_from_flatpak_info ("[Instance]\n", 11);
  g_autofree gchar *junk = gmo_policy_app_id_from_flatpak_info ("\x01\x02 not a key file", 17);
  g_autofree gchar *evil
      = gmo_policy_app_id_from_flatpak_info ("[Application]\nname=../../x\n", 27);

  g_assert_cmpstr (id, ==, "org.example.Mail");
  /* A sandbox all the same, whose app is unknown. */
  g_assert_cmpstr (none, ==, "");
  g_assert_cmpstr (junk, ==, "");
  g_assert_cmpstr (evil, ==, "");
}

static void
test_snap_label (void)
{
  g_autofree gchar *app = gmo_policy_app_id_from_label ("snap.thunderbird.thunderbird (enforce)");
  g_autofree gchar *hook = gmo_policy_app_id_from_label ("snap.mailer.hook.configure (complain)");
  g_autofree gchar *bare = gmo_policy_app_id_from_label ("snap.mailer");
  g_autofree gchar *odd = gmo_policy_app_id_from_label ("snap..x (enforce)");

  g_assert_cmpstr (app, ==, "snap.thunderbird");
  g_assert_cmpstr (hook, ==, "snap.mailer");
  g_assert_cmpstr (bare, ==, "snap.mailer");
  g_assert_cmpstr (odd, ==, "");
  g_assert_null (gmo_policy_app_id_from_label ("unconfined"));
  g_assert_null (gmo_policy_app_id_from_label ("/usr/bin/evince (enforce)"));
  g_assert_null (gmo_policy_app_id_from_label (NULL));
}

static void
test_allow_deny (void)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) apps = NULL;
  g_autofree gchar *path
      = g_build_filename (g_get_user_config_dir (), "gmail-oauth", "apps.ini", NULL);
  gboolean changed = FALSE;

  g_assert_false (gmo_policy_allows ("a@example.com", "org.example.App"));
  g_assert_true (gmo_policy_set ("a@example.com", "org.example.App", TRUE, &changed, &error));
  g_assert_no_error (error);
  g_assert_true (changed);
  g_assert_true (gmo_policy_set ("a@example.com", "org.example.Other", TRUE, NULL, &error));
  g_assert_true (gmo_policy_allows ("a@example.com", "org.example.App"));
  g_assert_false (gmo_policy_allows ("b@example.com", "org.example.App"));
  g_assert_false (gmo_policy_allows ("a@example.com", ""));
  apps = gmo_policy_list ("a@example.com");
  g_assert_cmpuint (g_strv_length (apps), ==, 2);
  g_assert_true (gmo_policy_set ("a@example.com", "org.example.App", TRUE, &changed, &error));
  g_assert_false (changed);
  g_assert_true (gmo_policy_set ("a@example.com", "org.example.App", FALSE, &changed, &error));
  g_assert_true (changed);
  g_assert_false (gmo_policy_allows ("a@example.com", "org.example.App"));
  g_assert_true (gmo_policy_allows ("a@example.com", "org.example.Other"));
  g_assert_true (gmo_policy_set ("a@example.com", "org.example.Other", FALSE, NULL, &error));
  g_clear_pointer (&apps, g_strfreev);
  apps = gmo_policy_list ("a@example.com");
  g_assert_cmpuint (g_strv_length (apps), ==, 0);
  g_assert_false (gmo_policy_set ("a@example.com", "no id", TRUE, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_clear_error (&error);

  /* A damaged file allows nothing, and is reported to the command line. */
  g_assert_true (g_file_set_contents (path, "[a@example.com\nallow=", -1, NULL));
  g_test_expect_message ("gmail-oauth", G_LOG_LEVEL_WARNING, "Cannot read *(nothing is allowed)*");
  g_assert_false (gmo_policy_allows ("a@example.com", "org.example.App"));
  g_test_assert_expected_messages ();
  g_assert_false (gmo_policy_set ("a@example.com", "org.example.App", TRUE, NULL, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_unlink (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/policy/app-id-check", test_app_id_check);
  g_test_add_func ("/policy/flatpak-info", test_flatpak_info);
  g_test_add_func ("/policy/snap-label", test_snap_label);
  g_test_add_func ("/policy/allow-deny", test_allow_deny);
  return g_test_run ();
}
