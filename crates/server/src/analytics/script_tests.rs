//! The scripts other sites load: what the build step's minifier makes of them, and the
//! analytics script's size budget.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::analytics::site_script::{LV_MIN, LVX_MIN, SiteScript};
use crate::minify::minify;

/// Page views, SPA navigation, outbound links, downloads and custom events: at most this
/// many bytes once gzipped (issue 7's budget).
const LV_GZIP_BUDGET: usize = 1_500;

fn gzipped_size(text: &str) -> usize {
    let mut gzip = Command::new("gzip")
        .args(["-9", "-c"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("gzip runs");
    gzip.stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("written");
    let output = gzip.wait_with_output().expect("gzip finishes");
    assert!(output.status.success());
    output.stdout.len()
}

#[test]
fn the_analytics_script_is_within_its_gzipped_budget() {
    let size = gzipped_size(LV_MIN);
    println!(
        "lv.js: {} bytes minified, {size} bytes gzipped (budget {LV_GZIP_BUDGET})",
        LV_MIN.len()
    );
    assert!(size <= LV_GZIP_BUDGET, "{size} bytes gzipped");
    assert!(
        LV_MIN.len() * 10 < include_str!("../../static/lv.js").len() * 7,
        "minified, not copied"
    );
}

/// What experiments add to the script (issue 8's budget), for sites that have them.
const LVX_GZIP_BUDGET: usize = 1_500;

#[test]
fn experiments_add_at_most_their_budget_and_only_for_sites_with_experiments() {
    let plain = SiteScript::with(None);
    assert_eq!(
        plain.body, LV_MIN,
        "a site without experiments gets the plain script"
    );
    let with = SiteScript::with(Some(r#"{"site":"s","x":[]}"#.to_owned()));
    let added = gzipped_size(&with.body) - gzipped_size(LV_MIN);
    println!(
        "lvx.js: {} bytes minified, adds {added} bytes gzipped (budget {LVX_GZIP_BUDGET})",
        LVX_MIN.len()
    );
    assert!(added <= LVX_GZIP_BUDGET, "{added} bytes gzipped");
    assert!(LVX_MIN.len() * 10 < include_str!("../../static/lvx.js").len() * 7);
    assert_ne!(plain.etag, with.etag);
}

#[test]
fn comments_and_needless_whitespace_go_and_nothing_else_changes() {
    let source = "// a comment\nvar a = 1 , b = \"x  // not a comment\" ;\n/* block\n */ if (a) {\n  b = a + +b ; c = a - -b ;\n}\nreturn\nx;\nvar s = 'it\\'s  ok';";
    assert_eq!(
        minify(source).unwrap(),
        "var a=1,b=\"x  // not a comment\";if(a){b=a+ +b;c=a- -b;}return\nx;var s='it\\'s  ok';"
    );
}

#[test]
fn unclosed_strings_and_comments_fail_the_build() {
    assert!(minify("var a = \"open;\nb;").is_err());
    assert!(minify("var a = 'open").is_err());
    assert!(minify("a; /* open").is_err());
}
