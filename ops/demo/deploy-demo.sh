#!/usr/bin/env bash
# The deployment demo: two versions of the demo service behind a real HAProxy (see ops/README.md).
# Everything listens on 127.0.0.1; every file (config, pidfiles, logs, socket) is in STATE_DIR.
#
#   deploy-demo.sh start [STATE_DIR]        blue = version 1 on 18091, green = version 2 on 18092
#                                           (--load-rps 0), HAProxy: app on 18090, exporter on
#                                           18093/metrics, runtime API STATE_DIR/haproxy.sock;
#                                           weights blue 100 / green 0; waits until all is healthy
#   deploy-demo.sh stop [STATE_DIR]         stops everything started (pidfiles), waits for it
#   deploy-demo.sh load RPS                 steady GET /api traffic through HAProxy (a third demo
#                                           JVM with --load-target; port 18094); RPS 0 stops it
#   deploy-demo.sh weights                  "blue 100" / "green 0" (current weights, runtime API)
#   deploy-demo.sh state                    `show servers state app`, raw
#   deploy-demo.sh cmd 'HAPROXY COMMAND'    any runtime API command, e.g. 'set weight app/green 10'
#   deploy-demo.sh errors SIDE RATE         POST /errors?rate=RATE on blue or green (0..1)
#   deploy-demo.sh latency SIDE MS          POST /latency?ms=MS on blue or green
#   deploy-demo.sh side SIDE VERSION        restart one side with another version (same port)
#   deploy-demo.sh reload                   reload HAProxy's config: the weights go back to the
#                                           config's (blue 100 / green 0), i.e. drift
#   deploy-demo.sh status                   what runs, versions, weights
#
# STATE_DIR: the argument of start/stop, else $DEPLOY_DEMO_STATE, else .rollgate/deploy-demo.
# Ports: DEPLOY_DEMO_PORT (18090), DEPLOY_DEMO_STATS_PORT (18093), DEPLOY_DEMO_BLUE_PORT (18091),
# DEPLOY_DEMO_GREEN_PORT (18092), DEPLOY_DEMO_LOAD_PORT (18094). Versions at start:
# DEPLOY_DEMO_BLUE_VERSION (1), DEPLOY_DEMO_GREEN_VERSION (2). Needs haproxy, python3, curl, a JDK.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar="$root/ops/target/rollgate-demo.jar"
template="$root/ops/haproxy/haproxy.cfg.template"
port="${DEPLOY_DEMO_PORT:-18090}"
stats_port="${DEPLOY_DEMO_STATS_PORT:-18093}"
blue_port="${DEPLOY_DEMO_BLUE_PORT:-18091}"
green_port="${DEPLOY_DEMO_GREEN_PORT:-18092}"
load_port="${DEPLOY_DEMO_LOAD_PORT:-18094}"
haproxy_bin="${HAPROXY:-$(command -v haproxy || echo /usr/sbin/haproxy)}"

die() { echo "deploy-demo: $*" >&2; exit 1; }

cmd="${1:-}"
[ $# -gt 0 ] && shift
state="${DEPLOY_DEMO_STATE:-$root/.rollgate/deploy-demo}"
if [[ "$cmd" == start || "$cmd" == stop ]] && [ $# -gt 0 ]; then
  state="$1"
  shift
fi
sock="$state/haproxy.sock"

side_port() {
  case "$1" in
    blue) echo "$blue_port" ;;
    green) echo "$green_port" ;;
    *) die "unknown side '$1' (blue or green)" ;;
  esac
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# one runtime API command over the unix socket (socat is often not installed; python3 is)
runtime() {
  [ -S "$sock" ] || die "no HAProxy runtime socket at $sock (is the demo started with this STATE_DIR?)"
  python3 - "$sock" "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    out += chunk
sys.stdout.write(out.decode())
EOF
}

