//! Minifies the scripts other sites load (see `build/minify.rs`) into `OUT_DIR`, where the
//! server includes them.

#[path = "build/minify.rs"]
mod minify;

use std::path::PathBuf;

/// Each script and the name of its minified copy.
const SCRIPTS: &[(&str, &str)] = &[
    ("static/lv.js", "lv.min.js"),
    ("static/lvx.js", "lvx.min.js"),
];

fn main() -> Result<(), String> {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    for (source, minified) in SCRIPTS {
        println!("cargo::rerun-if-changed={source}");
        let text = std::fs::read_to_string(source).map_err(|e| format!("{source}: {e}"))?;
        let small = minify::minify(&text).map_err(|e| format!("{source}: {e}"))?;
        std::fs::write(out_dir.join(minified), small).map_err(|e| format!("{minified}: {e}"))?;
    }
    println!("cargo::rerun-if-changed=build/minify.rs");
    Ok(())
}
