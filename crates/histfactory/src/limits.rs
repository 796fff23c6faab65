//! Resource limits: the sizes a computation may plan before it allocates, so that an input
//! too large for the machine ends with an error that says which limit it hit and how to
//! lift it, never with an aborted allocation or a machine swapping to death.
//!
//! Two limits come from the environment, read each time they are checked (so a caller can
//! set them at any point):
//! - [`MAX_MEMORY_ENV`] (`HISTFACTORY_MAX_MEMORY`, bytes): the largest dense allocation a
//!   computation plans at once (a fit's `n * n` Hessian and covariance, a gradient map's
//!   grid, the test statistics of a toy ensemble); by default half the machine's memory
//!   (`MemTotal` in `/proc/meminfo`; [`FALLBACK_MAX_MEMORY`] where that cannot be read);
//! - [`MAX_INPUT_ENV`] (`HISTFACTORY_MAX_INPUT`, bytes): the largest decompressed
//!   `.json.gz` document; by default [`DEFAULT_MAX_INPUT`]. Decompression stops as soon as
//!   the limit is passed rather than inflating everything first.
//!
//! Both accept a plain number of bytes or one with a binary suffix (`512M`, `16G`, `1T`).
//!
//! Counts a user types have fixed maxima, checked where the count is parsed (the command
//! line) and again by the library where it allocates: [`MAX_TOYS`], [`MAX_GRID`],
//! [`MAX_ARROWS`], [`MAX_SCAN_POINTS`].
//!
//! The check is a plan, not an accounting: it compares the size of the largest buffers a
//! step is about to hold with the limit, before any of them exists.

use std::fmt;

/// Environment variable: the largest dense allocation planned at once, in bytes.
pub const MAX_MEMORY_ENV: &str = "HISTFACTORY_MAX_MEMORY";
/// Environment variable: the largest decompressed input document, in bytes.
pub const MAX_INPUT_ENV: &str = "HISTFACTORY_MAX_INPUT";
/// Default of [`MAX_INPUT_ENV`]: 4 GiB.
pub const DEFAULT_MAX_INPUT: u64 = 4 << 30;
/// Default of [`MAX_MEMORY_ENV`] where the machine's memory cannot be read: 8 GiB.
pub const FALLBACK_MAX_MEMORY: u64 = 8 << 30;
/// Most toys per hypothesis (`--ntoys`): 10^8, about a week of toy fits of a small model
/// on one core, and 5 GB of test statistics.
pub const MAX_TOYS: usize = 100_000_000;
/// Most grid points per axis of a gradient map (`--grid`): far beyond any figure's pixels.
pub const MAX_GRID: usize = 4096;
/// Most arrows per axis of a gradient map (`--arrows`).
pub const MAX_ARROWS: usize = 1024;
/// Most points of a scan (`--range`, `--scan`, `--points`): each one is a fit (a
/// hypothesis test, two), so 10^5 is already hours on a small model.
pub const MAX_SCAN_POINTS: usize = 100_000;

/// A planned size above a limit, or a limit that is set to something that is not a size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LimitError {
    /// A planned allocation (or a decompressed input) larger than its limit.
    #[error(
        "{what} needs {}, above the limit of {} ({env}{}); set {env}=<bytes> to lift it",
        needed.map_or_else(|| "more bytes than the address space has".to_string(), human_bytes),
        human_bytes(*limit),
        if *from_env { "" } else { ", the default" }
    )]
    TooLarge {
        /// What needs the memory (`"the fit's 180003 x 180003 Hessian"`).
        what: String,
        /// Bytes needed; `None` if the size overflows 64 bits.
        needed: Option<u64>,
        /// The limit in bytes.
        limit: u64,
        /// The environment variable that sets the limit.
        env: &'static str,
        /// Whether the limit came from the environment (otherwise it is the default).
        from_env: bool,
    },
    /// A decompressed input document larger than its limit (decompression stopped there).
    #[error(
        "the decompressed document is larger than the limit of {} ({env}{}); set \
         {env}=<bytes> to lift it",
        human_bytes(*limit),
        if *from_env { "" } else { ", the default" }
    )]
    InputTooLarge {
        /// The limit in bytes.
        limit: u64,
        /// The environment variable that sets the limit.
        env: &'static str,
        /// Whether the limit came from the environment (otherwise it is the default).
        from_env: bool,
    },
    /// A count above its fixed maximum.
    #[error("{what} = {value} is above the maximum of {max}")]
    CountTooLarge {
        /// The count (`"ntoys"`, `"grid"`).
        what: &'static str,
        /// The count asked for.
        value: usize,
        /// Its maximum.
        max: usize,
    },
    /// The environment variable of a limit is not a number of bytes.
    #[error("{env}={value}: expected a number of bytes (for example 8000000000 or 8G)")]
    BadSetting {
        /// The environment variable.
        env: &'static str,
        /// Its value.
        value: String,
    },
}

