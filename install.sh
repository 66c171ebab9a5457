#!/usr/bin/env bash
# Build and install taskdb, its shell completions and man pages.
#
#   ./install.sh [--prefix DIR] [--with-postgres]
#
# --prefix DIR      install under DIR (binary in DIR/bin); default /usr/local as root, else ~/.local
# --with-postgres   install the PostgreSQL server package when initdb is missing (apt-get, dnf, brew)
#
# Idempotent: running it again rebuilds and reinstalls the same files.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -eq 0 ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
with_postgres=0

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }
              prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --with-postgres) with_postgres=1; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { printf 'install.sh: %s\n' "$*" >&2; }

have_initdb() {
  command -v initdb >/dev/null 2>&1 && return 0
  command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null 2>&1
}

if [ "$with_postgres" -eq 1 ]; then
  if have_initdb; then
    say "PostgreSQL server binaries already present"
  elif command -v apt-get >/dev/null 2>&1; then
    say "installing the PostgreSQL server (apt-get install postgresql)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql postgresql-contrib >/dev/null
  elif command -v dnf >/dev/null 2>&1; then
    say "installing the PostgreSQL server (dnf install postgresql-server)"
    dnf install -y -q postgresql-server postgresql-contrib
  elif command -v brew >/dev/null 2>&1; then
    say "installing PostgreSQL (brew install postgresql)"
    brew install postgresql
  else
    say "no apt-get, dnf or brew: install the PostgreSQL server package yourself"
    exit 1
  fi
fi

command -v cargo >/dev/null 2>&1 || { say "cargo not found: install Rust (https://rustup.rs)"; exit 1; }

say "building and installing the binary into $prefix/bin"
cargo install --quiet --locked --force --path "$here" --root "$prefix"
rm -f "$prefix/.crates.toml" "$prefix/.crates2.json"

install -d "$prefix/share/bash-completion/completions" "$prefix/share/zsh/site-functions" \
  "$prefix/share/fish/vendor_completions.d" "$prefix/share/man/man1"
install -m 0644 "$here/completions/taskdb.bash" "$prefix/share/bash-completion/completions/taskdb"
install -m 0644 "$here/completions/_taskdb" "$prefix/share/zsh/site-functions/_taskdb"
install -m 0644 "$here/completions/taskdb.fish" "$prefix/share/fish/vendor_completions.d/taskdb.fish"
install -m 0644 "$here"/man/*.1 "$prefix/share/man/man1/"
say "installed completions (bash, zsh, fish) and $(find "$here/man" -name '*.1' | wc -l) man pages under $prefix/share"

case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) say "note: $prefix/bin is not on your PATH; add it, e.g. export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
say "done: $("$prefix/bin/taskdb" --version)"
