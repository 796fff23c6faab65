//! The embedded font and its registration with plotters.

use std::sync::OnceLock;

use crate::PlotError;

/// DejaVu Sans, embedded so figures do not depend on system fonts.
pub(crate) const FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// Family name the font is registered under. Using plotters' default family
/// name means every default text style picks up the embedded font.
pub(crate) const FAMILY: &str = "sans-serif";

/// Registers the embedded font with plotters once per process.
///
/// Registration is global in plotters, so it is done lazily and the outcome
/// cached; a failure (which would mean a corrupt embedded file) is reported
/// as an error on every render rather than panicking.
pub(crate) fn ensure_registered() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(FAMILY, plotters::style::FontStyle::Normal, FONT_BYTES)
                .map_err(|_| "embedded DejaVu Sans could not be parsed".to_string())
        })
        .clone()
        .map_err(PlotError::Font)
}
