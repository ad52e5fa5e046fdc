//! A simulated HTTP API with the latencies of the scenario, built on
//! orchestrate's own executor-neutral timer, so it behaves the same under
//! every runtime. Failures and slow endpoints can be injected.

use std::fmt;
use std::time::Duration;

use orchestrate::{Elapsed, sleep, timeout};

/// The endpoints of the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    User,
    Posts,
    Comments,
    Likes,
}

impl Endpoint {
    pub(crate) const ALL: [Endpoint; 4] = [
        Endpoint::User,
        Endpoint::Posts,
        Endpoint::Comments,
        Endpoint::Likes,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Endpoint::User => "user",
            Endpoint::Posts => "posts",
            Endpoint::Comments => "comments",
            Endpoint::Likes => "likes",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Endpoint> {
        Endpoint::ALL
            .into_iter()
            .find(|endpoint| endpoint.name() == name)
    }

    /// The scenario's latency of this endpoint.
    pub(crate) fn latency(self) -> Duration {
        Duration::from_millis(match self {
            Endpoint::User => 800,
            Endpoint::Posts => 1200,
            Endpoint::Comments => 600,
            Endpoint::Likes => 400,
        })
    }
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiError {
    /// The server answered with an error.
    Status { endpoint: Endpoint, code: u16 },
    /// The call ran out of time.
    TimedOut(Elapsed),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Status { endpoint, code } => {
                write!(f, "GET /{} answered {code}", endpoint.name())
            }
            ApiError::TimedOut(elapsed) => elapsed.fmt(f),
        }
    }
}

impl std::error::Error for ApiError {}

impl From<Elapsed> for ApiError {
    fn from(elapsed: Elapsed) -> Self {
        ApiError::TimedOut(elapsed)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct User {
    pub(crate) id: u32,
    pub(crate) name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Post {
    pub(crate) id: u32,
    pub(crate) title: String,
}

/// The simulated server; one endpoint can fail or be slow (past its
/// timeout) on request.
#[derive(Debug, Clone)]
pub(crate) struct Api {
    pub(crate) posts: u32,
    pub(crate) fail: Option<Endpoint>,
    pub(crate) slow: Option<Endpoint>,
}

impl Api {
    /// What a call to `endpoint` waits for, and whether it then fails.
    async fn call(&self, endpoint: Endpoint) -> Result<(), ApiError> {
        let latency = if self.slow == Some(endpoint) {
            // Well past any timeout of the scenario.
            Duration::from_secs(10)
        } else {
            endpoint.latency()
        };
        sleep(latency).await;
        if self.fail == Some(endpoint) {
            return Err(ApiError::Status {
                endpoint,
                code: 503,
            });
        }
        Ok(())
    }

    /// `GET /user`.
    #[timeout(ms = 2000)]
    pub(crate) async fn user(&self) -> Result<User, ApiError> {
        self.call(Endpoint::User).await?;
        Ok(User {
            id: 7,
            name: "Ada Lovelace".into(),
        })
    }

    /// `GET /posts?user=…`.
    #[timeout(ms = 2000)]
    pub(crate) async fn posts(&self, user: &User) -> Result<Vec<Post>, ApiError> {
        self.call(Endpoint::Posts).await?;
        Ok((1..=self.posts)
            .map(|id| Post {
                id,
                title: format!("Note {id} by {}", user.name),
            })
            .collect())
    }

    /// `GET /posts/{id}/comments`.
    #[timeout(ms = 1000)]
    pub(crate) async fn comments(&self, post: &Post) -> Result<Vec<String>, ApiError> {
        self.call(Endpoint::Comments).await?;
        Ok((0..=post.id % 3)
            .map(|n| format!("comment {n} on post {}", post.id))
            .collect())
    }

    /// `GET /posts/{id}/likes`.
    #[timeout(ms = 1000)]
    pub(crate) async fn likes(&self, post: &Post) -> Result<u32, ApiError> {
        self.call(Endpoint::Likes).await?;
        Ok(post.id * 10 + 2)
    }
}
