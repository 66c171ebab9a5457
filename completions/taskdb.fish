# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_taskdb_global_optspecs
    string join \n database-url= config= format= q/quiet v/verbose y/yes color= actor= read-only h/help V/version
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
complete -c taskdb -n "__fish_taskdb_needs_command" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_needs_command" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "local" -d 'Manage the local PostgreSQL cluster taskdb uses when nothing else is configured'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "migrate" -d 'Apply, revert, inspect and rehearse schema migrations (backups taken automatically)'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "backup" -d 'Create, list, verify and restore pg_dump backups'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "task" -d 'Create, find, claim and change tasks; import and export Task Master files'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "workflow" -d 'Track workflow runs of tasks: steps, failures, retries'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "role" -d 'Create, list, show, rotate and drop the database roles clients log in as'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "worker" -d 'Claim tasks and run a command for each: heartbeats, retries, graceful stop'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "tunnel" -d 'Expose the database through a Cloudflare Tunnel behind Cloudflare Access'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "waf" -d 'Apply the zone\'s WAF rules, rate limiting and TLS settings from a policy'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "bench" -d 'Load-test the database with the seed system\'s operations (scratch database, dropped after)'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "mcp" -d 'Serve the task database to AI agents over the Model Context Protocol (stdio)'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "config" -d 'Show, locate or create the configuration'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "health" -d 'Check the database: Nagios exit codes, Prometheus textfile, alerts'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "metrics" -d 'Record, print and expire samples in system_metrics'
complete -c taskdb -n "__fish_taskdb_needs_command" -f -a "maintain" -d 'Partitions ahead, retention, ANALYZE: the one cron entry for upkeep'
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
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and not __fish_seen_subcommand_from start stop status url destroy help" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from start" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from stop" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from status" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from url" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from destroy" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from destroy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from destroy" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "start" -d 'Create (first time) and start the local cluster; does nothing if it is running'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "stop" -d 'Stop the local cluster'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show whether the local cluster runs, its pid, port, version and data directory'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "url" -d 'Print a connection URL for the local cluster (Unix socket; for psql, pg_dump, …)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "destroy" -d 'Stop the local cluster and delete its data (asks first; --yes to skip)'
complete -c taskdb -n "__fish_taskdb_using_subcommand local; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -f -a "up" -d 'Apply pending migrations (safe to run from several hosts at once)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -f -a "down" -d 'Revert applied migrations with their down scripts (backup and confirmation first)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -f -a "status" -d 'Show every migration: applied, pending, divergent (file changed) or missing (not in this taskdb)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -f -a "validate" -d 'Check the migrations: every up has a down, applied checksums match; --roundtrip rehearses them'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and not __fish_seen_subcommand_from up down status validate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -l target -d 'Stop after this version (default: the newest)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -l lock-timeout -d 'Seconds a DDL statement may wait for a table lock before the migration is rolled back and retried [config: migrate.lock_timeout] [default: 5]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -l lock-wait -d 'Seconds to wait for another run holding the migration lock [config: migrate.lock_wait] [default: 60]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -l dry-run -d 'Print the SQL that would run; change nothing'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -l no-backup -d 'Do not take a backup first, even when the database holds data'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from up" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -l steps -d 'How many migrations to revert (default 1)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -l target -d 'Revert down to this version, which stays applied (0: revert everything)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -l lock-timeout -d 'Seconds a DDL statement may wait for a table lock before the migration is rolled back and retried [config: migrate.lock_timeout] [default: 5]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -l lock-wait -d 'Seconds to wait for another run holding the migration lock [config: migrate.lock_wait] [default: 60]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -l dry-run -d 'Print the SQL that would run; change nothing'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -l no-backup -d 'Do not take a backup first'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from down" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from status" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from status" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from status" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from status" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from status" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from status" -l check -d 'Exit 1 when anything is pending, divergent or missing (for CI gates)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from status" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from status" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from validate" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from validate" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from validate" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from validate" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from validate" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from validate" -l roundtrip -d 'Rehearse up, down, up of every migration on a scratch database'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from validate" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from validate" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from validate" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from validate" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from validate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from validate" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "up" -d 'Apply pending migrations (safe to run from several hosts at once)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "down" -d 'Revert applied migrations with their down scripts (backup and confirmation first)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show every migration: applied, pending, divergent (file changed) or missing (not in this taskdb)'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "validate" -d 'Check the migrations: every up has a down, applied checksums match; --roundtrip rehearses them'
complete -c taskdb -n "__fish_taskdb_using_subcommand migrate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -f -a "create" -d 'Back up the database with pg_dump -Fc into the backup directory, verified'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -f -a "list" -d 'List the backups in the backup directory (from their manifests) and interrupted ones'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -f -a "verify" -d 'Check that a backup is readable to the end and matches its manifest'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -f -a "restore" -d 'Restore a backup into a new database (--into) or over the current one'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -f -a "prune" -d 'Delete old backups from the backup directory (retention)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and not __fish_seen_subcommand_from create list verify restore prune help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from create" -l reason -d 'Why the backup is taken (recorded in the manifest and the file name)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from create" -l encrypt-to -d 'Encrypt with age to this recipient (age1…, as `age-keygen -y` prints it; repeatable); replaces backup.encrypt_to for this backup' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from create" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from create" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from create" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from create" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from create" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from create" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from create" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from list" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from list" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from list" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from list" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from list" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from verify" -l identity -d 'age identity file to decrypt an encrypted backup with (AGE-SECRET-KEY-1… lines, as age-keygen writes them; repeatable)' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from verify" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from verify" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from verify" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from verify" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from verify" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from verify" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from verify" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from verify" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from restore" -l into -d 'Restore into this new database instead of over the current one' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from restore" -l identity -d 'age identity file to decrypt an encrypted backup with (needed for one; repeatable)' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from restore" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from restore" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from restore" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from restore" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from restore" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from restore" -l no-backup -d 'Restoring over the current database: skip the safety backup of its current state'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from restore" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from restore" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from restore" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from restore" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from restore" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from prune" -l keep -d 'Keep this many newest backups of each database (at least 1)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from prune" -l older-than -d 'Delete only backups older than this (e.g. 14d, 36h, 2w)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from prune" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from prune" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from prune" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from prune" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from prune" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from prune" -l dry-run -d 'Show what would be deleted; delete nothing'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from prune" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from prune" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from prune" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from prune" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "create" -d 'Back up the database with pg_dump -Fc into the backup directory, verified'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the backups in the backup directory (from their manifests) and interrupted ones'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check that a backup is readable to the end and matches its manifest'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Restore a backup into a new database (--into) or over the current one'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Delete old backups from the backup directory (retention)'
complete -c taskdb -n "__fish_taskdb_using_subcommand backup; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "create" -d 'Create a task; prints its short id (json: the whole task)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "list" -d 'List tasks (filters, trigram search, keyset pagination)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "search" -d 'Find tasks by title and description, best matches first (same as `list --search`)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "show" -d 'Show one task: every field, dependencies, children, completion, workflows, history'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "tree" -d 'Draw the task hierarchy with statuses (all top-level tasks, or below one task)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "history" -d 'The audit trail of a task: who changed what, when, old → new'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "update" -d 'Change a task\'s fields (status has its own command: `task status`)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "status" -d 'Move a task to a new status along the allowed transitions'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "delete" -d 'Delete a task (refuses when it has children or dependents, unless --cascade)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "deps" -d 'Add, remove or list dependencies between tasks'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "next" -d 'The next task to work on (Task Master\'s choice); --claim takes it atomically'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "heartbeat" -d 'Extend the lease on a task you hold (only the holder may)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "release" -d 'Hand a task you hold back (pending again, claimable by others)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "import" -d 'Import a Task Master tasks.json (both shapes) in one transaction; idempotent'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "export" -d 'Export tasks as a Task Master tasks.json (tagged format)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and not __fish_seen_subcommand_from create list search show tree history update status delete deps next heartbeat release import export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -s d -l description -d 'One-paragraph description' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l details -d 'Implementation notes' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l test-strategy -d 'How to verify the task is done' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l type -d 'Kind of task (lower snake_case, e.g. feature, bug_fix, deployment)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -s p -l priority -d '0-10 (10 = most urgent) or low, medium, high, critical' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l complexity -d 'Estimated complexity, 1-10' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l max-attempts -d 'Attempts (claims) before the task is given up (failed) [default: [tasks] max_attempts]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l assign -d 'Who works on it' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l parent -d 'Parent task (makes this a subtask)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -s t -l tag -d 'Tag (repeatable; on update replaces the tags)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l requirement -d 'Requirement (repeatable; on update replaces the list)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l criterion -d 'Acceptance criterion (repeatable; on update replaces the list)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l file -d 'Affected file (repeatable; on update replaces the list)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l estimate -d 'Estimated hours' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l repo -d 'Repository URL' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l branch -d 'Git branch' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l pr -d 'Pull request number' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l linear -d 'Linear issue id' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l github -d 'GitHub issue number' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l meta -d 'Metadata entry key=value (repeatable; the value is stored as a string)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l meta-json -d 'Metadata as a JSON object (merged with --meta)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l depends-on -d 'Task this one depends on (repeatable)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -s s -l status -d 'Only these statuses (repeatable)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l assigned -d 'Only tasks assigned to WHO (`none` = unassigned)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l type -d 'Only this type' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -s t -l tag -d 'Only tasks carrying every given tag (repeatable)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l parent -d 'Only children of this task' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l search -d 'Rank by trigram similarity of title and description to TEXT' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l sort -d 'Order of the rows [default: id; relevance with --search]' -r -f -a "id\t'Short id, ascending'
priority\t'Priority, highest first (then id)'
created\t'Creation time, newest first (then id)'
updated\t'Last change, newest first (then id)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l limit -d 'At most N rows (0 = all)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l after -d 'Start after this task in the chosen order (keyset pagination)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l ready -d 'Only ready tasks: pending, in_progress or review with every blocking dependency completed'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l stale -d 'Only tasks whose lease has expired (the holder stopped heartbeating; the next claim, or `taskdb maintain`, hands them back)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from search" -l limit -d 'At most N rows' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from search" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from search" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from search" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from search" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from search" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from search" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from search" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from search" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from search" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from search" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from search" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from show" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from show" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from show" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from show" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from show" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from show" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from tree" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from tree" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from tree" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from tree" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from tree" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from tree" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from tree" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from tree" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from tree" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from tree" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from tree" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from history" -l limit -d 'Only the N newest entries' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from history" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from history" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from history" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from history" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from history" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from history" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from history" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from history" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from history" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from history" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l title -d 'New title (one line, at most 500 characters)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -s d -l description -d 'One-paragraph description' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l details -d 'Implementation notes' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l test-strategy -d 'How to verify the task is done' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l type -d 'Kind of task (lower snake_case, e.g. feature, bug_fix, deployment)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -s p -l priority -d '0-10 (10 = most urgent) or low, medium, high, critical' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l complexity -d 'Estimated complexity, 1-10' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l max-attempts -d 'Attempts (claims) before the task is given up (failed) [default: [tasks] max_attempts]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l assign -d 'Who works on it' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l parent -d 'Parent task (makes this a subtask)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -s t -l tag -d 'Tag (repeatable; on update replaces the tags)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l requirement -d 'Requirement (repeatable; on update replaces the list)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l criterion -d 'Acceptance criterion (repeatable; on update replaces the list)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l file -d 'Affected file (repeatable; on update replaces the list)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l estimate -d 'Estimated hours' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l repo -d 'Repository URL' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l branch -d 'Git branch' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l pr -d 'Pull request number' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l linear -d 'Linear issue id' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l github -d 'GitHub issue number' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l meta -d 'Metadata entry key=value (repeatable; the value is stored as a string)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l meta-json -d 'Metadata as a JSON object (merged with --meta)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l no-parent -d 'Make it a top-level task again'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l unassign -d 'Remove the assignee'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from update" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from status" -l note -d 'Why (kept with the status change)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from status" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from status" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from status" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from status" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from status" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from status" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from status" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from delete" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from delete" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from delete" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from delete" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from delete" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from delete" -l cascade -d 'Also delete every descendant and drop the dependencies of dependent tasks on it'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from delete" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -f -a "add" -d 'ID depends on DEPENDS_ON (a cycle is refused and spelled out)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -f -a "rm" -d 'Remove the dependency of ID on DEPENDS_ON'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -f -a "list" -d 'What ID waits for and what waits for ID'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from deps" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -s t -l tag -d 'Only tasks carrying this tag (e.g. a Task Master tag)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -l assign -d 'Assignee (the holder) for --claim [default: the actor]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -l lease -d 'How long the claim holds the task unless extended (30s, 15m, 2h, or off) [default: [tasks] lease, else 15m]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -l limit -d 'Claim up to N tasks in one statement (1-1000); prints one id per line (json: an array)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -l max-attempts -d 'Attempts before a task whose lease expired is given up [default: [tasks] max_attempts, else 3]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -l wait -d 'Nothing claimable: wait up to this long for a task to become claimable (LISTEN/NOTIFY; exit 4 if none does)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -l reconnect-for -d 'With --wait: while the database cannot be reached (a failover), keep reconnecting this long, then exit 6 [default: [tasks] reconnect_for, else 60s]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -l claim -d 'Take the task: mark it in_progress, assign and lease it, atomically'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from next" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from heartbeat" -l assign -d 'The holder [default: the actor]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from heartbeat" -l extend -d 'New lease length from now (e.g. 15m) [default: [tasks] lease, else 15m]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from heartbeat" -l attempt -d 'Only if the claim is still this attempt (what `task show` calls attempts)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from heartbeat" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from heartbeat" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from heartbeat" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from heartbeat" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from heartbeat" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from heartbeat" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from heartbeat" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from heartbeat" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from heartbeat" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from heartbeat" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from heartbeat" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from release" -l assign -d 'The holder [default: the actor]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from release" -l note -d 'Why (kept in last_outcome and the audit trail)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from release" -l attempt -d 'Only if the claim is still this attempt (what `task show` calls attempts)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from release" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from release" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from release" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from release" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from release" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from release" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from release" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from release" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from release" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from release" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from release" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from import" -s t -l tag -d 'Import only these tags (repeatable; default: every tag in the file)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from import" -l max-size -d 'Refuse a file larger than this (1048576, 512kB, 16MB, 1GB)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from import" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from import" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from import" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from import" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from import" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from import" -l dry-run -d 'Report what would be created and updated; change nothing'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from import" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from import" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from import" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from import" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from export" -s t -l tag -d 'Export only these tags (repeatable; default: all)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from export" -s o -l output -d 'Write to FILE instead of stdout' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from export" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from export" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from export" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from export" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from export" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from export" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from export" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from export" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from export" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from export" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a task; prints its short id (json: the whole task)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "list" -d 'List tasks (filters, trigram search, keyset pagination)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "search" -d 'Find tasks by title and description, best matches first (same as `list --search`)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one task: every field, dependencies, children, completion, workflows, history'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "tree" -d 'Draw the task hierarchy with statuses (all top-level tasks, or below one task)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "history" -d 'The audit trail of a task: who changed what, when, old → new'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "update" -d 'Change a task\'s fields (status has its own command: `task status`)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "status" -d 'Move a task to a new status along the allowed transitions'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a task (refuses when it has children or dependents, unless --cascade)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "deps" -d 'Add, remove or list dependencies between tasks'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "next" -d 'The next task to work on (Task Master\'s choice); --claim takes it atomically'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "heartbeat" -d 'Extend the lease on a task you hold (only the holder may)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "release" -d 'Hand a task you hold back (pending again, claimable by others)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "import" -d 'Import a Task Master tasks.json (both shapes) in one transaction; idempotent'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "export" -d 'Export tasks as a Task Master tasks.json (tagged format)'
complete -c taskdb -n "__fish_taskdb_using_subcommand task; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -f -a "create" -d 'Start tracking a workflow for a task; prints its short id (json: the workflow)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -f -a "list" -d 'List workflows'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -f -a "show" -d 'Show a workflow: fields, the step timeline with durations, errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -f -a "step" -d 'Record a step (starts the workflow; a failed step fails it; the last declared step completes it)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -f -a "complete" -d 'Mark a workflow completed'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -f -a "fail" -d 'Mark a workflow failed'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -f -a "cancel" -d 'Cancel a workflow'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -f -a "retry" -d 'Run a failed or timed-out workflow again (while retries are left)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -f -a "delete" -d 'Delete a workflow and its history of steps'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and not __fish_seen_subcommand_from create list show step complete fail cancel retry delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -l type -d 'standard, hotfix, rollback, deployment, validation or cleanup' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -l steps -d 'Number of steps; the workflow completes when that many distinct steps are done' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -l max-retries -d 'Retries allowed after a failure or timeout (0-100)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -l timeout-minutes -d 'A running workflow older than this is stuck (1-1440)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -s s -l status -d 'Only these statuses (repeatable)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -l task -d 'Only workflows of this task' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -l limit -d 'At most N rows (0 = all)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -l stuck -d 'Only running workflows past their timeout'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from show" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from show" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from show" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from show" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from show" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from show" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from step" -l status -r -f -a "running\t'The step started'
completed\t'The step finished successfully'
failed\t'The step failed (fails the workflow)'
skipped\t'The step was skipped (counts as done)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from step" -l result -d 'Result of the step (JSON)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from step" -l error -d 'Error text (for a failed step)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from step" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from step" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from step" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from step" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from step" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from step" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from step" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from step" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from step" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from step" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from step" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from complete" -l reason -d 'Why (appended to the error log)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from complete" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from complete" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from complete" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from complete" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from complete" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from complete" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from complete" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from complete" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from complete" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from complete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from complete" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from fail" -l reason -d 'Why (appended to the error log)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from fail" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from fail" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from fail" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from fail" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from fail" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from fail" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from fail" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from fail" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from fail" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from fail" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from fail" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from cancel" -l reason -d 'Why (appended to the error log)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from cancel" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from cancel" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from cancel" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from cancel" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from cancel" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from cancel" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from cancel" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from cancel" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from cancel" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from cancel" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from cancel" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from retry" -l reason -d 'Why (appended to the error log)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from retry" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from retry" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from retry" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from retry" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from retry" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from retry" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from retry" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from retry" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from retry" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from retry" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from retry" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from delete" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from delete" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from delete" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from delete" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from delete" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from delete" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "create" -d 'Start tracking a workflow for a task; prints its short id (json: the workflow)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "list" -d 'List workflows'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a workflow: fields, the step timeline with durations, errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "step" -d 'Record a step (starts the workflow; a failed step fails it; the last declared step completes it)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "complete" -d 'Mark a workflow completed'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "fail" -d 'Mark a workflow failed'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "cancel" -d 'Cancel a workflow'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "retry" -d 'Run a failed or timed-out workflow again (while retries are left)'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a workflow and its history of steps'
complete -c taskdb -n "__fish_taskdb_using_subcommand workflow; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -f -a "create" -d 'Create a login role of a kind (idempotent: an existing role of that kind is kept)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -f -a "list" -d 'List taskdb\'s login roles: kind, login, expiry, connections, last activity, leases'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -f -a "show" -d 'Show a role\'s attributes and its effective grants in this database'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -f -a "rotate" -d 'Give a role a new random password (SCRAM-SHA-256), written once to a 0600 file or stdout'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -f -a "drop" -d 'Drop a role; refused while it holds tasks unless --force, which hands them back first'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and not __fish_seen_subcommand_from create list show rotate drop help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -l kind -d 'What it is for: reader, agent or operator' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -l password-file -d 'Set the password to the first line of FILE (without a password the role logs in only where pg_hba.conf needs none: peer, cert, trust)' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -l secret-file -d 'Where the generated password goes: a new file of mode 0600 (replaced if there)' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -l valid-until -d 'The password stops working then: a date (2027-01-31, midnight UTC), an RFC 3339 time, or infinity' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -l connection-limit -d 'At most N sessions at once (-1: no limit)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -l generate -d 'Make up a random password (256 bits, hex); needs --secret-file or --stdout'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -l stdout -d 'Print the generated password on stdout (and nothing else there)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from list" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from list" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from list" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from list" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from list" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from list" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from show" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from show" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from show" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from show" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from show" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from show" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from show" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from rotate" -l secret-file -d 'Write the new password to this file, mode 0600 (replaced if there)' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from rotate" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from rotate" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from rotate" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from rotate" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from rotate" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from rotate" -l stdout -d 'Print the new password on stdout (and nothing else there)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from rotate" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from rotate" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from rotate" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from rotate" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from rotate" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from drop" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from drop" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from drop" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from drop" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from drop" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from drop" -l force -d 'Hand back the tasks it holds (pending again, audited) and drop it'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from drop" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from drop" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from drop" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from drop" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from drop" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from drop" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a login role of a kind (idempotent: an existing role of that kind is kept)'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from help" -f -a "list" -d 'List taskdb\'s login roles: kind, login, expiry, connections, last activity, leases'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a role\'s attributes and its effective grants in this database'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Give a role a new random password (SCRAM-SHA-256), written once to a 0600 file or stdout'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from help" -f -a "drop" -d 'Drop a role; refused while it holds tasks unless --force, which hands them back first'
complete -c taskdb -n "__fish_taskdb_using_subcommand role; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -s t -l tag -d 'Only tasks carrying this tag' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l type -d 'Only tasks of this type' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l concurrency -d 'Run up to N tasks at once (1-1000)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l lease -d 'The lease of each claim, extended every third of it while CMD runs (30s, 15m, 2h) [default: [tasks] lease, else 15m]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l max-attempts -d 'Attempts before a task is given up (failed) [default: the task\'s own, else [tasks] max_attempts, else 3]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l max-tasks -d 'Claim at most N tasks, then exit 0 when they are done' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l idle-exit -d 'Exit 0 after this long with nothing running and nothing to claim [default: never]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l grace -d 'On SIGINT/SIGTERM, how long running commands may still finish before they are stopped' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l assign -d 'The holder of the claims [default: the actor]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l reconnect-for -d 'While the database cannot be reached (a failover), keep trying this long, then exit 6 [default: [tasks] reconnect_for, else 60s]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l once -d 'Run one task, then exit with its outcome (0 completed, 1 not; 4 nothing to claim)'
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand worker" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -f -a "deploy" -d 'Create or update the tunnel, its ingress, DNS record and Access application (idempotent)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -f -a "status" -d 'Show the tunnel\'s status, connections, ingress, DNS record and Access application'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -f -a "token" -d 'Write the connector token to a 0600 file (or print it with --stdout)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -f -a "delete" -d 'Delete the DNS record, Access application, configuration, connections and tunnel'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and not __fish_seen_subcommand_from deploy status token delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l hostname -d 'Public hostname of the database, in a zone of your account (e.g. db.example.com)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l name -d 'Tunnel name (unique in the account)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l service -d 'Where the connector reaches PostgreSQL (tcp://HOST:PORT)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l connect-timeout -d 'Seconds the connector waits to connect to PostgreSQL' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l access-allow-email -d 'Allow this email through Access (repeatable)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l access-allow-email-domain -d 'Allow every email of this domain through Access (repeatable)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l access-service-token -d 'Allow an Access service token (created if missing; its secret goes to a 0600 file once)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l service-token-file -d 'Where a new service token\'s client id and secret are written [default: state dir]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l token-file -d 'Where to write the connector token [default: $XDG_STATE_HOME/taskdb/tunnel-NAME.token]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l api-token-file -d 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l no-access -d 'No Access application (anyone who can reach the hostname reaches PostgreSQL\'s login)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l force -d 'Replace a DNS record or Access application for HOSTNAME that taskdb did not create'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l dry-run -d 'Print the plan and change nothing'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from deploy" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from status" -l name -d 'Tunnel name' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from status" -l hostname -d 'The tunnel\'s hostname (only needed when taskdb cannot find it: no state, no ingress)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from status" -l api-token-file -d 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from status" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from status" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from status" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from status" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from status" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from status" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from status" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -l name -d 'Tunnel name' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -l hostname -d 'The tunnel\'s hostname (only needed when taskdb cannot find it: no state, no ingress)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -l api-token-file -d 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -l token-file -d 'Write the token here [default: $XDG_STATE_HOME/taskdb/tunnel-NAME.token]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -l stdout -d 'Print the token on stdout instead (it is a secret: pipe it, don\'t show it)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from token" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -l name -d 'Tunnel name' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -l hostname -d 'The tunnel\'s hostname (only needed when taskdb cannot find it: no state, no ingress)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -l api-token-file -d 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -l dry-run -d 'Print the plan and change nothing'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from help" -f -a "deploy" -d 'Create or update the tunnel, its ingress, DNS record and Access application (idempotent)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show the tunnel\'s status, connections, ingress, DNS record and Access application'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from help" -f -a "token" -d 'Write the connector token to a 0600 file (or print it with --stdout)'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete the DNS record, Access application, configuration, connections and tunnel'
complete -c taskdb -n "__fish_taskdb_using_subcommand tunnel; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and not __fish_seen_subcommand_from apply status help" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and not __fish_seen_subcommand_from apply status help" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and not __fish_seen_subcommand_from apply status help" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and not __fish_seen_subcommand_from apply status help" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and not __fish_seen_subcommand_from apply status help" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and not __fish_seen_subcommand_from apply status help" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and not __fish_seen_subcommand_from apply status help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and not __fish_seen_subcommand_from apply status help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and not __fish_seen_subcommand_from apply status help" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and not __fish_seen_subcommand_from apply status help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and not __fish_seen_subcommand_from apply status help" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and not __fish_seen_subcommand_from apply status help" -f -a "apply" -d 'Apply the policy: managed rulesets, custom rules, rate limiting, TLS settings'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and not __fish_seen_subcommand_from apply status help" -f -a "status" -d 'Show what is deployed and how it differs from the policy'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and not __fish_seen_subcommand_from apply status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -l policy -d 'TOML policy file (see the README); without it, the secure defaults' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -l zone -d 'Zone name (default: CLOUDFLARE_ZONE_ID, else the zone of the policy\'s first hostname)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -l api-token-file -d 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -l dry-run -d 'Print the plan and change nothing'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from apply" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from status" -l policy -d 'TOML policy file (see the README); without it, the secure defaults' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from status" -l zone -d 'Zone name (default: CLOUDFLARE_ZONE_ID, else the zone of the policy\'s first hostname)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from status" -l api-token-file -d 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from status" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from status" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from status" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from status" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from status" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from status" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from status" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from status" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from status" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from help" -f -a "apply" -d 'Apply the policy: managed rulesets, custom rules, rate limiting, TLS settings'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show what is deployed and how it differs from the policy'
complete -c taskdb -n "__fish_taskdb_using_subcommand waf; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l clients -d 'Concurrent connections' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l duration -d 'How long to measure (e.g. 10s, 2m, 500ms)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l warmup -d 'Unmeasured run-in before measuring' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l workload -d 'Which operations to run' -r -f -a "mixed\t'get 35%, list_ready 15%, create 15%, update_status 15%, claim 10%, metric 5%, api log 5%'
read\t'get 70%, list_ready 30%'
write\t'create 40%, update_status 40%, metric 10%, api log 10%'
claim\t'claim_next only (agents pulling work), measured against the minimal queue just before'
queue\t'the minimal queue\'s claim only (a bare FOR UPDATE SKIP LOCKED table; the anchor of claim)'
worker\t'taskdb worker\'s steps per task, minus the command: claim with a lease, heartbeat, complete; then the claim-to-start latency of new tasks'"
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l seed-rows -d 'Tasks to seed the scratch database with (and rows of the minimal queue to start with)' -r
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
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l pgbench-script -d 'Print a pgbench script with the same SQL and mix, then exit (see benches/compare.sh); with --workload queue, the minimal queue\'s claim'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand bench" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand mcp" -l tools -d 'Serve only these tools (comma-separated or repeated; see the list below)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand mcp" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand mcp" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand mcp" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand mcp" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand mcp" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand mcp" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand mcp" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand mcp" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand mcp" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand mcp" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand mcp" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -f -a "show" -d 'Print every effective setting and where it came from (secrets redacted)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -f -a "path" -d 'Print the config file in use (or where `config init` would write one)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -f -a "init" -d 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -f -a "check" -d 'Connect with the effective settings and report the server reached (a preflight check)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and not __fish_seen_subcommand_from show path init check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from show" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from path" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from init" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from check" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from check" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from check" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from check" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from check" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from check" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from check" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from check" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print every effective setting and where it came from (secrets redacted)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the config file in use (or where `config init` would write one)'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "init" -d 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise'
complete -c taskdb -n "__fish_taskdb_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Connect with the effective settings and report the server reached (a preflight check)'
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
complete -c taskdb -n "__fish_taskdb_using_subcommand completions" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand completions" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l check -d 'Run only these probes (comma-separated or repeated); see the list below' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l skip -d 'Skip these probes (comma-separated or repeated)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l warn -d 'Warning threshold NAME=VALUE, e.g. connections=80%, idle_in_transaction=30s, off disables' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l crit -d 'Critical threshold NAME=VALUE, e.g. replication_lag_bytes=1GB, standbys=1' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l timeout -d 'Bound on the whole run, connecting included [default: 10s; config health.timeout]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l textfile -d 'Also write the Prometheus output to FILE, atomically (temp file + rename in its directory)' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l alert-webhook -d 'POST a JSON alert to URL when the overall state changes [env: TASKDB_HEALTH_ALERT_WEBHOOK]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l patroni-url -d 'Patroni REST API the `patroni` probe asks, e.g. http://db1:8008 (several: comma-separated, tried in order) [config: health.patroni_url]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l tunnel -d 'Cloudflare Tunnel the `tunnel` probe looks at (and whose deployment `security` considers)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l alert-cooldown -d 'At most one alert per state within this time [default: 15m; config health.alert_cooldown]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l record -d 'Store every probe value in system_metrics (component "health") in one statement'
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand health" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -f -a "record" -d 'Record one sample'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -f -a "dump" -d 'Print samples, raw (paginated) or aggregated per time bucket'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -f -a "prune" -d 'Remove samples older than a given age: whole monthly partitions first, then rows'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and not __fish_seen_subcommand_from record dump prune help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -l type -d 'Metric type' -r -f -a "gauge\t''
counter\t''
histogram\t''
timer\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -l unit -d 'Unit: bytes, seconds, milliseconds, count, percent, requests_per_second, errors_per_minute' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -l component -d 'Component the sample belongs to, e.g. scheduler' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -l tag -d 'A tag key=value (repeatable)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from record" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -l name -d 'Only these metric names (repeatable)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -l component -d 'Only this component' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -l since -d 'From this time on: a duration back from now (1h, 7d) or RFC 3339' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -l until -d 'Before this time: a duration back from now or RFC 3339' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -l bucket -d 'Aggregate per time bucket of this size (1m, 1h, 1d; aligned to UTC epoch)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -l agg -d 'Aggregate used with --bucket' -r -f -a "avg\t''
min\t''
max\t''
sum\t''
count\t''
p50\t''
p95\t''
p99\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -l limit -d 'Raw samples per page' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -l offset -d 'Raw samples to skip (the next page starts at --offset + --limit)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from dump" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from prune" -l older-than -d 'Remove samples older than this (e.g. 30d, 12h)' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from prune" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from prune" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from prune" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from prune" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from prune" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from prune" -l dry-run -d 'Report what would be removed; change nothing'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from prune" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from prune" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from prune" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from prune" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from help" -f -a "record" -d 'Record one sample'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from help" -f -a "dump" -d 'Print samples, raw (paginated) or aggregated per time bucket'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Remove samples older than a given age: whole monthly partitions first, then rows'
complete -c taskdb -n "__fish_taskdb_using_subcommand metrics; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -l months-ahead -d 'Monthly partitions to keep ready after the current month [config maintain.months_ahead]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -l metrics-days -d 'Days of system_metrics to keep; 0 keeps all [config maintain.metrics_retention_days]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -l api-logs-days -d 'Days of api_access_logs to keep; 0 keeps all [config maintain.api_logs_retention_days]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -l audit-days -d 'Days of audit log to keep; 0 keeps all [config maintain.audit_retention_days]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -l database-url -d 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -l config -d 'Config file to read instead of the default search [env: TASKDB_CONFIG]' -r -F
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -l format -d 'Output format on stdout' -r -f -a "table\t'Tables for people (the default)'
json\t'One stable JSON document (snake_case keys, RFC 3339 timestamps)'
csv\t'Comma-separated values with a header row'
nagios\t'Nagios plugin output (health)'
prometheus\t'Prometheus text exposition (health, metrics dump)'"
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -l color -d 'When to use colour (NO_COLOR is honoured with auto)' -r -f -a "auto\t''
always\t''
never\t''"
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -l actor -d 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]' -r
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -l wait -d 'Wait for a maintain run in progress instead of skipping'
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -s q -l quiet -d 'Print only data and errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -s y -l yes -d 'Answer yes to confirmations (required for destructive commands without a terminal)'
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand maintain" -s V -l version -d 'Print version'
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
complete -c taskdb -n "__fish_taskdb_using_subcommand generate-man" -l read-only -d 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
complete -c taskdb -n "__fish_taskdb_using_subcommand generate-man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskdb -n "__fish_taskdb_using_subcommand generate-man" -s V -l version -d 'Print version'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "local" -d 'Manage the local PostgreSQL cluster taskdb uses when nothing else is configured'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "migrate" -d 'Apply, revert, inspect and rehearse schema migrations (backups taken automatically)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "backup" -d 'Create, list, verify and restore pg_dump backups'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "task" -d 'Create, find, claim and change tasks; import and export Task Master files'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "workflow" -d 'Track workflow runs of tasks: steps, failures, retries'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "role" -d 'Create, list, show, rotate and drop the database roles clients log in as'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "worker" -d 'Claim tasks and run a command for each: heartbeats, retries, graceful stop'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "tunnel" -d 'Expose the database through a Cloudflare Tunnel behind Cloudflare Access'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "waf" -d 'Apply the zone\'s WAF rules, rate limiting and TLS settings from a policy'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "bench" -d 'Load-test the database with the seed system\'s operations (scratch database, dropped after)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "mcp" -d 'Serve the task database to AI agents over the Model Context Protocol (stdio)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "config" -d 'Show, locate or create the configuration'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "completions" -d 'Print a shell completion script'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "health" -d 'Check the database: Nagios exit codes, Prometheus textfile, alerts'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "metrics" -d 'Record, print and expire samples in system_metrics'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "maintain" -d 'Partitions ahead, retention, ANALYZE: the one cron entry for upkeep'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "generate-man" -d 'Write man pages into a directory (used to regenerate man/)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and not __fish_seen_subcommand_from local migrate backup task workflow role worker tunnel waf bench mcp config completions health metrics maintain generate-man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "start" -d 'Create (first time) and start the local cluster; does nothing if it is running'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "stop" -d 'Stop the local cluster'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "status" -d 'Show whether the local cluster runs, its pid, port, version and data directory'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "url" -d 'Print a connection URL for the local cluster (Unix socket; for psql, pg_dump, …)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from local" -f -a "destroy" -d 'Stop the local cluster and delete its data (asks first; --yes to skip)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "up" -d 'Apply pending migrations (safe to run from several hosts at once)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "down" -d 'Revert applied migrations with their down scripts (backup and confirmation first)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "status" -d 'Show every migration: applied, pending, divergent (file changed) or missing (not in this taskdb)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from migrate" -f -a "validate" -d 'Check the migrations: every up has a down, applied checksums match; --roundtrip rehearses them'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "create" -d 'Back up the database with pg_dump -Fc into the backup directory, verified'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "list" -d 'List the backups in the backup directory (from their manifests) and interrupted ones'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "verify" -d 'Check that a backup is readable to the end and matches its manifest'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "restore" -d 'Restore a backup into a new database (--into) or over the current one'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from backup" -f -a "prune" -d 'Delete old backups from the backup directory (retention)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "create" -d 'Create a task; prints its short id (json: the whole task)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "list" -d 'List tasks (filters, trigram search, keyset pagination)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "search" -d 'Find tasks by title and description, best matches first (same as `list --search`)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "show" -d 'Show one task: every field, dependencies, children, completion, workflows, history'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "tree" -d 'Draw the task hierarchy with statuses (all top-level tasks, or below one task)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "history" -d 'The audit trail of a task: who changed what, when, old → new'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "update" -d 'Change a task\'s fields (status has its own command: `task status`)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "status" -d 'Move a task to a new status along the allowed transitions'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "delete" -d 'Delete a task (refuses when it has children or dependents, unless --cascade)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "deps" -d 'Add, remove or list dependencies between tasks'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "next" -d 'The next task to work on (Task Master\'s choice); --claim takes it atomically'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "heartbeat" -d 'Extend the lease on a task you hold (only the holder may)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "release" -d 'Hand a task you hold back (pending again, claimable by others)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "import" -d 'Import a Task Master tasks.json (both shapes) in one transaction; idempotent'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from task" -f -a "export" -d 'Export tasks as a Task Master tasks.json (tagged format)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from workflow" -f -a "create" -d 'Start tracking a workflow for a task; prints its short id (json: the workflow)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from workflow" -f -a "list" -d 'List workflows'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from workflow" -f -a "show" -d 'Show a workflow: fields, the step timeline with durations, errors'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from workflow" -f -a "step" -d 'Record a step (starts the workflow; a failed step fails it; the last declared step completes it)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from workflow" -f -a "complete" -d 'Mark a workflow completed'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from workflow" -f -a "fail" -d 'Mark a workflow failed'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from workflow" -f -a "cancel" -d 'Cancel a workflow'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from workflow" -f -a "retry" -d 'Run a failed or timed-out workflow again (while retries are left)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from workflow" -f -a "delete" -d 'Delete a workflow and its history of steps'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from role" -f -a "create" -d 'Create a login role of a kind (idempotent: an existing role of that kind is kept)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from role" -f -a "list" -d 'List taskdb\'s login roles: kind, login, expiry, connections, last activity, leases'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from role" -f -a "show" -d 'Show a role\'s attributes and its effective grants in this database'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from role" -f -a "rotate" -d 'Give a role a new random password (SCRAM-SHA-256), written once to a 0600 file or stdout'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from role" -f -a "drop" -d 'Drop a role; refused while it holds tasks unless --force, which hands them back first'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from tunnel" -f -a "deploy" -d 'Create or update the tunnel, its ingress, DNS record and Access application (idempotent)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from tunnel" -f -a "status" -d 'Show the tunnel\'s status, connections, ingress, DNS record and Access application'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from tunnel" -f -a "token" -d 'Write the connector token to a 0600 file (or print it with --stdout)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from tunnel" -f -a "delete" -d 'Delete the DNS record, Access application, configuration, connections and tunnel'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from waf" -f -a "apply" -d 'Apply the policy: managed rulesets, custom rules, rate limiting, TLS settings'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from waf" -f -a "status" -d 'Show what is deployed and how it differs from the policy'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print every effective setting and where it came from (secrets redacted)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the config file in use (or where `config init` would write one)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "init" -d 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Connect with the effective settings and report the server reached (a preflight check)'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from metrics" -f -a "record" -d 'Record one sample'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from metrics" -f -a "dump" -d 'Print samples, raw (paginated) or aggregated per time bucket'
complete -c taskdb -n "__fish_taskdb_using_subcommand help; and __fish_seen_subcommand_from metrics" -f -a "prune" -d 'Remove samples older than a given age: whole monthly partitions first, then rows'
