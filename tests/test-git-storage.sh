#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The storage role of git-credential-gmail-oauth, in the style of git's own
# t/lib-credential.sh helper_test: through real git (`git credential
# fill|approve|reject`) for what git 2.39 passes through, and by speaking the
# protocol to the helper directly for the fields git 2.39 drops
# (password_expiry_utc, oauth_refresh_token, wwwauth[], capability[]/authtype),
# and for malformed input.
. "$top_srcdir/tests/tap.sh"

helper="$top_builddir/git-credential-gmail-oauth"
tmp="$GMO_SESSION_DIR/git-storage"
mkdir -p "$tmp"

# A miss makes git ask; the stand-in for a user answers and logs the prompt.
cat > "$tmp/askpass" <<'EOF'
#!/bin/sh
echo "askpass: $*" >> "$ASKPASS_LOG"
case "$1" in Username*) echo askpass-username ;; *) echo askpass-password ;; esac
EOF
chmod +x "$tmp/askpass"
export GIT_ASKPASS="$tmp/askpass" ASKPASS_LOG="$tmp/askpass.log" GIT_CONFIG_NOSYSTEM=1
unset SSH_ASKPASS GIT_TERMINAL_PROMPT

# git ACTION LINE...: feeds LINEs to `git credential ACTION` with only our helper.
gc() {
  local action=$1
  shift
  : > "$ASKPASS_LOG"
  printf '%s\n' "$@" | git -c credential.helper= -c credential.helper="$helper" \
    ${GC_OPTS:-} credential "$action" 2>"$tmp/git.err"
}
# direct OP LINE...: speaks the protocol to the helper; stderr to $tmp/err.
direct() {
  local op=$1
  shift
  printf '%s\n' "$@" | "$helper" "$op" 2>"$tmp/err"
}
nl=$'\n'
asked() { cat "$ASKPASS_LOG"; }

# --- Through real git ---
got=$(gc fill protocol=https host=example.com path=path)
is "$got" "protocol=https${nl}host=example.com${nl}username=askpass-username${nl}password=askpass-password" \
  "no existing data: git asks"
is "$(direct get protocol=https host=example.com; cat "$tmp/err")" "" \
  "a plain miss prints nothing on stdout or stderr"

gc approve protocol=https host=example.com username=store-user password=store-pass
got=$(gc fill protocol=https host=example.com)
is "$got" "protocol=https${nl}host=example.com${nl}username=store-user${nl}password=store-pass" \
  "stores and retrieves a password"
is "$(asked)" "" "without asking"

got=$(gc fill protocol=http host=example.com)
is "$got" "protocol=http${nl}host=example.com${nl}username=askpass-username${nl}password=askpass-password" \
  "requires a matching protocol"
got=$(gc fill protocol=https host=other.tld)
is "$got" "protocol=https${nl}host=other.tld${nl}username=askpass-username${nl}password=askpass-password" \
  "requires a matching host"
got=$(gc fill protocol=https host=example.com:8443)
like "$got" "password=askpass-password" "requires a matching port"
got=$(gc fill protocol=https host=example.com username=other)
is "$got" "protocol=https${nl}host=example.com${nl}username=other${nl}password=askpass-password" \
  "requires a matching username"
is "$(asked)" "askpass: Password for 'https://other@example.com': " "and asks only for the password"

GC_OPTS="-c credential.useHttpPath=true"
gc approve protocol=http host=path.tld path=foo.git username=user password=pass
got=$(gc fill protocol=http host=path.tld path=bar.git)
like "$got" "password=askpass-password" "requires a matching path"
got=$(gc fill protocol=http host=path.tld path=foo.git)
like "$got" "^password=pass\$" "finds the password under its path"
GC_OPTS=

gc approve protocol=https host=example.com username=user1 password=pass1
gc approve protocol=https host=example.com username=user1 password=pass2
got=$(gc fill protocol=https host=example.com username=user1)
is "$got" "protocol=https${nl}host=example.com${nl}username=user1${nl}password=pass2" "store overwrites"
gc reject protocol=https host=example.com username=user1 password=pass2
got=$(gc fill protocol=https host=example.com username=user1)
like "$got" "password=askpass-password" "reject erases the overwritten password"

gc approve protocol=https host=example.com username=user-distinct-pass password=pass1
gc reject protocol=https host=example.com username=user-distinct-pass password=pass2
got=$(gc fill protocol=https host=example.com username=user-distinct-pass)
like "$got" "^password=pass1\$" "does not erase a password distinct from the input"

