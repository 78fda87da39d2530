/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The pure parts of `gmail-oauth sendmail`: the command line that programs
 * written for sendmail(8) pass (git send-email, cron, mailx), where the
 * message ends, whom it goes to and from which account, and the sysexits
 * status of each failure. */
#include "config.h"

#include <string.h>
#include <sysexits.h>

#include <glib/gi18n.h>

#include "gmo-error.h"
#include "gmo-sendmail.h"

/**
 * gmo_sendmail_options_clear:
 * @options: options read by gmo_sendmail_parse_args()
 *
 * Frees what @options holds.
 */
void
gmo_sendmail_options_clear (GmoSendmailOptions *options)
{
  g_clear_pointer (&options->sender, g_free);
  g_clear_pointer (&options->recipients, g_strfreev);
}

/* The addr-specs of @list, an RFC 5322 address list in UTF-8. GMime reads it
 * as the To field of a message of no more than that header, so that
 * arguments are read by the same rules as the message's own headers. */
static gchar **
addresses_parse (const gchar *list, GError **error)
{
  g_autofree gchar *block = NULL;
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GmoMimeMessage) message = NULL;

  if (strpbrk (list, "\r\n") != NULL || !g_utf8_validate (list, -1, NULL))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("A recipient holds a line break or is not UTF-8"));
      return NULL;
    }
  block = g_strdup_printf ("To: %s\r\n\r\n", list);
  bytes = g_bytes_new_take (g_steal_pointer (&block), strlen (list) + 8);
  message = gmo_mime_parse (bytes, GMO_ERROR_USAGE, error);
  if (message == NULL)
    return NULL;
  for (gsize i = 0; message->recipients[i] != NULL; i++)
    if (strchr (message->recipients[i], '@') == NULL)
      {
        /* Gmail delivers to addresses with a domain only: a local user
         * ("root", cron's default) cannot be reached through it. */
        g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                     _("“%s” is not an e-mail address (no @domain)"), message->recipients[i]);
        return NULL;
      }
  if (message->recipients[0] == NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("“%s” is not an e-mail address"), list);
      return NULL;
    }
  return g_strdupv (message->recipients);
}

/* sendmail's own options that take a value, attached (-fme@example.com) or
 * as the next argument, and its flags. Those not listed in parse_option()
 * are accepted and ignored: they choose queues, delivery modes, DSNs and
 * logs that the Gmail API does not have. */
static const gchar options_with_value[] = "fFrBCNRVXLhoOAeb";
static const gchar options_flags[] = "tivUGmn";

static gboolean
parse_option (GmoSendmailOptions *options, gchar letter, const gchar *value, GError **error)
{
  switch (letter)
    {
    case 't':
      options->extract_recipients = TRUE;
      return TRUE;
    case 'i':
      options->ignore_dots = TRUE;
      return TRUE;
    case 'v':
      options->verbose = TRUE;
      return TRUE;
    case 'f':
    case 'r':
      {
        /* "<me@example.com>" as well; "" and "<>" (the null sender of
         * bounces) leave the account to the From header. */
        g_autofree gchar *sender = g_strstrip (g_strdup (value));
        gsize len = strlen (sender);

        if (len >= 2 && sender[0] == '<' && sender[len - 1] == '>')
          {
            memmove (sender, sender + 1, len - 2);
            sender[len - 2] = '\0';
          }
        g_clear_pointer (&options->sender, g_free);
        if (*sender != '\0')
          options->sender = g_steal_pointer (&sender);
        return TRUE;
      }
    case 'o':
      /* -oi is -i; the other -o options (-oem, -odi, -oQ...) are queue,
       * delivery and error modes. */
      if (g_str_equal (value, "i"))
        options->ignore_dots = TRUE;
      return TRUE;
    case 'b':
      if (g_str_equal (value, "m"))
        return TRUE;
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("-b%s is not supported: gmail-oauth sendmail only sends a message (-bm)"),
                   value);
      return FALSE;
    case 'q':
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("-q is not supported: gmail-oauth sendmail has no queue"));
      return FALSE;
    default:
      if (strchr (options_with_value, letter) != NULL || strchr (options_flags, letter) != NULL)
        {
          g_debug ("sendmail: ignoring -%c%s", letter, value != NULL ? value : "");
          return TRUE;
        }
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Unknown option -%c; see “gmail-oauth sendmail --help”"), letter);
      return FALSE;
    }
}

/**
 * gmo_sendmail_parse_args:
 * @argc: argument count
 * @argv: arguments; argv[0] is the subcommand
 * @options: (out caller-allocates): zeroed options to fill
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * Reads sendmail's command line as its getopt() does: flags may be grouped
 * (-ti), a value may be attached (-fme@example.com, -oi) or be the next
 * argument, and options may follow the recipients until "--". Recipients
 * are RFC 5322 address lists ("Ann <a@example.com>, b@example.com"); @options
 * gets their addr-specs.
 *
 * Returns: %TRUE if the command line is one that can be carried out.
 */
