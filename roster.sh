#!/usr/bin/env bash
# Roster's one entry point for people and CI.
#
#   ./roster.sh run     set up what is missing, build, start Postgres (unless DATABASE_URL is set),
#                       migrate and serve Roster at http://localhost:3000
#   ./roster.sh test    every check: fmt, clippy, unit + integration tests on a real Postgres,
#                       shared for wasm32, release build, Playwright end-to-end in Chromium
#
# Helpers: setup (toolchain only), e2e (only the end-to-end tests), db-start, db-stop, psql, sqlx-prepare.
# One-time tools are cached in $ROSTER_CACHE_DIR (default ~/.cache/roster), outside the clone,
# so a machine pays for them once. Everything is idempotent and says what it is doing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${ROSTER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/roster}
TOOLS=$CACHE/tools
DATA=${ROSTER_DATA_DIR:-$ROOT/.data}
PG_PORT=${ROSTER_PG_PORT:-54329}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$CACHE/target}
# Builds read the committed query metadata in .sqlx/, so compiling never needs a database.
export SQLX_OFFLINE=${SQLX_OFFLINE:-true}
export PATH=$TOOLS/bin:$TOOLS/npm/node_modules/.bin:$PATH

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() {
  printf '\033[1;31merror:\033[0m %s\n' "$1" >&2
  [ $# -gt 1 ] && printf '       %s\n' "${@:2}" >&2
  exit 1
}
is_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} = 0 ] && return 0
  is_root || die "missing Debian packages: ${missing[*]}" "run: sudo apt-get install -y ${missing[*]}"
  say "installing Debian packages: ${missing[*]}"
  apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
    die "apt-get could not install ${missing[*]}" "check the network access to Debian's mirror"
}

# --- Rust toolchain ---------------------------------------------------------------------------
# An ordinary machine has rustup with the wasm32 target (or can add it): use that. Where rustup
# cannot download (this project's build machines), use Debian's rustc-web 1.96 with a wasm32 std
# built once from rust-web-src (see ../shared/TOOLCHAIN.md) and put /usr/bin first on PATH, so
# host and wasm use the same compiler.
wasm_via_rustup() {
  command -v rustup >/dev/null || return 1
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown && return 0
  [ -f "$CACHE/rustup-wasm-unavailable" ] && return 1
  say "adding the wasm32 target with rustup (60 s at most)"
  if timeout 60 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then return 0; fi
  mkdir -p "$CACHE" && touch "$CACHE/rustup-wasm-unavailable"
  say "rustup cannot add wasm32 here; using Debian's rustc-web with a locally built wasm32 std"
  return 1
}

