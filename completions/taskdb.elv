
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand local 'Manage the local PostgreSQL cluster taskdb uses when nothing else is configured'
            cand migrate 'Apply, revert, inspect and rehearse schema migrations (backups taken automatically)'
            cand backup 'Create, list, verify and restore pg_dump backups'
            cand task 'Create, find, claim and change tasks; import and export Task Master files'
            cand workflow 'Track workflow runs of tasks: steps, failures, retries'
            cand role 'Create, list, show, rotate and drop the database roles clients log in as'
            cand worker 'Claim tasks and run a command for each: heartbeats, retries, graceful stop'
            cand tunnel 'Expose the database through a Cloudflare Tunnel behind Cloudflare Access'
            cand waf 'Apply the zone''s WAF rules, rate limiting and TLS settings from a policy'
            cand bench 'Load-test the database with the seed system''s operations (scratch database, dropped after)'
            cand mcp 'Serve the task database to AI agents over the Model Context Protocol (stdio)'
            cand config 'Show, locate or create the configuration'
            cand completions 'Print a shell completion script'
            cand health 'Check the database: Nagios exit codes, Prometheus textfile, alerts'
            cand metrics 'Record, print and expire samples in system_metrics'
            cand maintain 'Partitions ahead, retention, ANALYZE: the one cron entry for upkeep'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
        &'taskdb;migrate'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand up 'Apply pending migrations (safe to run from several hosts at once)'
            cand down 'Revert applied migrations with their down scripts (backup and confirmation first)'
            cand status 'Show every migration: applied, pending, divergent (file changed) or missing (not in this taskdb)'
            cand validate 'Check the migrations: every up has a down, applied checksums match; --roundtrip rehearses them'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;migrate;up'= {
            cand --target 'Stop after this version (default: the newest)'
            cand --lock-timeout 'Seconds a DDL statement may wait for a table lock before the migration is rolled back and retried [config: migrate.lock_timeout] [default: 5]'
            cand --lock-wait 'Seconds to wait for another run holding the migration lock [config: migrate.lock_wait] [default: 60]'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --dry-run 'Print the SQL that would run; change nothing'
            cand --no-backup 'Do not take a backup first, even when the database holds data'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;migrate;down'= {
            cand --steps 'How many migrations to revert (default 1)'
            cand --target 'Revert down to this version, which stays applied (0: revert everything)'
            cand --lock-timeout 'Seconds a DDL statement may wait for a table lock before the migration is rolled back and retried [config: migrate.lock_timeout] [default: 5]'
            cand --lock-wait 'Seconds to wait for another run holding the migration lock [config: migrate.lock_wait] [default: 60]'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --dry-run 'Print the SQL that would run; change nothing'
            cand --no-backup 'Do not take a backup first'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;migrate;status'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --check 'Exit 1 when anything is pending, divergent or missing (for CI gates)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;migrate;validate'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --roundtrip 'Rehearse up, down, up of every migration on a scratch database'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;migrate;help'= {
            cand up 'Apply pending migrations (safe to run from several hosts at once)'
            cand down 'Revert applied migrations with their down scripts (backup and confirmation first)'
            cand status 'Show every migration: applied, pending, divergent (file changed) or missing (not in this taskdb)'
            cand validate 'Check the migrations: every up has a down, applied checksums match; --roundtrip rehearses them'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;migrate;help;up'= {
        }
        &'taskdb;migrate;help;down'= {
        }
        &'taskdb;migrate;help;status'= {
        }
        &'taskdb;migrate;help;validate'= {
        }
        &'taskdb;migrate;help;help'= {
        }
        &'taskdb;backup'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand create 'Back up the database with pg_dump -Fc into the backup directory, verified'
            cand list 'List the backups in the backup directory (from their manifests) and interrupted ones'
            cand verify 'Check that a backup is readable to the end and matches its manifest'
            cand restore 'Restore a backup into a new database (--into) or over the current one'
            cand prune 'Delete old backups from the backup directory (retention)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;backup;create'= {
            cand --reason 'Why the backup is taken (recorded in the manifest and the file name)'
            cand --encrypt-to 'Encrypt with age to this recipient (age1…, as `age-keygen -y` prints it; repeatable); replaces backup.encrypt_to for this backup'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;backup;list'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;backup;verify'= {
            cand --identity 'age identity file to decrypt an encrypted backup with (AGE-SECRET-KEY-1… lines, as age-keygen writes them; repeatable)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;backup;restore'= {
            cand --into 'Restore into this new database instead of over the current one'
            cand --identity 'age identity file to decrypt an encrypted backup with (needed for one; repeatable)'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --no-backup 'Restoring over the current database: skip the safety backup of its current state'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;backup;prune'= {
            cand --keep 'Keep this many newest backups of each database (at least 1)'
            cand --older-than 'Delete only backups older than this (e.g. 14d, 36h, 2w)'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --dry-run 'Show what would be deleted; delete nothing'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;backup;help'= {
            cand create 'Back up the database with pg_dump -Fc into the backup directory, verified'
            cand list 'List the backups in the backup directory (from their manifests) and interrupted ones'
            cand verify 'Check that a backup is readable to the end and matches its manifest'
            cand restore 'Restore a backup into a new database (--into) or over the current one'
            cand prune 'Delete old backups from the backup directory (retention)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;backup;help;create'= {
        }
        &'taskdb;backup;help;list'= {
        }
        &'taskdb;backup;help;verify'= {
        }
        &'taskdb;backup;help;restore'= {
        }
        &'taskdb;backup;help;prune'= {
        }
        &'taskdb;backup;help;help'= {
        }
        &'taskdb;task'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand create 'Create a task; prints its short id (json: the whole task)'
            cand list 'List tasks (filters, trigram search, keyset pagination)'
            cand search 'Find tasks by title and description, best matches first (same as `list --search`)'
            cand show 'Show one task: every field, dependencies, children, completion, workflows, history'
            cand tree 'Draw the task hierarchy with statuses (all top-level tasks, or below one task)'
            cand history 'The audit trail of a task: who changed what, when, old → new'
            cand update 'Change a task''s fields (status has its own command: `task status`)'
            cand status 'Move a task to a new status along the allowed transitions'
            cand delete 'Delete a task (refuses when it has children or dependents, unless --cascade)'
            cand deps 'Add, remove or list dependencies between tasks'
            cand next 'The next task to work on (Task Master''s choice); --claim takes it atomically'
            cand heartbeat 'Extend the lease on a task you hold (only the holder may)'
            cand release 'Hand a task you hold back (pending again, claimable by others)'
            cand import 'Import a Task Master tasks.json (both shapes) in one transaction; idempotent'
            cand export 'Export tasks as a Task Master tasks.json (tagged format)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;task;create'= {
            cand -d 'One-paragraph description'
            cand --description 'One-paragraph description'
            cand --details 'Implementation notes'
            cand --test-strategy 'How to verify the task is done'
            cand --type 'Kind of task (lower snake_case, e.g. feature, bug_fix, deployment)'
            cand -p '0-10 (10 = most urgent) or low, medium, high, critical'
            cand --priority '0-10 (10 = most urgent) or low, medium, high, critical'
            cand --complexity 'Estimated complexity, 1-10'
            cand --max-attempts 'Attempts (claims) before the task is given up (failed) [default: [tasks] max_attempts]'
            cand --assign 'Who works on it'
            cand --parent 'Parent task (makes this a subtask)'
            cand -t 'Tag (repeatable; on update replaces the tags)'
            cand --tag 'Tag (repeatable; on update replaces the tags)'
            cand --requirement 'Requirement (repeatable; on update replaces the list)'
            cand --criterion 'Acceptance criterion (repeatable; on update replaces the list)'
            cand --file 'Affected file (repeatable; on update replaces the list)'
            cand --estimate 'Estimated hours'
            cand --repo 'Repository URL'
            cand --branch 'Git branch'
            cand --pr 'Pull request number'
            cand --linear 'Linear issue id'
            cand --github 'GitHub issue number'
            cand --meta 'Metadata entry key=value (repeatable; the value is stored as a string)'
            cand --meta-json 'Metadata as a JSON object (merged with --meta)'
            cand --depends-on 'Task this one depends on (repeatable)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;list'= {
            cand -s 'Only these statuses (repeatable)'
            cand --status 'Only these statuses (repeatable)'
            cand --assigned 'Only tasks assigned to WHO (`none` = unassigned)'
            cand --type 'Only this type'
            cand -t 'Only tasks carrying every given tag (repeatable)'
            cand --tag 'Only tasks carrying every given tag (repeatable)'
            cand --parent 'Only children of this task'
            cand --search 'Rank by trigram similarity of title and description to TEXT'
            cand --sort 'Order of the rows [default: id; relevance with --search]'
            cand --limit 'At most N rows (0 = all)'
            cand --after 'Start after this task in the chosen order (keyset pagination)'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --ready 'Only ready tasks: pending, in_progress or review with every blocking dependency completed'
            cand --stale 'Only tasks whose lease has expired (the holder stopped heartbeating; the next claim, or `taskdb maintain`, hands them back)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;search'= {
            cand --limit 'At most N rows'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;show'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;tree'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;history'= {
            cand --limit 'Only the N newest entries'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;update'= {
            cand --title 'New title (one line, at most 500 characters)'
            cand -d 'One-paragraph description'
            cand --description 'One-paragraph description'
            cand --details 'Implementation notes'
            cand --test-strategy 'How to verify the task is done'
            cand --type 'Kind of task (lower snake_case, e.g. feature, bug_fix, deployment)'
            cand -p '0-10 (10 = most urgent) or low, medium, high, critical'
            cand --priority '0-10 (10 = most urgent) or low, medium, high, critical'
            cand --complexity 'Estimated complexity, 1-10'
            cand --max-attempts 'Attempts (claims) before the task is given up (failed) [default: [tasks] max_attempts]'
            cand --assign 'Who works on it'
            cand --parent 'Parent task (makes this a subtask)'
            cand -t 'Tag (repeatable; on update replaces the tags)'
            cand --tag 'Tag (repeatable; on update replaces the tags)'
            cand --requirement 'Requirement (repeatable; on update replaces the list)'
            cand --criterion 'Acceptance criterion (repeatable; on update replaces the list)'
            cand --file 'Affected file (repeatable; on update replaces the list)'
            cand --estimate 'Estimated hours'
            cand --repo 'Repository URL'
            cand --branch 'Git branch'
            cand --pr 'Pull request number'
            cand --linear 'Linear issue id'
            cand --github 'GitHub issue number'
            cand --meta 'Metadata entry key=value (repeatable; the value is stored as a string)'
            cand --meta-json 'Metadata as a JSON object (merged with --meta)'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --no-parent 'Make it a top-level task again'
            cand --unassign 'Remove the assignee'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;status'= {
            cand --note 'Why (kept with the status change)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;delete'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --cascade 'Also delete every descendant and drop the dependencies of dependent tasks on it'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;deps'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand add 'ID depends on DEPENDS_ON (a cycle is refused and spelled out)'
            cand rm 'Remove the dependency of ID on DEPENDS_ON'
            cand list 'What ID waits for and what waits for ID'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;task;deps;add'= {
            cand --type 'type'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;deps;rm'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;deps;list'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;deps;help'= {
            cand add 'ID depends on DEPENDS_ON (a cycle is refused and spelled out)'
            cand rm 'Remove the dependency of ID on DEPENDS_ON'
            cand list 'What ID waits for and what waits for ID'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;task;deps;help;add'= {
        }
        &'taskdb;task;deps;help;rm'= {
        }
        &'taskdb;task;deps;help;list'= {
        }
        &'taskdb;task;deps;help;help'= {
        }
        &'taskdb;task;next'= {
            cand -t 'Only tasks carrying this tag (e.g. a Task Master tag)'
            cand --tag 'Only tasks carrying this tag (e.g. a Task Master tag)'
            cand --assign 'Assignee (the holder) for --claim [default: the actor]'
            cand --lease 'How long the claim holds the task unless extended (30s, 15m, 2h, or off) [default: [tasks] lease, else 15m]'
            cand --limit 'Claim up to N tasks in one statement (1-1000); prints one id per line (json: an array)'
            cand --max-attempts 'Attempts before a task whose lease expired is given up [default: [tasks] max_attempts, else 3]'
            cand --wait 'Nothing claimable: wait up to this long for a task to become claimable (LISTEN/NOTIFY; exit 4 if none does)'
            cand --reconnect-for 'With --wait: while the database cannot be reached (a failover), keep reconnecting this long, then exit 6 [default: [tasks] reconnect_for, else 60s]'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --claim 'Take the task: mark it in_progress, assign and lease it, atomically'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;heartbeat'= {
            cand --assign 'The holder [default: the actor]'
            cand --extend 'New lease length from now (e.g. 15m) [default: [tasks] lease, else 15m]'
            cand --attempt 'Only if the claim is still this attempt (what `task show` calls attempts)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;release'= {
            cand --assign 'The holder [default: the actor]'
            cand --note 'Why (kept in last_outcome and the audit trail)'
            cand --attempt 'Only if the claim is still this attempt (what `task show` calls attempts)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;import'= {
            cand -t 'Import only these tags (repeatable; default: every tag in the file)'
            cand --tag 'Import only these tags (repeatable; default: every tag in the file)'
            cand --max-size 'Refuse a file larger than this (1048576, 512kB, 16MB, 1GB)'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --dry-run 'Report what would be created and updated; change nothing'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;export'= {
            cand -t 'Export only these tags (repeatable; default: all)'
            cand --tag 'Export only these tags (repeatable; default: all)'
            cand -o 'Write to FILE instead of stdout'
            cand --output 'Write to FILE instead of stdout'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;task;help'= {
            cand create 'Create a task; prints its short id (json: the whole task)'
            cand list 'List tasks (filters, trigram search, keyset pagination)'
            cand search 'Find tasks by title and description, best matches first (same as `list --search`)'
            cand show 'Show one task: every field, dependencies, children, completion, workflows, history'
            cand tree 'Draw the task hierarchy with statuses (all top-level tasks, or below one task)'
            cand history 'The audit trail of a task: who changed what, when, old → new'
            cand update 'Change a task''s fields (status has its own command: `task status`)'
            cand status 'Move a task to a new status along the allowed transitions'
            cand delete 'Delete a task (refuses when it has children or dependents, unless --cascade)'
            cand deps 'Add, remove or list dependencies between tasks'
            cand next 'The next task to work on (Task Master''s choice); --claim takes it atomically'
            cand heartbeat 'Extend the lease on a task you hold (only the holder may)'
            cand release 'Hand a task you hold back (pending again, claimable by others)'
            cand import 'Import a Task Master tasks.json (both shapes) in one transaction; idempotent'
            cand export 'Export tasks as a Task Master tasks.json (tagged format)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;task;help;create'= {
        }
        &'taskdb;task;help;list'= {
        }
        &'taskdb;task;help;search'= {
        }
        &'taskdb;task;help;show'= {
        }
        &'taskdb;task;help;tree'= {
        }
        &'taskdb;task;help;history'= {
        }
        &'taskdb;task;help;update'= {
        }
        &'taskdb;task;help;status'= {
        }
        &'taskdb;task;help;delete'= {
        }
        &'taskdb;task;help;deps'= {
            cand add 'ID depends on DEPENDS_ON (a cycle is refused and spelled out)'
            cand rm 'Remove the dependency of ID on DEPENDS_ON'
            cand list 'What ID waits for and what waits for ID'
        }
        &'taskdb;task;help;deps;add'= {
        }
        &'taskdb;task;help;deps;rm'= {
        }
        &'taskdb;task;help;deps;list'= {
        }
        &'taskdb;task;help;next'= {
        }
        &'taskdb;task;help;heartbeat'= {
        }
        &'taskdb;task;help;release'= {
        }
        &'taskdb;task;help;import'= {
        }
        &'taskdb;task;help;export'= {
        }
        &'taskdb;task;help;help'= {
        }
        &'taskdb;workflow'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand create 'Start tracking a workflow for a task; prints its short id (json: the workflow)'
            cand list 'List workflows'
            cand show 'Show a workflow: fields, the step timeline with durations, errors'
            cand step 'Record a step (starts the workflow; a failed step fails it; the last declared step completes it)'
            cand complete 'Mark a workflow completed'
            cand fail 'Mark a workflow failed'
            cand cancel 'Cancel a workflow'
            cand retry 'Run a failed or timed-out workflow again (while retries are left)'
            cand delete 'Delete a workflow and its history of steps'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;workflow;create'= {
            cand --type 'standard, hotfix, rollback, deployment, validation or cleanup'
            cand --steps 'Number of steps; the workflow completes when that many distinct steps are done'
            cand --max-retries 'Retries allowed after a failure or timeout (0-100)'
            cand --timeout-minutes 'A running workflow older than this is stuck (1-1440)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;workflow;list'= {
            cand -s 'Only these statuses (repeatable)'
            cand --status 'Only these statuses (repeatable)'
            cand --task 'Only workflows of this task'
            cand --limit 'At most N rows (0 = all)'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --stuck 'Only running workflows past their timeout'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;workflow;show'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;workflow;step'= {
            cand --status 'status'
            cand --result 'Result of the step (JSON)'
            cand --error 'Error text (for a failed step)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;workflow;complete'= {
            cand --reason 'Why (appended to the error log)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;workflow;fail'= {
            cand --reason 'Why (appended to the error log)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;workflow;cancel'= {
            cand --reason 'Why (appended to the error log)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;workflow;retry'= {
            cand --reason 'Why (appended to the error log)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;workflow;delete'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;workflow;help'= {
            cand create 'Start tracking a workflow for a task; prints its short id (json: the workflow)'
            cand list 'List workflows'
            cand show 'Show a workflow: fields, the step timeline with durations, errors'
            cand step 'Record a step (starts the workflow; a failed step fails it; the last declared step completes it)'
            cand complete 'Mark a workflow completed'
            cand fail 'Mark a workflow failed'
            cand cancel 'Cancel a workflow'
            cand retry 'Run a failed or timed-out workflow again (while retries are left)'
            cand delete 'Delete a workflow and its history of steps'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;workflow;help;create'= {
        }
        &'taskdb;workflow;help;list'= {
        }
        &'taskdb;workflow;help;show'= {
        }
        &'taskdb;workflow;help;step'= {
        }
        &'taskdb;workflow;help;complete'= {
        }
        &'taskdb;workflow;help;fail'= {
        }
        &'taskdb;workflow;help;cancel'= {
        }
        &'taskdb;workflow;help;retry'= {
        }
        &'taskdb;workflow;help;delete'= {
        }
        &'taskdb;workflow;help;help'= {
        }
        &'taskdb;role'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand create 'Create a login role of a kind (idempotent: an existing role of that kind is kept)'
            cand list 'List taskdb''s login roles: kind, login, expiry, connections, last activity, leases'
            cand show 'Show a role''s attributes and its effective grants in this database'
            cand rotate 'Give a role a new random password (SCRAM-SHA-256), written once to a 0600 file or stdout'
            cand drop 'Drop a role; refused while it holds tasks unless --force, which hands them back first'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;role;create'= {
            cand --kind 'What it is for: reader, agent or operator'
            cand --password-file 'Set the password to the first line of FILE (without a password the role logs in only where pg_hba.conf needs none: peer, cert, trust)'
            cand --secret-file 'Where the generated password goes: a new file of mode 0600 (replaced if there)'
            cand --valid-until 'The password stops working then: a date (2027-01-31, midnight UTC), an RFC 3339 time, or infinity'
            cand --connection-limit 'At most N sessions at once (-1: no limit)'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --generate 'Make up a random password (256 bits, hex); needs --secret-file or --stdout'
            cand --stdout 'Print the generated password on stdout (and nothing else there)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;role;list'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;role;show'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;role;rotate'= {
            cand --secret-file 'Write the new password to this file, mode 0600 (replaced if there)'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --stdout 'Print the new password on stdout (and nothing else there)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;role;drop'= {
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --force 'Hand back the tasks it holds (pending again, audited) and drop it'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;role;help'= {
            cand create 'Create a login role of a kind (idempotent: an existing role of that kind is kept)'
            cand list 'List taskdb''s login roles: kind, login, expiry, connections, last activity, leases'
            cand show 'Show a role''s attributes and its effective grants in this database'
            cand rotate 'Give a role a new random password (SCRAM-SHA-256), written once to a 0600 file or stdout'
            cand drop 'Drop a role; refused while it holds tasks unless --force, which hands them back first'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;role;help;create'= {
        }
        &'taskdb;role;help;list'= {
        }
        &'taskdb;role;help;show'= {
        }
        &'taskdb;role;help;rotate'= {
        }
        &'taskdb;role;help;drop'= {
        }
        &'taskdb;role;help;help'= {
        }
        &'taskdb;worker'= {
            cand -t 'Only tasks carrying this tag'
            cand --tag 'Only tasks carrying this tag'
            cand --type 'Only tasks of this type'
            cand --concurrency 'Run up to N tasks at once (1-1000)'
            cand --lease 'The lease of each claim, extended every third of it while CMD runs (30s, 15m, 2h) [default: [tasks] lease, else 15m]'
            cand --max-attempts 'Attempts before a task is given up (failed) [default: the task''s own, else [tasks] max_attempts, else 3]'
            cand --max-tasks 'Claim at most N tasks, then exit 0 when they are done'
            cand --idle-exit 'Exit 0 after this long with nothing running and nothing to claim [default: never]'
            cand --grace 'On SIGINT/SIGTERM, how long running commands may still finish before they are stopped'
            cand --assign 'The holder of the claims [default: the actor]'
            cand --reconnect-for 'While the database cannot be reached (a failover), keep trying this long, then exit 6 [default: [tasks] reconnect_for, else 60s]'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --once 'Run one task, then exit with its outcome (0 completed, 1 not; 4 nothing to claim)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;tunnel'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand deploy 'Create or update the tunnel, its ingress, DNS record and Access application (idempotent)'
            cand status 'Show the tunnel''s status, connections, ingress, DNS record and Access application'
            cand token 'Write the connector token to a 0600 file (or print it with --stdout)'
            cand delete 'Delete the DNS record, Access application, configuration, connections and tunnel'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;tunnel;deploy'= {
            cand --hostname 'Public hostname of the database, in a zone of your account (e.g. db.example.com)'
            cand --name 'Tunnel name (unique in the account)'
            cand --service 'Where the connector reaches PostgreSQL (tcp://HOST:PORT)'
            cand --connect-timeout 'Seconds the connector waits to connect to PostgreSQL'
            cand --access-allow-email 'Allow this email through Access (repeatable)'
            cand --access-allow-email-domain 'Allow every email of this domain through Access (repeatable)'
            cand --access-service-token 'Allow an Access service token (created if missing; its secret goes to a 0600 file once)'
            cand --service-token-file 'Where a new service token''s client id and secret are written [default: state dir]'
            cand --token-file 'Where to write the connector token [default: $XDG_STATE_HOME/taskdb/tunnel-NAME.token]'
            cand --api-token-file 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --no-access 'No Access application (anyone who can reach the hostname reaches PostgreSQL''s login)'
            cand --force 'Replace a DNS record or Access application for HOSTNAME that taskdb did not create'
            cand --dry-run 'Print the plan and change nothing'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;tunnel;status'= {
            cand --name 'Tunnel name'
            cand --hostname 'The tunnel''s hostname (only needed when taskdb cannot find it: no state, no ingress)'
            cand --api-token-file 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;tunnel;token'= {
            cand --name 'Tunnel name'
            cand --hostname 'The tunnel''s hostname (only needed when taskdb cannot find it: no state, no ingress)'
            cand --api-token-file 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)'
            cand --token-file 'Write the token here [default: $XDG_STATE_HOME/taskdb/tunnel-NAME.token]'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --stdout 'Print the token on stdout instead (it is a secret: pipe it, don''t show it)'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;tunnel;delete'= {
            cand --name 'Tunnel name'
            cand --hostname 'The tunnel''s hostname (only needed when taskdb cannot find it: no state, no ingress)'
            cand --api-token-file 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --dry-run 'Print the plan and change nothing'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;tunnel;help'= {
            cand deploy 'Create or update the tunnel, its ingress, DNS record and Access application (idempotent)'
            cand status 'Show the tunnel''s status, connections, ingress, DNS record and Access application'
            cand token 'Write the connector token to a 0600 file (or print it with --stdout)'
            cand delete 'Delete the DNS record, Access application, configuration, connections and tunnel'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;tunnel;help;deploy'= {
        }
        &'taskdb;tunnel;help;status'= {
        }
        &'taskdb;tunnel;help;token'= {
        }
        &'taskdb;tunnel;help;delete'= {
        }
        &'taskdb;tunnel;help;help'= {
        }
        &'taskdb;waf'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand apply 'Apply the policy: managed rulesets, custom rules, rate limiting, TLS settings'
            cand status 'Show what is deployed and how it differs from the policy'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;waf;apply'= {
            cand --policy 'TOML policy file (see the README); without it, the secure defaults'
            cand --zone 'Zone name (default: CLOUDFLARE_ZONE_ID, else the zone of the policy''s first hostname)'
            cand --api-token-file 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --dry-run 'Print the plan and change nothing'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;waf;status'= {
            cand --policy 'TOML policy file (see the README); without it, the secure defaults'
            cand --zone 'Zone name (default: CLOUDFLARE_ZONE_ID, else the zone of the policy''s first hostname)'
            cand --api-token-file 'Read the Cloudflare API token from this file (beats CLOUDFLARE_API_TOKEN and the config)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;waf;help'= {
            cand apply 'Apply the policy: managed rulesets, custom rules, rate limiting, TLS settings'
            cand status 'Show what is deployed and how it differs from the policy'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;waf;help;apply'= {
        }
        &'taskdb;waf;help;status'= {
        }
        &'taskdb;waf;help;help'= {
        }
        &'taskdb;bench'= {
            cand --clients 'Concurrent connections'
            cand --duration 'How long to measure (e.g. 10s, 2m, 500ms)'
            cand --warmup 'Unmeasured run-in before measuring'
            cand --workload 'Which operations to run'
            cand --seed-rows 'Tasks to seed the scratch database with (and rows of the minimal queue to start with)'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --keep 'Keep the scratch database afterwards (for inspection or pgbench; remove with --clean)'
            cand --clean 'Only remove a scratch database left by an earlier run, then exit'
            cand --prepare-only 'Only create and seed the scratch database, keep it, and exit (for pgbench or psql)'
            cand --pgbench-script 'Print a pgbench script with the same SQL and mix, then exit (see benches/compare.sh); with --workload queue, the minimal queue''s claim'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;mcp'= {
            cand --tools 'Serve only these tools (comma-separated or repeated; see the list below)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Print every effective setting and where it came from (secrets redacted)'
            cand path 'Print the config file in use (or where `config init` would write one)'
            cand init 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise'
            cand check 'Connect with the effective settings and report the server reached (a preflight check)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;config;check'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;config;help'= {
            cand show 'Print every effective setting and where it came from (secrets redacted)'
            cand path 'Print the config file in use (or where `config init` would write one)'
            cand init 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise'
            cand check 'Connect with the effective settings and report the server reached (a preflight check)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;config;help;show'= {
        }
        &'taskdb;config;help;path'= {
        }
        &'taskdb;config;help;init'= {
        }
        &'taskdb;config;help;check'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;health'= {
            cand --check 'Run only these probes (comma-separated or repeated); see the list below'
            cand --skip 'Skip these probes (comma-separated or repeated)'
            cand --warn 'Warning threshold NAME=VALUE, e.g. connections=80%, idle_in_transaction=30s, off disables'
            cand --crit 'Critical threshold NAME=VALUE, e.g. replication_lag_bytes=1GB, standbys=1'
            cand --timeout 'Bound on the whole run, connecting included [default: 10s; config health.timeout]'
            cand --textfile 'Also write the Prometheus output to FILE, atomically (temp file + rename in its directory)'
            cand --alert-webhook 'POST a JSON alert to URL when the overall state changes [env: TASKDB_HEALTH_ALERT_WEBHOOK]'
            cand --patroni-url 'Patroni REST API the `patroni` probe asks, e.g. http://db1:8008 (several: comma-separated, tried in order) [config: health.patroni_url]'
            cand --tunnel 'Cloudflare Tunnel the `tunnel` probe looks at (and whose deployment `security` considers)'
            cand --alert-cooldown 'At most one alert per state within this time [default: 15m; config health.alert_cooldown]'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --record 'Store every probe value in system_metrics (component "health") in one statement'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;metrics'= {
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand record 'Record one sample'
            cand dump 'Print samples, raw (paginated) or aggregated per time bucket'
            cand prune 'Remove samples older than a given age: whole monthly partitions first, then rows'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;metrics;record'= {
            cand --type 'Metric type'
            cand --unit 'Unit: bytes, seconds, milliseconds, count, percent, requests_per_second, errors_per_minute'
            cand --component 'Component the sample belongs to, e.g. scheduler'
            cand --tag 'A tag key=value (repeatable)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;metrics;dump'= {
            cand --name 'Only these metric names (repeatable)'
            cand --component 'Only this component'
            cand --since 'From this time on: a duration back from now (1h, 7d) or RFC 3339'
            cand --until 'Before this time: a duration back from now or RFC 3339'
            cand --bucket 'Aggregate per time bucket of this size (1m, 1h, 1d; aligned to UTC epoch)'
            cand --agg 'Aggregate used with --bucket'
            cand --limit 'Raw samples per page'
            cand --offset 'Raw samples to skip (the next page starts at --offset + --limit)'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;metrics;prune'= {
            cand --older-than 'Remove samples older than this (e.g. 30d, 12h)'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --dry-run 'Report what would be removed; change nothing'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;metrics;help'= {
            cand record 'Record one sample'
            cand dump 'Print samples, raw (paginated) or aggregated per time bucket'
            cand prune 'Remove samples older than a given age: whole monthly partitions first, then rows'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskdb;metrics;help;record'= {
        }
        &'taskdb;metrics;help;dump'= {
        }
        &'taskdb;metrics;help;prune'= {
        }
        &'taskdb;metrics;help;help'= {
        }
        &'taskdb;maintain'= {
            cand --months-ahead 'Monthly partitions to keep ready after the current month [config maintain.months_ahead]'
            cand --metrics-days 'Days of system_metrics to keep; 0 keeps all [config maintain.metrics_retention_days]'
            cand --api-logs-days 'Days of api_access_logs to keep; 0 keeps all [config maintain.api_logs_retention_days]'
            cand --audit-days 'Days of audit log to keep; 0 keeps all [config maintain.audit_retention_days]'
            cand --database-url 'PostgreSQL URL or key=value conninfo [env: DATABASE_URL]'
            cand --config 'Config file to read instead of the default search [env: TASKDB_CONFIG]'
            cand --format 'Output format on stdout'
            cand --color 'When to use colour (NO_COLOR is honoured with auto)'
            cand --actor 'Who is acting, recorded in the audit log [env: TASKDB_ACTOR] [default: user@host]'
            cand --wait 'Wait for a maintain run in progress instead of skipping'
            cand -q 'Print only data and errors'
            cand --quiet 'Print only data and errors'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand -y 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --yes 'Answer yes to confirmations (required for destructive commands without a terminal)'
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
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
            cand --read-only 'Only read: send reads to a standby when one of the hosts is one (target_session_attrs=prefer-standby) and refuse commands that write [env: TASKDB_READ_ONLY]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'taskdb;help'= {
            cand local 'Manage the local PostgreSQL cluster taskdb uses when nothing else is configured'
            cand migrate 'Apply, revert, inspect and rehearse schema migrations (backups taken automatically)'
            cand backup 'Create, list, verify and restore pg_dump backups'
            cand task 'Create, find, claim and change tasks; import and export Task Master files'
            cand workflow 'Track workflow runs of tasks: steps, failures, retries'
            cand role 'Create, list, show, rotate and drop the database roles clients log in as'
            cand worker 'Claim tasks and run a command for each: heartbeats, retries, graceful stop'
            cand tunnel 'Expose the database through a Cloudflare Tunnel behind Cloudflare Access'
            cand waf 'Apply the zone''s WAF rules, rate limiting and TLS settings from a policy'
            cand bench 'Load-test the database with the seed system''s operations (scratch database, dropped after)'
            cand mcp 'Serve the task database to AI agents over the Model Context Protocol (stdio)'
            cand config 'Show, locate or create the configuration'
            cand completions 'Print a shell completion script'
            cand health 'Check the database: Nagios exit codes, Prometheus textfile, alerts'
            cand metrics 'Record, print and expire samples in system_metrics'
            cand maintain 'Partitions ahead, retention, ANALYZE: the one cron entry for upkeep'
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
        &'taskdb;help;migrate'= {
            cand up 'Apply pending migrations (safe to run from several hosts at once)'
            cand down 'Revert applied migrations with their down scripts (backup and confirmation first)'
            cand status 'Show every migration: applied, pending, divergent (file changed) or missing (not in this taskdb)'
            cand validate 'Check the migrations: every up has a down, applied checksums match; --roundtrip rehearses them'
        }
        &'taskdb;help;migrate;up'= {
        }
        &'taskdb;help;migrate;down'= {
        }
        &'taskdb;help;migrate;status'= {
        }
        &'taskdb;help;migrate;validate'= {
        }
        &'taskdb;help;backup'= {
            cand create 'Back up the database with pg_dump -Fc into the backup directory, verified'
            cand list 'List the backups in the backup directory (from their manifests) and interrupted ones'
            cand verify 'Check that a backup is readable to the end and matches its manifest'
            cand restore 'Restore a backup into a new database (--into) or over the current one'
            cand prune 'Delete old backups from the backup directory (retention)'
        }
        &'taskdb;help;backup;create'= {
        }
        &'taskdb;help;backup;list'= {
        }
        &'taskdb;help;backup;verify'= {
        }
        &'taskdb;help;backup;restore'= {
        }
        &'taskdb;help;backup;prune'= {
        }
        &'taskdb;help;task'= {
            cand create 'Create a task; prints its short id (json: the whole task)'
            cand list 'List tasks (filters, trigram search, keyset pagination)'
            cand search 'Find tasks by title and description, best matches first (same as `list --search`)'
            cand show 'Show one task: every field, dependencies, children, completion, workflows, history'
            cand tree 'Draw the task hierarchy with statuses (all top-level tasks, or below one task)'
            cand history 'The audit trail of a task: who changed what, when, old → new'
            cand update 'Change a task''s fields (status has its own command: `task status`)'
            cand status 'Move a task to a new status along the allowed transitions'
            cand delete 'Delete a task (refuses when it has children or dependents, unless --cascade)'
            cand deps 'Add, remove or list dependencies between tasks'
            cand next 'The next task to work on (Task Master''s choice); --claim takes it atomically'
            cand heartbeat 'Extend the lease on a task you hold (only the holder may)'
            cand release 'Hand a task you hold back (pending again, claimable by others)'
            cand import 'Import a Task Master tasks.json (both shapes) in one transaction; idempotent'
            cand export 'Export tasks as a Task Master tasks.json (tagged format)'
        }
        &'taskdb;help;task;create'= {
        }
        &'taskdb;help;task;list'= {
        }
        &'taskdb;help;task;search'= {
        }
        &'taskdb;help;task;show'= {
        }
        &'taskdb;help;task;tree'= {
        }
        &'taskdb;help;task;history'= {
        }
        &'taskdb;help;task;update'= {
        }
        &'taskdb;help;task;status'= {
        }
        &'taskdb;help;task;delete'= {
        }
        &'taskdb;help;task;deps'= {
            cand add 'ID depends on DEPENDS_ON (a cycle is refused and spelled out)'
            cand rm 'Remove the dependency of ID on DEPENDS_ON'
            cand list 'What ID waits for and what waits for ID'
        }
        &'taskdb;help;task;deps;add'= {
        }
        &'taskdb;help;task;deps;rm'= {
        }
        &'taskdb;help;task;deps;list'= {
        }
        &'taskdb;help;task;next'= {
        }
        &'taskdb;help;task;heartbeat'= {
        }
        &'taskdb;help;task;release'= {
        }
        &'taskdb;help;task;import'= {
        }
        &'taskdb;help;task;export'= {
        }
        &'taskdb;help;workflow'= {
            cand create 'Start tracking a workflow for a task; prints its short id (json: the workflow)'
            cand list 'List workflows'
            cand show 'Show a workflow: fields, the step timeline with durations, errors'
            cand step 'Record a step (starts the workflow; a failed step fails it; the last declared step completes it)'
            cand complete 'Mark a workflow completed'
            cand fail 'Mark a workflow failed'
            cand cancel 'Cancel a workflow'
            cand retry 'Run a failed or timed-out workflow again (while retries are left)'
            cand delete 'Delete a workflow and its history of steps'
        }
        &'taskdb;help;workflow;create'= {
        }
        &'taskdb;help;workflow;list'= {
        }
        &'taskdb;help;workflow;show'= {
        }
        &'taskdb;help;workflow;step'= {
        }
        &'taskdb;help;workflow;complete'= {
        }
        &'taskdb;help;workflow;fail'= {
        }
        &'taskdb;help;workflow;cancel'= {
        }
        &'taskdb;help;workflow;retry'= {
        }
        &'taskdb;help;workflow;delete'= {
        }
        &'taskdb;help;role'= {
            cand create 'Create a login role of a kind (idempotent: an existing role of that kind is kept)'
            cand list 'List taskdb''s login roles: kind, login, expiry, connections, last activity, leases'
            cand show 'Show a role''s attributes and its effective grants in this database'
            cand rotate 'Give a role a new random password (SCRAM-SHA-256), written once to a 0600 file or stdout'
            cand drop 'Drop a role; refused while it holds tasks unless --force, which hands them back first'
        }
        &'taskdb;help;role;create'= {
        }
        &'taskdb;help;role;list'= {
        }
        &'taskdb;help;role;show'= {
        }
        &'taskdb;help;role;rotate'= {
        }
        &'taskdb;help;role;drop'= {
        }
        &'taskdb;help;worker'= {
        }
        &'taskdb;help;tunnel'= {
            cand deploy 'Create or update the tunnel, its ingress, DNS record and Access application (idempotent)'
            cand status 'Show the tunnel''s status, connections, ingress, DNS record and Access application'
            cand token 'Write the connector token to a 0600 file (or print it with --stdout)'
            cand delete 'Delete the DNS record, Access application, configuration, connections and tunnel'
        }
        &'taskdb;help;tunnel;deploy'= {
        }
        &'taskdb;help;tunnel;status'= {
        }
        &'taskdb;help;tunnel;token'= {
        }
        &'taskdb;help;tunnel;delete'= {
        }
        &'taskdb;help;waf'= {
            cand apply 'Apply the policy: managed rulesets, custom rules, rate limiting, TLS settings'
            cand status 'Show what is deployed and how it differs from the policy'
        }
        &'taskdb;help;waf;apply'= {
        }
        &'taskdb;help;waf;status'= {
        }
        &'taskdb;help;bench'= {
        }
        &'taskdb;help;mcp'= {
        }
        &'taskdb;help;config'= {
            cand show 'Print every effective setting and where it came from (secrets redacted)'
            cand path 'Print the config file in use (or where `config init` would write one)'
            cand init 'Write a commented config file (0600); asks at a terminal, flag-driven otherwise'
            cand check 'Connect with the effective settings and report the server reached (a preflight check)'
        }
        &'taskdb;help;config;show'= {
        }
        &'taskdb;help;config;path'= {
        }
        &'taskdb;help;config;init'= {
        }
        &'taskdb;help;config;check'= {
        }
        &'taskdb;help;completions'= {
        }
        &'taskdb;help;health'= {
        }
        &'taskdb;help;metrics'= {
            cand record 'Record one sample'
            cand dump 'Print samples, raw (paginated) or aggregated per time bucket'
            cand prune 'Remove samples older than a given age: whole monthly partitions first, then rows'
        }
        &'taskdb;help;metrics;record'= {
        }
        &'taskdb;help;metrics;dump'= {
        }
        &'taskdb;help;metrics;prune'= {
        }
        &'taskdb;help;maintain'= {
        }
        &'taskdb;help;generate-man'= {
        }
        &'taskdb;help;help'= {
        }
    ]
    $completions[$command]
}
