
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'taskdb' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'taskdb'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'taskdb' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('local', 'local', [CompletionResultType]::ParameterValue, 'Manage the local PostgreSQL cluster taskdb uses when nothing else is configured')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply, revert, inspect and rehearse schema migrations (backups taken automatically)')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Create, list, verify and restore pg_dump backups')
            [CompletionResult]::new('task', 'task', [CompletionResultType]::ParameterValue, 'Create, find, claim and change tasks; import and export Task Master files')
            [CompletionResult]::new('workflow', 'workflow', [CompletionResultType]::ParameterValue, 'Track workflow runs of tasks: steps, failures, retries')
            [CompletionResult]::new('role', 'role', [CompletionResultType]::ParameterValue, 'Create, list, show, rotate and drop the database roles clients log in as')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Claim tasks and run a command for each: heartbeats, retries, graceful stop')
            [CompletionResult]::new('tunnel', 'tunnel', [CompletionResultType]::ParameterValue, 'Expose the database through a Cloudflare Tunnel behind Cloudflare Access')
            [CompletionResult]::new('waf', 'waf', [CompletionResultType]::ParameterValue, 'Apply the zone''s WAF rules, rate limiting and TLS settings from a policy')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Load-test the database with the seed system''s operations (scratch database, dropped after)')
            [CompletionResult]::new('mcp', 'mcp', [CompletionResultType]::ParameterValue, 'Serve the task database to AI agents over the Model Context Protocol (stdio)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show, locate or create the configuration')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Check the database: Nagios exit codes, Prometheus textfile, alerts')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Record, print and expire samples in system_metrics')
            [CompletionResult]::new('maintain', 'maintain', [CompletionResultType]::ParameterValue, 'Partitions ahead, retention, ANALYZE: the one cron entry for upkeep')
            [CompletionResult]::new('generate-man', 'generate-man', [CompletionResultType]::ParameterValue, 'Write man pages into a directory (used to regenerate man/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;local' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Create (first time) and start the local cluster; does nothing if it is running')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop the local cluster')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show whether the local cluster runs, its pid, port, version and data directory')
            [CompletionResult]::new('url', 'url', [CompletionResultType]::ParameterValue, 'Print a connection URL for the local cluster (Unix socket; for psql, pg_dump, …)')
            [CompletionResult]::new('destroy', 'destroy', [CompletionResultType]::ParameterValue, 'Stop the local cluster and delete its data (asks first; --yes to skip)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;local;start' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;local;stop' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;local;status' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;local;url' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;local;destroy' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;local;help' {
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Create (first time) and start the local cluster; does nothing if it is running')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop the local cluster')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show whether the local cluster runs, its pid, port, version and data directory')
            [CompletionResult]::new('url', 'url', [CompletionResultType]::ParameterValue, 'Print a connection URL for the local cluster (Unix socket; for psql, pg_dump, …)')
            [CompletionResult]::new('destroy', 'destroy', [CompletionResultType]::ParameterValue, 'Stop the local cluster and delete its data (asks first; --yes to skip)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;local;help;start' {
            break
        }
        'taskdb;local;help;stop' {
            break
        }
        'taskdb;local;help;status' {
            break
        }
        'taskdb;local;help;url' {
            break
        }
        'taskdb;local;help;destroy' {
            break
        }
        'taskdb;local;help;help' {
            break
        }
        'taskdb;migrate' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Apply pending migrations (safe to run from several hosts at once)')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Revert applied migrations with their down scripts (backup and confirmation first)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show every migration: applied, pending, divergent (file changed) or missing (not in this taskdb)')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the migrations: every up has a down, applied checksums match; --roundtrip rehearses them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;migrate;up' {
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Stop after this version (default: the newest)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds a DDL statement may wait for a table lock before the migration is rolled back and retried [config: migrate.lock_timeout] [default: 5]')
            [CompletionResult]::new('--lock-wait', '--lock-wait', [CompletionResultType]::ParameterName, 'Seconds to wait for another run holding the migration lock [config: migrate.lock_wait] [default: 60]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the SQL that would run; change nothing')
            [CompletionResult]::new('--no-backup', '--no-backup', [CompletionResultType]::ParameterName, 'Do not take a backup first, even when the database holds data')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;migrate;down' {
            [CompletionResult]::new('--steps', '--steps', [CompletionResultType]::ParameterName, 'How many migrations to revert (default 1)')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Revert down to this version, which stays applied (0: revert everything)')
            [CompletionResult]::new('--lock-timeout', '--lock-timeout', [CompletionResultType]::ParameterName, 'Seconds a DDL statement may wait for a table lock before the migration is rolled back and retried [config: migrate.lock_timeout] [default: 5]')
            [CompletionResult]::new('--lock-wait', '--lock-wait', [CompletionResultType]::ParameterName, 'Seconds to wait for another run holding the migration lock [config: migrate.lock_wait] [default: 60]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the SQL that would run; change nothing')
            [CompletionResult]::new('--no-backup', '--no-backup', [CompletionResultType]::ParameterName, 'Do not take a backup first')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;migrate;status' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Exit 1 when anything is pending, divergent or missing (for CI gates)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;migrate;validate' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--roundtrip', '--roundtrip', [CompletionResultType]::ParameterName, 'Rehearse up, down, up of every migration on a scratch database')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;migrate;help' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Apply pending migrations (safe to run from several hosts at once)')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Revert applied migrations with their down scripts (backup and confirmation first)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show every migration: applied, pending, divergent (file changed) or missing (not in this taskdb)')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the migrations: every up has a down, applied checksums match; --roundtrip rehearses them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;migrate;help;up' {
            break
        }
        'taskdb;migrate;help;down' {
            break
        }
        'taskdb;migrate;help;status' {
            break
        }
        'taskdb;migrate;help;validate' {
            break
        }
        'taskdb;migrate;help;help' {
            break
        }
        'taskdb;backup' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Back up the database with pg_dump -Fc into the backup directory, verified')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the backups in the backup directory (from their manifests) and interrupted ones')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check that a backup is readable to the end and matches its manifest')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup into a new database (--into) or over the current one')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete old backups from the backup directory (retention)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;backup;create' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why the backup is taken (recorded in the manifest and the file name)')
            [CompletionResult]::new('--encrypt-to', '--encrypt-to', [CompletionResultType]::ParameterName, 'Encrypt with age to this recipient (age1…, as `age-keygen -y` prints it; repeatable); replaces backup.encrypt_to for this backup')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;backup;list' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;backup;verify' {
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'age identity file to decrypt an encrypted backup with (AGE-SECRET-KEY-1… lines, as age-keygen writes them; repeatable)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;backup;restore' {
            [CompletionResult]::new('--into', '--into', [CompletionResultType]::ParameterName, 'Restore into this new database instead of over the current one')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'age identity file to decrypt an encrypted backup with (needed for one; repeatable)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--no-backup', '--no-backup', [CompletionResultType]::ParameterName, 'Restoring over the current database: skip the safety backup of its current state')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;backup;prune' {
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep this many newest backups of each database (at least 1)')
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Delete only backups older than this (e.g. 14d, 36h, 2w)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be deleted; delete nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;backup;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Back up the database with pg_dump -Fc into the backup directory, verified')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the backups in the backup directory (from their manifests) and interrupted ones')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check that a backup is readable to the end and matches its manifest')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup into a new database (--into) or over the current one')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete old backups from the backup directory (retention)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;backup;help;create' {
            break
        }
        'taskdb;backup;help;list' {
            break
        }
        'taskdb;backup;help;verify' {
            break
        }
        'taskdb;backup;help;restore' {
            break
        }
        'taskdb;backup;help;prune' {
            break
        }
        'taskdb;backup;help;help' {
            break
        }
        'taskdb;task' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a task; prints its short id (json: the whole task)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tasks (filters, trigram search, keyset pagination)')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Find tasks by title and description, best matches first (same as `list --search`)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one task: every field, dependencies, children, completion, workflows, history')
            [CompletionResult]::new('tree', 'tree', [CompletionResultType]::ParameterValue, 'Draw the task hierarchy with statuses (all top-level tasks, or below one task)')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'The audit trail of a task: who changed what, when, old → new')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Change a task''s fields (status has its own command: `task status`)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Move a task to a new status along the allowed transitions')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a task (refuses when it has children or dependents, unless --cascade)')
            [CompletionResult]::new('deps', 'deps', [CompletionResultType]::ParameterValue, 'Add, remove or list dependencies between tasks')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'The next task to work on (Task Master''s choice); --claim takes it atomically')
            [CompletionResult]::new('heartbeat', 'heartbeat', [CompletionResultType]::ParameterValue, 'Extend the lease on a task you hold (only the holder may)')
            [CompletionResult]::new('release', 'release', [CompletionResultType]::ParameterValue, 'Hand a task you hold back (pending again, claimable by others)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import a Task Master tasks.json (both shapes) in one transaction; idempotent')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export tasks as a Task Master tasks.json (tagged format)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;task;create' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'One-paragraph description')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'One-paragraph description')
            [CompletionResult]::new('--details', '--details', [CompletionResultType]::ParameterName, 'Implementation notes')
            [CompletionResult]::new('--test-strategy', '--test-strategy', [CompletionResultType]::ParameterName, 'How to verify the task is done')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Kind of task (lower snake_case, e.g. feature, bug_fix, deployment)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, '0-10 (10 = most urgent) or low, medium, high, critical')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, '0-10 (10 = most urgent) or low, medium, high, critical')
            [CompletionResult]::new('--complexity', '--complexity', [CompletionResultType]::ParameterName, 'Estimated complexity, 1-10')
            [CompletionResult]::new('--max-attempts', '--max-attempts', [CompletionResultType]::ParameterName, 'Attempts (claims) before the task is given up (failed) [default: [tasks] max_attempts]')
            [CompletionResult]::new('--assign', '--assign', [CompletionResultType]::ParameterName, 'Who works on it')
            [CompletionResult]::new('--parent', '--parent', [CompletionResultType]::ParameterName, 'Parent task (makes this a subtask)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tag (repeatable; on update replaces the tags)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Tag (repeatable; on update replaces the tags)')
            [CompletionResult]::new('--requirement', '--requirement', [CompletionResultType]::ParameterName, 'Requirement (repeatable; on update replaces the list)')
            [CompletionResult]::new('--criterion', '--criterion', [CompletionResultType]::ParameterName, 'Acceptance criterion (repeatable; on update replaces the list)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Affected file (repeatable; on update replaces the list)')
            [CompletionResult]::new('--estimate', '--estimate', [CompletionResultType]::ParameterName, 'Estimated hours')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository URL')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'Git branch')
            [CompletionResult]::new('--pr', '--pr', [CompletionResultType]::ParameterName, 'Pull request number')
            [CompletionResult]::new('--linear', '--linear', [CompletionResultType]::ParameterName, 'Linear issue id')
            [CompletionResult]::new('--github', '--github', [CompletionResultType]::ParameterName, 'GitHub issue number')
            [CompletionResult]::new('--meta', '--meta', [CompletionResultType]::ParameterName, 'Metadata entry key=value (repeatable; the value is stored as a string)')
            [CompletionResult]::new('--meta-json', '--meta-json', [CompletionResultType]::ParameterName, 'Metadata as a JSON object (merged with --meta)')
            [CompletionResult]::new('--depends-on', '--depends-on', [CompletionResultType]::ParameterName, 'Task this one depends on (repeatable)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;list' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Only these statuses (repeatable)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only these statuses (repeatable)')
            [CompletionResult]::new('--assigned', '--assigned', [CompletionResultType]::ParameterName, 'Only tasks assigned to WHO (`none` = unassigned)')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Only this type')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Only tasks carrying every given tag (repeatable)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Only tasks carrying every given tag (repeatable)')
            [CompletionResult]::new('--parent', '--parent', [CompletionResultType]::ParameterName, 'Only children of this task')
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'Rank by trigram similarity of title and description to TEXT')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the rows [default: id; relevance with --search]')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most N rows (0 = all)')
            [CompletionResult]::new('--after', '--after', [CompletionResultType]::ParameterName, 'Start after this task in the chosen order (keyset pagination)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--ready', '--ready', [CompletionResultType]::ParameterName, 'Only ready tasks: pending, in_progress or review with every blocking dependency completed')
            [CompletionResult]::new('--stale', '--stale', [CompletionResultType]::ParameterName, 'Only tasks whose lease has expired (the holder stopped heartbeating; the next claim, or `taskdb maintain`, hands them back)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;search' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most N rows')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;show' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;tree' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;history' {
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Only the N newest entries')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;update' {
            [CompletionResult]::new('--title', '--title', [CompletionResultType]::ParameterName, 'New title (one line, at most 500 characters)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'One-paragraph description')
            [CompletionResult]::new('--description', '--description', [CompletionResultType]::ParameterName, 'One-paragraph description')
            [CompletionResult]::new('--details', '--details', [CompletionResultType]::ParameterName, 'Implementation notes')
            [CompletionResult]::new('--test-strategy', '--test-strategy', [CompletionResultType]::ParameterName, 'How to verify the task is done')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Kind of task (lower snake_case, e.g. feature, bug_fix, deployment)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, '0-10 (10 = most urgent) or low, medium, high, critical')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, '0-10 (10 = most urgent) or low, medium, high, critical')
            [CompletionResult]::new('--complexity', '--complexity', [CompletionResultType]::ParameterName, 'Estimated complexity, 1-10')
            [CompletionResult]::new('--max-attempts', '--max-attempts', [CompletionResultType]::ParameterName, 'Attempts (claims) before the task is given up (failed) [default: [tasks] max_attempts]')
            [CompletionResult]::new('--assign', '--assign', [CompletionResultType]::ParameterName, 'Who works on it')
            [CompletionResult]::new('--parent', '--parent', [CompletionResultType]::ParameterName, 'Parent task (makes this a subtask)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Tag (repeatable; on update replaces the tags)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Tag (repeatable; on update replaces the tags)')
            [CompletionResult]::new('--requirement', '--requirement', [CompletionResultType]::ParameterName, 'Requirement (repeatable; on update replaces the list)')
            [CompletionResult]::new('--criterion', '--criterion', [CompletionResultType]::ParameterName, 'Acceptance criterion (repeatable; on update replaces the list)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Affected file (repeatable; on update replaces the list)')
            [CompletionResult]::new('--estimate', '--estimate', [CompletionResultType]::ParameterName, 'Estimated hours')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Repository URL')
            [CompletionResult]::new('--branch', '--branch', [CompletionResultType]::ParameterName, 'Git branch')
            [CompletionResult]::new('--pr', '--pr', [CompletionResultType]::ParameterName, 'Pull request number')
            [CompletionResult]::new('--linear', '--linear', [CompletionResultType]::ParameterName, 'Linear issue id')
            [CompletionResult]::new('--github', '--github', [CompletionResultType]::ParameterName, 'GitHub issue number')
            [CompletionResult]::new('--meta', '--meta', [CompletionResultType]::ParameterName, 'Metadata entry key=value (repeatable; the value is stored as a string)')
            [CompletionResult]::new('--meta-json', '--meta-json', [CompletionResultType]::ParameterName, 'Metadata as a JSON object (merged with --meta)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--no-parent', '--no-parent', [CompletionResultType]::ParameterName, 'Make it a top-level task again')
            [CompletionResult]::new('--unassign', '--unassign', [CompletionResultType]::ParameterName, 'Remove the assignee')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;status' {
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'Why (kept with the status change)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;delete' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--cascade', '--cascade', [CompletionResultType]::ParameterName, 'Also delete every descendant and drop the dependencies of dependent tasks on it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;deps' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'ID depends on DEPENDS_ON (a cycle is refused and spelled out)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove the dependency of ID on DEPENDS_ON')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'What ID waits for and what waits for ID')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;task;deps;add' {
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'type')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;deps;rm' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;deps;list' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;deps;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'ID depends on DEPENDS_ON (a cycle is refused and spelled out)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove the dependency of ID on DEPENDS_ON')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'What ID waits for and what waits for ID')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;task;deps;help;add' {
            break
        }
        'taskdb;task;deps;help;rm' {
            break
        }
        'taskdb;task;deps;help;list' {
            break
        }
        'taskdb;task;deps;help;help' {
            break
        }
        'taskdb;task;next' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Only tasks carrying this tag (e.g. a Task Master tag)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Only tasks carrying this tag (e.g. a Task Master tag)')
            [CompletionResult]::new('--assign', '--assign', [CompletionResultType]::ParameterName, 'Assignee (the holder) for --claim [default: the actor]')
            [CompletionResult]::new('--lease', '--lease', [CompletionResultType]::ParameterName, 'How long the claim holds the task unless extended (30s, 15m, 2h, or off) [default: [tasks] lease, else 15m]')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Claim up to N tasks in one statement (1-1000); prints one id per line (json: an array)')
            [CompletionResult]::new('--max-attempts', '--max-attempts', [CompletionResultType]::ParameterName, 'Attempts before a task whose lease expired is given up [default: [tasks] max_attempts, else 3]')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Nothing claimable: wait up to this long for a task to become claimable (LISTEN/NOTIFY; exit 4 if none does)')
            [CompletionResult]::new('--reconnect-for', '--reconnect-for', [CompletionResultType]::ParameterName, 'With --wait: while the database cannot be reached (a failover), keep reconnecting this long, then exit 6 [default: [tasks] reconnect_for, else 60s]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--claim', '--claim', [CompletionResultType]::ParameterName, 'Take the task: mark it in_progress, assign and lease it, atomically')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;heartbeat' {
            [CompletionResult]::new('--assign', '--assign', [CompletionResultType]::ParameterName, 'The holder [default: the actor]')
            [CompletionResult]::new('--extend', '--extend', [CompletionResultType]::ParameterName, 'New lease length from now (e.g. 15m) [default: [tasks] lease, else 15m]')
            [CompletionResult]::new('--attempt', '--attempt', [CompletionResultType]::ParameterName, 'Only if the claim is still this attempt (what `task show` calls attempts)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;release' {
            [CompletionResult]::new('--assign', '--assign', [CompletionResultType]::ParameterName, 'The holder [default: the actor]')
            [CompletionResult]::new('--note', '--note', [CompletionResultType]::ParameterName, 'Why (kept in last_outcome and the audit trail)')
            [CompletionResult]::new('--attempt', '--attempt', [CompletionResultType]::ParameterName, 'Only if the claim is still this attempt (what `task show` calls attempts)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;import' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Import only these tags (repeatable; default: every tag in the file)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Import only these tags (repeatable; default: every tag in the file)')
            [CompletionResult]::new('--max-size', '--max-size', [CompletionResultType]::ParameterName, 'Refuse a file larger than this (1048576, 512kB, 16MB, 1GB)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would be created and updated; change nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;export' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Export only these tags (repeatable; default: all)')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Export only these tags (repeatable; default: all)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write to FILE instead of stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write to FILE instead of stdout')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;task;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a task; prints its short id (json: the whole task)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tasks (filters, trigram search, keyset pagination)')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Find tasks by title and description, best matches first (same as `list --search`)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one task: every field, dependencies, children, completion, workflows, history')
            [CompletionResult]::new('tree', 'tree', [CompletionResultType]::ParameterValue, 'Draw the task hierarchy with statuses (all top-level tasks, or below one task)')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'The audit trail of a task: who changed what, when, old → new')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Change a task''s fields (status has its own command: `task status`)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Move a task to a new status along the allowed transitions')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a task (refuses when it has children or dependents, unless --cascade)')
            [CompletionResult]::new('deps', 'deps', [CompletionResultType]::ParameterValue, 'Add, remove or list dependencies between tasks')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'The next task to work on (Task Master''s choice); --claim takes it atomically')
            [CompletionResult]::new('heartbeat', 'heartbeat', [CompletionResultType]::ParameterValue, 'Extend the lease on a task you hold (only the holder may)')
            [CompletionResult]::new('release', 'release', [CompletionResultType]::ParameterValue, 'Hand a task you hold back (pending again, claimable by others)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import a Task Master tasks.json (both shapes) in one transaction; idempotent')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export tasks as a Task Master tasks.json (tagged format)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;task;help;create' {
            break
        }
        'taskdb;task;help;list' {
            break
        }
        'taskdb;task;help;search' {
            break
        }
        'taskdb;task;help;show' {
            break
        }
        'taskdb;task;help;tree' {
            break
        }
        'taskdb;task;help;history' {
            break
        }
        'taskdb;task;help;update' {
            break
        }
        'taskdb;task;help;status' {
            break
        }
        'taskdb;task;help;delete' {
            break
        }
        'taskdb;task;help;deps' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'ID depends on DEPENDS_ON (a cycle is refused and spelled out)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove the dependency of ID on DEPENDS_ON')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'What ID waits for and what waits for ID')
            break
        }
        'taskdb;task;help;deps;add' {
            break
        }
        'taskdb;task;help;deps;rm' {
            break
        }
        'taskdb;task;help;deps;list' {
            break
        }
        'taskdb;task;help;next' {
            break
        }
        'taskdb;task;help;heartbeat' {
            break
        }
        'taskdb;task;help;release' {
            break
        }
        'taskdb;task;help;import' {
            break
        }
        'taskdb;task;help;export' {
            break
        }
        'taskdb;task;help;help' {
            break
        }
        'taskdb;workflow' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Start tracking a workflow for a task; prints its short id (json: the workflow)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List workflows')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a workflow: fields, the step timeline with durations, errors')
            [CompletionResult]::new('step', 'step', [CompletionResultType]::ParameterValue, 'Record a step (starts the workflow; a failed step fails it; the last declared step completes it)')
            [CompletionResult]::new('complete', 'complete', [CompletionResultType]::ParameterValue, 'Mark a workflow completed')
            [CompletionResult]::new('fail', 'fail', [CompletionResultType]::ParameterValue, 'Mark a workflow failed')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a workflow')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Run a failed or timed-out workflow again (while retries are left)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a workflow and its history of steps')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;workflow;create' {
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'standard, hotfix, rollback, deployment, validation or cleanup')
            [CompletionResult]::new('--steps', '--steps', [CompletionResultType]::ParameterName, 'Number of steps; the workflow completes when that many distinct steps are done')
            [CompletionResult]::new('--max-retries', '--max-retries', [CompletionResultType]::ParameterName, 'Retries allowed after a failure or timeout (0-100)')
            [CompletionResult]::new('--timeout-minutes', '--timeout-minutes', [CompletionResultType]::ParameterName, 'A running workflow older than this is stuck (1-1440)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;workflow;list' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Only these statuses (repeatable)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'Only these statuses (repeatable)')
            [CompletionResult]::new('--task', '--task', [CompletionResultType]::ParameterName, 'Only workflows of this task')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most N rows (0 = all)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--stuck', '--stuck', [CompletionResultType]::ParameterName, 'Only running workflows past their timeout')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;workflow;show' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;workflow;step' {
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'status')
            [CompletionResult]::new('--result', '--result', [CompletionResultType]::ParameterName, 'Result of the step (JSON)')
            [CompletionResult]::new('--error', '--error', [CompletionResultType]::ParameterName, 'Error text (for a failed step)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;workflow;complete' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (appended to the error log)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;workflow;fail' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (appended to the error log)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;workflow;cancel' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (appended to the error log)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;workflow;retry' {
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (appended to the error log)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;workflow;delete' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;workflow;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Start tracking a workflow for a task; prints its short id (json: the workflow)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List workflows')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a workflow: fields, the step timeline with durations, errors')
            [CompletionResult]::new('step', 'step', [CompletionResultType]::ParameterValue, 'Record a step (starts the workflow; a failed step fails it; the last declared step completes it)')
            [CompletionResult]::new('complete', 'complete', [CompletionResultType]::ParameterValue, 'Mark a workflow completed')
            [CompletionResult]::new('fail', 'fail', [CompletionResultType]::ParameterValue, 'Mark a workflow failed')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a workflow')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Run a failed or timed-out workflow again (while retries are left)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a workflow and its history of steps')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;workflow;help;create' {
            break
        }
        'taskdb;workflow;help;list' {
            break
        }
        'taskdb;workflow;help;show' {
            break
        }
        'taskdb;workflow;help;step' {
            break
        }
        'taskdb;workflow;help;complete' {
            break
        }
        'taskdb;workflow;help;fail' {
            break
        }
        'taskdb;workflow;help;cancel' {
            break
        }
        'taskdb;workflow;help;retry' {
            break
        }
        'taskdb;workflow;help;delete' {
            break
        }
        'taskdb;workflow;help;help' {
            break
        }
        'taskdb;role' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a login role of a kind (idempotent: an existing role of that kind is kept)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List taskdb''s login roles: kind, login, expiry, connections, last activity, leases')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a role''s attributes and its effective grants in this database')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Give a role a new random password (SCRAM-SHA-256), written once to a 0600 file or stdout')
            [CompletionResult]::new('drop', 'drop', [CompletionResultType]::ParameterValue, 'Drop a role; refused while it holds tasks unless --force, which hands them back first')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;role;create' {
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'What it is for: reader, agent or operator')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Set the password to the first line of FILE (without a password the role logs in only where pg_hba.conf needs none: peer, cert, trust)')
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'Where the generated password goes: a new file of mode 0600 (replaced if there)')
            [CompletionResult]::new('--valid-until', '--valid-until', [CompletionResultType]::ParameterName, 'The password stops working then: a date (2027-01-31, midnight UTC), an RFC 3339 time, or infinity')
            [CompletionResult]::new('--connection-limit', '--connection-limit', [CompletionResultType]::ParameterName, 'At most N sessions at once (-1: no limit)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Make up a random password (256 bits, hex); needs --secret-file or --stdout')
            [CompletionResult]::new('--stdout', '--stdout', [CompletionResultType]::ParameterName, 'Print the generated password on stdout (and nothing else there)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;role;list' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;role;show' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;role;rotate' {
            [CompletionResult]::new('--secret-file', '--secret-file', [CompletionResultType]::ParameterName, 'Write the new password to this file, mode 0600 (replaced if there)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--stdout', '--stdout', [CompletionResultType]::ParameterName, 'Print the new password on stdout (and nothing else there)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;role;drop' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Hand back the tasks it holds (pending again, audited) and drop it')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;role;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a login role of a kind (idempotent: an existing role of that kind is kept)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List taskdb''s login roles: kind, login, expiry, connections, last activity, leases')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a role''s attributes and its effective grants in this database')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Give a role a new random password (SCRAM-SHA-256), written once to a 0600 file or stdout')
            [CompletionResult]::new('drop', 'drop', [CompletionResultType]::ParameterValue, 'Drop a role; refused while it holds tasks unless --force, which hands them back first')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;role;help;create' {
            break
        }
        'taskdb;role;help;list' {
            break
        }
        'taskdb;role;help;show' {
            break
        }
        'taskdb;role;help;rotate' {
            break
        }
        'taskdb;role;help;drop' {
            break
        }
        'taskdb;role;help;help' {
            break
        }
        'taskdb;worker' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Only tasks carrying this tag')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'Only tasks carrying this tag')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Only tasks of this type')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Run up to N tasks at once (1-1000)')
            [CompletionResult]::new('--lease', '--lease', [CompletionResultType]::ParameterName, 'The lease of each claim, extended every third of it while CMD runs (30s, 15m, 2h) [default: [tasks] lease, else 15m]')
            [CompletionResult]::new('--max-attempts', '--max-attempts', [CompletionResultType]::ParameterName, 'Attempts before a task is given up (failed) [default: the task''s own, else [tasks] max_attempts, else 3]')
            [CompletionResult]::new('--max-tasks', '--max-tasks', [CompletionResultType]::ParameterName, 'Claim at most N tasks, then exit 0 when they are done')
            [CompletionResult]::new('--idle-exit', '--idle-exit', [CompletionResultType]::ParameterName, 'Exit 0 after this long with nothing running and nothing to claim [default: never]')
            [CompletionResult]::new('--grace', '--grace', [CompletionResultType]::ParameterName, 'On SIGINT/SIGTERM, how long running commands may still finish before they are stopped')
            [CompletionResult]::new('--assign', '--assign', [CompletionResultType]::ParameterName, 'The holder of the claims [default: the actor]')
            [CompletionResult]::new('--reconnect-for', '--reconnect-for', [CompletionResultType]::ParameterName, 'While the database cannot be reached (a failover), keep trying this long, then exit 6 [default: [tasks] reconnect_for, else 60s]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--once', '--once', [CompletionResultType]::ParameterName, 'Run one task, then exit with its outcome (0 completed, 1 not; 4 nothing to claim)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;tunnel' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Create or update the tunnel, its ingress, DNS record and Access application (idempotent)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the tunnel''s status, connections, ingress, DNS record and Access application')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Write the connector token to a 0600 file (or print it with --stdout)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete the DNS record, Access application, configuration, connections and tunnel')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;tunnel;deploy' {
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'Public hostname of the database, in a zone of your account (e.g. db.example.com)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Tunnel name (unique in the account)')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'Where the connector reaches PostgreSQL (tcp://HOST:PORT)')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Seconds the connector waits to connect to PostgreSQL')
            [CompletionResult]::new('--access-allow-email', '--access-allow-email', [CompletionResultType]::ParameterName, 'Allow this email through Access (repeatable)')
            [CompletionResult]::new('--access-allow-email-domain', '--access-allow-email-domain', [CompletionResultType]::ParameterName, 'Allow every email of this domain through Access (repeatable)')
            [CompletionResult]::new('--access-service-token', '--access-service-token', [CompletionResultType]::ParameterName, 'Allow an Access service token (created if missing; its secret goes to a 0600 file once)')
            [CompletionResult]::new('--service-token-file', '--service-token-file', [CompletionResultType]::ParameterName, 'Where a new service token''s client id and secret are written [default: state dir]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Where to write the connector token [default: $XDG_STATE_HOME/taskdb/tunnel-NAME.token]')
            [CompletionResult]::new('--api-token-file', '--api-token-file', [CompletionResultType]::ParameterName, 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--no-access', '--no-access', [CompletionResultType]::ParameterName, 'No Access application (anyone who can reach the hostname reaches PostgreSQL''s login)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace a DNS record or Access application for HOSTNAME that taskdb did not create')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;tunnel;status' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Tunnel name')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'The tunnel''s hostname (only needed when taskdb cannot find it: no state, no ingress)')
            [CompletionResult]::new('--api-token-file', '--api-token-file', [CompletionResultType]::ParameterName, 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;tunnel;token' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Tunnel name')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'The tunnel''s hostname (only needed when taskdb cannot find it: no state, no ingress)')
            [CompletionResult]::new('--api-token-file', '--api-token-file', [CompletionResultType]::ParameterName, 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Write the token here [default: $XDG_STATE_HOME/taskdb/tunnel-NAME.token]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--stdout', '--stdout', [CompletionResultType]::ParameterName, 'Print the token on stdout instead (it is a secret: pipe it, don''t show it)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;tunnel;delete' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Tunnel name')
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'The tunnel''s hostname (only needed when taskdb cannot find it: no state, no ingress)')
            [CompletionResult]::new('--api-token-file', '--api-token-file', [CompletionResultType]::ParameterName, 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;tunnel;help' {
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Create or update the tunnel, its ingress, DNS record and Access application (idempotent)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the tunnel''s status, connections, ingress, DNS record and Access application')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Write the connector token to a 0600 file (or print it with --stdout)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete the DNS record, Access application, configuration, connections and tunnel')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;tunnel;help;deploy' {
            break
        }
        'taskdb;tunnel;help;status' {
            break
        }
        'taskdb;tunnel;help;token' {
            break
        }
        'taskdb;tunnel;help;delete' {
            break
        }
        'taskdb;tunnel;help;help' {
            break
        }
        'taskdb;waf' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Apply the policy: managed rulesets, custom rules, rate limiting, TLS settings')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show what is deployed and how it differs from the policy')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;waf;apply' {
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'TOML policy file (see the README); without it, the secure defaults')
            [CompletionResult]::new('--zone', '--zone', [CompletionResultType]::ParameterName, 'Zone name (default: CLOUDFLARE_ZONE_ID, else the zone of the policy''s first hostname)')
            [CompletionResult]::new('--api-token-file', '--api-token-file', [CompletionResultType]::ParameterName, 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;waf;status' {
            [CompletionResult]::new('--policy', '--policy', [CompletionResultType]::ParameterName, 'TOML policy file (see the README); without it, the secure defaults')
            [CompletionResult]::new('--zone', '--zone', [CompletionResultType]::ParameterName, 'Zone name (default: CLOUDFLARE_ZONE_ID, else the zone of the policy''s first hostname)')
            [CompletionResult]::new('--api-token-file', '--api-token-file', [CompletionResultType]::ParameterName, 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;waf;help' {
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Apply the policy: managed rulesets, custom rules, rate limiting, TLS settings')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show what is deployed and how it differs from the policy')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;waf;help;apply' {
            break
        }
        'taskdb;waf;help;status' {
            break
        }
        'taskdb;waf;help;help' {
            break
        }
        'taskdb;bench' {
            [CompletionResult]::new('--clients', '--clients', [CompletionResultType]::ParameterName, 'Concurrent connections')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long to measure (e.g. 10s, 2m, 500ms)')
            [CompletionResult]::new('--warmup', '--warmup', [CompletionResultType]::ParameterName, 'Unmeasured run-in before measuring')
            [CompletionResult]::new('--workload', '--workload', [CompletionResultType]::ParameterName, 'Which operations to run')
            [CompletionResult]::new('--seed-rows', '--seed-rows', [CompletionResultType]::ParameterName, 'Tasks to seed the scratch database with (and rows of the minimal queue to start with)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Keep the scratch database afterwards (for inspection or pgbench; remove with --clean)')
            [CompletionResult]::new('--clean', '--clean', [CompletionResultType]::ParameterName, 'Only remove a scratch database left by an earlier run, then exit')
            [CompletionResult]::new('--prepare-only', '--prepare-only', [CompletionResultType]::ParameterName, 'Only create and seed the scratch database, keep it, and exit (for pgbench or psql)')
            [CompletionResult]::new('--pgbench-script', '--pgbench-script', [CompletionResultType]::ParameterName, 'Print a pgbench script with the same SQL and mix, then exit (see benches/compare.sh); with --workload queue, the minimal queue''s claim')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;mcp' {
            [CompletionResult]::new('--tools', '--tools', [CompletionResultType]::ParameterName, 'Serve only these tools (comma-separated or repeated; see the list below)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;config' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every effective setting and where it came from (secrets redacted)')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file in use (or where `config init` would write one)')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Connect with the effective settings and report the server reached (a preflight check)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;config;show' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;config;path' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;config;init' {
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'Where to write [default: --config, TASKDB_CONFIG, or $XDG_CONFIG_HOME/taskdb/config.toml]')
            [CompletionResult]::new('--backup-dir', '--backup-dir', [CompletionResultType]::ParameterName, 'Directory for backups')
            [CompletionResult]::new('--local-data-dir', '--local-data-dir', [CompletionResultType]::ParameterName, 'Data directory of the managed local cluster')
            [CompletionResult]::new('--cloudflare-account-id', '--cloudflare-account-id', [CompletionResultType]::ParameterName, 'Cloudflare account id')
            [CompletionResult]::new('--cloudflare-zone-id', '--cloudflare-zone-id', [CompletionResultType]::ParameterName, 'Cloudflare zone id')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite an existing file')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Never ask, even at a terminal')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;config;check' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every effective setting and where it came from (secrets redacted)')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file in use (or where `config init` would write one)')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Connect with the effective settings and report the server reached (a preflight check)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;config;help;show' {
            break
        }
        'taskdb;config;help;path' {
            break
        }
        'taskdb;config;help;init' {
            break
        }
        'taskdb;config;help;check' {
            break
        }
        'taskdb;config;help;help' {
            break
        }
        'taskdb;completions' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;health' {
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Run only these probes (comma-separated or repeated); see the list below')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Skip these probes (comma-separated or repeated)')
            [CompletionResult]::new('--warn', '--warn', [CompletionResultType]::ParameterName, 'Warning threshold NAME=VALUE, e.g. connections=80%, idle_in_transaction=30s, off disables')
            [CompletionResult]::new('--crit', '--crit', [CompletionResultType]::ParameterName, 'Critical threshold NAME=VALUE, e.g. replication_lag_bytes=1GB, standbys=1')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on the whole run, connecting included [default: 10s; config health.timeout]')
            [CompletionResult]::new('--textfile', '--textfile', [CompletionResultType]::ParameterName, 'Also write the Prometheus output to FILE, atomically (temp file + rename in its directory)')
            [CompletionResult]::new('--alert-webhook', '--alert-webhook', [CompletionResultType]::ParameterName, 'POST a JSON alert to URL when the overall state changes [env: TASKDB_HEALTH_ALERT_WEBHOOK]')
            [CompletionResult]::new('--patroni-url', '--patroni-url', [CompletionResultType]::ParameterName, 'Patroni REST API the `patroni` probe asks, e.g. http://db1:8008 (several: comma-separated, tried in order) [config: health.patroni_url]')
            [CompletionResult]::new('--tunnel', '--tunnel', [CompletionResultType]::ParameterName, 'Cloudflare Tunnel the `tunnel` probe looks at (and whose deployment `security` considers)')
            [CompletionResult]::new('--alert-cooldown', '--alert-cooldown', [CompletionResultType]::ParameterName, 'At most one alert per state within this time [default: 15m; config health.alert_cooldown]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--record', '--record', [CompletionResultType]::ParameterName, 'Store every probe value in system_metrics (component "health") in one statement')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;metrics' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('record', 'record', [CompletionResultType]::ParameterValue, 'Record one sample')
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Print samples, raw (paginated) or aggregated per time bucket')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove samples older than a given age: whole monthly partitions first, then rows')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;metrics;record' {
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'Metric type')
            [CompletionResult]::new('--unit', '--unit', [CompletionResultType]::ParameterName, 'Unit: bytes, seconds, milliseconds, count, percent, requests_per_second, errors_per_minute')
            [CompletionResult]::new('--component', '--component', [CompletionResultType]::ParameterName, 'Component the sample belongs to, e.g. scheduler')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'A tag key=value (repeatable)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;metrics;dump' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Only these metric names (repeatable)')
            [CompletionResult]::new('--component', '--component', [CompletionResultType]::ParameterName, 'Only this component')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'From this time on: a duration back from now (1h, 7d) or RFC 3339')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Before this time: a duration back from now or RFC 3339')
            [CompletionResult]::new('--bucket', '--bucket', [CompletionResultType]::ParameterName, 'Aggregate per time bucket of this size (1m, 1h, 1d; aligned to UTC epoch)')
            [CompletionResult]::new('--agg', '--agg', [CompletionResultType]::ParameterName, 'Aggregate used with --bucket')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Raw samples per page')
            [CompletionResult]::new('--offset', '--offset', [CompletionResultType]::ParameterName, 'Raw samples to skip (the next page starts at --offset + --limit)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;metrics;prune' {
            [CompletionResult]::new('--older-than', '--older-than', [CompletionResultType]::ParameterName, 'Remove samples older than this (e.g. 30d, 12h)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would be removed; change nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;metrics;help' {
            [CompletionResult]::new('record', 'record', [CompletionResultType]::ParameterValue, 'Record one sample')
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Print samples, raw (paginated) or aggregated per time bucket')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove samples older than a given age: whole monthly partitions first, then rows')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;metrics;help;record' {
            break
        }
        'taskdb;metrics;help;dump' {
            break
        }
        'taskdb;metrics;help;prune' {
            break
        }
        'taskdb;metrics;help;help' {
            break
        }
        'taskdb;maintain' {
            [CompletionResult]::new('--months-ahead', '--months-ahead', [CompletionResultType]::ParameterName, 'Monthly partitions to keep ready after the current month [config maintain.months_ahead]')
            [CompletionResult]::new('--metrics-days', '--metrics-days', [CompletionResultType]::ParameterName, 'Days of system_metrics to keep; 0 keeps all [config maintain.metrics_retention_days]')
            [CompletionResult]::new('--api-logs-days', '--api-logs-days', [CompletionResultType]::ParameterName, 'Days of api_access_logs to keep; 0 keeps all [config maintain.api_logs_retention_days]')
            [CompletionResult]::new('--audit-days', '--audit-days', [CompletionResultType]::ParameterName, 'Days of audit log to keep; 0 keeps all [config maintain.audit_retention_days]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Wait for a maintain run in progress instead of skipping')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;generate-man' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file to read instead of the default search [env: TASKDB_CONFIG]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour (NO_COLOR is honoured with auto)')
            [CompletionResult]::new('--actor', '--actor', [CompletionResultType]::ParameterName, 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to confirmations (required for destructive commands without a terminal)')
            [CompletionResult]::new('--read-only', '--read-only', [CompletionResultType]::ParameterName, 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'taskdb;help' {
            [CompletionResult]::new('local', 'local', [CompletionResultType]::ParameterValue, 'Manage the local PostgreSQL cluster taskdb uses when nothing else is configured')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply, revert, inspect and rehearse schema migrations (backups taken automatically)')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Create, list, verify and restore pg_dump backups')
            [CompletionResult]::new('task', 'task', [CompletionResultType]::ParameterValue, 'Create, find, claim and change tasks; import and export Task Master files')
            [CompletionResult]::new('workflow', 'workflow', [CompletionResultType]::ParameterValue, 'Track workflow runs of tasks: steps, failures, retries')
            [CompletionResult]::new('role', 'role', [CompletionResultType]::ParameterValue, 'Create, list, show, rotate and drop the database roles clients log in as')
            [CompletionResult]::new('worker', 'worker', [CompletionResultType]::ParameterValue, 'Claim tasks and run a command for each: heartbeats, retries, graceful stop')
            [CompletionResult]::new('tunnel', 'tunnel', [CompletionResultType]::ParameterValue, 'Expose the database through a Cloudflare Tunnel behind Cloudflare Access')
            [CompletionResult]::new('waf', 'waf', [CompletionResultType]::ParameterValue, 'Apply the zone''s WAF rules, rate limiting and TLS settings from a policy')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Load-test the database with the seed system''s operations (scratch database, dropped after)')
            [CompletionResult]::new('mcp', 'mcp', [CompletionResultType]::ParameterValue, 'Serve the task database to AI agents over the Model Context Protocol (stdio)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show, locate or create the configuration')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('health', 'health', [CompletionResultType]::ParameterValue, 'Check the database: Nagios exit codes, Prometheus textfile, alerts')
            [CompletionResult]::new('metrics', 'metrics', [CompletionResultType]::ParameterValue, 'Record, print and expire samples in system_metrics')
            [CompletionResult]::new('maintain', 'maintain', [CompletionResultType]::ParameterValue, 'Partitions ahead, retention, ANALYZE: the one cron entry for upkeep')
            [CompletionResult]::new('generate-man', 'generate-man', [CompletionResultType]::ParameterValue, 'Write man pages into a directory (used to regenerate man/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskdb;help;local' {
            [CompletionResult]::new('start', 'start', [CompletionResultType]::ParameterValue, 'Create (first time) and start the local cluster; does nothing if it is running')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop the local cluster')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show whether the local cluster runs, its pid, port, version and data directory')
            [CompletionResult]::new('url', 'url', [CompletionResultType]::ParameterValue, 'Print a connection URL for the local cluster (Unix socket; for psql, pg_dump, …)')
            [CompletionResult]::new('destroy', 'destroy', [CompletionResultType]::ParameterValue, 'Stop the local cluster and delete its data (asks first; --yes to skip)')
            break
        }
        'taskdb;help;local;start' {
            break
        }
        'taskdb;help;local;stop' {
            break
        }
        'taskdb;help;local;status' {
            break
        }
        'taskdb;help;local;url' {
            break
        }
        'taskdb;help;local;destroy' {
            break
        }
        'taskdb;help;migrate' {
            [CompletionResult]::new('up', 'up', [CompletionResultType]::ParameterValue, 'Apply pending migrations (safe to run from several hosts at once)')
            [CompletionResult]::new('down', 'down', [CompletionResultType]::ParameterValue, 'Revert applied migrations with their down scripts (backup and confirmation first)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show every migration: applied, pending, divergent (file changed) or missing (not in this taskdb)')
            [CompletionResult]::new('validate', 'validate', [CompletionResultType]::ParameterValue, 'Check the migrations: every up has a down, applied checksums match; --roundtrip rehearses them')
            break
        }
        'taskdb;help;migrate;up' {
            break
        }
        'taskdb;help;migrate;down' {
            break
        }
        'taskdb;help;migrate;status' {
            break
        }
        'taskdb;help;migrate;validate' {
            break
        }
        'taskdb;help;backup' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Back up the database with pg_dump -Fc into the backup directory, verified')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the backups in the backup directory (from their manifests) and interrupted ones')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check that a backup is readable to the end and matches its manifest')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup into a new database (--into) or over the current one')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete old backups from the backup directory (retention)')
            break
        }
        'taskdb;help;backup;create' {
            break
        }
        'taskdb;help;backup;list' {
            break
        }
        'taskdb;help;backup;verify' {
            break
        }
        'taskdb;help;backup;restore' {
            break
        }
        'taskdb;help;backup;prune' {
            break
        }
        'taskdb;help;task' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a task; prints its short id (json: the whole task)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List tasks (filters, trigram search, keyset pagination)')
            [CompletionResult]::new('search', 'search', [CompletionResultType]::ParameterValue, 'Find tasks by title and description, best matches first (same as `list --search`)')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show one task: every field, dependencies, children, completion, workflows, history')
            [CompletionResult]::new('tree', 'tree', [CompletionResultType]::ParameterValue, 'Draw the task hierarchy with statuses (all top-level tasks, or below one task)')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'The audit trail of a task: who changed what, when, old → new')
            [CompletionResult]::new('update', 'update', [CompletionResultType]::ParameterValue, 'Change a task''s fields (status has its own command: `task status`)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Move a task to a new status along the allowed transitions')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a task (refuses when it has children or dependents, unless --cascade)')
            [CompletionResult]::new('deps', 'deps', [CompletionResultType]::ParameterValue, 'Add, remove or list dependencies between tasks')
            [CompletionResult]::new('next', 'next', [CompletionResultType]::ParameterValue, 'The next task to work on (Task Master''s choice); --claim takes it atomically')
            [CompletionResult]::new('heartbeat', 'heartbeat', [CompletionResultType]::ParameterValue, 'Extend the lease on a task you hold (only the holder may)')
            [CompletionResult]::new('release', 'release', [CompletionResultType]::ParameterValue, 'Hand a task you hold back (pending again, claimable by others)')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Import a Task Master tasks.json (both shapes) in one transaction; idempotent')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Export tasks as a Task Master tasks.json (tagged format)')
            break
        }
        'taskdb;help;task;create' {
            break
        }
        'taskdb;help;task;list' {
            break
        }
        'taskdb;help;task;search' {
            break
        }
        'taskdb;help;task;show' {
            break
        }
        'taskdb;help;task;tree' {
            break
        }
        'taskdb;help;task;history' {
            break
        }
        'taskdb;help;task;update' {
            break
        }
        'taskdb;help;task;status' {
            break
        }
        'taskdb;help;task;delete' {
            break
        }
        'taskdb;help;task;deps' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'ID depends on DEPENDS_ON (a cycle is refused and spelled out)')
            [CompletionResult]::new('rm', 'rm', [CompletionResultType]::ParameterValue, 'Remove the dependency of ID on DEPENDS_ON')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'What ID waits for and what waits for ID')
            break
        }
        'taskdb;help;task;deps;add' {
            break
        }
        'taskdb;help;task;deps;rm' {
            break
        }
        'taskdb;help;task;deps;list' {
            break
        }
        'taskdb;help;task;next' {
            break
        }
        'taskdb;help;task;heartbeat' {
            break
        }
        'taskdb;help;task;release' {
            break
        }
        'taskdb;help;task;import' {
            break
        }
        'taskdb;help;task;export' {
            break
        }
        'taskdb;help;workflow' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Start tracking a workflow for a task; prints its short id (json: the workflow)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List workflows')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a workflow: fields, the step timeline with durations, errors')
            [CompletionResult]::new('step', 'step', [CompletionResultType]::ParameterValue, 'Record a step (starts the workflow; a failed step fails it; the last declared step completes it)')
            [CompletionResult]::new('complete', 'complete', [CompletionResultType]::ParameterValue, 'Mark a workflow completed')
            [CompletionResult]::new('fail', 'fail', [CompletionResultType]::ParameterValue, 'Mark a workflow failed')
            [CompletionResult]::new('cancel', 'cancel', [CompletionResultType]::ParameterValue, 'Cancel a workflow')
            [CompletionResult]::new('retry', 'retry', [CompletionResultType]::ParameterValue, 'Run a failed or timed-out workflow again (while retries are left)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete a workflow and its history of steps')
            break
        }
        'taskdb;help;workflow;create' {
            break
        }
        'taskdb;help;workflow;list' {
            break
        }
        'taskdb;help;workflow;show' {
            break
        }
        'taskdb;help;workflow;step' {
            break
        }
        'taskdb;help;workflow;complete' {
            break
        }
        'taskdb;help;workflow;fail' {
            break
        }
        'taskdb;help;workflow;cancel' {
            break
        }
        'taskdb;help;workflow;retry' {
            break
        }
        'taskdb;help;workflow;delete' {
            break
        }
        'taskdb;help;role' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Create a login role of a kind (idempotent: an existing role of that kind is kept)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List taskdb''s login roles: kind, login, expiry, connections, last activity, leases')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Show a role''s attributes and its effective grants in this database')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Give a role a new random password (SCRAM-SHA-256), written once to a 0600 file or stdout')
            [CompletionResult]::new('drop', 'drop', [CompletionResultType]::ParameterValue, 'Drop a role; refused while it holds tasks unless --force, which hands them back first')
            break
        }
        'taskdb;help;role;create' {
            break
        }
        'taskdb;help;role;list' {
            break
        }
        'taskdb;help;role;show' {
            break
        }
        'taskdb;help;role;rotate' {
            break
        }
        'taskdb;help;role;drop' {
            break
        }
        'taskdb;help;worker' {
            break
        }
        'taskdb;help;tunnel' {
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Create or update the tunnel, its ingress, DNS record and Access application (idempotent)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the tunnel''s status, connections, ingress, DNS record and Access application')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Write the connector token to a 0600 file (or print it with --stdout)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete the DNS record, Access application, configuration, connections and tunnel')
            break
        }
        'taskdb;help;tunnel;deploy' {
            break
        }
        'taskdb;help;tunnel;status' {
            break
        }
        'taskdb;help;tunnel;token' {
            break
        }
        'taskdb;help;tunnel;delete' {
            break
        }
        'taskdb;help;waf' {
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Apply the policy: managed rulesets, custom rules, rate limiting, TLS settings')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show what is deployed and how it differs from the policy')
            break
        }
        'taskdb;help;waf;apply' {
            break
        }
        'taskdb;help;waf;status' {
            break
        }
        'taskdb;help;bench' {
            break
        }
        'taskdb;help;mcp' {
            break
        }
        'taskdb;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print every effective setting and where it came from (secrets redacted)')
            [CompletionResult]::new('path', 'path', [CompletionResultType]::ParameterValue, 'Print the config file in use (or where `config init` would write one)')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Connect with the effective settings and report the server reached (a preflight check)')
            break
        }
        'taskdb;help;config;show' {
            break
        }
        'taskdb;help;config;path' {
            break
        }
        'taskdb;help;config;init' {
            break
        }
        'taskdb;help;config;check' {
            break
        }
        'taskdb;help;completions' {
            break
        }
        'taskdb;help;health' {
            break
        }
        'taskdb;help;metrics' {
            [CompletionResult]::new('record', 'record', [CompletionResultType]::ParameterValue, 'Record one sample')
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Print samples, raw (paginated) or aggregated per time bucket')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove samples older than a given age: whole monthly partitions first, then rows')
            break
        }
        'taskdb;help;metrics;record' {
            break
        }
        'taskdb;help;metrics;dump' {
            break
        }
        'taskdb;help;metrics;prune' {
            break
        }
        'taskdb;help;maintain' {
            break
        }
        'taskdb;help;generate-man' {
            break
        }
        'taskdb;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
