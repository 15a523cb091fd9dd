#!/usr/bin/env bash
# Expand-contract migrations (issue 16), three figures side by side in one run, on the worker's
# real MigrationWorkflow, StepExecutor and BackfillEngine (the CLI against a worker on its dev stack):
#
#  (a) backfill rows/s on SCALE x 100,000 rows (default 1 M) of a copy of pgbench_accounts
#      (change_type abalance int -> bigint: the two-way dual-write trigger), next to one
#      `UPDATE ... SET <the same expression>` of every row of a second copy carrying the same
#      triggers (the plan's expand SQL run by psql). Nothing else runs on the database meanwhile.
#      Goal: backfill >= 50 % of the UPDATE's rows/s.
#  (b) pgbench (TPC-B-like, --rate RATE, CLIENTS clients) on the same database: p99 latency with no
#      migration, during the backfill of the same change on pgbench_accounts itself (the table the
#      workload updates), and at the switch (triggers installed, no backfill). Goal: during the
#      backfill <= +10 % of without.
#  (c) the longest pgbench transaction that overlaps a DDL step (expand, while another session holds
#      a conflicting ACCESS SHARE lock on pgbench_accounts until HOLD seconds after the first DDL step
#      began to wait for its lock, so that step times out and retries; and contract).
#      Goal: <= lock_timeout (500 ms) + 100 ms.
#
#   benchmarks/migration/backfill-vs-update.sh           # SCALE=10 RATE=50 CLIENTS=4 WINDOW=45 HOLD=5
#   SCALE=5 WINDOW=30 benchmarks/migration/backfill-vs-update.sh
#   KEEP=1 ...                     keep the work folder (worker log, pgbench logs) at the end
#
# pgbench's latency with --rate counts from each transaction's scheduled start, so it includes the
# time a transaction waited to begin (queueing behind a lock shows). pgbench runs in back-to-back
# segments of 10 s (each one log file) so the run can stop whenever the migration does; a
# transaction belongs to a window when it completed inside it, and to a DDL window when it
# overlapped it.
#
# The worker's dev stack takes free ports (nothing on the dev stack's defaults), OpenBao off; state in
# a temporary folder removed at the end. About 6-9 minutes on 2 shared vCPUs. Not run by CI.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. bin/java-env
pick_java
# BOOTSTRAP=0: use .tools/env as it is (a worktree whose .tools links to another checkout's)
if [ "${BOOTSTRAP:-1}" != 0 ] || [ ! -f .tools/env ]; then
  bin/bootstrap >/dev/null 2>&1 || { echo "bin/bootstrap failed" >&2; exit 1; }
