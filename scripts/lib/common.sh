# Shared by scripts/demo and scripts/test. Source it; it defines helpers and
# starts nothing by itself.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV="$ROOT/.venv"
export PORTICO_VENV="$VENV"

log() { printf '\033[1;34m[%s]\033[0m %s\n' "$(basename "$0")" "$*"; }
die() { printf '\033[1;31m[%s]\033[0m %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# Background processes started by this shell, stopped on exit.
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for_url URL SECONDS — polls until the URL answers 2xx.
wait_for_url() {
  local url=$1 seconds=${2:-30} i
  for ((i = 0; i < seconds * 5; i++)); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}

# release_build — `cargo leptos build --release` with the pinned wasm-opt
# (Binaryen from npm, installed by scripts/setup) first on PATH.
release_build() {
  PATH="$ROOT/end2end/node_modules/.bin:$PATH" cargo leptos build --release
}

# start_emulator PORT LOG — localstripe behind our compatibility layer, fresh data.
start_emulator() {
  local port=$1 logfile=$2
  STRIPE_EMULATOR_PORT=$port "$ROOT/emulator/run" --from-scratch >"$logfile" 2>&1 &
  PIDS+=($!)
  wait_for_url "http://127.0.0.1:$port/_compat/health" 30 \
    || { cat "$logfile" >&2; die "Stripe emulator did not start on port $port"; }
}

# start_mail_sink SMTP_PORT HTTP_PORT LOG — a real SMTP server (aiosmtpd)
# keeping messages for tests to read over HTTP (emulator/mail_sink.py).
start_mail_sink() {
  local smtp=$1 http=$2 logfile=$3
  "$VENV/bin/python" "$ROOT/emulator/mail_sink.py" --smtp-port "$smtp" --http-port "$http" >"$logfile" 2>&1 &
  PIDS+=($!)
  wait_for_url "http://127.0.0.1:$http/health" 30 \
    || { cat "$logfile" >&2; die "SMTP sink did not start on port $smtp"; }
}

# seed_emulator PORT OUT [EMAIL_SUFFIX] — the demo catalog and customers.
seed_emulator() {
  local port=$1 out=$2 suffix=${3:-}
  STRIPE_API_BASE="http://127.0.0.1:$port" "$VENV/bin/python" "$ROOT/emulator/seed.py" \
    --out "$out" ${suffix:+--email-suffix "$suffix"} >/dev/null
}

# portico_env EMULATOR_PORT BIND DATABASE_URL — environment for a Portico
# talking to the emulator (test mode, demo secrets).
portico_env() {
  local emu=$1 bind=$2 db=$3
  export PORTICO_MODE=test
  export STRIPE_SECRET_KEY=sk_test_portico_local
  export STRIPE_API_BASE="http://127.0.0.1:$emu/"
  export STRIPE_PUBLISHABLE_KEY=pk_test_portico_local
  export STRIPE_JS_URL="http://127.0.0.1:$emu/js.stripe.com/v3/"
  export PORTICO_HASH_SECRET=portico-local-hash-secret
  export PORTICO_BIND=$bind
  export PORTICO_PUBLIC_URL="http://$bind"
  export DATABASE_URL=$db
  # The emulator signs its events with this; see register_webhook.
  export STRIPE_WEBHOOK_SECRET=whsec_portico_local
  export LEPTOS_OUTPUT_NAME=portico
  export LEPTOS_SITE_ROOT="$ROOT/target/site"
  export LEPTOS_SITE_PKG_DIR=pkg
  export LEPTOS_SITE_ADDR=$bind
  export RUST_LOG=${RUST_LOG:-info}
}

# merchant_setup ORIGIN — for the Portico of the current environment: lets
# the merchant site ORIGIN receive customers back (return URLs) and embed
# the portal, names the merchant "Acme Tools" and turns on email sign-in, and
# prints a new portal session API key.
merchant_setup() {
  local bin=${PORTICO_BIN:-$ROOT/target/debug/portico}
  "$bin" config set "{\"allowed_origins\": [\"$1\"], \"company_name\": \"Acme Tools\", \"email_login\": true}" 2>/dev/null
  "$bin" api-key create --description "$(basename "$0")" 2>/dev/null
}

# register_webhook EMULATOR_PORT — points the emulator's webhooks at the
# Portico of the current environment, as a merchant does in Stripe's
# dashboard (POST /_compat/webhooks; the id makes a rerun replace it).
register_webhook() {
  curl -fsS -o /dev/null "http://127.0.0.1:$1/_compat/webhooks" \
    -d "id=portico-${PORTICO_BIND//[:.]/-}" -d "url=http://$PORTICO_BIND/webhooks/stripe" \
    -d "secret=$STRIPE_WEBHOOK_SECRET" -d "events[]=*" \
    || die "cannot register Portico's webhook endpoint with the emulator"
}

# start_portico LOG — the built binary ($PORTICO_BIN, the debug build by
# default) with the current environment.
start_portico() {
  local logfile=$1 bin=${PORTICO_BIN:-$ROOT/target/debug/portico}
  # Another Portico on the port would answer the health check for this one.
  if curl -fsS -o /dev/null "http://$PORTICO_BIND/healthz" 2>/dev/null; then
    die "something already answers on $PORTICO_BIND; stop it first"
  fi
  "$bin" serve >"$logfile" 2>&1 &
  PIDS+=($!)
  wait_for_url "http://$PORTICO_BIND/healthz" 60 \
    || { cat "$logfile" >&2; die "Portico did not start on $PORTICO_BIND"; }
}
