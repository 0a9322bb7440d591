#!/usr/bin/env bash
# whois through the API of a warm `egress-audit serve`, and nginx answering the same bytes, one after
# the other in the same minutes, with the CPU time this VM lost to its host. See docs/performance.md.
#
#   bench/whois.sh DB [--duration 15] [--warmup 10] [--rounds 2] [--questions node,egress,unknown]
#                     [--when now,past] [--connections 1] [--api-port 18390] [--nginx-port 18401]
#                     [--client-cpu 0|none] [--server-cpu 1] [--rate 1000|0]
#
# Each question is asked as fast as one connection allows (wrk, random IPs of the question), then,
# when hey is on PATH and --rate is not 0, at a steady --rate requests a second on one connection
# (hey -q; hey asks one URL: the question's first IP).
# wrk runs on CPU --client-cpu and the threads that answer (serve's Vert.x event loops, nginx's
# worker) on CPU --server-cpu (taskset; by default 0 and 1 on a machine with more than one CPU;
# the JVM's other threads are left free): on a VM, whether the two share a CPU changes a
# one-connection round trip by a factor of 2 to 3, and left to the scheduler it differs from row
# to row.
# DB is a database made by `bench/attribution.sh generate` (its DB.world.json names the IPs to ask
# about). Needs wrk and nginx on PATH (apt-get install wrk nginx) and the jar
# (audit-server/target/egress-audit.jar, built when missing). JAVA_OPTS defaults to -Xmx512m.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "bench/whois.sh: $*" >&2; exit 1; }
[[ $# -ge 1 && $1 != -* ]] || { usage >&2; exit 2; }
db=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
duration=15 warmup=10 rounds=2 questions=node,egress,unknown whens=now,past connections=1
api_port=18390 nginx_port=18401 client_cpu= server_cpu=1 rate=1000
while [[ $# -gt 0 ]]; do
  [[ $# -ge 2 ]] || { echo "bench/whois.sh: $1 needs a value" >&2; exit 2; }
  case $1 in
    --duration) duration=$2 ;;
    --warmup) warmup=$2 ;;
    --rounds) rounds=$2 ;;
    --questions) questions=$2 ;;
    --when) whens=$2 ;;
    --connections) connections=$2 ;;
    --api-port) api_port=$2 ;;
    --nginx-port) nginx_port=$2 ;;
    --client-cpu) client_cpu=$2 ;;
    --server-cpu) server_cpu=$2 ;;
    --rate) rate=$2 ;;
    *) echo "bench/whois.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift 2
done
[[ -f $db ]] || die "no database $db (make one with bench/attribution.sh generate $db)"
[[ -f $db.world.json ]] || die "no $db.world.json beside the database: was it made by bench/attribution.sh generate?"
if [[ -z $client_cpu ]]; then
  if [[ $(nproc) -gt 1 ]]; then client_cpu=0; else client_cpu=none; fi
fi
client=()
if [[ $client_cpu != none ]]; then
  command -v taskset >/dev/null || die "taskset is not on PATH (apt-get install util-linux), or use --client-cpu none"
  client=(taskset -c "$client_cpu")
