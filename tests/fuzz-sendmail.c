/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What `gmail-oauth sendmail` reads on standard input (gmo-sendmail.c). */
#include "config.h"

#include <glib.h>

#include "fuzz-common.h"
#include "gmo-autocleanups.h"
#include "gmo-error.h"
#include "gmo-mime.h"
#include "gmo-sendmail.h"

const char gmo_fuzz_target[] = "sendmail";

/* What `gmail-oauth sendmail` does with its input before it sends: where it
 * ends, the mbox line, the parse, the envelope of -t with one argument, the
 * Bcc added. */
int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
  const gchar *input = (const gchar *) bytes;
  gsize len = size;
  gchar *recipients[] = { (gchar *) "extra@example.com", NULL };
  GmoSendmailOptions options = { .extract_recipients = TRUE, .recipients = recipients };
  g_auto (GmoSendmailEnvelope) envelope = { 0 };
  g_autoptr (GBytes) raw = NULL;
  g_autoptr (GmoMimeMessage) message = NULL;
  g_autoptr (GError) error = NULL;
  gssize dot = gmo_sendmail_find_dot (input, len, 0);
  gsize skip;

  g_assert (dot < (gssize) len);
  if (dot >= 0)
    len = (gsize) dot;
  skip = gmo_sendmail_skip_from_line (input, len);
  g_assert (skip <= len);
  raw = g_bytes_new (input + skip, len - skip);
  message = gmo_mime_parse (raw, GMO_ERROR_USAGE, &error);
  g_assert ((message == NULL) == (error != NULL));
  if (message == NULL)
    return 0;
  if (!gmo_sendmail_envelope (&options, message, &envelope, &error))
    {
      g_assert_nonnull (error);
      return 0;
    }
  g_assert (envelope.account != NULL && envelope.recipients[0] != NULL);
  if (envelope.added[0] != NULL)
    {
      g_autoptr (GBytes) with_bcc
          = gmo_sendmail_add_bcc (raw, (const gchar *const *) envelope.added);

      g_assert (g_bytes_get_size (with_bcc) > g_bytes_get_size (raw));
    }
  return 0;
}