/// `bytes` for a person: `259.2 GB` (decimal units, as `free -h --si` and disk sizes).
fn human_bytes(bytes: u64) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut v = bytes as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < units.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{v:.1} {} ({bytes} bytes)", units[u])
    }
}

/// A size as `HISTFACTORY_MAX_*` takes it: bytes, or with a binary suffix K, M, G, T
/// (optionally followed by `B` or `iB`).
fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let upper = s.to_ascii_uppercase();
    let digits_end = upper
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(upper.len());
    let (num, suffix) = upper.split_at(digits_end);
    let num: u64 = num.parse().ok()?;
    let shift = match suffix.trim_end_matches("IB").trim_end_matches('B') {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return None,
    };
    num.checked_mul(1u64 << shift)
}

/// The limit set by `env`, or `default` where it is not set; whether it came from `env`.
fn limit_from_env(
    env: &'static str,
    default: impl FnOnce() -> u64,
) -> Result<(u64, bool), LimitError> {
    match std::env::var(env) {
        Ok(v) => parse_bytes(&v)
            .map(|b| (b, true))
            .ok_or(LimitError::BadSetting { env, value: v }),
        Err(_) => Ok((default(), false)),
    }
}

/// Half the machine's memory (`MemTotal` in `/proc/meminfo`), read once.
fn half_machine_memory() -> u64 {
    static HALF: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *HALF.get_or_init(|| {
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|text| {
                let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
                let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
                Some(kb.saturating_mul(1024) / 2)
            })
            .unwrap_or(FALLBACK_MAX_MEMORY)
    })
}

/// The memory limit in bytes: [`MAX_MEMORY_ENV`], or half the machine's memory.
///
/// # Errors
/// [`LimitError::BadSetting`] if the variable is set to something that is not a size.
pub fn max_memory() -> Result<u64, LimitError> {
    limit_from_env(MAX_MEMORY_ENV, half_machine_memory).map(|(b, _)| b)
}

/// The input limit in bytes: [`MAX_INPUT_ENV`], or [`DEFAULT_MAX_INPUT`].
///
/// # Errors
/// [`LimitError::BadSetting`] if the variable is set to something that is not a size.
pub fn max_input() -> Result<u64, LimitError> {
    limit_from_env(MAX_INPUT_ENV, || DEFAULT_MAX_INPUT).map(|(b, _)| b)
}

/// Checks a planned allocation of `needed` bytes (`None`: more than 64 bits can count)
/// against the memory limit; `what` names it for the message.
///
/// # Errors
/// [`LimitError::TooLarge`] above the limit, [`LimitError::BadSetting`] for a limit that
/// is not a size.
pub fn check_memory(what: impl fmt::Display, needed: Option<u64>) -> Result<(), LimitError> {
    // Reading the variable costs about as much as a small model's whole fit (a tenth of the
    // seed model's); plans below this size are far below any useful limit.
    if matches!(needed, Some(b) if b <= UNCHECKED_BYTES) {
        return Ok(());
    }
    let (limit, from_env) = limit_from_env(MAX_MEMORY_ENV, half_machine_memory)?;
    match needed {
        Some(b) if b <= limit => Ok(()),
        _ => Err(LimitError::TooLarge {
            what: what.to_string(),
            needed,
            limit,
            env: MAX_MEMORY_ENV,
            from_env,
        }),
    }
}

