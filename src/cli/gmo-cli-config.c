/* SPDX-License-Identifier: GPL-3.0-or-later */
/* gmail-oauth config CLIENT ACCOUNT: a ready configuration for a mail client (or git) that
 * takes its access tokens from `gmail-oauth token ACCOUNT`, with what that client needs to
 * know as comments. These texts are the single source: README.md shows them as printed for
 * me@gmail.com (tests/config.sh compares the two), and tests/mail-clients.sh runs the clients
 * with them. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gio/gio.h>

#include "gmo-cli.h"
#include "gmo-error.h"
#include "gmo-store.h"

/* @ACCOUNT@ is replaced by the account, @ACCOUNT_URL@ by the account as the user part of a
 * URL ("@" as "%40"). The texts are not translated: they are files to keep, the same as the
 * README's and as the clients' own documentation, and a comment in another language would
 * make them differ from what the README and the tests check. */
typedef struct
{
  const char *name;
  const char *what; /* N_(): the file, for --help */
  const char *text;
} ClientConfig;

static const ClientConfig clients[] = {
  { "msmtp", N_("~/.msmtprc: sending over SMTP"),
    "# ~/.msmtprc for @ACCOUNT@ (gmail-oauth config msmtp @ACCOUNT@).\n"
    "# msmtp runs passwordeval for each message and sends the answer as the OAuth 2.0\n"
    "# access token; gmail-oauth refreshes it only when it is about to expire.\n"
    "# \"auth xoauth2\" works as well as \"auth oauthbearer\".\n"
    "account gmail\n"
    "host smtp.gmail.com\n"
    "port 587\n"
    "tls on\n"
    "tls_starttls on\n"
    "tls_trust_file system\n"
    "auth oauthbearer\n"
    "user @ACCOUNT@\n"
    "from @ACCOUNT@\n"
    "passwordeval \"gmail-oauth token @ACCOUNT@\"\n"
    "account default : gmail\n" },
  { "mbsync", N_("~/.mbsyncrc: INBOX synced into ~/Mail/gmail over IMAP (isync)"),
    "# ~/.mbsyncrc for @ACCOUNT@ (gmail-oauth config mbsync @ACCOUNT@).\n"
    "# Then: mkdir -p ~/Mail/gmail && mbsync gmail\n"
    "# mbsync logs in through Cyrus SASL, which needs an XOAUTH2 module: on Debian 12 and\n"
    "# later the package libsasl2-modules-kdexoauth2 (\"cyrus-sasl-xoauth2\" does not exist\n"
    "# there). PassCmd's answer is the OAuth 2.0 access token.\n"
    "# isync 1.5 and later spell SSLType as TLSType (Debian 12 has isync 1.4).\n"
    "# isync 1.4 does not answer Gmail's refusal of a revoked or expired token: it says \"IMAP\n"
    "# wants more steps despite successful SASL authentication\" and waits until Gmail drops\n"
    "# the connection. \"gmail-oauth doctor @ACCOUNT@\" then tells what is wrong.\n"
    "IMAPAccount gmail\n"
    "Host imap.gmail.com\n"
    "Port 993\n"
    "User @ACCOUNT@\n"
    "PassCmd \"gmail-oauth token @ACCOUNT@\"\n"
    "AuthMechs XOAUTH2\n"
    "SSLType IMAPS\n"
    "CertificateFile /etc/ssl/certs/ca-certificates.crt\n"
    "\n"
    "IMAPStore gmail-remote\n"
    "Account gmail\n"
    "\n"
    "MaildirStore gmail-local\n"
    "Path ~/Mail/gmail/\n"
    "Inbox ~/Mail/gmail/INBOX\n"
    "SubFolders Verbatim\n"
    "\n"
    "# INBOX only: add folders to Patterns, such as \"[Gmail]/Sent Mail\". Gmail's labels\n"
    "# are folders, and \"[Gmail]/All Mail\" holds every message once more.\n"
    "Channel gmail\n"
    "Far :gmail-remote:\n"
    "Near :gmail-local:\n"
    "Patterns INBOX\n"
    "Create Near\n"
    "SyncState *\n" },
  { "neomutt", N_("~/.neomuttrc: reading over IMAP, sending over SMTP"),
    "# ~/.neomuttrc for @ACCOUNT@ (gmail-oauth config neomutt @ACCOUNT@).\n"
    "# neomutt runs the refresh commands when it needs a token and uses the answer as\n"
    "# the OAuth 2.0 access token, for IMAP and for SMTP.\n"
    "set from = \"@ACCOUNT@\"\n"
    "set imap_user = \"@ACCOUNT@\"\n"
    "set folder = \"imaps://imap.gmail.com:993/\"\n"
    "# Without spool_file, neomutt opens /var/mail/$USER, not the IMAP inbox.\n"
    "set spool_file = \"+INBOX\"\n"
    "set imap_authenticators = \"oauthbearer:xoauth2\"\n"
    "set imap_oauth_refresh_command = \"gmail-oauth token @ACCOUNT@\"\n"
    "set smtp_url = \"smtp://@ACCOUNT_URL@@smtp.gmail.com:587/\"\n"
    "set smtp_authenticators = \"oauthbearer:xoauth2\"\n"
    "set smtp_oauth_refresh_command = \"gmail-oauth token @ACCOUNT@\"\n"
    "set ssl_starttls = yes\n"
    "set ssl_force_tls = yes\n"
    "# Gmail files what it sends in \"[Gmail]/Sent Mail\" itself.\n"
    "set record = \"\"\n"
    "set postponed = \"+[Gmail]/Drafts\"\n" },
  { "aerc", N_("~/.config/aerc/accounts.conf: reading over IMAP, sending over SMTP"),
    "# ~/.config/aerc/accounts.conf for @ACCOUNT@ (gmail-oauth config aerc @ACCOUNT@).\n"
    "# aerc refuses an accounts.conf that others can read (\"too open permissions\"):\n"
    "#   chmod 600 ~/.config/aerc/accounts.conf\n"
    "# Without client_id and token_endpoint in the URLs, aerc uses what the *-cred-cmd\n"
    "# prints as the OAuth 2.0 access token; \"+xoauth2\" works as well as \"+oauthbearer\".\n"
    "[gmail]\n"
    "source            = imaps+oauthbearer://@ACCOUNT_URL@@imap.gmail.com:993\n"
    "source-cred-cmd   = gmail-oauth token @ACCOUNT@\n"
    "outgoing          = smtps+oauthbearer://@ACCOUNT_URL@@smtp.gmail.com:465\n"
    "outgoing-cred-cmd = gmail-oauth token @ACCOUNT@\n"
    "from              = @ACCOUNT@\n"
    "default           = INBOX\n" },
  { "offlineimap", N_("~/.offlineimaprc: INBOX synced into ~/Mail/gmail over IMAP"),
    "# ~/.offlineimaprc for @ACCOUNT@ (gmail-oauth config offlineimap @ACCOUNT@).\n"
    "# oauth2_access_token_eval is a Python expression, not a command: this one runs\n"
    "# \"gmail-oauth token @ACCOUNT@\" (its errors show on the terminal). offlineimap reads it\n"
    "# once per run and never again, so run \"offlineimap -o\" (one sync) from a timer or\n"
    "# cron, not one offlineimap for hours: the token lasts one hour.\n"
    "[general]\n"
    "accounts = gmail\n"
    "\n"
    "[Account gmail]\n"
    "localrepository = gmail-local\n"
    "remoterepository = gmail-remote\n"
    "\n"
    "[Repository gmail-local]\n"
    "type = Maildir\n"
    "localfolders = ~/Mail/gmail\n"
    "\n"
    "[Repository gmail-remote]\n"
    "type = Gmail\n"
    "remotehost = imap.gmail.com\n"
    "remoteport = 993\n"
    "remoteuser = @ACCOUNT@\n"
    "auth_mechanisms = XOAUTH2\n"
    "oauth2_access_token_eval = __import__(\"subprocess\").check_output([\"gmail-oauth\", "
    "\"token\", \"@ACCOUNT@\"], text=True)\n"
    "sslcacertfile = OS-DEFAULT\n"
    "# INBOX only; Gmail's labels are folders, and \"[Gmail]/All Mail\" holds every\n"
    "# message once more.\n"
    "folderfilter = lambda folder: folder == \"INBOX\"\n" },
  { "git", N_("git config commands: the credential helper and git send-email"),
    "# git and git send-email for @ACCOUNT@ (gmail-oauth config git @ACCOUNT@).\n"
    "# Run these commands, or pipe this output to sh.\n"
    "# The credential helper answers Gmail's SMTP and IMAP servers with a fresh access token.\n"
    "git config --global credential.helper gmail-oauth\n"
    "# git send-email, the sendmail way: \"gmail-oauth sendmail\" sends through the Gmail API,\n"
    "# with no SMTP and no SASL module. It is the way on Debian 12, whose Perl Authen::SASL\n"
    "# (2.16) has no XOAUTH2. Debian's git send-email is the package git-email, which needs\n"
    "# libmailtools-perl. git passes envelopeSender as -f, which picks the account; the\n"
    "# messages' From stays your commits' author.\n"
    "git config --global sendemail.sendmailCmd \"gmail-oauth sendmail\"\n"
    "git config --global sendemail.envelopeSender @ACCOUNT@\n"
    "# Or the SMTP way, instead of the sendmailCmd line, with the credential helper above:\n"
    "# XOAUTH2 needs Perl's Authen::SASL 2.1800 or later (Debian 13's libauthen-sasl-perl;\n"
    "# on Debian 12, \"cpan Authen::SASL\").\n"
    "#git config --global sendemail.smtpServer smtp.gmail.com\n"
    "#git config --global sendemail.smtpServerPort 587\n"
    "#git config --global sendemail.smtpEncryption tls\n"
    "#git config --global sendemail.smtpUser @ACCOUNT@\n"
    "#git config --global sendemail.smtpAuth XOAUTH2\n" },
};

