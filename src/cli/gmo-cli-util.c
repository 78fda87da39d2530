/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the subcommands of `gmail-oauth` share: options, standard input and
 * output, the one-line report of an error. Apart from the program's main()
 * (gmail-oauth.c), so that the fuzz targets of the MCP door and of import
 * link the subcommands' code without it. */
#include "config.h"

#include <stdio.h>

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "gmo-autocleanups.h"
#include "gmo-cli.h"
#include "gmo-error.h"
#include "gmo-secret.h"

/**
 * gmo_cli_report:
 * @error: an error
 *
 * Prints @error as one line on stderr.
 *
 * Returns: the exit status of its class (%GMO_EXIT_USAGE for option errors).
 */
int
gmo_cli_report (const GError *error)
{
  g_autofree gchar *line = g_strdup (error->message);

  /* One line, whatever a lower layer put in the message. */
  g_strdelimit (line, "\r\n", ' ');
  g_printerr ("gmail-oauth: %s\n", line);
  if (error->domain == G_OPTION_ERROR)
    return GMO_EXIT_USAGE;
  return gmo_error_exit_status (error);
}

/**
 * gmo_cli_parse_options:
 * @context: the subcommand's option context
 * @argc: (inout): argument count
 * @argv: (inout): arguments; argv[0] is the subcommand
 * @min_args: how many positional arguments are required
 * @max_args: how many are allowed
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * Returns: %TRUE if the options parsed and the positional count is right.
 */
gboolean
gmo_cli_parse_options (GOptionContext *context, int *argc, char ***argv, int min_args,
                       int max_args, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (!g_option_context_parse (context, argc, argv, &local_error))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, "%s", local_error->message);
      return FALSE;
    }
  if (*argc - 1 < min_args || *argc - 1 > max_args)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Wrong number of arguments; see “gmail-oauth %s --help”"), (*argv)[0]);
      return FALSE;
    }
  return TRUE;
}

/**
 * gmo_cli_read_stdin_secret:
 * @max_len: the most bytes accepted
 * @error: return location for an error
 *
 * Reads all of standard input (a secret, or a file holding secrets).
 *
 * Returns: (transfer full): the bytes as a string, to free with
 * gmo_secret_free(), or %NULL on failure or if there were more than @max_len.
 */
gchar *
gmo_cli_read_stdin_secret (gsize max_len, GError **error)
{
  g_autoptr (GmoSecretString) buffer = g_string_sized_new (4096);
  char chunk[4096];
  size_t n;

  while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0)
    {
      g_string_append_len (buffer, chunk, n);
      gmo_wipe (chunk, n);
      if (buffer->len > max_len)
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("The input is too long"));
          return NULL;
        }
    }
  if (ferror (stdin))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("Cannot read standard input"));
      return NULL;
    }
  return gmo_secret_dup_len (buffer->str, buffer->len);
}

/* Writes @text and checks that it reached its reader (a closed pipe is a failure). */
gboolean
gmo_cli_write_stdout (const gchar *text, GError **error)
{
  if (fputs (text, stdout) == EOF || fflush (stdout) != 0)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("Cannot write to standard output"));
      return FALSE;
    }
  return TRUE;
}
