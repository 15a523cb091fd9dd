#!/usr/bin/env bash
# Streaming backup (Rollgate: pg_dump -Fc --compress=zstd piped into an S3 multipart upload, the
# worker's BackupWorkflow) vs the naive path (pg_dump to a file, zstd-compressed by pg_dump; upload
# the file) vs the limit (the same pg_dump to /dev/null), side by side on one database of
# SCALE x 15 MB of pgbench data (default scale 70: ~1.05 GB of tables), ROUNDS rounds interleaved.
# Also: temporary disk used, and the worker's peak RSS during the backup minus its RSS before, and
# the load average before each round (other people's work on a shared machine skews everything).
#
#   benchmarks/backup/streaming-vs-naive.sh            # SCALE=70 ROUNDS=3 NOISE_MB=0
#   SCALE=20 NOISE_MB=1024 benchmarks/backup/streaming-vs-naive.sh
#
# pgbench's tables compress about 190:1 (mostly blank filler), so the dump is tiny and the upload
# costs nothing. NOISE_MB adds a table `noise` of that many MB of random bytes (1 KiB per row, made
# from md5 of random(): incompressible), so the dump is as large as the data, as with real
# production rows of already-compressed or high-entropy content.
#
# Runs the worker on its own dev stack (ports 17233, 18080, 55329, 18334, others free ones: it can
# run beside a dev stack on the default ports) with its embedded S3Proxy as the bucket; state in a
# temporary folder removed at the end. Not run by CI.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
. bin/java-env
pick_java
# BOOTSTRAP=0: use .tools/env as it is (a worktree whose .tools links to another checkout's)
if [ "${BOOTSTRAP:-1}" != 0 ] || [ ! -f .tools/env ]; then
  bin/bootstrap >/dev/null 2>&1 || { echo "bin/bootstrap failed" >&2; exit 1; }
fi
. .tools/env
SCALE=${SCALE:-70}
ROUNDS=${ROUNDS:-3}
NOISE_MB=${NOISE_MB:-0}
fail() { echo "BENCHMARK FAILED: $*" >&2; exit 1; }
work=$(mktemp -d /tmp/rollgate-bench-backup.XXXXXX)
worker_pid=""
cleanup() {
  [ -n "$worker_pid" ] && { kill "$worker_pid" 2>/dev/null; wait "$worker_pid" 2>/dev/null; }
  rm -rf "$work"
}
trap cleanup EXIT
[ -f starter/target/rollgate.jar ] && ls worker/target/rollgate-worker-*.jar >/dev/null 2>&1 \
  || ./mvnw -B -q -ntp package -DskipTests -Dspotless.check.skip=true || fail "build"

PG_PORT=55329 S3_PORT=18334
export ROLLGATE_STATE_DIR="$work/state" ROLLGATE_USER=bench
export ROLLGATE_TEMPORAL_ADDRESS=127.0.0.1:17233 ROLLGATE_HTTP_PORT=18080 ROLLGATE_WORKER_URL=http://127.0.0.1:18080
export ROLLGATE_DATABASES_BENCH_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/bench" ROLLGATE_DATABASES_BENCH_USERNAME=postgres
bin/rollgate-dev --rollgate.dev.temporal-port=17233 --rollgate.dev.temporal-ui-port=0 --rollgate.dev.postgres-port=$PG_PORT \
  --rollgate.dev.redis-port=0 --rollgate.dev.s3-port=$S3_PORT --rollgate.dev.prometheus-port=0 >"$work/worker.log" 2>&1 &
worker_pid=$!   # the JVM: bin/rollgate-dev execs it
t0=$SECONDS
until bin/rollgate status >/dev/null 2>&1; do
  [ $((SECONDS - t0)) -lt 600 ] || fail "worker not up (see $work/worker.log)"
  sleep 1
