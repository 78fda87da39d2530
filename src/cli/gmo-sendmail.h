/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "gmo-gmail.h"
#include "gmo-mime.h"

G_BEGIN_DECLS

/* The pure parts of `gmail-oauth sendmail`: sendmail's command line, the end
 * of its input, the envelope, and the exit statuses. No I/O here, so that
 * tests can feed them anything. */

/* The most a message may be: what Gmail's upload endpoint takes. */
#define GMO_SENDMAIL_MAX_MESSAGE GMO_GMAIL_UPLOAD_MAX

typedef struct
{
  gboolean extract_recipients; /* -t: the recipients are those of the headers */
  gboolean ignore_dots;        /* -i, -oi: a lone "." line does not end the input */
  gboolean verbose;            /* -v: say what was sent, on stderr */
  gboolean help;               /* --help */
  gchar *sender;               /* (nullable): -f or -r, the account */
  gchar **recipients;          /* the arguments, never %NULL */
} GmoSendmailOptions;

void gmo_sendmail_options_clear (GmoSendmailOptions *options);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GmoSendmailOptions, gmo_sendmail_options_clear)

gboolean gmo_sendmail_parse_args (int argc, char **argv, GmoSendmailOptions *options,
                                  GError **error);

gssize gmo_sendmail_find_dot (const gchar *data, gsize len, gsize from);
gsize gmo_sendmail_skip_from_line (const gchar *data, gsize len);

/* Whom a message goes to, and from which account. */
typedef struct
{
  gchar *account;      /* the account that sends */
  gchar **recipients;  /* every recipient, never %NULL */
  gchar **added;       /* recipients given as arguments that no header names */
} GmoSendmailEnvelope;

void gmo_sendmail_envelope_clear (GmoSendmailEnvelope *envelope);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GmoSendmailEnvelope, gmo_sendmail_envelope_clear)

gboolean gmo_sendmail_envelope (const GmoSendmailOptions *options, const GmoMimeMessage *message,
                                GmoSendmailEnvelope *envelope, GError **error);
GBytes *gmo_sendmail_add_bcc (GBytes *message, const gchar *const *addresses);

/* Which step failed, for the exit status. */
typedef enum
{
  GMO_SENDMAIL_STEP_ARGUMENTS, /* before the message was read */
  GMO_SENDMAIL_STEP_INPUT,     /* reading standard input */
  GMO_SENDMAIL_STEP_MESSAGE,   /* the message and its envelope */
  GMO_SENDMAIL_STEP_SEND,      /* the account, the token and Gmail */
} GmoSendmailStep;

int gmo_sendmail_exit_status (const GError *error, GmoSendmailStep step);

G_END_DECLS
