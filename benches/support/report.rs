//! The table of ratios *ours / peer* that `compare.rs` prints at the end of a
//! run, built from the medians criterion saved during this very run.

// Nanoseconds and counts far below 2^52 become `f64` for the report.
#![allow(clippy::cast_precision_loss)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// One line of the table: `ours` against each peer, in `group` (at `n`).
struct Line {
    workload: &'static str,
    group: &'static str,
    n: Option<usize>,
    /// What one iteration is divided by for "ns per item".
    items: usize,
    ours: &'static str,
    peers: &'static [&'static str],
}

/// The lines of `compare.rs`'s table: its collection families at `sizes`,
/// its `.limit(k)` family at `limits`.
fn lines(sizes: &[usize], limits: &[(usize, usize)]) -> Vec<Line> {
    let mut lines = Vec::new();
    for (workload, group) in [
        ("5 branches ready", "fixed_ready"),
        ("5 branches pending once", "fixed_pending"),
    ] {
        lines.push(Line {
            workload,
            group,
            n: None,
            items: 5,
            ours: "ours_parallel",
            peers: &["futures_try_join", "tokio_try_join", "fc_try_join"],
        });
        lines.push(Line {
            workload,
            group,
            n: None,
            items: 5,
            ours: "ours_settled",
            peers: &["futures_join", "tokio_join", "fc_join"],
        });
    }
    for group in [
        "settled_yield_once",
        "settled_countdown",
        "parallel_yield_once",
        "parallel_countdown",
    ] {
        for &n in sizes {
            lines.push(Line {
                workload: group,
                group,
                n: Some(n),
                items: n,
                ours: "ours",
                peers: if group.starts_with("settled") {
                    &[
                        "futures_join_all",
                        "futures_buffered",
                        "futures_concurrency",
                        "futures_unordered",
                    ]
                } else {
                    &[
                        "futures_try_join_all",
                        "futures_buffered",
                        "futures_concurrency",
                    ]
                },
            });
        }
    }
    for &(n, _) in limits {
        lines.push(Line {
            workload: "limit",
            group: "limit",
            n: Some(n),
            items: n,
            ours: "ours",
            peers: &[
                "futures_buffered_ordered",
                "futures_buffer_unordered",
                "fb_buffered_ordered",
            ],
        });
    }
    for (workload, group) in [
        ("timeout, inner ready", "timeout_ready"),
        ("timeout, inner pending once", "timeout_pending"),
    ] {
        lines.push(Line {
            workload,
            group,
            n: None,
            items: 1,
            ours: "ours",
            peers: &["tokio", "async_std", "eager_delay"],
        });
        lines.push(Line {
            workload,
            group,
            n: None,
            items: 1,
            ours: "ours_tokio_timer",
            peers: &["tokio", "async_std", "eager_delay"],
        });
    }
    lines
}

/// Where criterion saves its estimates: as criterion decides it, in the
/// target folder of the benches' own workspace unless told otherwise.
pub fn criterion_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return home.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
        PathBuf::from,
    );
    target.join("criterion")
}

/// The median (ns per iteration) of a benchmark measured since `since`.
pub fn median(group: &str, function: &str, n: Option<usize>, since: SystemTime) -> Option<f64> {
    median_at(group, function, n.map(|n| n.to_string()).as_deref(), since)
}

/// The median (ns per iteration) of `group/function[/case]` measured since
/// `since`; `None` if it was not measured in this run.
pub fn median_at(
    group: &str,
    function: &str,
    case: Option<&str>,
    since: SystemTime,
) -> Option<f64> {
    let mut path = criterion_home().join(group).join(function);
    if let Some(case) = case {
        path = path.join(case);
    }
    let path = path.join("new").join("estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None; // from an earlier run
    }
    let json = std::fs::read_to_string(path).ok()?;
    let median = &json[json.find("\"median\"")?..];
    let value = &median[median.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = value.find([',', '}'])?;
    value[..end].trim().parse().ok()
}

/// Prints the table of ratios of the benchmarks measured since `since` (at
/// `sizes` and `limits`, as in `lines`), followed by `paired` (a table of its
/// own), and writes it to `<criterion home>/ratios.md`.
pub fn report(since: SystemTime, sizes: &[usize], limits: &[(usize, usize)], paired: Option<&str>) {
    let mut table = String::from(
        "| workload | n | ours (ns/item) | ours / peer (peer ns/item) |\n| --- | --- | --- | --- |\n",
    );
    let mut any = false;
    for line in lines(sizes, limits) {
        let Some(ours) = median(line.group, line.ours, line.n, since) else {
            continue;
        };
        any = true;
        let per_item = |t: f64| t / line.items as f64;
        let mut peers = Vec::new();
        for peer in line.peers {
            if let Some(theirs) = median(line.group, peer, line.n, since) {
                peers.push(format!(
                    "{peer} **{:.2}×** ({:.1})",
                    ours / theirs,
                    per_item(theirs)
                ));
            }
        }
        let _ = writeln!(
            table,
            "| {} ({}) | {} | {:.1} | {} |",
            line.workload,
            line.ours,
            line.n.map_or_else(|| "–".to_string(), |n| n.to_string()),
            per_item(ours),
            peers.join("; ")
        );
    }
    if let Some(paired) = paired {
        let _ = write!(table, "\n{paired}");
        any = true;
    }
    if !any {
        return;
    }
    println!("\nratios ours / peer (medians of this run):\n\n{table}");
    let path = criterion_home().join("ratios.md");
    if std::fs::write(&path, &table).is_ok() {
        println!("written to {}", path.display());
    }
}

/// Two contenders timed in paired rounds: the median of the rounds' ratios
/// ours / peer, its 10th and 90th percentiles, and each side's median.
#[derive(Debug, Clone, Copy)]
pub struct Paired {
    /// The median of the rounds' ratios.
    pub median: f64,
    /// Their 10th percentile.
    pub p10: f64,
    /// Their 90th percentile.
    pub p90: f64,
    /// The median of our samples.
    pub ours: f64,
    /// The median of the peer's samples.
    pub peer: f64,
}

/// The head of a table of paired rows: `rounds` rounds of `calls` per
/// contender, times in `unit`.
pub fn paired_head(rounds: usize, calls: u32, unit: &str) -> String {
    format!(
        "| paired rounds ({rounds} × {calls}) | ours / peer: median of the rounds' ratios (p10–p90) | {unit}, medians: ours / peer |\n| --- | --- | --- |\n"
    )
}

/// The ratios of the rounds' samples `ours[i] / peer[i]`, summarized.
pub fn paired(ours: &[f64], peer: &[f64]) -> Paired {
    let ratios = ours.iter().zip(peer).map(|(a, b)| a / b).collect();
    let (median, p10, p90) = quantiles(ratios);
    Paired {
        median,
        p10,
        p90,
        ours: quantiles(ours.to_vec()).0,
        peer: quantiles(peer.to_vec()).0,
    }
}

/// The median, 10th and 90th percentiles of `values`.
fn quantiles(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |percent: usize| values[(values.len() - 1) * percent / 100];
    (at(50), at(10), at(90))
}
