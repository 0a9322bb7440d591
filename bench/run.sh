#!/usr/bin/env bash
# egress-audit hit listener vs nginx and Apache httpd, side by side on this machine.
# Run `bench/run.sh --help` for what it does and its options; docs/performance.md explains the table.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
lua_script="$here/status-count.lua"

# ---------------------------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------------------------
duration=15
connections=64
threads=2
warmup=10
timeout=2
servers="nginx,httpd,egress-full,egress-normal"
modes="keepalive,close"
egress_port=18080
api_port=19090
nginx_port=18081
httpd_port=18082
tmp_parent=${TMPDIR:-/tmp}
java_opts=${JAVA_OPTS:-}
keep=false
install=true
quiet_wait=0
rounds=1
url_path=/ok.txt

usage() {
  cat <<EOF
Usage: bench/run.sh [OPTIONS]

Benchmarks the egress-audit hit listener ('egress-audit serve') against nginx and Apache httpd
on this machine, with the same wrk load against each, and prints one table: req/s, latency
p50/p99, 2xx and non-2xx responses, and the rows each server recorded (access-log lines for
nginx/httpd, rows of the 'hit' table for egress-audit).

Each server runs alone on loopback, from config written into a temporary directory (system
nginx/apache2 instances and /etc are left alone), serving the same 3-byte reply "OK\\n" at
$url_path, access log on (combined format, no fsync). egress-audit runs twice: --durability full
(fsync at every group commit) and --durability normal (no fsync per commit: the fair match for
an access log), with the hit listener's default transport (io_uring where the kernel allows it,
else epoll); egress-epoll is --durability normal on --transport epoll, to compare the two. For
each server and mode: a warm-up run (not counted), then the measured run.
Modes: keepalive (HTTP/1.1 keep-alive connections) and close (one request per connection,
'Connection: close', like curl from a pod).

Missing tools (wrk nginx apache2 sqlite3, a JDK) are installed with apt-get (root needed);
the egress-audit jar is built with ./mvnw when missing. The jar is copied to the temp dir so a
rebuild during the run does not disturb it. Every process started is stopped on exit or Ctrl-C.
Progress goes to stderr, the machine description and the table to stdout.

Options:
  -d, --duration SECONDS     measured run per server and mode (default: $duration)
  -c, --connections N        wrk connections (default: $connections)
  -t, --threads N            wrk threads (default: $threads)
  -w, --warmup SECONDS       warm-up run before each measured run, not counted; 0: none
                             (default: $warmup)
      --timeout SECONDS      wrk request timeout; slower answers count as timeouts (default: $timeout)
  -s, --servers LIST         comma-separated, in this order in the table; any of
                             nginx, httpd, egress-full, egress-normal, egress-epoll
                             (default: nginx,httpd,egress-full,egress-normal)
  -m, --modes LIST           comma-separated: keepalive, close (default: both)
  -r, --rounds N             run the whole sequence N times (servers restarted each round); the
                             table shows each server and mode's best round (highest REQ/S: other
                             load on the machine only ever slows a run down) and the range of
                             REQ/S over the rounds (default: $rounds)
      --egress-port PORT     egress-audit hit listener on 127.0.0.1 (default: $egress_port)
      --api-port PORT        egress-audit API on 127.0.0.1 (default: $api_port)
      --nginx-port PORT      nginx on 127.0.0.1 (default: $nginx_port)
      --httpd-port PORT      httpd on 127.0.0.1 (default: $httpd_port)
      --tmp DIR              where the temporary directory (configs, logs, SQLite database) is
                             made; its file system decides what an fsync costs (default: $tmp_parent)
      --java-opts STRING     JVM options for egress-audit (default: \$JAVA_OPTS, else none)
      --quiet-wait SECONDS   on a shared machine: before each run, wait up to this long for the
                             CPUs to be idle (under 25% of one core busy over 1 s, the server
                             under test being idle then); 0: do not wait (default: $quiet_wait)
      --no-install           do not apt-get anything; fail when a tool is missing
      --keep                 keep the temporary directory (it is also kept when the run fails,
                             not when it is interrupted)
  -h, --help                 this help

Exit status: 0 when every run completed and egress-audit's rows match its 2xx responses,
1 on a MISMATCH or a failed run, 2 on wrong usage.