/* The account goes into shell commands, URLs, quoted strings and Python; only the characters
 * that need quoting in none of them are taken, which every Gmail address is made of. */
static gboolean
account_is_plain (const gchar *account)
{
  const gchar *at = strchr (account, '@');

  if (!g_ascii_isalnum (account[0]) || at == NULL)
    return FALSE;
  for (const gchar *p = account; *p != '\0'; p++)
    if (p != at && !g_ascii_isalnum (*p) && strchr (p < at ? "._+-" : ".-", *p) == NULL)
      return FALSE;
  return TRUE;
}

static const ClientConfig *
find_client (const gchar *name, GError **error)
{
  g_autoptr (GString) names = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      if (g_str_equal (name, clients[i].name))
        return &clients[i];
      g_string_append_printf (names, "%s%s", i > 0 ? ", " : "", clients[i].name);
    }
  {
    g_autofree gchar *shown = g_strescape (name, NULL);

    /* Translators: the second %s is the list of clients, such as "msmtp, mbsync, git". */
    g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE, _("Unknown client “%s”; the clients are %s"),
                 shown, names->str);
  }
  return NULL;
}

static gchar *
clients_description (void)
{
  GString *text = g_string_new (_("Clients:"));

  g_string_append_c (text, '\n');
  for (guint i = 0; i < G_N_ELEMENTS (clients); i++)
    g_string_append_printf (text, "  %-12s %s\n", clients[i].name, _(clients[i].what));
  return g_string_free (text, FALSE);
}

