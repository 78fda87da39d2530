#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Interoperability with git's own libsecret credential helper: items stored by
# one are read (and erased) by the other. Uses the installed helper, or builds
# it from the source that Debian's git package ships among its documentation;
# GIT_CREDENTIAL_LIBSECRET names another build of it (say, one of git 2.43+).
# Also checks our items against the layout of git's org.git.Password schema
# with secret-tool, an independent reader and writer.
. "$top_srcdir/tests/tap.sh"

ours="$top_builddir/git-credential-gmail-oauth"
tmp="$GMO_SESSION_DIR/git-interop"
mkdir -p "$tmp"
nl=$'\n'

theirs=${GIT_CREDENTIAL_LIBSECRET:-}
src=$theirs
[ -n "$theirs" ] || for installed in /usr/lib/git-core/git-credential-libsecret /usr/libexec/git-core/git-credential-libsecret; do
  [ -x "$installed" ] && { theirs=$installed; src=$installed; break; }
done
if [ -z "$theirs" ]; then
  docdir=/usr/share/doc/git/contrib/credential/libsecret
  src=$docdir/git-credential-libsecret.c
  if [ ! -f "$src" ] && [ -f "$src.gz" ]; then
    gzip -dc "$src.gz" > "$tmp/git-credential-libsecret.c"; src=$tmp/git-credential-libsecret.c
  fi
  if [ ! -f "$src" ]; then
    echo "1..0 # SKIP git's libsecret helper is neither installed nor shipped as source in $docdir"
    exit 0
  fi
  theirs="$top_builddir/tests/git-credential-libsecret"
  # shellcheck disable=SC2046
  if ! ${CC:-cc} -o "$theirs" "$src" $(pkg-config --cflags --libs libsecret-1 glib-2.0) 2>"$tmp/cc.log"; then
    echo "Bail out! cannot build git's libsecret helper from $src: $(head -3 "$tmp/cc.log")"
    exit 1
  fi
fi
diag "git's helper: $theirs (from $src)"
# Newer git stores under org.git.Password, with password_expiry_utc and
# oauth_refresh_token lines; older ones (Debian 12 has 2.39) use libsecret's
# org.gnome.keyring.NetworkPassword schema and keep only the password.
if grep -aq 'org.git.Password' "$src"; then modern=1; else modern=; fi

ask() { # ask HELPER OP LINE...
  local helper=$1 op=$2
  shift 2
  printf '%s\n' "$@" | "$helper" "$op" 2>>"$tmp/err"
}
gc() { # gc HELPER ACTION LINE...: real git with only HELPER
  local helper=$1 action=$2
  shift 2
  printf '%s\n' "$@" | GIT_TERMINAL_PROMPT=0 git -c credential.useHttpPath=true -c credential.helper= \
    -c credential.helper="$helper" \
    credential "$action" 2>>"$tmp/err"
}
key=(protocol=https host=interop.example:8443 path=team/repo.git)

# --- git's helper stores, ours reads ---
gc "$theirs" approve "${key[@]}" username=alice password=from-git
is "$(gc "$ours" fill "${key[@]}")" \
  "protocol=https${nl}host=interop.example:8443${nl}path=team/repo.git${nl}username=alice${nl}password=from-git" \
  "git fill through ours finds what git approved through git's helper"
if [ -n "$modern" ]; then
  ask "$theirs" store "${key[@]}" username=alice password=from-git password_expiry_utc=9999999999 \
    oauth_refresh_token=rt-from-git
  is "$(ask "$ours" get "${key[@]}")" \
    "username=alice${nl}password=from-git${nl}password_expiry_utc=9999999999${nl}oauth_refresh_token=rt-from-git" \
    "ours reads git's password_expiry_utc and oauth_refresh_token"
else
  ok 0 "# SKIP git's helper in $src predates password_expiry_utc and oauth_refresh_token"
fi
ask "$ours" erase "${key[@]}" username=alice password=not-it
like "$(ask "$ours" get "${key[@]}")" "password=from-git" "ours does not erase git's item for another password"
gc "$ours" reject "${key[@]}" username=alice password=from-git
is "$(ask "$ours" get "${key[@]}")$(ask "$theirs" get "${key[@]}")" "" \
  "git reject through ours erases git's item"

