#!/usr/bin/env bash
# tally's set-up script: installs what is missing from Debian 12, builds, and then either starts
# a development server or runs the whole test suite.
#
#   ./setup.sh serve   build Release into build/, create ./data with a dev API key (printed),
#                      and run `build/tally serve` on 127.0.0.1:8080 (Ctrl-C stops it)
#   ./setup.sh test    build into build/, build-asan/ and build-tsan/, run the log and engine
#                      tests under ASan+UBSan, the concurrent ones under TSan, then the whole
#                      suite (this is what CI runs)
#   ./setup.sh deps    only install the packages
#
# Environment: TALLY_DATA_DIR (default ./data), TALLY_LISTEN (default 127.0.0.1:8080),
# TALLY_JOBS (default: number of cores).
set -euo pipefail

cd "$(dirname "$0")"
root=$(pwd)
jobs=${TALLY_JOBS:-$(nproc)}

packages=(
  cmake g++ make pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  flatbuffers-compiler libflatbuffers-dev libxxhash-dev
  libhowardhinnant-date-dev libcli11-dev zlib1g-dev
  libgtest-dev libbenchmark-dev
)

log() { printf '[setup] %s\n' "$*" >&2; }

install_deps() {
  local missing=()
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return
  fi
  log "installing: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

# configure <build dir> <cmake args...>: configures once; later runs only rebuild what changed.
configure() {
  local dir=$1
  shift
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$dir" "$@" >/dev/null
  fi
}

build_release() {
  configure build -DCMAKE_BUILD_TYPE=Release
  log "building build/ (Release)"
  cmake --build build -j "$jobs" "$@"
}

cmd_serve() {
  install_deps
  build_release --target tally
  local data=${TALLY_DATA_DIR:-$root/data}
  local listen=${TALLY_LISTEN:-127.0.0.1:8080}
  mkdir -p "$data"
  local key_file="$data/dev-api-key"
  if [ ! -s "$key_file" ]; then
    build/tally keys add --data-dir "$data" --workspace dev --admin | tail -n 1 >"$key_file"
    chmod 600 "$key_file"
  fi
  log "data directory: $data"
  log "dev API key (workspace 'dev', read+write+admin): $(cat "$key_file")"
  log "try: curl -H \"Authorization: Bearer \$(cat $key_file)\" 'http://$listen/api/customEvents.list?workspace_id=dev&event_name=orders/completed'"
  # Transparent huge pages for malloc's heap (glibc >= 2.35): the engine's tables are large and
  # touched at random, and on this VM each 4 KiB page fault costs ~12 µs. Measured: replay of 1M
  # events 4.9 s -> 3.6-4.2 s, upsert +11-20% (docs/benchmarks.md, session 5).
  exec env GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.hugetlb=1}" \
    build/tally serve --data-dir "$data" --listen "$listen"
}

cmd_test() {
  install_deps
  # Sanitizer passes first, on the modules where memory, UB and race bugs would corrupt data:
  # every log and engine test under ASan+UBSan, and the concurrent ones under TSan.
  # -O1 -g1 (line tables only) compiles in half the time of RelWithDebInfo's -O2 -g (6.5 s
  # against 13.1 s for engine/record_apply.cc under ASan) and still names file and line in
  # every report; the two builds are most of CI's wall time, the tests about two minutes.
  local sanitizer_flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG")
  configure build-asan "${sanitizer_flags[@]}" -DTALLY_SANITIZE=address,undefined \
    -DTALLY_BUILD_BENCHMARKS=OFF
  log "building build-asan/ (ASan+UBSan: log and engine tests)"
  cmake --build build-asan -j "$jobs" --target log_tests engine_tests segment_tests snapshot_tests \
    snapshot_store_tests
  log "running log and engine tests under ASan+UBSan"
  (cd build-asan && ctest -L 'log|engine' -j "$jobs" --output-on-failure --timeout 900)

  configure build-tsan "${sanitizer_flags[@]}" -DTALLY_SANITIZE=thread \
    -DTALLY_BUILD_BENCHMARKS=OFF
  log "building build-tsan/ (TSan: concurrent log and engine tests)"
  cmake --build build-tsan -j "$jobs" --target log_tests engine_tests segment_tests snapshot_tests \
    snapshot_store_tests
  log "running concurrent log and engine tests under TSan"
  (cd build-tsan && ctest -L 'log|engine' -R 'Concurren' -j "$jobs" --output-on-failure \
    --timeout 900)

  build_release
  log "running the whole suite"
  (cd build && ctest -j "$jobs" --output-on-failure --timeout 900)
}

case "${1:-}" in
  serve) cmd_serve ;;
  test) cmd_test ;;
  deps) install_deps ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
