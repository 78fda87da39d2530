/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `gmail-oauth login`: the first authorization, as RFC 8252 asks of a native
 * app: a listener on the loopback address, the system browser, PKCE (S256)
 * and a state; the user may paste the final address instead (over ssh).
 * `gmail-oauth doctor`: checks the keyring, each grant and the clock. */
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
#include "gmo-login.h"
#include "gmo-oauth.h"
#include "gmo-store.h"
#include "gmo-util.h"

#define DEFAULT_SCOPE "https://mail.google.com/"
#define DEFAULT_TIMEOUT 300
/* A client file is under a kilobyte; a client secret some tens of bytes. */
#define MAX_CLIENT_FILE (64 * 1024)
#define MAX_CLIENT_SECRET 1024
/* What the listener reads of one request, and for how long; the same bound
 * holds for one pasted line. */
#define MAX_REQUEST_HEAD 8192
#define CONNECTION_SECONDS 10
/* Buffers are allocated once at this size, so that growing never leaves an
 * unwiped copy behind. */
#define READ_CHUNK 1024
#define HEAD_CAPACITY (MAX_REQUEST_HEAD + READ_CHUNK + 1)
#define STATE_LEN 32    /* 32 of 66 symbols: about 193 bits */
#define VERIFIER_LEN 64 /* RFC 7636: 43 to 128 */
/* Apps in "Testing" status lose their grants 7 days after consent. */
#define TESTING_GRANT_LIFE (7 * 24 * 3600)
#define MAX_CLOCK_SKEW 60

typedef struct _Flow Flow;

/* One browser connection. Its buffer may hold the code: wiped on free. */
typedef struct
{
  Flow *flow;
  GSocketConnection *connection;
  GCancellable *cancellable;
  GmoSecretBytes *head;
  guint deadline_id;
  gboolean answered; /* then only waiting for the browser to hang up */
  guint8 buffer[READ_CHUNK];
} Client;

/* The wait for the answer: browser connections, a pasted line, a deadline. */
struct _Flow
{
  GMainLoop *loop;
  GSocketService *service;
  const gchar *state;
  const gchar *redirect_uri;
  GList *clients;
  GInputStream *input; /* stdin, for a pasted address */
  GCancellable *input_cancellable;
  GmoSecretBytes *line;
  gboolean input_busy;
  guint8 input_buffer[READ_CHUNK];
  guint timeout;
  guint timeout_id;
  gboolean done;
  GmoSecret *code; /* the result, or */
  GError *error;   /* the failure */
};

static void
flow_finish (Flow *flow, GmoSecret *code, GError *error)
{
  /* Exactly one outcome, or the caller would report success without a code. */
  g_assert ((code == NULL) != (error == NULL));
  if (flow->done)
    {
      gmo_secret_free (code);
      g_clear_error (&error);
      return;
    }
  flow->done = TRUE;
  flow->code = code;
  flow->error = error;
  /* No second answer: new connections are refused from now on. */
  g_socket_service_stop (flow->service);
  g_socket_listener_close (G_SOCKET_LISTENER (flow->service));
  g_cancellable_cancel (flow->input_cancellable);
  g_main_loop_quit (flow->loop);
}

/* Acts on an answer (from the browser or pasted); returns it for the page. */
static GmoLoginAnswer
flow_take_answer (Flow *flow, GmoLoginAnswer answer, GmoSecret *code, const gchar *problem)
{
  switch (answer)
    {
    case GMO_LOGIN_ANSWER_CODE:
      flow_finish (flow, code, NULL);
      break;
    case GMO_LOGIN_ANSWER_DENIED:
      flow_finish (flow, NULL,
                   g_error_new (GMO_ERROR, GMO_ERROR_REAUTHORIZE,
                                _("%s: the login did not happen; run it again and allow "
                                  "access"),
                                problem));
      break;
    case GMO_LOGIN_ANSWER_INVALID:
      g_printerr (_("gmail-oauth: ignored an answer: %s; still waiting\n"), problem);
      break;
    }
  return answer;
}

static void
client_free (Client *client)
{
  Flow *flow = client->flow;

  flow->clients = g_list_remove (flow->clients, client);
  if (client->deadline_id != 0)
    g_source_remove (client->deadline_id);
  g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
  g_object_unref (client->connection);
  g_object_unref (client->cancellable);
  gmo_bytes_wipe_free (client->head);
  gmo_wipe (client->buffer, sizeof client->buffer);
  g_free (client);
}

