/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `gmail-oauth login`: the first authorization, as RFC 8252 asks of a native
 * app: a listener on the loopback address, the system browser, PKCE (S256)
 * and a state; the user may paste the final address instead (over ssh). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <libsecret/secret.h>

#include "gmo-broker.h"
#include "gmo-cli.h"
#include "gmo-error.h"
#include "gmo-identity.h"
#include "gmo-login.h"
#include "gmo-oauth.h"
#include "gmo-store.h"
#include "gmo-util.h"

#define DEFAULT_SCOPE "https://mail.google.com/"
#define DEFAULT_TIMEOUT 300
/* A client file is under a kilobyte; a client secret some tens of bytes. */
#define MAX_CLIENT_FILE (64 * 1024)
#define MAX_CLIENT_SECRET 1024
#define STATE_LEN 32    /* 32 of 66 symbols: about 193 bits */
#define VERIFIER_LEN 64 /* RFC 7636: 43 to 128 */

static gboolean
have_display (void)
{
  return (g_getenv ("DISPLAY") != NULL && *g_getenv ("DISPLAY") != '\0')
         || (g_getenv ("WAYLAND_DISPLAY") != NULL && *g_getenv ("WAYLAND_DISPLAY") != '\0');
}

/* Reads one line from the terminal without echo, or from stdin when it is
 * not a terminal. Byte by byte, so that nothing after the line is consumed
 * (the rest of stdin may be a pasted address). */
static GmoSecret *
read_client_secret (const gchar *client_id, GError **error)
{
  g_autoptr (GmoSecretString) line = g_string_new (NULL);
  gboolean tty = isatty (STDIN_FILENO);
  struct termios saved, quiet;
  gboolean restore = FALSE;
  gboolean too_long = FALSE;
  int saved_errno = 0;
  char c;

  if (tty)
    {
      /* Translators: %s is an OAuth client id. */
      g_printerr (_("Client secret of %s (not shown): "), client_id);
      if (tcgetattr (STDIN_FILENO, &saved) == 0)
        {
          quiet = saved;
          quiet.c_lflag &= ~(tcflag_t) ECHO;
          quiet.c_lflag |= ECHONL;
          restore = tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
  for (;;)
    {
      ssize_t n = read (STDIN_FILENO, &c, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        saved_errno = errno;
      if (n <= 0 || c == '\n')
        break;
      if (line->len < MAX_CLIENT_SECRET)
        g_string_append_c (line, c);
      else
        too_long = TRUE;
    }
  gmo_wipe (&c, 1);
  if (restore)
    tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);

  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);
  if (saved_errno != 0)
    g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("Cannot read the client secret: %s"),
                 g_strerror (saved_errno));
  else if (too_long)
    g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("The client secret is too long"));
  else if (line->len == 0)
    g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                 _("No client secret given (type it at the prompt or on standard input)"));
  else
    return gmo_secret_dup_len (line->str, line->len);
  return NULL;
}

static gboolean
read_client_file (const gchar *path, gchar **out_client_id, GmoSecret **out_client_secret,
                  GError **error)
{
  g_autoptr (GError) local_error = NULL;
  g_autofree gchar *contents = NULL;
  gsize len = 0;
  gboolean ok;

  if (!g_file_get_contents (path, &contents, &len, &local_error))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, "%s", local_error->message);
      return FALSE;
    }
  if (len > MAX_CLIENT_FILE)
    g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("%s is too large for a client file"), path);
  ok = len <= MAX_CLIENT_FILE
       && gmo_login_parse_client_secrets (contents, len, out_client_id, out_client_secret,
                                          &local_error);
  if (local_error != NULL)
    g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, "%s: %s", path, local_error->message);
  gmo_wipe (contents, len);
  return ok;
}

/* The client of this login: from the file, from --client-id and a typed
 * secret, or else the one of the account's existing grant. */
static gboolean
get_client (const gchar *account, const gchar *client_file, const gchar *client_id,
            gchar **out_client_id, GmoSecret **out_client_secret, GError **error)
{
  g_autoptr (GmoGrant) existing = NULL;
  g_autoptr (GError) local_error = NULL;

  if (client_file != NULL)
    return read_client_file (client_file, out_client_id, out_client_secret, error);
  if (client_id != NULL)
    {
      *out_client_secret = read_client_secret (client_id, error);
      if (*out_client_secret == NULL)
        return FALSE;
      *out_client_id = g_strdup (client_id);
      return TRUE;
    }
  existing = gmo_store_lookup (account, NULL, &local_error);
  if (existing == NULL)
    {
      if (local_error != NULL)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                     _("No OAuth client for %s yet: give --client-secrets FILE (the JSON "
                       "downloaded for a “Desktop app” client) or --client-id ID"),
                     account);
      return FALSE;
    }
  *out_client_id = g_strdup (existing->client_id);
  *out_client_secret = gmo_secret_dup (existing->client_secret);
  return TRUE;
}

