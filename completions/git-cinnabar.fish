# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_git_cinnabar_global_optspecs
    string join \n h/help V/version
end

function __fish_git_cinnabar_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_git_cinnabar_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_git_cinnabar_using_subcommand
    set -l cmd (__fish_git_cinnabar_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -s h -l help -d 'Print help'
complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -s V -l version -d 'Print version'
complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -f -a "clone" -d 'Clone a Mercurial repository into a new git repository'
complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -f -a "fetch" -d 'Fetch changesets from a Mercurial repository'
complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -f -a "fsck" -d 'Check the consistency of the cinnabar metadata'
complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -f -a "hg2git" -d 'Convert Mercurial changeset ids to git commit ids'
complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -f -a "git2hg" -d 'Convert git commit ids to Mercurial changeset ids'
complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -f -a "rollback" -d 'Roll back the cinnabar metadata to an earlier state'
complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -f -a "reclone" -d 'Rebuild the cinnabar metadata from every Mercurial remote'
complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -f -a "clear" -d 'Remove all the cinnabar metadata'
complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -f -a "data" -d 'Print the raw Mercurial text of a changeset, manifest or file'
complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -f -a "bundle" -d 'Write a Mercurial bundle of git commits'
complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -f -a "unbundle" -d 'Import a Mercurial bundle'
complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -f -a "setup" -d 'Create the git-remote-hg link beside the git-cinnabar binary, and install the man pages and completions'
complete -c git-cinnabar -n "__fish_git_cinnabar_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand clone" -s h -l help -d 'Print help'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand fetch" -l tags -d 'Fetch the tags of the hg::tags: pseudo-remote'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand fetch" -l bundle -d 'Write the raw bundle to stdout instead of importing it'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand fetch" -s h -l help -d 'Print help'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand fsck" -l force -d 'Ignore the checked state and check everything'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand fsck" -l full -d 'Rebuild every changeset, manifest and file and check its node'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand fsck" -s h -l help -d 'Print help'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand hg2git" -l abbrev -d 'Show a partial prefix of the ids (12 characters, or N)' -r
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand hg2git" -l batch -d 'Read ids from standard input'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand hg2git" -s h -l help -d 'Print help'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand git2hg" -l abbrev -d 'Show a partial prefix of the ids (12 characters, or N)' -r
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand git2hg" -l batch -d 'Read ids from standard input'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand git2hg" -s h -l help -d 'Print help'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand rollback" -l candidates -d 'Show the metadata states that can be rolled back to'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand rollback" -l fsck -d 'Roll back to the last state fsck checked'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand rollback" -l force -d 'Roll back even when the target is not an ancestor'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand rollback" -s h -l help -d 'Print help'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand reclone" -l rebase -d 'Move local refs that point to a changeset\'s commit to its new commit'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand reclone" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand clear" -s h -l help -d 'Print help'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand data" -s c -l changeset -d 'The id is a changeset'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand data" -s m -l manifest -d 'The id is a manifest'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand data" -s h -l help -d 'Print help'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand bundle" -l version -d 'Bundle version (1 or 2)' -r -f -a "1\t''
2\t''"
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand bundle" -s t -l type -d 'Bundle type (none-v1, gzip-v1, bzip2-v1, none-v2, gzip-v2, bzip2-v2, zstd-v2)' -r
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand bundle" -s h -l help -d 'Print help'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand unbundle" -l clonebundle -d 'Import the clone bundle the server advertises'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand unbundle" -s h -l help -d 'Print help'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand setup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand help; and not __fish_seen_subcommand_from clone fetch fsck hg2git git2hg rollback reclone clear data bundle unbundle setup help" -f -a "clone" -d 'Clone a Mercurial repository into a new git repository'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand help; and not __fish_seen_subcommand_from clone fetch fsck hg2git git2hg rollback reclone clear data bundle unbundle setup help" -f -a "fetch" -d 'Fetch changesets from a Mercurial repository'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand help; and not __fish_seen_subcommand_from clone fetch fsck hg2git git2hg rollback reclone clear data bundle unbundle setup help" -f -a "fsck" -d 'Check the consistency of the cinnabar metadata'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand help; and not __fish_seen_subcommand_from clone fetch fsck hg2git git2hg rollback reclone clear data bundle unbundle setup help" -f -a "hg2git" -d 'Convert Mercurial changeset ids to git commit ids'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand help; and not __fish_seen_subcommand_from clone fetch fsck hg2git git2hg rollback reclone clear data bundle unbundle setup help" -f -a "git2hg" -d 'Convert git commit ids to Mercurial changeset ids'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand help; and not __fish_seen_subcommand_from clone fetch fsck hg2git git2hg rollback reclone clear data bundle unbundle setup help" -f -a "rollback" -d 'Roll back the cinnabar metadata to an earlier state'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand help; and not __fish_seen_subcommand_from clone fetch fsck hg2git git2hg rollback reclone clear data bundle unbundle setup help" -f -a "reclone" -d 'Rebuild the cinnabar metadata from every Mercurial remote'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand help; and not __fish_seen_subcommand_from clone fetch fsck hg2git git2hg rollback reclone clear data bundle unbundle setup help" -f -a "clear" -d 'Remove all the cinnabar metadata'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand help; and not __fish_seen_subcommand_from clone fetch fsck hg2git git2hg rollback reclone clear data bundle unbundle setup help" -f -a "data" -d 'Print the raw Mercurial text of a changeset, manifest or file'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand help; and not __fish_seen_subcommand_from clone fetch fsck hg2git git2hg rollback reclone clear data bundle unbundle setup help" -f -a "bundle" -d 'Write a Mercurial bundle of git commits'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand help; and not __fish_seen_subcommand_from clone fetch fsck hg2git git2hg rollback reclone clear data bundle unbundle setup help" -f -a "unbundle" -d 'Import a Mercurial bundle'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand help; and not __fish_seen_subcommand_from clone fetch fsck hg2git git2hg rollback reclone clear data bundle unbundle setup help" -f -a "setup" -d 'Create the git-remote-hg link beside the git-cinnabar binary, and install the man pages and completions'
complete -c git-cinnabar -n "__fish_git_cinnabar_using_subcommand help; and not __fish_seen_subcommand_from clone fetch fsck hg2git git2hg rollback reclone clear data bundle unbundle setup help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
