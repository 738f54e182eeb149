//! What reports break traffic down by.

/// A dimension of a report: of the visit (fixed by its first event), of the page viewed,
/// or the name of a custom event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dimension {
    Page,
    EntryPage,
    ExitPage,
    Channel,
    Source,
    UtmSource,
    UtmMedium,
    UtmCampaign,
    UtmTerm,
    UtmContent,
    Country,
    Browser,
    Os,
    Device,
    Screen,
    Event,
}

impl Dimension {
    pub const ALL: [Dimension; 16] = [
        Self::Page,
        Self::EntryPage,
        Self::ExitPage,
        Self::Channel,
        Self::Source,
        Self::UtmSource,
        Self::UtmMedium,
        Self::UtmCampaign,
        Self::UtmTerm,
        Self::UtmContent,
        Self::Country,
        Self::Browser,
        Self::Os,
        Self::Device,
        Self::Screen,
        Self::Event,
    ];

    /// As stored, and as the API and CSV name it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Page => "page",
            Self::EntryPage => "entry_page",
            Self::ExitPage => "exit_page",
            Self::Channel => "channel",
            Self::Source => "source",
            Self::UtmSource => "utm_source",
            Self::UtmMedium => "utm_medium",
            Self::UtmCampaign => "utm_campaign",
            Self::UtmTerm => "utm_term",
            Self::UtmContent => "utm_content",
            Self::Country => "country",
            Self::Browser => "browser",
            Self::Os => "os",
            Self::Device => "device",
            Self::Screen => "screen",
            Self::Event => "event",
        }
    }

    /// How a person reads it.
    pub fn title(self) -> &'static str {
        match self {
            Self::Page => "Top pages",
            Self::EntryPage => "Entry pages",
            Self::ExitPage => "Exit pages",
            Self::Channel => "Channels",
            Self::Source => "Sources",
            Self::UtmSource => "UTM sources",
            Self::UtmMedium => "UTM media",
            Self::UtmCampaign => "UTM campaigns",
            Self::UtmTerm => "UTM terms",
            Self::UtmContent => "UTM contents",
            Self::Country => "Countries",
            Self::Browser => "Browsers",
            Self::Os => "Operating systems",
            Self::Device => "Devices",
            Self::Screen => "Screen sizes",
            Self::Event => "Events",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The `analytics_visits` column holding it, for the dimensions of a visit.
    pub(crate) fn visit_column(self) -> Option<&'static str> {
        match self {
            Self::Page | Self::Event => None,
            other => Some(other.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dimension_reads_back_from_its_name() {
        for dimension in Dimension::ALL {
            assert_eq!(Dimension::parse(dimension.name()), Some(dimension));
        }
        assert_eq!(Dimension::parse("visitor"), None);
        assert_eq!(Dimension::parse("country; DROP TABLE x"), None);
    }
}