# "blue 100" / "green 0" from `show servers state app` (srv_name = field 4, srv_uweight = field 8)
weights() {
  runtime "show servers state app" | awk '$1 ~ /^[0-9]+$/ && NF > 8 { print $4, $8 }'
}

java_cmd() {
  . "$root/bin/java-env"
  pick_java
  if [[ ! -f "$jar" ]]; then
    (cd "$root" && ./mvnw -B -q -ntp -pl ops -am package -DskipTests -Dspotless.check.skip=true) \
      || die "could not build $jar"
  fi
  echo "$JAVA $(quiet_java_flags) -Xmx96m -XX:TieredStopAtLevel=1 -jar $jar"
}

start_side() { # side version
  local side=$1 version=$2 p
  p=$(side_port "$side")
  listening "$p" && die "port $p is in use (a demo left running? deploy-demo.sh stop STATE_DIR)"
  # shellcheck disable=SC2046
  $(java_cmd) --port "$p" --version "$version" --load-rps 0 >>"$state/$side.log" 2>&1 &
  echo $! >"$state/$side.pid"
}

await_health() { # side version
  local p t0=$SECONDS body=""
  p=$(side_port "$1")
  while [ $((SECONDS - t0)) -lt 60 ]; do
    body=$(curl -fsS --max-time 2 "http://127.0.0.1:$p/health" 2>/dev/null || true)
    [ "$body" = "ok version=$2" ] && return 0
    alive "$state/$1.pid" || { tail -20 "$state/$1.log" >&2; die "$1 exited"; }
    sleep 0.3
  done
  die "$1 not healthy (version $2) on $p after 60 s (last: $body)"
}

# both servers UP in HAProxy (srv_op_state = field 6: 2 = running)
await_servers_up() {
  local t0=$SECONDS
  while [ $((SECONDS - t0)) -lt 30 ]; do
    [ "$(runtime "show servers state app" 2>/dev/null | awk '$1 ~ /^[0-9]+$/ && $6 == 2' | wc -l)" = 2 ] \
      && return 0
    sleep 0.3
  done
  runtime "show servers state app" >&2 || true
  die "HAProxy does not see both servers up after 30 s"
}

stop_pidfile() { # file
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && { echo "deploy-demo: $f: pid $pid ignored TERM, killing" >&2; kill -9 "$pid" 2>/dev/null || true; }
  fi
  rm -f "$f"
}