static gboolean
on_client_deadline (gpointer user_data)
{
  Client *client = user_data;

  client->deadline_id = 0;
  g_cancellable_cancel (client->cancellable);
  return G_SOURCE_REMOVE;
}

static void on_client_read (GObject *source, GAsyncResult *result, gpointer user_data);

static void
client_read_more (Client *client)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (G_IO_STREAM (client->connection)),
                             client->buffer, sizeof client->buffer, G_PRIORITY_DEFAULT,
                             client->cancellable, on_client_read, client);
}

/* Sends the page, then half-closes: closing a socket with unread bytes sends
 * a reset, which can destroy the page before the browser reads it; so the
 * rest is read and dropped until the browser hangs up (or the deadline). */
static void
client_respond (Client *client, const gchar *status, const gchar *title, const gchar *text)
{
  g_autofree gchar *title_html = g_markup_escape_text (title, -1);
  g_autofree gchar *text_html = g_markup_escape_text (text, -1);
  g_autofree gchar *body = NULL;
  g_autofree gchar *response = NULL;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (client->connection));

  body = g_strdup_printf ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title>"
                          "</head>\n<body><h1>%s</h1><p>%s</p></body></html>\n",
                          title_html, title_html, text_html);
  response = g_strdup_printf ("HTTP/1.1 %s\r\nContent-Type: text/html; charset=utf-8\r\n"
                              "Content-Length: %zu\r\nCache-Control: no-store\r\n"
                              "Referrer-Policy: no-referrer\r\nConnection: close\r\n\r\n%s",
                              status, strlen (body), body);
  /* Small enough for the socket buffer; the socket's timeout bounds it anyway. */
  g_output_stream_write_all (out, response, strlen (response), NULL, NULL, NULL);
  g_socket_shutdown (g_socket_connection_get_socket (client->connection), FALSE, TRUE, NULL);
  client->answered = TRUE;
}

/* A whole request head has arrived: answer it, and maybe end the flow. */
static void
client_handle (Client *client)
{
  g_autoptr (GmoSecret) line = NULL;
  g_autofree gchar *problem = NULL;
  GmoSecret *code = NULL;
  const gchar *head = (const gchar *) client->head->data;
  GmoLoginAnswer answer;

  line = gmo_secret_dup_len (head, strcspn (head, "\r\n"));
  answer = gmo_login_parse_request_line (line, client->flow->state, &code, &problem);
  switch (flow_take_answer (client->flow, answer, code, problem))
    {
    case GMO_LOGIN_ANSWER_CODE:
      client_respond (client, "200 OK", _("Authorization complete"),
                      _("gmail-oauth has received the authorization. You can close this "
                        "window."));
      break;
    case GMO_LOGIN_ANSWER_DENIED:
      client_respond (client, "200 OK", _("Authorization denied"), problem);
      break;
    case GMO_LOGIN_ANSWER_INVALID:
      client_respond (client, "400 Bad Request", _("Not an answer to this login"), problem);
      break;
    }
}

static void
on_client_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Client *client = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  const gchar *data;

  /* Hang-up, error, deadline, or the flow ended elsewhere: drop it. */
  if (n <= 0 || (client->flow->done && !client->answered))
    {
      client_free (client);
      return;
    }
  if (client->answered)
    {
      gmo_wipe (client->buffer, (gsize) n);
      client_read_more (client);
      return;
    }
  g_byte_array_append (client->head, client->buffer, (guint) n);
  gmo_wipe (client->buffer, (gsize) n);
  /* Keep it a string for the search below; the NUL is not part of the length. */
  g_byte_array_append (client->head, (const guint8 *) "", 1);
  g_byte_array_set_size (client->head, client->head->len - 1);
  data = (const gchar *) client->head->data;
  if (strstr (data, "\r\n\r\n") != NULL || strstr (data, "\n\n") != NULL)
    client_handle (client);
  else if (client->head->len >= MAX_REQUEST_HEAD)
    client_respond (client, "431 Request Header Fields Too Large", _("Request too large"),
                    _("The request is too large."));
  client_read_more (client);
}

static gboolean
on_service_incoming (GSocketService *service, GSocketConnection *connection,
                     GObject *source_object, gpointer user_data)
{
  Flow *flow = user_data;
  Client *client;

  if (flow->done)
    return TRUE;
  client = g_new0 (Client, 1);
  client->flow = flow;
  client->connection = g_object_ref (connection);
  client->cancellable = g_cancellable_new ();
  client->head = g_byte_array_sized_new (HEAD_CAPACITY);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), CONNECTION_SECONDS);
  client->deadline_id = g_timeout_add_seconds (CONNECTION_SECONDS, on_client_deadline, client);
  flow->clients = g_list_prepend (flow->clients, client);
  client_read_more (client);
  return TRUE;
}

