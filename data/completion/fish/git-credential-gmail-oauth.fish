# SPDX-License-Identifier: GPL-3.0-or-later
# fish completion for git-credential-gmail-oauth: its operations (git runs it; people rarely do).
complete -c git-credential-gmail-oauth -f
complete -c git-credential-gmail-oauth -n __fish_is_first_arg -a get -d 'Answer a credential'
complete -c git-credential-gmail-oauth -n __fish_is_first_arg -a store -d 'Store a credential'
complete -c git-credential-gmail-oauth -n __fish_is_first_arg -a erase -d 'Erase a credential'
complete -c git-credential-gmail-oauth -n __fish_is_first_arg -a capability -d 'List the capabilities'
complete -c git-credential-gmail-oauth -n __fish_is_first_arg -l help -d 'Show the usage'
