/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Gmail API v1 client of the core: the client, its token, and the one way
 * a call is made (gmo_gmail_perform(); the calls themselves are in
 * gmo-gmail-calls.c). Every request goes through
 * gmo_http_perform(), the one hardened HTTP function; its answer streams into
 * the strict JSON parser as it arrives, and a raw message's base64 is decoded
 * on the way without ever being held as JSON text (gmo-gmail-calls.c). Gmail's error
 * answers become the error classes of DESIGN.md (classify_answer()). A client
 * for a stored account gets its token from the broker, refreshes it when it
 * runs low, and on a 401 forces one refresh and tries once more. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "gmo-autocleanups.h"
#include "gmo-broker.h"
#include "gmo-client.h"
#include "gmo-error.h"
#include "gmo-gmail.h"
#include "gmo-gmail-private.h"
#include "gmo-http.h"
#include "gmo-json.h"

#define MAX_ID_BYTES 512

struct _GmoGmail
{
  gchar *account;    /* (nullable): the account of a keyring-backed client */
  gchar *scopes;     /* (nullable): the scopes its grant holds, as stored */
  GmoSecret *token;  /* the access token */
  gint64 expires_at; /* of token, unix seconds; G_MAXINT64 for a caller's token */
};

/* What a call does, in words, and the scope the scope error names for it. */
static const struct
{
  const gchar *what; /* N_() */
  const gchar *scope;
} needs[] = {
  [GMO_GMAIL_NEED_READ] = { N_("reading mail"), GMO_GMAIL_SCOPE_READONLY },
  [GMO_GMAIL_NEED_SEND] = { N_("sending mail"), GMO_GMAIL_SCOPE_SEND },
  [GMO_GMAIL_NEED_DRAFT] = { N_("creating drafts"), GMO_GMAIL_SCOPE_COMPOSE },
  [GMO_GMAIL_NEED_MODIFY] = { N_("changing the labels of messages"), GMO_GMAIL_SCOPE_MODIFY },
  [GMO_GMAIL_NEED_LABELS] = { N_("listing labels"), GMO_GMAIL_SCOPE_LABELS },
};

/* One call. The HTTP request comes first, so that the classifier, which is
 * handed the request, gets back to the call. */
typedef struct
{
  GmoHttpRequest http;
  GmoGmail *gmail;        /* borrowed */
  GmoGmailNeed need;
  gboolean refreshed;     /* the token was refreshed after a 401 */
  long status;            /* of the last complete answer, 0 if none came */
  GmoJsonParser *parser;  /* the success answer, parsed as it arrives */
} GmailCall;

/**
 * gmo_gmail_new:
 * @account: a stored account
 * @error: return location for a %GMO_ERROR error
 *
 * A client for @account. Its access token comes from the broker: the cached
 * one while it is fresh, else a refreshed one; it never leaves the client.
 *
 * Returns: (transfer full): the client, or %NULL with @error set (no such
 * account, a keyring or refresh failure).
 */
GmoGmail *
gmo_gmail_new (const gchar *account, GError **error)
{
  g_autoptr (GmoGrant) grant = NULL;
  GmoGmail *gmail;

  g_return_val_if_fail (account != NULL, NULL);

  /* A 401 makes the client refresh (ensure_token()): no tokeninfo check needed. */
  grant = gmo_client_get_token (account, GMO_BROKER_OWN_USE, gmo_broker_min_valid_default (),
                                NULL, error);
  if (grant == NULL)
    return NULL;
  gmail = g_new0 (GmoGmail, 1);
  gmail->account = g_strdup (grant->account);
  gmail->scopes = g_strdup (grant->scopes);
  gmail->token = g_steal_pointer (&grant->access_token);
  gmail->expires_at = grant->expires_at;
  return gmail;
}

/**
 * gmo_gmail_new_with_token:
 * @access_token: an access token the caller holds
 *
 * A client that sends @access_token as it is: a 401 is %GMO_ERROR_REAUTHORIZE
 * at once, since there is nothing to refresh it with.
 *
 * Returns: (transfer full): the client.
 */
GmoGmail *
gmo_gmail_new_with_token (const gchar *access_token)
{
  GmoGmail *gmail;

  g_return_val_if_fail (access_token != NULL, NULL);

  gmail = g_new0 (GmoGmail, 1);
  gmail->token = gmo_secret_dup (access_token);
  gmail->expires_at = G_MAXINT64;
  return gmail;
}