Example:
  bench/run.sh                                   # everything, about 4 minutes
  bench/run.sh -d 30 -c 128 -s nginx,egress-normal -m keepalive
EOF
}

die_usage() { echo "run.sh: $*" >&2; echo "Try 'bench/run.sh --help'." >&2; exit 2; }
log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { echo "run.sh: error: $*" >&2; exit 1; }

need_arg() { [[ $# -ge 2 && -n $2 ]] || die_usage "option $1 needs a value"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    -d|--duration) need_arg "$@"; duration=$2; shift 2 ;;
    -c|--connections) need_arg "$@"; connections=$2; shift 2 ;;
    -t|--threads) need_arg "$@"; threads=$2; shift 2 ;;
    -w|--warmup) need_arg "$@"; warmup=$2; shift 2 ;;
    --timeout) need_arg "$@"; timeout=$2; shift 2 ;;
    -s|--servers) need_arg "$@"; servers=$2; shift 2 ;;
    -m|--modes) need_arg "$@"; modes=$2; shift 2 ;;
    -r|--rounds) need_arg "$@"; rounds=$2; shift 2 ;;
    --egress-port) need_arg "$@"; egress_port=$2; shift 2 ;;
    --api-port) need_arg "$@"; api_port=$2; shift 2 ;;
    --nginx-port) need_arg "$@"; nginx_port=$2; shift 2 ;;
    --httpd-port) need_arg "$@"; httpd_port=$2; shift 2 ;;
    --tmp) need_arg "$@"; tmp_parent=$2; shift 2 ;;
    --java-opts) [[ $# -ge 2 ]] || die_usage "option $1 needs a value"; java_opts=$2; shift 2 ;;
    --quiet-wait) need_arg "$@"; quiet_wait=$2; shift 2 ;;
    --no-install) install=false; shift ;;
    --keep) keep=true; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die_usage "unknown option: $1" ;;
  esac
done

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
for v in duration connections threads warmup timeout quiet_wait rounds egress_port api_port nginx_port httpd_port; do
  is_uint "${!v}" || die_usage "--${v//_/-} must be a whole number, not '${!v}'"
done
((duration > 0)) || die_usage "--duration must be at least 1"
((rounds > 0)) || die_usage "--rounds must be at least 1"
((threads > 0)) || die_usage "--threads must be at least 1"
((timeout > 0)) || die_usage "--timeout must be at least 1"
((connections >= threads)) || die_usage "--connections must be at least --threads (wrk gives each thread connections/threads)"
IFS=, read -r -a server_list <<<"$servers"
IFS=, read -r -a mode_list <<<"$modes"
((${#server_list[@]} > 0)) || die_usage "--servers is empty"
((${#mode_list[@]} > 0)) || die_usage "--modes is empty"
for s in "${server_list[@]}"; do
  case $s in nginx|httpd|egress-full|egress-normal|egress-epoll) ;; *) die_usage "unknown server '$s' (nginx, httpd, egress-full, egress-normal, egress-epoll)" ;; esac
done
for m in "${mode_list[@]}"; do
  case $m in keepalive|close) ;; *) die_usage "unknown mode '$m' (keepalive, close)" ;; esac
done
[[ -d $tmp_parent ]] || die_usage "--tmp $tmp_parent is not a directory"

# ---------------------------------------------------------------------------------------------
# Cleanup: every process started here is stopped on exit, error or Ctrl-C
# ---------------------------------------------------------------------------------------------
work=""
wrk_pid=""
server_pid=""
server_name=""
policy_rc_created=false
failed=true   # set to false at the very end of a complete run
interrupted=false

stop_pid() { # pid: TERM, wait up to 15 s, then KILL
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$server_name (pid $pid) did not stop on TERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n ${wrk_pid:-} ]]; then kill -TERM "$wrk_pid" 2>/dev/null || true; wait "$wrk_pid" 2>/dev/null || true; fi
  if [[ -n $server_pid ]]; then log "stopping $server_name"; stop_pid "$server_pid"; server_pid=""; fi
  if $policy_rc_created; then rm -f /usr/sbin/policy-rc.d; fi
  if [[ -n $work && -d $work ]]; then
    if $keep || { $failed && ! $interrupted; }; then
      log "kept $work (configs, logs, databases, wrk output)"
    else
      rm -rf "$work"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'interrupted=true; log "interrupted"; exit 130' INT
trap 'interrupted=true; log "terminated"; exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Tools: install from Debian what is missing, build the jar when missing
# ---------------------------------------------------------------------------------------------
have() { command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 ]]; }
bin() { if command -v "$1" >/dev/null 2>&1; then command -v "$1"; else echo "/usr/sbin/$1"; fi; }

