# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_taskdb_global_optspecs
    string join \n database-url= config= format= q/quiet v/verbose y/yes color= actor= h/help V/version
end

function __fish_taskdb_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_taskdb_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_taskdb_using_subcommand
    set -l cmd (__fish_taskdb_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c taskdb -n "__fish_taskdb_needs_command" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_needs_command" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_needs_command" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_needs_command" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_needs_command" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_needs_command" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_needs_command" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_needs_command" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_needs_command" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "local" -d 'Manage the local PostgreSQL cluster taskdb uses when nothing else is configured'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "bench" -d 'Load-test the database with the seed system\'s operations (scratch database, dropped after)'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "config" -d 'Show, locate or create the configuration'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "generate-man" -d 'Write man pages into a directory (used to regenerate man/)'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -f -a "start" -d 'Create (first time) and start the local cluster; does nothing if it is running'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -f -a "stop" -d 'Stop the local cluster'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -f -a "status" -d 'Show whether the local cluster runs, its pid, port, version and data directory'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -f -a "url" -d 'Print a connection URL for the local cluster (Unix socket; for psql, pg_dump, …)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -f -a "destroy" -d 'Stop the local cluster and delete its data (asks first; --yes to skip)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from start" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from start" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from start" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from start" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from start" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from start" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from start" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from start" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from start" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from stop" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from stop" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from stop" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from stop" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from stop" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from stop" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from stop" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from stop" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from stop" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from status" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from status" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from status" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from status" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from status" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from status" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from url" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from url" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from url" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from url" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from url" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from url" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from url" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from url" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from url" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from url" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from destroy" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from destroy" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from destroy" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from destroy" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from destroy" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from destroy" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from destroy" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from destroy" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from destroy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from destroy" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "start" -d 'Create (first time) and start the local cluster; does nothing if it is running'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop the local cluster'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show whether the local cluster runs, its pid, port, version and data directory'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "url" -d 'Print a connection URL for the local cluster (Unix socket; for psql, pg_dump, …)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "destroy" -d 'Stop the local cluster and delete its data (asks first; --yes to skip)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l clients -d 'Concurrent connections' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l duration -d 'How long to measure (e.g. 10s, 2m, 500ms)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l warmup -d 'Unmeasured run-in before measuring' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l workload -d 'Which operations to run' -r -f -a "mixed\t'get 35%, list_ready 15%, create 15%, update_status 15%, claim 10%, metric 5%, api log 5%'
read\t'get 70%, list_ready 30%'
write\t'create 40%, update_status 40%, metric 10%, api log 10%'
claim\t'claim_next only (agents pulling work)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l seed-rows -d 'Tasks to seed the scratch database with' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l keep -d 'Keep the scratch database afterwards (for inspection or pgbench; remove with --clean)'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l clean -d 'Only remove a scratch database left by an earlier run, then exit'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l prepare-only -d 'Only create and seed the scratch database, keep it, and exit (for pgbench or psql)'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l pgbench-script -d 'Print a pgbench script with the same SQL and mix, then exit (see benches/compare.sh)'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init help" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init help" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init help" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init help" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init help" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init help" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init help" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init help" -f -a "show" -d 'Print every effective setting and where it came from (secrets redacted)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init help" -f -a "path" -d 'Print the config file in use (or where `config init` would write one)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init help" -f -a "init" -d 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from show" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from show" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from show" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from show" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from path" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from path" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from path" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from path" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from path" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from path" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from path" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from path" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -l path -d 'Where to write [default: --config, TASKDB_CONFIG, or $XDG_CONFIG_HOME/taskdb/config.toml]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -l backup-dir -d 'Directory for backups' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -l local-data-dir -d 'Data directory of the managed local cluster' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -l cloudflare-account-id -d 'Cloudflare account id' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -l cloudflare-zone-id -d 'Cloudflare zone id' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -l force -d 'Overwrite an existing file'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -l no-input -d 'Never ask, even at a terminal'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print every effective setting and where it came from (secrets redacted)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the config file in use (or where `config init` would write one)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "init" -d 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand completions" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand completions" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand completions" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand completions" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand completions" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand completions" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand completions" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand completions" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand completions" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand generate-man" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand generate-man" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand generate-man" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand generate-man" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand generate-man" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand generate-man" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand generate-man" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand generate-man" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand generate-man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand generate-man" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local bench config completions generate-man help" -f -a "local" -d 'Manage the local PostgreSQL cluster taskdb uses when nothing else is configured'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local bench config completions generate-man help" -f -a "bench" -d 'Load-test the database with the seed system\'s operations (scratch database, dropped after)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local bench config completions generate-man help" -f -a "config" -d 'Show, locate or create the configuration'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local bench config completions generate-man help" -f -a "completions" -d 'Print a shell completion script'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local bench config completions generate-man help" -f -a "generate-man" -d 'Write man pages into a directory (used to regenerate man/)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local bench config completions generate-man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "start" -d 'Create (first time) and start the local cluster; does nothing if it is running'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "stop" -d 'Stop the local cluster'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "status" -d 'Show whether the local cluster runs, its pid, port, version and data directory'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "url" -d 'Print a connection URL for the local cluster (Unix socket; for psql, pg_dump, …)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "destroy" -d 'Stop the local cluster and delete its data (asks first; --yes to skip)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print every effective setting and where it came from (secrets redacted)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the config file in use (or where `config init` would write one)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "init" -d 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise'
