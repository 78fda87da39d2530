#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The minter role of git-credential-gmail-oauth: real git asks for Gmail's
# SMTP server as a stored account and gets an access token minted by the
# stand-in; `git credential reject` forgets only that token; a revoked grant
# stops git at once with quit=1 and leaves the grant in place; without a
# keyring git goes on to its next helper.
. "$top_srcdir/tests/tap.sh"

helper="$top_builddir/git-credential-gmail-oauth"
tmp="$GMO_SESSION_DIR/git-minter"
mkdir -p "$tmp"
nl=$'\n'

cat > "$tmp/askpass" <<'EOF'
#!/bin/sh
echo "askpass: $*" >> "$ASKPASS_LOG"
echo askpass-answer
EOF
chmod +x "$tmp/askpass"
export GIT_ASKPASS="$tmp/askpass" ASKPASS_LOG="$tmp/askpass.log" GIT_CONFIG_NOSYSTEM=1
unset SSH_ASKPASS GIT_TERMINAL_PROMPT
: > "$ASKPASS_LOG"

gc() { # gc ACTION LINE...: real git with only our helper; stderr to $tmp/git.err
  local action=$1
  shift
  printf '%s\n' "$@" | git -c credential.helper= -c credential.helper="$helper" \
    credential "$action" 2>"$tmp/git.err"
}
direct() { # direct OP LINE...: stderr to $tmp/err
  local op=$1
  shift
  printf '%s\n' "$@" | "$helper" "$op" 2>"$tmp/err"
}
smtp=(protocol=smtp host=smtp.gmail.com:587 username=me@gmail.com)

rt=$(setup_account me@gmail.com)
requests=$(fake_stat token_requests)

before=$(date +%s)  # the token below is minted after this
got=$(gc fill "${smtp[@]}")
token=$(fake_stat last_access_token)
like "$token" "^ya29\\." "the stand-in minted a token"
is "$got" "protocol=smtp${nl}host=smtp.gmail.com:587${nl}username=me@gmail.com${nl}password=$token" \
  "git credential fill returns the token minted by the stand-in"
is "$(fake_stat token_requests)" "$((requests + 1))" "with one token request"
is "$(cat "$tmp/git.err" "$ASKPASS_LOG")" "" "and no prompt, nothing on stderr"

got=$(direct get capability[]=authtype protocol=smtps host=SMTP.gmail.com username=Me@Gmail.com)
after=$(date +%s)
expiry=$(printf '%s\n' "$got" | sed -n 's/^password_expiry_utc=//p')
is "$(printf '%s\n' "$got" | grep -v '^password_expiry_utc=')" \
  "capability[]=authtype${nl}username=Me@Gmail.com${nl}password=$token${nl}authtype=Bearer${nl}credential=$token${nl}ephemeral=1" \
  "with the authtype capability: the cached token as password and as an ephemeral Bearer credential"
# The stand-in's tokens live 3599 s; git should drop them 300 s (the margin) early.
ok "$([ "$expiry" -ge $((before + 3599 - 300 - 1)) ] && [ "$expiry" -le $((after + 3599 - 300)) ]; echo $?)" \
  "password_expiry_utc is the token's expiry minus the margin ($expiry)"
is "$(fake_stat token_requests)" "$((requests + 1))" "a fresh cached token needs no request"
got=$(direct get protocol=imaps host=imap.gmail.com username=me@gmail.com)
unlike "$got" "authtype|credential|capability|ephemeral" "no gated field without the capability"
like "$got" "^password=$token\$" "IMAP gets the same token"

gc approve "${smtp[@]}" password="$token"
is "$(secret-tool search --all protocol smtp 2>&1)" "" "git credential approve stores no minted token"

gc reject "${smtp[@]}" password="$token"
got=$(gc fill "${smtp[@]}")
new=$(fake_stat last_access_token)
is "$(fake_stat token_requests)" "$((requests + 2))" "after git credential reject, the next fill refreshes"
ok "$([ "$new" != "$token" ]; echo $?)" "and gets a new token"
is "$got" "protocol=smtp${nl}host=smtp.gmail.com:587${nl}username=me@gmail.com${nl}password=$new" \
  "which git returns"
gmail-oauth status me@gmail.com >/dev/null 2>&1
is "$?" 0 "the grant is still there"

# Not a stored account, or not Gmail: the storage role, silently.
is "$(direct get protocol=smtp host=smtp.gmail.com username=other@gmail.com; cat "$tmp/err")" "" \
  "a Gmail server with an unknown account is a plain miss"
gc approve protocol=smtp host=smtp.gmail.com username=other@gmail.com password=app-password
like "$(gc fill protocol=smtp host=smtp.gmail.com username=other@gmail.com)" "^password=app-password\$" \
  "and its password is stored like any other"
gc approve protocol=smtp host=smtp.example.org username=me@gmail.com password=elsewhere
like "$(gc fill protocol=smtp host=smtp.example.org username=me@gmail.com)" "^password=elsewhere\$" \
  "a stored account on another server is stored like any other"

