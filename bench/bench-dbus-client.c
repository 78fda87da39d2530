/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-dbus-client ACCOUNT [CALLS]: latency of a cached GetAccessToken of
 * gmail-oauthd beside the floor, org.freedesktop.DBus.GetId answered by the bus
 * daemon itself, both as synchronous GDBus calls from one client in the same
 * run (interleaved, so that both see the same machine load). Prints a table. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <gio/gio.h>

#define WARM_UP 200

typedef struct
{
  const char *label;
  GArray *samples; /* gint64 microseconds */
  gint64 total;
} Series;

static gboolean
timed_call (GDBusConnection *bus, Series *series, const gchar *dest, const gchar *path,
            const gchar *interface, const gchar *method, GVariant *parameters,
            const GVariantType *reply_type, GError **error)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GVariant) reply
      = g_dbus_connection_call_sync (bus, dest, path, interface, method, parameters, reply_type,
                                     G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  gint64 elapsed = g_get_monotonic_time () - start;

  if (reply == NULL)
    return FALSE;
  if (series != NULL)
    {
      g_array_append_val (series->samples, elapsed);
      series->total += elapsed;
    }
  return TRUE;
}

static gboolean
call_pair (GDBusConnection *bus, const gchar *account, Series *floor, Series *token, GError **error)
{
  return timed_call (bus, floor, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                     "org.freedesktop.DBus", "GetId", NULL, G_VARIANT_TYPE ("(s)"), error)
         && timed_call (bus, token, "io.github.gmail_oauth.Broker", "/io/github/gmail_oauth/Broker",
                        "io.github.gmail_oauth.Broker1", "GetAccessToken",
                        g_variant_new ("(s)", account), G_VARIANT_TYPE ("(sx)"), error);
}

static gint
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;

  return (x > y) - (x < y);
}

static gint64
percentile (GArray *sorted, guint percent)
{
  guint index = (sorted->len * percent + 99) / 100;

  return g_array_index (sorted, gint64, MIN (MAX (index, 1), sorted->len) - 1);
}

static void
print_row (Series *series)
{
  g_array_sort (series->samples, compare_gint64);
  printf ("%-34s %9" G_GINT64_FORMAT " %9" G_GINT64_FORMAT " %10.0f\n", series->label,
          percentile (series->samples, 50), percentile (series->samples, 99),
          series->samples->len * (double)G_USEC_PER_SEC / (double)MAX (series->total, 1));
}

int
main (int argc, char **argv)
{
  g_autoptr (GDBusConnection) bus = NULL;
  g_autoptr (GError) error = NULL;
  Series floor = { "org.freedesktop.DBus.GetId (floor)", NULL, 0 };
  Series token = { "GetAccessToken (cached)", NULL, 0 };
  guint64 calls = 2000;
  double ratio;

  if (argc < 2 || argc > 3
      || (argc == 3 && !g_ascii_string_to_unsigned (argv[2], 10, 1, 1000000, &calls, NULL)))
    {
      fprintf (stderr, "usage: bench-dbus-client ACCOUNT [CALLS]\n");
      return 2;
    }
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (bus == NULL)
    goto out;
  for (guint i = 0; i < WARM_UP; i++)
    if (!call_pair (bus, argv[1], NULL, NULL, &error))
      goto out;

  floor.samples = g_array_sized_new (FALSE, FALSE, sizeof (gint64), calls);
  token.samples = g_array_sized_new (FALSE, FALSE, sizeof (gint64), calls);
  for (guint64 i = 0; i < calls; i++)
    if (!call_pair (bus, argv[1], &floor, &token, &error))
      goto out;

  printf ("D-Bus: %" G_GUINT64_FORMAT " synchronous calls each from one GDBus client, "
          "interleaved\n",
          calls);
  printf ("%-34s %9s %9s %10s\n", "call", "p50 (us)", "p99 (us)", "calls/s");
  print_row (&floor);
  print_row (&token);
  ratio = (double)percentile (token.samples, 50) / (double)MAX (percentile (floor.samples, 50), 1);
  printf ("ratio p50/p50floor: %.2f (target: at most 2)\n", ratio);

out:
  if (floor.samples != NULL)
    g_array_unref (floor.samples);
  if (token.samples != NULL)
    g_array_unref (token.samples);
  if (error != NULL)
    {
      fprintf (stderr, "bench-dbus-client: %s\n", error->message);
      return 1;
    }
  return 0;
}
