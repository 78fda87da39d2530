#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The shell completions of data/completion/. bash's completion function runs here as
# bash-completion runs it (COMP_WORDS, COMP_CWORD, COMP_LINE, COMP_POINT) and its candidates
# are checked against what the programs' --help prints, so that a new command, option or
# format that the completion lacks fails this test; account names come from the test
# keyring. zsh's and fish's files are checked by those shells when they are installed.
. "$top_srcdir/tests/tap.sh"

completion=$top_srcdir/data/completion
sorted() { printf '%s\n' "$@" | sed '/^$/d' | LC_ALL=C sort | tr '\n' ' '; }
lines() { LC_ALL=C sort | sed '/^$/d' | tr '\n' ' '; } # stdin, sorted, on one line

# What the programs say of themselves.
help_commands=$(gmail-oauth --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p')
# The options an option line of COMMAND --help names: its long ones, or, on a line with no
# long one (sendmail's "-t", "-i, -oi", "-f ACCOUNT"), its short ones.
help_options() {
  gmail-oauth "$1" --help | sed -n 's/^  \(-[^ ].*\)/\1/p' | sed 's/  .*//' |
    while IFS= read -r spec; do
      longs=$(printf '%s\n' "$spec" | grep -oE -- '--[a-z][a-z-]*')
      if [ -n "$longs" ]; then printf '%s\n' "$longs"
      else printf '%s\n' "$spec" | grep -oE -- '(^|[ ,])-[a-z]+' | tr -d ' ,'; fi
    done | sort -u | lines
}
help_formats=$(gmail-oauth --help | sed -n 's/.*\[--format=\([a-z0-9|]*\)\].*/\1/p' | tr '|' '\n' | lines)
config_clients=$(gmail-oauth config --help | sed -n '/^Clients:/,/^$/s/^  \([a-z]*\) .*/\1/p' | lines)
git_ops=$(git-credential-gmail-oauth --help | sed -n 's/^usage: [^<]*<\(.*\)>$/\1/p' | tr '|' '\n' | lines)
ok $([ "$(printf '%s\n' $help_commands | wc -l)" -ge 9 ]; echo $?) "gmail-oauth --help lists the commands"
ok $([ -n "$help_formats" ] && [ -n "$git_ops" ]; echo $?) "--help shows the formats and the git helper's operations"

# Two accounts, and one whose name would run a command if the completion expanded it.
setup_account alice@example.com >/dev/null
setup_account bob@example.com >/dev/null
setup_account '$(>pwned)@example.com' >/dev/null
accounts='\$\(\>pwned\)@example.com alice@example.com bob@example.com '
mkdir -p "$GMO_SESSION_DIR/cwd" && cd "$GMO_SESSION_DIR/cwd" || exit 1
touch grant.json client.json

# ---- bash ----
bash_completion=$(pkg-config --variable=datadir bash-completion 2>/dev/null)/bash-completion/bash_completion
[ -f "$bash_completion" ] || bash_completion=/usr/share/bash-completion/bash_completion
if [ ! -f "$bash_completion" ]; then
  echo "ok $((tap_n + 1)) # SKIP bash: bash-completion is not installed (apt-get install bash-completion)"
  tap_n=$((tap_n + 1))
else
  set +u
  # shellcheck disable=SC1090
  . "$bash_completion"
  # shellcheck disable=SC1091
  . "$completion/bash/gmail-oauth"
  set -u
  is "$(complete -p gmail-oauth)" "complete -F _gmail_oauth gmail-oauth" "bash: gmail-oauth is completed"
  is "$(complete -p git-credential-gmail-oauth)" \
    "complete -F _git_credential_gmail_oauth git-credential-gmail-oauth" "bash: the git helper is completed"

  # bash_complete WORD...: the candidates for the command line made of WORD..., the last
  # being the word under the cursor, one per line. The words are those readline makes:
  # "--format=js" is --format = js. bash-completion takes "@" out of COMP_WORDBREAKS (it turns
  # hostcomplete off); with break_at=1 it is put back, and "me@ex" is me @ ex. The options the
  # function sets with compopt are written to $GMO_SESSION_DIR/compopt.
  bash_complete() {
    (
      set +u
      local w func glued=1
      [ -n "${break_at-}" ] && COMP_WORDBREAKS+=@
      : > "$GMO_SESSION_DIR/compopt"
      compopt() { printf '%s\n' "$*" >> "$GMO_SESSION_DIR/compopt"; }
      COMP_WORDS=("$@")
      COMP_CWORD=$(($# - 1))
      COMP_LINE=
      for w in "$@"; do
        if [ "$w" = = ] || [ "$w" = @ ]; then
          COMP_LINE+=$w glued=1
        else
          [ "$glued" = 1 ] || COMP_LINE+=' '
          COMP_LINE+=$w glued=0
        fi
      done
      COMP_POINT=${#COMP_LINE} COMP_TYPE=9 COMP_KEY=9
      COMPREPLY=()
      func=$(complete -p "$1" | sed -n 's/.* -F \([^ ]*\) .*/\1/p')
      "$func" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
      printf '%s\n' "${COMPREPLY[@]}"
    )
  }
  candidates() { bash_complete "$@" | lines; }

  is "$(candidates gmail-oauth '')" "$(sorted $help_commands)" \
    "bash: the commands are those gmail-oauth --help lists"
  is "$(candidates gmail-oauth to)" "token " "bash: a command's prefix"
  is "$(candidates gmail-oauth -)" "--help --version " "bash: the options before a command"
  is "$(candidates gmail-oauth token -)" "--format= --help --min-valid= " "bash: token's options"
  is "$(cat "$GMO_SESSION_DIR/compopt")" "-o nospace" "bash: ... with no space after \"=\""
  for c in $help_commands; do
    is "$(bash_complete gmail-oauth "$c" - | sed 's/=$//' | lines)" "$(help_options "$c")" \
      "bash: $c's options are those of gmail-oauth $c --help"
  done
  is "$(candidates gmail-oauth token --format '')" "$help_formats" "bash: the formats of --format"
  is "$(candidates gmail-oauth token --format = '')" "$help_formats" "bash: the formats of --format="
  is "$(candidates gmail-oauth token --format = x)" "xoauth2 " "bash: a format's prefix"
  is "$(candidates gmail-oauth token -f j)" "json " "bash: the formats of -f"
  is "$(candidates gmail-oauth token --min-valid '')" "" "bash: no candidates for --min-valid's seconds"

  is "$(candidates gmail-oauth token '')" "$accounts" "bash: token completes the stored accounts"
  for c in refresh import login status remove doctor; do
    is "$(candidates gmail-oauth "$c" '')" "$accounts" "bash: $c completes the stored accounts"
  done
  is "$(candidates gmail-oauth list '')" "" "bash: list takes no account"
  is "$(candidates gmail-oauth config '')" "$config_clients" "bash: config's clients are those config --help lists"
  is "$(candidates gmail-oauth config m)" "mbsync msmtp " "bash: a client's prefix"
  is "$(candidates gmail-oauth config msmtp '')" "$accounts" "bash: config CLIENT completes the stored accounts"
  is "$(candidates gmail-oauth config msmtp alice@example.com '')" "" "bash: config takes a client and an account"
  is "$(candidates gmail-oauth token al)" "alice@example.com " "bash: an account's prefix"
  is "$(candidates gmail-oauth token alice@ex)" "alice@example.com " "bash: a prefix with \"@\""
  is "$(break_at=1 candidates gmail-oauth token alice @ ex)" "example.com " \
    "bash: with \"@\" in COMP_WORDBREAKS, only the rest of the name (readline replaces what follows \"@\")"
  is "$(break_at=1 candidates gmail-oauth token alice @ '')" "example.com " \
    "bash: ... also right after \"@\""
  is "$(candidates gmail-oauth token --format json b)" "bob@example.com " \
    "bash: an option's separate value is not the account"
  is "$(candidates gmail-oauth token alice@example.com '')" "" "bash: one account only"
  is "$(break_at=1 candidates gmail-oauth token alice @ example.com '')" "" \
    "bash: one account only, also with \"@\" in COMP_WORDBREAKS"
  is "$(candidates gmail-oauth import alice@example.com '')" "client.json grant.json " \
    "bash: import's second argument is a file"
  is "$(candidates gmail-oauth login --client-secrets = '')" "client.json grant.json " \
    "bash: --client-secrets takes a file"
  ok $([ ! -e pwned ]; echo $?) "bash: a stored name is not expanded by the shell"

  # Without a keyring, or with a bus that never answers, nothing is offered, at once and silently.
  is "$(DBUS_SESSION_BUS_ADDRESS=unix:path=$GMO_SESSION_DIR/no-bus candidates gmail-oauth token '' 2>&1)" "" \
    "bash: no session bus: no accounts, no message"
  silent=$GMO_SESSION_DIR/silent-bus # accepts connections and never says a word
  "${PYTHON3:-python3}" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(16)
open(sys.argv[1] + ".ready", "w").close()
held = []
while True: held.append(s.accept()[0])' "$silent" &
  silent_pid=$!
  for _ in $(seq 1 200); do [ -e "$silent.ready" ] && break; sleep 0.05; done
  start=$SECONDS
  is "$(DBUS_SESSION_BUS_ADDRESS=unix:path=$silent candidates gmail-oauth token '' 2>&1)" "" \
    "bash: a bus that never answers: no accounts, no message"
  took=$((SECONDS - start))
  ok $([ "$took" -le 10 ]; echo $?) "bash: ... after a bounded wait, not D-Bus's 25-second timeout (${took} s)"
  kill "$silent_pid"; wait "$silent_pid" 2>/dev/null

  is "$(candidates git-credential-gmail-oauth '')" "$git_ops" \
    "bash: the git helper's operations are those its --help lists"
  is "$(candidates git-credential-gmail-oauth get '')" "" "bash: the git helper takes one operation"

  # Installed as bash-completion finds it: a file named after each command.
  user_dir=$GMO_SESSION_DIR/bash-completion
  mkdir -p "$user_dir/completions"
  cp "$completion/bash/gmail-oauth" "$user_dir/completions/gmail-oauth"
  ln -s gmail-oauth "$user_dir/completions/git-credential-gmail-oauth"
  for cmd in gmail-oauth git-credential-gmail-oauth; do
    (
      set +u
      complete -r gmail-oauth git-credential-gmail-oauth
      BASH_COMPLETION_USER_DIR=$user_dir _completion_loader "$cmd" >/dev/null 2>&1
      complete -p "$cmd" >/dev/null 2>&1
    )
    ok $? "bash: bash-completion loads the completion of $cmd from the file named $cmd"
  done
fi

# ---- zsh ----
zsh_file=$completion/zsh/_gmail-oauth
if command -v zsh >/dev/null 2>&1; then
  is "$(zsh -n "$zsh_file" 2>&1)" "" "zsh: $(basename "$zsh_file") parses (zsh -n)"
  is "$(head -n 1 "$zsh_file")" "#compdef gmail-oauth git-credential-gmail-oauth" \
    "zsh: the first line names both programs for compinit"
  is "$(sed -n '/^ *cmds=(/,/^ *)/s/^ *'"'"'\([a-z]*\):.*/\1/p' "$zsh_file" | lines)" "$(sorted $help_commands)" \
    "zsh: the commands are those gmail-oauth --help lists"
  is "$(sed -n "s/.*'1:client:(\([a-z ]*\))'.*/\1/p" "$zsh_file" | tr ' ' '\n' | lines)" "$config_clients" \
    "zsh: config's clients are those config --help lists"
else
  echo "ok $((tap_n + 1)) # SKIP zsh: zsh is not installed"
  tap_n=$((tap_n + 1))
fi

# ---- fish ----
fish_file=$completion/fish/gmail-oauth.fish
fish_git_file=$completion/fish/git-credential-gmail-oauth.fish
if command -v fish >/dev/null 2>&1; then
  for f in "$fish_file" "$fish_git_file"; do
    is "$(fish --no-execute "$f" 2>&1)" "" "fish: $(basename "$f") parses (fish --no-execute)"
  done
  # fish_complete LINE: what fish offers for LINE, one candidate a line, without descriptions.
  fish_complete() {
    fish --no-config -c "source '$fish_file'; source '$fish_git_file'; complete -C '$1'" 2>&1 | cut -f1
  }
  is "$(fish_complete 'gmail-oauth ' | lines)" "$(sorted $help_commands)" \
    "fish: the commands are those gmail-oauth --help lists"
  for c in $help_commands; do
    # Long options, and the short ones of a command that has only short ones (sendmail).
    got=$( (fish_complete "gmail-oauth $c --"
            [ "$c" = sendmail ] && fish_complete "gmail-oauth $c -" | grep -v -e '^--' -e '^-h$') |
           sort -u | lines)
    is "$got" "$(help_options "$c")" "fish: $c's options are those of gmail-oauth $c --help"
  done
  is "$(fish_complete 'gmail-oauth token --format=' | sed 's/^--format=//' | lines)" "$help_formats" \
    "fish: the formats of --format"
  is "$(fish_complete 'gmail-oauth token ' | lines)" "$(printf '%s' "$accounts" | sed 's/\\//g')" \
    "fish: token completes the stored accounts"
  is "$(fish_complete 'gmail-oauth config ' | lines)" "$config_clients" \
    "fish: config's clients are those config --help lists"
  is "$(fish_complete 'gmail-oauth config git ' | lines)" "$(printf '%s' "$accounts" | sed 's/\\//g')" \
    "fish: config CLIENT completes the stored accounts"
  is "$(fish_complete 'git-credential-gmail-oauth ' | lines)" "$git_ops" \
    "fish: the git helper's operations are those its --help lists"
  ok $([ ! -e pwned ]; echo $?) "fish: a stored name is not expanded by the shell"
else
  echo "ok $((tap_n + 1)) # SKIP fish: fish is not installed"
  tap_n=$((tap_n + 1))
fi

done_testing