/* One pasted line; blank lines are ignored. */
static void
flow_take_pasted (Flow *flow, const gchar *text)
{
  g_autofree gchar *problem = NULL;
  GmoSecret *code = NULL;
  GmoLoginAnswer answer;

  while (g_ascii_isspace (*text))
    text++;
  if (*text == '\0')
    return;
  answer = gmo_login_parse_pasted (text, flow->redirect_uri, flow->state, &code, &problem);
  flow_take_answer (flow, answer, code, problem);
}

static void
on_input_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Flow *flow = user_data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);
  guint8 *newline;

  if (n <= 0 || flow->done)
    {
      /* End of input: a last line without its newline still counts. */
      if (n == 0 && !flow->done && flow->line->len > 0)
        {
          g_byte_array_append (flow->line, (const guint8 *) "", 1);
          flow_take_pasted (flow, (const gchar *) flow->line->data);
        }
      flow->input_busy = FALSE;
      return;
    }
  g_byte_array_append (flow->line, flow->input_buffer, (guint) n);
  gmo_wipe (flow->input_buffer, (gsize) n);
  while (!flow->done
         && (newline = memchr (flow->line->data, '\n', flow->line->len)) != NULL)
    {
      guint len = (guint) (newline - flow->line->data);
      g_autoptr (GmoSecret) text = gmo_secret_dup_len ((const gchar *) flow->line->data, len);

      gmo_wipe (flow->line->data, len + 1);
      g_byte_array_remove_range (flow->line, 0, len + 1);
      flow_take_pasted (flow, text);
    }
  if (flow->line->len > MAX_REQUEST_HEAD)
    {
      g_printerr (_("gmail-oauth: ignored a line that is too long; still waiting\n"));
      gmo_wipe (flow->line->data, flow->line->len);
      g_byte_array_set_size (flow->line, 0);
    }
  if (flow->done)
    {
      flow->input_busy = FALSE;
      return;
    }
  g_input_stream_read_async (flow->input, flow->input_buffer, sizeof flow->input_buffer,
                             G_PRIORITY_DEFAULT, flow->input_cancellable, on_input_read, flow);
}

static gboolean
on_flow_timeout (gpointer user_data)
{
  Flow *flow = user_data;

  flow->timeout_id = 0;
  flow_finish (flow, NULL,
               g_error_new (GMO_ERROR, GMO_ERROR_TRANSIENT,
                            _("No answer from the browser within %u s; run “gmail-oauth "
                              "login” again (--timeout sets the wait)"),
                            flow->timeout));
  return G_SOURCE_REMOVE;
}

/* Listens on 127.0.0.1:@port (0: any free port). */
static GSocketService *
listen_loopback (guint16 port, guint16 *out_port, GError **error)
{
  g_autoptr (GSocketService) service = g_socket_service_new ();
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr (GSocketAddress) effective = NULL;
  g_autoptr (GError) local_error = NULL;

  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, &local_error))
    {
      g_set_error (error, GMO_ERROR, GMO_ERROR_USAGE,
                   _("Cannot listen on 127.0.0.1 port %u: %s"), port, local_error->message);
      return NULL;
    }
  *out_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  return g_steal_pointer (&service);
}

static gboolean
have_display (void)
{
  return (g_getenv ("DISPLAY") != NULL && *g_getenv ("DISPLAY") != '\0')
         || (g_getenv ("WAYLAND_DISPLAY") != NULL && *g_getenv ("WAYLAND_DISPLAY") != '\0');
}

/* Shows the address (and opens it when there is a display), then waits for
 * the browser, a pasted address, or the deadline. Returns the code. */
