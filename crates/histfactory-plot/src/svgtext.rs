//! Converts the `<text>` elements written by plotters' SVG backend into
//! filled glyph-outline `<path>`s drawn with the embedded font.
//!
//! Why: an SVG `<text>` element is rendered with whatever fonts the viewer
//! has installed, so an SVG would look different (or lose the μ/θ glyphs) on
//! machines without DejaVu Sans. Outlines make the file self-contained at the
//! cost of slightly larger files. The conversion mirrors how plotters lays
//! text out in SVG (`font-size` in px, `dy` anchors of 0.76em / ±0.5ex).

use ab_glyph::{Font, FontRef, GlyphId, OutlineCurve, Point};

use crate::font::FONT_BYTES;
use crate::PlotError;

/// Rewrites every `<text …>…</text>` element of `svg` as a `<path>`.
pub(crate) fn text_to_paths(svg: &str) -> Result<String, PlotError> {
    let font = FontRef::try_from_slice(FONT_BYTES)
        .map_err(|_| PlotError::Font("embedded DejaVu Sans could not be parsed".into()))?;
    let mut out = String::with_capacity(svg.len());
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let (Some(open_end), Some(close)) = (after.find('>'), after.find("</text>")) else {
            // Malformed tail: keep it verbatim rather than failing the render.
            out.push_str(after);
            return Ok(out);
        };
        let attrs = parse_attrs(&after[5..open_end]);
        let content = unescape(after[open_end + 1..close].trim());
        out.push_str(&text_path(&font, &attrs, &content));
        out.push('\n');
        rest = &after[close + "</text>".len()..];
        rest = rest.strip_prefix('\n').unwrap_or(rest);
    }
    out.push_str(rest);
    Ok(out)
}

fn parse_attrs(s: &str) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    let mut rest = s;
    while let Some(eq) = rest.find("=\"") {
        let key = rest[..eq].trim().to_string();
        let val_start = eq + 2;
        let Some(len) = rest[val_start..].find('"') else {
            break;
        };
        attrs.push((key, unescape(&rest[val_start..val_start + len])));
        rest = &rest[val_start + len + 1..];
    }
    attrs
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn text_path(font: &FontRef<'_>, attrs: &[(String, String)], text: &str) -> String {
    let get = |k: &str| {
        attrs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let num = |k: &str| get(k).and_then(|v| v.parse::<f64>().ok());
    let x = num("x").unwrap_or(0.0);
    let y = num("y").unwrap_or(0.0);
    let size = num("font-size").unwrap_or(12.0);
    let upem = font.units_per_em().unwrap_or(2048.0) as f64;
    let scale = size / upem;
    // x-height of DejaVu Sans (1120/2048 em); `ex` in the anchors refers to it.
    let ex = 0.547 * size;
    let baseline = match get("dy") {
        Some("0.76em") => y + 0.76 * size,
        Some("0.5ex") => y + 0.5 * ex,
        Some("-0.5ex") => y - 0.5 * ex,
        _ => y,
    };

    let glyphs: Vec<GlyphId> = text.chars().map(|c| font.glyph_id(c)).collect();
    let mut width = 0.0;
    let mut advances = Vec::with_capacity(glyphs.len());
    let mut prev: Option<GlyphId> = None;
    for &g in &glyphs {
        if let Some(p) = prev {
            width += font.kern_unscaled(p, g) as f64 * scale;
        }
        advances.push(width);
        width += font.h_advance_unscaled(g) as f64 * scale;
        prev = Some(g);
    }
    let x0 = match get("text-anchor") {
        Some("middle") => x - width / 2.0,
        Some("end") => x - width,
        _ => x,
    };

    let mut d = String::new();
    for (g, adv) in glyphs.iter().zip(advances) {
        let Some(outline) = font.outline(*g) else {
            continue;
        };
        let ox = x0 + adv;
        let p = |pt: &Point| {
            format!(
                "{:.2} {:.2}",
                ox + pt.x as f64 * scale,
                baseline - pt.y as f64 * scale
            )
        };
        let mut last: Option<Point> = None;
        for curve in &outline.curves {
            let (start, end) = match curve {
                OutlineCurve::Line(a, b) => (*a, *b),
                OutlineCurve::Quad(a, _, b) => (*a, *b),
                OutlineCurve::Cubic(a, _, _, b) => (*a, *b),
            };
            if last != Some(start) {
                if last.is_some() {
                    d.push('Z');
                }
                d.push_str(&format!("M{}", p(&start)));
            }
            match curve {
                OutlineCurve::Line(_, b) => d.push_str(&format!("L{}", p(b))),
                OutlineCurve::Quad(_, c, b) => d.push_str(&format!("Q{} {}", p(c), p(b))),
                OutlineCurve::Cubic(_, c1, c2, b) => {
                    d.push_str(&format!("C{} {} {}", p(c1), p(c2), p(b)))
                }
            }
            last = Some(end);
        }
        if last.is_some() {
            d.push('Z');
        }
    }

    let mut el = format!("<path d=\"{d}\"");
    for key in ["fill", "opacity", "transform"] {
        if let Some(v) = get(key) {
            el.push_str(&format!(" {key}=\"{}\"", escape(v)));
        }
    }
    // Keep the text for accessibility / searchability.
    el.push_str(&format!("><title>{}</title></path>", escape(text)));
    el
}
