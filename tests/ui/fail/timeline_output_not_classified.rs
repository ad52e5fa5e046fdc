use orchestrate::timeline::Timeline;

async fn count() -> u32 {
    3
}

fn main() {
    futures::executor::block_on(async {
        let timeline = Timeline::new();
        let _ = timeline.step("count", count()).await;
    });
}
