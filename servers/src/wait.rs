//! How long a server holds back each reply: `delay ± jitter`, uniform,
//! from a SplitMix64 stream per connection.

use std::time::Duration;

use bakeoff_workloads::mix64;

/// Mixed into each connection's number to seed its jitter stream.
const WAIT_KEY: u64 = 0x5E2F_E000_0000_0001;

/// The wait before each reply on one connection: `delay ± jitter`,
/// uniform, from a SplitMix64 stream seeded by the connection's number.
pub(crate) struct Wait {
    low: u64,
    span: u64,
    state: u64,
}

impl Wait {
    pub(crate) fn new(delay: Duration, jitter: Duration, connection: u64) -> Self {
        let delay = delay.as_nanos().min(u64::MAX as u128 / 4) as u64;
        let jitter = jitter.as_nanos().min(delay as u128) as u64;
        Wait {
            low: delay - jitter,
            span: 2 * jitter + 1,
            state: mix64(connection ^ WAIT_KEY),
        }
    }

    fn next(&mut self) -> Duration {
        if self.span == 1 {
            return Duration::from_nanos(self.low);
        }
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        Duration::from_nanos(self.low + mix64(self.state) % self.span)
    }

    /// Sleeps until `wait` after `since` (not at all for a zero wait).
    pub(crate) async fn until(&mut self, since: tokio::time::Instant) {
        let wait = self.next();
        if !wait.is_zero() {
            tokio::time::sleep_until(since + wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_stay_within_delay_plus_or_minus_jitter() {
        let ms = Duration::from_millis;
        let mut w = Wait::new(ms(5), ms(1), 1);
        let waits: Vec<Duration> = (0..10_000).map(|_| w.next()).collect();
        assert!(waits.iter().all(|d| (ms(4)..=ms(6)).contains(d)));
        let mean = waits.iter().sum::<Duration>() / waits.len() as u32;
        assert!(mean.abs_diff(ms(5)) < Duration::from_micros(50), "{mean:?}");
        // The same connection number gives the same stream; others differ.
        let mut again = Wait::new(ms(5), ms(1), 1);
        assert_eq!(again.next(), waits[0]);
        let mut other = Wait::new(ms(5), ms(1), 2);
        assert_ne!((0..4).map(|_| other.next()).collect::<Vec<_>>(), waits[..4]);
        // No jitter: exactly the delay. Jitter beyond the delay: capped.
        assert_eq!(Wait::new(ms(3), Duration::ZERO, 9).next(), ms(3));
        let mut capped = Wait::new(Duration::ZERO, ms(1), 9);
        assert!((0..100).all(|_| capped.next().is_zero()));
    }
}
