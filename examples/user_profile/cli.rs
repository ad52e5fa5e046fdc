//! Command-line options of the example, parsed by hand to keep it dependency-free.

use super::api::Endpoint;

pub(crate) const HELP: &str = "\
user_profile: fetch a user, then their posts, then every post's comments and
likes in parallel, keeping partial results; prints the profile, the time it
took against one-after-another, and a timeline chart.

USAGE:
    cargo run --example user_profile -- [OPTIONS]

OPTIONS:
    --runtime <NAME>    tokio | async-std | smol | futures   [default: tokio]
    --fail <ENDPOINT>   make an endpoint answer 503: user | posts | comments | likes
    --slow <ENDPOINT>   make an endpoint take 10 s, past its timeout
    --posts <N>         how many posts the user has               [default: 2]
    --limit <N>         enrich at most N posts at once            [default: all]
    --api-limit <N>     at most N API calls in flight, at every level (a Limiter)
    --rate <N>          at most N API calls started a second (a RateLimiter)
    --json              print machine-readable JSON instead of text
    --trace <FILE>      write the timeline as Trace Event JSON (Perfetto)
    --svg <FILE>        write the timeline chart as SVG
    --progress          a progress bar of the posts enriched, on stderr
    --calls <N>         instead: GET /posts N times through a circuit breaker
    --jitter-latency    instead: p50/p99 of calls with a slow tail, hedged or not
    -h, --help          print this help

Exit status: 0 when the profile was built (fallbacks included), 1 when the
user or posts step failed, 2 on bad options.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Runtime {
    Tokio,
    AsyncStd,
    Smol,
    Futures,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Options {
    pub(crate) runtime: Runtime,
    pub(crate) fail: Option<Endpoint>,
    pub(crate) slow: Option<Endpoint>,
    pub(crate) posts: u32,
    pub(crate) limit: Option<usize>,
    pub(crate) json: bool,
    /// Where to write the timeline as Trace Event JSON, and as SVG.
    pub(crate) trace: Option<String>,
    pub(crate) svg: Option<String>,
    /// `--api-limit` and `--rate`.
    pub(crate) api_limit: Option<usize>,
    pub(crate) rate: Option<u32>,
    pub(crate) progress: bool,
    pub(crate) calls: Option<u32>,
    pub(crate) jitter_latency: bool,
}

/// Why the options were not accepted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Usage {
    Help,
    Invalid(String),
}

pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, Usage> {
    let mut options = Options {
        runtime: Runtime::Tokio,
        fail: None,
        slow: None,
        posts: 2,
        limit: None,
        json: false,
        trace: None,
        svg: None,
        api_limit: None,
        rate: None,
        progress: false,
        calls: None,
        jitter_latency: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) => (flag.to_string(), Some(value.to_string())),
            None => (arg, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| Usage::Invalid(format!("`{flag}` needs a value")))
        };
        match flag.as_str() {
            "-h" | "--help" => return Err(Usage::Help),
            "--json" => options.json = true,
            "--progress" => options.progress = true,
            "--jitter-latency" => options.jitter_latency = true,
            "--calls" => options.calls = Some(number(&flag, &value()?)?),
            "--runtime" => {
                options.runtime = match value()?.as_str() {
                    "tokio" => Runtime::Tokio,
                    "async-std" => Runtime::AsyncStd,
                    "smol" => Runtime::Smol,
                    "futures" => Runtime::Futures,
                    other => {
                        return Err(Usage::Invalid(format!(
                            "unknown runtime `{other}`: expected tokio, async-std, smol or futures"
                        )));
                    }
                }
            }
            "--trace" => options.trace = Some(value()?),
            "--svg" => options.svg = Some(value()?),
            "--fail" => options.fail = Some(endpoint(&flag, &value()?)?),
            "--slow" => options.slow = Some(endpoint(&flag, &value()?)?),
            "--posts" => options.posts = number(&flag, &value()?)?,
            "--limit" => {
                let limit: usize = number(&flag, &value()?)?;
                if limit == 0 {
                    return Err(Usage::Invalid("`--limit` must be at least 1".into()));
                }
                options.limit = Some(limit);
            }
            "--api-limit" => options.api_limit = Some(positive(&flag, &value()?)?),
            "--rate" => options.rate = Some(positive(&flag, &value()?)?),
            other => {
                return Err(Usage::Invalid(format!(
                    "unknown option `{other}`; see --help"
                )));
            }
        }
    }
    Ok(options)
}

fn endpoint(flag: &str, name: &str) -> Result<Endpoint, Usage> {
    Endpoint::parse(name).ok_or_else(|| {
        Usage::Invalid(format!(
            "`{flag}` takes user, posts, comments or likes, not `{name}`"
        ))
    })
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, Usage> {
    text.parse()
        .map_err(|_| Usage::Invalid(format!("`{flag}` takes a whole number, not `{text}`")))
}

/// A whole number of at least 1.
fn positive<T: std::str::FromStr + PartialEq + From<u8>>(
    flag: &str,
    text: &str,
) -> Result<T, Usage> {
    let n: T = number(flag, text)?;
    if n == T::from(0) {
        return Err(Usage::Invalid(format!("`{flag}` must be at least 1")));
    }
    Ok(n)
}