/**
 * gmo_gmail_free:
 * @gmail: (nullable) (transfer full): a client
 *
 * Wipes its token and frees it.
 */
void
gmo_gmail_free (GmoGmail *gmail)
{
  if (gmail == NULL)
    return;
  g_free (gmail->account);
  g_free (gmail->scopes);
  gmo_secret_free (gmail->token);
  g_free (gmail);
}

/**
 * gmo_gmail_get_account:
 * @gmail: a client
 *
 * Returns: (transfer none) (nullable): the normalised account of a
 * keyring-backed client, %NULL for one with a caller's token.
 */
const gchar *
gmo_gmail_get_account (GmoGmail *gmail)
{
  g_return_val_if_fail (gmail != NULL, NULL);
  return gmail->account;
}

/* A fresh token for the next request: the one held while it has life left,
 * else the broker's (forced after a 401). */
static gboolean
ensure_token (GmoGmail *gmail, gboolean force, GCancellable *cancellable, GError **error)
{
  gint64 min_valid = gmo_broker_min_valid_default ();
  g_autoptr (GmoGrant) grant = NULL;

  if (gmail->account == NULL)
    return TRUE;
  if (!force && gmail->expires_at - g_get_real_time () / G_USEC_PER_SEC > min_valid)
    return TRUE;
  grant = gmo_client_get_token (gmail->account,
                                GMO_BROKER_OWN_USE
                                    | (force ? GMO_BROKER_FORCE_REFRESH : GMO_BROKER_FLAGS_NONE),
                                min_valid, cancellable, error);
  if (grant == NULL)
    return FALSE;
  gmo_secret_free (gmail->token);
  gmail->token = g_steal_pointer (&grant->access_token);
  gmail->expires_at = grant->expires_at;
  g_free (gmail->scopes);
  gmail->scopes = g_strdup (grant->scopes);
  return TRUE;
}

/* The scopes to log in with: those the grant holds and the one it lacks. */
static gchar *
scopes_with (const gchar *scopes, const gchar *needed)
{
  g_auto (GStrv) held = g_strsplit (scopes != NULL ? scopes : "", " ", -1);

  if (g_strv_contains ((const gchar *const *) held, needed) || scopes == NULL || *scopes == '\0')
    return g_strdup (needed);
  return g_strconcat (scopes, " ", needed, NULL);
}

static void
set_scope_error (const gchar *account, const gchar *held, GmoGmailNeed need,
                 const gchar *details, GError **error)
{
  g_autofree gchar *scopes = NULL;

  if (account == NULL)
    {
      /* Translators: the first %s says what the call does ("reading mail"),
       * the second is a scope URL, the third Gmail's answer. */
      g_set_error (error, GMO_ERROR, GMO_ERROR_SCOPE,
                   _("The access token does not allow %s: it lacks the scope %s (%s)."),
                   _(needs[need].what), needs[need].scope, details);
      return;
    }
  scopes = scopes_with (held, needs[need].scope);
  /* Translators: %s are what the call does ("reading mail"), a scope URL,
   * the account, the scopes to log in with and the scope of all of Gmail. */
  g_set_error (error, GMO_ERROR, GMO_ERROR_SCOPE,
               _("The grant does not allow %s: it lacks the scope %s. Log in again with "
                 "“gmail-oauth login %s --scope \"%s\"” (or --scope \"%s\" for all of Gmail)."),
               _(needs[need].what), needs[need].scope, account, scopes, GMO_GMAIL_SCOPE_FULL);
}

/* Whether Gmail's error object names @reason in errors[].reason. */
static gboolean
has_reason (json_object *error_object, const gchar *reason)
{
  json_object *errors = NULL;

  if (!json_object_object_get_ex (error_object, "errors", &errors)
      || !json_object_is_type (errors, json_type_array))
    return FALSE;
  for (size_t i = 0; i < json_object_array_length (errors); i++)
    if (g_strcmp0 (gmo_json_get_string (json_object_array_get_idx (errors, i), "reason"), reason)
        == 0)
      return TRUE;
  return FALSE;
}