static GmoSecret *
wait_for_code (GSocketService *service, const gchar *redirect_uri, guint16 port,
               const gchar *url, const gchar *state, gboolean open_browser, guint timeout,
               GError **error)
{
  Flow flow = { 0 };
  gboolean opened = FALSE;

  flow.loop = g_main_loop_new (NULL, FALSE);
  flow.service = service;
  flow.state = state;
  flow.redirect_uri = redirect_uri;
  flow.timeout = timeout;
  flow.input_cancellable = g_cancellable_new ();
  flow.line = g_byte_array_sized_new (HEAD_CAPACITY);
  g_signal_connect (service, "incoming", G_CALLBACK (on_service_incoming), &flow);

  if (open_browser)
    {
      g_autoptr (GError) launch_error = NULL;

      opened = g_app_info_launch_default_for_uri (url, NULL, &launch_error);
      if (!opened)
        g_printerr (_("gmail-oauth: cannot open a browser: %s\n"), launch_error->message);
    }
  g_printerr (opened ? _("Your browser has been opened at this address; if it did not show, "
                         "open it yourself:\n\n%s\n\n")
                     : _("Open this address in a browser and allow access:\n\n%s\n\n"),
              url);
  if (!opened)
    g_printerr (_("If the browser runs on another machine, forward the port first "
                  "(ssh -L %u:127.0.0.1:%u THIS-HOST), or paste here the address the browser "
                  "ends at (it starts with %s).\n"),
                port, port, redirect_uri);
  g_printerr (_("Waiting for the answer (up to %u s)…\n"), timeout);

  flow.input = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  flow.input_busy = TRUE;
  g_input_stream_read_async (flow.input, flow.input_buffer, sizeof flow.input_buffer,
                             G_PRIORITY_DEFAULT, flow.input_cancellable, on_input_read, &flow);
  flow.timeout_id = g_timeout_add_seconds (timeout, on_flow_timeout, &flow);
  g_socket_service_start (service);

  g_main_loop_run (flow.loop);

  /* Let the other connections and the stdin read end before the flow goes. */
  if (flow.timeout_id != 0)
    g_source_remove (flow.timeout_id);
  g_cancellable_cancel (flow.input_cancellable);
  for (GList *l = flow.clients; l != NULL; l = l->next)
    g_cancellable_cancel (((Client *) l->data)->cancellable);
  while (flow.clients != NULL || flow.input_busy)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handlers_disconnect_by_data (service, &flow);

  g_object_unref (flow.input);
  g_object_unref (flow.input_cancellable);
  /* Lines were moved down inside the buffer: wipe all of it. */
  g_byte_array_set_size (flow.line, HEAD_CAPACITY);
  gmo_bytes_wipe_free (flow.line);
  gmo_wipe (flow.input_buffer, sizeof flow.input_buffer);
  g_main_loop_unref (flow.loop);
  if (flow.error != NULL)
    {
      g_propagate_error (error, flow.error);
      return NULL;
    }
  return flow.code;
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
      N_("Space-separated scopes (default https://mail.google.com/)"), N_("SCOPE") },
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
                 "Exit status: 0 logged in; 2 bad arguments or client file; 4 the "
                 "authorization was denied in the browser, or the code was refused; 5 the "
                 "client id or secret is wrong; 6 no answer within --timeout, or network "
                 "trouble; 7 bad answer from Google; 8 keyring unavailable."));
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
  endpoint = gmo_oauth_endpoint_url (GMO_ENDPOINT_AUTH, &error);
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
  service = listen_loopback ((guint16) port, &bound_port, &error);
  if (service == NULL)
    goto out;
  redirect_uri = g_strdup_printf ("http://127.0.0.1:%u/", bound_port);
  url = gmo_login_auth_url (endpoint, client_id, redirect_uri, scope ? scope : DEFAULT_SCOPE,
                            state, challenge, account);

  code = wait_for_code (service, redirect_uri, bound_port, url, state,
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

  grant = gmo_grant_new (account);
  grant->client_id = g_strdup (client_id);
  grant->client_secret = g_steal_pointer (&client_secret);
  grant->refresh_token = g_steal_pointer (&response->refresh_token);
  grant->access_token = g_steal_pointer (&response->access_token);
  grant->expires_at = response->expires_at;
  grant->scopes = g_strdup (response->scope ? response->scope : scope ? scope : DEFAULT_SCOPE);
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

/* doctor */

typedef enum
{
  VERDICT_OK,
  VERDICT_WARN,
  VERDICT_FAIL,
} Verdict;

typedef struct
{
  int status; /* the exit status of the first failure */
} Report;

static void
report_line (Report *report, Verdict verdict, int fail_status, const gchar *format, ...)
  G_GNUC_PRINTF (4, 5);

static void
report_line (Report *report, Verdict verdict, int fail_status, const gchar *format, ...)
{
  g_autofree gchar *text = NULL;
  const gchar *tag = "";
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_strdelimit (text, "\r\n", ' ');
  switch (verdict)
    {
    case VERDICT_OK:
      tag = "ok";
      break;
    case VERDICT_WARN:
      tag = "warn";
      break;
    case VERDICT_FAIL:
      tag = "FAIL";
      if (report->status == GMO_EXIT_OK)
        report->status = fail_status;
      break;
    }
  printf ("%-4s  %s\n", tag, text);
  fflush (stdout);
}

static void
report_error (Report *report, const gchar *what, const GError *error)
{
  report_line (report, VERDICT_FAIL, gmo_error_exit_status (error), "%s: %s", what,
               error->message);
}

/* The Secret Service answers and its default collection is unlocked. */
static gboolean
check_keyring (Report *report)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (SecretService) service = NULL;
  g_autoptr (SecretCollection) collection = NULL;

  service = secret_service_get_sync (SECRET_SERVICE_NONE, NULL, &error);
  if (service == NULL)
    {
      report_line (report, VERDICT_FAIL, GMO_EXIT_KEYRING,
                   _("keyring: no Secret Service (start gnome-keyring or another one): %s"),
                   error->message);
      return FALSE;
    }
  collection = secret_collection_for_alias_sync (service, SECRET_COLLECTION_DEFAULT,
                                                 SECRET_COLLECTION_NONE, NULL, &error);
  if (collection == NULL)
    {
      if (error != NULL)
        report_line (report, VERDICT_FAIL, GMO_EXIT_KEYRING,
                     _("keyring: cannot read the default collection: %s"), error->message);
      else
        report_line (report, VERDICT_WARN, GMO_EXIT_KEYRING,
                     _("keyring: the Secret Service has no default collection yet"));
      return error == NULL;
    }
  if (secret_collection_get_locked (collection))
    {
      report_line (report, VERDICT_FAIL, GMO_EXIT_KEYRING,
                   _("keyring: the default collection is locked; unlock it (log in to the "
                     "desktop, or use your keyring's unlock command)"));
      return FALSE;
    }
  report_line (report, VERDICT_OK, 0, _("keyring: Secret Service reachable, default collection "
                                        "unlocked"));
  return TRUE;
}

