//! The `tracing` spans of the timeline recorder (feature `tracing`): the name
//! and fields of each recorded step's and branch's span, the outcome recorded
//! as it ends, when it opens and closes, and what nests under it, under every
//! runtime.
//!
//! The collector is a small hand-written `tracing::Subscriber` (no
//! `tracing-subscriber`): it keeps each span's name, target, level, fields,
//! parent, how often it was entered and whether it closed, and each event's
//! fields and parent; it tracks the current span of each thread from `enter`
//! and `exit`.
//!
//! `runtime_tests!` fits: each test gives its body its own collector with
//! `WithSubscriber::with_subscriber`, which makes it the default dispatcher
//! during every poll of the body on whichever thread polls it, tokio's
//! multi-thread workers included (a thread-local `with_default` around the
//! runtime would miss those). Tests run in parallel, each with its own
//! collector, so none sees another's spans.
//!
//! Nothing waits for real time: sleeps and timeouts run on a `VirtualClock`
//! that jumps ahead when all is idle, and the rest are ready futures or ones
//! polled by hand.

use support::runtime_tests;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Poll;
use std::thread::{self, ThreadId};
use std::time::Duration;

use orchestrate::timeline::{Outcome, Timeline};
use orchestrate::{race, settled, sleep, timeout};
use support::{ms, on_virtual_time, poll_once, yield_now};
use tracing::field::{Field, Visit};
use tracing::instrument::{WithDispatch, WithSubscriber};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

async fn after<T>(ms: u64, value: T) -> T {
    sleep(Duration::from_millis(ms)).await;
    value
}

/// A `tracing` subscriber that keeps everything it is told.
#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Traces>>);

#[derive(Default)]
struct Traces {
    /// Span `n` has the id `n + 1`.
    spans: Vec<SpanData>,
    events: Vec<EventData>,
    /// The spans each thread is in, innermost last.
    entered: HashMap<ThreadId, Vec<u64>>,
}

#[derive(Debug, Clone)]
struct SpanData {
    id: u64,
    name: &'static str,
    target: &'static str,
    level: Level,
    fields: BTreeMap<String, String>,
    parent: Option<u64>,
    /// How many times it was entered.
    enters: usize,
    /// Handles to it still alive.
    refs: usize,
    closed: bool,
}

#[derive(Debug, Clone)]
struct EventData {
    fields: BTreeMap<String, String>,
    parent: Option<u64>,
}

/// Field values as text: strings as they are, anything else by `Debug`.
struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Traces {
    fn current(&self) -> Option<u64> {
        self.entered
            .get(&thread::current().id())
            .and_then(|stack| stack.last().copied())
    }

    fn span_mut(&mut self, id: &Id) -> &mut SpanData {
        let index = usize::try_from(id.into_u64() - 1).expect("a small id");
        &mut self.spans[index]
    }
}

impl Subscriber for Collector {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::always()
    }

    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let mut traces = self.lock();
        let parent = if attrs.is_contextual() {
            traces.current()
        } else {
            attrs.parent().map(Id::into_u64)
        };
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let id = traces.spans.len() as u64 + 1;
        let metadata = attrs.metadata();
        traces.spans.push(SpanData {
            id,
            name: metadata.name(),
            target: metadata.target(),
            level: *metadata.level(),
            fields,
            parent,
            enters: 0,
            refs: 1,
            closed: false,
        });
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        values.record(&mut Fields(&mut self.lock().span_mut(span).fields));
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut traces = self.lock();
        let parent = if event.is_contextual() {
            traces.current()
        } else {
            event.parent().map(Id::into_u64)
        };
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        traces.events.push(EventData { fields, parent });
    }

    fn enter(&self, span: &Id) {
        let mut traces = self.lock();
        traces.span_mut(span).enters += 1;
        let stack = traces.entered.entry(thread::current().id()).or_default();
        stack.push(span.into_u64());
    }

    fn exit(&self, span: &Id) {
        let mut traces = self.lock();
        let stack = traces.entered.entry(thread::current().id()).or_default();
        if let Some(at) = stack.iter().rposition(|&id| id == span.into_u64()) {
            stack.remove(at);
        }
    }

    fn clone_span(&self, span: &Id) -> Id {
        self.lock().span_mut(span).refs += 1;
        span.clone()
    }

    fn try_close(&self, span: Id) -> bool {
        let mut traces = self.lock();
        let data = traces.span_mut(&span);
        data.refs -= 1;
        data.closed = data.refs == 0;
        data.closed
    }
}