/**
 * gmo_gmail_error_from_answer:
 * @status: the HTTP status of an answer that is no success
 * @body: its body (untrusted: anything at all)
 * @body_len: its length
 * @account: (nullable): the account of a keyring-backed client
 * @scopes: (nullable): the scopes its grant holds
 * @need: what the call does
 * @refreshed: whether the token was refreshed after a 401 already
 * @out_retry: (out): set to %TRUE when another attempt could help
 * @out_details: (out) (transfer full): one line saying what Gmail answered
 * @error: return location for the error, always set
 *
 * What Gmail's error answer {"error": {"code", "message", "status",
 * "errors": [{"reason", "domain"}]}} means: 401 reauthorize; 403
 * insufficientPermissions scope, naming the scope and the login that adds
 * it; 403 rateLimitExceeded, 429 and 5xx transient (to retry); other 4xx
 * usage, with Gmail's message.
 */
void
gmo_gmail_error_from_answer (long status, const gchar *body, gsize body_len, const gchar *account,
                             const gchar *scopes, GmoGmailNeed need, gboolean refreshed,
                             gboolean *out_retry, gchar **out_details, GError **error)
{
  g_autoptr (json_object) json = NULL;
  json_object *error_object = NULL;
  const gchar *message = NULL;
  const gchar *reason = NULL;
  json_object *errors = NULL;
  g_autofree gchar *raw = NULL;

  *out_retry = FALSE;
  json = gmo_json_parse (body, body_len, GMO_ERROR_BAD_RESPONSE, NULL);
  if (json_object_object_get_ex (json, "error", &error_object)
      && json_object_is_type (error_object, json_type_object))
    {
      message = gmo_json_get_string (error_object, "message");
      if (json_object_object_get_ex (error_object, "errors", &errors)
          && json_object_is_type (errors, json_type_array) && json_object_array_length (errors) > 0)
        reason = gmo_json_get_string (json_object_array_get_idx (errors, 0), "reason");
      if (reason == NULL)
        reason = gmo_json_get_string (error_object, "status");
    }
  if (message != NULL)
    raw = g_strdup_printf ("HTTP %ld %s: %s", status, reason != NULL ? reason : "", message);
  else
    raw = g_strdup_printf ("HTTP %ld", status);
  *out_details = gmo_http_sanitize (raw);

  if (status == 401 && account != NULL && refreshed)
    /* Translators: %s are Gmail's answer and the account. */
    g_set_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE,
                 _("Gmail refused even a freshly refreshed access token (%s). Log in again "
                   "with “gmail-oauth login %s”."),
                 *out_details, account);
  else if (status == 401)
    g_set_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE,
                 _("Gmail refused the access token: it is invalid, expired or revoked (%s)."),
                 *out_details);
  else if (status == 403
           && (has_reason (error_object, "rateLimitExceeded")
               || has_reason (error_object, "userRateLimitExceeded")))
    {
      *out_retry = TRUE;
      g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT,
                   _("Gmail's rate limit was reached (%s); try again later."), *out_details);
    }
  else if (status == 403
           && (has_reason (error_object, "insufficientPermissions")
               || (message != NULL && strstr (message, "Metadata scope") != NULL)))
    set_scope_error (account, scopes, need, *out_details, error);
  else if (status == 429 || status >= 500)
    {
      *out_retry = TRUE;
      g_set_error (error, GMO_ERROR, GMO_ERROR_TRANSIENT,
                   _("The Gmail API is temporarily unavailable (%s); try again later."),
                   *out_details);
    }
  else if (status >= 400)
    /* 400 (a bad query or message), 404 (no such message), 403 for other
     * reasons (delegation, policy): the call, not the server, is at fault. */
    g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("The Gmail API refused the call: %s"),
                 *out_details);
  else
    g_set_error (error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                 _("Unexpected answer from the Gmail API (%s)."), *out_details);
}

/* The classifier of gmo_http_perform(): a 2xx is a success (its body went
 * to the parser); the status is kept for the 401 retry. */
static gboolean
classify_answer (const GmoHttpRequest *request, const GmoHttpAnswer *answer, gboolean *out_retry,
                 gchar **out_details, GError **error)
{
  GmailCall *call = (GmailCall *) request;

  call->status = answer->status;
  if (answer->status >= 200 && answer->status < 300)
    return TRUE;
  gmo_gmail_error_from_answer (answer->status, (const gchar *) answer->body->data,
                               answer->body->len, call->gmail->account, call->gmail->scopes,
                               call->need, call->refreshed, out_retry, out_details, error);
  return FALSE;
}

