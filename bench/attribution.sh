#!/usr/bin/env bash
# The attribution benchmark of issue 9: generate a live cluster's history and hits, then time whois,
# pages of hits and filtered listings in-process and through a warm API. See docs/performance.md.
#
#   bench/attribution.sh generate DB [--days 30 --pods 10000 --namespaces 1000 --nodes 50
#                                     --egressips 100 --changes-per-day 100000 --hits 10000000]
#   bench/attribution.sh measure DB [--samples 200] [--label NAME]
#   bench/attribution.sh profile DB --what page|page-in-process|next-page-in-process|leaks|namespace|namespace-day|whois-past|whois-past-in-process [--seconds 30]
#       (repeats one question; add -XX:StartFlightRecording=filename=F.jfr to JAVA_OPTS)
#   bench/attribution.sh paths DB --what node,egress,unknown --when now,past --out-dir DIR
#       (whois request paths for wrk, as bench/whois.sh uses them)
#
# JAVA_OPTS defaults to -Xmx512m (the issue's heap target), so running out of heap is a failure.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
if [ $# -lt 2 ]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
cmd=$1 db=$2
shift 2
cd "$repo"
cp_file=audit-server/target/bench.classpath
./mvnw -B -q -o -pl audit-server -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$repo/$cp_file" -Dmdep.includeScope=test -Dspotless.check.skip=true >&2
cp="audit-server/target/test-classes:audit-server/target/classes"
cp="$cp:sql/target/classes:correlator/target/classes:controller/target/classes:probes/target/classes"
cp="$cp:$(cat "$cp_file")"
exec java ${JAVA_OPTS:--Xmx512m} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$cp" io.egressaudit.bench.AttributionBench "$cmd" --db "$db" "$@"
