#!/usr/bin/env bash
# Time to roll back a bad canary (issue 9, "Benchmark"): from the canary's errors starting to all
# traffic on stable, RUNS runs per analysis interval, next to Flagger's documented detection time
# (interval x threshold). Not part of CI: it takes ~15 min and needs the ports of the dev stack.
#
#   benchmarks/deploy/rollback-time.sh [--intervals "10s 60s"] [--runs 5]
#
# What it starts (and stops at the end, also on failure): the deployment demo (ops/demo: blue v1
# and green v2 behind a real HAProxy with its runtime socket and exporter, 50 requests/s through
# HAProxy) and a Prometheus on 19091 scraping every second (ops/prometheus/prometheus-deploy-e2e.yml),
# both via .ci/deploy-demo-lib, as .ci/e2e-deploy does; and, unless one already answers `rollgate
# status`, a worker: ROLLGATE_PROMETHEUS_URL=http://127.0.0.1:19091 bin/rollgate-dev with its state in
# benchmarks/target/rollback-time/worker. All files go to benchmarks/target/rollback-time/.
#
# One run at interval I (window W = I, the default rollback triggers):
#   reset: green errors 0, weights blue 100 / green 0, until green's 5xx have left the windows;
#   rollgate deploy start app --stages 10:10m,100 --interval I --window W (the hold outlasts the run);
#   wait for 90/10 on the runtime socket, then a random 2 s .. 2 s + I so that the errors start at
#   a uniformly random point of the hold's check cycle; errors green 0.3;
#   poll the runtime socket every 100 ms until blue 100 / green 0 -> "rollback" time;
#   wait for ROLLED_BACK, read what fired from `deploy status -o json` (the ROLLBACK stage's
#   detail: "trigger ..." = a rollback trigger, else the canary analysis gate), and from
#   Prometheus when the trigger's error ratio first exceeded 2 % ("visible" time).
# Output: one line per run, a summary per interval, and target/rollback-time/runs.tsv.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. bin/java-env
pick_java

intervals="10s 60s"
runs=5
while [ $# -gt 0 ]; do
  case "$1" in
    --intervals) intervals=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--intervals \"10s 60s\"] [--runs 5]" >&2; exit 2 ;;
  esac
done

log() { printf '\n== %s\n' "$*"; }
fail() { echo "BENCHMARK FAILED: $*" >&2; exit 1; }
work=benchmarks/target/rollback-time
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
pids=()
worker_pid=""
. .ci/deploy-demo-lib

cleanup() {
  deploy_demo_stop
  if [ -n "$worker_pid" ]; then
    kill "$worker_pid" 2>/dev/null
    wait "$worker_pid" 2>/dev/null
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$dstate/prometheus"
}
trap cleanup EXIT

secs() { # 10s / 1m -> seconds
  case "$1" in *m) echo $((${1%m} * 60)) ;; *s) echo "${1%s}" ;; *) echo "$1" ;; esac
}
now() { echo "$EPOCHREALTIME"; }
# polls the runtime socket every 100 ms until blue 100 / green 0; prints the epoch second it saw it
await_all_stable() { # limit_seconds
  python3 - "$dsock" "$1" <<'EOF'
import socket, sys, time
sock, limit = sys.argv[1], float(sys.argv[2])
end = time.time() + limit
def weights():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect(sock)
    s.sendall(b"show servers state app\n")
    out = b""
    while chunk := s.recv(65536):
        out += chunk
    s.close()
    w = {}
    for line in out.decode().splitlines():
        f = line.split()
        if len(f) > 8 and f[0].isdigit():
            w[f[3]] = f[7]
    return w
while time.time() < end:
    t = time.time()
    if weights() == {"blue": "100", "green": "0"}:
        print(f"{t:.3f}")
        sys.exit(0)
    time.sleep(max(0, 0.1 - (time.time() - t)))
sys.exit(1)
EOF
}
# first time in [from, to] at which the query exceeded the limit (0.1 s steps), or "none"
first_above() { # query limit from to
  curl -s --get "$dprom/api/v1/query_range" --data-urlencode "query=$1" \
    --data-urlencode "start=$3" --data-urlencode "end=$4" --data-urlencode "step=0.1" |
    python3 -c '
import json, sys
lim = float(sys.argv[1])
r = json.load(sys.stdin)["data"]["result"]
ts = [float(t) for t, v in (r[0]["values"] if r else []) if v not in ("NaN", "+Inf") and float(v) > lim]
print(f"{ts[0]:.3f}" if ts else "none")' "$2" 2>/dev/null || echo none
}
status_json() { bin/rollgate deploy status app -o json 2>/dev/null; }

green_5xx() { # window -> increase of green's 5xx over it
  dq "sum(increase(haproxy_server_http_responses_total{proxy=\"app\",server=\"green\",code=\"5xx\"}[$1]))"
}

# --- the stack
log "worker"
if bin/rollgate status >/dev/null 2>&1; then
  echo "a worker answers already: using it (it must query $dprom)"