setup_debian_rust() {
  apt_install rustc-web cargo-web rust-web-src rust-web-clippy rustfmt-web lld-22
  export PATH=/usr/bin:$PATH
  local libdir=/usr/lib/rustlib/wasm32-unknown-unknown/lib stamp
  stamp="$(/usr/bin/rustc --version)"
  if [ "$(cat "$libdir/.roster-stamp" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  is_root || die "the wasm32 standard library must be built into $libdir" "run ./roster.sh setup once as root"
  say "building the wasm32 standard library for $stamp (once per compiler, about 3 minutes)"
  local probe=$CACHE/wasm-sysroot
  rm -rf "$probe" && mkdir -p "$probe/src"
  printf '[package]\nname = "sysroot-probe"\nversion = "0.0.0"\nedition = "2021"\n' >"$probe/Cargo.toml"
  echo '#![no_std]' >"$probe/src/lib.rs"
  (cd "$probe" && RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$probe/target" cargo build -q --release \
    --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort,panic_unwind) ||
    die "building the wasm32 std failed" "see the cargo output above"
  # Two builds of core side by side are ambiguous to rustc: empty the directory first.
  rm -rf "$libdir" && mkdir -p "$libdir"
  cp "$probe"/target/wasm32-unknown-unknown/release/deps/*.rlib "$libdir/"
  rm -f "$libdir"/libsysroot_probe-*.rlib
  echo "$stamp" >"$libdir/.roster-stamp"
  rm -rf "$probe"
}

cargo_install() { # crate binary version [extra cargo-install flags]
  local name=$1 binary=$2 version=$3
  shift 3
  if [ -x "$TOOLS/bin/$binary" ] && [ "$(cat "$TOOLS/.$name.version" 2>/dev/null)" = "$version" ]; then
    return 0
  fi
  say "installing $name $version into $TOOLS (once per machine; this takes a while)"
  # These tools only orchestrate builds: a quick, unoptimised-LTO build of them is plenty.
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=2 CARGO_TARGET_DIR="$CACHE/install-target" \
    cargo install -q --root "$TOOLS" "$name" --version "$version" "$@" ||
    die "cargo install $name $version failed" "see the cargo output above"
  echo "$version" >"$TOOLS/.$name.version"
}

setup_toolchain() {
  command -v cargo >/dev/null || die "cargo not found" "install Rust: https://rustup.rs"
  mkdir -p "$TOOLS/bin"
  wasm_via_rustup || setup_debian_rust
  local bindgen
  bindgen=$(sed -n 's/^wasm-bindgen = { *version = "=\([^"]*\)".*/\1/p; s/^wasm-bindgen = "=\([^"]*\)"/\1/p' \
    "$ROOT/Cargo.toml" | head -n1)
  [ -n "$bindgen" ] || die "Cargo.toml must pin wasm-bindgen with '=' (the CLI must match it)"
  # 0.3.10 is the newest cargo-leptos whose locked dependencies build with Rust 1.95 (rustup's
  # stable here); 0.3.11 needs 1.96. On 2 cores it compiles in about 30 minutes.
  cargo_install cargo-leptos cargo-leptos 0.3.10 --locked --features no_downloads
  # Not --locked: the registry copy lacks one pinned dependency version (TOOLCHAIN.md).
  cargo_install wasm-bindgen-cli wasm-bindgen "$bindgen"
  if [ "$(cat "$TOOLS/.binaryen.version" 2>/dev/null)" != 132.0.0 ]; then
    say "installing wasm-opt (npm binaryen 132) into $TOOLS/npm"
    mkdir -p "$TOOLS/npm"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS/npm" binaryen@132.0.0 >/dev/null ||
      die "npm could not install binaryen" "check access to the npm registry"
    echo 132.0.0 >"$TOOLS/.binaryen.version"
  fi
}

# --- PostgreSQL -------------------------------------------------------------------------------
pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  if [ -z "$dir" ]; then
    apt_install postgresql postgresql-contrib
    dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  echo "$dir"
}

