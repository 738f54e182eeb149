/// What can go wrong in analytics.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// The system's random generator failed (a day's salt could not be made).
    #[error("the system's random generator failed")]
    Random,
}