case "$cmd" in
  start)
    mkdir -p "$state"
    state="$(cd "$state" && pwd)"
    sock="$state/haproxy.sock"
    [ -x "$haproxy_bin" ] || die "haproxy not found (apt-get install haproxy)"
    alive "$state/haproxy.pid" && die "already running in $state (deploy-demo.sh stop $state)"
    for p in "$port" "$stats_port"; do
      listening "$p" && die "port $p is in use (a demo left running? deploy-demo.sh stop STATE_DIR)"
    done
    start_side blue "${DEPLOY_DEMO_BLUE_VERSION:-1}"
    start_side green "${DEPLOY_DEMO_GREEN_VERSION:-2}"
    sed -e "s#@STATE@#$state#g; s#@PORT@#$port#g; s#@STATS_PORT@#$stats_port#g" \
      -e "s#@BLUE_PORT@#$blue_port#g; s#@GREEN_PORT@#$green_port#g" "$template" >"$state/haproxy.cfg"
    "$haproxy_bin" -c -q -f "$state/haproxy.cfg" || die "invalid $state/haproxy.cfg"
    await_health blue "${DEPLOY_DEMO_BLUE_VERSION:-1}"
    await_health green "${DEPLOY_DEMO_GREEN_VERSION:-2}"
    # master-worker mode, daemonised: the pidfile holds the master; USR2 reloads, TERM stops all
    "$haproxy_bin" -W -D -p "$state/haproxy.pid" -f "$state/haproxy.cfg" >>"$state/haproxy.log" 2>&1 \
      || { tail -20 "$state/haproxy.log" >&2; die "haproxy did not start"; }
    await_servers_up
    echo "deploy demo up in $state: http://127.0.0.1:$port (blue v${DEPLOY_DEMO_BLUE_VERSION:-1} :$blue_port," \
      "green v${DEPLOY_DEMO_GREEN_VERSION:-2} :$green_port), exporter http://127.0.0.1:$stats_port/metrics," \
      "runtime API unix:$sock"
    weights
    ;;
  stop)
    [ -d "$state" ] || exit 0
    for f in load blue green haproxy; do stop_pidfile "$state/$f.pid"; done
    rm -f "$sock"
    echo "deploy demo in $state stopped"
    ;;
  load)
    rps="${1:?usage: deploy-demo.sh load RPS}"
    stop_pidfile "$state/load.pid"
    if [ "$rps" != 0 ]; then
      listening "$load_port" && die "port $load_port is in use"
      # shellcheck disable=SC2046
      $(java_cmd) --port "$load_port" --version load --load-rps "$rps" \
        --load-target "http://127.0.0.1:$port/api" >>"$state/load.log" 2>&1 &
      echo $! >"$state/load.pid"
      for _ in $(seq 1 100); do
        curl -fsS --max-time 1 "http://127.0.0.1:$load_port/health" >/dev/null 2>&1 && break
        alive "$state/load.pid" || { tail -20 "$state/load.log" >&2; die "load generator exited"; }
        sleep 0.3
      done
      echo "load: $rps requests/s to http://127.0.0.1:$port/api (counts: http://127.0.0.1:$load_port/metrics, demo_load_requests_total)"
    fi
    ;;
  weights) weights ;;
  state) runtime "show servers state app" ;;
  cmd) runtime "${1:?usage: deploy-demo.sh cmd 'HAPROXY COMMAND'}" ;;
  errors)
    p=$(side_port "${1:?usage: deploy-demo.sh errors SIDE RATE}")
    curl -fsS -X POST "http://127.0.0.1:$p/errors?rate=${2:?usage: deploy-demo.sh errors SIDE RATE}"
    ;;
  latency)
    p=$(side_port "${1:?usage: deploy-demo.sh latency SIDE MS}")
    curl -fsS -X POST "http://127.0.0.1:$p/latency?ms=${2:?usage: deploy-demo.sh latency SIDE MS}"
    ;;
  side)
    s="${1:?usage: deploy-demo.sh side SIDE VERSION}"
    v="${2:?usage: deploy-demo.sh side SIDE VERSION}"
    side_port "$s" >/dev/null
    stop_pidfile "$state/$s.pid"
    start_side "$s" "$v"
    await_health "$s" "$v"
    echo "$s now runs version $v"
    ;;
  reload)
    alive "$state/haproxy.pid" || die "HAProxy is not running in $state"
    old=$(runtime "show info" | sed -n 's/^Pid: //p')
    kill -USR2 "$(cat "$state/haproxy.pid")"
    # wait until a new worker answers on the socket
    t0=$SECONDS
    until new=$(runtime "show info" 2>/dev/null | sed -n 's/^Pid: //p') && [ -n "$new" ] && [ "$new" != "$old" ]; do
      [ $((SECONDS - t0)) -lt 10 ] || die "no new HAProxy worker 10 s after the reload"
      sleep 0.2
    done
    echo "reloaded; weights back to the config's:"
    weights
    ;;
  status)
    for f in blue green load haproxy; do
      if alive "$state/$f.pid"; then echo "$f: running (pid $(cat "$state/$f.pid"))"; else echo "$f: not running"; fi
    done
    for s in blue green; do
      echo "$s version: $(curl -fsS --max-time 2 "http://127.0.0.1:$(side_port $s)/version" 2>/dev/null || echo '?')"
    done
    weights 2>/dev/null || true
    ;;
  *)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    [ -z "$cmd" ] || [ "$cmd" = help ] || [ "$cmd" = -h ] || exit 2
    ;;
esac