missing=()
have wrk || missing+=(wrk)
have sqlite3 || missing+=(sqlite3)
have curl || missing+=(curl)
for s in "${server_list[@]}"; do
  case $s in
    nginx) have nginx || missing+=(nginx) ;;
    httpd) have apache2 || missing+=(apache2) ;;
  esac
done
have java || missing+=(openjdk-17-jdk-headless)
# dedupe
if ((${#missing[@]} > 0)); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
fi

apt_updated=false
apt_update() {
  log "apt-get update"
  apt-get update -q >&2 || die "apt-get update failed"
  apt_updated=true
}
apt_install() {
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2
}

if ((${#missing[@]} > 0)); then
  $install || die "missing: ${missing[*]} (run without --no-install, or: apt-get install -y ${missing[*]})"
  [[ $(id -u) -eq 0 ]] || die "missing: ${missing[*]}; installing needs root: sudo apt-get install -y ${missing[*]}"
  # Keep the packages' own services (nginx and apache2 on port 80) from being started by the
  # install: a policy-rc.d that denies every start, only while apt-get runs, only if none exists.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# written by egress-audit bench/run.sh while it installs packages\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy_rc_created=true
  fi
  # apt-get update only when needed: no package lists yet, a package unknown, or the install fails
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    apt_update
  else
    for p in "${missing[@]}"; do
      policy=$(apt-cache policy "$p" 2>/dev/null || true)
      if [[ $policy != *"Candidate: "* || $policy == *"Candidate: (none)"* ]]; then apt_update; break; fi
    done
  fi
  log "apt-get install -y ${missing[*]}"
  if ! apt_install "${missing[@]}"; then
    $apt_updated && die "apt-get install -y ${missing[*]} failed"
    apt_update
    apt_install "${missing[@]}" || die "apt-get install -y ${missing[*]} failed"
  fi
  if $policy_rc_created; then rm -f /usr/sbin/policy-rc.d; policy_rc_created=false; fi
fi

WRK=$(bin wrk)
SQLITE3=$(bin sqlite3)
NGINX=$(bin nginx)
APACHE2=$(bin apache2)
[[ -f $lua_script ]] || die "missing $lua_script"

jar_src="$repo/audit-server/target/egress-audit.jar"
if [[ " ${server_list[*]} " == *" egress-"* ]] && [[ ! -f $jar_src ]]; then
  log "building $jar_src (./mvnw -q -B -DskipTests package)"
  (cd "$repo" && ./mvnw -q -B -DskipTests package) >&2 || die "the build failed"
  [[ -f $jar_src ]] || die "the build did not produce $jar_src"
fi

# ---------------------------------------------------------------------------------------------
# Work directory, ports
# ---------------------------------------------------------------------------------------------
work=$(mktemp -d "$tmp_parent/egress-audit-bench.XXXXXX")
# nginx and httpd workers run as unprivileged users: they must reach the document root
chmod 755 "$work"
mkdir -p "$work/www"
printf 'OK\n' >"$work/www/ok.txt"
chmod 644 "$work/www/ok.txt"
results="$work/results.tsv"
: >"$results"
log "work directory: $work"

if [[ " ${server_list[*]} " == *" egress-"* ]]; then
  # The jar may be rebuilt under our feet (a build in another terminal): copy it, check that the
  # copy runs, and retry for a while when it does not.
  for ((i = 1; ; i++)); do
    if cp "$jar_src" "$work/egress-audit.jar" 2>/dev/null \
      && egress_version=$(java -jar "$work/egress-audit.jar" --version 2>/dev/null); then
      break
    fi
    ((i < 30)) || die "cannot copy a working $jar_src (is a build failing?)"
    log "$jar_src is missing or incomplete (being rebuilt?); retrying"
    sleep 2
  done
fi

port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
check_port_free() {
  if port_busy "$1"; then
    die "port $1 is already in use on this machine (ss -ltnp 'sport = :$1'); pick another with --$2"
  fi
}
for s in "${server_list[@]}"; do
  case $s in
    nginx) check_port_free "$nginx_port" nginx-port ;;
    httpd) check_port_free "$httpd_port" httpd-port ;;
    egress-*) check_port_free "$egress_port" egress-port; check_port_free "$api_port" api-port ;;
  esac
done

# ---------------------------------------------------------------------------------------------
# Machine
# ---------------------------------------------------------------------------------------------
cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
[[ -n $cpu_model ]] || cpu_model=$(awk -F': *' '/^(Hardware|cpu model|uarch)/ {print $2; exit}' /proc/cpuinfo)
java_version=$( (java -version 2>&1 || true) | head -n 2 | paste -sd ';' | sed 's/;/; /')
db_fs=$(df -PT "$work" | awk 'NR == 2 {print $2 " on " $1 " (" $7 ")"}')
version_of() { ("$@" 2>&1 || true) | head -n 1; }
tools="$(version_of "$WRK" -v | awk '{print $1, $2}')"
[[ -x $NGINX ]] && tools+="; $(version_of "$NGINX" -v | sed 's/^nginx version: //')"
[[ -x $APACHE2 ]] && tools+="; $(version_of "$APACHE2" -v | sed 's/^Server version: //')"
tools+="; sqlite3 $("$SQLITE3" -version | awk '{print $1}')"
{
  echo "egress-audit benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine:   $(nproc) CPUs ($(grep -c '^processor' /proc/cpuinfo) in /proc/cpuinfo), ${cpu_model:-unknown CPU}, $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2 / 1048576}' /proc/meminfo)"
  echo "kernel:    $(uname -srm)"
  echo "java:      $java_version"
  if [[ -n ${egress_version:-} ]]; then
    commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo "unknown commit")
    if [[ -n $(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null) ]]; then commit+=" + uncommitted changes"; fi
    echo "server:    $egress_version, jar built $(date -u -r "$work/egress-audit.jar" +%Y-%m-%dT%H:%M:%SZ) from $commit"
  fi
  echo "tools:     $tools"
  echo "temp dir:  $work, file system $db_fs"
  echo "load avg:  $(cut -d' ' -f1-3 /proc/loadavg) at start (other processes compete for the CPUs: see the CPU% column's last figure)"
  ((rounds == 1)) || echo "rounds:    $rounds; each row is the server and mode's best round (highest REQ/S), RANGE the lowest and highest REQ/S of all rounds"
  echo "load:      wrk -t$threads -c$connections -d${duration}s --timeout ${timeout}s --latency -s status-count.lua http://127.0.0.1:PORT$url_path ($( ((warmup > 0)) && echo "after a ${warmup}s warm-up in the same mode, not counted" || echo "no warm-up")); client and server share the machine"
  echo
} >"$work/header.txt"
cat "$work/header.txt" >&2

# ---------------------------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------------------------
wait_for_port() { # port pid what: until something listens on the port, or the process died
  local port=$1 pid=$2 what=$3 i
  for ((i = 0; i < 600; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    port_busy "$port" && return 0
    sleep 0.1
  done
  log "$what did not listen on $port within 60 s"
  return 1
}

start_nginx() {
  local d="$work/nginx"
  mkdir -p "$d/tmp"
  cat >"$d/nginx.conf" <<EOF
# written by egress-audit bench/run.sh
worker_processes auto;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 4096; }
http {
    access_log $d/access.log combined;
    default_type text/plain;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65s;
    keepalive_requests 100000000;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        root $work/www;
    }
}
EOF
  access_log="$d/access.log"
  : >"$access_log"
  "$NGINX" -p "$d/" -c "$d/nginx.conf" -e "$d/error.log" -g 'daemon off;' >"$d/stdout.log" 2>&1 &
  server_pid=$!
  server_name=nginx
  server_port=$nginx_port
  wait_for_port "$nginx_port" "$server_pid" nginx || { tail -n 20 "$d/stdout.log" "$d/error.log" >&2 || true; die "nginx did not start"; }
}

start_httpd() {
  local d="$work/httpd" mods=/usr/lib/apache2/modules per_child=32 procs
  mkdir -p "$d"
  # mpm_event: enough threads for every connection at once, all started up front
  # (no process spawning during the run), never recycled
  procs=$(((connections + per_child - 1) / per_child + 1))
  local run_user=www-data
  id "$run_user" >/dev/null 2>&1 || run_user=nobody
  local run_group
  run_group=$(id -gn "$run_user")
  cat >"$d/httpd.conf" <<EOF
# written by egress-audit bench/run.sh
ServerRoot "$d"
ServerName 127.0.0.1
PidFile "$d/httpd.pid"
DefaultRuntimeDir "$d"
ErrorLog "$d/error.log"
LogLevel warn
User $run_user
Group $run_group
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule mime_module $mods/mod_mime.so
Listen 127.0.0.1:$httpd_port
ServerLimit $procs
StartServers $procs
ThreadLimit $per_child
ThreadsPerChild $per_child
MaxRequestWorkers $((procs * per_child))
MinSpareThreads $per_child
MaxSpareThreads $((procs * per_child))
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 65
Timeout 60
HostnameLookups Off
EnableSendfile On
# Default On: httpd would mmap and munmap the file for every request, and each munmap in a
# multi-threaded process costs a TLB shootdown on every CPU running a worker thread (2.5x fewer
# requests per second on a 2-CPU VM). Off is the usual setting for small static files.
EnableMMAP Off
TypesConfig /dev/null
AddType text/plain .txt
LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined
CustomLog "$d/access.log" combined
DocumentRoot "$work/www"
<Directory />
    AllowOverride None
    Require all granted
</Directory>
EOF
  access_log="$d/access.log"
  : >"$access_log"
  "$APACHE2" -f "$d/httpd.conf" -DFOREGROUND >"$d/stdout.log" 2>&1 &
  server_pid=$!
  server_name=httpd
  server_port=$httpd_port
  wait_for_port "$httpd_port" "$server_pid" httpd || { tail -n 20 "$d/stdout.log" "$d/error.log" >&2 || true; die "httpd did not start"; }
}

start_egress() { # durability: full|normal; transport: auto|io_uring|epoll|nio
  local durability=$1 transport=$2 d="$work/egress-$1-$2"
  mkdir -p "$d"
  db="$d/hits-round$round.db"
  rm -f "$d"/hits-round*.db* # the previous round's: only its count mattered
  # shellcheck disable=SC2086 # java_opts is a list of JVM options
  java $java_opts -jar "$work/egress-audit.jar" serve --db "$db" --durability "$durability" \
    --transport "$transport" --listen "127.0.0.1:$egress_port" --api "127.0.0.1:$api_port" \
    >"$d/server.log" 2>&1 &
  server_pid=$!
  server_name="egress-audit ($durability, transport $transport)"
  server_port=$egress_port
  # the port check connects nothing: a request would be a row
  wait_for_port "$egress_port" "$server_pid" "$server_name" || { tail -n 30 "$d/server.log" >&2 || true; die "$server_name did not start"; }
}

stop_server() {
  [[ -n $server_pid ]] || return 0
  log "stopping $server_name"
  stop_pid "$server_pid"
  server_pid=""
}

# Rows recorded so far: lines of the access log, or rows of egress-audit's hit table
row_count() {
  case $1 in
    nginx|httpd) wc -l <"$access_log" | tr -d ' ' ;;
    egress-*) "$SQLITE3" -cmd '.timeout 10000' "$db" 'SELECT count(*) FROM hit;' ;;
  esac
}
# Wait until the count stops moving (requests in flight when wrk stopped are still being
# handled, and the hit writer commits its last batch): same value twice 0.5 s apart
stable_row_count() {
  local prev cur i
  prev=$(row_count "$1")
  for ((i = 0; i < 120; i++)); do
    sleep 0.5
    cur=$(row_count "$1")
    [[ $cur == "$prev" ]] && { echo "$cur"; return 0; }
    prev=$cur
  done
  log "row count of $1 still moving after 60 s"
  echo "$cur"
}

