#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The caller policy of gmail-oauthd: a sandboxed caller is recognised the way
# xdg-desktop-portal recognises one, by the /.flatpak-info of its root seen
# through /proc/PID/root; here a gdbus started in its own mount namespace whose
# root holds one (unshare -m and chroot: root only). It is refused a token until
# `gmail-oauth allow ACCOUNT APP_ID`, and again after `gmail-oauth deny`; every
# token handed out is logged at debug level with its caller, never the token.
. "$top_srcdir/tests/tap.sh"

d=$GMO_SESSION_DIR
name=io.github.gmail_oauth.Broker
A=app@example.com
APP=org.example.Mail
log=$d/daemon.log
call() { # call METHOD [ARG...]
  gdbus call --session --dest $name --object-path /io/github/gmail_oauth/Broker \
    --method io.github.gmail_oauth.Broker1."$@" 2>&1
}
# sandboxed INFO CMD...: runs CMD chrooted into a root of its own mount namespace,
# the host's directories bound into it, whose /.flatpak-info holds INFO.
sandboxed() {
  local info=$1 root=$d/sandbox
  shift
  mkdir -p "$root"
  printf '%s\n' "$info" >"$d/flatpak-info"
  unshare -m sh -c '
    root=$1 info=$2; shift 2
    mount --make-rprivate / && mount -t tmpfs tmpfs "$root" || exit 125
    for dir in usr etc tmp proc dev run; do
      mkdir -p "$root/$dir" && mount --rbind "/$dir" "$root/$dir" || exit 125
    done
    for link in bin sbin lib lib32 lib64 libx32; do
      [ -L "/$link" ] && ln -s "$(readlink "/$link")" "$root/$link"
    done
    cp "$info" "$root/.flatpak-info"
    exec chroot "$root" "$@"' sh "$root" "$d/flatpak-info" "$@"
}
in_sandbox() { # in_sandbox APP-ID METHOD [ARG...]: a call from the Flatpak app APP-ID
  local app=$1
  shift
  sandboxed "[Application]
name=$app
runtime=runtime/org.freedesktop.Platform/x86_64/23.08" \
    gdbus call --session --dest $name --object-path /io/github/gmail_oauth/Broker \
    --method io.github.gmail_oauth.Broker1."$@" 2>&1
}

if [ "$(id -u)" -ne 0 ] || ! sandboxed '[Application]' true 2>/dev/null; then
  ok 0 "# SKIP a mount namespace of its own needs root and unshare"
  done_testing
fi

setup_account "$A" >/dev/null
"$top_builddir/gmail-oauthd" --replace --idle-timeout=0 --verbose 2>"$log" &
daemon=$!
for _ in $(seq 1 100); do
  gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
    --method org.freedesktop.DBus.GetConnectionUnixProcessID $name 2>/dev/null |
    grep -q "uint32 $daemon," && break
  sleep 0.05
done
token=$(call GetAccessToken "$A" | sed -n "s/^('\([^']*\)', .*/\1/p")
like "$token" "^ya29\." "a caller outside any sandbox gets a token"

# ---- a Flatpak app, refused until allowed ----
out=$(in_sandbox $APP GetAccessToken "$A")
like "$out" "GDBus.Error:org.freedesktop.DBus.Error.AccessDenied: The application $APP may not get the tokens of $A; to allow it, run “gmail-oauth allow $A $APP”" \
  "a sandboxed app is refused, with the command that would allow it"
like "$(in_sandbox $APP Refresh "$A")" "Error.AccessDenied" "Refresh too"
like "$(in_sandbox $APP RequestToken "$A" '{}')" "Error.AccessDenied" "RequestToken too"
like "$(grep "Caller :" "$log" | tail -n 1)" "uid 0, pid [0-9]+, app $APP$" \
  "the daemon recognised the app by its /.flatpak-info, through /proc/PID/root"

run gmail-oauth allow "$A" $APP
is "$rc" 0 "gmail-oauth allow ACCOUNT APP_ID"
is "$err" "$APP may now get the tokens of $A." "says so"
like "$(in_sandbox $APP GetAccessToken "$A")" "^\('$token', int64 [0-9]+\)$" "the allowed app gets the token"
like "$(in_sandbox org.example.Other GetAccessToken "$A")" "AccessDenied: The application org.example.Other" \
  "another app is still refused"
