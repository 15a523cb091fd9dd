#!/usr/bin/env bash
# Time from a bad canary's errors starting to all traffic on stable, on the deploy demo (two demo
# versions behind a real HAProxy, a real Prometheus scraping every second, the worker on its dev
# stack), RUNS times per analysis interval. Prints one line per run and a markdown table with
# Flagger's documented detection time for the same interval (interval x threshold, threshold 5).
#
#   benchmarks/deploy/rollback-time.sh                 # INTERVALS="10s 60s" RUNS=5
#   INTERVALS=10s RUNS=3 benchmarks/deploy/rollback-time.sh
#
# Needs bin/bootstrap's tools and the deploy demo's ports (18090-18094, 19091) free; its worker's
# dev stack uses 17233 and 18080 and free ports. Not run by CI. Uses the functions of .ci/e2e-deploy (demo start/stop, weights, PromQL).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. bin/java-env
pick_java
. .tools/env
log() { printf '\n== %s\n' "$*" >&2; }
fail() { echo "BENCHMARK FAILED: $*" >&2; exit 1; }
work=$(mktemp -d /tmp/rollgate-bench-deploy.XXXXXX)
pids=()
checks=0
DEPLOY_E2E_LIBRARY=1 . .ci/e2e-deploy
worker_pid=""
cleanup() {
  deploy_demo_stop
  [ -n "$worker_pid" ] && { kill "$worker_pid" 2>/dev/null; wait "$worker_pid" 2>/dev/null; }
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
INTERVALS=${INTERVALS:-"10s 60s"}
RUNS=${RUNS:-5}
THRESHOLD=5   # Flagger's usual `threshold` (failed checks before rollback)

[ -f starter/target/rollgate.jar ] && ls worker/target/rollgate-worker-*.jar >/dev/null 2>&1 \
  || ./mvnw -B -q -ntp package -DskipTests -Dspotless.check.skip=true || fail "build"
deploy_demo_start
export ROLLGATE_STATE_DIR="$work/state" ROLLGATE_PROMETHEUS_URL="$dprom" ROLLGATE_USER=bench
# its own dev stack on other ports than the default ones, so it can run beside another
export ROLLGATE_TEMPORAL_ADDRESS=127.0.0.1:17233 ROLLGATE_HTTP_PORT=18080 ROLLGATE_WORKER_URL=http://127.0.0.1:18080
bin/rollgate-dev --rollgate.dev.temporal-port=17233 --rollgate.dev.temporal-ui-port=0 --rollgate.dev.postgres-port=0 \
  --rollgate.dev.redis-port=0 --rollgate.dev.s3-port=0 --rollgate.dev.prometheus-port=0 >"$work/worker.log" 2>&1 &
worker_pid=$!
t0=$SECONDS
until bin/rollgate status >/dev/null 2>&1; do
  [ $((SECONDS - t0)) -lt 180 ] || fail "worker not up (see $work/worker.log)"
  sleep 1
done
args=(--router haproxy --haproxy-socket "unix:$dsock" --backend app --stable blue --canary green --by bench)
phase() { bin/rollgate deploy status app -o json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["phase"])' 2>/dev/null; }

results="$work/results"
: >"$results"
for interval in $INTERVALS; do
  secs=$(python3 -c "import re; v='$interval'; n=int(re.match(r'\d+', v).group()); print(n * (60 if v.endswith('m') else 1))")
  for run in $(seq 1 "$RUNS"); do
    ddemo errors green 0 >/dev/null
    ddemo reload >/dev/null || fail "reload"
    t0=$SECONDS
    until [ "$(dq 'sum(increase(haproxy_server_http_responses_total{proxy="app",server="green",code="5xx"}[2m]))')" = 0 ]; do
      [ $((SECONDS - t0)) -lt 200 ] || fail "green's 5xx did not leave the 2 m window"
      sleep 2
    done
    bin/rollgate deploy start app --version "v3-$secs-$run" "${args[@]}" --stages 10:30m,100 --interval "$interval" \
      >/dev/null 2>"$work/err" || fail "deploy start: $(cat "$work/err")"
    dawait_weights "$(dwant 10)" 120 "at the first stage" >/dev/null
    sleep "$((secs / 2))"   # errors start at an arbitrary point of the interval, not right after a check
    ddemo errors green 0.3 >/dev/null
    t_err=$EPOCHREALTIME
    until [ "$(dweights)" = "$(dwant 0)" ]; do
      python3 -c "import sys; sys.exit(0 if $EPOCHREALTIME - $t_err < 10 * $secs + 60 else 1)" || fail "no rollback"
      sleep 0.1
    done
    took=$(python3 -c "print(f'{$EPOCHREALTIME - $t_err:.1f}')")
    t0=$SECONDS
    until [ "$(phase)" = ROLLED_BACK ]; do [ $((SECONDS - t0)) -lt 60 ] || fail "not ROLLED_BACK"; sleep 1; done
    why=$(bin/rollgate deploy status app -o json | python3 -c 'import json,sys; o=json.load(sys.stdin).get("outcome") or ""; print(o.split(";")[1].strip() if ";" in o else o[:60])')
    echo "$interval $run $took $why" | tee -a "$results" >&2
  done
done

python3 - "$results" "$THRESHOLD" <<'PY'
import sys, statistics, collections
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    interval, run, took, *why = line.split()
    rows.setdefault(interval, []).append(float(took))
threshold = int(sys.argv[2])
print("| analysis interval | runs | Rollgate: errors on -> all traffic on stable, median (min-max) | goal: <= 1 interval | Flagger's formula, interval x threshold (%d) |" % threshold)
print("|---|---|---|---|---|")
for interval, v in rows.items():
    secs = int(interval[:-1]) * (60 if interval.endswith("m") else 1)
    med = statistics.median(v)
    print(f"| {interval} | {len(v)} | {med:.1f} s ({min(v):.1f}-{max(v):.1f} s) | {'met' if max(v) <= secs else ('median met, max not' if med <= secs else 'not met')} | {secs * threshold} s |")
PY
