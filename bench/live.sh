#!/usr/bin/env bash
# The live-cluster benchmark of issue 10: a fabric8 mock API server (CRUD) loaded with a cluster,
# `egress-audit serve --kubeconfig` started against it as its own JVM, then pods replaced at steady
# rates. Prints time to ready, changes recorded per second and their lag, history rows, the
# server's resident memory and heap. See docs/live-clusters.md.
#
#   bench/live.sh DIR [--pods 10000 --namespaces 1000 --nodes 50 --egressips 100
#                      --rates 10,20 --seconds 30 --server-opts "-Xmx512m"]
#
# Everything binds to 127.0.0.1. DIR receives the database, the kubeconfig and serve.log.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
if [ $# -lt 1 ]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
dir=$1
shift
cd "$repo"
cp_file=audit-server/target/bench.classpath
./mvnw -B -q -o -pl audit-server -am test-compile dependency:build-classpath \
  -Dmdep.outputFile="$repo/$cp_file" -Dmdep.includeScope=test -Dspotless.check.skip=true >&2
cp="audit-server/target/test-classes:audit-server/target/classes"
cp="$cp:sql/target/classes:correlator/target/classes:controller/target/classes:probes/target/classes"
cp="$cp:$(cat "$cp_file")"
uptime
exec java ${JAVA_OPTS:--Xmx1g} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$cp" io.egressaudit.bench.LiveClusterBench --dir "$dir" "$@"