fi
. .tools/env
[ -x "$ROLLGATE_PG_BIN/pgbench" ] || { echo "pgbench not found in $ROLLGATE_PG_BIN (bin/bootstrap installs it)" >&2; exit 1; }
SCALE=${SCALE:-10}
RATE=${RATE:-50}
CLIENTS=${CLIENTS:-4}
WINDOW=${WINDOW:-45}
HOLD=${HOLD:-5}
fail() { echo "BENCHMARK FAILED: $*" >&2; exit 1; }
say() { printf '[%3ss] %s\n' "$SECONDS" "$*" >&2; }
work=$(mktemp -d /tmp/rollgate-bench-migration.XXXXXX)
worker_pid="" load_pid=""
cleanup() {
  touch "$work/stop"
  [ -n "$load_pid" ] && wait "$load_pid" 2>/dev/null
  [ -n "$worker_pid" ] && { kill "$worker_pid" 2>/dev/null; wait "$worker_pid" 2>/dev/null; }
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
[ -f starter/target/rollgate.jar ] && ls worker/target/rollgate-worker-*.jar >/dev/null 2>&1 \
  || ./mvnw -B -q -ntp -pl worker,starter -am package -DskipTests -Dspotless.check.skip=true || fail "build"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PG_PORT=$(free_port) T_PORT=$(free_port) HTTP_PORT=$(free_port)
export ROLLGATE_STATE_DIR="$work/state" ROLLGATE_USER=bench
export ROLLGATE_TEMPORAL_ADDRESS=127.0.0.1:$T_PORT ROLLGATE_HTTP_PORT=$HTTP_PORT ROLLGATE_WORKER_URL=http://127.0.0.1:$HTTP_PORT
export ROLLGATE_DATABASES_BENCH_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/bench" ROLLGATE_DATABASES_BENCH_USERNAME=postgres
say "worker on its dev stack (PostgreSQL $PG_PORT, Temporal $T_PORT, worker $HTTP_PORT)"
ROLLGATE_BAO=none bin/rollgate-dev --server.port="$HTTP_PORT" --rollgate.dev.temporal-port="$T_PORT" \
  --rollgate.dev.temporal-ui-port=0 --rollgate.dev.postgres-port="$PG_PORT" --rollgate.dev.redis-port=0 \
  --rollgate.dev.s3-port=0 --rollgate.dev.prometheus-port=0 >"$work/worker.log" 2>&1 &
worker_pid=$!   # the JVM: bin/rollgate-dev execs it
t0=$SECONDS
until bin/rollgate status >/dev/null 2>&1; do
  kill -0 "$worker_pid" 2>/dev/null || { tail -30 "$work/worker.log" >&2; fail "worker exited"; }
  [ $((SECONDS - t0)) -lt 600 ] || fail "worker not up (see $work/worker.log)"
  sleep 1
done
pg() { "$ROLLGATE_PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
PGOPTIONS="-c client_min_messages=warning" pg -d postgres -c "drop database if exists bench" -c "create database bench" >/dev/null
say "loading pgbench scale $SCALE ($((SCALE * 100000)) accounts) and two copies of pgbench_accounts"
"$ROLLGATE_PG_BIN/pgbench" -i -s "$SCALE" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres bench >"$work/pgbench-init.log" 2>&1 || fail "pgbench -i"
for t in acc_a acc_b; do
  pg -d bench -c "create table $t as select * from pgbench_accounts" -c "alter table $t add primary key (aid)" \
    -c "vacuum analyze $t" || fail "copy $t"
done
pg -d bench -c "vacuum analyze pgbench_accounts" || fail "vacuum"
rows=$(pg -d bench -c "select count(*) from acc_a")

plan() { # NAME TABLE: change_type abalance int -> bigint (a two-way dual-write trigger)
  cat >"$work/$1.yaml" <<YAML
name: $1
keys:
  $2: [aid]
operations:
  - op: change_type
    table: $2
    column: abalance
    type: bigint
    up: abalance::bigint
    down: abalance::int
YAML
  echo "$work/$1.yaml"
}
mfield() { # NAME FIELD (top level of `migrate status bench/NAME -o json`, or release.FIELD)
  bin/rollgate migrate status "bench/$1" -o json 2>/dev/null | python3 -c "
import json,sys
s=json.load(sys.stdin); f='$2'
print(s['release'][f.split('.',1)[1]] if f.startswith('release.') else s[f])" 2>/dev/null
}
await_field() { # NAME FIELD VALUE LIMIT
  local t0=$SECONDS v=""
  while [ $((SECONDS - t0)) -lt "$4" ]; do
    v=$(mfield "$1" "$2")
    [ "$v" = "$3" ] && return 0
    sleep 1
  done
  bin/rollgate migrate status "bench/$1" >&2
  fail "bench/$1: $2 is not $3 after $4 s (last: $v)"
}
backfill_times() { # TABLE: epoch seconds of its backfill's start and last batch, and its rows
  pg -d bench -F ' ' -c "select extract(epoch from started_at), extract(epoch from updated_at), rows_done
    from rollgate.backfill_cursor where table_name = '\"public\".\"$1\"' and done"
}

# ---- (a) on a quiet database: the backfill vs one UPDATE with the same triggers
say "(a) one UPDATE of $rows rows of acc_b with the plan's expand (triggers) installed"
bin/rollgate migrate plan "$(plan bench_b acc_b)" --database bench -o json >"$work/bench_b.json" || fail "migrate plan"
python3 -c '
import json,sys
p = json.load(open(sys.argv[1]))
for s in p["expand"]: print(s["sql"] + ";")
' "$work/bench_b.json" >"$work/expand_b.sql"
set_b=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["backfills"][0]["set"])' "$work/bench_b.json")
pg -d bench -f "$work/expand_b.sql" >/dev/null || fail "expand SQL of bench_b"
load_a=$(cut -d' ' -f1-3 /proc/loadavg)
t=$EPOCHREALTIME
pg -d bench -c "UPDATE public.acc_b SET $set_b" >/dev/null || fail "UPDATE acc_b"
update_s=$(python3 -c "print(f'{$EPOCHREALTIME - $t:.2f}')")
say "    UPDATE: ${update_s} s (load average before: $load_a)"

say "(a) the backfill of acc_a through the worker (migration bench_a, stops at the switch)"
load_a2=$(cut -d' ' -f1-3 /proc/loadavg)
bin/rollgate migrate start "$(plan bench_a acc_a)" --database bench --approvals 1 --without-backup benchmark >/dev/null \
  || fail "migrate start bench_a"
await_field bench_a stage switch 600
read -r bf_a0 bf_a1 bf_a_rows <<<"$(backfill_times acc_a)"
[ "$bf_a_rows" = "$rows" ] || fail "bench_a backfilled $bf_a_rows rows, expected $rows"
engine_rate_a=$(bin/rollgate migrate status bench/bench_a | grep -o '[0-9,]* rows/s' | head -1)
bin/rollgate migrate status bench/bench_a >"$work/status_a.txt"
bin/rollgate migrate abort bench/bench_a --reason "benchmark done" >/dev/null || fail "abort bench_a"
say "    backfill: $(python3 -c "print(f'{$bf_a1 - $bf_a0:.2f}')") s (load average before: $load_a2)"

# ---- (b), (c): pgbench at a fixed rate on pgbench_accounts, before/during/after a migration of it
say "pgbench --rate $RATE, $CLIENTS clients, in 10 s segments until the end"
(
  i=0
  while [ ! -f "$work/stop" ]; do
    i=$((i + 1))
    "$ROLLGATE_PG_BIN/pgbench" -n -h 127.0.0.1 -p "$PG_PORT" -U postgres -R "$RATE" -c "$CLIENTS" -j 2 -T 10 \
      -l --log-prefix="$work/seg$(printf %03d $i)" bench >>"$work/pgbench-run.log" 2>&1
  done
) &
load_pid=$!
now() { echo "$EPOCHREALTIME"; }
sleep 5   # connections and caches settle; not counted
w_base0=$(now); load_b=$(cut -d' ' -f1-3 /proc/loadavg)
sleep "$WINDOW"
w_base1=$(now)
say "(c) another session holds ACCESS SHARE on pgbench_accounts; migration bench_p starts"
PGAPPNAME=bench-holder pg -d bench -c "begin" -c "lock table pgbench_accounts in access share mode" \
  -c "select pg_sleep(3600)" >/dev/null 2>&1 &
holder=$!
sleep 0.5
w_exp0=$(now); load_p=$(cut -d' ' -f1-3 /proc/loadavg)
bin/rollgate migrate start "$(plan bench_p pgbench_accounts)" --database bench --approvals 1 --without-backup benchmark >/dev/null \
  || fail "migrate start bench_p"
# the holder lets go HOLD s after the first DDL step starts waiting for its lock
t0=$SECONDS
until [ "$(pg -d bench -c "select count(*) from pg_locks where relation = 'pgbench_accounts'::regclass
    and not granted and mode = 'AccessExclusiveLock'")" != 0 ]; do
  [ $((SECONDS - t0)) -lt 600 ] || fail "no DDL step waited for its lock on pgbench_accounts"
  sleep 0.1
done
w_lock0=$(now)
sleep "$HOLD"
pg -d bench -c "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'bench-holder'" >/dev/null
w_lock1=$(now)
wait "$holder"
say "    a DDL step waited for its lock after $(python3 -c "print(f'{$w_lock0 - $w_exp0:.1f}')") s; the holder let go $HOLD s later"
await_field bench_p stage switch 600
read -r bf_p0 bf_p1 bf_p_rows <<<"$(backfill_times pgbench_accounts)"
engine_rate_p=$(bin/rollgate migrate status bench/bench_p | grep -o '[0-9,]* rows/s' | head -1)
bin/rollgate migrate status bench/bench_p >"$work/status_p.txt"
say "(b) at the switch: triggers installed, no backfill, $WINDOW s"
w_sw0=$(now)
sleep "$WINDOW"
w_sw1=$(now)
w_con0=$(now)
ROLLGATE_USER=bench-approver bin/rollgate migrate approve bench/bench_p --comment benchmark >/dev/null || fail "approve bench_p"
await_field bench_p release.phase COMPLETED 300
w_con1=$(now)
sleep 3
touch "$work/stop"
wait "$load_pid"; load_pid=""
timeouts=$(grep -c "attempt [0-9]* timed out" "$work/worker.log")
# each SQL step of bench_p with the time it was done, to attribute long transactions
pg -d bench -F ' ' -c "select extract(epoch from done_at), description from rollgate.migration_steps
  where done_at >= to_timestamp($w_exp0) order by done_at" >"$work/steps.txt"
pg -d bench -c "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'pgbench_accounts'::regclass and attname = 'abalance'" \
  | grep -qx bigint || fail "contract did not leave pgbench_accounts.abalance bigint"
say "done (load average now: $(cut -d' ' -f1-3 /proc/loadavg))"

cat "$work"/seg[0-9]* >"$work/tx.log"
python3 - "$work/tx.log" "$rows" "$update_s" "$bf_a0" "$bf_a1" "$engine_rate_a" "$load_a" "$load_a2" \
  "$w_base0" "$w_base1" "$w_exp0" "$bf_p0" "$bf_p1" "$w_sw0" "$w_sw1" "$w_con0" "$w_con1" \
  "$bf_p_rows" "$engine_rate_p" "$load_b" "$load_p" "$timeouts" "$RATE" "$CLIENTS" "$HOLD" "$w_lock0" "$w_lock1" \
  "$work/steps.txt" <<'PY'
import sys
(log, rows, upd, a0, a1, erate_a, load_a, load_a2, b0, b1, e0, p0, p1, s0, s1, c0, c1,
 prows, erate_p, load_b, load_p, timeouts, rate, clients, hold, l0, l1, steps) = sys.argv[1:]
l0, l1 = float(l0), float(l1)
rows, upd, a0, a1 = int(rows), float(upd), float(a0), float(a1)
b0, b1, e0, p0, p1, s0, s1, c0, c1 = map(float, (b0, b1, e0, p0, p1, s0, s1, c0, c1))
tx = []   # (end, latency ms)
for line in open(log):
    f = line.split()
    if len(f) < 6 or f[2] == "skipped":
        continue
    tx.append((int(f[4]) + int(f[5]) / 1e6, int(f[2]) / 1000))
def within(a, b): return sorted(l for e, l in tx if a <= e < b)
def overlapping(a, b): return [l for e, l in tx if e - l / 1000 < b and e > a]
def p(v, q): return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")
def row(name, a, b):
    v = within(a, b)
    return f"| {name} | {b - a:.0f} s | {len(v)} | {p(v, .5):.1f} | {p(v, .99):.1f} | {max(v) if v else float('nan'):.1f} |", p(v, .99)
bf_s = a1 - a0
print(f"(a) {rows:,} rows, change_type abalance int -> bigint, nothing else running\n")
print("| path | wall time | rows/s | load average before |")
print("|---|---:|---:|---|")
print(f"| one `UPDATE` of all rows, same triggers | {upd:.1f} s | {rows / upd:,.0f} | {load_a} |")
print(f"| Rollgate backfill (first batch to last; the engine's own rate {erate_a}) | {bf_s:.1f} s | {rows / bf_s:,.0f} | {load_a2} |")
ratio = upd / bf_s
print(f"\nbackfill / UPDATE = {ratio * 100:.0f} % (goal >= 50 %: {'met' if ratio >= .5 else 'not met'})\n")
print(f"(b) pgbench TPC-B-like, --rate {rate}, {clients} clients, on pgbench_accounts ({prows} rows backfilled "
      f"in {p1 - p0:.1f} s, {int(prows) / (p1 - p0):,.0f} rows/s; the engine's own rate {erate_p}); "
      f"load average {load_b} before the baseline, {load_p} at the migration's start\n")
print("| window | length | transactions | p50 ms | p99 ms | max ms |")
print("|---|---:|---:|---:|---:|---:|")
r0, base99 = row("no migration", b0, b1)
r1, bf99 = row("during the backfill", p0, p1)
r2, _ = row("at the switch (triggers, no backfill)", s0, s1)
print(r0); print(r1); print(r2)
print(f"\np99 during the backfill / without = {bf99 / base99:.2f} (goal <= 1.10: {'met' if bf99 <= 1.1 * base99 else 'not met'})\n")
exp = overlapping(e0, p0)
held = overlapping(l0, l1 + 0.6)
con = overlapping(c0, c1)
longest = max(exp + con) if exp + con else float("nan")
print(f"(c) DDL steps: expand (from `migrate start` to the backfill's start, {p0 - e0:.1f} s, preflight included; another session "
      f"held ACCESS SHARE until {hold} s after the first DDL step began to wait for its lock: {timeouts} attempt(s) gave up "
      f"at lock_timeout 500 ms and were retried) and contract ({c1 - c0:.1f} s from the approval, polled each second)\n")
print("| DDL window | transactions overlapping | p99 ms | longest ms |")
print("|---|---:|---:|---:|")
def mx(v): return max(v) if v else float("nan")
print(f"| the lock held, a DDL step retrying ({l1 - l0:.1f} s) | {len(held)} | {p(sorted(held), .99):.1f} | {mx(held):.1f} |")
print(f"| expand, all of it | {len(exp)} | {p(sorted(exp), .99):.1f} | {mx(exp):.1f} |")
print(f"| contract | {len(con)} | {p(sorted(con), .99):.1f} | {mx(con):.1f} |")
print(f"\nlongest transaction during a DDL step = {longest:.0f} ms (goal <= 600 ms: {'met' if longest <= 600 else 'not met'})")
print("\nthe five longest transactions of expand and contract (seconds after `migrate start`, when they began and ended), "
      "and each SQL step's commit:")
for e, l in sorted(((e, l) for e, l in tx if (e0 < e and e - l / 1000 < p0) or (c0 < e and e - l / 1000 < c1)), key=lambda x: -x[1])[:5]:
    print(f"  {l:7.1f} ms  {e - l / 1000 - e0:7.2f} -> {e - e0:7.2f}")
print(f"  lock waited for from {l0 - e0:.2f}, holder gone at {l1 - e0:.2f}; backfill {p0 - e0:.2f} -> {p1 - e0:.2f}; contract from {c0 - e0:.2f}")
for line in open(steps):
    t, d = line.split(" ", 1)
    print(f"  step done {float(t) - e0:7.2f}  {d.strip()}")
PY