# --- ours stores, git's helper reads ---
if [ -n "$modern" ]; then
  ask "$ours" store "${key[@]}" username=bob password=from-ours password_expiry_utc=9999999999 \
    oauth_refresh_token=rt-from-ours
  is "$(ask "$theirs" get "${key[@]}")" \
    "username=bob${nl}password=from-ours${nl}password_expiry_utc=9999999999${nl}oauth_refresh_token=rt-from-ours" \
    "git's helper reads our password, password_expiry_utc and oauth_refresh_token"
  gc "$ours" approve "${key[@]}" username=carol password=via-git
  like "$(gc "$theirs" fill "${key[@]}" username=carol)" "password=via-git" \
    "git fill through git's helper finds what git approved through ours"
  ask "$theirs" erase "${key[@]}" username=bob
  is "$(ask "$ours" get "${key[@]}" username=bob)" "" "git's helper erases our item"
else
  for what in "our password, password_expiry_utc and oauth_refresh_token" "git approve through ours" \
      "erasing our item"; do
    ok 0 "# SKIP git's helper in $src searches only org.gnome.keyring.NetworkPassword items (older git): $what"
  done
fi

# --- A credential without a password (authtype and credential only) ---
ask "$ours" store capability[]=authtype authtype=Bearer credential=cred-from-ours protocol=https \
  host=cred.example
if [ -n "$modern" ]; then
  is "$(ask "$theirs" get protocol=https host=cred.example)" "" \
    "git's helper finds no password in our credential-only item"
else
  ok 0 "# SKIP git's helper in $src searches only org.gnome.keyring.NetworkPassword items (older git): a credential-only item"
fi
# git's helper (2.43+) searches by its attributes whatever the schema, and answers an item's
# first line as the password: an empty one would be `password=`, which git would use.
is "$(secret-tool search --all protocol https server cred.example 2>&1 | grep -c '^label = ')" 0 \
  "no item answers git's attributes for a credential-only item"
like "$(secret-tool search --all xdg:schema io.github.gmail_oauth.GitCredential 2>&1)" \
  "attribute\.git-server = cred\.example" "it is an item of our own schema"
is "$(ask "$ours" get capability[]=authtype protocol=https host=cred.example)" \
  "capability[]=authtype${nl}authtype=Bearer${nl}credential=cred-from-ours" "which ours reads back"
ask "$ours" erase capability[]=authtype protocol=https host=cred.example credential=cred-from-ours
is "$(ask "$ours" get capability[]=authtype protocol=https host=cred.example)" "" "and erases"

# --- The layout, checked with secret-tool (libsecret's own command) ---
ask "$ours" store protocol=https host=layout.example:8443 path=a/b username=dave password=pw \
  password_expiry_utc=1999999999 oauth_refresh_token=rt
listing=$(secret-tool search --all server layout.example 2>&1)
like "$listing" "schema = org.git.Password" "our items use git's schema"
like "$listing" "label = Git: https://layout.example:8443/a/b" "and git's label"
for attribute in "user = dave" "server = layout.example" "port = 8443" "protocol = https" "object = a/b"; do
  like "$listing" "attribute.$attribute" "attribute $attribute"
done
is "$(printf '%s\n' "$listing" | grep -c '^attribute\.')" 5 "and no other attribute"
is "$(secret-tool lookup server layout.example user dave)" \
  "pw${nl}password_expiry_utc=1999999999${nl}oauth_refresh_token=rt" "and git's secret format"

# An item made by another tool exactly as git 2.45+ makes it.
printf 'pw2\npassword_expiry_utc=1999999999\noauth_refresh_token=rt2' |
  secret-tool store --label='Git: https://other.example/' xdg:schema org.git.Password \
    user erin protocol https server other.example
is "$(ask "$ours" get protocol=https host=other.example)" \
  "username=erin${nl}password=pw2${nl}password_expiry_utc=1999999999${nl}oauth_refresh_token=rt2" \
  "ours reads an org.git.Password item written by secret-tool"
# And one of the older NetworkPassword schema, as git 2.39's helper writes it.
printf 'pw3' | secret-tool store --label='Git: https://old.example/' \
  xdg:schema org.gnome.keyring.NetworkPassword user frank protocol https server old.example
is "$(ask "$ours" get protocol=https host=old.example)" "username=frank${nl}password=pw3" \
  "ours reads an org.gnome.keyring.NetworkPassword item"

is "$(grep -v '^$' "$tmp/err")" "" "nothing on stderr"
done_testing
