//! A few words naming the browser and system behind a session ("Firefox on Linux"), so that
//! a person can recognise their sessions. Coarse on purpose: the raw User-Agent is never
//! stored, and the label cannot single anyone out.

pub fn label(user_agent: Option<&str>) -> String {
    let ua = user_agent.unwrap_or_default();
    // Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari".
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find(|(marker, _)| ua.contains(marker))
    .map_or("Another browser", |(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("CrOS", "ChromeOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(marker, _)| ua.contains(marker))
    .map_or("another system", |(_, name)| name);
    format!("{browser} on {system}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_get_their_names_and_nothing_else_is_kept() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(label(Some(firefox)), "Firefox on Linux");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0";
        assert_eq!(label(Some(edge)), "Edge on Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
        assert_eq!(label(Some(iphone)), "Safari on iOS");
        assert_eq!(
            label(Some("curl/8.5.0")),
            "Another browser on another system"
        );
        assert_eq!(label(None), "Another browser on another system");
    }
}
