/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Whether Google still accepts an access token (its tokeninfo endpoint), and
 * the record of each account's last handout that decides when to ask: a
 * cached token is normally handed out without a word to Google, but when the
 * same token is asked for again soon after, the client may be retrying after
 * a refusal (a revoked grant, a changed password), and a dead token must not
 * be served until it expires. The record holds no secret: a short hash of
 * the token and two times, in memory (gmail-oauthd) or in
 * $XDG_RUNTIME_DIR/gmail-oauth/ beside the lock files (every other process). */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "gmo-error.h"
#include "gmo-http.h"
#include "gmo-json.h"
#include "gmo-tokeninfo.h"
#include "gmo-util.h"

/* A check may delay a handout by this much at most: on an outage the cached
 * token is served as it would have been without the check. One attempt, no
 * retries: the next handout asks again. */
#define CHECK_BUDGET_MS 3000
/* Google answers a few hundred bytes. */
#define MAX_ANSWER_BYTES (64 * 1024)

/* 2xx: Google accepts the token. A 400 or 401 invalid_token (“Invalid Value”)
 * says it is dead, a %GMO_ERROR_REAUTHORIZE error here; anything else says
 * nothing about the token. */
static gboolean
classify_answer (const GmoHttpRequest *request, const GmoHttpAnswer *answer, gboolean *out_retry,
                 gchar **out_details, GError **error)
{
  g_autoptr (GmoSecretJson) json = NULL;
  const gchar *code = NULL;
  const gchar *description = NULL;
  g_autofree gchar *raw = NULL;

  if (answer->status >= 200 && answer->status < 300)
    return TRUE;
  json = gmo_json_parse ((const gchar *) answer->body->data, answer->body->len,
                         GMO_ERROR_BAD_RESPONSE, NULL);
  code = gmo_json_get_string (json, "error");
  description = gmo_json_get_string (json, "error_description");
  if (code != NULL && description != NULL)
    raw = g_strdup_printf ("HTTP %ld, %s: %s", answer->status, code, description);
  else
    raw = g_strdup_printf ("HTTP %ld%s%s", answer->status, code != NULL ? ", " : "",
                           code != NULL ? code : "");
  *out_details = gmo_http_sanitize (raw);
  *out_retry = FALSE;
  if ((answer->status == 400 || answer->status == 401)
      && (g_strcmp0 (code, "invalid_token") == 0 || g_strcmp0 (description, "Invalid Value") == 0))
    g_set_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE,
                 _("Google no longer accepts the access token (%s)."), *out_details);
  else if (gmo_http_is_retryable_status (answer->status) || answer->status >= 500)
    g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT,
                 _("Google's tokeninfo endpoint failed (%s); try again later."), *out_details);
  else
    g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                 _("Google's tokeninfo endpoint answered something unexpected (%s)."),
                 *out_details);
  return FALSE;
}

/**
 * gmo_tokeninfo_check:
 * @access_token: an access token
 * @out_details: (out) (optional) (nullable) (transfer full): what the
 *   endpoint answered, one line without a secret, unless it accepted the token
 * @cancellable: (nullable): a cancellable
 * @error: return location for the error of a %GMO_TOKEN_UNKNOWN verdict
 *
 * Asks GMAIL_OAUTH_TOKENINFO_URL (Google's tokeninfo endpoint) about
 * @access_token, sent in a POST form so that it is never in a URL, with one
 * attempt of at most %CHECK_BUDGET_MS.
 *
 * Returns: %GMO_TOKEN_ALIVE, %GMO_TOKEN_DEAD, or %GMO_TOKEN_UNKNOWN with @error set.
 */