gboolean
gmo_sendmail_parse_args (int argc, char **argv, GmoSendmailOptions *options, GError **error)
{
  g_autoptr (GStrvBuilder) recipients = g_strv_builder_new ();
  gboolean options_done = FALSE;

  for (int i = 1; i < argc; i++)
    {
      const gchar *arg = argv[i];

      if (options_done || arg[0] != '-' || arg[1] == '\0')
        {
          g_auto (GStrv) addresses = addresses_parse (arg, error);

          if (addresses == NULL)
            return FALSE;
          g_strv_builder_addv (recipients, (const gchar **) addresses);
          continue;
        }
      if (g_str_equal (arg, "--"))
        {
          options_done = TRUE;
          continue;
        }
      if (g_str_equal (arg, "--help"))
        {
          options->help = TRUE;
          continue;
        }
      if (arg[1] == '-')
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                       _("Unknown option %s; see “gmail-oauth sendmail --help”"), arg);
          return FALSE;
        }
      for (const gchar *p = arg + 1; *p != '\0'; p++)
        {
          const gchar *value = NULL;

          if (strchr (options_with_value, *p) != NULL || *p == 'q')
            {
              value = p[1] != '\0' ? p + 1 : *p == 'q' ? "" : i + 1 < argc ? argv[++i] : NULL;
              if (value == NULL)
                {
                  g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("Option -%c needs a value"),
                               *p);
                  return FALSE;
                }
            }
          if (!parse_option (options, *p, value, error))
            return FALSE;
          if (value != NULL)
            break;
        }
    }
  options->recipients = g_strv_builder_end (recipients);
  return TRUE;
}

/**
 * gmo_sendmail_find_dot:
 * @data: the input so far
 * @len: its length
 * @from: where the search may start (lines that began before it were seen)
 *
 * Without -i, sendmail's input ends at a line holding only "." (LF or CRLF
 * ended, or at the end of the input).
 *
 * Returns: the message's length (the dot line's offset), or -1 if no such
 * line is complete yet.
 */
gssize
gmo_sendmail_find_dot (const gchar *data, gsize len, gsize from)
{
  for (gsize p = from; p < len; p++)
    {
      if (data[p] != '.' || (p > 0 && data[p - 1] != '\n'))
        continue;
      if ((p + 1 < len && data[p + 1] == '\n')
          || (p + 2 < len && data[p + 1] == '\r' && data[p + 2] == '\n'))
        return (gssize) p;
    }
  return -1;
}

/**
 * gmo_sendmail_skip_from_line:
 * @data: the input
 * @len: its length
 *
 * A message saved from a mailbox or by `git format-patch` starts with an
 * mbox "From " line, which is no header: sendmail drops it, and so do we.
 *
 * Returns: the length of that line with its newline, or 0.
 */
gsize
gmo_sendmail_skip_from_line (const gchar *data, gsize len)
{
  const gchar *newline;

  if (len < 5 || memcmp (data, "From ", 5) != 0)
    return 0;
  newline = memchr (data, '\n', len);
  return newline != NULL ? (gsize) (newline - data) + 1 : len;
}

/**
 * gmo_sendmail_envelope_clear:
 * @envelope: an envelope filled by gmo_sendmail_envelope()
 *
 * Frees what @envelope holds.
 */
void
gmo_sendmail_envelope_clear (GmoSendmailEnvelope *envelope)
{
  g_clear_pointer (&envelope->account, g_free);
  g_clear_pointer (&envelope->recipients, g_strfreev);
  g_clear_pointer (&envelope->added, g_strfreev);
}

static gboolean
address_in (const gchar *const *list, const gchar *address)
{
  for (gsize i = 0; list != NULL && list[i] != NULL; i++)
    if (g_ascii_strcasecmp (list[i], address) == 0)
      return TRUE;
  return FALSE;
}

static void
add_address (GPtrArray *list, const gchar *address)
{
  for (guint i = 0; i < list->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (list, i), address) == 0)
      return;
  g_ptr_array_add (list, g_strdup (address));
}

static gchar **
steal_strv (GPtrArray *list)
{
  g_ptr_array_add (list, NULL);
  return (gchar **) g_ptr_array_steal (list, NULL);
}

/**
 * gmo_sendmail_envelope:
 * @options: the command line
 * @message: the message read
 * @envelope: (out caller-allocates): a zeroed envelope to fill
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * The Gmail API has no envelope: it delivers to the addresses of the To, Cc
 * and Bcc headers (and removes Bcc from what it delivers). So with -t the
 * recipients are those of the headers plus the arguments; without -t they
 * are the arguments, and a header recipient not among them is refused,
 * since Gmail would deliver to them all the same. Arguments that no header
 * names are added as Bcc (envelope->added), the one header Gmail delivers to
 * without showing it. The account is -f's, else the From header's address.
 *
 * Returns: %TRUE if the message can be sent as asked.
 */
