/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `gmail-oauth doctor`: checks the keyring, each grant and the clock, one
 * verdict a line. */
#include "config.h"

#include <inttypes.h>

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <libsecret/secret.h>

#include "gmo-broker.h"
#include "gmo-cli.h"
#include "gmo-error.h"
#include "gmo-libsecret.h"
#include "gmo-oauth.h"
#include "gmo-store.h"
#include "gmo-tokeninfo.h"
#include "gmo-util.h"

/* Apps in "Testing" status lose their grants 7 days after consent. */
#define TESTING_GRANT_LIFE GMO_BROKER_TESTING_GRANT_LIFE
#define MAX_CLOCK_SKEW 60

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

  if (!gmo_libsecret_load (&error))
    {
      /* Translators: the subject of a doctor line, as in “keyring: no Secret Service”. */
      report_error (report, _("keyring"), error);
      return FALSE;
    }
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
    return g_strdup_printf (_("%" PRId64 " min"), seconds / 60);
  if (seconds < 2 * 24 * 3600)
    return g_strdup_printf (_("%" PRId64 " h"), seconds / 3600);
  return g_strdup_printf (_("%.1f days"), seconds / 86400.0);
}

/* The 7-day rule: Google ends the grants of apps in "Testing" status 7 days
 * after consent. A grant that dies at that age almost surely met it. */
static void
check_grant_age (Report *report, const GmoGrant *grant, const GError *refresh_error)
{
  g_autofree gchar *age_text = NULL;
  gint64 now = gmo_now ();
  gint64 age = now - grant->granted_at;
  gboolean near_seven_days = gmo_broker_age_is_testing_limit (grant->granted_at, now);

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

/* What Google says of the cached access token, asked before the refresh
 * replaces it: a token it no longer accepts is what mail clients were being
 * refused. @refresh_error is the refresh's failure, %NULL if it worked. */
static void
check_cached_token (Report *report, const gchar *account, GmoTokenVerdict verdict,
                    const gchar *details, const GError *check_error, const GError *refresh_error)
{
  switch (verdict)
    {
    case GMO_TOKEN_ALIVE:
      report_line (report, VERDICT_OK, 0, _("%s: Google accepts the cached access token"),
                   account);
      break;
    case GMO_TOKEN_DEAD:
      if (refresh_error == NULL)
        report_line (report, VERDICT_WARN, 0,
                     _("%s: Google no longer accepts the cached access token (%s); the refresh "
                       "below replaced it, so clients get a working one again"),
                     account, details);
      else if (g_error_matches (refresh_error, GMO_ERROR, GMO_ERROR_REAUTHORIZE))
        report_line (report, VERDICT_FAIL, gmo_error_exit_status (refresh_error),
                     _("%s: Google no longer accepts the cached access token (%s), and the "
                       "grant is dead too (access removed in the Google account, or the password "
                       "changed): run “gmail-oauth login %s” again"),
                     account, details, account);
      else
        report_line (report, VERDICT_FAIL, gmo_error_exit_status (refresh_error),
                     _("%s: Google no longer accepts the cached access token (%s), and no new "
                       "one could be had (below); it will not be handed out again"),
                     account, details);
      break;
    case GMO_TOKEN_UNKNOWN:
    default:
      report_line (report, VERDICT_WARN, 0,
                   _("%s: the cached access token could not be checked with Google: %s"),
                   account, check_error->message);
      break;
    }
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
  g_autoptr (GError) check_error = NULL;
  g_autoptr (GmoGrant) grant = NULL;
  g_autoptr (GmoGrant) refreshed = NULL;
  g_autofree gchar *check_details = NULL;
  GmoTokenVerdict verdict = GMO_TOKEN_UNKNOWN;
  gboolean cached;
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

  /* Asked before the refresh, which replaces the token. */
  cached = gmo_broker_token_is_fresh (grant, 0, gmo_now ());
  if (cached)
    verdict = gmo_tokeninfo_check (grant->access_token, &check_details, NULL, &check_error);
  refreshed = gmo_broker_get_token_full (normalized, GMO_BROKER_FORCE_REFRESH, 0, &server_date,
                                         NULL, &error);
  if (cached)
    check_cached_token (report, normalized, verdict, check_details, check_error, error);
  if (refreshed != NULL && server_date > 0)
    *clock = (ClockSample){ server_date, gmo_now () };
  if (refreshed != NULL)
    report_line (report, VERDICT_OK, 0, _("%s: refresh works (new token valid for %" PRId64
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
                 _("clock: this machine's clock is %" PRId64 " s %s the token "
                   "endpoint's; token expiry times will be off: synchronise the clock (NTP)"),
                 ABS (skew), skew > 0 ? _("ahead of") : _("behind"));
  else
    report_line (report, VERDICT_OK, 0,
                 _("clock: within %" PRId64 " s of the token endpoint's"), ABS (skew));
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
      context, _("Checks the keyring, the grant of ACCOUNT (or of every stored account), its "
                 "cached access token (with Google), the refresh, the grant's age and the "
                 "clock; one line per check, with ok, warn or FAIL. The exit status is that of "
                 "the first failure, 0 if none."));
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
