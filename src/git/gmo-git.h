/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "gmo-secret.h"

G_BEGIN_DECLS

/* git's limit: a line is at most this many bytes, newline included. */
#define GMO_GIT_LINE_MAX 65535
/* A request is a handful of lines; this bounds many wwwauth[] headers. */
#define GMO_GIT_REQUEST_MAX (1024 * 1024)

/* One credential as git describes it: a request, or an item read back from
 * the keyring. The gated fields are set only when the authtype capability
 * came first. */
typedef struct
{
  gchar *protocol;
  gchar *host; /* as git sends it: "host[:port]" */
  gchar *path;
  gchar *username;
  GmoSecret *password;
  gint64 password_expiry_utc; /* unix seconds; 0 means never */
  GmoSecret *oauth_refresh_token;
  GPtrArray *wwwauth; /* (element-type utf8): headers, accepted and unused */
  gboolean capa_authtype;
  gchar *authtype;
  GmoSecret *credential;
  gboolean ephemeral;
} GmoGitCredential;

void gmo_git_credential_clear (GmoGitCredential *c);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (GmoGitCredential, gmo_git_credential_clear)

/* The protocol (gmo-git-request.c). */
void gmo_git_replace_string (gchar **field, const gchar *value);
void gmo_git_replace_secret (GmoSecret **field, const gchar *value);
gint64 gmo_git_parse_expiry (const gchar *value);
gchar *gmo_git_split_host (const gchar *host, guint *out_port);
gboolean gmo_git_request_parse (GmoGitCredential *c, const gchar *data, gsize len,
                                GError **error);
GmoSecretBytes *gmo_git_request_read (GInputStream *input, GError **error);
void gmo_git_answer_add (GmoSecretString *answer, const gchar *key, const gchar *value);
void gmo_git_answer_add_int (GmoSecretString *answer, const gchar *key, gint64 value);

/* The storage role (gmo-git-storage.c). */
gboolean gmo_git_storage_key_is_utf8 (const GmoGitCredential *c);
gchar *gmo_git_storage_label (const GmoGitCredential *c);
GmoSecretString *gmo_git_storage_secret_format (const GmoGitCredential *c);
void gmo_git_storage_secret_parse (const gchar *text, GmoGitCredential *stored);
gboolean gmo_git_storage_get (const GmoGitCredential *c, GmoSecretString *answer, GError **error);
gboolean gmo_git_storage_store (const GmoGitCredential *c, GError **error);
gboolean gmo_git_storage_erase (const GmoGitCredential *c, GError **error);

/* The minter role (gmo-git-minter.c). */
gchar *gmo_git_minter_candidate (const GmoGitCredential *c);
gboolean gmo_git_minter_account (const GmoGitCredential *c, gchar **out_account, GError **error);
gboolean gmo_git_minter_get (const GmoGitCredential *c, const gchar *account,
                             GmoSecretString *answer, GError **error);
gboolean gmo_git_minter_error_is_final (const GError *error);

int gmo_git_main (int argc, char **argv);

G_END_DECLS
