/* SPDX-License-Identifier: GPL-3.0-or-later */
/* git-credential-gmail-oauth: a git credential helper with two roles, storage
 * (gmo-git-storage.c) and minting (gmo-git-minter.c). Shaped like git's
 * libsecret helper: an op table; read lines -> act -> write lines -> wipe.
 * The request is read and parsed completely before anything is acted on, so
 * malformed input never causes a partial action. */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>
#include <glib/gi18n.h>

#include "gmo-broker.h"
#include "gmo-error.h"
#include "gmo-git.h"
#include "gmo-signals.h"
#include "gmo-util.h"

typedef gboolean (*GmoGitOpFunc) (const GmoGitCredential *c, GmoSecretString *answer,
                                  gboolean *out_quit, GError **error);

static gboolean
op_get (const GmoGitCredential *c, GmoSecretString *answer, gboolean *out_quit, GError **error)
{
  g_autofree gchar *account = gmo_git_minter_candidate (c);
  g_autoptr (GError) local_error = NULL;

  if (account == NULL)
    return gmo_git_storage_get (c, answer, error);
  /* Asking for a token is what tells whether the account is ours (through
   * gmail-oauthd, without a keyring read when it has the token). */
  if (gmo_git_minter_get (c, account, answer, &local_error))
    return TRUE;
  if (g_error_matches (local_error, GMO_ERROR, GMO_ERROR_NO_ACCOUNT))
    return gmo_git_storage_get (c, answer, error);
  /* Without the keyring we cannot know whether the account is ours: the next
   * helper may hold an app password for it, so git must go on (no quit=1). */
  *out_quit = gmo_git_minter_error_is_final (local_error);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
op_store (const GmoGitCredential *c, GmoSecretString *answer, gboolean *out_quit, GError **error)
{
  g_autofree gchar *account = NULL;

  if (!gmo_git_minter_account (c, &account, error))
    return FALSE;
  /* A minted token is not stored: the grant is, already. */
  return account != NULL || gmo_git_storage_store (c, error);
}

static gboolean
op_erase (const GmoGitCredential *c, GmoSecretString *answer, gboolean *out_quit, GError **error)
{
  g_autofree gchar *account = NULL;

  if (!gmo_git_minter_account (c, &account, error))
    return FALSE;
  /* A server refused a minted token: forget it so that the next get
   * refreshes, and keep the grant. */
  if (account != NULL)
    return gmo_broker_forget_access_token (account, NULL, error);
  return gmo_git_storage_erase (c, error);
}

typedef struct
{
  const char *name;
  GmoGitOpFunc func; /* NULL: answers without reading a request */
} GmoGitOp;

static const GmoGitOp git_ops[] = {
  { "get", op_get },
  { "store", op_store },
  { "erase", op_erase },
  { "capability", NULL },
};

static void
report (const GError *error)
{
  g_autofree gchar *line = g_strdup (error->message);

  /* One line, whatever a lower layer put in the message. */
  g_strdelimit (line, "\r\n", ' ');
  g_printerr ("gmail-oauth: %s\n", line);
}

int
gmo_git_main (int argc, char **argv)
{
  g_autoptr (GmoSecretBytes) request = NULL;
  g_autoptr (GmoSecretString) answer = g_string_new (NULL);
  g_auto (GmoGitCredential) c = { 0 };
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) write_error = NULL;
  g_autoptr (GInputStream) input = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  g_autoptr (GOutputStream) output = g_unix_output_stream_new (STDOUT_FILENO, FALSE);
  const GmoGitOp *op = NULL;
  gboolean quit = FALSE;

  gmo_program_init ();
  /* Dying of a signal waits for a rotated grant's keyring write. */
  gmo_signals_install (gmo_signals_die);
  /* No git operation starts with '-': --help is a person asking. */
  if (argc == 2 && (g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")))
    {
      printf (_("usage: %s <get|store|erase|capability>\n"
                 "A git credential helper: mints Gmail access tokens for accounts stored with "
                 "gmail-oauth, and stores other credentials in the keyring.\n"
                 "Use it with: git config --global credential.helper gmail-oauth\n"),
               "git-credential-gmail-oauth");
      return GMO_EXIT_OK;
    }
  if (argc != 2)
    {
      /* Translators: the operation names are literal. */
      g_printerr (_("usage: %s <get|store|erase|capability>\n"), "git-credential-gmail-oauth");
      return GMO_EXIT_USAGE;
    }
  for (guint i = 0; i < G_N_ELEMENTS (git_ops); i++)
    if (g_str_equal (argv[1], git_ops[i].name))
      op = &git_ops[i];
  /* An operation from a newer git: ignore it, as git asks. */
  if (op == NULL)
    return GMO_EXIT_OK;
  if (op->func == NULL)
    g_string_append (answer, "version 0\ncapability authtype\n");
  else
    {
      request = gmo_git_request_read (input, &error);
      if (request == NULL
          || !gmo_git_request_parse (&c, (const gchar *) request->data, request->len, &error))
        goto out;
      /* A failure answers nothing, or quit=1 when a prompt could not help. */
      if (!op->func (&c, answer, &quit, &error))
        g_string_assign (answer, quit ? "quit=1\n" : "");
    }
  /* A reader that went away is an I/O failure of the call, not a bug: usage. */
  if (!g_output_stream_write_all (output, answer->str, answer->len, NULL, NULL, &write_error)
      && error == NULL)
    g_set_error (&error, GMO_ERROR, GMO_ERROR_USAGE, _("Cannot write to standard output: %s"),
                 write_error->message);

out:
  if (error == NULL)
    return GMO_EXIT_OK;
  report (error);
  return gmo_error_exit_status (error);
}