/* The consent may come from another account than ACCOUNT (Google's account
 * chooser offers every account signed in to the browser): its grant must
 * never be stored under ACCOUNT's name. Unknown is refused like another: a
 * grant nobody vouches for is the very thing this check keeps out.
 * @out_consented: (out) (transfer full) (nullable): who consented, if known. */
static gboolean
confirm_identity (const gchar *account, const gchar *client_id,
                  const GmoTokenResponse *response, gchar **out_consented, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  *out_consented = gmo_identity_of_response (response, client_id, NULL, &local_error);
  if (*out_consented == NULL)
    {
      /* Translators: %s is an e-mail address; the reason follows the colon. */
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  _("Cannot confirm that %s consented, so nothing was stored: "),
                                  account);
      return FALSE;
    }
  if (!gmo_identity_same_account (account, *out_consented))
    {
      /* Translators: %1$s is the address that consented, %2$s the account asked for. */
      g_set_error (error, GMO_ERROR, GMO_ERROR_REAUTHORIZE,
                   _("You consented as %1$s, not %2$s, so nothing was stored: log in again and "
                     "choose %2$s in Google's account chooser"),
                   *out_consented, account);
      return FALSE;
    }
  return TRUE;
}

/* The stored account whose grant revoking a new grant of @client_id could
 * end: Google revokes a user's consent to a client whole, every refresh
 * token of it. Any account of that client when @consented is unknown, and
 * when the keyring cannot say, the one that consented (or else ACCOUNT). */
static gchar *
stored_grant_at_risk (const gchar *account, const gchar *consented, const gchar *client_id)
{
  g_autoptr (GPtrArray) grants = gmo_store_list (NULL, NULL);

  if (grants == NULL)
    return g_strdup (consented != NULL ? consented : account);
  for (guint i = 0; i < grants->len; i++)
    {
      const GmoGrant *grant = g_ptr_array_index (grants, i);

      if (g_strcmp0 (grant->client_id, client_id) == 0
          && (consented == NULL || gmo_identity_same_account (grant->account, consented)))
        return g_strdup (grant->account);
    }
  return NULL;
}

/* A grant that is not stored is of no use to anyone: revoke it (best
 * effort), so that it does not live on at Google, counted against the
 * client's limit of live grants; unless that could end a stored grant,
 * which a failed login must never touch. */
static void
revoke_unstored (const gchar *account, const gchar *consented, const gchar *client_id,
                 const GmoTokenResponse *response)
{
  g_autoptr (GError) error = NULL;
  g_autofree gchar *at_risk = stored_grant_at_risk (account, consented, client_id);

  if (at_risk != NULL)
    /* Translators: %s is an e-mail address. */
    g_printerr (_("gmail-oauth: the new grant is not revoked: Google could end the stored grant "
                  "of %s with it (they share the OAuth client)\n"),
                at_risk);
  else if (!gmo_oauth_revoke (response->refresh_token, NULL, NULL, &error))
    /* Translators: %s says why. */
    g_printerr (_("gmail-oauth: the new grant could not be revoked; remove it under "
                  "https://myaccount.google.com/connections (%s)\n"),
                error->message);
}

