# SPDX-License-Identifier: GPL-3.0-or-later
# fish completion for gmail-oauth. The commands and options are those of "gmail-oauth --help"
# and "gmail-oauth COMMAND --help"; tests/completion.sh checks them. Account names come from
# "gmail-oauth list" at completion time (names and token states only, never a secret), bounded
# to 2 seconds so that a missing or silent keyring does not hold up the shell.

function __gmail_oauth_accounts
    set -l program (commandline -opc)[1]
    command -q -- $program; or set program gmail-oauth
    timeout 2 $program list </dev/null 2>/dev/null | string split -f1 \t
end

set -l commands token refresh import login list status remove allow deny doctor config mcp sendmail
set -l clients msmtp mbsync neomutt aerc offlineimap git
set -l with_account token refresh import login status remove allow deny doctor

complete -c gmail-oauth -f
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -s h -l help -d 'Show the commands'
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -s V -l version -d 'Show the version'
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -a token -d 'Print a valid access token'
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -a refresh -d 'Refresh the access token now'
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -a import -d 'Store a grant from an authorized_user file'
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -a login -d 'Authorize in a browser and store the grant'
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -a list -d 'List the stored accounts'
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -a status -d 'Show what is stored for an account'
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -a remove -d "Delete an account's record"
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -a allow -d "Let a sandboxed app get the account's tokens"
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -a deny -d 'No longer let that app get them'
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -a doctor -d 'Check the keyring, the grant and the clock'
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -a config -d "Print a mail client's configuration"
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -a mcp -d 'Run the MCP server on stdin and stdout'
complete -c gmail-oauth -n "not __fish_seen_subcommand_from $commands" -a sendmail -d 'Send the message on stdin through the Gmail API'

complete -c gmail-oauth -n "__fish_seen_subcommand_from $commands" -s h -l help -d 'Show the options'
complete -c gmail-oauth -n "__fish_seen_subcommand_from $with_account" -a '(__gmail_oauth_accounts)' -d Account
complete -c gmail-oauth -n '__fish_seen_subcommand_from import' -F
# config CLIENT ACCOUNT: the clients of "gmail-oauth config --help", then an account
complete -c gmail-oauth -n "__fish_seen_subcommand_from config; and not __fish_seen_subcommand_from $clients" -a "$clients" -d Client
complete -c gmail-oauth -n "__fish_seen_subcommand_from config; and __fish_seen_subcommand_from $clients" -a '(__gmail_oauth_accounts)' -d Account

complete -c gmail-oauth -n '__fish_seen_subcommand_from token' -s f -l format -x -a 'raw json xoauth2 header' -d Output
complete -c gmail-oauth -n '__fish_seen_subcommand_from token' -l min-valid -x -d 'Refresh when fewer seconds of life remain'
complete -c gmail-oauth -n '__fish_seen_subcommand_from login' -l client-secrets -r -F -d 'Client file from Google Cloud Console'
complete -c gmail-oauth -n '__fish_seen_subcommand_from login' -l client-id -x -d 'Client id (the secret is prompted for)'
complete -c gmail-oauth -n '__fish_seen_subcommand_from login' -l scope -x -d 'Space-separated scopes'
complete -c gmail-oauth -n '__fish_seen_subcommand_from login' -l no-browser -d 'Print the address, open no browser'
complete -c gmail-oauth -n '__fish_seen_subcommand_from login' -l timeout -x -d 'Give up after this many seconds'
complete -c gmail-oauth -n '__fish_seen_subcommand_from login' -l port -x -d 'Listen on this port of 127.0.0.1'
complete -c gmail-oauth -n '__fish_seen_subcommand_from refresh' -l all -d 'Refresh every stored account'
complete -c gmail-oauth -n '__fish_seen_subcommand_from list status' -l json -d 'Print JSON'
complete -c gmail-oauth -n '__fish_seen_subcommand_from remove' -l revoke -d 'Revoke the grant at Google first'
complete -c gmail-oauth -n '__fish_seen_subcommand_from remove' -l force -d 'With --revoke: delete the record even if revocation fails'
complete -c gmail-oauth -n '__fish_seen_subcommand_from mcp' -l read-only -d 'Offer only the tools that change nothing'
complete -c gmail-oauth -n '__fish_seen_subcommand_from mcp' -l no-credentials -d 'Offer no tool that takes or hands out a credential'
complete -c gmail-oauth -n '__fish_seen_subcommand_from sendmail' -s t -d 'Send to the To, Cc and Bcc of the message'
complete -c gmail-oauth -n '__fish_seen_subcommand_from sendmail' -s i -d 'A line of only "." does not end the message'
complete -c gmail-oauth -n '__fish_seen_subcommand_from sendmail' -o oi -d 'A line of only "." does not end the message'
complete -c gmail-oauth -n '__fish_seen_subcommand_from sendmail' -s f -x -a '(__gmail_oauth_accounts)' -d 'The account to send from'
complete -c gmail-oauth -n '__fish_seen_subcommand_from sendmail' -s v -d 'Say what was sent'
