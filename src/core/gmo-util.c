/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "gmo-error.h"
#include "gmo-util.h"

/**
 * gmo_process_keep_secrets:
 *
 * For the long-running doors (gmail-oauthd, `gmail-oauth mcp`), which hold
 * tokens for hours: no core dump, and no ptrace or /proc/PID/mem access by
 * other processes of the same user, as ssh-agent does.
 */
void
gmo_process_keep_secrets (void)
{
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
    g_warning ("Cannot make the process non-dumpable: %s", g_strerror (errno));
}

/**
 * gmo_program_init:
 *
 * What every main() does first: all logging to stderr, since stdout carries a
 * protocol or a token in every one of our programs (GLib would write debug
 * output to stdout), then locale and text domain.
 */
void
gmo_program_init (void)
{
  g_log_writer_default_set_use_stderr (TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

/**
 * gmo_now:
 *
 * Returns: the current UTC time in unix seconds.
 */
gint64
gmo_now (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/**
 * gmo_format_rfc3339:
 * @unix_seconds: a time
 *
 * Returns: (transfer full): @unix_seconds as RFC 3339 UTC, "2025-03-20T19:03:25Z".
 */
gchar *
gmo_format_rfc3339 (gint64 unix_seconds)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (unix_seconds);

  if (dt == NULL)
    return g_strdup ("1970-01-01T00:00:00Z");
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

/**
 * gmo_xoauth2_encode:
 * @account: the e-mail address
 * @access_token: a valid access token
 *
 * Returns: (transfer full): the SASL XOAUTH2 initial response,
 * base64 ("user=" account "\1auth=Bearer " token "\1\1").
 */
GmoSecret *
gmo_xoauth2_encode (const gchar *account, const gchar *access_token)
{
  g_autoptr (GmoSecret) raw = g_strdup_printf ("user=%s\001auth=Bearer %s\001\001", account,
                                               access_token);

  return g_base64_encode ((const guchar *) raw, strlen (raw));
}

/**
 * gmo_runtime_dir:
 * @error: return location for an error
 *
 * Returns: (transfer full): `$XDG_RUNTIME_DIR/gmail-oauth`, created private
 * (0700) if needed; GLib falls back to the cache directory when the variable
 * is unset.
 */
gchar *
gmo_runtime_dir (GError **error)
{
  g_autofree gchar *dir = g_build_filename (g_get_user_runtime_dir (), "gmail-oauth", NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, GMO_ERROR, GMO_ERROR_KEYRING,
                   _("Cannot create the lock directory %s: %s"), dir, g_strerror (saved));
      return NULL;
    }
  return g_steal_pointer (&dir);
}

static void
on_forwarded_cancel (GCancellable *from, gpointer to)
{
  g_cancellable_cancel (to);
}

/**
 * gmo_cancellable_forward:
 * @from: a cancellable
 * @to: (transfer none): another, kept alive until the handler is disconnected
 *
 * Cancels @to when @from is cancelled, at once if it already is.
 *
 * Returns: the handler, for g_cancellable_disconnect() on @from (0 if @from
 * was already cancelled).
 */
gulong
gmo_cancellable_forward (GCancellable *from, GCancellable *to)
{
  return g_cancellable_connect (from, G_CALLBACK (on_forwarded_cancel), g_object_ref (to),
                                g_object_unref);
}
