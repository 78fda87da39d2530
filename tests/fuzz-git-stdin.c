/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What git writes on the credential helper's standard input: read by the
 * helper's own reader (gmo_git_request_read()) from a stream that hands the
 * bytes over in pieces, as a pipe may, then parsed. The pieces must not
 * change what is read. */
#include "config.h"

#include <string.h>

#include <gio/gio.h>

#include "fuzz-common.h"
#include "gmo-error.h"
#include "gmo-git.h"

const char gmo_fuzz_target[] = "git-stdin";

/* A stream over a fuzz input that returns it in the pieces gmo_fuzz_piece()
 * cuts, never more than one piece per read. */
#define FUZZ_TYPE_PIECE_STREAM (fuzz_piece_stream_get_type ())
G_DECLARE_FINAL_TYPE (FuzzPieceStream, fuzz_piece_stream, FUZZ, PIECE_STREAM, GInputStream)

struct _FuzzPieceStream
{
  GInputStream parent_instance;
  const gchar *data; /* borrowed */
  gsize len;
  gsize done;
};

G_DEFINE_TYPE (FuzzPieceStream, fuzz_piece_stream, G_TYPE_INPUT_STREAM)

static gssize
fuzz_piece_stream_read (GInputStream *stream, void *buffer, gsize count,
                        GCancellable *cancellable, GError **error)
{
  FuzzPieceStream *self = FUZZ_PIECE_STREAM (stream);
  gsize n;

  if (self->done == self->len || count == 0)
    return 0;
  n = MIN (count, gmo_fuzz_piece (self->data, self->len, self->done, 300));
  memcpy (buffer, self->data + self->done, n);
  self->done += n;
  return (gssize) n;
}

static void
fuzz_piece_stream_class_init (FuzzPieceStreamClass *klass)
{
  G_INPUT_STREAM_CLASS (klass)->read_fn = fuzz_piece_stream_read;
}

static void
fuzz_piece_stream_init (FuzzPieceStream *self)
{
}

static GInputStream *
fuzz_piece_stream_new (const gchar *data, gsize len)
{
  FuzzPieceStream *self = g_object_new (FUZZ_TYPE_PIECE_STREAM, NULL);

  self->data = data;
  self->len = len;
  return G_INPUT_STREAM (self);
}

/* Reads and parses a request from @input, as the helper does. */
static gboolean
read_request (GInputStream *input, GmoGitCredential *c, GError **error)
{
  g_autoptr (GmoSecretBytes) request = gmo_git_request_read (input, error);
  gboolean ok;

  /* Only a request of over a MiB is refused before it is parsed. */
  if (request == NULL)
    {
      g_assert_nonnull (*error);
      return FALSE;
    }
  ok = gmo_git_request_parse (c, (const gchar *) request->data, request->len, error);
  g_assert (ok == (*error == NULL));
  return ok;
}

int
LLVMFuzzerTestOneInput (const uint8_t *bytes, size_t size)
{
  const gchar *data = (const gchar *) bytes;
  g_autoptr (GInputStream) pieces = fuzz_piece_stream_new (data, size);
  g_autoptr (GInputStream) whole = g_memory_input_stream_new_from_data (data, size, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) whole_error = NULL;
  g_auto (GmoGitCredential) c = { 0 };
  g_auto (GmoGitCredential) w = { 0 };
  gboolean ok = read_request (pieces, &c, &error);
  gboolean whole_ok = read_request (whole, &w, &whole_error);

  if (!ok)
    gmo_fuzz_assert_one_line (error->message);
  /* A line too long stops the reader where the pieces happen to end;
   * anything shorter reads the same however it arrives. */
  if (size >= GMO_GIT_LINE_MAX)
    return 0;
  g_assert_cmpint (ok, ==, whole_ok);
  if (!ok)
    {
      g_assert_cmpstr (error->message, ==, whole_error->message);
      return 0;
    }
  g_assert_cmpstr (c.protocol, ==, w.protocol);
  g_assert_cmpstr (c.host, ==, w.host);
  g_assert_cmpstr (c.path, ==, w.path);
  g_assert_cmpstr (c.username, ==, w.username);
  g_assert_cmpstr (c.password, ==, w.password);
  g_assert_cmpint (c.password_expiry_utc, ==, w.password_expiry_utc);
  g_assert_cmpstr (c.oauth_refresh_token, ==, w.oauth_refresh_token);
  g_assert_cmpstr (c.authtype, ==, w.authtype);
  g_assert_cmpstr (c.credential, ==, w.credential);
  g_assert_cmpint (c.capa_authtype, ==, w.capa_authtype);
  g_assert_cmpint (c.ephemeral, ==, w.ephemeral);
  g_assert_cmpuint (c.wwwauth != NULL ? c.wwwauth->len : 0, ==,
                    w.wwwauth != NULL ? w.wwwauth->len : 0);
  return 0;
}