/// Planned allocations up to this size (64 KiB) pass [`check_memory`] without reading
/// the limit.
pub const UNCHECKED_BYTES: u64 = 64 * 1024;

/// The bytes of `count` values of type `T`, `None` if that overflows.
pub fn bytes_of<T>(count: usize) -> Option<u64> {
    u64::try_from(count)
        .ok()?
        .checked_mul(std::mem::size_of::<T>() as u64)
}

/// Checks a count against its fixed maximum.
///
/// # Errors
/// [`LimitError::CountTooLarge`] above `max`.
pub fn check_count(what: &'static str, value: usize, max: usize) -> Result<(), LimitError> {
    if value > max {
        return Err(LimitError::CountTooLarge { what, value, max });
    }
    Ok(())
}

/// A reader that fails once more than `limit` bytes came through it: decompression stops
/// there instead of inflating a document of any size.
pub(crate) struct LimitedReader<R> {
    inner: R,
    left: u64,
    limit: u64,
    from_env: bool,
    passed: bool,
}

impl<R: std::io::Read> LimitedReader<R> {
    /// `inner` limited by [`MAX_INPUT_ENV`].
    pub(crate) fn input(inner: R) -> Result<Self, LimitError> {
        let (limit, from_env) = limit_from_env(MAX_INPUT_ENV, || DEFAULT_MAX_INPUT)?;
        Ok(LimitedReader {
            inner,
            left: limit,
            limit,
            from_env,
            passed: false,
        })
    }

    /// The error of a document that went past the limit, if it did.
    pub(crate) fn exceeded(&self) -> Option<LimitError> {
        self.passed.then_some(LimitError::InputTooLarge {
            limit: self.limit,
            env: MAX_INPUT_ENV,
            from_env: self.from_env,
        })
    }
}

impl<R: std::io::Read> std::io::Read for LimitedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // One byte beyond the limit is asked for, so that a document of exactly the limit
        // passes and one byte more is seen.
        let want = usize::try_from(self.left.saturating_add(1))
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let got = self.inner.read(&mut buf[..want])?;
        if got as u64 > self.left {
            self.passed = true;
            return Err(std::io::Error::other("decompressed input above the limit"));
        }
        self.left -= got as u64;
        Ok(got)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_binary_suffixes() {
        assert_eq!(parse_bytes("123"), Some(123));
        assert_eq!(parse_bytes("16G"), Some(16 << 30));
        assert_eq!(parse_bytes("512MiB"), Some(512 << 20));
        assert_eq!(parse_bytes("2kb"), Some(2048));
        assert_eq!(parse_bytes("lots"), None);
        assert_eq!(parse_bytes("-1"), None);
        assert_eq!(parse_bytes("99999999999T"), None);
    }

    #[test]
    fn limited_reader_passes_the_limit_and_stops_one_byte_after() {
        use std::io::Read;
        let data = [7u8; 100];
        let mut r = LimitedReader {
            inner: &data[..],
            left: 100,
            limit: 100,
            from_env: true,
            passed: false,
        };
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out.len(), 100);
        assert!(r.exceeded().is_none());
        let mut r = LimitedReader {
            inner: &data[..],
            left: 99,
            limit: 99,
            from_env: false,
            passed: false,
        };
        let mut out = Vec::new();
        assert!(r.read_to_end(&mut out).is_err());
        assert!(out.len() <= 99);
        let e = r.exceeded().unwrap().to_string();
        assert!(e.contains("HISTFACTORY_MAX_INPUT"), "{e}");
    }

    #[test]
    fn too_large_names_the_limit_and_how_to_lift_it() {
        let e = LimitError::TooLarge {
            what: "the fit's 180003 x 180003 Hessian".into(),
            needed: Some(259_208_640_072),
            limit: 8_000_000_000,
            env: MAX_MEMORY_ENV,
            from_env: false,
        }
        .to_string();
        assert_eq!(
            e,
            "the fit's 180003 x 180003 Hessian needs 259.2 GB (259208640072 bytes), above the \
             limit of 8.0 GB (8000000000 bytes) (HISTFACTORY_MAX_MEMORY, the default); set \
             HISTFACTORY_MAX_MEMORY=<bytes> to lift it"
        );
    }
}
