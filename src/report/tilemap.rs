//! A tile-grid map of the United States: one equal square per state (and
//! DC) in the familiar NPR / FiveThirtyEight-style arrangement, coloured by
//! a value on a sequential scale, each tile labelled with its code and value.
//! Pure SVG written by hand: no geometry files, no scripts.

use std::fmt::Write;

use super::html::escape;

/// `(code, name, row, column)` of every tile: the 50 states and DC.
pub const TILES: [(&str, &str, u8, u8); 51] = [
    ("AK", "Alaska", 0, 0),
    ("ME", "Maine", 0, 10),
    ("VT", "Vermont", 1, 9),
    ("NH", "New Hampshire", 1, 10),
    ("WA", "Washington", 2, 0),
    ("ID", "Idaho", 2, 1),
    ("MT", "Montana", 2, 2),
    ("ND", "North Dakota", 2, 3),
    ("MN", "Minnesota", 2, 4),
    ("IL", "Illinois", 2, 5),
    ("WI", "Wisconsin", 2, 6),
    ("MI", "Michigan", 2, 7),
    ("NY", "New York", 2, 8),
    ("RI", "Rhode Island", 2, 9),
    ("MA", "Massachusetts", 2, 10),
    ("OR", "Oregon", 3, 0),
    ("NV", "Nevada", 3, 1),
    ("WY", "Wyoming", 3, 2),
    ("SD", "South Dakota", 3, 3),
    ("IA", "Iowa", 3, 4),
    ("IN", "Indiana", 3, 5),
    ("OH", "Ohio", 3, 6),
    ("PA", "Pennsylvania", 3, 7),
    ("NJ", "New Jersey", 3, 8),
    ("CT", "Connecticut", 3, 9),
    ("CA", "California", 4, 0),
    ("UT", "Utah", 4, 1),
    ("CO", "Colorado", 4, 2),
    ("NE", "Nebraska", 4, 3),
    ("MO", "Missouri", 4, 4),
    ("KY", "Kentucky", 4, 5),
    ("WV", "West Virginia", 4, 6),
    ("VA", "Virginia", 4, 7),
    ("MD", "Maryland", 4, 8),
    ("DE", "Delaware", 4, 9),
    ("AZ", "Arizona", 5, 1),
    ("NM", "New Mexico", 5, 2),
    ("KS", "Kansas", 5, 3),
    ("AR", "Arkansas", 5, 4),
    ("TN", "Tennessee", 5, 5),
    ("NC", "North Carolina", 5, 6),
    ("SC", "South Carolina", 5, 7),
    ("DC", "District of Columbia", 5, 8),
    ("OK", "Oklahoma", 6, 3),
    ("LA", "Louisiana", 6, 4),
    ("MS", "Mississippi", 6, 5),
    ("AL", "Alabama", 6, 6),
    ("GA", "Georgia", 6, 7),
    ("HI", "Hawaii", 7, 0),
    ("TX", "Texas", 7, 3),
    ("FL", "Florida", 7, 8),
];

/// The name of the state or DC with the postal code `code`.
pub fn state_name(code: &str) -> Option<&'static str> {
    TILES.iter().find(|(c, ..)| *c == code).map(|(_, name, ..)| *name)
}

/// Whether `code` has a tile (the 50 states and DC; not the territories).
pub fn on_map(code: &str) -> bool {
    TILES.iter().any(|(c, ..)| *c == code)
}

/// Light yellow to dark red (ColorBrewer YlOrRd): higher is worse, and the
/// lightest colour stays apart from the grey of "no data".
const SCALE: [(u8, u8, u8); 7] =
    [(255, 237, 160), (254, 217, 118), (254, 178, 76), (253, 141, 60), (240, 59, 32), (189, 0, 38), (110, 0, 40)];
const NO_DATA: &str = "#e4e4e4";

/// The colour of `t` in 0..=1 on the scale, as `#rrggbb`, and whether text
/// on it should be white.
fn colour(t: f64) -> (String, bool) {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (SCALE.len() - 1) as f64;
    let i = (x.floor() as usize).min(SCALE.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round().clamp(0.0, 255.0) as u8;
    let (a, b) = (SCALE[i], SCALE[i + 1]);
    let (r, g, bl) = (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2));
    let luminance = (0.2126 * f64::from(r) + 0.7152 * f64::from(g) + 0.0722 * f64::from(bl)) / 255.0;
    (format!("#{r:02x}{g:02x}{bl:02x}"), luminance < 0.45)
}

/// The smallest of 1, 2, 2.5, 5 times a power of ten at or above `value`
/// (the top of the colour scale); 1 for nothing positive.
pub fn nice_ceiling(value: f64) -> f64 {
    if !(value.is_finite() && value > 0.0) {
        return 1.0;
    }
    let power = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * power).find(|v| *v >= value * (1.0 - 1e-12)).unwrap_or(value)
}

