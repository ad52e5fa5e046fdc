//! Real HTTP over real sockets: a tiny server on 127.0.0.1 (one slow
//! endpoint, one flaky, one that never answers) and a hand-written HTTP/1.1
//! client on smol's `TcpStream`, orchestrated with a per-call `#[timeout]`,
//! `parallel!` with a per-branch limit, `first_ok!` over two mirrors and a
//! bounded `settled(iter)`. It starts its own server and stops by itself.
//!
//! ```text
//! cargo run --example local_http
//! ```

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use orchestrate::prelude::*;
use smol::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug)]
enum HttpError {
    TimedOut(Elapsed),
    Io(std::io::Error),
    Status(u16),
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::TimedOut(e) => write!(f, "{e}"),
            HttpError::Io(e) => write!(f, "{e}"),
            HttpError::Status(code) => write!(f, "answered {code}"),
        }
    }
}

impl From<Elapsed> for HttpError {
    fn from(e: Elapsed) -> Self {
        HttpError::TimedOut(e)
    }
}

impl From<std::io::Error> for HttpError {
    fn from(e: std::io::Error) -> Self {
        HttpError::Io(e)
    }
}

/// `GET path`: the body of a 200 answer, or the status.
#[timeout(ms = 1500)]
async fn get(server: SocketAddr, path: &str) -> Result<String, HttpError> {
    let mut stream = smol::net::TcpStream::connect(server).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {server}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await?;
    let status: u16 = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    if status != 200 {
        return Err(HttpError::Status(status));
    }
    Ok(answer
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
        .to_string())
}

fn main() {
    let server = serve();
    smol::block_on(async {
        let start = Instant::now();

        // Both at once; each under 500 ms of its own.
        let (user, posts) = parallel!(timeout = Duration::from_millis(500);
            get(server, "/user"),
            get(server, "/posts"),
        )
        .await
        .unwrap_or_else(|error| panic!("user and posts: {error}"));
        println!(
            "{user}, posts {posts}  ({} ms)",
            start.elapsed().as_millis()
        );

        // The first mirror that answers; the hanging one is dropped.
        match first_ok!(get(server, "/hang"), get(server, "/mirror")).await {
            Ok(body) => println!("mirror: {body}"),
            Err(all) => println!("no mirror: {}", all.errors()[0]),
        }

        // Every post's likes, two at a time; the flaky ones fall back to 0.
        let likes = settled(
            (1..=4).map(|post| get(server, if post % 2 == 0 { "/flaky" } else { "/likes" })),
        )
        .limit(2)
        .await;
        let likes: Vec<String> = likes
            .into_iter()
            .map(|answer| answer.unwrap_or_else(|error| format!("0 ({error})")))
            .collect();
        println!("likes: {likes:?}");
        println!("done in {} ms", start.elapsed().as_millis());
    });
}

/// Starts the server on a free port of 127.0.0.1, on threads that end with
/// the process.
fn serve() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
    let addr = listener.local_addr().expect("the server's address");
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || answer(stream));
        }
    });
    addr
}

fn answer(mut stream: TcpStream) {
    let mut line = String::new();
    if BufReader::new(&stream).read_line(&mut line).is_err() {
        return;
    }
    let path = line.split(' ').nth(1).unwrap_or("/").to_string();
    let (delay, status, body) = match path.as_str() {
        "/user" => (300, 200, "Ada Lovelace"),
        "/posts" => (400, 200, "[1, 2, 3, 4]"),
        "/mirror" => (100, 200, "from the mirror"),
        "/likes" => (150, 200, "12"),
        "/flaky" => (50, 503, "busy"),
        // Never answers within the client's limits.
        "/hang" => (60_000, 200, ""),
        _ => (0, 404, "not found"),
    };
    thread::sleep(Duration::from_millis(delay));
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}