done
pg() { "$ROLLGATE_PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
PGOPTIONS="-c client_min_messages=warning" pg -d postgres -c "drop database if exists bench" -c "create database bench" >/dev/null
echo "loading pgbench scale $SCALE ..." >&2
"$ROLLGATE_PG_BIN/pgbench" -i -s "$SCALE" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres bench >"$work/pgbench.log" 2>&1 || fail "pgbench -i"
if [ "$NOISE_MB" -gt 0 ]; then
  echo "adding $NOISE_MB MB of random bytes (table noise) ..." >&2
  pg -d bench -c "create table noise (id int primary key, data bytea)" \
    -c "alter table noise alter column data set storage external" \
    -c "insert into noise select g, (select decode(string_agg(md5(random()::text || g || k), ''), 'hex')
          from generate_series(1, 64) k) from generate_series(1, $NOISE_MB * 1024) g" >/dev/null || fail "noise"
fi
tables=$(pg -d bench -c "select sum(pg_table_size(c.oid)) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'r'")
dbsize=$(pg -d bench -c "select pg_database_size('bench')")
echo "tables $tables bytes, database $dbsize bytes" >&2

# FILE KEY: one multipart upload of a file (16 MiB parts, 2 at once, like the streaming path), each
# byte treated as the worker's client treats it: a checksum per part in a header that S3 checks
# (boto3: CRC32; the worker: CRC32C), the body not signed (botocore, like the Java SDK, signs it
# over plain HTTP unless told not to; the worker's CheckedPartsSigning does not)
upload() {
  "$ROLLGATE_TOOLS/venv/bin/python" - "$1" "$2" <<'PY'
import sys, boto3
from botocore.config import Config
from boto3.s3.transfer import TransferConfig
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:18334", region_name="us-east-1",
                  aws_access_key_id="rollgate", aws_secret_access_key="rollgate-dev-secret",
                  config=Config(s3={"payload_signing_enabled": False}))
s3.upload_file(sys.argv[1], "rollgate-backups", sys.argv[2],
               Config=TransferConfig(multipart_chunksize=16 * 1024 * 1024, max_concurrency=2))
PY
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$worker_pid/status"; }
dump=("$ROLLGATE_PG_BIN/pg_dump" -h 127.0.0.1 -p "$PG_PORT" -U postgres -Fc --compress=zstd bench)
now() { echo "$EPOCHREALTIME"; }
since() { python3 -c "print(f'{$EPOCHREALTIME - $1:.1f}')"; }

# where (a)'s wall time went: the CLI until the workflow started, each activity (queued, ran),
# the workflow's own steps between them, and the CLI after the workflow closed (its history)
breakdown() { # START_EPOCH WALL_SECONDS CLI_OUTPUT
  local id
  id=$(grep -o -m1 'backup/bench/[0-9]*T[0-9]*Z' "$3") || return 0
  "$ROLLGATE_TEMPORAL_CLI" workflow show -w "$id" --address 127.0.0.1:17233 --output json 2>/dev/null |
    python3 -c '
import json, sys
from datetime import datetime
start, wall = float(sys.argv[1]), float(sys.argv[2])
events = json.load(sys.stdin)["events"]
def t(e): return datetime.fromisoformat(e["eventTime"].replace("Z", "+00:00")).timestamp()
t0, t1 = t(events[0]), t(events[-1])
parts, sched, busy = [f"CLI until started {t0 - start:.2f}"], {}, 0.0
for e in events:
    k = e["eventType"]
    if k.endswith("ACTIVITY_TASK_SCHEDULED"):
        sched[e["eventId"]] = (e["activityTaskScheduledEventAttributes"]["activityType"]["name"], t(e))
    elif k.endswith("ACTIVITY_TASK_STARTED"):
        a = e["activityTaskStartedEventAttributes"]; sched[a["scheduledEventId"]] += (t(e),)
    elif k.endswith("ACTIVITY_TASK_COMPLETED"):
        n, s, st = sched[e["activityTaskCompletedEventAttributes"]["scheduledEventId"]]
        busy += t(e) - s
        parts.append(f"{n} {t(e) - s:.2f} (queued {st - s:.2f})")
parts.append(f"workflow steps between {t1 - t0 - busy:.2f}")
parts.append(f"CLI after closed {start + wall - t1:.2f}")
print("  (a) breakdown: " + ", ".join(parts) + f" ({len(events)} events)")
' "$1" "$2"
}

