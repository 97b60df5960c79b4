//! Charts and the report page: the SVGs are well-formed XML with the
//! expected series and year range; the page is self-contained and holds
//! every table.

// Tests may panic on a failed expectation: that is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{scenario, seqsim, seqsim_ok, stderr};

/// Lines of `colour` with one point per projected year (legend swatches and
/// error bars have two points).
fn series_lines(svg: &str, colour: &str, years: usize) -> usize {
    let doc = roxmltree::Document::parse(svg).expect("the SVG is well-formed XML");
    doc.descendants()
        .filter(|n| n.has_tag_name("polyline") && n.attribute("stroke").is_some_and(|s| s.eq_ignore_ascii_case(colour)))
        .filter(|n| n.attribute("points").is_some_and(|p| p.split_whitespace().count() == years))
        .count()
}

#[test]
fn run_draws_charts_and_report_builds_a_self_contained_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("national");
    seqsim_ok(&["run", scenario("national.yaml").to_str().unwrap(), "--paths", "2000", "--out", out.to_str().unwrap()]);

    // One fan and one risk chart per practice, and the national bars.
    let practices = [
        "rural_health_clinic",
        "primary_care_practice",
        "specialty_practice",
        "cah_in_the_red",
        "cah_in_the_black",
        "rural_pps_in_the_red",
        "rural_pps_in_the_black",
        "urban_pps_hospital",
    ];
    let palette = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#56B4E9"];
    for practice in practices {
        let fan = std::fs::read_to_string(out.join(format!("charts/fan_{practice}.svg"))).unwrap();
        // One median line per policy, in five distinct colours.
        for colour in palette {
            assert_eq!(series_lines(&fan, colour, 10), 1, "{practice}: median line in {colour}");
        }
        let doc = roxmltree::Document::parse(&fan).unwrap();
        let labels: Vec<&str> =
            doc.descendants().filter(|n| n.has_tag_name("text")).filter_map(|n| n.text()).map(str::trim).collect();
        assert!(
            labels.contains(&"2027") && labels.contains(&"2036") && !labels.contains(&"2037"),
            "{practice}: {labels:?}"
        );
        assert!(labels.iter().any(|l| l.ends_with('%')), "axis in percent");
        assert!(labels.iter().any(|l| l.contains("seed 20261127") && l.contains("2000 paths")), "caption");
        let risk = std::fs::read_to_string(out.join(format!("charts/risk_{practice}.svg"))).unwrap();
        for colour in palette {
            // Two panels: P(exhausted) and P(margin < 0).
            assert_eq!(series_lines(&risk, colour, 10), 2, "{practice}: risk lines in {colour}");
        }
    }
    roxmltree::Document::parse(&std::fs::read_to_string(out.join("charts/national.svg")).unwrap()).unwrap();

    // Delete the charts: `report` redraws them from the tables alone.
    std::fs::remove_dir_all(out.join("charts")).unwrap();
    let page = dir.path().join("page.html");
    seqsim_ok(&["report", out.to_str().unwrap(), "-o", page.to_str().unwrap()]);
    assert!(out.join("charts/fan_rural_pps_in_the_red.svg").is_file());
    // report writes a PNG of every chart, rasterised from the SVG.
    for name in ["charts/fan_rural_pps_in_the_red.png", "charts/risk_urban_pps_hospital.png", "charts/national.png"] {
        let png = std::fs::read(out.join(name)).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{name} is not a PNG");
        // 900 px wide, as drawn.
        assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 900, "{name}");
    }
    let html = std::fs::read_to_string(&page).unwrap();
    for forbidden in ["http:", "https:", "src=\"//", "href=\"//", "<script", "<link", "@import", "url("] {
        assert!(!html.contains(forbidden), "the page refers outside itself: {forbidden}");
    }
    assert_eq!(html.matches("<svg").count(), 2 * practices.len() + 1);
    for expected in [
        "How to read this",
        "Median margin 2031 (90% interval)",
        "P(cash exhausted by 2036)",
        "Against Current law in 2036",
        "baseline: <strong>Current law</strong> (US Medicare current law as of 2026-12-01)",
        "National totals",
        "Practices with cash exhausted",
        "<h2>Sources</h2>",
        "<h2>Manifest</h2>",
        "summary.parquet",
        "@media print",
        "name=\"viewport\"",
        "Critical access hospital in the red",
    ] {
        assert!(html.contains(expected), "the page lacks {expected:?}");
    }
    let report_default = seqsim(&["report", out.to_str().unwrap()]);
    assert!(report_default.status.success());
    assert!(out.join("report.html").is_file());
    let missing = seqsim(&["report", dir.path().join("nothing").to_str().unwrap()]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("manifest.json: cannot read it"));
}