GmoTokenVerdict
gmo_tokeninfo_check (const gchar *access_token, gchar **out_details, GCancellable *cancellable,
                     GError **error)
{
  g_autoptr (GmoSecretString) form = g_string_sized_new (8192);
  g_auto (GmoHttpAnswer) answer = { 0 };
  g_autoptr (GmoSecretJson) json = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *details = NULL;
  GmoHttpRequest request = {
    .method = "POST",
    .content_type = "application/x-www-form-urlencoded",
    .max_answer = MAX_ANSWER_BYTES,
    .service = _("Google's tokeninfo endpoint"),
    .budget_ms = CHECK_BUDGET_MS,
    .max_attempts = 1,
  };

  g_return_val_if_fail (access_token != NULL, GMO_TOKEN_UNKNOWN);

  if (out_details != NULL)
    *out_details = NULL;
  url = gmo_http_endpoint_url (GMO_ENDPOINT_TOKENINFO, error);
  if (url == NULL)
    return GMO_TOKEN_UNKNOWN;
  gmo_http_form_add (form, "access_token", access_token);
  request.url = url;
  request.body = form->str;
  request.body_len = form->len;
  if (!gmo_http_perform (&request, classify_answer, &answer, &details, cancellable, &local_error))
    {
      if (out_details != NULL)
        *out_details = g_steal_pointer (&details);
      if (g_error_matches (local_error, GMO_ERROR, GMO_ERROR_REAUTHORIZE))
        return GMO_TOKEN_DEAD;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return GMO_TOKEN_UNKNOWN;
    }
  /* A live token's answer is an object (azp, aud, scope, exp, expires_in...);
   * nothing in it is used, but anything else is no answer. */
  json = gmo_json_parse ((const gchar *) answer.body->data, answer.body->len,
                         GMO_ERROR_BAD_RESPONSE, &local_error);
  if (json == NULL || !json_object_is_type (json, json_type_object))
    {
      if (out_details != NULL)
        *out_details = g_strdup_printf ("HTTP %ld: %s", answer.status,
                                        json == NULL ? local_error->message : "not an object");
      g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("Google's tokeninfo endpoint answered something unexpected (%s)."),
                   json == NULL ? local_error->message : "not an object");
      return GMO_TOKEN_UNKNOWN;
    }
  return GMO_TOKEN_ALIVE;
}

/* ---- the handout record ---- */

/**
 * gmo_handout_tag:
 * @access_token: an access token
 * @out_tag: (out caller-allocates): its tag
 *
 * The first %GMO_HANDOUT_TAG_LEN hex digits of the SHA-256 of @access_token.
 */
void
gmo_handout_tag (const gchar *access_token, gchar out_tag[GMO_HANDOUT_TAG_LEN + 1])
{
  g_autofree gchar *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, access_token, -1);

  memcpy (out_tag, hash, GMO_HANDOUT_TAG_LEN);
  out_tag[GMO_HANDOUT_TAG_LEN] = '\0';
}

/**
 * gmo_handout_needs_check:
 * @previous: the account's last handout
 * @tag: the tag of the token about to be handed out
 * @now: the current time, unix seconds
 *
 * Whether the token must be checked with Google before it is handed out: it
 * is the one handed out last, less than %GMO_HANDOUT_WINDOW ago, and Google
 * has not vouched for it in the last %GMO_HANDOUT_CHECK_INTERVAL. A clock
 * that went back counts as "long ago" for the handout (no check) and for
 * the check (check).
 *
 * Returns: %TRUE to check.
 */
gboolean
gmo_handout_needs_check (const GmoHandout *previous, const gchar *tag, gint64 now)
{
  gint64 since_handout = now - previous->handed_at;
  gint64 since_check = now - previous->checked_at;

  if (previous->handed_at <= 0 || strcmp (previous->tag, tag) != 0)
    return FALSE;
  if (since_handout < 0 || since_handout >= GMO_HANDOUT_WINDOW)
    return FALSE;
  return since_check < 0 || since_check >= GMO_HANDOUT_CHECK_INTERVAL;
}

/**
 * gmo_handout_note:
 * @handout: the account's record, updated
 * @tag: the tag of the token handed out
 * @now: the current time, unix seconds
 * @checked: whether Google just vouched for the token (minted or checked it)
 *
 * Records a handout. Another token starts its record afresh.
 */
void
gmo_handout_note (GmoHandout *handout, const gchar *tag, gint64 now, gboolean checked)
{
  if (strcmp (handout->tag, tag) != 0)
    {
      g_strlcpy (handout->tag, tag, sizeof handout->tag);
      handout->checked_at = 0;
    }
  handout->handed_at = now;
  if (checked)
    handout->checked_at = now;
}

/**
 * gmo_handout_parse:
 * @text: a record as gmo_handout_format() writes it (not NUL-terminated)
 * @len: its length
 * @out_handout: (out caller-allocates): the record; emptied when @text is not one
 *
 * Returns: %TRUE if @text is a record: "1 TAG HANDED_AT CHECKED_AT\n".
 */
