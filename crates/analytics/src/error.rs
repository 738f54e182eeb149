/// What can go wrong in analytics.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// The system's random generator failed (a day's salt could not be made).
    #[error("the system's random generator failed")]
    Random,
    /// The IP-to-country database could not be loaded.
    #[error("the country database {path} could not be loaded: {reason}")]
    CountryDatabase { path: String, reason: String },
}