/* The sink of gmo_http_perform(): a success answer goes straight into the
 * parser; a new attempt starts it again. */
static gboolean
on_answer_data (const gchar *data, gsize len, gpointer user_data, GError **error)
{
  GmailCall *call = user_data;

  if (data == NULL)
    {
      gmo_json_parser_reset (call->parser);
      return TRUE;
    }
  if (!gmo_json_parser_feed (call->parser, data, len, error))
    {
      g_prefix_error (error, _("The Gmail API's answer is not valid: "));
      return FALSE;
    }
  return TRUE;
}

/* The API's base URL (GMAIL_OAUTH_GMAIL_URL, as a directory), or for
 * @upload the media upload one: the same with "/upload" in front of its path
 * (https://gmail.googleapis.com/upload/gmail/v1/users/me/). */
static gchar *
base_url (gboolean upload, GError **error)
{
  g_autofree gchar *url = gmo_http_endpoint_url (GMO_ENDPOINT_GMAIL, error);
  g_autoptr (GUri) uri = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *path = NULL;
  const gchar *given;

  if (url == NULL)
    return NULL;
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, &local_error);
  if (uri == NULL || g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("GMAIL_OAUTH_GMAIL_URL: not a base URL (no query or fragment allowed)"));
      return NULL;
    }
  given = g_uri_get_path (uri);
  path = g_strconcat (upload ? "/upload" : "", *given == '/' ? "" : "/", given,
                      g_str_has_suffix (given, "/") ? "" : "/", NULL);
  return g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), NULL, g_uri_get_host (uri),
                     g_uri_get_port (uri), path, NULL, NULL);
}

/**
 * gmo_gmail_check_id:
 * @id: (nullable): a message, thread or draft id from the caller
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * An id goes into a path: escaped there (gmo_gmail_item_path()), and never
 * empty, "." or "..", which would be a step up the path.
 *
 * Returns: %TRUE if @id may be used.
 */
gboolean
gmo_gmail_check_id (const gchar *id, GError **error)
{
  if (id != NULL && *id != '\0' && strlen (id) <= MAX_ID_BYTES && g_utf8_validate (id, -1, NULL)
      && !g_str_equal (id, ".") && !g_str_equal (id, ".."))
    return TRUE;
  {
    g_autofree gchar *shown = gmo_http_sanitize (id != NULL ? id : "");

    g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("“%s” is not a Gmail id"), shown);
  }
  return FALSE;
}

/**
 * gmo_gmail_check_text:
 * @text: a parameter's value
 * @name: the parameter, for the message
 * @error: return location for a %GMO_ERROR_USAGE error
 *
 * Returns: %TRUE if @text is UTF-8, as a query or a JSON body needs it.
 */
gboolean
gmo_gmail_check_text (const gchar *text, const gchar *name, GError **error)
{
  if (g_utf8_validate (text, -1, NULL))
    return TRUE;
  /* Translators: %s is a parameter name such as “q” or “labelIds”. */
  g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("%s is not UTF-8 text"), name);
  return FALSE;
}

/**
 * gmo_gmail_item_path:
 * @collection: "messages", "threads"...
 * @id: an id checked with gmo_gmail_check_id()
 * @rest: what follows ("" or "/modify")
 *
 * Returns: (transfer full): the path below the base URL, @id escaped with
 * GLib (every character but the unreserved ones).
 */
gchar *
gmo_gmail_item_path (const gchar *collection, const gchar *id, const gchar *rest)
{
  g_autofree gchar *escaped = g_uri_escape_string (id, NULL, FALSE);

  return g_strconcat (collection, "/", escaped, rest, NULL);
}

static json_object *perform (GmoGmail *gmail, GmoGmailNeed need, const gchar *method,
                             gboolean upload, const gchar *path, const GString *query,
                             const gchar *content_type, const gchar *body, gsize body_len,
                             gsize max_answer, GmoJsonParser *parser, GCancellable *cancellable,
                             GError **error);