impl Collector {
    fn lock(&self) -> MutexGuard<'_, Traces> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `body`, with this collector as the default subscriber while it polls.
    fn trace<F>(&self, body: F) -> WithDispatch<F> {
        body.with_subscriber(self.clone())
    }

    fn spans(&self) -> Vec<SpanData> {
        self.lock().spans.clone()
    }

    fn events(&self) -> Vec<EventData> {
        self.lock().events.clone()
    }

    /// The one span whose field `label` is `label`.
    fn span(&self, label: &str) -> SpanData {
        self.one(
            |span| span.fields.get("label").is_some_and(|l| l == label),
            label,
        )
    }

    /// The one span called `name`.
    fn span_named(&self, name: &str) -> SpanData {
        self.one(|span| span.name == name, name)
    }

    fn one(&self, pick: impl Fn(&SpanData) -> bool, what: &str) -> SpanData {
        let spans = self.spans();
        let mut found = spans.iter().filter(|span| pick(span));
        match (found.next(), found.next()) {
            (Some(span), None) => span.clone(),
            _ => panic!("not exactly one span {what:?} in {spans:#?}"),
        }
    }

    /// The parent of the one event whose message is `message`.
    fn parent_of_event(&self, message: &str) -> Option<u64> {
        let events = self.events();
        let mut found = events
            .iter()
            .filter(|event| event.fields.get("message").is_some_and(|m| m == message));
        match (found.next(), found.next()) {
            (Some(event), None) => event.parent,
            _ => panic!("not exactly one event {message:?} in {events:#?}"),
        }
    }
}