/**
 * gmo_cli_config:
 * @argc: argument count
 * @argv: the arguments; argv[0] is "config"
 *
 * Prints the configuration of the client named by argv[1] for the account argv[2]. It reads
 * nothing from the keyring, so that it works before `login` and without a session.
 *
 * Returns: the exit status (%GMO_EXIT_USAGE for an unknown client or a bad account).
 */
int
gmo_cli_config (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("CLIENT ACCOUNT"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) text = NULL;
  g_autofree gchar *description = clients_description ();
  g_autofree gchar *account = NULL;
  g_autofree gchar *account_url = NULL;
  const ClientConfig *client;
  const gchar *at;

  g_option_context_set_summary (
      context, _("Prints a ready configuration for CLIENT that takes its access tokens from "
                 "“gmail-oauth token ACCOUNT”, with what that client needs to know as comments. "
                 "It reads nothing from the keyring: ACCOUNT need not be stored yet."));
  g_option_context_set_description (context, description);
  if (!gmo_cli_parse_options (context, &argc, &argv, 2, 2, &error))
    goto out;
  client = find_client (argv[1], &error);
  if (client == NULL)
    goto out;
  account = gmo_account_normalize (argv[2], &error);
  if (account == NULL)
    goto out;
  if (!account_is_plain (account))
    {
      g_set_error (&error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("“%s” has characters that gmail-oauth config does not write into a "
                     "configuration file (it takes letters, digits and . _ + - only)"),
                   account);
      goto out;
    }
  at = strchr (account, '@');
  account_url = g_strdup_printf ("%.*s%%40%s", (int) (at - account), account, at + 1);
  text = g_string_new (client->text);
  g_string_replace (text, "@ACCOUNT_URL@", account_url, 0);
  g_string_replace (text, "@ACCOUNT@", account, 0);
  gmo_cli_write_stdout (text->str, &error);

out:
  return error != NULL ? gmo_cli_report (error) : GMO_EXIT_OK;
}
