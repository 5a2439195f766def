#!/usr/bin/env bash
# A CI job against an altpay sandbox (README, "Testing your integration against altpay"):
# a tenant of its own, the job's tests run with its credentials, the request log printed when
# they fail, and the tenant reset at the end. Needs bash, curl and python3.
#
#   ALTPAY_URL                  the sandbox (default http://127.0.0.1:8000)
#   ALTPAY_SANDBOX_ADMIN_TOKEN  the sandbox's admin token; unset: the sandbox is on loopback
#   TEST_COMMAND                the job's tests; they read ALTPAY_URL, ALTPAY_CLIENT_ID,
#                               ALTPAY_CLIENT_SECRET and ALTPAY_TOKEN (default: a smoke test)
set -euo pipefail

ALTPAY_URL=${ALTPAY_URL:-http://127.0.0.1:8000}
export ALTPAY_URL

field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

admin=()
if [ -n "${ALTPAY_SANDBOX_ADMIN_TOKEN:-}" ]; then
  admin=(-H "Authorization: Bearer $ALTPAY_SANDBOX_ADMIN_TOKEN")
fi

# 1. A tenant for this run only: its own account, a client with every scope, deleted with
#    all its data after an hour even if the job never gets to its reset.
tenant=$(curl -fsS -X POST ${admin[@]+"${admin[@]}"} -H 'Content-Type: application/json' \
  -d "{\"name\": \"ci-${CI_JOB_ID:-local}\", \"ttl\": \"1h\"}" "$ALTPAY_URL/sandbox/tenants")
ALTPAY_CLIENT_ID=$(field client_id <<<"$tenant")
ALTPAY_CLIENT_SECRET=$(field client_secret <<<"$tenant")
export ALTPAY_CLIENT_ID ALTPAY_CLIENT_SECRET
echo "tenant $(field account_id <<<"$tenant")"

ALTPAY_TOKEN=$(curl -fsS -u "$ALTPAY_CLIENT_ID:$ALTPAY_CLIENT_SECRET" \
  -d grant_type=client_credentials "$ALTPAY_URL/oauth/token" | field access_token)
export ALTPAY_TOKEN
auth=(-H "Authorization: Bearer $ALTPAY_TOKEN")

smoke_test() {
  local customer
  customer=$(curl -fsS "${auth[@]}" -H 'Content-Type: application/json' \
    -d '{"name": "CI Customer", "email": "ci@example.com"}' "$ALTPAY_URL/customers")
  curl -fsS "${auth[@]}" "$ALTPAY_URL/customers/$(field id <<<"$customer")" >/dev/null
}

run_tests() {
  if [ -n "${TEST_COMMAND:-}" ]; then bash -c "$TEST_COMMAND"; else smoke_test; fi
}

# 2. The job's tests. 3. When they fail, what the code really sent and got, newest first.
status=0
if ! run_tests; then
  status=1
  echo "tests failed; the last requests of this tenant:"
  curl -fsS "${auth[@]}" "$ALTPAY_URL/sandbox/requests?limit=20" | python3 -c '
import json, sys
for entry in json.load(sys.stdin)["data"]:
    print(entry["status"], entry["method"], entry["path"], entry["query"], entry["response_body"] or "")
'
fi

# 4. Leave nothing behind.
curl -fsS -X POST "${auth[@]}" "$ALTPAY_URL/sandbox/reset" >/dev/null
echo "tenant reset"
exit "$status"