# Revoked: quit=1 and one line, promptly; the grant stays.
ctl POST /control/fault '{"kind":"invalid_grant","count":-1}' >/dev/null
direct erase "${smtp[@]}" password="$new"
start=$(date +%s)
got=$(direct get "${smtp[@]}")
status=$?
is "$got" "quit=1" "a revoked grant answers quit=1"
is "$status" 4 "with the reauthorize exit status"
is "$(wc -l < "$tmp/err" | tr -d ' ')" 1 "and one line on stderr"
like "$(cat "$tmp/err")" "^gmail-oauth: .*me@gmail.com.*gmail-oauth login" "which says to log in again"
unlike "$(cat "$tmp/err")" "$new|$(fake_stat last_access_token)" "and holds no token"
ok "$([ $(( $(date +%s) - start )) -le 5 ]; echo $?)" "promptly"
: > "$ASKPASS_LOG"
got=$(gc fill "${smtp[@]}")
status=$?
is "$status:$got" "128:" "git stops (exit 128) without a credential"
like "$(cat "$tmp/git.err")" "told us to quit" "because the helper told it to quit"
is "$(cat "$ASKPASS_LOG")" "" "and never prompts"
gmail-oauth status me@gmail.com >/dev/null 2>&1
is "$?" 0 "the grant record is still there"
ctl POST /control/clear-faults >/dev/null
like "$(gc fill "${smtp[@]}")" "^password=$(fake_stat last_access_token)\$" \
  "once Google accepts it again, the kept refresh token works"

# A bad client also stops git; a transient failure lets git go on.
direct erase "${smtp[@]}"
ctl POST /control/fault '{"kind":"invalid_client","count":-1}' >/dev/null
got=$(direct get "${smtp[@]}")
is "$?:$got" "5:quit=1" "a bad client answers quit=1"
ctl POST /control/clear-faults >/dev/null
ctl POST /control/fault '{"kind":"503","count":-1}' >/dev/null
got=$(direct get "${smtp[@]}")
is "$?:$got" "6:" "a transient failure answers nothing, so git may try another helper"
is "$(wc -l < "$tmp/err" | tr -d ' ')" 1 "with one line on stderr"
ctl POST /control/clear-faults >/dev/null
# A 200 whose refresh_token would destroy the grant: bad-response, no answer and no quit=1
# (git may go on); nothing is written.
for kind in empty_refresh_token multiline_refresh_token long_refresh_token; do
  direct erase "${smtp[@]}"
  ctl POST /control/fault "{\"kind\":\"$kind\",\"count\":1}" >/dev/null
  got=$(direct get "${smtp[@]}")
  is "$?:$got" "7:" "$kind: get answers nothing, with the bad-response status"
  is "$(wc -l < "$tmp/err" | tr -d ' ')" 1 "$kind: one line on stderr"
  grant_intact me@gmail.com "$rt" "$kind"
done
direct erase "${smtp[@]}"
# Through gmail-oauthd the helper needs no libcurl of its own.
got=$(LD_LIBRARY_PATH=$(broken_library_dir libcurl.so.4) direct get "${smtp[@]}")
like "$?:$got" "^0:username=me@gmail.com${nl}password=ya29\." \
  "through gmail-oauthd, a token needs no libcurl in the helper"
# Without a loadable libcurl (a broken installation) on the direct path: like a transient
# failure, no answer.
direct_path_begin
direct erase "${smtp[@]}"
got=$(LD_LIBRARY_PATH=$(broken_library_dir libcurl.so.4) direct get "${smtp[@]}")
is "$?:$got" "1:" "without a loadable libcurl: status 1 and no answer, so git may go on"
like "$(cat "$tmp/err")" "^gmail-oauth: me@gmail\.com: Cannot load libcurl\.so\.4 .*libcurl4$" \
  "saying why"
is "$(wc -l < "$tmp/err" | tr -d ' ')" 1 "in one line"
direct_path_end

# No keyring: whether the account is ours is unknown, so git must go on to its next
# helper (which may hold an app password): one line, no quit=1.
got=$(DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent direct get "${smtp[@]}")
is "$?:$got" "8:" "no keyring for a Gmail server and a username: no quit=1, the keyring status"
like "$(cat "$tmp/err")" "^gmail-oauth: .*unlock the keyring" "saying what to do"
is "$(wc -l < "$tmp/err" | tr -d ' ')" 1 "in one line"
: > "$ASKPASS_LOG"
got=$(printf '%s\n' "${smtp[@]}" | DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent \
  git -c credential.helper= -c credential.helper="$helper" \
  -c credential.helper='!f() { test "$1" = get && echo password=app-password; }; f' \
  credential fill 2>"$tmp/git.err")
is "$?:$got" "0:protocol=smtp${nl}host=smtp.gmail.com:587${nl}username=me@gmail.com${nl}password=app-password" \
  "git goes on to the next helper, whose password it gets"
unlike "$(cat "$tmp/git.err")" "told us to quit" "git was not told to quit"
is "$(cat "$ASKPASS_LOG")" "" "and did not prompt"

done_testing
