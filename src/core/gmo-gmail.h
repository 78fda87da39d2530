/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-c/json.h>

#include "gmo-secret.h"

G_BEGIN_DECLS

/* The Gmail API v1 client of the core, used by every door that reads or
 * sends mail (the MCP mail tools, `gmail-oauth sendmail`). Requests go
 * through gmo_http_perform() to GMAIL_OAUTH_GMAIL_URL (default
 * https://gmail.googleapis.com/gmail/v1/users/me/; https, or http to a
 * loopback address), and answers are parsed with the strict JSON rules.
 *
 * Errors are GMO_ERROR classes:
 * - an answer 401 with a keyring-backed client forces one refresh through the
 *   broker and retries once; a grant Google refuses is then REAUTHORIZE. With
 *   a caller's token (gmo_gmail_new_with_token) a 401 is REAUTHORIZE at once;
 * - 403 insufficientPermissions is SCOPE, naming the scope the call needs and
 *   the `gmail-oauth login ACCOUNT --scope ...` command that adds it;
 * - 429, 5xx and 403 rateLimitExceeded/userRateLimitExceeded are TRANSIENT,
 *   after the bounded retries of gmo_http_perform() (Retry-After honoured);
 * - 400 and 404 (a bad query, an unknown message id) are USAGE, with Gmail's
 *   own message (so are other 4xx, such as a 403 for delegation or policy);
 *   anything malformed is BAD_RESPONSE; bad arguments are USAGE before any
 *   request is made.
 * Messages of a keyring-backed client start with its account. No message
 * ever contains a token. */

/* The scopes a call needs, as the SCOPE error names them. */
#define GMO_GMAIL_SCOPE_FULL "https://mail.google.com/"
#define GMO_GMAIL_SCOPE_READONLY "https://www.googleapis.com/auth/gmail.readonly"
#define GMO_GMAIL_SCOPE_SEND "https://www.googleapis.com/auth/gmail.send"
#define GMO_GMAIL_SCOPE_COMPOSE "https://www.googleapis.com/auth/gmail.compose"
#define GMO_GMAIL_SCOPE_MODIFY "https://www.googleapis.com/auth/gmail.modify"
#define GMO_GMAIL_SCOPE_LABELS "https://www.googleapis.com/auth/gmail.labels"

/* The simple messages.send/drafts call takes a request of up to about 5 MB,
 * which holds the message in base64 (4/3 of its size): gmo_gmail_send() and
 * gmo_gmail_create_draft() use it for messages up to about 3.7 MB and the
 * upload endpoint for larger ones, up to 35 MB of message. */
#define GMO_GMAIL_SIMPLE_SEND_MAX (5 * 1000 * 1000)
#define GMO_GMAIL_UPLOAD_MAX (35 * 1000 * 1000)

typedef struct _GmoGmail GmoGmail;

/* A client for a stored account: its token comes from the broker (cached,
 * refreshed when needed, never handed to the caller). */
GmoGmail *gmo_gmail_new (const gchar *account, GError **error);
/* A client for a token the caller holds (the reference's drop-in tools). */
GmoGmail *gmo_gmail_new_with_token (const gchar *access_token);
void gmo_gmail_free (GmoGmail *gmail);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GmoGmail, gmo_gmail_free)

/* (nullable): the normalised account of a keyring-backed client. */
const gchar *gmo_gmail_get_account (GmoGmail *gmail);

/* messages.list. @query (nullable) is Gmail's search syntax, @label_ids
 * (nullable, %NULL-terminated) filter by label, @max_results 1-500,
 * @page_token (nullable). Returns (transfer full) Gmail's answer object. */
json_object *gmo_gmail_list_messages (GmoGmail *gmail, const gchar *query,
                                      const gchar *const *label_ids, guint max_results,
                                      const gchar *page_token, GCancellable *cancellable,
                                      GError **error);
/* messages.get with @format "full", "metadata" or "minimal"; for "metadata",
 * @metadata_headers (nullable, %NULL-terminated) picks the headers. */
json_object *gmo_gmail_get_message (GmoGmail *gmail, const gchar *id, const gchar *format,
                                    const gchar *const *metadata_headers,
                                    GCancellable *cancellable, GError **error);
/* messages.get?format=raw, decoded: the RFC 5322 message. @out_json
 * (optional) receives the rest of the answer (id, threadId, labelIds,
 * snippet, internalDate, sizeEstimate) without "raw". */
GBytes *gmo_gmail_get_raw (GmoGmail *gmail, const gchar *id, json_object **out_json,
                           GCancellable *cancellable, GError **error);
/* threads.get with @format as for gmo_gmail_get_message(). */
json_object *gmo_gmail_get_thread (GmoGmail *gmail, const gchar *id, const gchar *format,
                                   GCancellable *cancellable, GError **error);
/* messages.send of an RFC 5322 message (simple call or upload, by size);
 * @thread_id (nullable) threads a reply. Returns {"id","threadId","labelIds"}. */
json_object *gmo_gmail_send (GmoGmail *gmail, GBytes *message, const gchar *thread_id,
                             GCancellable *cancellable, GError **error);
/* drafts.create. Returns {"id", "message": {"id","threadId","labelIds"}}. */
json_object *gmo_gmail_create_draft (GmoGmail *gmail, GBytes *message, const gchar *thread_id,
                                     GCancellable *cancellable, GError **error);
/* labels.list. Returns {"labels": [...]}. */
json_object *gmo_gmail_list_labels (GmoGmail *gmail, GCancellable *cancellable, GError **error);
/* messages.modify; @add and @remove are (nullable) %NULL-terminated label ids. */
json_object *gmo_gmail_modify (GmoGmail *gmail, const gchar *id, const gchar *const *add,
                               const gchar *const *remove, GCancellable *cancellable,
                               GError **error);

G_END_DECLS