fi
port_free() { ! (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }
port_free "$api_port" || die "127.0.0.1:$api_port is in use (another serve?): stop it or give --api-port"
port_free "$nginx_port" || die "127.0.0.1:$nginx_port is in use (another nginx?): stop it or give --nginx-port"
for t in wrk nginx java curl; do
  command -v $t >/dev/null || die "$t is not on PATH (apt-get install wrk nginx curl)"
done
jar=$repo/audit-server/target/egress-audit.jar
if [[ ! -f $jar ]]; then
  echo "building $jar" >&2
  (cd "$repo" && ./mvnw -q -B -DskipTests package) >&2 || die "the build failed"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/egress-audit-whois.XXXXXX")
serve_pid= nginx_pid=
cleanup() {
  set +e # a stopped server's exit status must not end the cleanup before the next one is stopped
  [[ -n $serve_pid ]] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  [[ -n $nginx_pid ]] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cp "$jar" "$work/egress-audit.jar"

# the request paths: one file per question, the same in every round
"$here/attribution.sh" paths "$db" --what "$questions" --when "$whens" --out-dir "$work" >/dev/null

# /proc/stat's cpu line: every field summed, and steal (the 8th value)
cpu_ticks() { awk '/^cpu /{t=0; for (i=2;i<=NF;i++) t+=$i; print t, $9}' /proc/stat; }
run_wrk() { # URL PATHS-FILE SECONDS -> "req/s p50 p90 p99 non2xx steal%"
  local before after out
  before=$(cpu_ticks)
  out=$(PATHS=$2 "${client[@]}" wrk -t1 -c"$connections" -d"$3"s --latency -s "$here/whois.lua" "$1")
  after=$(cpu_ticks)
  awk -v b="$before" -v a="$after" '
    $1 == "50%" { p50 = $2 } $1 == "90%" { p90 = $2 } $1 == "99%" { p99 = $2 }
    $1 == "Requests/sec:" { rps = int($2) } /Non-2xx/ { bad = $5 }
    END {
      split(b, x, " "); split(a, y, " ")
      printf "%s %s %s %s %s %.1f%%\n", rps, p50, p90, p99, bad + 0, 100 * (y[2] - x[2]) / (y[1] - x[1])
    }' <<<"$out"
}
run_hey() { # URL SECONDS -> the same fields as run_wrk, at --rate requests a second
  local before after out
  before=$(cpu_ticks)
  out=$("${client[@]}" hey -z "$2"s -c 1 -q "$rate" "$1")
  after=$(cpu_ticks)
  awk -v b="$before" -v a="$after" '
    function t(s) { return s < 0.001 ? sprintf("%.2fus", s * 1e6) : sprintf("%.2fms", s * 1e3) }
    $1 == "50%" { p50 = t($3) } $1 == "90%" { p90 = t($3) } $1 == "99%" { p99 = t($3) }
    $1 == "Requests/sec:" { rps = int($2) }
    /^ *\[[0-9]+\]/ { n = $2; if ($1 != "[200]") bad += n }
    END {
      split(b, x, " "); split(a, y, " ")
      printf "%s %s %s %s %s %.1f%%\n", rps, p50, p90, p99, bad + 0, 100 * (y[2] - x[2]) / (y[1] - x[1])
    }' <<<"$out"
}
if [[ $rate != 0 ]] && ! command -v hey >/dev/null; then
  echo "bench/whois.sh: hey is not on PATH (apt-get install hey): no rows at a steady rate" >&2
  rate=0
fi

echo "starting egress-audit serve on $db" >&2
java ${JAVA_OPTS:--Xmx512m} -jar "$work/egress-audit.jar" serve --db "$db" \
  --listen 127.0.0.1:0 --api 127.0.0.1:"$api_port" >"$work/serve.log" 2>&1 &
serve_pid=$!
for _ in $(seq 300); do
  grep -q "API and web page" "$work/serve.log" && break
  kill -0 "$serve_pid" 2>/dev/null || { tail -5 "$work/serve.log" >&2; die "serve stopped"; }
  sleep 0.5
done
grep -q "API and web page" "$work/serve.log" || die "serve did not start within 150 s"
api=http://127.0.0.1:$api_port
pin_threads() { # PID NAME-PREFIX: puts the process' threads whose name starts so on --server-cpu
  [[ $client_cpu == none ]] && return
  local t
  for t in /proc/"$1"/task/*; do
    [[ $(cat "$t/comm" 2>/dev/null) == "$2"* ]] && taskset -p -c "$server_cpu" "${t##*/}" >/dev/null
  done
  return 0
}
pin_threads "$serve_pid" vert.x-eventloo

# nginx answers every path with the bytes of one whois answer of each question, so the floor is the
# same HTTP exchange without attribution
mkdir -p "$work/nginx"
chmod 755 "$work" "$work/nginx" # nginx's worker runs as another user: it must read the answers
{
  echo "worker_processes 1; daemon off; pid $work/nginx/nginx.pid; error_log $work/nginx/error.log;"
  echo "events {} http { access_log off; server { listen 127.0.0.1:$nginx_port;"
  for q in ${questions//,/ }; do
    first=$(head -1 "$work/paths-$q-now.txt" 2>/dev/null || head -1 "$work/paths-$q-past.txt")
    curl -fsS "$api$first" >"$work/nginx/$q.json" || die "whois $first failed"
    chmod 644 "$work/nginx/$q.json"
    echo "location /$q { default_type application/json; alias $work/nginx/$q.json; }"
  done
  echo "} }"
} >"$work/nginx/nginx.conf"
nginx -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" >"$work/nginx/out.log" 2>&1 &
nginx_pid=$!
for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/${questions%%,*}" && break; sleep 0.1; done
for w in $(pgrep -P "$nginx_pid"); do pin_threads "$w" nginx; done
for q in ${questions//,/ }; do
  for _ in $(seq 1000); do echo "/$q"; done >"$work/paths-nginx-$q.txt"
done

echo "warming up: ${warmup} s per question, on ${connections} and 4 connections" >&2
for q in ${questions//,/ }; do for w in ${whens//,/ }; do
  PATHS=$work/paths-$q-$w.txt "${client[@]}" wrk -t1 -c4 -d"$(( (warmup + 1) / 2 ))"s -s "$here/whois.lua" "$api" >/dev/null
  PATHS=$work/paths-$q-$w.txt "${client[@]}" wrk -t1 -c"$connections" -d"$(( (warmup + 1) / 2 ))"s -s "$here/whois.lua" "$api" >/dev/null
done; done

echo "machine:   $(nproc) vCPUs, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "server:    $(java -jar "$work/egress-audit.jar" --version 2>/dev/null | head -1), $(cd "$repo" && git describe --always --dirty 2>/dev/null || echo '?'), JAVA_OPTS=${JAVA_OPTS:--Xmx512m}"
echo "load:      wrk -t1 -c$connections -d${duration}s per row, client on CPU $client_cpu, server on CPU $server_cpu; steal: CPU time the host took from this VM during the row"
printf '%-5s %-13s %-20s %8s %9s %9s %9s %6s %6s\n' round server question req/s p50 p90 p99 non2xx steal
for r in $(seq "$rounds"); do
  for q in ${questions//,/ }; do
    for w in ${whens//,/ }; do
      read -r rps p50 p90 p99 bad steal < <(run_wrk "$api" "$work/paths-$q-$w.txt" "$duration")
      printf '%-5s %-13s %-20s %8s %9s %9s %9s %6s %6s\n' "$r" egress-audit "$q $w" "$rps" "$p50" "$p90" "$p99" "$bad" "$steal"
      if [[ $rate != 0 ]]; then
        read -r rps p50 p90 p99 bad steal < <(run_hey "$api$(head -1 "$work/paths-$q-$w.txt")" "$duration")
        printf '%-5s %-13s %-20s %8s %9s %9s %9s %6s %6s\n' "$r" egress-audit "$q $w @$rate/s" "$rps" "$p50" "$p90" "$p99" "$bad" "$steal"
      fi
    done
    read -r rps p50 p90 p99 bad steal < <(run_wrk "http://127.0.0.1:$nginx_port" "$work/paths-nginx-$q.txt" "$duration")
    printf '%-5s %-13s %-20s %8s %9s %9s %9s %6s %6s\n' "$r" nginx "$q (bytes)" "$rps" "$p50" "$p90" "$p99" "$bad" "$steal"
    if [[ $rate != 0 ]]; then
      read -r rps p50 p90 p99 bad steal < <(run_hey "http://127.0.0.1:$nginx_port/$q" "$duration")
      printf '%-5s %-13s %-20s %8s %9s %9s %9s %6s %6s\n' "$r" nginx "$q @$rate/s" "$rps" "$p50" "$p90" "$p99" "$bad" "$steal"
    fi
  done
done
