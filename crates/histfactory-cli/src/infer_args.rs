//! What the inference commands (`cls`, `upper-limit`, `scan`) share: the range syntax and
//! the mapping of inference errors to exit codes.

use crate::model_args::input;
use anyhow::anyhow;
use histfactory::infer::InferError;
use histfactory::limits;

/// `LO:HI:N` → N evenly spaced values from LO to HI inclusive (numpy's `linspace`).
pub fn parse_range(flag: &str, s: &str) -> anyhow::Result<Vec<f64>> {
    let bad = || input(anyhow!("{flag} {s}: expected LO:HI:N, for example 0:5:21"));
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 3 {
        return Err(bad());
    }
    let lo: f64 = parts[0].trim().parse().map_err(|_| bad())?;
    let hi: f64 = parts[1].trim().parse().map_err(|_| bad())?;
    let n: usize = parts[2].trim().parse().map_err(|_| bad())?;
    check_points(flag, s, n)?;
    if !(lo.is_finite() && hi.is_finite()) || n == 0 || (n > 1 && lo >= hi) {
        return Err(input(anyhow!("{flag} {s}: need finite LO < HI and N >= 1")));
    }
    if n == 1 {
        return Ok(vec![lo]);
    }
    let step = (hi - lo) / (n - 1) as f64;
    Ok((0..n)
        .map(|i| if i == n - 1 { hi } else { lo + step * i as f64 })
        .collect())
}

/// A scan's number of points within [`limits::MAX_SCAN_POINTS`], checked before any value
/// is made.
pub fn check_points(flag: &str, s: &str, n: usize) -> anyhow::Result<()> {
    if n > limits::MAX_SCAN_POINTS {
        return Err(input(anyhow!(
            "{flag} {s}: {n} points is above the maximum of {} (each point is a fit)",
            limits::MAX_SCAN_POINTS
        )));
    }
    Ok(())
}

/// A clap parser for a count from `min` to `max` (a number too large for 64 bits is a
/// parse error too, never a panic).
pub fn count_parser(min: usize, max: usize) -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(min as u64..=max as u64)
}

/// Exit code 2 for errors in what the user asked (bad options, a fixed or missing POI,
/// data of the wrong shape), 1 for computations that failed.
pub fn classify(e: InferError) -> anyhow::Error {
    match e {
        InferError::UnknownTestStat { .. }
        | InferError::InvalidArgument { .. }
        | InferError::LengthMismatch { .. }
        | InferError::Empty { .. }
        | InferError::Poi(_)
        | InferError::TooLarge(_)
        | InferError::Fit { .. }
        | InferError::Model { .. } => input(e),
        _ => anyhow::Error::new(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("--scan", "0:5:11").unwrap()[10], 5.0);
        assert_eq!(parse_range("--scan", "0:1:3").unwrap(), vec![0.0, 0.5, 1.0]);
        assert!(parse_range("--scan", "0:5").is_err());
        assert!(parse_range("--scan", "5:0:3").is_err());
        assert!(parse_range("--scan", "0:5:0").is_err());
        // See issue 17: a scan of 10^8 points ran without end.
        assert!(parse_range("--scan", "0:5:100000").is_ok());
        let e = parse_range("--scan", "0:5:100000000").unwrap_err();
        assert!(format!("{e:#}").contains("maximum of 100000"), "{e:#}");
    }
}
