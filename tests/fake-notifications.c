/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake-notifications LOG: a desktop notification server on the session bus
 * for the tests. It owns org.freedesktop.Notifications and writes one line to
 * LOG per call it gets ("Notify id=1 replaces=0 app=... summary=... body=...
 * actions=k1,label1,..." or "Close id=1"); CloseNotification emits
 * NotificationClosed. A test plays the user with
 * io.github.gmail_oauth.Test.Notifications.Invoke(u id, s key), which emits
 * ActionInvoked as a click on that action would. Prints "owned" once it owns
 * the name; exits on SIGTERM. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <gio/gio.h>
#include <glib-unix.h>

#define PATH "/org/freedesktop/Notifications"
#define INTERFACE "org.freedesktop.Notifications"

static const gchar introspection[]
    = "<node>"
      "  <interface name='org.freedesktop.Notifications'>"
      "    <method name='Notify'>"
      "      <arg type='s' direction='in'/><arg type='u' direction='in'/>"
      "      <arg type='s' direction='in'/><arg type='s' direction='in'/>"
      "      <arg type='s' direction='in'/><arg type='as' direction='in'/>"
      "      <arg type='a{sv}' direction='in'/><arg type='i' direction='in'/>"
      "      <arg type='u' direction='out'/>"
      "    </method>"
      "    <method name='CloseNotification'><arg type='u' direction='in'/></method>"
      "    <method name='GetCapabilities'><arg type='as' direction='out'/></method>"
      "    <method name='GetServerInformation'>"
      "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
      "      <arg type='s' direction='out'/><arg type='s' direction='out'/>"
      "    </method>"
      "    <signal name='NotificationClosed'><arg type='u'/><arg type='u'/></signal>"
      "    <signal name='ActionInvoked'><arg type='u'/><arg type='s'/></signal>"
      "  </interface>"
      "  <interface name='io.github.gmail_oauth.Test.Notifications'>"
      "    <method name='Invoke'>"
      "      <arg type='u' direction='in'/><arg type='s' direction='in'/>"
      "    </method>"
      "  </interface>"
      "</node>";

static FILE *log_file;
static guint32 last_id;

static void
on_method_call (GDBusConnection *connection, const gchar *sender, const gchar *path,
                const gchar *interface, const gchar *method, GVariant *parameters,
                GDBusMethodInvocation *invocation, gpointer user_data)
{
  if (g_str_equal (method, "Notify"))
    {
      const gchar *app, *icon, *summary, *body;
      const gchar **actions = NULL;
      g_autofree gchar *joined = NULL;
      guint32 replaces, id;

      g_variant_get (parameters, "(&su&s&s&s^a&s@a{sv}i)", &app, &replaces, &icon, &summary, &body,
                     &actions, NULL, NULL);
      id = replaces != 0 ? replaces : ++last_id;
      joined = g_strjoinv (",", (gchar **)actions);
      fprintf (log_file, "Notify id=%u replaces=%u app=%s summary=%s body=%s actions=%s\n", id,
               replaces, app, summary, body, joined);
      g_free (actions);
      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(u)", id));
    }
  else if (g_str_equal (method, "CloseNotification"))
    {
      guint32 id;

      g_variant_get (parameters, "(u)", &id);
      fprintf (log_file, "Close id=%u\n", id);
      g_dbus_connection_emit_signal (connection, NULL, PATH, INTERFACE, "NotificationClosed",
                                     g_variant_new ("(uu)", id, 3), NULL);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  else if (g_str_equal (method, "GetCapabilities"))
    {
      const gchar *capabilities[] = { "actions", "body", "body-markup", NULL };

      g_dbus_method_invocation_return_value (invocation, g_variant_new ("(^as)", capabilities));
    }
  else if (g_str_equal (method, "GetServerInformation"))
    g_dbus_method_invocation_return_value (
        invocation, g_variant_new ("(ssss)", "fake-notifications", "gmail-oauth", "0", "1.2"));
  else if (g_str_equal (method, "Invoke"))
    {
      guint32 id;
      const gchar *key;

      g_variant_get (parameters, "(u&s)", &id, &key);
      fprintf (log_file, "Invoke id=%u key=%s\n", id, key);
      g_dbus_connection_emit_signal (connection, NULL, PATH, INTERFACE, "ActionInvoked",
                                     g_variant_new ("(us)", id, key), NULL);
      g_dbus_method_invocation_return_value (invocation, NULL);
    }
  fflush (log_file);
}

static const GDBusInterfaceVTable vtable = { on_method_call, NULL, NULL, { NULL } };

static void
on_bus_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  GDBusNodeInfo *info = user_data;

  for (guint i = 0; info->interfaces[i] != NULL; i++)
    g_dbus_connection_register_object (connection, PATH, info->interfaces[i], &vtable, NULL, NULL,
                                       NULL);
}

static void
on_name_acquired (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  printf ("owned\n");
  fflush (stdout);
}

static void
on_name_lost (GDBusConnection *connection, const gchar *name, gpointer user_data)
{
  g_printerr ("fake-notifications: lost %s\n", name);
  exit (1);
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
  g_autoptr (GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (introspection, NULL);
  guint owner_id;

  if (argc != 2 || (log_file = fopen (argv[1], "a")) == NULL)
    {
      g_printerr ("usage: fake-notifications LOG\n");
      return 2;
    }
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  owner_id = g_bus_own_name (G_BUS_TYPE_SESSION, "org.freedesktop.Notifications",
                             G_BUS_NAME_OWNER_FLAGS_NONE, on_bus_acquired, on_name_acquired,
                             on_name_lost, info, NULL);
  g_main_loop_run (loop);
  g_bus_unown_name (owner_id);
  fclose (log_file);
  return 0;
}
