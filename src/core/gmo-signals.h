/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Termination signals (SIGTERM, SIGINT, SIGHUP) wait while a rotated grant
 * may be between the token endpoint's answer and its keyring write: the
 * broker holds them around that window; a door that installs the handler
 * (the CLI, the git helper, the MCP server) then acts on a signal that came
 * meanwhile when the window closes. SIGKILL cannot wait: see README. */

/* What the door does with a termination signal (called outside the window,
 * from the handler or from gmo_signals_release(); must be async-signal-safe). */
typedef void (*GmoSignalsAction) (int signo);

void gmo_signals_install (GmoSignalsAction action);
void gmo_signals_die (int signo);
void gmo_signals_hold (void);
void gmo_signals_release (void);
gboolean gmo_signals_pending (void);

G_END_DECLS
