//! The `server` role: how a server process learns what to serve.
//!
//! [`crate::ServerChild::start`] re-executes a program with
//! `BAKEOFF_ROLE=server` and the configuration in [`SERVER_ENV`]; the
//! program's `child_entry` sees the role and calls [`serve_role`].

use std::time::Duration;

use crate::{run, ServeConfig, ServerKind};

/// The variable that carries a server's configuration to a process started
/// with `BAKEOFF_ROLE=server` (see [`serve_role`]).
pub const SERVER_ENV: &str = "BAKEOFF_SERVER";

/// The role value of an embedded server process.
pub const SERVER_ROLE: &str = "server";

/// How [`ServerChild::start`](crate::ServerChild::start) hands its configuration to the server
/// process: `KIND ADDR DELAY_NS JITTER_NS THREADS`, space-separated.
pub(crate) fn encode_config(config: &ServeConfig) -> String {
    format!(
        "{} {} {} {} {}",
        config.kind,
        config.addr,
        config.delay.as_nanos(),
        config.jitter.as_nanos(),
        config.threads
    )
}

fn decode_config(raw: &str) -> Option<ServeConfig> {
    let mut parts = raw.split_whitespace();
    let kind: ServerKind = parts.next()?.parse().ok()?;
    let addr = parts.next()?.parse().ok()?;
    let nanos = |p: Option<&str>| p?.parse::<u64>().ok().map(Duration::from_nanos);
    let delay = nanos(parts.next())?;
    let jitter = nanos(parts.next())?;
    let threads = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some(ServeConfig {
        kind,
        addr,
        delay,
        jitter,
        threads,
    })
}

/// The embedded-server role, which bakeoff's `child_entry` dispatches: runs
/// the server that [`SERVER_ENV`] describes and returns the exit code.
/// Because it is a role and not the `serve` subcommand, the embedded
/// servers start from any program that calls `child_entry`, not only from
/// the `bakeoff` binary.
pub fn serve_role() -> i32 {
    let raw = std::env::var(SERVER_ENV).unwrap_or_default();
    let Some(config) = decode_config(&raw) else {
        eprintln!(
            "error: started as a bakeoff server with {SERVER_ENV}=`{raw}`, not `KIND ADDR DELAY_NS JITTER_NS THREADS`; only the orchestrator starts this role (run `bakeoff serve` yourself instead)"
        );
        return 2;
    };
    match run(&config) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e:#}");
            2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_config_crosses_the_environment_whole() {
        let config = ServeConfig {
            addr: "[::1]:8080".parse().unwrap(),
            delay: Duration::from_micros(2500),
            jitter: Duration::from_nanos(7),
            threads: 3,
            ..ServeConfig::new(ServerKind::Http)
        };
        assert_eq!(decode_config(&encode_config(&config)), Some(config));
        for bad in [
            "",
            "ftp 127.0.0.1:0 0 0 2",
            "echo 127.0.0.1:0 0 0",
            "echo x 0 0 2",
            "echo 127.0.0.1:0 0 0 2 extra",
        ] {
            assert_eq!(decode_config(bad), None, "{bad}");
        }
    }
}