# egress-audit's own count of rows its listener took: 200s written plus rows whose client had
# gone before its 200 (egress_audit_listener_answers_total on /metrics)
listener_rows() {
  curl -sf "http://127.0.0.1:$api_port/metrics" | awk '
    /^egress_audit_listener_answers_total\{status="(200|none)"\}/ { n += $2 }
    END { printf "%d", n }'
}

# CPU time (clock ticks) of a process and all its descendants (nginx/httpd workers)
cpu_ticks() {
  local pids p total=0 fields
  pids=$(ps -e -o pid=,ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      for (p in parent) {
        q = p
        for (n = 0; n < 64 && q != "" && q != 0; n++) { if (q == root) { print p; break } q = parent[q] }
      }
    }')
  for p in $pids; do
    # fields after "pid (comm) ": state ppid ... utime is the 12th, stime the 13th
    fields=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null) || continue
    total=$((total + $(awk '{print $12 + $13}' <<<"$fields")))
  done
  echo "$total"
}
clk_tck=$(getconf CLK_TCK)
# Busy CPU time of the whole machine (clock ticks): user nice system irq softirq steal. The
# kernel's loopback TCP work (softirq) is also in the time of the process it ran on behalf of.
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
# CPU time of this shell's waited-for children (clock ticks), from the output of `times`
# (second line: children's user and system time, like 0m1.230s 0m0.450s)
children_ticks() {
  awk -v hz="$clk_tck" 'NR == 2 {
    t = 0
    for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
    printf "%.0f", t * hz
  }' "$1"
}