static gchar *
format_age (gint64 seconds)
{
  if (seconds < 2 * 3600)
    return g_strdup_printf (_("%" G_GINT64_FORMAT " min"), seconds / 60);
  if (seconds < 2 * 24 * 3600)
    return g_strdup_printf (_("%" G_GINT64_FORMAT " h"), seconds / 3600);
  return g_strdup_printf (_("%.1f days"), seconds / 86400.0);
}

/* The 7-day rule: Google ends the grants of apps in "Testing" status 7 days
 * after consent. A grant that dies at that age almost surely met it. */
static void
check_grant_age (Report *report, const GmoGrant *grant, const GError *refresh_error)
{
  g_autofree gchar *age_text = NULL;
  gint64 age = gmo_now () - grant->granted_at;
  gboolean near_seven_days = age > TESTING_GRANT_LIFE - 24 * 3600
                             && age < TESTING_GRANT_LIFE + 2 * 24 * 3600;

  if (grant->granted_at <= 0)
    {
      report_line (report, VERDICT_WARN, 0, _("%s: grant age unknown"), grant->account);
      return;
    }
  age_text = format_age (MAX (age, 0));
  if (g_error_matches (refresh_error, GMO_ERROR, GMO_ERROR_REAUTHORIZE))
    {
      if (near_seven_days)
        report_line (report, VERDICT_FAIL, GMO_EXIT_REAUTHORIZE,
                     _("%s: the grant died at %s, the life of grants of Google apps in "
                       "“Testing” status: in Google Cloud Console, OAuth consent screen, "
                       "publish the app (“In production”; an unverified app works for "
                       "personal use after a warning), then run “gmail-oauth login %s” again"),
                     grant->account, age_text, grant->account);
      else if (age < TESTING_GRANT_LIFE - 24 * 3600)
        report_line (report, VERDICT_FAIL, GMO_EXIT_REAUTHORIZE,
                     _("%s: the grant died at %s, before the 7-day limit of apps in “Testing” "
                       "status: access was removed in the Google account, or the password "
                       "changed; run “gmail-oauth login %s” again"),
                     grant->account, age_text, grant->account);
      else
        report_line (report, VERDICT_FAIL, GMO_EXIT_REAUTHORIZE,
                     _("%s: the grant died at %s (access removed in the Google account, "
                       "password change, or 6 months unused); run “gmail-oauth login %s” "
                       "again"),
                     grant->account, age_text, grant->account);
      return;
    }
  if (near_seven_days && age < TESTING_GRANT_LIFE)
    report_line (report, VERDICT_WARN, 0,
                 _("%s: the grant is %s old; if the Google app is in “Testing” status it "
                   "ends at 7 days: publish the app (“In production”) to keep it"),
                 grant->account, age_text);
  else if (age >= TESTING_GRANT_LIFE && refresh_error == NULL)
    report_line (report, VERDICT_OK, 0,
                 _("%s: grant age %s (past 7 days, so not limited by “Testing” status)"),
                 grant->account, age_text);
  else
    report_line (report, VERDICT_OK, 0, _("%s: grant age %s"), grant->account, age_text);
}