gboolean
gmo_handout_parse (const gchar *text, gsize len, GmoHandout *out_handout)
{
  g_autofree gchar *copy = NULL;
  g_auto (GStrv) fields = NULL;
  gint64 times[2];

  memset (out_handout, 0, sizeof *out_handout);
  if (len == 0 || len > 128 || memchr (text, '\0', len) != NULL || text[len - 1] != '\n')
    return FALSE;
  copy = g_strndup (text, len - 1);
  fields = g_strsplit (copy, " ", -1);
  if (g_strv_length (fields) != 4 || strcmp (fields[0], "1") != 0
      || strlen (fields[1]) != GMO_HANDOUT_TAG_LEN)
    return FALSE;
  for (gsize i = 0; i < GMO_HANDOUT_TAG_LEN; i++)
    if (!g_ascii_isxdigit (fields[1][i]) || g_ascii_isupper (fields[1][i]))
      return FALSE;
  for (guint i = 0; i < 2; i++)
    if (!g_ascii_string_to_signed (fields[2 + i], 10, 0, G_MAXINT64, &times[i], NULL))
      return FALSE;
  g_strlcpy (out_handout->tag, fields[1], sizeof out_handout->tag);
  out_handout->handed_at = times[0];
  out_handout->checked_at = times[1];
  return TRUE;
}

/**
 * gmo_handout_format:
 * @handout: a record
 *
 * Returns: (transfer full): @handout as one line (see gmo_handout_parse()).
 */
gchar *
gmo_handout_format (const GmoHandout *handout)
{
  return g_strdup_printf ("1 %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", handout->tag,
                          handout->handed_at, handout->checked_at);
}

/* The record's file: named by the account's hash, like its lock file. */
static gchar *
handout_path (const gchar *account)
{
  g_autofree gchar *dir = gmo_runtime_dir (NULL);
  g_autofree gchar *hash = NULL;

  if (dir == NULL)
    return NULL;
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, account, -1);
  return g_strdup_printf ("%s/%s.handout", dir, hash);
}

/**
 * gmo_handout_load:
 * @account: a normalised account
 * @out_handout: (out caller-allocates): its last handout by a process of this
 *   user other than gmail-oauthd; empty if none is known
 *
 * A missing or unreadable record is an empty one: at worst a check is skipped.
 */
void
gmo_handout_load (const gchar *account, GmoHandout *out_handout)
{
  g_autofree gchar *path = handout_path (account);
  g_autofree gchar *text = NULL;
  gsize len = 0;

  memset (out_handout, 0, sizeof *out_handout);
  if (path == NULL || !g_file_get_contents (path, &text, &len, NULL))
    return;
  if (!gmo_handout_parse (text, len, out_handout))
    g_debug ("Ignoring the malformed handout record %s", path);
}

/**
 * gmo_handout_record:
 * @account: a normalised account
 * @handout: its record, updated
 * @tag: the tag of the token handed out
 * @now: the current time, unix seconds
 * @checked: whether Google just vouched for the token
 *
 * gmo_handout_note() and gmo_handout_save(), unless all that would change is
 * the time of the same token's handout, by less than
 * %GMO_HANDOUT_RESAVE_AFTER: a file write per handout would be most of what
 * a cached token costs, and a handout time that much older only ends the
 * window that much sooner. The record is left as it was then, in memory too.
 */
void
gmo_handout_record (const gchar *account, GmoHandout *handout, const gchar *tag, gint64 now,
                    gboolean checked)
{
  if (!checked && strcmp (handout->tag, tag) == 0 && now >= handout->handed_at
      && now - handout->handed_at < GMO_HANDOUT_RESAVE_AFTER)
    return;
  gmo_handout_note (handout, tag, now, checked);
  gmo_handout_save (account, handout);
}

/**
 * gmo_handout_save:
 * @account: a normalised account
 * @handout: its record
 *
 * Replaces the record in one rename; a failure is only logged.
 */
void
gmo_handout_save (const gchar *account, const GmoHandout *handout)
{
  g_autofree gchar *path = handout_path (account);
  g_autofree gchar *text = gmo_handout_format (handout);
  g_autoptr (GError) error = NULL;

  if (path == NULL)
    return;
  /* The runtime directory is a tmpfs: no fsync, the record is worth little. */
  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_NONE, 0600, &error))
    g_debug ("Cannot write the handout record: %s", error->message);
}
