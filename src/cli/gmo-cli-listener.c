/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The loopback listener of `gmail-oauth login` (RFC 8252): it waits for the
 * browser's redirect, or for the final address pasted on standard input, or
 * for the deadline, and hands back the authorization code. */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>

#include "gmo-cli.h"
#include "gmo-error.h"
#include "gmo-login.h"
#include "gmo-util.h"

/* What the listener reads of one request, and for how long; the same bound
 * holds for one pasted line. */
#define MAX_REQUEST_HEAD GMO_LOGIN_MAX_REQUEST_HEAD
#define CONNECTION_SECONDS 10
/* Buffers are allocated once at this size, so that growing never leaves an
 * unwiped copy behind. */
#define READ_CHUNK 1024
#define HEAD_CAPACITY (MAX_REQUEST_HEAD + READ_CHUNK + 1)
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
  g_autofree gchar *problem = NULL;
  GmoSecret *code = NULL;
  GmoLoginAnswer answer;

  answer = gmo_login_parse_request_head ((const gchar *) client->head->data, client->flow->state,
                                         &code, &problem);
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
  switch (gmo_login_check_head ((const gchar *) client->head->data, client->head->len))
    {
    case GMO_LOGIN_HEAD_NOT_TEXT:
      client_respond (client, "400 Bad Request", _("Not an answer to this login"),
                      _("The request is not text."));
      break;
    case GMO_LOGIN_HEAD_COMPLETE:
      client_handle (client);
      break;
    case GMO_LOGIN_HEAD_TOO_LARGE:
      client_respond (client, "431 Request Header Fields Too Large", _("Request too large"),
                      _("The request is too large."));
      break;
    case GMO_LOGIN_HEAD_PARTIAL:
      break;
    }
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
GSocketService *
gmo_cli_listen_loopback (guint16 port, guint16 *out_port, GError **error)
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

/* Shows the address (and opens it when there is a display), then waits for
 * the browser, a pasted address, or the deadline. Returns the code. */
GmoSecret *
gmo_cli_wait_for_code (GSocketService *service, const gchar *redirect_uri, guint16 port,
                       const gchar *url, const gchar *state, gboolean open_browser,
                       guint timeout, GError **error)
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

