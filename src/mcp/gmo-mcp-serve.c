/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The loop of `gmail-oauth mcp`: reads standard input until its end or a
 * signal, hands the bytes to the protocol (gmo-mcp.c) and writes each answer
 * to standard output at once. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>

#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gio.h>

#include "gmo-broker.h"
#include "gmo-error.h"
#include "gmo-mcp-tools.h"
#include "gmo-signals.h"

/* The write end of a pipe that tells the loop a signal came. */
static int signal_pipe[2] = { -1, -1 };
/* Set while a message is being handled (maybe a blocking tool call). */
static volatile sig_atomic_t busy;

static void
on_signal (int signo)
{
  int saved_errno = errno;

  /* In the middle of a request there is nothing worth finishing for a client
   * that is going away (a rotated grant's write has been waited for: see
   * gmo-signals.h), and the kernel drops our lock. Between requests, the
   * loop ends itself, wiping what it holds. */
  if (busy)
    _exit (GMO_EXIT_OK);
  if (write (signal_pipe[1], "", 1) < 0)
    _exit (GMO_EXIT_OK);
  errno = saved_errno;
}

typedef struct
{
  GError *error;
} Output;

static gboolean
write_all (const gchar *data, gsize len, GError **error)
{
  while (len > 0)
    {
      ssize_t n = write (STDOUT_FILENO, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Cannot write to standard output: %s"), g_strerror (saved_errno));
          return FALSE;
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Straight to the file descriptor: no stdio buffer keeps a copy of a token,
 * and each message is out as soon as it is written, with its newline in the
 * same write. */
static void
on_server_emit (const gchar *message, gsize len, gpointer user_data)
{
  Output *output = user_data;
  struct iovec line[] = { { (gchar *) message, len }, { (gchar *) "\n", 1 } };
  ssize_t n;

  if (output->error != NULL)
    return;
  do
    n = writev (STDOUT_FILENO, line, G_N_ELEMENTS (line));
  while (n < 0 && errno == EINTR);
  if (n < 0)
    n = 0; /* write_all() meets the error again and says it */
  /* What a short write left. */
  if ((gsize) n <= len && write_all (message + n, len - (gsize) n, &output->error))
    write_all ("\n", 1, &output->error);
}

/**
 * gmo_mcp_serve_prepare:
 * @error: return location for an error
 *
 * Installs the signal handlers of the loop; call it once, before the tools
 * are set up.
 *
 * Returns: %TRUE on success.
 */
gboolean
gmo_mcp_serve_prepare (GError **error)
{
  if (!g_unix_open_pipe (signal_pipe, FD_CLOEXEC, error)
      || !g_unix_set_fd_nonblocking (signal_pipe[1], TRUE, error))
    return FALSE;
  /* Inside a rotated grant's keyring write, the signal waits for it. */
  gmo_signals_install (on_signal);
  /* A client that closed our stdout makes write() fail instead. */
  signal (SIGPIPE, SIG_IGN);
  return TRUE;
}

/* Reads stdin until EOF, an error or a signal. */
static void
serve (GmoMcpServer *server, Output *output)
{
  gchar chunk[64 * 1024];

  while (output->error == NULL)
    {
      struct pollfd fds[] = { { STDIN_FILENO, POLLIN, 0 }, { signal_pipe[0], POLLIN, 0 } };
      ssize_t n;

      if (poll (fds, G_N_ELEMENTS (fds), -1) < 0)
        {
          if (errno == EINTR)
            continue;
          g_set_error (&output->error, G_IO_ERROR, g_io_error_from_errno (errno), "poll: %s",
                       g_strerror (errno));
          break;
        }
      if (fds[1].revents != 0)
        {
          g_debug ("Signal received, exiting");
          break;
        }
      n = read (STDIN_FILENO, chunk, sizeof chunk);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (&output->error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _("Cannot read standard input: %s"), g_strerror (saved_errno));
          break;
        }
      busy = TRUE;
      if (n == 0)
        gmo_mcp_server_finish (server, on_server_emit, output);
      else
        gmo_mcp_server_feed (server, chunk, (gsize) n, on_server_emit, output);
      busy = FALSE;
      gmo_wipe (chunk, (gsize) n);
      if (n == 0)
        break;
    }
}

/**
 * gmo_mcp_serve:
 * @server: the server
 *
 * Serves stdin and stdout until the end of input or a signal.
 *
 * Returns: the exit status: 0, also when the client went away; the usage
 * status for another I/O failure, which is said on stderr.
 */
int
gmo_mcp_serve (GmoMcpServer *server)
{
  Output output = { NULL };
  gboolean gone;

  serve (server, &output);
  /* A rotated grant the keyring refused lives only here: a last try. */
  if (!gmo_broker_flush_unsaved ())
    g_warning ("Exiting with a rotated grant the keyring did not take: it is lost");
  if (output.error == NULL)
    return GMO_EXIT_OK;
  /* The client went away: nothing is wrong on our side. Any other I/O
   * failure of stdin or stdout is the caller's, as in the other commands. */
  gone = g_error_matches (output.error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE);
  if (!gone)
    g_printerr ("gmail-oauth: %s\n", output.error->message);
  g_error_free (output.error);
  return gone ? GMO_EXIT_OK : GMO_EXIT_USAGE;
}
