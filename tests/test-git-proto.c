/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The git helper's protocol parser and secret format, as pure functions over
 * bytes, from the helper's own library (src/git). */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "gmo-error.h"
#include "gmo-git.h"

static gboolean
parse (GmoGitCredential *c, const gchar *data, gsize len, GError **error)
{
  return gmo_git_request_parse (c, data, len, error);
}

#define PARSE_OK(c, literal)                                                                   \
  G_STMT_START                                                                                 \
  {                                                                                            \
    g_autoptr (GError) parse_error = NULL;                                                     \
    g_assert_true (parse (c, literal, sizeof literal - 1, &parse_error));                      \
    g_assert_no_error (parse_error);                                                           \
  }                                                                                            \
  G_STMT_END

static void
assert_rejected (const gchar *data, gsize len, const gchar *message_part)
{
  g_auto (GmoGitCredential) c = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_false (parse (&c, data, len, &error));
  g_assert_error (error, GMO_ERROR, GMO_ERROR_USAGE);
  g_assert_nonnull (strstr (error->message, message_part));
  g_assert_null (strchr (error->message, '\n'));
}

static void
test_parse_fields (void)
{
  g_auto (GmoGitCredential) c = { 0 };

  PARSE_OK (&c, "protocol=https\nhost=example.com:8443\npath=a/b.git\nusername=me\n"
                "password=p=w\npassword_expiry_utc=1700000000\noauth_refresh_token=rt\n"
                "unknown=ignored\n=empty-key-ignored\n");
  g_assert_cmpstr (c.protocol, ==, "https");
  g_assert_cmpstr (c.host, ==, "example.com:8443");
  g_assert_cmpstr (c.path, ==, "a/b.git");
  g_assert_cmpstr (c.username, ==, "me");
  g_assert_cmpstr (c.password, ==, "p=w");
  g_assert_cmpint (c.password_expiry_utc, ==, 1700000000);
  g_assert_cmpstr (c.oauth_refresh_token, ==, "rt");
}

static void
test_parse_blank_line_ends (void)
{
  g_auto (GmoGitCredential) c = { 0 };

  /* A CR before the newline is dropped, as git's reader does. */
  PARSE_OK (&c, "protocol=https\r\nhost=a\n\nhost=b\nno equals sign here\n");
  g_assert_cmpstr (c.protocol, ==, "https");
  g_assert_cmpstr (c.host, ==, "a");
}

static void
test_parse_last_line_without_newline (void)
{
  g_auto (GmoGitCredential) c = { 0 };

  PARSE_OK (&c, "protocol=https\nusername=me");
  g_assert_cmpstr (c.username, ==, "me");
}

static void
test_parse_expiry (void)
{
  g_auto (GmoGitCredential) c = { 0 };

  /* Unparsable means "never", as in git. */
  PARSE_OK (&c, "password_expiry_utc=soon\n");
  g_assert_cmpint (c.password_expiry_utc, ==, 0);
  PARSE_OK (&c, "password_expiry_utc=-5\n");
  g_assert_cmpint (c.password_expiry_utc, ==, 0);
  PARSE_OK (&c, "password_expiry_utc=42\n");
  g_assert_cmpint (c.password_expiry_utc, ==, 42);
}

static void
test_parse_wwwauth (void)
{
  g_auto (GmoGitCredential) c = { 0 };

  PARSE_OK (&c, "wwwauth[]=Basic realm=\"x\"\nwwwauth[]=Bearer\n");
  g_assert_cmpuint (c.wwwauth->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (c.wwwauth, 0), ==, "Basic realm=\"x\"");
  /* An empty value resets the list. */
  PARSE_OK (&c, "wwwauth[]=\nwwwauth[]=Negotiate\n");
  g_assert_cmpuint (c.wwwauth->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (c.wwwauth, 0), ==, "Negotiate");
}

static void
test_parse_capability_gates (void)
{
  g_auto (GmoGitCredential) before = { 0 };
  g_auto (GmoGitCredential) after = { 0 };
  g_auto (GmoGitCredential) reset = { 0 };

  /* Gated fields before the capability are ignored. */
  PARSE_OK (&before, "authtype=Bearer\ncredential=tok\nephemeral=1\ncapability[]=authtype\n");
  g_assert_true (before.capa_authtype);
  g_assert_null (before.authtype);
  g_assert_null (before.credential);
  g_assert_false (before.ephemeral);

  PARSE_OK (&after, "capability[]=state\ncapability[]=authtype\nauthtype=Bearer\n"
                    "credential=tok\nephemeral=true\nstate[]=x\ncontinue=1\n");
  g_assert_cmpstr (after.authtype, ==, "Bearer");
  g_assert_cmpstr (after.credential, ==, "tok");
  g_assert_true (after.ephemeral);

  PARSE_OK (&reset, "capability[]=authtype\ncapability[]=\ncredential=tok\n");
  g_assert_false (reset.capa_authtype);
  g_assert_null (reset.credential);
}