# Wait (up to --quiet-wait seconds) until the machine is idle: other processes' CPU use is noise
wait_quiet() {
  ((quiet_wait > 0)) || return 0
  local start=$SECONDS b0 b1 pct
  while :; do
    b0=$(busy_ticks); sleep 1; b1=$(busy_ticks)
    pct=$((100 * (b1 - b0) / clk_tck))
    if ((pct < 25)); then
      ((SECONDS - start <= 1)) || log "machine idle after $((SECONDS - start)) s"
      return 0
    fi
    if ((SECONDS - start >= quiet_wait)); then
      log "machine still busy (${pct}% of one core) after ${quiet_wait} s of waiting; running anyway"
      return 0
    fi
    ((SECONDS - start > 1)) || log "machine busy (${pct}% of one core used by other processes); waiting up to ${quiet_wait} s"
  done
}

run_wrk() { # out-file seconds mode
  local out=$1 secs=$2 mode=$3 args=()
  [[ $mode == close ]] && args=(-H 'Connection: close')
  "$WRK" -t"$threads" -c"$connections" -d"${secs}s" --timeout "${timeout}s" --latency \
    -s "$lua_script" "${args[@]}" "http://127.0.0.1:$server_port$url_path" >"$out" 2>&1 &
  wrk_pid=$!
  local rc=0
  wait "$wrk_pid" || rc=$?
  wrk_pid=""
  return "$rc"
}

