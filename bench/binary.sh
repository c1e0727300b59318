# Sourced by the benchmarks: the binary they measure.
#
# BENCH_BIN when set (an earlier commit's build, say); otherwise the build that is deployed,
# the `production` profile (see Cargo.toml), built here if the sources changed.
bench_binary() {
  if [ -n "${BENCH_BIN:-}" ]; then
    echo "$BENCH_BIN"
    return
  fi
  echo "== building the production binary (cargo build --profile production)" >&2
  cargo build --profile production --quiet >&2 || return 1
  echo target/production/yhdyspinta
}