else
  ss -ltn | grep -qE '127.0.0.1:(7233|8080|54329) ' && fail "ports of the dev stack are in use by another stack"
  mkdir -p "$work/worker"
  ROLLGATE_PROMETHEUS_URL="$dprom" ROLLGATE_STATE_DIR="$work/worker" bin/rollgate-dev >"$work/worker.log" 2>&1 &
  worker_pid=$!
  t0=$SECONDS
  until bin/rollgate status >/dev/null 2>&1; do
    kill -0 "$worker_pid" 2>/dev/null || { tail -30 "$work/worker.log"; fail "the worker exited"; }
    [ $((SECONDS - t0)) -lt 180 ] || fail "no worker after 180 s (see $work/worker.log)"
    sleep 2
  done
  echo "worker up after $((SECONDS - t0)) s (log: $work/worker.log)"
fi
deploy_demo_start

printf 'interval\trun\tshift_to_errors_s\tvisible_s\trollback_s\tfired\n' >"$work/runs.tsv"
n=0
for interval in $intervals; do
  isec=$(secs "$interval")
  window=$interval
  clear_window="$(( isec > 30 ? isec : 30 ))s"
  common=(--router haproxy --haproxy-socket "unix:$dsock" --backend app --stable blue --canary green --by bench)
  for run in $(seq 1 "$runs"); do
    n=$((n + 1))
    log "interval $interval, run $run of $runs"
    # reset: no errors, all traffic on blue, green's old 5xx out of every window a check reads
    ddemo errors green 0 >/dev/null
    [ "$(dweights)" = "$(dwant 0)" ] || { ddemo cmd "set weight app/blue 100" >/dev/null; ddemo cmd "set weight app/green 0" >/dev/null; }
    t0=$SECONDS
    until [ "$(green_5xx "$clear_window")" = 0 ]; do
      [ $((SECONDS - t0)) -lt $((isec + 90)) ] || fail "green's 5xx did not leave the $clear_window window"
      sleep 1
    done
    echo "    green's 5xx out of the $clear_window window after $((SECONDS - t0)) s"
    bin/rollgate deploy start app --version "bench-$n" "${common[@]}" --stages 10:10m,100 \
      --interval "$interval" --window "$window" >"$work/start-$n.out" 2>&1 \
      || { cat "$work/start-$n.out"; fail "deploy start"; }
    dawait_weights "$(dwant 10)" 60 "at the first stage"
    t_shift=$(now)
    sleep "$(python3 -c "import random; print(round(2 + random.random() * $isec, 1))")"
    ddemo errors green 0.3 >/dev/null
    t_err=$(now)
    t_back=$(await_all_stable $((isec * 3 + 60))) \
      || { bin/rollgate deploy status app; fail "not back on blue within $((isec * 3 + 60)) s"; }
    dawait_phase ROLLED_BACK 60 >/dev/null
    fired=$(status_json | python3 -c '
import json, sys
s = json.load(sys.stdin)
d = [v.get("detail") or "" for v in s.get("stages", []) if v.get("verdict") == "ROLLBACK" and v.get("stage") != "rollback"]
d = d[-1] if d else (s.get("release", {}) or {}).get("details", "?")
print(("trigger: " if d.startswith("trigger") or " trigger " in d[:40] else "gate: ") + " ".join(str(d).split())[:160])')
    # when the trigger's error ratio (window W) first read above 2 % in Prometheus
    ratio="sum(rate(haproxy_server_http_responses_total{proxy=\"app\",server=\"green\",code=\"5xx\"}[$window])) / sum(rate(haproxy_server_http_responses_total{proxy=\"app\",server=\"green\"}[$window]))"
    t_vis=$(first_above "$ratio" 0.02 "$t_err" "$t_back")
    row=$(python3 -c "
e, b, s, v = $t_err, $t_back, $t_shift, '$t_vis'
print(f'{e - s:.1f}\t' + (f'{float(v) - e:.1f}' if v != 'none' else 'none') + f'\t{b - e:.1f}')")
    printf '%s\t%s\t%s\t%s\n' "$interval" "$run" "$row" "$fired" >>"$work/runs.tsv"
    IFS=$'\t' read -r s_e vis took <<<"$row"
    echo "    errors on $s_e s after the shift; ratio > 2 % in Prometheus after $vis s; all traffic on blue after $took s"
    echo "    fired: $fired"
  done
done
ddemo errors green 0 >/dev/null

log "summary (window = interval, default triggers; Flagger: interval x threshold, threshold 5)"
python3 - "$work/runs.tsv" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print(f"{'interval':>8} {'runs':>4} {'median s':>9} {'max s':>6} {'min s':>6} {'visible med s':>13} {'Flagger s':>9}  goal (max <= interval)")
for iv in dict.fromkeys(r["interval"] for r in rows):
    t = [float(r["rollback_s"]) for r in rows if r["interval"] == iv]
    v = [float(r["visible_s"]) for r in rows if r["interval"] == iv and r["visible_s"] != "none"]
    secs = int(iv[:-1]) * (60 if iv.endswith("m") else 1)
    vm = f"{statistics.median(v):.1f}" if v else "-"
    print(f"{iv:>8} {len(t):>4} {statistics.median(t):>9.1f} {max(t):>6.1f} {min(t):>6.1f} {vm:>13} {secs * 5:>9}  "
          f"median {'met' if statistics.median(t) <= secs else 'MISSED'}, max {'met' if max(t) <= secs else 'MISSED'}")
EOF
echo "runs: $work/runs.tsv"
