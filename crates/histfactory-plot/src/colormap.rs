//! Colour maps, as piecewise-linear interpolation between anchor colours.

use plotters::style::RGBColor;

/// matplotlib's viridis sampled at 0, 0.1, ..., 1 (perceptually uniform).
const VIRIDIS: [(u8, u8, u8); 11] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x24, 0x75),
    (0x41, 0x44, 0x87),
    (0x35, 0x5f, 0x8d),
    (0x2a, 0x78, 0x8e),
    (0x21, 0x91, 0x8c),
    (0x22, 0xa8, 0x84),
    (0x44, 0xbf, 0x70),
    (0x7a, 0xd1, 0x51),
    (0xbd, 0xdf, 0x26),
    (0xfd, 0xe7, 0x25),
];

/// ColorBrewer RdBu reversed: blue for -1, white for 0, red for +1.
const BLUE_RED: [(u8, u8, u8); 11] = [
    (0x05, 0x30, 0x61),
    (0x21, 0x66, 0xac),
    (0x43, 0x93, 0xc3),
    (0x92, 0xc5, 0xde),
    (0xd1, 0xe5, 0xf0),
    (0xf7, 0xf7, 0xf7),
    (0xfd, 0xdb, 0xc7),
    (0xf4, 0xa5, 0x82),
    (0xd6, 0x60, 0x4d),
    (0xb2, 0x18, 0x2b),
    (0x67, 0x00, 0x1f),
];

fn interpolate(table: &[(u8, u8, u8)], t: f64) -> RGBColor {
    // NaN maps to the low end rather than propagating into a cast.
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (table.len() - 1) as f64;
    let i = (pos.floor() as usize).min(table.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (table[i], table[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Viridis colour for `t` in [0, 1].
pub(crate) fn viridis(t: f64) -> RGBColor {
    interpolate(&VIRIDIS, t)
}

/// Diverging blue-white-red colour for `v` in [-1, 1].
pub(crate) fn diverging(v: f64) -> RGBColor {
    interpolate(&BLUE_RED, (v + 1.0) / 2.0)
}

/// Black or white, whichever reads better on `c`.
pub(crate) fn contrast_text(c: RGBColor) -> RGBColor {
    let lum = 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
    if lum > 140.0 {
        RGBColor(0, 0, 0)
    } else {
        RGBColor(255, 255, 255)
    }
}
