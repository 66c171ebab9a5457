
use builtin;
use str;

set edit:completion:arg-completer[taskdb] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'taskdb'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'taskdb'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand local 'Manage the local PostgreSQL cluster taskdb uses when nothing else is configured'
            cand bench 'Load-test the database with the seed system''s operations (scratch database, dropped after)'
            cand config 'Show, locate or create the configuration'
            cand completions 'Print a shell completion script'
            cand generate-man 'Write man pages into a directory (used to regenerate man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;local'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand start 'Create (first time) and start the local cluster; does nothing if it is running'
            cand stop 'Stop the local cluster'
            cand status 'Show whether the local cluster runs, its pid, port, version and data directory'
            cand url 'Print a connection URL for the local cluster (Unix socket; for psql, pg_dump, …)'
            cand destroy 'Stop the local cluster and delete its data (asks first; --yes to skip)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;local;start'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;local;stop'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;local;status'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;local;url'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;local;destroy'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;local;help'= {
            cand start 'Create (first time) and start the local cluster; does nothing if it is running'
            cand stop 'Stop the local cluster'
            cand status 'Show whether the local cluster runs, its pid, port, version and data directory'
            cand url 'Print a connection URL for the local cluster (Unix socket; for psql, pg_dump, …)'
            cand destroy 'Stop the local cluster and delete its data (asks first; --yes to skip)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;local;help;start'= {
        }
        &'taskdb;local;help;stop'= {
        }
        &'taskdb;local;help;status'= {
        }
        &'taskdb;local;help;url'= {
        }
        &'taskdb;local;help;destroy'= {
        }
        &'taskdb;local;help;help'= {
        }
        &'taskdb;bench'= {
            cand --clients 'Concurrent connections'
            cand --duration 'How long to measure (e.g. 10s, 2m, 500ms)'
            cand --warmup 'Unmeasured run-in before measuring'
            cand --workload 'Which operations to run'
            cand --seed-rows 'Tasks to seed the scratch database with'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --keep 'Keep the scratch database afterwards (for inspection or pgbench; remove with --clean)'
            cand --clean 'Only remove a scratch database left by an earlier run, then exit'
            cand --prepare-only 'Only create and seed the scratch database, keep it, and exit (for pgbench or psql)'
            cand --pgbench-script 'Print a pgbench script with the same SQL and mix, then exit (see benches/compare.sh)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;config'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Print every effective setting and where it came from (secrets redacted)'
            cand path 'Print the config file in use (or where `config init` would write one)'
            cand init 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;config;show'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;config;path'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;config;init'= {
            cand --path 'Where to write [default: --config, TASKDB_CONFIG, or $XDG_CONFIG_HOME/taskdb/config.toml]'
            cand --backup-dir 'Directory for backups'
            cand --local-data-dir 'Data directory of the managed local cluster'
            cand --cloudflare-account-id 'Cloudflare account id'
            cand --cloudflare-zone-id 'Cloudflare zone id'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --force 'Overwrite an existing file'
            cand --no-input 'Never ask, even at a terminal'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;config;help'= {
            cand show 'Print every effective setting and where it came from (secrets redacted)'
            cand path 'Print the config file in use (or where `config init` would write one)'
            cand init 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;config;help;show'= {
        }
        &'taskdb;config;help;path'= {
        }
        &'taskdb;config;help;init'= {
        }
        &'taskdb;config;help;help'= {
        }
        &'taskdb;completions'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;generate-man'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;help'= {
            cand local 'Manage the local PostgreSQL cluster taskdb uses when nothing else is configured'
            cand bench 'Load-test the database with the seed system''s operations (scratch database, dropped after)'
            cand config 'Show, locate or create the configuration'
            cand completions 'Print a shell completion script'
            cand generate-man 'Write man pages into a directory (used to regenerate man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;help;local'= {
            cand start 'Create (first time) and start the local cluster; does nothing if it is running'
            cand stop 'Stop the local cluster'
            cand status 'Show whether the local cluster runs, its pid, port, version and data directory'
            cand url 'Print a connection URL for the local cluster (Unix socket; for psql, pg_dump, …)'
            cand destroy 'Stop the local cluster and delete its data (asks first; --yes to skip)'
        }
        &'taskdb;help;local;start'= {
        }
        &'taskdb;help;local;stop'= {
        }
        &'taskdb;help;local;status'= {
        }
        &'taskdb;help;local;url'= {
        }
        &'taskdb;help;local;destroy'= {
        }
        &'taskdb;help;bench'= {
        }
        &'taskdb;help;config'= {
            cand show 'Print every effective setting and where it came from (secrets redacted)'
            cand path 'Print the config file in use (or where `config init` would write one)'
            cand init 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise'
        }
        &'taskdb;help;config;show'= {
        }
        &'taskdb;help;config;path'= {
        }
        &'taskdb;help;config;init'= {
        }
        &'taskdb;help;completions'= {
        }
        &'taskdb;help;generate-man'= {
        }
        &'taskdb;help;help'= {
        }
    ]
    $completions[$command]
}
