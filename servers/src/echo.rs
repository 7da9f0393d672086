//! The echo server: a request is a 4-byte little-endian length and that
//! many bytes (at most [`MAX_FRAME`]); the reply is the same frame, after
//! the connection's wait. Connections are persistent, with `TCP_NODELAY`.

use std::sync::atomic::Ordering::Relaxed;

use bakeoff_workloads::protocol::MAX_FRAME;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::http::read_more;
use crate::stats::Counters;
use crate::wait::Wait;

/// Answers frames from the front of whatever has arrived, so a request
/// that arrives in one segment costs one read, not one for its length and
/// one for its bytes.
pub(crate) async fn serve(
    mut stream: TcpStream,
    mut wait: Wait,
    counters: &Counters,
) -> std::io::Result<()> {
    let mut input: Vec<u8> = Vec::with_capacity(8192);
    loop {
        let whole = input
            .get(..4)
            .map(|len| 4 + u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize);
        match whole {
            Some(n) if n - 4 > MAX_FRAME => return Ok(()),
            Some(n) if input.len() >= n => {
                wait.until(tokio::time::Instant::now()).await;
                stream.write_all(&input[..n]).await?;
                counters.requests.fetch_add(1, Relaxed);
                input.drain(..n);
            }
            _ => {
                input.reserve(whole.unwrap_or(4).saturating_sub(input.len()));
                if read_more(&mut stream, &mut input).await? == 0 {
                    return Ok(());
                }
            }
        }
    }
}
