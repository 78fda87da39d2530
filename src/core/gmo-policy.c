/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The caller policy of gmail-oauthd: which sandboxed applications (Flatpak
 * apps, snaps) may get which account's tokens. The user decides with
 * `gmail-oauth allow` and `deny`; the decisions live in a key file,
 * $XDG_CONFIG_HOME/gmail-oauth/apps.ini, one group per account with the list
 * "allow" of application ids. It holds no secret. Also here, as pure
 * functions: how an application id is read from what identifies a sandboxed
 * process (its /.flatpak-info, its AppArmor label), as xdg-desktop-portal
 * reads them. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "gmo-error.h"
#include "gmo-policy.h"

#define MAX_APP_ID 255

/**
 * gmo_policy_check_app_id:
 * @app_id: what the user typed
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * Flatpak application ids are reverse-DNS names ("org.example.App"); snaps
 * are named "snap.NAME" here. Either is letters, digits, '.', '_' and '-'.
 *
 * Returns: %TRUE if @app_id is one.
 */
gboolean
gmo_policy_check_app_id (const gchar *app_id, GError **error)
{
  gsize len = app_id != NULL ? strlen (app_id) : 0;

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (app_id[i]) && app_id[i] != '.' && app_id[i] != '_' && app_id[i] != '-')
      len = 0;
  if (len == 0 || len > MAX_APP_ID || app_id[0] == '.' || strchr (app_id, '.') == NULL)
    {
      g_autofree gchar *shown = g_strescape (app_id != NULL ? app_id : "", NULL);

      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   /* Translators: %s is what the user typed. */
                   _ ("“%s” is not an application id (a Flatpak id such as "
                      "org.example.App, or snap.NAME)"),
                   shown);
      return FALSE;
    }
  return TRUE;
}

/**
 * gmo_policy_app_id_from_flatpak_info:
 * @contents: the process's /.flatpak-info
 * @len: its length
 *
 * Returns: (transfer full): the application id in its [Application] group,
 * or "" when it names none (a sandboxed process all the same).
 */
gchar *
gmo_policy_app_id_from_flatpak_info (const gchar *contents, gsize len)
{
  g_autoptr (GKeyFile) info = g_key_file_new ();
  g_autofree gchar *name = NULL;

  if (g_key_file_load_from_data (info, contents, len, G_KEY_FILE_NONE, NULL))
    name = g_key_file_get_string (info, "Application", "name", NULL);
  if (name == NULL || !gmo_policy_check_app_id (name, NULL))
    return g_strdup ("");
  return g_steal_pointer (&name);
}

/**
 * gmo_policy_app_id_from_label:
 * @label: (nullable): the process's security label (LinuxSecurityLabel)
 *
 * Snaps run under the AppArmor profile "snap.NAME.APP" (or
 * "snap.NAME.hook.HOOK"), shown as "snap.NAME.APP (enforce)".
 *
 * Returns: (transfer full) (nullable): "snap.NAME" for a snap, else %NULL.
 */
gchar *
gmo_policy_app_id_from_label (const gchar *label)
{
  const gchar *name, *end;
  g_autofree gchar *id = NULL;

  if (label == NULL || !g_str_has_prefix (label, "snap."))
    return NULL;
  name = label + strlen ("snap.");
  end = strchr (name, '.');
  if (end == NULL)
    end = name + strcspn (name, " ");
  id = g_strdup_printf ("snap.%.*s", (int)(end - name), name);
  return gmo_policy_check_app_id (id, NULL) && end > name ? g_steal_pointer (&id) : g_strdup ("");
}

static gchar *
policy_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "gmail-oauth", "apps.ini", NULL);
}

/* The key file, empty when there is none; a damaged one reads as empty
 * (nothing allowed) with a warning. */
static GKeyFile *
policy_load (GError **error)
{
  g_autofree gchar *path = policy_path ();
  g_autoptr (GKeyFile) file = g_key_file_new ();
  g_autoptr (GError) local_error = NULL;

  if (!g_key_file_load_from_file (file, path, G_KEY_FILE_KEEP_COMMENTS, &local_error)
      && !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      if (error != NULL)
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _ ("Cannot read %s: %s"), path,
                       local_error->message);
          return NULL;
        }
      g_warning ("Cannot read %s (nothing is allowed): %s", path, local_error->message);
      g_clear_pointer (&file, g_key_file_unref);
      file = g_key_file_new ();
    }
  return g_steal_pointer (&file);
}

/**
 * gmo_policy_list:
 * @account: a normalised account
 *
 * Returns: (transfer full): the applications allowed for @account, possibly none.
 */
gchar **
gmo_policy_list (const gchar *account)
{
  g_autoptr (GKeyFile) file = policy_load (NULL);
  gchar **apps = g_key_file_get_string_list (file, account, "allow", NULL, NULL);

  return apps != NULL ? apps : g_new0 (gchar *, 1);
}

/**
 * gmo_policy_allows:
 * @account: a normalised account
 * @app_id: an application id
 *
 * Returns: whether the user allowed @app_id to get the tokens of @account.
 */
gboolean
gmo_policy_allows (const gchar *account, const gchar *app_id)
{
  g_auto (GStrv) apps = gmo_policy_list (account);

  return *app_id != '\0' && g_strv_contains ((const gchar *const *)apps, app_id);
}

/**
 * gmo_policy_set:
 * @account: a normalised account
 * @app_id: an application id (checked with gmo_policy_check_app_id())
 * @allow: %TRUE to allow, %FALSE to deny
 * @out_changed: (out) (optional): whether that changed anything
 * @error: return location for an error
 *
 * Allows or denies @app_id the tokens of @account, in one write of the file.
 *
 * Returns: %TRUE on success.
 */
gboolean
gmo_policy_set (const gchar *account, const gchar *app_id, gboolean allow, gboolean *out_changed,
                GError **error)
{
  g_autofree gchar *path = policy_path ();
  g_autofree gchar *dir = g_path_get_dirname (path);
  g_autofree gchar *text = NULL;
  g_autoptr (GKeyFile) file = NULL;
  g_autoptr (GPtrArray) apps = g_ptr_array_new ();
  g_autoptr (GError) local_error = NULL;
  g_auto (GStrv) old = NULL;
  gboolean present;
  gsize len;

  if (!gmo_policy_check_app_id (app_id, error))
    return FALSE;
  file = policy_load (error);
  if (file == NULL)
    return FALSE;
  old = g_key_file_get_string_list (file, account, "allow", NULL, NULL);
  present = old != NULL && g_strv_contains ((const gchar *const *)old, app_id);
  if (out_changed != NULL)
    *out_changed = present != allow;
  if (present == allow)
    return TRUE;
  for (guint i = 0; old != NULL && old[i] != NULL; i++)
    if (!g_str_equal (old[i], app_id))
      g_ptr_array_add (apps, old[i]);
  if (allow)
    g_ptr_array_add (apps, (gpointer)app_id);
  if (apps->len > 0)
    g_key_file_set_string_list (file, account, "allow", (const gchar *const *)apps->pdata,
                                apps->len);
  else
    g_key_file_remove_group (file, account, NULL);
  g_key_file_set_comment (file, NULL, NULL,
                          " Sandboxed applications allowed to get tokens from gmail-oauthd:"
                          " see gmail-oauth allow and deny. No secret is kept here.",
                          NULL);
  text = g_key_file_to_data (file, &len, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0
      || !g_file_set_contents_full (path, text, len, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                    &local_error))
    {
      int saved = errno;

      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _ ("Cannot write %s: %s"), path,
                   local_error != NULL ? local_error->message : g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}
