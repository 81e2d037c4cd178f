#!/usr/bin/env bash
# Instructions per request, counted by callgrind: repeatable where wall-clock figures on a shared VM are not.
# Usage: bench/instructions.sh [checkout dir, default: this one]. Needs valgrind (apt-get install valgrind).
# Runs the server of that checkout under callgrind against this checkout's fake Puter, warms it up (1,500 plain,
# 800 streamed requests), then counts 1,000 plain and 500 streamed chat completions. Takes about 2 minutes.
# INSTR_KEY_PATCH='<json>' PATCHes the key's settings first (e.g. the bench's `limited` key: every limit and a budget).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(cd "${1:-$here}" && pwd)"
work="$(mktemp -d)"
fake_port=4190
port=4191
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# exec: each background job is the process itself, so the trap's kill reaches it.
(cd "$here" && FAKE_PUTER_PORT=$fake_port exec node --import tsx test/fake-puter/cli.ts > "$work/fake.log" 2>&1) &
(cd "$dir" && PUTER_API_ORIGIN=http://127.0.0.1:$fake_port PORT=$port DATA_FILE="$work/store.json" APP_SECRET=instructions-secret-0123456789 \
  LOG_LEVEL=warn KEY_MAX_CONCURRENCY=100000 exec valgrind --tool=callgrind --instr-atstart=no --smc-check=all-non-file \
  --callgrind-out-file="$work/cg.out" node --import tsx src/server.ts > "$work/server.log" 2>&1) &
base=http://127.0.0.1:$port
for _ in $(seq 1 300); do curl -sf -o /dev/null "$base/health" && break; sleep 1; done
curl -sf -c "$work/cookies" -X POST "$base/auth/puter/signin" -H 'content-type: application/json' -d '{"token":"fake-token-alice"}' > /dev/null
key=$(curl -sf -b "$work/cookies" -X POST "$base/v1/keys" -H 'content-type: application/json' -d '{"name":"instructions"}' | node -e 'process.stdin.on("data", (d) => console.log(JSON.parse(d).key))')
if [ -n "${INSTR_KEY_PATCH:-}" ]; then
  id=$(curl -sf -b "$work/cookies" "$base/v1/keys" | node -e 'process.stdin.on("data", (d) => console.log(JSON.parse(d).data[0].id))')
  curl -sf -o /dev/null -b "$work/cookies" -X PATCH "$base/v1/keys/$id" -H 'content-type: application/json' -d "$INSTR_KEY_PATCH"
fi
load () { (cd "$here" && npx tsx bench/instructions-load.ts "$base" "$key" "$1" "$2"); }
vpid=$(jobs -p | tail -n 1)

load plain 1500
load stream 800
callgrind_control -i on "$vpid" > /dev/null
load plain 1000
callgrind_control -d "$vpid" > /dev/null
callgrind_control -z "$vpid" > /dev/null
load stream 500
callgrind_control -d "$vpid" > /dev/null
plain=$(grep -m1 '^summary' "$work/cg.out.1" | cut -d' ' -f2)
stream=$(grep -m1 '^summary' "$work/cg.out.2" | cut -d' ' -f2)
echo "$dir: $((plain / 1000)) instructions per plain request, $((stream / 500)) per streamed request (18 lines)"