like "$(in_sandbox $APP RemoveAccount "$A")" "AccessDenied: A sandboxed application may not remove an account" \
  "no sandboxed app may remove an account"
is "$(json_get "$(gmail-oauth status "$A" --json)" allowed_apps)" $APP "status lists the allowed app"
run gmail-oauth allow "$A" $APP
is "$rc:$err" "0:$APP could already get the tokens of $A." "allowing twice changes nothing"
policy=$XDG_CONFIG_HOME/gmail-oauth/apps.ini
like "$(cat "$policy")" "^\[$A\]$" "the decision is kept in \$XDG_CONFIG_HOME/gmail-oauth/apps.ini"
unlike "$(cat "$policy")" "ya29|1//|secret-of" "without a secret"
is "$(stat -c %a "$policy")" 600 "readable by the user only"

run gmail-oauth deny "$A" $APP
is "$rc:$err" "0:$APP may no longer get the tokens of $A." "gmail-oauth deny ACCOUNT APP_ID"
like "$(in_sandbox $APP GetAccessToken "$A")" "Error.AccessDenied" "the app is refused again"
unlike "$(cat "$policy")" "$APP" "and no longer listed"

out=$(sandboxed '[Instance]' gdbus call --session --dest $name --object-path /io/github/gmail_oauth/Broker \
  --method io.github.gmail_oauth.Broker1.GetAccessToken "$A" 2>&1)
like "$out" "AccessDenied: A sandboxed application that does not say which it is" \
  "a sandbox that names no app is refused"

# ---- usage ----
run gmail-oauth allow "$A" "not an id"
is "$rc:$(printf '%s\n' "$err" | grep -c .)" "2:1" "a malformed app id: usage, one line"
run gmail-oauth allow nobody@example.com $APP
is "$rc" 3 "allowing for an account that is not stored: no-account"
run gmail-oauth allow "$A"
is "$rc" 2 "allow without an app id: usage"

# ---- another user: refused (the test bus lets no other user in: this one does) ----
if command -v setpriv >/dev/null; then
  other=$d/other-bus
  mkdir -p "$other" && chmod 755 "$d" "$other"
  cat >"$other/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$other</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
  dbus-daemon --config-file="$other/bus.conf" --nofork --print-address=1 >"$other/address" 2>/dev/null &
  other_bus=$!
  for _ in $(seq 1 100); do [ -s "$other/address" ] && break; sleep 0.05; done
  addr=$(head -n 1 "$other/address")
  chmod 777 "$other"/dbus-* 2>/dev/null
  DBUS_SESSION_BUS_ADDRESS=$addr "$top_builddir/gmail-oauthd" --idle-timeout=0 2>/dev/null &
  other_daemon=$!
  for _ in $(seq 1 100); do
    DBUS_SESSION_BUS_ADDRESS=$addr timeout 5 gdbus call --session --dest org.freedesktop.DBus \
      --object-path /org/freedesktop/DBus --method org.freedesktop.DBus.NameHasOwner $name 2>/dev/null |
      grep -q true && break
    sleep 0.05
  done
  out=$(DBUS_SESSION_BUS_ADDRESS=$addr timeout 10 setpriv --reuid=65534 --regid=65534 --clear-groups \
    gdbus call --session --dest $name --object-path /io/github/gmail_oauth/Broker \
    --method io.github.gmail_oauth.Broker1.GetAccessToken "$A" 2>&1)
  like "$out" "AccessDenied: gmail-oauthd serves the processes of its own user only" \
    "a process of another user is refused"
  kill -TERM "$other_daemon" "$other_bus" 2>/dev/null; wait "$other_daemon" "$other_bus" 2>/dev/null
  chmod 700 "$d"
else
  ok 0 "# SKIP setpriv is not installed"
fi

# ---- the log: the caller of every token, never the token ----
kill -TERM "$daemon"; wait "$daemon"
like "$(cat "$log")" "Handed a token of $A to :[0-9.]+ \(uid 0, pid [0-9]+\)" \
  "every token handed out is logged with its caller"
like "$(cat "$log")" "Handed a token of $A to :[0-9.]+ \(uid 0, pid [0-9]+, app $APP\)" \
  "with the app when there is one"
like "$(cat "$log")" "Refused a token of $A to :[0-9.]+: The application org.example.Other" \
  "and refusals too"
unlike "$(cat "$log")" "ya29|1//" "never a token"
done_testing
