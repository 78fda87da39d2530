/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `gmail-oauth sendmail`: the sendmail door. Programs that pipe a message to
 * sendmail(8) (git send-email --sendmail-cmd, cron, scripts) send it through
 * the Gmail API's messages.send with a stored account, with no SMTP and no
 * SASL module. The whole input is read and checked first, then sent once:
 * nothing partial ever leaves. The pure parts are gmo-sendmail.c. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "gmo-autocleanups.h"
#include "gmo-cli.h"
#include "gmo-error.h"
#include "gmo-gmail.h"
#include "gmo-json.h"
#include "gmo-mime.h"
#include "gmo-sendmail.h"

static void
print_help (void)
{
  static const struct
  {
    int status;
    const gchar *text;
  } statuses[] = {
    { EX_OK, N_("sent") },
    { EX_USAGE, N_("bad arguments: an unknown option, no recipient, a mode other than -bm") },
    { EX_DATAERR, N_("the message: empty, malformed, over 35 MB, without recipient or sender, "
                     "naming recipients that were not given, or refused by Gmail") },
    { EX_NOUSER, N_("no-account: the account is not stored") },
    { EX_UNAVAILABLE, N_("keyring: the Secret Service is missing or locked") },
    { EX_SOFTWARE, N_("internal error (a bug: please report it)") },
    { EX_IOERR, N_("standard input cannot be read") },
    { EX_TEMPFAIL, N_("transient: network, timeout, Gmail busy (429, 5xx); retry later") },
    { EX_PROTOCOL, N_("bad-response: Gmail answered something invalid") },
    { EX_NOPERM, N_("reauthorize, bad-client or scope: log in again (with the gmail.send or "
                    "https://mail.google.com/ scope)") },
  };

  printf ("%s\n\n",
          _("Usage: gmail-oauth sendmail [-t] [-i] [-f ACCOUNT] [-v] [--] [RECIPIENT…]"));
  printf ("%s\n\n",
          _("Sends the RFC 5322 message read from standard input through the Gmail API of a "
            "stored account, as sendmail(8) would: for git send-email "
            "(--sendmail-cmd=\"gmail-oauth sendmail\"), cron and scripts. The whole message is "
            "read and checked before it is sent, once."));
  printf ("  -t          %s\n", _("send to the To, Cc and Bcc of the message (and any RECIPIENT)"));
  printf ("  -i, -oi     %s\n", _("a line holding only \".\" does not end the message"));
  printf ("  -f ACCOUNT  %s\n",
          _("the stored account to send from (also -r); default: the From address"));
  printf ("  -v          %s\n", _("say on standard error what was sent"));
  printf ("  --help      %s\n\n", _("show this help"));
  printf ("%s\n\n",
          _("Without -t, the message goes to the RECIPIENTs, which must include every address "
            "of its To, Cc and Bcc (Gmail delivers to all of them). RECIPIENTs that no header "
            "names are added to Bcc, which Gmail delivers to and removes. Accepted and ignored, "
            "as Gmail has no queue or delivery modes: -F NAME, -o… (-oem, -odi), -B TYPE, -N, "
            "-R, -V, -X, -L, -h, -C, -O, -A, -e, -U, -G, -m, -n, -bm."));
  printf ("%s\n", _("Exit status (sysexits):"));
  for (gsize i = 0; i < G_N_ELEMENTS (statuses); i++)
    printf ("  %-3d %s\n", statuses[i].status, _(statuses[i].text));
}

/* Reads standard input to its end (or to a lone "." line without -i), up to
 * the most Gmail takes. */
