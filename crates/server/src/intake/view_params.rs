//! A list's view as it travels in the URL (the lead inbox, the work-orders board, the
//! portal): its filters by name, and `after`, where the page starts. Unknown and empty
//! parameters are dropped, so a bookmarked view reads back the same, and links made from it
//! (status counts, the next and the first page, an export) keep every filter.

use std::collections::BTreeMap;

/// A view's parameters, as given.
#[derive(Debug, Default)]
pub struct ViewParams {
    /// The page's path: `/leads`, `/orders`.
    path: &'static str,
    params: BTreeMap<String, String>,
    /// Parameters that are never put in a link: personal data searched for (an e-mail
    /// address, a phone number) must not travel in URLs, where logs and histories keep them.
    private: &'static [&'static str],
}

impl ViewParams {
    /// The parameters of `path` among `filters` (and `after`).
    pub fn new(path: &'static str, filters: &[&str], params: BTreeMap<String, String>) -> Self {
        Self {
            path,
            private: &[],
            params: params
                .into_iter()
                .filter(|(key, value)| {
                    (filters.contains(&key.as_str()) || key == "after") && !value.trim().is_empty()
                })
                .collect(),
        }
    }

    /// The same, with `private` kept out of every link made from them.
    pub fn keeping_private(mut self, private: &'static [&'static str]) -> Self {
        self.private = private;
        self
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.get(key).map(|value| value.trim())
    }

    /// The value of `key`, or empty.
    pub fn value(&self, key: &str) -> String {
        self.get(key).unwrap_or_default().to_owned()
    }

    /// Whether any filter is set (the page's start aside).
    pub fn filtered(&self) -> bool {
        self.params
            .keys()
            .any(|key| key != "after" && key != "sort")
    }

    /// The filters a form on the page carries along as hidden fields (the private ones and
    /// the page's start aside): (name, value).
    pub fn carried(&self) -> Vec<(String, String)> {
        self.params
            .iter()
            .filter(|(key, _)| key.as_str() != "after" && !self.private.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }

    /// This view's path with its filters, `changed` set (an empty value drops one),
    /// starting at the first page unless `after` is given.
    pub fn href(&self, changed: &[(&str, &str)], after: Option<&str>) -> String {
        self.href_at(self.path, changed, after)
    }

    /// The same, at another path (the view's export).
    pub fn href_at(&self, path: &str, changed: &[(&str, &str)], after: Option<&str>) -> String {
        let mut params: BTreeMap<&str, &str> = self
            .params
            .iter()
            .filter(|(key, _)| key.as_str() != "after" && !self.private.contains(&key.as_str()))
            .map(|(key, value)| (key.as_str(), value.as_str()))
            .collect();
        for (key, value) in changed {
            if value.is_empty() {
                params.remove(key);
            } else {
                params.insert(key, value);
            }
        }
        if let Some(after) = after {
            params.insert("after", after);
        }
        if params.is_empty() {
            return path.to_owned();
        }
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in params {
            query.append_pair(key, value);
        }
        format!("{path}?{}", query.finish())
    }
}