fn fields<const N: usize>(pairs: [(&str, &str); N]) -> BTreeMap<String, String> {
    pairs
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

runtime_tests! {
    async fn a_step_that_succeeds_is_a_step_span_ending_ok() {
        let traces = Collector::default();
        let user = traces
            .trace(on_virtual_time(async {
                let timeline = Timeline::new();
                timeline.step("GET /user", after(10, Ok::<_, ()>("ada"))).await
            }))
            .await;
        assert_eq!(user, Ok("ada"));
        let span = traces.span("GET /user");
        assert_eq!(
            (span.name, span.target, span.level),
            ("orchestrate.step", "orchestrate::timeline", Level::INFO)
        );
        assert_eq!(span.fields, fields([("label", "GET /user"), ("outcome", "ok")]));
        assert_eq!(span.parent, None, "{span:?}");
        assert!(span.closed, "{span:?}");
        assert_eq!(traces.spans().len(), 1);
    }

    async fn failed_steps_end_with_outcome_error() {
        let traces = Collector::default();
        traces
            .trace(on_virtual_time(async {
                let timeline = Timeline::new();
                let posts = timeline.step("GET /posts", after(5, Err::<(), _>("503"))).await;
                assert_eq!(posts, Err("503"));
                let cached = timeline.step("cache", after(5, None::<u8>)).await;
                assert_eq!(cached, None);
                let outcomes: Vec<Outcome> = timeline.entries().iter().map(|e| e.outcome).collect();
                assert_eq!(outcomes, [Outcome::Error, Outcome::Error]);
            }))
            .await;
        for label in ["GET /posts", "cache"] {
            let span = traces.span(label);
            assert_eq!(span.name, "orchestrate.step");
            assert_eq!(span.fields, fields([("label", label), ("outcome", "error")]));
            assert!(span.closed, "{span:?}");
        }
    }

    async fn a_step_whose_timeout_fired_ends_timed_out() {
        let traces = Collector::default();
        traces
            .trace(on_virtual_time(async {
                let timeline = Timeline::new();
                let slow = timeline
                    .step("GET /user", timeout(ms(20), std::future::pending::<()>()))
                    .await;
                assert!(slow.is_err());
                // A timeout handled inside the step does not make it fail.
                let handled = timeline
                    .step("cached", async {
                        Ok::<_, ()>(timeout(ms(10), after(5_000, 1)).await.unwrap_or(0))
                    })
                    .await;
                assert_eq!(handled, Ok(0));
            }))
            .await;
        let slow = traces.span("GET /user");
        assert_eq!(slow.fields, fields([("label", "GET /user"), ("outcome", "timed out")]));
        assert!(slow.closed, "{slow:?}");
        assert_eq!(traces.span("cached").fields["outcome"], "ok");
    }

    async fn a_dropped_branch_ends_cancelled() {
        let traces = Collector::default();
        traces
            .trace(on_virtual_time(async {
                let timeline = Timeline::new();
                let winner = race([
                    timeline.branch("mirror", "slow", after(5_000, Ok::<_, ()>("slow"))),
                    timeline.branch("mirror", "fast", after(10, Ok::<_, ()>("fast"))),
                ])
                .await;
                assert_eq!(winner, Ok("fast"));
            }))
            .await;
        let slow = traces.span("mirror[slow]");
        assert_eq!(slow.name, "orchestrate.branch");
        assert_eq!(
            slow.fields,
            fields([("label", "mirror[slow]"), ("group", "mirror"), ("key", "slow"), ("outcome", "cancelled")])
        );
        assert!(slow.closed, "{slow:?}");
        let fast = traces.span("mirror[fast]");
        assert_eq!(
            fast.fields,
            fields([("label", "mirror[fast]"), ("group", "mirror"), ("key", "fast"), ("outcome", "ok")])
        );
        assert!(fast.closed, "{fast:?}");
    }

    async fn events_inside_a_step_have_its_span_as_parent() {
        let traces = Collector::default();
        traces
            .trace(on_virtual_time(async {
                let timeline = Timeline::new();
                timeline
                    .step("GET /user", async {
                        tracing::info!("at the first poll");
                        sleep(ms(10)).await;
                        tracing::info!("at a later poll");
                        Ok::<_, ()>(())
                    })
                    .await
                    .unwrap();
                tracing::info!("after the step");
            }))
            .await;
        let step = traces.span("GET /user");
        assert_eq!(traces.parent_of_event("at the first poll"), Some(step.id));
        assert_eq!(traces.parent_of_event("at a later poll"), Some(step.id));
        assert_eq!(traces.parent_of_event("after the step"), None);
        assert!(step.enters >= 2, "entered around every poll: {step:?}");
    }

    async fn branches_and_spans_inside_a_step_nest_under_it() {
        let traces = Collector::default();
        traces
            .trace(on_virtual_time(async {
                let timeline = Timeline::new();
                let likes = timeline
                    .step("GET /posts", async {
                        let likes = settled((1..=2).map(|post| {
                            timeline.branch("likes", post, after(5, Ok::<_, ()>(post * 10)))
                        }))
                        .await;
                        tracing::info_span!("render").in_scope(|| tracing::info!("rendering"));
                        Ok::<_, ()>(likes)
                    })
                    .await;
                assert_eq!(likes, Ok(vec![Ok(10), Ok(20)]));
            }))
            .await;
        let step = traces.span("GET /posts");
        assert_eq!(step.parent, None);
        for (label, key) in [("likes[1]", "1"), ("likes[2]", "2")] {
            let branch = traces.span(label);
            assert_eq!(branch.parent, Some(step.id), "{branch:?}");
            assert_eq!(
                branch.fields,
                fields([("label", label), ("group", "likes"), ("key", key), ("outcome", "ok")])
            );
        }
        let render = traces.span_named("render");
        assert_eq!(render.parent, Some(step.id), "{render:?}");
        assert_eq!(traces.parent_of_event("rendering"), Some(render.id));
    }

    async fn the_span_opens_at_the_first_poll_and_closes_as_the_entry_ends() {
        let traces = Collector::default();
        let seen = traces.clone();
        traces
            .trace(async move {
                let timeline = Timeline::new();
                let mut step = pin!(timeline.step("GET /user", async {
                    yield_now(1).await;
                    Ok::<_, ()>("ada")
                }));
                assert!(seen.spans().is_empty(), "no span before the first poll");
                assert!(poll_once(step.as_mut()).await.is_pending());
                let open = seen.span("GET /user");
                assert!(!open.closed, "{open:?}");
                assert_eq!(open.fields, fields([("label", "GET /user")]), "no outcome while running");
                assert_eq!(poll_once(step.as_mut()).await, Poll::Ready(Ok("ada")));
                // The finished future is still alive; its span is not.
                let done = seen.span("GET /user");
                assert!(done.closed, "{done:?}");
                assert_eq!(done.fields, fields([("label", "GET /user"), ("outcome", "ok")]));
                assert_eq!(done.enters, 2, "{done:?}");
            })
            .await;
    }
}