# wrk failed: say why, with the server's state and the end of its log
wrk_failed() { # out-file what
  cat "$1" >&2
  if ! kill -0 "$server_pid" 2>/dev/null; then
    local rc=0
    wait "$server_pid" || rc=$?
    server_pid=""
    log "$server_name is gone (exit status $rc; killed from outside?)"
  fi
  local f
  for f in "$work"/egress-*/server.log "$work"/nginx/error.log "$work"/httpd/error.log; do
    [[ -f $f ]] && { echo "--- end of $f" >&2; tail -n 15 "$f" >&2; }
  done
  die "wrk failed ($2)"
}

field() { # name line
  sed -n "s/.* $1=\\([0-9-]*\\).*/\\1/p" <<<" $2"
}

mismatches=0
bench_one() { # server mode
  local server=$1 mode=$2 out="$work/wrk-$1-$2.txt" before after line
  if ((warmup > 0)); then
    log "$server, $mode: warm-up ${warmup}s"
    run_wrk "$work/wrk-$server-$mode-warmup.txt" "$warmup" "$mode" || wrk_failed "$work/wrk-$server-$mode-warmup.txt" "warm-up, $server, $mode"
  fi
  before=$(stable_row_count "$server")
  local sent_before=0
  [[ $server == egress-* ]] && sent_before=$(listener_rows)
  if [[ $server == nginx || $server == httpd ]]; then
    : >"$access_log" # the log is opened O_APPEND: writes continue at the new end
    before=0
  fi
  local cpu0 cpu1 busy0 busy1 t0 t1 wrk_ticks
  wait_quiet
  log "$server, $mode: measuring ${duration}s"
  cpu0=$(cpu_ticks "$server_pid")
  busy0=$(busy_ticks)
  t0=$(date +%s%N)
  times >"$work/times0"
  run_wrk "$out" "$duration" "$mode" || wrk_failed "$out" "$server, $mode"
  times >"$work/times1"
  t1=$(date +%s%N)
  busy1=$(busy_ticks)
  cpu1=$(cpu_ticks "$server_pid")
  wrk_ticks=$(($(children_ticks "$work/times1") - $(children_ticks "$work/times0")))
  kill -0 "$server_pid" 2>/dev/null || die "$server_name died during the run"
  after=$(stable_row_count "$server")
  line=$(grep '^BENCH ' "$out" || true)
  [[ -n $line ]] || { cat "$out" >&2; die "no BENCH line in wrk's output ($out): did the Lua script run?"; }

  local requests dur sent ok non2xx p50 p99 errors unanswered rows rps cpu_pct cpu_per_req check statuses
  requests=$(field requests "$line"); dur=$(field duration_us "$line"); sent=$(field sent "$line")
  ok=$(field ok "$line"); non2xx=$(field non2xx "$line")
  p50=$(field p50_us "$line"); p99=$(field p99_us "$line")
  errors=$(($(field err_connect "$line") + $(field err_read "$line") + $(field err_write "$line") + $(field err_timeout "$line")))
  unanswered=$((sent - ok - non2xx))
  ((unanswered >= 0)) || unanswered=0
  rows=$((after - before))
  rps=$(awk -v n="$requests" -v us="$dur" 'BEGIN {printf "%.0f", (us > 0 ? n * 1e6 / us : 0)}')
  # CPU over the measured run, in % of one core: server (with its workers) / wrk / everything
  # else on the machine (other processes: noise in the figures when it is not near 0)
  cpu_pct=$(awk -v srv="$((cpu1 - cpu0))" -v wrk="$wrk_ticks" -v busy="$((busy1 - busy0))" -v hz="$clk_tck" -v ns="$((t1 - t0))" '
    function pct(t) { return (ns > 0 ? 100 * t / hz / (ns / 1e9) : 0) }
    BEGIN {
      other = busy - srv - wrk; if (other < 0) other = 0
      printf "%.0f/%.0f/%.0f", pct(srv), pct(wrk), pct(other)
    }')
  # server CPU time per answered request, in microseconds: the cost of one request to the server,
  # whatever the client or other processes took
  cpu_per_req=$(awk -v srv="$((cpu1 - cpu0))" -v hz="$clk_tck" -v n="$requests" 'BEGIN {printf "%.0f", (n > 0 ? srv / hz * 1e6 / n : 0)}')
  statuses=$(awk '/^BENCH_STATUS / {printf "%s%s:%s", sep, $2, $3; sep=","}' "$out")
  check="-"
  if [[ $server == egress-* ]]; then
    # The server's own count: every row must be a 200 it wrote (or one whose client had gone).
    local server_rows
    server_rows=$(($(listener_rows) - sent_before))
    if ((rows != server_rows)); then
      log "MISMATCH: $server $mode: $rows rows but the listener counts $server_rows (200s written + clients gone)"
      rows_vs_server="MISMATCH"
    else
      rows_vs_server="ok"
    fi
    # Every 2xx must have its row: rows >= 2xx. Rows beyond the 2xx may only come from requests
    # wrk wrote but stopped waiting for when the duration ran out (at most one per connection).
    if [[ $rows_vs_server == MISMATCH ]]; then
      check="MISMATCH"
      mismatches=$((mismatches + 1))
    elif ((rows == ok)); then
      check="ok"
    elif ((rows > ok && rows - ok <= unanswered)); then
      check="ok(+$((rows - ok)))"
    else
      check="MISMATCH"
      mismatches=$((mismatches + 1))
      log "MISMATCH: $server $mode: $rows rows recorded for $ok 2xx responses ($unanswered requests unanswered at the end)"
    fi
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$server" "$mode" "$rps" "$p50" "$p99" "$ok" "$non2xx" "$errors" "$rows" "$unanswered" "$cpu_pct" "$check" "$statuses" "$cpu_per_req" "$round" >>"$results"
  log "$server, $mode${round_label}: $rps req/s, 2xx $ok, non-2xx $non2xx${statuses:+ ($statuses)}, socket errors $errors, rows $rows, check $check"
}

round_label=""
for ((round = 1; round <= rounds; round++)); do
  ((rounds == 1)) || { round_label=" (round $round/$rounds)"; log "round $round of $rounds"; }
  for server in "${server_list[@]}"; do
    case $server in
      nginx) start_nginx ;;
      httpd) start_httpd ;;
      egress-full) start_egress full auto ;;
      egress-normal) start_egress normal auto ;;
      egress-epoll) start_egress normal epoll ;;
    esac
    log "$server_name up on 127.0.0.1:$server_port (pid $server_pid)"
    for mode in "${mode_list[@]}"; do
      bench_one "$server" "$mode"
    done
    stop_server
  done
