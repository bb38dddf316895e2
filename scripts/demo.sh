#!/usr/bin/env bash
# The demo: the collector in local workerd with D1 on :8787 (it also serves
# the widget files), the demo shop on :8080 embedding it cross-origin.
# Ctrl-C stops both.
set -euo pipefail
source "$(dirname "$0")/env.sh"
COLLECTOR_PORT="${COLLECTOR_PORT:-8787}"
SHOP_PORT="${SHOP_PORT:-8080}"

bash "$ROOT/scripts/setup.sh"
bash "$ROOT/scripts/build.sh"

cd "$ROOT/collector"
if ! grep -qs '^ADMIN_TOKEN=' .dev.vars; then
  echo "ADMIN_TOKEN=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" >>.dev.vars
fi
TOKEN="$(sed -n 's/^ADMIN_TOKEN=//p' .dev.vars | head -1)"

log "applying D1 migrations (local)"
CI=true wrangler d1 migrations apply DB --local >/dev/null

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting the collector (wrangler dev, workerd) on 127.0.0.1:$COLLECTOR_PORT"
setsid wrangler dev --ip 127.0.0.1 --port "$COLLECTOR_PORT" --show-interactive-dev-session=false --log-level warn </dev/null &
pids+=($!)
for _ in $(seq 1 240); do
  curl -fsS "http://127.0.0.1:$COLLECTOR_PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.25
done
curl -fsS "http://127.0.0.1:$COLLECTOR_PORT/healthz" >/dev/null || { echo "the collector did not start" >&2; exit 1; }

log "loading the demo site configuration (www/demo-config.json)"
curl -fsS -X PUT "http://127.0.0.1:$COLLECTOR_PORT/v1/admin/sites/demo" \
  -H "Authorization: Bearer $TOKEN" --data-binary @"$ROOT/www/demo-config.json" >/dev/null

setsid node "$ROOT/scripts/serve-www.mjs" --port "$SHOP_PORT" --collector "http://127.0.0.1:$COLLECTOR_PORT" --site demo &
pids+=($!)
sleep 0.5

cat <<EOT

  Demo shop:    http://127.0.0.1:$SHOP_PORT/   (go through checkout to meet the NPS prompt: half of the
                visitors get it at once, half after 4 s; leave checkout upwards for CES;
                stay 10 s on /help.html for CSAT; add ?touchpoint_debug=1 to see why)
  Collector:    http://127.0.0.1:$COLLECTOR_PORT/   (widget files under /widget/)
  Admin token:  $TOKEN   (operator)
  Dashboard:    http://127.0.0.1:$COLLECTOR_PORT/dashboard/?site=demo   (sign in with the admin token)
  Export:       curl -H 'Authorization: Bearer $TOKEN' http://127.0.0.1:$COLLECTOR_PORT/v1/sites/demo/export.ndjson
  Comments:     curl -H 'Authorization: Bearer $TOKEN' 'http://127.0.0.1:$COLLECTOR_PORT/v1/sites/demo/comments?band=detractor,low,hard'

  Ctrl-C stops everything.
EOT
wait
