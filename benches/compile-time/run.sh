#!/usr/bin/env bash
# Compile time of a user's crate: 200 flows, each a `#[timeout]` step fn, one
# `parallel!` of three calls and one `settled!` of two, against the same
# written with `futures::try_join!`/`join!` and `tokio::time::timeout`.
# Both crates are generated, built once (dependencies), then rebuilt after a
# touch with CARGO_INCREMENTAL=0, alternately, ROUNDS times; the report gives
# the median seconds of each (wall and CPU time) and their ratios.
#
#   bash benches/compile-time/run.sh [FLOWS] [ROUNDS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
flows=${1:-200}
rounds=${2:-5}
work="$root/benches/target/compile-time"
export CARGO_TARGET_DIR="$work/target"
mkdir -p "$work"

manifest() { # name, dependencies
    cat <<TOML
[package]
name = "$1"
version = "0.0.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
$2
TOML
}

common='#[derive(Debug)]
pub struct Error;

impl From<orchestrate::Elapsed> for Error {
    fn from(_: orchestrate::Elapsed) -> Self {
        Error
    }
}
'

generate_ours() {
    echo "$common"
    for i in $(seq 1 "$flows"); do
        cat <<RS
#[orchestrate::timeout(ms = 2000)]
async fn step_$i(x: u32) -> Result<u32, Error> {
    Ok(x + $i)
}

pub async fn flow_$i() -> Result<u32, Error> {
    let (a, b, c) = orchestrate::parallel!(step_$i(1), step_$i(2), step_$i(3)).await?;
    let (d, e) = orchestrate::settled!(step_$i(a), step_$i(b)).await;
    Ok(a + b + c + d.unwrap_or(0) + e.unwrap_or(0))
}

RS
    done
}

generate_peers() {
    echo '#[derive(Debug)]
pub struct Error;

impl From<tokio::time::error::Elapsed> for Error {
    fn from(_: tokio::time::error::Elapsed) -> Self {
        Error
    }
}
'
    for i in $(seq 1 "$flows"); do
        cat <<RS
async fn step_$i(x: u32) -> Result<u32, Error> {
    tokio::time::timeout(std::time::Duration::from_millis(2000), async move { Ok(x + $i) }).await?
}

pub async fn flow_$i() -> Result<u32, Error> {
    let (a, b, c) = futures::try_join!(step_$i(1), step_$i(2), step_$i(3))?;
    let (d, e) = futures::join!(step_$i(a), step_$i(b));
    Ok(a + b + c + d.unwrap_or(0) + e.unwrap_or(0))
}

RS
    done
}

mkdir -p "$work/ours/src" "$work/peers/src"
manifest flows-ours "orchestrate = { path = \"$root\" }" > "$work/ours/Cargo.toml"
manifest flows-peers 'futures = "0.3.31"
tokio = { version = "1.45", features = ["time"] }' > "$work/peers/Cargo.toml"
generate_ours > "$work/ours/src/lib.rs"
generate_peers > "$work/peers/src/lib.rs"

for crate in ours peers; do
    cargo build --quiet --manifest-path "$work/$crate/Cargo.toml"
done

# Wall time, and CPU time (user + system, all of cargo's and rustc's
# threads): on a shared machine the CPU time moves less with the load.
declare -A wall cpu
TIMEFORMAT='%R %U %S'
for round in $(seq 1 "$rounds"); do
    for crate in ours peers; do
        touch "$work/$crate/src/lib.rs"
        read -r real user sys < <({ time CARGO_INCREMENTAL=0 cargo build --quiet --manifest-path "$work/$crate/Cargo.toml"; } 2>&1)
        wall[$crate]+="$real "
        cpu[$crate]+="$(awk "BEGIN {printf \"%.2f\", $user + $sys}") "
    done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
report() { # label, times of ours, times of peers
    local ours peers
    ours=$(echo "$2" | median)
    peers=$(echo "$3" | median)
    echo "$1, median of $rounds rounds:"
    echo "  orchestrate (#[timeout], parallel!, settled!): ${ours} s   [$2]"
    echo "  futures::try_join!/join! + tokio::time::timeout: ${peers} s   [$3]"
    echo "  ratio ours / peers: $(awk "BEGIN {printf \"%.2f\", $ours / $peers}")×"
}
echo "rebuild of $flows flows, CARGO_INCREMENTAL=0"
report "wall time" "${wall[ours]}" "${wall[peers]}"
report "CPU time (user + system)" "${cpu[ours]}" "${cpu[peers]}"