done

# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------
order_modes=$(IFS=,; echo "${mode_list[*]}")
order_servers=$(IFS=,; echo "${server_list[*]}")
cat "$work/header.txt"
awk -F'\t' -v modes="$order_modes" -v servers="$order_servers" '
  function ms(us) { return us >= 1e6 ? sprintf("%.2fs", us / 1e6) : sprintf("%.2fms", us / 1000) }
  function label(s) {
    if (s == "egress-full") return "egress-audit full"
    if (s == "egress-normal") return "egress-audit normal"
    if (s == "egress-epoll") return "egress-audit epoll"
    return s
  }
  {
    key = $1 SUBSEP $2
    n[key]++
    if (!(key in best) || $3 + 0 > best_rps[key]) { best[key] = $0; best_rps[key] = $3 + 0 }
    if (!(key in lo) || $3 + 0 < lo[key]) lo[key] = $3 + 0
    if (!(key in hi) || $3 + 0 > hi[key]) hi[key] = $3 + 0
    if ($12 == "MISMATCH") mismatch[key] = 1
  }
  END {
    fmt = "%-20s %-9s %8s %-13s %9s %9s %9s %8s %7s %9s %8s %-11s %7s %-9s %s\n"
    printf fmt, "SERVER", "MODE", "REQ/S", "RANGE", "P50", "P99", "2XX", "NON-2XX", "ERRORS", "ROWS", "VS-NGINX", "CPU%", "US/REQ", "CHECK", "STATUSES"
    nm = split(modes, M, ","); ns = split(servers, S, ",")
    for (i = 1; i <= nm; i++) for (j = 1; j <= ns; j++) {
      key = S[j] SUBSEP M[i]
      if (!(key in best)) continue
      split(best[key], f, "\t")
      nk = "nginx" SUBSEP M[i]
      ratio = (nk in best_rps && best_rps[nk] > 0) ? sprintf("%.2fx", f[3] / best_rps[nk]) : "-"
      range = n[key] > 1 ? lo[key] "-" hi[key] : "-"
      check = (key in mismatch) ? "MISMATCH" : f[12]
      printf fmt, label(f[1]), f[2], f[3], range, ms(f[4]), ms(f[5]), f[6], f[7], f[8], f[9], ratio, f[11], f[14], check, (f[13] == "" ? "-" : f[13])
    }
  }' "$results"
