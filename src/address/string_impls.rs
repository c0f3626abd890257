//! The trait implementations every address type shares: parse from text, show as
//! text, serialize as a string.

/// Implements `as_str`, `FromStr`, `TryFrom<&str>`, `TryFrom<String>`, `AsRef<str>`,
/// `Debug`, `Display`, `Serialize` and `Deserialize` for an address newtype whose first field
/// is its normalized text (`Box<str>`) and which has `fn parse(&str) -> Result<Self, AddressError>`.
macro_rules! impl_address_string {
    ($ty:ident, $what:literal) => {
        impl $ty {
            #[doc = concat!("The normalized text of ", $what, ".")]
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::address::AddressError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = $crate::address::AddressError;

            fn try_from(s: &str) -> Result<Self, Self::Error> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::address::AddressError;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}({:?})", stringify!($ty), &*self.0)
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Self::parse(&s).map_err(::serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use impl_address_string;
