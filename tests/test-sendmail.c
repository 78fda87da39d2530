/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the pure parts of `gmail-oauth sendmail` (src/cli/gmo-sendmail.c):
 * sendmail's command line, the end of its input, the envelope, the Bcc
 * added for recipients no header names, and the exit statuses. */
#include "config.h"

#include <string.h>
#include <sysexits.h>

#include "gmo-error.h"
#include "gmo-sendmail.h"

/* Parses a command line given as one string of words. */
static gboolean
parse (const gchar *line, GmoSendmailOptions *options, GError **error)
{
  g_auto (GStrv) words = NULL;
  g_autofree gchar *full = g_strconcat ("sendmail ", line, NULL);

  g_assert_true (g_shell_parse_argv (full, NULL, &words, NULL));
  return gmo_sendmail_parse_args ((int) g_strv_length (words), words, options, error);
}

static void
test_args_git (void)
{
  g_auto (GmoSendmailOptions) options = { 0 };
  g_autoptr (GError) error = NULL;

  /* What git send-email passes: -i, then every recipient. */
  g_assert_true (parse ("-i you@example.com 'Me <me@example.com>'", &options, &error));
  g_assert_no_error (error);
  g_assert_true (options.ignore_dots);
  g_assert_false (options.extract_recipients);
  g_assert_null (options.sender);
  g_assert_cmpstrv (options.recipients, ((const gchar *[]){ "you@example.com", "me@example.com",
                                                            NULL }));
}