cat <<'EOF'

REQ/S responses per second, any status | RANGE lowest-highest REQ/S over the rounds | P50, P99
latency from writing the request to reading the whole response (connect time not included) |
2XX, NON-2XX responses by status, counted by status-count.lua | ERRORS socket errors: connect,
read, write, timeout | ROWS access-log lines (nginx, httpd) or rows added to egress-audit's hit
table by the measured run | VS-NGINX REQ/S over nginx's in the same mode | CPU% server (with its
workers) / wrk / everything else on the machine (other processes), in % of one core, kernel TCP
work included | US/REQ server CPU microseconds per response | CHECK (egress-audit) ok: ROWS ==
2XX; ok(+N): N rows more than 2XX, no more than the requests wrk wrote and got no answer to (in
flight when time ran out: one per connection at most; or timed out); in every case ROWS must also
equal the server's own count of 200s written (plus rows whose client had gone), read from its
/metrics; MISMATCH: a 2xx without its row, rows nobody asked for, or rows not matching the 200s
the server wrote | STATUSES non-2xx responses by status code
EOF

if ((mismatches > 0)); then
  echo
  echo "!!! MISMATCH: egress-audit recorded a different number of rows than the 2xx it answered ($mismatches run(s)); see the CHECK column !!!"
  log "MISMATCH in $mismatches run(s); $work is kept"
  exit 1
fi
failed=false
