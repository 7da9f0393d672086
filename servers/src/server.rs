//! The listener and the accept loop: one tokio task per connection,
//! speaking [`crate::echo`] or [`crate::http`].

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};

use crate::stats::{control, Counters};
use crate::wait::Wait;
use crate::{echo, http, ready_line, ServeConfig, ServerKind};

/// Runs a server until SIGTERM, SIGINT or the end of stdin, after
/// printing the ready line; returns once the listener is closed. An
/// address that cannot be bound is an error naming it and the fix.
pub fn run(config: &ServeConfig) -> Result<()> {
    if config.threads == 0 {
        bail!("--threads 0: a server needs at least one worker thread, e.g. --threads 2");
    }
    raise_open_file_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.threads)
        .thread_name("bakeoff-serve")
        .enable_all()
        .build()
        .context("cannot start the tokio runtime for the server")?;
    let result = runtime.block_on(serve(config.clone()));
    // Connection tasks are dropped at their next await; none blocks.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

/// Many connections need many descriptors: lift the soft limit to the
/// hard one (best effort).
fn raise_open_file_limit() {
    bakeoff_os::raise_open_files_to_hard();
}

fn bind_error(addr: SocketAddr, e: &std::io::Error) -> anyhow::Error {
    use std::io::ErrorKind;
    let fix = match e.kind() {
        ErrorKind::AddrInUse => {
            "another socket holds it: pick another port, or port 0 to let the system choose"
        }
        ErrorKind::AddrNotAvailable => {
            "it is not an address of this machine: use a local one, e.g. 127.0.0.1:0"
        }
        ErrorKind::PermissionDenied => {
            "ports below 1024 need privileges: use a higher port, or 0 to let the system choose"
        }
        _ => "use a local address and a free port, e.g. 127.0.0.1:0",
    };
    anyhow!("--addr {addr}: cannot listen there ({e}); {fix}")
}

/// Connections the kernel may queue before the server accepts them. A
/// thousand clients connecting at once overflow tokio's default of 1024
/// while the accept loop shares two cores with them, and each dropped SYN
/// costs its client a one-second retransmission; the kernel caps this at
/// `net.core.somaxconn`.
const BACKLOG: u32 = 8192;

/// The warning for a server that listens beyond this machine: `None` for
/// a loopback address (127.0.0.0/8, ::1), the default.
pub fn exposure_warning(kind: ServerKind, addr: SocketAddr) -> Option<String> {
    let ip = addr.ip();
    let loopback = ip.is_loopback()
        || matches!(ip, std::net::IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()));
    (!loopback).then(|| {
        let reach = if ip.is_unspecified() {
            "every interface of this machine"
        } else {
            "a non-loopback address"
        };
        format!(
            "warning: the {kind} server listens on {addr}, {reach}: other hosts that reach it can connect and load it; pass --addr 127.0.0.1:0 unless you mean that"
        )
    })
}

/// A listener on `addr` with [`BACKLOG`].
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

async fn serve(config: ServeConfig) -> Result<()> {
    let listener = listen(config.addr).map_err(|e| bind_error(config.addr, &e))?;
    let local = listener.local_addr()?;
    if let Some(warning) = exposure_warning(config.kind, local) {
        eprintln!("{warning}");
    }
    // Handlers first, so that a signal sent right after the ready line
    // stops the server cleanly.
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let counters = Arc::new(Counters::default());
    let mut stdin_closed = control(Arc::clone(&counters));
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", ready_line(config.kind, local))?;
        out.flush()?;
    }
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = &mut stdin_closed => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let connection = counters.connections.fetch_add(1, Relaxed) + 1;
                    let _ = stream.set_nodelay(true);
                    let wait = Wait::new(config.delay, config.jitter, connection);
                    let counters = Arc::clone(&counters);
                    match config.kind {
                        ServerKind::Echo => tokio::spawn(async move {
                            let _ = echo::serve(stream, wait, &counters).await;
                        }),
                        ServerKind::Http => tokio::spawn(async move {
                            let _ = http::serve(stream, wait, &counters).await;
                        }),
                    };
                }
                // Out of descriptors or a connection reset before accept:
                // back off a moment rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            },
        }
    }
    drop(listener);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_addresses_listen_without_a_warning() {
        for quiet in [
            "127.0.0.1:0",
            "127.1.2.3:80",
            "[::1]:0",
            "[::ffff:127.0.0.1]:0",
        ] {
            assert_eq!(
                exposure_warning(ServerKind::Echo, quiet.parse().unwrap()),
                None,
                "{quiet}"
            );
        }
        let every = exposure_warning(ServerKind::Echo, "0.0.0.0:9".parse().unwrap()).unwrap();
        assert!(
            every.contains("0.0.0.0:9") && every.contains("every interface"),
            "{every}"
        );
        let v6 = exposure_warning(ServerKind::Http, "[::]:0".parse().unwrap()).unwrap();
        assert!(
            v6.contains("every interface") && v6.contains("127.0.0.1"),
            "{v6}"
        );
        let lan = exposure_warning(ServerKind::Http, "192.0.2.7:80".parse().unwrap()).unwrap();
        assert!(lan.contains("non-loopback"), "{lan}");
    }
}