/**
 * gmo_gmail_perform:
 * @gmail: a client
 * @need: what the call does, for the scope error
 * @method: "GET" or "POST"
 * @upload: %TRUE for the media upload endpoint
 * @path: below the base URL, escaped
 * @query: (nullable): the encoded query
 * @content_type: (nullable): of @body
 * @body: (nullable): the POST body (not copied)
 * @body_len: its length
 * @max_answer: the largest answer accepted
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * Makes one call, with a fresh token; a keyring-backed client answered 401
 * forces one refresh and tries once more. Errors of a keyring-backed client
 * start with its account.
 *
 * Returns: (transfer full): Gmail's answer object, or %NULL with @error set.
 */
json_object *
gmo_gmail_perform (GmoGmail *gmail, GmoGmailNeed need, const gchar *method, gboolean upload,
         const gchar *path, const GString *query, const gchar *content_type, const gchar *body,
         gsize body_len, gsize max_answer, GCancellable *cancellable, GError **error)
{
  g_autoptr (GmoJsonParser) parser = gmo_json_parser_new (GMO_ERROR_BAD_RESPONSE);

  return perform (gmail, need, method, upload, path, query, content_type, body, body_len,
                  max_answer, parser, cancellable, error);
}

/**
 * gmo_gmail_perform_parsed:
 * @gmail: a client
 * @need: what the call does, for the scope error
 * @method: "GET" or "POST"
 * @path: below the base URL, escaped
 * @query: (nullable): the encoded query
 * @max_answer: the largest answer accepted
 * @parser: the parser the answer goes into (one with a diverted member)
 * @cancellable: (nullable): a cancellable
 * @error: return location for a %GMO_ERROR error
 *
 * gmo_gmail_perform() without a request body, into the caller's parser.
 *
 * Returns: (transfer full): Gmail's answer object, or %NULL with @error set.
 */
json_object *
gmo_gmail_perform_parsed (GmoGmail *gmail, GmoGmailNeed need, const gchar *method,
                          const gchar *path, const GString *query, gsize max_answer,
                          GmoJsonParser *parser, GCancellable *cancellable, GError **error)
{
  return perform (gmail, need, method, FALSE, path, query, NULL, NULL, 0, max_answer, parser,
                  cancellable, error);
}

static json_object *
perform (GmoGmail *gmail, GmoGmailNeed need, const gchar *method, gboolean upload,
         const gchar *path, const GString *query, const gchar *content_type, const gchar *body,
         gsize body_len, gsize max_answer, GmoJsonParser *parser, GCancellable *cancellable,
         GError **error)
{
  g_autofree gchar *base = base_url (upload, error);
  g_autofree gchar *url = NULL;
  GmailCall call = { .gmail = gmail, .need = need, .parser = parser };

  if (base == NULL)
    return NULL;
  url = g_strconcat (base, path, query != NULL && query->len > 0 ? "?" : "",
                     query != NULL ? query->str : "", NULL);
  call.http.method = method;
  call.http.url = url;
  call.http.content_type = content_type;
  call.http.body = body;
  call.http.body_len = body_len;
  call.http.max_answer = max_answer;
  call.http.service = _("the Gmail API");
  call.http.sink = on_answer_data;
  call.http.sink_data = &call;

  for (;;)
    {
      g_auto (GmoHttpAnswer) answer = { 0 };
      g_autoptr (GError) local_error = NULL;
      g_autoptr (json_object) json = NULL;

      if (!ensure_token (gmail, call.refreshed, cancellable, error))
        return NULL;
      call.http.bearer = gmail->token;
      call.status = 0;
      if (gmo_http_perform (&call.http, classify_answer, &answer, NULL, cancellable, &local_error))
        {
          json = gmo_json_parser_finish (parser, &local_error);
          if (local_error != NULL)
            g_prefix_error (&local_error, _("The Gmail API's answer is not valid: "));
          else if (!json_object_is_type (json, json_type_object))
            g_set_error (&local_error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                         _("The Gmail API's answer is not a JSON object."));
          else
            return g_steal_pointer (&json);
        }
      else if (call.status == 401 && gmail->account != NULL && !call.refreshed)
        {
          /* The token may have been revoked or rotated away: one forced
           * refresh, then one more try. */
          g_debug ("Gmail refused the access token of %s: refreshing it", gmail->account);
          call.refreshed = TRUE;
          continue;
        }
      if (gmail->account != NULL)
        g_prefix_error (&local_error, "%s: ", gmail->account);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
}