static void
test_args_forms (void)
{
  const struct
  {
    const gchar *line;
    gboolean t, i, v;
    const gchar *sender;
    guint n_recipients;
  } cases[] = {
    { "-t", TRUE, FALSE, FALSE, NULL, 0 },
    { "-ti", TRUE, TRUE, FALSE, NULL, 0 },
    { "-oi -t", TRUE, TRUE, FALSE, NULL, 0 },
    { "-o i -t", TRUE, TRUE, FALSE, NULL, 0 },
    { "-f me@example.com a@example.com", FALSE, FALSE, FALSE, "me@example.com", 1 },
    { "-fme@example.com a@example.com", FALSE, FALSE, FALSE, "me@example.com", 1 },
    { "-r '<me@example.com>' a@example.com", FALSE, FALSE, FALSE, "me@example.com", 1 },
    { "-f '<>' -t", TRUE, FALSE, FALSE, NULL, 0 },
    { "-f '' -t", TRUE, FALSE, FALSE, NULL, 0 },
    /* cron: sendmail -FCronDaemon -i -B8BITMIME -oem USER */
    { "-FCronDaemon -i -B8BITMIME -oem user@example.com", FALSE, TRUE, FALSE, NULL, 1 },
    { "-F 'A Name' -odi -oem -bm -v -U a@example.com", FALSE, FALSE, TRUE, NULL, 1 },
    { "a@example.com -t b@example.com", TRUE, FALSE, FALSE, NULL, 2 },
    { "'a@example.com, B <b@example.com>'", FALSE, FALSE, FALSE, NULL, 2 },
    { "-N never -R hdrs -V id -X /dev/null -L label -h 3 a@example.com", FALSE, FALSE, FALSE,
      NULL, 1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (GmoSendmailOptions) options = { 0 };
      g_autoptr (GError) error = NULL;

      g_test_message ("%s", cases[i].line);
      g_assert_true (parse (cases[i].line, &options, &error));
      g_assert_no_error (error);
      g_assert_cmpint (options.extract_recipients, ==, cases[i].t);
      g_assert_cmpint (options.ignore_dots, ==, cases[i].i);
      g_assert_cmpint (options.verbose, ==, cases[i].v);
      g_assert_cmpstr (options.sender, ==, cases[i].sender);
      g_assert_cmpuint (g_strv_length (options.recipients), ==, cases[i].n_recipients);
    }
}

static void
test_args_bad (void)
{
  const struct
  {
    const gchar *line;
    const gchar *message;
  } cases[] = {
    { "-x", "Unknown option -x; see “gmail-oauth sendmail --help”" },
    { "--nope", "Unknown option --nope; see “gmail-oauth sendmail --help”" },
    { "-f", "Option -f needs a value" },
    { "-t -o", "Option -o needs a value" },
    { "-bs", "-bs is not supported: gmail-oauth sendmail only sends a message (-bm)" },
    { "-bp", "-bp is not supported: gmail-oauth sendmail only sends a message (-bm)" },
    { "-q", "-q is not supported: gmail-oauth sendmail has no queue" },
    { "-q15m", "-q is not supported: gmail-oauth sendmail has no queue" },
    { "root", "“root” is not an e-mail address (no @domain)" },
    { "'a@example.com\nBcc: evil@example.com'", "A recipient holds a line break or is not UTF-8" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (GmoSendmailOptions) options = { 0 };
      g_autoptr (GError) error = NULL;

      g_test_message ("%s", cases[i].line);
      g_assert_false (parse (cases[i].line, &options, &error));
      g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

static void
test_args_help_and_dashes (void)
{
  g_auto (GmoSendmailOptions) options = { 0 };
  g_auto (GmoSendmailOptions) after = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (parse ("--help", &options, &error));
  g_assert_true (options.help);
  /* After "--" nothing is an option: "-t" is a (bad) recipient. */
  g_assert_false (parse ("-- -t", &after, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
}

static void
test_find_dot (void)
{
  const struct
  {
    const gchar *input;
    gssize expected;
  } cases[] = {
    { "Subject: x\n\nbody\n.\nafter\n", 17 },
    { "Subject: x\r\n\r\nbody\r\n.\r\nafter", 20 },
    { ".\n", 0 },
    { "Subject: x\n\n..\n.x\n .\n", -1 },  /* only a line of exactly "." counts */
    { "Subject: x\n\nbody\n.", -1 },      /* not complete yet: the caller decides at EOF */
    { "Subject: x\n\nbody.\n", -1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (gmo_sendmail_find_dot (cases[i].input, strlen (cases[i].input), 0), ==,
                     cases[i].expected);
  /* From where the previous chunk ended: a dot line that began before it is
   * found when the search starts two bytes back. */
  g_assert_cmpint (gmo_sendmail_find_dot ("a\n.\n", 4, 2), ==, 2);
}

static void
test_skip_from_line (void)
{
  const gchar patch[] = "From 1234abcd Mon Sep 17 00:00:00 2001\nFrom: Me <me@example.com>\n";

  g_assert_cmpuint (gmo_sendmail_skip_from_line (patch, strlen (patch)), ==, 39);
  g_assert_cmpuint (gmo_sendmail_skip_from_line ("From: x\n", 8), ==, 0);
  g_assert_cmpuint (gmo_sendmail_skip_from_line ("Fro", 3), ==, 0);
}

static GmoMimeMessage *
message_parse (const gchar *text)
{
  g_autoptr (GBytes) bytes = g_bytes_new (text, strlen (text));
  g_autoptr (GError) error = NULL;
  GmoMimeMessage *message = gmo_mime_parse (bytes, GMO_ERROR_USAGE, &error);

  g_assert_no_error (error);
  return message;
}

static const gchar headers[] = "From: Me <me@example.com>\n"
                               "To: Ann <ann@example.com>\n"
                               "Cc: bob@example.com\n"
                               "Subject: hello\n"
                               "\n"
                               "body\n";

static void
test_envelope_t (void)
{
  g_autoptr (GmoMimeMessage) message = message_parse (headers);
  g_auto (GmoSendmailOptions) options = { 0 };
  g_auto (GmoSendmailEnvelope) envelope = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (parse ("-t extra@example.com ANN@example.com", &options, &error));
  g_assert_true (gmo_sendmail_envelope (&options, message, &envelope, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (envelope.account, ==, "me@example.com");
  g_assert_cmpstrv (envelope.recipients, ((const gchar *[]){ "ann@example.com", "bob@example.com",
                                                             "extra@example.com", NULL }));
  /* Only the one no header names; ann is named, whatever the case. */
  g_assert_cmpstrv (envelope.added, ((const gchar *[]){ "extra@example.com", NULL }));
}

static void
test_envelope_arguments (void)
{
  g_autoptr (GmoMimeMessage) message = message_parse (headers);
  g_auto (GmoSendmailOptions) options = { 0 };
  g_auto (GmoSendmailOptions) missing = { 0 };
  g_auto (GmoSendmailEnvelope) envelope = { 0 };
  g_auto (GmoSendmailEnvelope) refused = { 0 };
  g_autoptr (GError) error = NULL;

  /* git send-email: every header recipient, plus a Bcc of its own. */
  g_assert_true (parse ("-i -f other@example.com ann@example.com bob@example.com "
                        "hidden@example.com",
                        &options, &error));
  g_assert_true (gmo_sendmail_envelope (&options, message, &envelope, &error));
  g_assert_cmpstr (envelope.account, ==, "other@example.com");
  g_assert_cmpstrv (envelope.added, ((const gchar *[]){ "hidden@example.com", NULL }));
  g_assert_cmpuint (g_strv_length (envelope.recipients), ==, 3);

  /* A header recipient that was not given: Gmail would deliver to them. */
  g_assert_true (parse ("ann@example.com", &missing, &error));
  g_assert_false (gmo_sendmail_envelope (&missing, message, &refused, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_assert_nonnull (strstr (error->message, "bob@example.com"));
}

static void
test_envelope_empty (void)
{
  g_autoptr (GmoMimeMessage) no_to = message_parse ("From: me@example.com\nSubject: x\n\nbody\n");
  g_autoptr (GmoMimeMessage) no_from = message_parse ("To: a@example.com\n\nbody\n");
  g_auto (GmoSendmailOptions) t = { 0 };
  g_auto (GmoSendmailEnvelope) e1 = { 0 };
  g_auto (GmoSendmailEnvelope) e2 = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_true (parse ("-t", &t, &error));
  g_assert_false (gmo_sendmail_envelope (&t, no_to, &e1, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_assert_cmpstr (error->message, ==, "The message has no recipient: no To, Cc or Bcc header");
  g_clear_error (&error);
  g_assert_false (gmo_sendmail_envelope (&t, no_from, &e2, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_assert_cmpstr (error->message, ==, "No account to send from: give -f ACCOUNT or a From header");
}

static void
assert_bcc (const gchar *input, const gchar *const *addresses, const gchar *expected)
{
  g_autoptr (GBytes) in = g_bytes_new (input, strlen (input));
  g_autoptr (GBytes) out = gmo_sendmail_add_bcc (in, addresses);
  gsize len = 0;
  const gchar *data = g_bytes_get_data (out, &len);
  g_autofree gchar *text = g_strndup (data, len);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_add_bcc (void)
{
  const gchar *one[] = { "a@example.com", NULL };
  const gchar *two[] = { "a@example.com", "b@example.com", NULL };

  assert_bcc ("To: x@example.com\n\nbody\n", one,
              "Bcc: a@example.com\nTo: x@example.com\n\nbody\n");
  /* The message's own line ending, and one address a line. */
  assert_bcc ("To: x@example.com\r\n\r\nbody\r\n", two,
              "Bcc: a@example.com,\r\n b@example.com\r\nTo: x@example.com\r\n\r\nbody\r\n");
  /* An existing Bcc keeps its addresses: there is one Bcc field. */
  assert_bcc ("To: x@example.com\nBCC: old@example.com\n\nBcc: in the body\n", one,
              "To: x@example.com\nBCC: a@example.com, old@example.com\n\nBcc: in the body\n");
  /* "Bcc:" in the body is not a header. */
  assert_bcc ("To: x@example.com\n\nBcc: in the body\n", one,
              "Bcc: a@example.com\nTo: x@example.com\n\nBcc: in the body\n");
}

static void
test_exit_status (void)
{
  const struct
  {
    GmoError code;
    GmoSendmailStep step;
    int status;
  } cases[] = {
    { GMO_ERROR_USAGE, GMO_SENDMAIL_STEP_ARGUMENTS, EX_USAGE },
    { GMO_ERROR_USAGE, GMO_SENDMAIL_STEP_INPUT, EX_DATAERR },
    { GMO_ERROR_USAGE, GMO_SENDMAIL_STEP_MESSAGE, EX_DATAERR },
    { GMO_ERROR_USAGE, GMO_SENDMAIL_STEP_SEND, EX_DATAERR },
    { GMO_ERROR_NO_ACCOUNT, GMO_SENDMAIL_STEP_SEND, EX_NOUSER },
    { GMO_ERROR_REAUTHORIZE, GMO_SENDMAIL_STEP_SEND, EX_NOPERM },
    { GMO_ERROR_BAD_CLIENT, GMO_SENDMAIL_STEP_SEND, EX_NOPERM },
    { GMO_ERROR_SCOPE, GMO_SENDMAIL_STEP_SEND, EX_NOPERM },
    { GMO_ERROR_TRANSIENT, GMO_SENDMAIL_STEP_SEND, EX_TEMPFAIL },
    { GMO_ERROR_KEYRING, GMO_SENDMAIL_STEP_SEND, EX_UNAVAILABLE },
    { GMO_ERROR_BAD_RESPONSE, GMO_SENDMAIL_STEP_SEND, EX_PROTOCOL },
  };
  g_autoptr (GError) io = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "read");

  /* Every class has its status. */
  G_STATIC_ASSERT (GMO_ERROR_N_CLASSES == 8);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = g_error_new_literal (GMO_ERROR, cases[i].code, "x");

      g_assert_cmpint (gmo_sendmail_exit_status (error, cases[i].step), ==, cases[i].status);
    }
  g_assert_cmpint (gmo_sendmail_exit_status (NULL, GMO_SENDMAIL_STEP_SEND), ==, EX_OK);
  g_assert_cmpint (gmo_sendmail_exit_status (io, GMO_SENDMAIL_STEP_INPUT), ==, EX_IOERR);
  g_assert_cmpint (gmo_sendmail_exit_status (io, GMO_SENDMAIL_STEP_SEND), ==, EX_SOFTWARE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sendmail/args/git", test_args_git);
  g_test_add_func ("/sendmail/args/forms", test_args_forms);
  g_test_add_func ("/sendmail/args/bad", test_args_bad);
  g_test_add_func ("/sendmail/args/help-and-dashes", test_args_help_and_dashes);
  g_test_add_func ("/sendmail/find-dot", test_find_dot);
  g_test_add_func ("/sendmail/skip-from-line", test_skip_from_line);
  g_test_add_func ("/sendmail/envelope/t", test_envelope_t);
  g_test_add_func ("/sendmail/envelope/arguments", test_envelope_arguments);
  g_test_add_func ("/sendmail/envelope/empty", test_envelope_empty);
  g_test_add_func ("/sendmail/add-bcc", test_add_bcc);
  g_test_add_func ("/sendmail/exit-status", test_exit_status);
  return g_test_run ();
}
