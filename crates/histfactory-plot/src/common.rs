//! Small helpers shared by the figures.

use crate::PlotError;

/// Errors if `got != expected`.
pub(crate) fn check_len(what: &str, expected: usize, got: usize) -> Result<(), PlotError> {
    if expected != got {
        return Err(PlotError::LengthMismatch {
            what: what.to_string(),
            expected,
            got,
        });
    }
    Ok(())
}

/// Errors if `len == 0`.
pub(crate) fn check_nonempty(what: &str, len: usize) -> Result<(), PlotError> {
    if len == 0 {
        return Err(PlotError::Empty(what.to_string()));
    }
    Ok(())
}

/// Min and max of the finite values, if there are any.
pub(crate) fn finite_range<'a>(vals: impl IntoIterator<Item = &'a f64>) -> Option<(f64, f64)> {
    vals.into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, &v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// Widens `(lo, hi)` by `frac` of its span on each side; a zero span becomes
/// a unit-sized range so axes never collapse.
pub(crate) fn pad_range((lo, hi): (f64, f64), frac: f64) -> (f64, f64) {
    let span = hi - lo;
    if span > 0.0 && span.is_finite() {
        (lo - frac * span, hi + frac * span)
    } else {
        let w = if lo.abs() > 0.0 { 0.5 * lo.abs() } else { 0.5 };
        (lo - w, hi + w)
    }
}

/// Compact number formatting for ticks and labels.
pub(crate) fn fmt_num(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".to_string()
    } else if !(1e-3..1e5).contains(&a) {
        format!("{v:.2e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        trim_zeros(format!("{v:.2}"))
    } else {
        trim_zeros(format!("{v:.3}"))
    }
}

fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Draws right-aligned category names left of pixel x `right`, one per row.
pub(crate) fn draw_row_names<DB: plotters::prelude::DrawingBackend>(
    root: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    rows: impl IntoIterator<Item = (String, i32)>,
    right: i32,
    font_size: f64,
) -> Result<(), PlotError>
where
    DB::ErrorType: 'static,
{
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    for (name, y) in rows {
        root.draw(&Text::new(
            name,
            (right, y),
            ("sans-serif", font_size)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    Ok(())
}