static void
test_parse_url (void)
{
  g_auto (GmoGitCredential) c = { 0 };
  g_auto (GmoGitCredential) bare = { 0 };

  /* url= replaces what came before it. */
  PARSE_OK (&c, "path=old\npassword=old\n"
                "url=https://me%40x.org:p%3Aw@example.com:8443//repo.git/?q\n");
  g_assert_cmpstr (c.protocol, ==, "https");
  g_assert_cmpstr (c.username, ==, "me@x.org");
  g_assert_cmpstr (c.password, ==, "p:w");
  g_assert_cmpstr (c.host, ==, "example.com:8443");
  g_assert_cmpstr (c.path, ==, "repo.git/?q");

  PARSE_OK (&bare, "username=kept-not\nurl=smtp://smtp.gmail.com\n");
  g_assert_cmpstr (bare.protocol, ==, "smtp");
  g_assert_cmpstr (bare.host, ==, "smtp.gmail.com");
  g_assert_null (bare.username);
  g_assert_null (bare.path);
}

static void
test_parse_rejects (void)
{
  g_autoptr (GString) longline = g_string_new ("protocol=https\nwwwauth[]=");
  static const gchar nul[] = "protocol=https\nhost=a\0b\n";

  assert_rejected ("protocol=https\nhost\n", 20, "key=value");
  assert_rejected (nul, sizeof nul - 1, "NUL");
  assert_rejected ("url=example.com/x\n", 18, "scheme");
  assert_rejected ("url=https://%zz@example.com\n", 28, "escape");
  assert_rejected ("url=https://a%00b\n", 18, "escape");

  /* 65535 bytes with the newline pass; one more does not. */
  while (longline->len < 15 + GMO_GIT_LINE_MAX - 1)
    g_string_append_c (longline, 'a');
  g_string_append_c (longline, '\n');
  {
    g_auto (GmoGitCredential) c = { 0 };
    g_autoptr (GError) error = NULL;

    g_assert_true (parse (&c, longline->str, longline->len, &error));
    g_assert_no_error (error);
  }
  g_string_insert_c (longline, 20, 'a');
  assert_rejected (longline->str, longline->len, "longer than 65535");
  g_string_truncate (longline, longline->len - 1); /* at EOF, no newline */
  assert_rejected (longline->str, longline->len, "longer than 65535");
}

static void
test_parse_invalid_utf8_passes (void)
{
  g_auto (GmoGitCredential) c = { 0 };

  PARSE_OK (&c, "password=\xff\xfe\nwwwauth[]=\xc3\n");
  g_assert_cmpstr (c.password, ==, "\xff\xfe");
  g_assert_true (gmo_git_storage_key_is_utf8 (&c));
  PARSE_OK (&c, "username=\xff\n");
  g_assert_false (gmo_git_storage_key_is_utf8 (&c));
}

/* Empty standard input, as `get < /dev/null` gives it: the reader hands the
 * parser an empty buffer whose data is NULL (clang's UBSan once caught NULL + 0
 * there). */
static void
test_read_dev_null (void)
{
  g_autoptr (GFile) file = g_file_new_for_path ("/dev/null");
  g_autoptr (GFileInputStream) input = g_file_read (file, NULL, NULL);
  g_autoptr (GmoSecretBytes) request = NULL;
  g_auto (GmoGitCredential) c = { 0 };
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (input);
  request = gmo_git_request_read (G_INPUT_STREAM (input), &error);
  g_assert_no_error (error);
  g_assert_nonnull (request);
  g_assert_cmpuint (request->len, ==, 0);
  g_assert_true (parse (&c, (const gchar *) request->data, request->len, &error));
  g_assert_no_error (error);
  g_assert_null (c.protocol);
  g_assert_null (c.host);
}

static void
test_split_host (void)
{
  g_autofree gchar *plain = NULL, *ported = NULL, *v6 = NULL, *v6port = NULL, *bad = NULL;
  guint port;

  plain = gmo_git_split_host ("example.com", &port);
  g_assert_cmpstr (plain, ==, "example.com");
  g_assert_cmpuint (port, ==, 0);
  ported = gmo_git_split_host ("example.com:587", &port);
  g_assert_cmpstr (ported, ==, "example.com");
  g_assert_cmpuint (port, ==, 587);
  v6 = gmo_git_split_host ("[::1]", &port);
  g_assert_cmpstr (v6, ==, "[::1]");
  g_assert_cmpuint (port, ==, 0);
  v6port = gmo_git_split_host ("[::1]:8080", &port);
  g_assert_cmpstr (v6port, ==, "[::1]");
  g_assert_cmpuint (port, ==, 8080);
  bad = gmo_git_split_host ("example.com:99999", &port);
  g_assert_cmpstr (bad, ==, "example.com:99999");
  g_assert_cmpuint (port, ==, 0);
}

