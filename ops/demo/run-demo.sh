#!/usr/bin/env bash
# Helper for the Rollgate demo service (see ops/README.md).
#
#   ops/demo/run-demo.sh [demo options]        run the demo in the foreground (builds the jar if missing)
#   ops/demo/run-demo.sh flag BASIS_POINTS     write new_checkout to Redis (HSET + PUBLISH), enabled,
#                                              rolled out to BASIS_POINTS/10000 of users; needs redis-cli
#   ops/demo/run-demo.sh kill                  set the kill switch on new_checkout
#   ops/demo/run-demo.sh errors RATE           set the demo's error rate (0..1) via POST /errors
#
# Environment: ROLLGATE_REDIS_URL (default redis://127.0.0.1:63790), DEMO_PORT (8081),
# DEMO_FLAG (new_checkout), JAVA_HOME.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar="$root/ops/target/rollgate-demo.jar"
redis_url="${ROLLGATE_REDIS_URL:-redis://127.0.0.1:63790}"
port="${DEMO_PORT:-8081}"
flag="${DEMO_FLAG:-new_checkout}"

write_flag() { # enabled killed basisPoints
  local version json
  version="$(date +%s%3N)" # epoch millis: always newer than what clients hold
  json=$(printf '{"name":"%s","version":%s,"enabled":%s,"killed":%s,"rolloutBasisPoints":%s,"salt":"%s","stickiness":"userId","allowUsers":[],"denyUsers":[],"rules":[],"updatedBy":"run-demo.sh","updatedAtMillis":%s}' \
    "$flag" "$version" "$1" "$2" "$3" "$flag" "$version")
  redis-cli -u "$redis_url" HSET rollgate:flags "$flag" "$json" >/dev/null
  redis-cli -u "$redis_url" PUBLISH rollgate:flags:changed "$json" >/dev/null
  echo "$json"
}

case "${1:-}" in
  flag)
    bp="${2:?usage: run-demo.sh flag BASIS_POINTS (0..10000)}"
    write_flag true false "$bp"
    ;;
  kill)
    write_flag true true 10000
    ;;
  errors)
    rate="${2:?usage: run-demo.sh errors RATE (0..1)}"
    curl -fsS -X POST "http://127.0.0.1:$port/errors?rate=$rate"
    ;;
  *)
    . "$root/bin/java-env"
    pick_java
    if [[ ! -f "$jar" ]]; then
      (cd "$root" && ./mvnw -B -q -pl ops -am package -DskipTests -Dspotless.check.skip=true)
    fi
    exec "$JAVA" $(quiet_java_flags) -Xmx128m -jar "$jar" "$@"
    ;;
esac