/* The token endpoint's Date and this machine's clock, read when its answer arrived. */
typedef struct
{
  gint64 server;
  gint64 local;
} ClockSample;

/* Checks one account; samples *clock from a successful refresh. */
static void
check_account (Report *report, const gchar *account, ClockSample *clock)
{
  gint64 server_date = 0;
  g_autoptr (GError) error = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGrant) refreshed = NULL;
  g_autofree gchar *normalized = gmo_account_normalize (account, &error);

  if (normalized == NULL)
    {
      report_error (report, account, error);
      return;
    }
  grant = gmo_store_lookup (normalized, NULL, &error);
  if (grant == NULL)
    {
      if (error == NULL)
        report_line (report, VERDICT_FAIL, GMO_EXIT_NO_ACCOUNT,
                     _("%s: no record in the keyring; run “gmail-oauth login %s”"), normalized,
                     normalized);
      else
        report_error (report, normalized, error);
      return;
    }
  report_line (report, VERDICT_OK, 0, _("%s: record present and readable (client %s)"),
               normalized, grant->client_id);

  refreshed = gmo_broker_get_token_full (normalized, GMO_BROKER_FORCE_REFRESH, 0, &server_date,
                                         NULL, &error);
  if (refreshed != NULL && server_date > 0)
    *clock = (ClockSample){ server_date, gmo_now () };
  if (refreshed != NULL)
    report_line (report, VERDICT_OK, 0, _("%s: refresh works (new token valid for %" G_GINT64_FORMAT
                                          " s)"),
                 normalized, refreshed->expires_at - gmo_now ());
  else /* The broker's message names the account already. */
    report_line (report, VERDICT_FAIL, gmo_error_exit_status (error), "%s", error->message);
  check_grant_age (report, grant, error);
}

static void
check_clock (Report *report, const ClockSample *clock)
{
  gint64 skew = clock->local - clock->server;

  if (clock->server <= 0)
    {
      report_line (report, VERDICT_WARN, 0,
                   _("clock: not checked (no dated answer from the token endpoint)"));
      return;
    }
  if (ABS (skew) > MAX_CLOCK_SKEW)
    report_line (report, VERDICT_WARN, 0,
                 _("clock: this machine's clock is %" G_GINT64_FORMAT " s %s the token "
                   "endpoint's; token expiry times will be off: synchronise the clock (NTP)"),
                 ABS (skew), skew > 0 ? _("ahead of") : _("behind"));
  else
    report_line (report, VERDICT_OK, 0,
                 _("clock: within %" G_GINT64_FORMAT " s of the token endpoint's"), ABS (skew));
}

int
gmo_cli_doctor (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = g_option_context_new (_("[ACCOUNT]"));
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) grants = NULL;
  Report report = { GMO_EXIT_OK };
  ClockSample clock = { 0, 0 };

  g_option_context_set_summary (
      context, _("Checks the keyring, the grant of ACCOUNT (or of every stored account), the "
                 "refresh, the grant's age and the clock; one line per check, with ok, warn "
                 "or FAIL. The exit status is that of the first failure, 0 if none."));
  if (!gmo_cli_parse_options (context, &argc, &argv, 0, 1, &error))
    return gmo_cli_report (error);

  if (!check_keyring (&report))
    return report.status;
  if (argc > 1)
    check_account (&report, argv[1], &clock);
  else
    {
      grants = gmo_store_list (NULL, &error);
      if (grants == NULL)
        report_error (&report, _("keyring"), error);
      else if (grants->len == 0)
        report_line (&report, VERDICT_WARN, 0,
                     _("accounts: none stored; run “gmail-oauth login ACCOUNT”"));
      for (guint i = 0; grants != NULL && i < grants->len; i++)
        check_account (&report, ((GmoGrant *) g_ptr_array_index (grants, i))->account, &clock);
    }
  check_clock (&report, &clock);
  return report.status;
}