gc approve protocol=https host=example.com username=user1 password=pass1
gc approve protocol=https host=example.com username=user2 password=pass2
like "$(gc fill protocol=https host=example.com username=user1)" "^password=pass1\$" \
  "stores several users (1)"
like "$(gc fill protocol=https host=example.com username=user2)" "^password=pass2\$" \
  "stores several users (2)"
gc reject protocol=https host=example.com username=user1
like "$(gc fill protocol=https host=example.com username=user1)" "password=askpass-password" \
  "forgets a user"
like "$(gc fill protocol=https host=example.com username=user2)" "^password=pass2\$" \
  "remembers the other user"

gc reject protocol=https host=example.com
got=$(gc fill protocol=https host=example.com)
like "$got" "username=askpass-username" "reject without a username forgets every user of the host"

gc approve protocol=https host=example.com username=user1 password=pass1
gc approve protocol=https host=example.com username=user2 password=pass1
gc reject protocol=https host=example.com password=pass1
like "$(gc fill protocol=https host=example.com)" "username=askpass-username" \
  "erases all matching credentials"

gc approve protocol=https host=sso.tld username= password=
got=$(gc fill protocol=https host=sso.tld)
is "$got" "protocol=https${nl}host=sso.tld${nl}username=${nl}password=" "stores an empty username"
is "$(asked)" "" "and does not ask"

# git splits url= itself before it calls a helper; our helper must too.
direct store url=https://urluser:url%40pass@url.example/repo.git
is "$(direct get protocol=https host=url.example path=repo.git)" "username=urluser${nl}password=url@pass" \
  "a url= line is split into its parts"

# --- Speaking the protocol directly ---
long=$(head -c 60000 /dev/zero | tr '\0' a)
direct store protocol=https host=victim.example.com "wwwauth[]=$long" username=user password=to-be-stolen
is "$(direct get protocol=https host=badguy.example.com "wwwauth[]=$long")" "" \
  "a long wwwauth[] header does not confuse the parser"
like "$(direct get protocol=https host=victim.example.com "wwwauth[]=$long")" "password=to-be-stolen" \
  "the long header's own request still works"

direct store protocol=https host=expiry.example username=u password=p password_expiry_utc=9999999999
is "$(direct get protocol=https host=expiry.example)" \
  "username=u${nl}password=p${nl}password_expiry_utc=9999999999" "keeps password_expiry_utc"
direct store protocol=https host=expired.example username=u password=old password_expiry_utc=1000
is "$(direct get protocol=https host=expired.example; cat "$tmp/err")" "" \
  "does not return an expired password"
direct store protocol=https host=expired.example username=u password=old password_expiry_utc=1000 \
  oauth_refresh_token=xyzzy
is "$(direct get protocol=https host=expired.example)" "username=u${nl}oauth_refresh_token=xyzzy" \
  "an expired password still yields its refresh token"

direct store protocol=https host=oauth.example username=u password=p oauth_refresh_token=xyzzy
is "$(direct get protocol=https host=oauth.example)" "username=u${nl}password=p${nl}oauth_refresh_token=xyzzy" \
  "keeps oauth_refresh_token"
# git 2.39 drops these fields but still stores through the helper.
like "$(gc fill protocol=https host=oauth.example)" "^password=p\$" "git 2.39 reads such an item"

direct store capability[]=authtype authtype=Bearer credential=random-token protocol=https host=git.example.com
is "$(direct get capability[]=authtype protocol=https host=git.example.com)" \
  "capability[]=authtype${nl}authtype=Bearer${nl}credential=random-token" "stores authtype and credential"
is "$(direct get protocol=https host=git.example.com)" "" \
  "never emits a credential without the capability"
direct store capability[]=authtype authtype=Bearer credential=other-token protocol=https \
  host=git.example.com username=foobar
like "$(direct get capability[]=authtype protocol=https host=git.example.com username=foobar)" \
  "credential=other-token" "gets authtype and credential with a username"
is "$(direct get capability[]=authtype protocol=https host=git.example.com username=barbaz)" "" \
  "not with a different username"
direct store capability[]=authtype authtype=Bearer credential=git2-token protocol=https \
  host=git2.example.com ephemeral=1
is "$(direct get capability[]=authtype protocol=https host=git2.example.com)" "" \
  "does not store an ephemeral credential"
