async fn primary() -> u32 {
    1
}

async fn replica() -> String {
    "r".to_string()
}

fn main() {
    futures::executor::block_on(async {
        let _ = orchestrate::race!(primary(), replica()).await;
    });
}
