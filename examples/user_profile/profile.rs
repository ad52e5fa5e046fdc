//! The orchestration itself, as a user would write it: two dependent steps,
//! each under its own timeout, then every post enriched at once with comments
//! and likes fetched side by side, keeping partial results.

use std::fmt;

use futures::StreamExt;
use orchestrate::settled;
use orchestrate::timeline::Timeline;

use super::api::{Api, ApiError, Endpoint, Post, User};
use super::limits::Limits;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EnrichedPost {
    pub(crate) post: Post,
    /// `[]` when the comments call failed.
    pub(crate) comments: Vec<String>,
    /// `0` when the likes call failed.
    pub(crate) likes: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Profile {
    pub(crate) user: User,
    pub(crate) posts: Vec<EnrichedPost>,
}

/// The profile could not be built: a step it depends on failed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProfileError {
    pub(crate) step: Endpoint,
    pub(crate) cause: ApiError,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GET /{} failed: {}", self.step.name(), self.cause)
    }
}

impl std::error::Error for ProfileError {}

/// Fetches the user, then their posts, then every post's comments and likes.
/// At most `limit` posts are enriched at once (all of them when `None`).
#[cfg_attr(not(test), allow(dead_code))] // the example calls `load_profile_with`
pub(crate) async fn load_profile(
    api: &Api,
    timeline: &Timeline,
    limit: Option<usize>,
) -> Result<Profile, ProfileError> {
    load_profile_with(api, timeline, limit, &Limits::default(), None).await
}

/// [`load_profile`] with every API call through `limits`;
/// `progress(done, total)` is called as each post finishes.
pub(crate) async fn load_profile_with(
    api: &Api,
    timeline: &Timeline,
    limit: Option<usize>,
    limits: &Limits,
    progress: Option<&(dyn Fn(usize, usize) + Sync)>,
) -> Result<Profile, ProfileError> {
    let failed = |step| move |cause| ProfileError { step, cause };

    // Sequential: the posts depend on the user.
    let user = limits
        .call(timeline.step("GET /user", api.user()))
        .await
        .map_err(failed(Endpoint::User))?;
    let posts = limits
        .call(timeline.step("GET /posts", api.posts(&user)))
        .await
        .map_err(failed(Endpoint::Posts))?;

    // Parallel: every post at once; no post's failure loses the others.
    let count = posts.len();
    let enrich = posts
        .into_iter()
        .map(|post| enrich(api, timeline, limits, post));
    let mut all = settled(enrich);
    if let Some(limit) = limit {
        all = all.limit(limit);
    }
    let Some(progress) = progress else {
        return Ok(Profile {
            user,
            posts: all.await,
        });
    };
    // The same join as a stream of results as they finish, put back in order.
    let mut posts: Vec<Option<EnrichedPost>> = (0..count).map(|_| None).collect();
    let mut done = all.stream();
    let mut finished = 0;
    while let Some((index, post)) = done.next().await {
        finished += 1;
        progress(finished, count);
        posts[index] = Some(post);
    }
    let posts = posts
        .into_iter()
        .map(|post| post.expect("every post finished"))
        .collect();
    Ok(Profile { user, posts })
}

/// Comments and likes side by side, each with a fallback.
async fn enrich(api: &Api, timeline: &Timeline, limits: &Limits, post: Post) -> EnrichedPost {
    let (comments, likes) = settled!(
        limits.call(timeline.branch("comments", post.id, api.comments(&post))),
        limits.call(timeline.branch("likes", post.id, api.likes(&post))),
    )
    .await;
    EnrichedPost {
        comments: comments.unwrap_or_default(),
        likes: likes.unwrap_or(0),
        post,
    }
}