direct store authtype=Bearer credential=early capability[]=authtype protocol=https host=git3.example.com
is "$(direct get capability[]=authtype protocol=https host=git3.example.com)" "" \
  "ignores gated fields that came before the capability"
direct erase capability[]=authtype protocol=https host=git.example.com credential=wrong
like "$(direct get capability[]=authtype protocol=https host=git.example.com username=foobar)" \
  "credential=other-token" "erase with another credential keeps the item"
direct erase capability[]=authtype protocol=https host=git.example.com credential=other-token
is "$(direct get capability[]=authtype protocol=https host=git.example.com username=foobar)" "" \
  "erase with its credential removes it"

is "$("$helper" capability </dev/null)" "version 0${nl}capability authtype" "capability operation"
"$helper" frobnicate </dev/null >"$tmp/out" 2>"$tmp/err"
is "$?:$(cat "$tmp/out" "$tmp/err")" "0:" "an unknown operation is ignored silently"
"$helper" >"$tmp/out" 2>"$tmp/err"
is "$?:$(cat "$tmp/out")" "2:" "no operation: usage, exit status 2"
like "$(cat "$tmp/err")" "^usage: git-credential-gmail-oauth" "the usage goes to stderr"

direct store protocol=https host=example.com username=keep password=kept
direct erase </dev/null
like "$(direct get protocol=https host=example.com username=keep)" "password=kept" \
  "an empty erase pattern erases nothing"

# No keyring: one line, and no quit=1, so that git can still prompt.
got=$(DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent direct get protocol=https host=example.com)
is "$?:$got" "8:" "without a keyring: the keyring exit status, nothing on stdout"
like "$(cat "$tmp/err")" "^gmail-oauth: .*keyring" "and one line on stderr"
is "$(wc -l < "$tmp/err" | tr -d ' ')" 1 "only one"

# --- Malformed input: one line on stderr, exit status 2, nothing acted on ---
malformed() { # malformed DESCRIPTION: stores the bytes of $tmp/in
  "$helper" store <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
  local status=$?
  is "$status:$(cat "$tmp/out")" "2:" "$1: exit status 2, nothing on stdout"
  is "$(wc -l < "$tmp/err" | tr -d ' ')" 1 "$1: one line on stderr"
  is "$(direct get protocol=https host=bad.example)" "" "$1: nothing stored"
}
{ printf 'protocol=https\nhost=bad.example\nusername=u\npassword=p\nwwwauth[]='
  head -c 70000 /dev/zero | tr '\0' a; printf '\n'; } >"$tmp/in"
malformed "a line over 65535 bytes"
{ printf 'protocol=https\nhost=bad.example\nusername=u\npassword=p\nwwwauth[]='
  head -c 70000 /dev/zero | tr '\0' a; } >"$tmp/in"
malformed "an endless line at EOF"
printf 'protocol=https\nhost=bad.example\nusername=u\npassword=p\0w\n' >"$tmp/in"
malformed "a NUL byte"
printf 'protocol=https\nhost=bad.example\nusername=u\npassword=p\nnonsense\n' >"$tmp/in"
malformed "a line without ="
printf 'protocol=https\nhost=bad.example\nusername=u\npassword=p\nurl=nourl\n' >"$tmp/in"
malformed "a url= without scheme"
printf 'protocol=https\nhost=utf8.example\nusername=u\npassword=\377\376\nwwwauth[]=\300\n' | "$helper" store 2>"$tmp/err"
is "$?:$(cat "$tmp/err")" "0:" "invalid UTF-8 in values passes through"
is "$(direct get protocol=https host=utf8.example | od -An -c | tr -s ' ')" \
  "$(printf 'username=u\npassword=\377\376\n' | od -An -c | tr -s ' ')" "and comes back byte for byte"

# I/O failures are the caller's: the usage status and one line, never 1.
"$helper" get < / >"$tmp/out" 2>"$tmp/err"
is "$?:$(wc -l < "$tmp/err")" "2:1" "stdin a directory: exit status 2, one line on stderr"
printf 'protocol=https\nhost=full.example\n\n' | "$helper" capability >/dev/full 2>"$tmp/err"
is "$?:$(wc -l < "$tmp/err")" "2:1" "stdout full: exit status 2, one line on stderr"

out=$("$helper" --help 2>"$tmp/err"); rc=$?
is "$rc:$(cat "$tmp/err")" "0:" "--help exits 0 with nothing on stderr"
like "$out" '^usage: git-credential-gmail-oauth <get\|store\|erase\|capability>' "--help prints the usage on stdout"

done_testing
