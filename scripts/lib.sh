# shellcheck shell=bash
# Shared set-up steps for scripts/demo and scripts/test. Every step is idempotent:
# it checks what is there and only installs or creates what is missing.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PG_VERSION="${PG_VERSION:-15}"
DB_USER="${GRIDAPP_DB_USER:-gridapp}"
DB_PASSWORD="${GRIDAPP_DB_PASSWORD:-gridapp}"
DB_HOST="${GRIDAPP_DB_HOST:-127.0.0.1}"
DB_PORT="${GRIDAPP_DB_PORT:-5432}"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { as_root runuser -u postgres -- "$@"; }

# ensure_apt PKG...: install the Debian packages that are missing.
ensure_apt() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        step "Installing Debian packages: ${missing[*]}"
        as_root apt-get update
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    fi
}

ensure_postgres() {
    ensure_apt "postgresql-$PG_VERSION" "postgresql-$PG_VERSION-postgis-3" "postgresql-$PG_VERSION-pgrouting"
    if ! pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" '$1==v' | grep -q .; then
        step "Creating PostgreSQL $PG_VERSION cluster"
        as_root pg_createcluster "$PG_VERSION" main --port "$DB_PORT"
    fi
    if ! pg_lsclusters -h | awk -v v="$PG_VERSION" '$1==v && $4=="online"' | grep -q .; then
        step "Starting PostgreSQL $PG_VERSION"
        as_root pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start
    fi
    local i
    for i in $(seq 1 30); do
        as_postgres pg_isready -q -p "$DB_PORT" && break
        sleep 1
    done
    as_postgres pg_isready -q -p "$DB_PORT" || { echo "PostgreSQL is not ready" >&2; return 1; }
}

# ensure_database NAME: our role, the database and its extensions, whatever the auth rules.
ensure_database() {
    local db="$1"
    as_postgres psql -p "$DB_PORT" -q -v ON_ERROR_STOP=1 -d postgres <<SQL
DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE "$DB_USER" LOGIN PASSWORD '$DB_PASSWORD';
  END IF;
END\$\$;
ALTER ROLE "$DB_USER" LOGIN PASSWORD '$DB_PASSWORD';
SQL
    if ! as_postgres psql -p "$DB_PORT" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
        step "Creating database $db"
        as_postgres createdb -p "$DB_PORT" -O "$DB_USER" "$db"
    fi
    as_postgres psql -p "$DB_PORT" -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pgrouting;
ALTER DATABASE "$db" OWNER TO "$DB_USER";
ALTER SCHEMA public OWNER TO "$DB_USER";
GRANT ALL ON ALL TABLES IN SCHEMA public TO "$DB_USER";
SQL
}

database_url() { echo "postgresql+psycopg://$DB_USER:$DB_PASSWORD@$DB_HOST:$DB_PORT/$1"; }

ensure_venv() {
    if [ ! -x "$VENV/bin/python" ]; then
        step "Creating Python virtualenv in .venv"
        python3.11 -m venv "$VENV" 2>/dev/null || python3 -m venv "$VENV"
    fi
    local stamp="$VENV/.installed" want
    want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        step "Installing Python dependencies (pinned in pyproject.toml)"
        "$VENV/bin/pip" install --progress-bar on -e "$ROOT[dev]"
        echo "$want" >"$stamp"
    fi
}

ensure_assets() {
    local stamp="$ROOT/static/vendor/.installed" want
    want="$(cat "$ROOT/package.json" "$ROOT/package-lock.json" "$ROOT/scripts/vendor-assets" | sha256sum | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        command -v npm >/dev/null 2>&1 || ensure_apt nodejs npm
        step "Installing front-end assets from npm into static/vendor/"
        (cd "$ROOT" && npm ci --no-audit --no-fund)
        "$ROOT/scripts/vendor-assets"
        echo "$want" >"$stamp"
    fi
}