as_pg() { # run a PostgreSQL program as the cluster's owner
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

db_password() { cat "$DATA/pg-password"; }
app_password() { cat "$DATA/pg-app-password"; }
# The owner of Roster's databases (migrations, bulk loads, the tests' bookkeeping) and the role
# the server works as (README "Database roles").
local_database_url() { echo "postgres://roster:$(db_password)@127.0.0.1:$PG_PORT/${1:-roster}"; }
app_database_url() { echo "postgres://roster_app:$(app_password)@127.0.0.1:$PG_PORT/${1:-roster}"; }
new_secret() { (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' 'xy' >"$1"); }
psql_superuser() { PGPASSWORD=$(cat "$DATA/pg-superuser-password") "$(pg_bin)/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"; }

# The cluster's superuser is `postgres`. The ordinary role `roster` owns Roster's databases and
# tables (it migrates, and may create databases for tests); the server works as `roster_app`,
# which owns nothing and so can neither switch off row-level security and the audit guards nor
# change the audit trail.
db_start() {
  local bin cluster=$DATA/pg
  bin=$(pg_bin)
  mkdir -p "$DATA"
  if [ ! -f "$cluster/PG_VERSION" ]; then
    say "creating a private PostgreSQL cluster in $cluster"
    if is_root; then
      id postgres >/dev/null 2>&1 || die "no 'postgres' user" "install PostgreSQL: apt-get install postgresql"
      runuser -u postgres -- test -x "$DATA" ||
        die "the postgres user cannot reach $DATA" "clone into a directory others can traverse, or set ROSTER_DATA_DIR"
    fi
    [ -f "$DATA/pg-password" ] || new_secret "$DATA/pg-password"
    [ -f "$DATA/pg-superuser-password" ] || new_secret "$DATA/pg-superuser-password"
    mkdir -p "$cluster" && chmod 700 "$cluster"
    local pwfile=$cluster.pwfile
    (umask 077 && cat "$DATA/pg-superuser-password" >"$pwfile")
    if is_root; then chown postgres "$cluster" "$pwfile"; fi
    as_pg "$bin/initdb" -D "$cluster" -U postgres --pwfile="$pwfile" --auth=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >/dev/null || die "initdb failed" "see the output above"
    rm -f "$pwfile"
    printf '%s\n' "# Roster's private cluster: loopback only, its own port and socket directory." \
      "listen_addresses = '127.0.0.1'" "port = $PG_PORT" "unix_socket_directories = '$cluster'" \
      "shared_buffers = 512MB" "work_mem = 16MB" "maintenance_work_mem = 512MB" \
      "max_connections = 200" \
      "# Bulk loads (roster seed) write gigabytes of WAL: fewer, calmer checkpoints." \
      "max_wal_size = 8GB" "checkpoint_timeout = 15min" >>"$cluster/postgresql.conf"
  fi
  if ! as_pg "$bin/pg_ctl" -D "$cluster" status >/dev/null 2>&1; then
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg "$bin/pg_ctl" -D "$cluster" -l "$cluster/server.log" -w -t 60 start >/dev/null ||
      die "PostgreSQL did not start" "see $cluster/server.log"
    STARTED_PG=1
  fi
  psql_superuser -qtAc "select 1 from pg_roles where rolname = 'roster'" | grep -q 1 ||
    psql_superuser -qc "create role roster login createdb password '$(db_password)'" >/dev/null ||
    die "could not create the roster role" "see $cluster/server.log"
  # Clusters made before the application role had its own password file get one now.
  [ -f "$DATA/pg-app-password" ] || new_secret "$DATA/pg-app-password"
  psql_superuser -qtAc "select 1 from pg_roles where rolname = 'roster_app'" | grep -q 1 ||
    psql_superuser -qc "create role roster_app login password '$(app_password)'" >/dev/null ||
    die "could not create the roster_app role" "see $cluster/server.log"
}

db_stop() {
  local bin
  bin=$(pg_bin)
  [ -f "$DATA/pg/PG_VERSION" ] || return 0
  as_pg "$bin/pg_ctl" -D "$DATA/pg" -m fast stop >/dev/null 2>&1 && say "stopped PostgreSQL" || true
}

psql_local() { PGPASSWORD=$(db_password) "$(pg_bin)/psql" -h 127.0.0.1 -p "$PG_PORT" -U roster "$@"; }

ensure_database() { # name: created by, and so owned by, the roster role
  psql_local -d postgres -tAc "select 1 from pg_database where datname = '$1'" | grep -q 1 ||
    psql_local -d postgres -qc "create database \"$1\"" >/dev/null
}

# --- Building ---------------------------------------------------------------------------------
# The API reference page's script (/api/docs): Redoc's standalone bundle from the npm registry,
# pinned, checked against the registry's integrity hash, copied into public/ for the build.
# Redoc draws a "by Redocly" logo from Redocly's CDN, which the page's policy blocks: the copy
# served points it at nothing instead (the logo then hides itself), and nothing else in the
# bundle loads from elsewhere. (3.x also sends telemetry.)
REDOC_VERSION=2.5.2
REDOC_INTEGRITY=sha512-sTJfItvRkcDTojB6wdLN4M+Ua6mlZwElV21Tf8Mn7IbQF/1Os6GvgQpZyLWPGZZHbhy7GC1Or1hTMHfz1vKh5A==
api_docs_assets() {
  local into=$ROOT/public/api-docs tarball=$CACHE/redoc-$REDOC_VERSION.tgz
  local stamp="$REDOC_VERSION, logo unlinked"
  [ -f "$into/redoc.standalone.js" ] && [ "$(cat "$into/VERSION" 2>/dev/null)" = "$stamp" ] && return 0
  if [ ! -f "$tarball" ]; then
    (cd "$CACHE" && npm pack "redoc@$REDOC_VERSION" --silent >/dev/null) || die "could not fetch redoc from npm"
  fi
  local sum
  sum="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  [ "$sum" = "$REDOC_INTEGRITY" ] || { rm -f "$tarball"; die "redoc-$REDOC_VERSION.tgz does not match its integrity hash"; }
  mkdir -p "$into"
  tar -xzf "$tarball" -O package/bundles/redoc.standalone.js |
    sed 's#https://cdn\.redoc\.ly/redoc/logo-mini\.svg#data:,#' >"$into/redoc.standalone.js"
  ! grep -q 'cdn\.redoc\.ly' "$into/redoc.standalone.js" ||
    die "redoc-$REDOC_VERSION still names Redocly's CDN"
  tar -xzf "$tarball" -O package/LICENSE >"$into/LICENSE"
  echo "$stamp" >"$into/VERSION"
}

build_release() {
  api_docs_assets
  say "building Roster (release: server and wasm bundle, assets precompressed)"
  (cd "$ROOT" && cargo leptos build --release --precompress --cargo-locked --split) ||
    die "the release build failed" "see the output above"
  # cargo-leptos gzips at its default level; the best level makes the files served to clients
  # without brotli about 15 % smaller, once per build.
  local file
  for file in "$ROOT"/target/site/pkg/*.wasm "$ROOT"/target/site/pkg/*.js "$ROOT"/target/site/pkg/*.css \
    "$ROOT"/target/site/api-docs/*.js; do
    gzip -9 -n -c "$file" >"$file.gz"
  done
}

serve_env() {
  export LEPTOS_SITE_ROOT=$ROOT/target/site LEPTOS_SITE_PKG_DIR=pkg
  export LEPTOS_OUTPUT_NAME=roster LEPTOS_ENV=PROD
}

# Records the query metadata (what lets builds check SQL without a database) into $1, from a
# scratch database built from migrations/.
record_queries() {
  local into=$1
  db_start
  say "building the scratch database roster_sqlx from migrations/"
  psql_local -d postgres -qc 'drop database if exists roster_sqlx' -c 'create database roster_sqlx' >/dev/null
  for migration in "$ROOT"/migrations/*.sql; do
    psql_local -d roster_sqlx -v ON_ERROR_STOP=1 -q -f "$migration" >/dev/null ||
      die "migration $migration failed on the scratch database"
  done
  rm -rf "$into" && mkdir -p "$into"
  # Touching the crates that hold queries makes cargo expand every query macro again.
  touch "$ROOT"/app/src/lib.rs "$ROOT"/server/src/lib.rs
  (cd "$ROOT" && SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$into" DATABASE_URL=$(local_database_url roster_sqlx) \
    cargo check -q --locked -p server -p app --features app/ssr --all-targets) || die "cargo check failed"
}

# Regenerates .sqlx/. Run it after changing a query or a migration.
cmd_sqlx_prepare() {
  say "recording query metadata into .sqlx/"
  record_queries "$ROOT/.sqlx"
  say "$(ls "$ROOT/.sqlx" | wc -l) queries recorded"
}

# The committed .sqlx/ must be what the queries and migrations give now: a stale entry would let
# a build check a query against a schema that is gone.
check_queries_recorded() {
  local fresh=$CACHE/sqlx-fresh
  record_queries "$fresh"
  diff -rq "$fresh" "$ROOT/.sqlx" ||
    die ".sqlx/ is stale: run ./roster.sh sqlx-prepare and commit .sqlx/"
}

cmd_run() {
  setup_toolchain
  build_release
  if [ -z "${DATABASE_URL:-}" ]; then
    db_start
    ensure_database roster
    export DATABASE_URL ROSTER_OWNER_DATABASE_URL
    DATABASE_URL=$(app_database_url roster)
    ROSTER_OWNER_DATABASE_URL=$(local_database_url roster)
  else
    say "using the database in DATABASE_URL; starting no PostgreSQL"
  fi
  serve_env
  export LEPTOS_SITE_ADDR=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
  # By a name, not an address: browsers make passkeys for domain names only.
  say "serving Roster at ${ROSTER_PUBLIC_URL:-http://localhost:${LEPTOS_SITE_ADDR##*:}} (Ctrl-C stops it)"
  cd "$ROOT" && exec "$CARGO_TARGET_DIR/release/roster" serve
}

# --- Tests -------------------------------------------------------------------------------------
STEP_LOG=""
step() { # name command... : runs one check, times it, stops everything at the first failure
  local name=$1 start=$SECONDS
  shift
  say "$name"
  "$@" || die "$name failed" "see the output above"
  STEP_LOG+=$(printf '%6ss  %s' $((SECONDS - start)) "$name")$'\n'
}

CHECKED=(-p roster-shared -p app -p server --features app/ssr,roster-shared/client)

test_database_url() {
  db_start
  # sqlx::test keeps its bookkeeping in this database and creates a fresh one per test.
  ensure_database roster_tests
  # The tests' own databases are owned by `roster`; the code under test connects to each as
  # roster_app (app/tests/backend/support.rs).
  DATABASE_URL=$(local_database_url roster_tests)
  ROSTER_TEST_APP_DATABASE_URL=$(app_database_url roster_tests)
  export DATABASE_URL ROSTER_TEST_APP_DATABASE_URL
}

# A superuser of the tests' own on the test server's database; the password goes on stdin,
# never on a command line.
test_superuser() { # username password
  printf '%s\n' "$2" | DATABASE_URL=$(app_database_url roster_e2e) \
    "$CARGO_TARGET_DIR/release/roster" create-superuser --username "$1" >/dev/null ||
    die "could not create the superuser $1 for the tests"
}

# The release server the end-to-end and contract tests talk to, on a fresh database, with two
# superusers of the tests' own (fresh random passwords each run): e2e-root for Playwright and
# contract-root for the contract test. Superusers must have a second factor and each of its
# codes signs in once: the end-to-end tests add one to theirs and keep its session and key to
# themselves (end2end/global-setup.ts), so the contract test, which runs after them on the same
# server, signs in as a superuser of its own. Per-token rate limits are raised so that the
# contract test's fuzzing is not throttled (the limit itself is tested in
# server/tests/http/tokens.rs).
start_test_server() {
  [ -n "${E2E_SERVER:-}" ] && return 0
  command -v curl >/dev/null || apt_install curl
  psql_local -d postgres -qc 'drop database if exists roster_e2e with (force)' -c 'create database roster_e2e' >/dev/null
  E2E_PORT=${ROSTER_E2E_PORT:-3100} E2E_LOG=$DATA/e2e-server.log
  (
    serve_env
    export DATABASE_URL=$(app_database_url roster_e2e) LEPTOS_SITE_ADDR=127.0.0.1:$E2E_PORT
    export ROSTER_PUBLIC_URL=http://localhost:$E2E_PORT
    export ROSTER_OWNER_DATABASE_URL=$(local_database_url roster_e2e)
    export ROSTER_TOKEN_RATE=1000 ROSTER_TOKEN_BURST=1000
    cd "$ROOT" && exec "$CARGO_TARGET_DIR/release/roster" serve
  ) >"$E2E_LOG" 2>&1 &
  E2E_SERVER=$!
  for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$E2E_PORT/healthz" >/dev/null 2>&1 && break
    kill -0 "$E2E_SERVER" 2>/dev/null || die "the server for end-to-end tests exited" "see $E2E_LOG"
    sleep 0.5
  done
  E2E_ROOT_PASSWORD="e2e $(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')"
  CONTRACT_ROOT_PASSWORD="contract $(head -c 18 /dev/urandom | base64 | tr '+/' 'xy')"
  test_superuser e2e-root "$E2E_ROOT_PASSWORD"
  test_superuser contract-root "$CONTRACT_ROOT_PASSWORD"
}

run_e2e() {
  local chromium=${ROSTER_CHROMIUM:-/usr/bin/chromium}
  [ -x "$chromium" ] || apt_install chromium
  (cd "$ROOT/end2end" && npm ci --no-audit --no-fund --silent) || die "npm ci failed in end2end/"
  start_test_server
  # localhost, the name passkeys are made for (ROSTER_PUBLIC_URL above).
  (cd "$ROOT/end2end" && ROSTER_BASE_URL="http://localhost:$E2E_PORT" ROSTER_CHROMIUM=$chromium \
    ROSTER_SERVER_LOG=$E2E_LOG ROSTER_E2E_PASSWORD=$E2E_ROOT_PASSWORD npx playwright test "$@")
}

# schemathesis (PyPI), pinned, in a virtual environment of its own (once per machine).
SCHEMATHESIS_VERSION=4.32.5
setup_schemathesis() {
  local venv=$TOOLS/schemathesis
  [ -x "$venv/bin/schemathesis" ] &&
    "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION" && return 0
  python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
  say "installing schemathesis $SCHEMATHESIS_VERSION into $venv (once per machine)"
  rm -rf "$venv" && python3 -m venv "$venv" &&
    "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" || die "could not install schemathesis"
}

# The contract test: schemathesis against the running server with a service account's token,
# every operation of /api/v1/openapi.json (see end2end/contract/schemathesis.toml).
run_contract() {
  setup_schemathesis
  start_test_server
  local base="http://127.0.0.1:$E2E_PORT" ids
  ids=$(ROSTER_CONTRACT_PASSWORD=$CONTRACT_ROOT_PASSWORD python3 "$ROOT/end2end/contract/prepare.py" "$base") ||
    die "could not prepare the contract test"
  (
    set -a && eval "$ids" && set +a
    cd "$ROOT/end2end/contract" &&
      "$TOOLS/schemathesis/bin/schemathesis" --config-file schemathesis.toml \
        run "$base/api/v1/openapi.json" --max-examples 50 --workers 1 --no-color
  )
}

cleanup_test() {
  [ -n "${E2E_SERVER:-}" ] && kill "$E2E_SERVER" 2>/dev/null && wait "$E2E_SERVER" 2>/dev/null
  [ -n "${STARTED_PG:-}" ] && db_stop
  return 0
}

cmd_test() {
  local started=$SECONDS
  trap cleanup_test EXIT
  # The integration tests check the server's one-time codes against oathtool's (RFC 6238 by
  # another hand than the server's): installed here, so that its step times only the tests.
  command -v oathtool >/dev/null || apt_install oathtool
  step "toolchain" setup_toolchain
  cd "$ROOT"
  step "formatting (cargo fmt --check)" cargo fmt --all --check
  step "lints, server side (clippy, warnings denied)" cargo clippy --locked "${CHECKED[@]}" --all-targets -- -D warnings
  step "lints, browser side (clippy for wasm32)" \
    cargo clippy --locked -p frontend --target wasm32-unknown-unknown -- -D warnings
  step "shared builds for wasm32" cargo check --locked -p roster-shared --target wasm32-unknown-unknown
  step "query metadata current (.sqlx/ against migrations/)" check_queries_recorded
  test_database_url
  step "unit and integration tests (PostgreSQL)" cargo test --locked "${CHECKED[@]}"
  step "release build" build_release
  step "end-to-end tests (Playwright, Chromium)" run_e2e
  step "contract tests (schemathesis against /api/v1/openapi.json)" run_contract
  printf '\n%s%6ss  total\n' "$STEP_LOG" $((SECONDS - started)) >&2
  say "all checks passed"
}

# Only the end-to-end step, on a fresh release build; arguments go to Playwright (a spec, --grep).
cmd_e2e() {
  trap cleanup_test EXIT
  setup_toolchain
  db_start
  build_release
  run_e2e "$@"
}

main() {
  case "${1:-}" in
    setup) setup_toolchain ;;
    run) cmd_run ;;
    test) cmd_test ;;
    e2e) shift && cmd_e2e "$@" ;;
    db-start) db_start && echo "DATABASE_URL=$(app_database_url)" &&
      echo "ROSTER_OWNER_DATABASE_URL=$(local_database_url)" ;;
    db-stop) db_stop ;;
    psql) shift && db_start && ensure_database roster && psql_local -d roster "$@" ;;
    sqlx-prepare) cmd_sqlx_prepare ;;
    *) die "usage: ./roster.sh run | test | e2e [playwright args] | setup | db-start | db-stop | psql | sqlx-prepare" ;;
  esac
}

main "$@"
