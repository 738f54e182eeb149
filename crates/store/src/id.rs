//! The one way ids are made: a newtype over a random (version 4) UUID, written hyphenated.

/// Declares an id type: `uuid_id!(/// docs \n Name);`. Every domain crate's ids come from
/// here, so that they all parse, print and compare the same way.
#[macro_export]
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name($crate::Uuid);

        impl $name {
            pub fn random() -> Self {
                Self($crate::Uuid::new_v4())
            }

            /// Parses an id read back from the database or a URL.
            pub fn parse(text: &str) -> Option<Self> {
                $crate::Uuid::try_parse(text).ok().map(Self)
            }

            pub fn as_uuid(self) -> $crate::Uuid {
                self.0
            }

            /// The id stored as a plain UUID elsewhere (another crate's column).
            pub fn from_uuid(uuid: $crate::Uuid) -> Self {
                Self(uuid)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}