/// What a map shows.
pub struct Map<'a> {
    /// Title above the map.
    pub title: &'a str,
    /// What the colours measure, above the legend.
    pub legend: &'a str,
    /// `(state code, value)`; codes without a tile are ignored.
    pub values: &'a [(String, f64)],
    /// Top of the colour scale (bottom is 0); values above it take the darkest colour.
    pub scale_max: f64,
    /// How a value is written on its tile and on the legend.
    pub format: fn(f64) -> String,
    /// The provenance caption below.
    pub caption: &'a str,
    /// A state whose tile is outlined (a state's own page).
    pub highlight: Option<&'a str>,
}

// Big tiles and type on a tight canvas, so labels stay legible when the
// page shrinks the map to a phone's width.
const TILE: u32 = 72;
const GAP: u32 = 4;
const COLUMNS: u32 = 11;
const ROWS: u32 = 8;
const WIDTH: u32 = COLUMNS * (TILE + GAP) - GAP + 16;
const TOP: u32 = 50;

/// The map as a standalone SVG document (848 pixels wide).
pub fn render(map: &Map<'_>) -> String {
    let step = TILE + GAP;
    let left = (WIDTH - (COLUMNS * step - GAP)) / 2;
    let legend_top = TOP + ROWS * step + 14;
    let height = legend_top + 90;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" font-family=\"sans-serif\">"
    );
    let _ = writeln!(svg, "<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\" fill=\"#ffffff\"/>");
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"32\" text-anchor=\"middle\" font-size=\"22\" fill=\"#000000\">{}</text>",
        WIDTH / 2,
        escape(map.title)
    );
    let scale_max = if map.scale_max.is_finite() && map.scale_max > 0.0 { map.scale_max } else { 1.0 };
    for (code, name, row, col) in TILES {
        let x = left + u32::from(col) * step;
        let y = TOP + u32::from(row) * step;
        let value = map.values.iter().find(|(c, v)| c == code && v.is_finite()).map(|(_, v)| *v);
        let (fill, white, label) = match value {
            Some(v) => {
                let (fill, white) = colour(v / scale_max);
                (fill, white, (map.format)(v))
            }
            None => (NO_DATA.to_string(), false, "no data".to_string()),
        };
        let ink = if white { "#ffffff" } else { "#1b1b1b" };
        let tooltip = format!("{name}: {label}");
        let _ = writeln!(
            svg,
            "<g><title>{}</title><rect class=\"tile\" data-state=\"{code}\" x=\"{x}\" y=\"{y}\" width=\"{TILE}\" height=\"{TILE}\" rx=\"4\" fill=\"{fill}\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"24\" font-weight=\"bold\" fill=\"{ink}\">{code}</text>\
             <text class=\"value\" data-state=\"{code}\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"{}\" fill=\"{ink}\">{}</text></g>",
            escape(&tooltip),
            x + TILE / 2,
            y + 32,
            x + TILE / 2,
            y + 59,
            if value.is_some() { 17 } else { 15 },
            escape(&label)
        );
    }
    // The highlighted tile's outline, drawn over its neighbours' gaps.
    if let Some((code, name, row, col)) = TILES.iter().find(|(c, ..)| Some(*c) == map.highlight) {
        let _ = writeln!(
            svg,
            "<rect class=\"highlight\" data-state=\"{code}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"6\" fill=\"none\" stroke=\"#08306b\" stroke-width=\"5\"><title>{}</title></rect>",
            left + u32::from(*col) * step - 2,
            TOP + u32::from(*row) * step - 2,
            TILE + 4,
            TILE + 4,
            escape(name)
        );
    }
    // Legend: the colour ramp with labelled stops, then the "no data" swatch.
    let ramp_width = 440u32;
    let ramp_left = (WIDTH - ramp_width) / 2 - 50;
    let _ = writeln!(
        svg,
        "<text x=\"{ramp_left}\" y=\"{}\" font-size=\"16\" fill=\"#1b1b1b\">{}</text>",
        legend_top + 4,
        escape(map.legend)
    );
    let pieces = 60u32;
    let piece = f64::from(ramp_width) / f64::from(pieces);
    for i in 0..pieces {
        let (fill, _) = colour((f64::from(i) + 0.5) / f64::from(pieces));
        let _ = writeln!(
            svg,
            "<rect class=\"legend\" x=\"{:.2}\" y=\"{}\" width=\"{:.2}\" height=\"16\" fill=\"{fill}\"/>",
            f64::from(ramp_left) + f64::from(i) * piece,
            legend_top + 14,
            piece + 0.3
        );
    }
    for k in 0..=4u32 {
        let x = ramp_left + ramp_width * k / 4;
        let value = scale_max * f64::from(k) / 4.0;
        let label = (map.format)(value);
        let _ = writeln!(
            svg,
            "<line x1=\"{x}\" y1=\"{}\" x2=\"{x}\" y2=\"{}\" stroke=\"#1b1b1b\"/><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"16\" fill=\"#1b1b1b\">{}</text>",
            legend_top + 14,
            legend_top + 35,
            legend_top + 53,
            escape(&label)
        );
    }
    let swatch = ramp_left + ramp_width + 40;
    let _ = writeln!(
        svg,
        "<rect class=\"legend\" x=\"{swatch}\" y=\"{}\" width=\"22\" height=\"16\" rx=\"3\" fill=\"{NO_DATA}\"/><text x=\"{}\" y=\"{}\" font-size=\"16\" fill=\"#1b1b1b\">no data</text>",
        legend_top + 14,
        swatch + 28,
        legend_top + 28
    );
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\" fill=\"#1b1b1b\">{}</text>\n</svg>",
        WIDTH / 2,
        height - 8,
        escape(map.caption)
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATES_AND_DC: [&str; 51] = [
        "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
        "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK",
        "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "DC",
    ];

    #[test]
    fn every_state_and_dc_has_one_tile_and_no_two_tiles_share_a_cell() {
        let mut codes: Vec<&str> = TILES.iter().map(|t| t.0).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 51, "codes are unique");
        for state in STATES_AND_DC {
            assert!(on_map(state), "{state} has a tile");
        }
        let mut cells: Vec<(u8, u8)> = TILES.iter().map(|t| (t.2, t.3)).collect();
        cells.sort_unstable();
        cells.dedup();
        assert_eq!(cells.len(), 51, "no two tiles at the same cell");
        assert!(TILES.iter().all(|t| u32::from(t.2) < ROWS && u32::from(t.3) < COLUMNS));
        let mut names: Vec<&str> = TILES.iter().map(|t| t.1).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 51);
    }

    #[test]
    fn neighbours_sit_next_to_each_other() {
        let at = |code: &str| TILES.iter().find(|t| t.0 == code).map(|t| (i32::from(t.2), i32::from(t.3))).unwrap();
        for (a, b) in [("WA", "OR"), ("OR", "CA"), ("NY", "PA"), ("KS", "NE"), ("TN", "KY"), ("GA", "AL")] {
            let ((ra, ca), (rb, cb)) = (at(a), at(b));
            assert!((ra - rb).abs() <= 1 && (ca - cb).abs() <= 1, "{a} and {b} touch");
        }
    }

    #[test]
    fn the_map_has_one_tile_per_state_and_says_no_data_where_there_is_none() {
        let values = vec![("KS".to_string(), 0.25), ("PR".to_string(), 0.5)];
        let svg = render(&Map {
            title: "t",
            legend: "l",
            values: &values,
            scale_max: nice_ceiling(0.25),
            format: |v| format!("{:.1}%", v * 100.0),
            caption: "c",
            highlight: None,
        });
        assert_eq!(svg.matches("<rect class=\"tile\"").count(), 51);
        assert!(!svg.contains("class=\"highlight\""));
        assert!(svg.contains("data-state=\"KS\" x="));
        assert!(svg.contains(">25.0%</text>"));
        assert_eq!(svg.matches(">no data</text>").count(), 50 + 1);
        assert!(roxmltree::Document::parse(&svg).is_ok());
    }

    #[test]
    fn a_state_page_map_outlines_its_state_only() {
        let values = vec![("KS".to_string(), 0.25)];
        let map = |highlight| {
            render(&Map {
                title: "t",
                legend: "l",
                values: &values,
                scale_max: 1.0,
                format: |v| format!("{v}"),
                caption: "c",
                highlight,
            })
        };
        let svg = map(Some("KS"));
        assert_eq!(svg.matches("class=\"highlight\"").count(), 1);
        // Kansas is row 5, column 3: x = left + 3 * 76 - 2, y = 50 + 5 * 76 - 2 = 428.
        let left = (WIDTH - (COLUMNS * (TILE + GAP) - GAP)) / 2;
        assert!(svg.contains(&format!("data-state=\"KS\" x=\"{}\" y=\"428\"", left + 3 * 76 - 2)), "{svg}");
        assert!(svg.contains("<title>Kansas</title>"));
        assert!(roxmltree::Document::parse(&svg).is_ok());
        // A code without a tile outlines nothing.
        assert!(!map(Some("PR")).contains("class=\"highlight\""));
    }

    #[test]
    fn scale_tops_are_round_and_colours_darken() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(nice_ceiling(0.23), 0.25));
        assert!(close(nice_ceiling(0.3), 0.5));
        assert!(close(nice_ceiling(0.05), 0.05));
        assert!(close(nice_ceiling(7.0e9), 1.0e10));
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(f64::NAN), 1.0);
        assert!(!colour(0.0).1 && colour(1.0).1);
        assert_eq!(colour(f64::NAN).0, colour(0.0).0);
    }
}
