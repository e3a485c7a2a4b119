#!/usr/bin/env bash
# The local stack as a user runs it, measured from outside (its /status endpoint), under datagen's load.
#
#   bench/local-stack.sh sustain [RATE=2000] [SECONDS=300]   datagen generate --to-url at RATE events/s for SECONDS;
#                                                           prints the subscription backlog and warehouse rows every
#                                                           10 s, then the achieved rate and how long the drain took
#   bench/local-stack.sh upload [EVENTS=100000]              one gzip upload of EVENTS events; prints the time from the
#                                                           upload's answer to its summary (the baseline: the upload
#                                                           function's publishing) and to every row in the warehouse
#
# Build first: ./mvnw -B -ntp -q -DskipTests package. The stack runs on free ports with a fresh data folder (kept
# under the printed path); STACK_ARGS adds options (e.g. STACK_ARGS=--runner=direct).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-sustain}
work=$(mktemp -d /tmp/shopstream-bench.XXXXXX)
data=$work/data
echo "work folder: $work"

java -jar local-stack/target/shopstream-local.jar --data-dir="$data" --ingest-port=0 --recommend-port=0 \
  --upload-port=0 --pubsub-grpc-port=0 --pubsub-rest-port=0 --gcs-port=0 --status-port=0 --metrics-every=PT0S \
  ${STACK_ARGS:-} >"$work/stack.out" 2>"$work/stack.log" &
stack=$!
trap 'kill $stack 2>/dev/null; wait $stack 2>/dev/null || true' EXIT
for _ in $(seq 300); do [ -f "$data/endpoints.json" ] && break; sleep 1; done
endpoint() { grep -o "\"$1\" *: *\"[^\"]*\"" "$data/endpoints.json" | sed 's/.*: *"//; s/"$//'; }
status_url=$(endpoint status)
field() { grep -o "\"$1\":{\"backlog\":[0-9]*" <<<"$2" | grep -o '[0-9]*$' || grep -o "\"$1\":[0-9]*" <<<"$2" | grep -o '[0-9]*$'; }
now_ms() { date +%s%3N; }
grep pipeline "$work/stack.out" | sed 's/^ */stack: /'

case $mode in
sustain)
  rate=${2:-2000}
  seconds=${3:-300}
  echo "sending $rate events/s for $seconds s (datagen generate --to-url)"
  java -jar datagen/target/datagen.jar generate --to-url "$(endpoint ingest)" --rate "$rate" \
    --duration "${seconds}s" >"$work/datagen.out" 2>"$work/datagen.log" &
  gen=$!
  start=$(now_ms)
  printf '%8s %12s %14s\n' "t (s)" "backlog" "events rows"
  while kill -0 $gen 2>/dev/null; do
    sleep 10
    s=$(curl -s "$status_url")
    printf '%8d %12s %14s\n' $(( ($(now_ms) - start) / 1000 )) "$(field events-pipeline "$s")" "$(field events "$s")"
  done
  wait $gen || true
  sent_at=$(now_ms)
  summary=$(tail -1 "$work/datagen.out")
  echo "datagen: $summary"
  accepted=$(grep -o '"accepted":[0-9]*' <<<"$summary" | grep -o '[0-9]*$')
  while :; do
    s=$(curl -s "$status_url")
    [ "$(field events-pipeline "$s")" = 0 ] && [ "$(field events "$s")" -ge "$accepted" ] && break
    sleep 1
  done
  echo "drained: all $accepted accepted events in the warehouse $(( ($(now_ms) - sent_at) )) ms after the last was sent"
  ;;
upload)
  events=${2:-100000}
  java -jar datagen/target/datagen.jar generate --out "$work/shop" --events "$events" --gzip >"$work/gen.out" 2>&1
  file=$(ls "$work"/shop/events/*.gz | head -1)
  [ "$(ls "$work"/shop/events/*.gz | wc -l)" = 1 ] || { echo "expected one events file"; exit 1; }
  t0=$(now_ms)
  curl -s -o /dev/null -X POST --data-binary @"$file" -H 'Content-Type: application/gzip' \
    "$(endpoint upload_url)events/bench.jsonl.gz"
  t1=$(now_ms)
  summary_url="$(endpoint gcs)/storage/v1/b/uploads/o/errors%2Fevents%2Fbench.jsonl.gz.summary.json?alt=media"
  until curl -sf -o "$work/summary.json" "$summary_url"; do sleep 0.1; done
  t2=$(now_ms)
  published=$(grep -o '"published":[0-9]*' "$work/summary.json" | grep -o '[0-9]*$')
  while :; do
    s=$(curl -s "$status_url")
    [ "$(field events "$s")" -ge "$published" ] && [ "$(field events-pipeline "$s")" = 0 ] && break
    sleep 0.2
  done
  t3=$(now_ms)
  echo "upload of $events events ($(stat -c %s "$file") bytes gzip): answered in $((t1 - t0)) ms"
  echo "summary (published $published) $((t2 - t1)) ms after the answer: the upload function's share"
  echo "every row in the warehouse $((t3 - t1)) ms after the answer ($(( published * 1000 / (t3 - t1 > 0 ? t3 - t1 : 1) )) events/s end to end)"
  ;;
*)
  echo "usage: $0 sustain [RATE] [SECONDS] | upload [EVENTS]" >&2
  exit 2
  ;;
esac