static GBytes *
read_message (gboolean ignore_dots, GError **error)
{
  g_autoptr (GByteArray) input = g_byte_array_new ();
  gchar chunk[64 * 1024];
  gsize skip;

  for (;;)
    {
      ssize_t n = read (STDIN_FILENO, chunk, sizeof chunk);
      gssize dot;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Cannot read standard input: %s"), g_strerror (saved_errno));
          return NULL;
        }
      if (n == 0)
        break;
      g_byte_array_append (input, (const guint8 *) chunk, (guint) n);
      /* A dot line may have begun in the previous chunk. */
      dot = ignore_dots ? -1
                        : gmo_sendmail_find_dot ((const gchar *) input->data, input->len,
                                                 input->len - (gsize) n > 2
                                                     ? input->len - (gsize) n - 2
                                                     : 0);
      if (dot >= 0)
        {
          g_byte_array_set_size (input, (guint) dot);
          break;
        }
      if (input->len > GMO_SENDMAIL_MAX_MESSAGE)
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                       _("The message is larger than %d MB, the most Gmail accepts"),
                       GMO_SENDMAIL_MAX_MESSAGE / (1000 * 1000));
          return NULL;
        }
    }
  /* A last line of only "." with no newline ends the input as well. */
  if (!ignore_dots && input->len >= 1 && input->data[input->len - 1] == '.'
      && (input->len == 1 || input->data[input->len - 2] == '\n'))
    g_byte_array_set_size (input, input->len - 1);

  skip = gmo_sendmail_skip_from_line ((const gchar *) input->data, input->len);
  g_byte_array_remove_range (input, 0, (guint) skip);
  if (input->len == 0)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("The message is empty"));
      return NULL;
    }
  /* RFC 5322 allows no NUL, even in 8-bit text; whatever reads the message
   * next could cut it there. */
  if (memchr (input->data, '\0', input->len) != NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("The message holds a NUL byte, which RFC 5322 does not allow"));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&input));
}

/**
 * gmo_cli_sendmail:
 * @argc: argument count
 * @argv: arguments; argv[0] is "sendmail"
 *
 * Returns: the exit status, a sysexits(3) value.
 */
int
gmo_cli_sendmail (int argc, char **argv)
{
  g_auto (GmoSendmailOptions) options = { 0 };
  g_auto (GmoSendmailEnvelope) envelope = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GmoMimeMessage) message = NULL;
  g_autoptr (GmoGmail) gmail = NULL;
  g_autoptr (json_object) sent = NULL;
  GmoSendmailStep step = GMO_SENDMAIL_STEP_ARGUMENTS;

  if (!gmo_sendmail_parse_args (argc, argv, &options, &error))
    goto out;
  if (options.help)
    {
      print_help ();
      return fflush (stdout) == 0 ? EX_OK : EX_IOERR;
    }
  if (!options.extract_recipients && options.recipients[0] == NULL)
    {
      g_set_error (&error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("No recipient: name them as arguments, or use -t to take them from the "
                     "message's headers"));
      goto out;
    }

  step = GMO_SENDMAIL_STEP_INPUT;
  raw = read_message (options.ignore_dots, &error);
  if (raw == NULL)
    goto out;

  step = GMO_SENDMAIL_STEP_MESSAGE;
  message = gmo_mime_parse (raw, GMO_ERROR_USAGE, &error);
  if (message == NULL || !gmo_sendmail_envelope (&options, message, &envelope, &error))
    goto out;
  if (envelope.added[0] != NULL)
    {
      GBytes *with_bcc = gmo_sendmail_add_bcc (raw, (const gchar *const *) envelope.added);

      g_bytes_unref (raw);
      raw = with_bcc;
    }

  step = GMO_SENDMAIL_STEP_SEND;
  gmail = gmo_gmail_new (envelope.account, &error);
  if (gmail == NULL)
    goto out;
  sent = gmo_gmail_send (gmail, raw, NULL, NULL, &error);
  if (sent == NULL)
    goto out;
  if (options.verbose)
    {
      const gchar *id = gmo_json_get_string (sent, "id");
      guint n = g_strv_length (envelope.recipients);

      g_printerr (ngettext ("gmail-oauth: sent message %s from %s to %u recipient\n",
                            "gmail-oauth: sent message %s from %s to %u recipients\n", n),
                  id != NULL ? id : "?", gmo_gmail_get_account (gmail), n);
    }

out:
  if (error == NULL)
    return EX_OK;
  gmo_cli_report (error);
  return gmo_sendmail_exit_status (error, step);
}