static void
test_secret_format (void)
{
  g_auto (GmoGitCredential) c = { 0 };
  g_auto (GmoGitCredential) cred = { 0 };
  g_autoptr (GmoSecretString) plain = NULL;
  g_autoptr (GmoSecretString) full = NULL;
  g_autoptr (GmoSecretString) credential_only = NULL;
  g_autofree gchar *label = NULL;

  PARSE_OK (&c, "protocol=https\nhost=example.com:8443\nusername=me\npassword=pw\n");
  plain = gmo_git_storage_secret_format (&c);
  g_assert_cmpstr (plain->str, ==, "pw");
  label = gmo_git_storage_label (&c);
  g_assert_cmpstr (label, ==, "Git: https://example.com:8443/");

  PARSE_OK (&c, "password_expiry_utc=1700000000\noauth_refresh_token=rt\n");
  full = gmo_git_storage_secret_format (&c);
  g_assert_cmpstr (full->str, ==, "pw\npassword_expiry_utc=1700000000\noauth_refresh_token=rt");

  PARSE_OK (&cred, "capability[]=authtype\nauthtype=Bearer\ncredential=tok\n");
  credential_only = gmo_git_storage_secret_format (&cred);
  g_assert_cmpstr (credential_only->str, ==, "\nauthtype=Bearer\ncredential=tok");
}

/* What git's libsecret helper (or another program) left in an item reads
 * back: the password, the lines we know, nothing else. */
static void
test_secret_parse (void)
{
  g_auto (GmoGitCredential) c = { 0 };
  g_auto (GmoGitCredential) cred = { 0 };
  g_autoptr (GmoSecretString) again = NULL;

  gmo_git_storage_secret_parse ("pw\npassword_expiry_utc=1700000000\nnoise\nx=y\n"
                                "oauth_refresh_token=rt",
                                &c);
  g_assert_cmpstr (c.password, ==, "pw");
  g_assert_cmpint (c.password_expiry_utc, ==, 1700000000);
  g_assert_cmpstr (c.oauth_refresh_token, ==, "rt");
  g_assert_null (c.credential);
  again = gmo_git_storage_secret_format (&c);
  g_assert_cmpstr (again->str, ==, "pw\npassword_expiry_utc=1700000000\noauth_refresh_token=rt");

  /* A credential's own item: no password. */
  gmo_git_storage_secret_parse ("\nauthtype=Bearer\ncredential=tok", &cred);
  g_assert_null (cred.password);
  g_assert_cmpstr (cred.authtype, ==, "Bearer");
  g_assert_cmpstr (cred.credential, ==, "tok");
}

static void
test_answer_refuses_newlines (void)
{
  g_autoptr (GmoSecretString) answer = g_string_new (NULL);

  /* A foreign keyring item must not inject protocol lines. */
  gmo_git_answer_add (answer, "username", "me\nquit=1");
  gmo_git_answer_add (answer, "password", "pw");
  g_assert_cmpstr (answer->str, ==, "password=pw\n");
}

static void
test_main_usage (void)
{
  if (g_test_subprocess ())
    {
      char *argv[] = { (char *) "git-credential-gmail-oauth", NULL };

      exit (gmo_git_main (1, argv));
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stdout ("");
  g_test_trap_assert_stderr ("usage: git-credential-gmail-oauth <get|store|erase|capability>\n");
}

/* `get < /dev/null` as git never sends it but a person may: an ordinary miss. */
static void
test_main_get_empty_input (void)
{
  if (g_test_subprocess ())
    {
      char *argv[] = { (char *) "git-credential-gmail-oauth", (char *) "get", NULL };
      int fd = open ("/dev/null", O_RDONLY);

      g_assert_cmpint (dup2 (fd, STDIN_FILENO), ==, STDIN_FILENO);
      exit (gmo_git_main (2, argv));
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("");
  g_test_trap_assert_stderr ("");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/git/parse/fields", test_parse_fields);
  g_test_add_func ("/git/parse/blank-line-ends", test_parse_blank_line_ends);
  g_test_add_func ("/git/parse/last-line-without-newline", test_parse_last_line_without_newline);
  g_test_add_func ("/git/parse/expiry", test_parse_expiry);
  g_test_add_func ("/git/parse/wwwauth", test_parse_wwwauth);
  g_test_add_func ("/git/parse/capability-gates", test_parse_capability_gates);
  g_test_add_func ("/git/parse/url", test_parse_url);
  g_test_add_func ("/git/parse/rejects", test_parse_rejects);
  g_test_add_func ("/git/parse/invalid-utf8-passes", test_parse_invalid_utf8_passes);
  g_test_add_func ("/git/read/dev-null", test_read_dev_null);
  g_test_add_func ("/git/storage/split-host", test_split_host);
  g_test_add_func ("/git/storage/secret-format", test_secret_format);
  g_test_add_func ("/git/storage/secret-parse", test_secret_parse);
  g_test_add_func ("/git/answer/refuses-newlines", test_answer_refuses_newlines);
  g_test_add_func ("/git/main/usage", test_main_usage);
  g_test_add_func ("/git/main/get-empty-input", test_main_get_empty_input);
  return g_test_run ();
}
