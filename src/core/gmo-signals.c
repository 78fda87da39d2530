/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Termination signals that wait for a rotated grant's keyring write. See
 * gmo-signals.h. The state is process-wide (a signal may reach any thread);
 * the handler only reads a lock-free atomic and writes a sig_atomic_t. */
#include "config.h"

#include <signal.h>

#include "gmo-signals.h"

/* Atomic: in gmail-oauthd, broker calls run in several threads at once. */
static gint hold_depth;
static volatile sig_atomic_t pending_signo;
static GmoSignalsAction installed_action;

static void
on_termination_signal (int signo)
{
  if (g_atomic_int_get (&hold_depth) > 0)
    {
      pending_signo = signo;
      return;
    }
  installed_action (signo);
}

/**
 * gmo_signals_install:
 * @action: what a termination signal does, outside a held window
 *
 * Installs the handler of SIGTERM, SIGINT and SIGHUP. Once per process, from
 * main(), before any thread is started.
 */
void
gmo_signals_install (GmoSignalsAction action)
{
  struct sigaction sa = { 0 };
  const int signals[] = { SIGTERM, SIGINT, SIGHUP };

  g_return_if_fail (action != NULL);
  installed_action = action;
  sa.sa_handler = on_termination_signal;
  sigemptyset (&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    sigaction (signals[i], &sa, NULL);
}

/**
 * gmo_signals_die:
 * @signo: a termination signal
 *
 * The default action: dies of @signo, as if no handler had been installed
 * (the parent sees the same wait status).
 */
void
gmo_signals_die (int signo)
{
  signal (signo, SIG_DFL);
  raise (signo);
}

/**
 * gmo_signals_hold:
 *
 * Opens a window in which termination signals wait. Windows nest.
 */
void
gmo_signals_hold (void)
{
  g_atomic_int_inc (&hold_depth);
}

/**
 * gmo_signals_release:
 *
 * Closes a window; when the last one closes, a signal that came meanwhile
 * takes its action now.
 */
void
gmo_signals_release (void)
{
  g_return_if_fail (g_atomic_int_get (&hold_depth) > 0);
  if (g_atomic_int_dec_and_test (&hold_depth) && pending_signo != 0 && installed_action != NULL)
    {
      int signo = pending_signo;

      pending_signo = 0;
      installed_action (signo);
    }
}

/**
 * gmo_signals_pending:
 *
 * Returns: whether a termination signal waits for a window to close (a
 * request still waiting for its answer is then not worth finishing).
 */
gboolean
gmo_signals_pending (void)
{
  return pending_signo != 0;
}
