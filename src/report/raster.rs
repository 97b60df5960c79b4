//! PNG copies of the SVG charts, rasterised with resvg (pure Rust) from the
//! very same SVG, so the two never disagree. Text uses the system's fonts
//! (DejaVu Sans on Debian); without any font the labels are left out.

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia::{Color, Pixmap, Transform};
use resvg::usvg::{fontdb, Options, Tree};

fn fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut system = fontdb::Database::new();
            system.load_system_fonts();
            // fontdb reads a file-backed face from disk every time it draws
            // with it (thousands of reads for one report), so the DejaVu Sans
            // files are read once into memory; other fonts are not needed.
            let mut files: Vec<std::path::PathBuf> = system
                .faces()
                .filter(|face| face.families.iter().any(|(family, _)| family == "DejaVu Sans"))
                .filter_map(|face| match &face.source {
                    fontdb::Source::File(path) => Some(path.clone()),
                    _ => None,
                })
                .collect();
            files.sort();
            files.dedup();
            let mut database = fontdb::Database::new();
            for file in &files {
                if let Ok(bytes) = std::fs::read(file) {
                    database.load_font_data(bytes);
                }
            }
            if database.is_empty() {
                database = system;
            }
            database.set_sans_serif_family("DejaVu Sans");
            Arc::new(database)
        })
        .clone()
}

/// Why a chart could not be rasterised.
#[derive(Debug, thiserror::Error)]
pub enum RasterError {
    /// usvg could not read the SVG.
    #[error(transparent)]
    Svg(#[from] resvg::usvg::Error),
    /// The chart is zero pixels wide or tall.
    #[error("the chart has no area")]
    NoArea,
    /// The PNG encoder failed (tiny-skia does not re-export its error type).
    #[error(transparent)]
    Png(Box<dyn std::error::Error + Send + Sync>),
}

/// Rasterises an SVG chart to PNG bytes at its own pixel size, on white.
pub fn png(svg: &str) -> Result<Vec<u8>, RasterError> {
    let options = Options { fontdb: fonts(), font_family: "DejaVu Sans".to_string(), ..Options::default() };
    let tree = Tree::from_str(svg, &options)?;
    let size = tree.size().to_int_size();
    let mut pixmap = Pixmap::new(size.width(), size.height()).ok_or(RasterError::NoArea)?;
    pixmap.fill(Color::WHITE);
    resvg::render(&tree, Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| RasterError::Png(Box::new(e)))
}