int
gmo_cli_login (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("ACCOUNT"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocketService) service = NULL;
  g_autoptr (GmoSecret) client_secret = NULL;
  g_autoptr (GmoSecret) verifier = NULL;
  g_autoptr (GmoSecret) code = NULL;
  g_autoptr (GmoTokenResponse) response = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGrant) confirmed = NULL;
  g_autofree gchar *client_file = NULL;
  g_autofree gchar *client_id_option = NULL;
  g_autofree gchar *scope = NULL;
  g_autofree gchar *account = NULL;
  g_autofree gchar *client_id = NULL;
  g_autofree gchar *state = NULL;
  g_autofree gchar *challenge = NULL;
  g_autofree gchar *endpoint = NULL;
  g_autofree gchar *redirect_uri = NULL;
  g_autofree gchar *url = NULL;
  g_autofree gchar *requested_scope = NULL;
  g_autofree gchar *consented = NULL;
  gboolean no_browser = FALSE;
  gint timeout = DEFAULT_TIMEOUT, port = 0;
  guint16 bound_port = 0;
  const GOptionEntry entries[] = {
    { "client-secrets", 0, 0, G_OPTION_ARG_FILENAME, &client_file,
      N_("The client file downloaded from Google Cloud Console (a “Desktop app” client)"),
      N_("FILE") },
    { "client-id", 0, 0, G_OPTION_ARG_STRING, &client_id_option,
      N_("The client id; the secret is then read from the terminal or standard input"),
      N_("ID") },
    { "scope", 0, 0, G_OPTION_ARG_STRING, &scope,
      N_("Space-separated scopes (default https://mail.google.com/); “openid email” is added, "
         "to confirm the account"),
      N_("SCOPE") },
    { "no-browser", 0, 0, G_OPTION_ARG_NONE, &no_browser,
      N_("Do not open a browser; print the address (automatic without a display)"), NULL },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
      N_("Give up after this many seconds (default 300)"), N_("SECONDS") },
    { "port", 0, 0, G_OPTION_ARG_INT, &port,
      N_("Listen on this port of 127.0.0.1 (default: any free port)"), N_("PORT") },
    { NULL },
  };

  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_summary (
      context, _("Authorizes gmail-oauth for ACCOUNT in a browser and stores the grant in the "
                 "keyring. Without client options, the client of the account's existing grant "
                 "is used again."));
  g_option_context_set_description (
      context, _("The browser comes back to a listener on 127.0.0.1. Without a display (or "
                 "with --no-browser) open the printed address on any machine: forward the "
                 "port with “ssh -L PORT:127.0.0.1:PORT HOST”, or paste the address the "
                 "browser ends at on standard input.\n\n"
                 "The consent must come from ACCOUNT: the address Google names (in the ID "
                 "token, or else at the userinfo endpoint) is checked, and when it is another "
                 "or cannot be confirmed nothing is stored and the new grant is revoked.\n\n"
                 "Exit status: 0 logged in; 2 bad arguments or client file; 4 the "
                 "authorization was denied in the browser, the code was refused, or another "
                 "account consented; 5 the client id or secret is wrong; 6 no answer within "
                 "--timeout, or network trouble; 7 bad answer from Google (such as an invalid "
                 "ID token); 8 keyring unavailable."));
  if (!gmo_cli_parse_options (context, &argc, &argv, 1, 1, &error))
    goto out;
  if (client_file != NULL && client_id_option != NULL)
    {
      g_set_error (&error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Give either --client-secrets or --client-id, not both"));
      goto out;
    }
  if (timeout < 1 || timeout > 86400 || port < 0 || port > 65535)
    {
      g_set_error (&error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("--timeout must be from 1 to 86400 seconds and --port from 0 to 65535"));
      goto out;
    }
  if (scope != NULL)
    g_strstrip (scope);
  if (scope != NULL && *scope == '\0')
    {
      g_set_error (&error, GMO_ERROR, GMO_ERROR_USAGE, _("--scope must not be empty"));
      goto out;
    }
  account = gmo_account_normalize (argv[1], &error);
  if (account == NULL)
    goto out;
  endpoint = gmo_http_endpoint_url (GMO_ENDPOINT_AUTH, &error);
  if (endpoint == NULL)
    goto out;
  if (!get_client (account, client_file, client_id_option, &client_id, &client_secret, &error))
    goto out;

  state = gmo_login_random_string (STATE_LEN, &error);
  if (state == NULL)
    goto out;
  verifier = gmo_login_random_string (VERIFIER_LEN, &error);
  if (verifier == NULL)
    goto out;
  challenge = gmo_login_pkce_challenge (verifier);
  service = gmo_cli_listen_loopback ((guint16) port, &bound_port, &error);
  if (service == NULL)
    goto out;
  redirect_uri = g_strdup_printf ("http://127.0.0.1:%u/", bound_port);
  /* The mail scopes the user wants, and "openid email" to learn who consented. */
  requested_scope = gmo_identity_add_scopes (scope ? scope : DEFAULT_SCOPE);
  url = gmo_login_auth_url (endpoint, client_id, redirect_uri, requested_scope, state, challenge,
                            account);

  code = gmo_cli_wait_for_code (service, redirect_uri, bound_port, url, state,
                        !no_browser && have_display (), (guint) timeout, &error);
  g_socket_listener_close (G_SOCKET_LISTENER (service));
  if (code == NULL)
    goto out;

  response = gmo_oauth_exchange_code (client_id, client_secret, code, verifier, redirect_uri,
                                      NULL, NULL, &error);
  if (response == NULL)
    goto out;
  if (response->refresh_token == NULL)
    {
      g_set_error (&error, GMO_ERROR, GMO_ERROR_BAD_RESPONSE,
                   _("Google granted access but sent no refresh token"));
      goto out;
    }
  if (!confirm_identity (account, client_id, response, &consented, &error))
    {
      revoke_unstored (account, consented, client_id, response);
      goto out;
    }

  grant = gmo_grant_new (account);
  grant->client_id = g_strdup (client_id);
  grant->client_secret = g_steal_pointer (&client_secret);
  grant->refresh_token = g_steal_pointer (&response->refresh_token);
  grant->access_token = g_steal_pointer (&response->access_token);
  grant->expires_at = response->expires_at;
  grant->scopes = g_strdup (response->scope ? response->scope : requested_scope);
  grant->granted_at = gmo_now ();
  if (!gmo_store_save (grant, NULL, &error))
    goto out;

  /* Prove the stored grant works the way every later call will use it. */
  confirmed = gmo_broker_get_token (account, GMO_BROKER_FORCE_REFRESH, 0, NULL, &error);
  if (confirmed == NULL)
    goto out;
  /* Translators: %s is an e-mail address. */
  g_printerr (_("Logged in as %s; the grant is stored in the keyring.\n"), account);

out:
  return error != NULL ? gmo_cli_report (error) : GMO_EXIT_OK;
}
