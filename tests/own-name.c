/* SPDX-License-Identifier: GPL-3.0-or-later */
/* own-name NAME: owns NAME on the session bus (taking it over from an owner
 * that allows it) and exports nothing, so that every call to it fails with
 * UnknownMethod, as with a foreign or older service. Prints "owned" once it
 * owns the name; exits on SIGTERM or when it loses the name. The tests use it
 * to keep gmail-oauthd from being activated. */
#include "config.h"

#include <signal.h>
#include <stdio.h>

#include <gio/gio.h>
#include <glib-unix.h>

static void
on_name_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  printf ("owned\n");
  fflush (stdout);
}

static void
on_name_lost (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  g_printerr ("own-name: lost %s\n", name);
  g_main_loop_quit (user_data);
}

static gboolean
on_quit_signal (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  guint owner_id;

  if (argc != 2 || !g_dbus_is_name (argv[1]))
    {
      g_printerr ("usage: own-name NAME\n");
      return 2;
    }
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  owner_id = g_bus_own_name (G_BUS_TYPE_SESSION, argv[1], G_BUS_NAME_OWNER_FLAGS_REPLACE, NULL,
                             on_name_acquired, on_name_lost, loop, NULL);
  g_main_loop_run (loop);
  g_bus_unown_name (owner_id);
  return 0;
}
