/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A cached access token handed out again this soon after its previous
 * handout is checked with Google first: that is what a client does that
 * retries after the server refused the token (msmtp, neomutt, aerc at once;
 * mbsync and offlineimap at their next run, commonly 5 minutes on). */
#define GMO_HANDOUT_WINDOW 600
/* ... unless it was checked (or minted) this recently: a token handed out in
 * a loop costs one check per interval, and a refusal is noticed within it. */
#define GMO_HANDOUT_CHECK_INTERVAL 60
/* Hex digits of the token's SHA-256 kept to tell "the same token": enough
 * that two tokens of one account never share them, far too few to be the
 * token. */
#define GMO_HANDOUT_TAG_LEN 16
/* A handout of the same token this soon after the one recorded is not
 * written down (gmo_handout_record()). */
#define GMO_HANDOUT_RESAVE_AFTER 30

typedef enum
{
  GMO_TOKEN_ALIVE,   /* Google accepts it */
  GMO_TOKEN_DEAD,    /* Google says it is invalid: revoked, or expired early */
  GMO_TOKEN_UNKNOWN, /* no answer that says either (an outage): the error says why */
} GmoTokenVerdict;

/* The last handout of an account's access token, kept without the token. */
typedef struct
{
  gchar tag[GMO_HANDOUT_TAG_LEN + 1]; /* gmo_handout_tag() of the token; "" for none */
  gint64 handed_at;                   /* unix seconds; 0 for never */
  gint64 checked_at;                  /* when Google last vouched for it (minted or checked); 0 */
} GmoHandout;

GmoTokenVerdict gmo_tokeninfo_check (const gchar *access_token, gchar **out_details,
                                     GCancellable *cancellable, GError **error);

void gmo_handout_tag (const gchar *access_token, gchar out_tag[GMO_HANDOUT_TAG_LEN + 1]);
gboolean gmo_handout_needs_check (const GmoHandout *previous, const gchar *tag, gint64 now);
void gmo_handout_note (GmoHandout *handout, const gchar *tag, gint64 now, gboolean checked);
gboolean gmo_handout_parse (const gchar *text, gsize len, GmoHandout *out_handout);
gchar *gmo_handout_format (const GmoHandout *handout);
void gmo_handout_load (const gchar *account, GmoHandout *out_handout);
void gmo_handout_save (const gchar *account, const GmoHandout *handout);
void gmo_handout_record (const gchar *account, GmoHandout *handout, const gchar *tag, gint64 now,
                         gboolean checked);

G_END_DECLS
