#!/usr/bin/env bash
# Runs a scenario as N shards on one machine with GNU parallel (or xargs -P when parallel is
# missing) and merges them. The merged output is
# byte-identical to `cxsim run` with the same seed and customers.
#
#   deploy/parallel-shards.sh SCENARIO CUSTOMERS [SEED] [SHARDS] [JOBS] > result.json
#
# SHARDS (default 8) is the number of parts; JOBS (default: all cores) how many run at once.
# Each shard uses RAYON_NUM_THREADS threads (default 1 here, since the shards are the parallelism).
set -euo pipefail
SCENARIO=${1:?usage: parallel-shards.sh SCENARIO CUSTOMERS [SEED] [SHARDS] [JOBS]}
CUSTOMERS=${2:?usage: parallel-shards.sh SCENARIO CUSTOMERS [SEED] [SHARDS] [JOBS]}
SEED=${3:-1}
SHARDS=${4:-8}
JOBS=${5:-$(nproc)}
CXSIM=${CXSIM:-cxsim}
export RAYON_NUM_THREADS=${RAYON_NUM_THREADS:-1}

DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT

if command -v parallel >/dev/null 2>&1; then
  seq 1 "$SHARDS" | parallel -j "$JOBS" --halt now,fail=1 \
    "$CXSIM" run "$SCENARIO" -n "$CUSTOMERS" -s "$SEED" -q \
    --shard "{}/$SHARDS" --out "$DIR/part-{}.json"
else
  seq 1 "$SHARDS" | xargs -P "$JOBS" -I{} \
    "$CXSIM" run "$SCENARIO" -n "$CUSTOMERS" -s "$SEED" -q \
    --shard "{}/$SHARDS" --out "$DIR/part-{}.json"
fi
"$CXSIM" merge "$DIR"/part-*.json --format json