gboolean
gmo_sendmail_envelope (const GmoSendmailOptions *options, const GmoMimeMessage *message,
                       GmoSendmailEnvelope *envelope, GError **error)
{
  const gchar *const *headers = (const gchar *const *) message->recipients;
  const gchar *const *given = (const gchar *const *) options->recipients;
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) added = g_ptr_array_new_with_free_func (g_free);

  for (gsize i = 0; headers[i] != NULL; i++)
    {
      if (!options->extract_recipients && !address_in (given, headers[i]))
        {
          g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                       _("The message's headers name %s, who is not among the recipients given "
                         "(Gmail delivers to every To, Cc and Bcc); use -t or add them"),
                       headers[i]);
          return FALSE;
        }
      add_address (all, headers[i]);
    }
  for (gsize i = 0; given[i] != NULL; i++)
    if (!address_in (headers, given[i]))
      {
        add_address (all, given[i]);
        add_address (added, given[i]);
      }
  envelope->recipients = steal_strv (all);
  envelope->added = steal_strv (added);
  if (envelope->recipients[0] == NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("The message has no recipient: no To, Cc or Bcc header"));
      return FALSE;
    }
  envelope->account = g_strdup (options->sender != NULL ? options->sender
                                                        : message->from_address);
  if (envelope->account == NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("No account to send from: give -f ACCOUNT or a From header"));
      return FALSE;
    }
  return TRUE;
}

/* Where the header block of @data ends: at its first empty line. */
static gsize
header_end (const gchar *data, gsize len)
{
  for (gsize p = 0; p < len; p++)
    if ((p == 0 || data[p - 1] == '\n') && (data[p] == '\n' || (data[p] == '\r' && p + 1 < len
                                                                && data[p + 1] == '\n')))
      return p;
  return len;
}

/**
 * gmo_sendmail_add_bcc:
 * @message: an RFC 5322 message
 * @addresses: (array zero-terminated=1): addr-specs to add
 *
 * Adds @addresses to the Bcc header, which is created when there is none.
 * The rest of the message is left byte for byte as it came (a patch's
 * whitespace matters); addr-specs need no encoding, and the new header uses
 * the message's own line ending.
 *
 * Returns: (transfer full): the message with the addresses in its Bcc.
 */
GBytes *
gmo_sendmail_add_bcc (GBytes *message, const gchar *const *addresses)
{
  gsize len = 0;
  const gchar *data = g_bytes_get_data (message, &len);
  const gchar *newline = memchr (data, '\n', len);
  const gchar *eol = newline != NULL && newline > data && newline[-1] == '\r' ? "\r\n" : "\n";
  gsize end = header_end (data, len);
  g_autofree gchar *separator = g_strconcat (",", eol, " ", NULL);
  g_autoptr (GString) list = g_string_new (NULL);
  GString *out = g_string_sized_new (len + 256);
  gsize at = 0;

  /* One address a line: folding keeps every line short however many. */
  for (gsize i = 0; addresses[i] != NULL; i++)
    g_string_append_printf (list, "%s%s", i > 0 ? separator : " ", addresses[i]);
  for (gsize p = 0; p + 4 <= end; p++)
    if ((p == 0 || data[p - 1] == '\n') && g_ascii_strncasecmp (data + p, "Bcc:", 4) == 0)
      {
        at = p + 4;
        break;
      }
  if (at > 0)
    {
      /* " new, new," then the header's own value. */
      g_string_append_len (out, data, at);
      g_string_append_len (out, list->str, list->len);
      g_string_append_c (out, ',');
      g_string_append_len (out, data + at, len - at);
    }
  else
    {
      g_string_append_printf (out, "Bcc:%s%s", list->str, eol);
      g_string_append_len (out, data, len);
    }
  return g_string_free_to_bytes (out);
}

/**
 * gmo_sendmail_exit_status:
 * @error: (nullable): why sending failed
 * @step: where
 *
 * The sysexits(3) status of a failure, as sendmail's callers read them: 75
 * means "try again later" to cron and mail queues, the others are final.
 *
 * Returns: the exit status.
 */
int
gmo_sendmail_exit_status (const GError *error, GmoSendmailStep step)
{
  if (error == NULL)
    return EX_OK;
  if (error->domain != GMO_ERROR)
    return step == GMO_SENDMAIL_STEP_INPUT ? EX_IOERR : EX_SOFTWARE;
  switch ((GmoError) error->code)
    {
    case GMO_ERROR_USAGE:
      /* Once the command line is read, what can be wrong is the message:
       * too big, malformed, without recipients, or refused by Gmail. */
      return step == GMO_SENDMAIL_STEP_ARGUMENTS ? EX_USAGE : EX_DATAERR;
    case GMO_ERROR_NO_ACCOUNT:
      return EX_NOUSER;
    case GMO_ERROR_REAUTHORIZE:
    case GMO_ERROR_BAD_CLIENT:
    case GMO_ERROR_SCOPE:
      return EX_NOPERM;
    case GMO_ERROR_TRANSIENT:
      return EX_TEMPFAIL;
    case GMO_ERROR_KEYRING:
      return EX_UNAVAILABLE;
    case GMO_ERROR_BAD_RESPONSE:
      /* sendmail's own status for a server that broke the protocol. */
      return EX_PROTOCOL;
    }
  return EX_SOFTWARE;
}