results="$work/results"
: >"$results"
for round in $(seq 0 "$ROUNDS"); do   # round 0 warms up (page cache, JIT) and is not counted
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  # (a) streaming, through the worker
  "$JAVA_HOME/bin/jcmd" "$worker_pid" GC.run >/dev/null 2>&1; sleep 1
  idle=$(rss_kb); peak=$idle
  tmp_before=$(du -sb "$work/state" | cut -f1)
  t=$(now)
  bin/rollgate backup run --database bench --wait >"$work/a.out" 2>&1 &
  cli=$!
  while kill -0 "$cli" 2>/dev/null; do r=$(rss_kb); [ "$r" -gt "$peak" ] && peak=$r; sleep 0.05; done
  wait "$cli" || fail "backup run: $(tail -3 "$work/a.out")"
  a=$(since "$t")
  grep -q COMPLETED "$work/a.out" || fail "backup not COMPLETED: $(tail -3 "$work/a.out")"
  size=$(bin/rollgate backup list --database bench -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["sizeBytes"])')
  breakdown "$t" "$a" "$work/a.out" >&2
  # (b) naive: pg_dump to a file (same compression), then upload the file
  t=$(now)
  "${dump[@]}" -f "$work/bench.dump" || fail "pg_dump to file"
  upload "$work/bench.dump" "naive/bench-$round.dump" || fail "upload"
  b=$(since "$t")
  tmpb=$(stat -c %s "$work/bench.dump"); rm -f "$work/bench.dump"
  # (c) the limit: pg_dump alone, same compression, to /dev/null
  t=$(now)
  "${dump[@]}" >/dev/null || fail "pg_dump to /dev/null"
  c=$(since "$t")
  echo "round $round (load average before: $load, after: $(cut -d' ' -f1-3 /proc/loadavg)): streaming ${a}s (peak RSS +$(( (peak - idle) / 1024 )) MB, dump $size bytes), naive ${b}s (temp file $tmpb bytes), pg_dump alone ${c}s" >&2
  [ "$round" -gt 0 ] && echo "$a $b $c $(( (peak - idle) / 1024 )) $tmpb $size" >>"$results"
done

python3 - "$results" "$tables" "$dbsize" "$SCALE" "$NOISE_MB" <<'PY'
import sys, statistics
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
a, b, c, rss, tmpb, size = (list(x) for x in zip(*rows))
med = statistics.median
def mm(v): return f"{med(v):.1f} s ({min(v):.1f}-{max(v):.1f})"
print(f"pgbench scale {sys.argv[4]} + {sys.argv[5]} MB of random bytes: tables {int(sys.argv[2])/1e9:.2f} GB, database {int(sys.argv[3])/1e9:.2f} GB, dump (custom, zstd) {med(size)/1e6:.0f} MB; {len(rows)} rounds after a warm-up\n")
print("| path | wall time, median (min-max) | temporary disk | peak worker RSS added |")
print("|---|---|---|---|")
print(f"| (a) Rollgate streaming: pg_dump -> S3 multipart, SHA-256 of the whole, CRC32C per part | {mm(a)} | 0 | {med(rss):.0f} MB (max {max(rss):.0f}) |")
print(f"| (b) naive: pg_dump -f file, then upload the file | {mm(b)} | {med(tmpb)/1e6:.0f} MB | - |")
print(f"| (c) limit: pg_dump > /dev/null | {mm(c)} | 0 | - |")
ra = [x / y for x, y in zip(a, b)]
rc = [x / y for x, y in zip(a, c)]
# issue 19's goals: with incompressible data (NOISE_MB > 0) a/b <= 0.8 and a/c <= 1.3; with
# pgbench's compressible tables alone, no worse than naive; peak worker RSS added <= 64 MB
goal_ab = 0.8 if int(sys.argv[5]) > 0 else 1.0
def verdict(ok): return "met" if ok else "not met"
print(f"\nratios (per round, median): a/b = {med(ra):.2f} (goal <= {goal_ab}: {verdict(med(ra) <= goal_ab)}), "
      f"a/c = {med(rc):.2f} (goal <= 1.3{'' if int(sys.argv[5]) > 0 else ', set for NOISE_MB > 0'}: {verdict(med(rc) <= 1.3)}), "
      f"peak RSS added {max(rss):.0f} MB (goal <= 64 MB: {verdict(max(rss) <= 64)})")
PY
