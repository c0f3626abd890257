//! Why a test server could not start.

/// Why [`TestServerBuilder::start`](super::TestServerBuilder::start) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestServerError {
    /// A builder setting is invalid; names the setting, the value and the rule.
    #[error("test server setting {setting} = {value:?} is invalid: {rule}")]
    Setting {
        /// The builder method.
        setting: &'static str,
        /// The value given.
        value: String,
        /// The rule it broke.
        rule: String,
    },
    /// `start` was called outside a tokio runtime.
    #[error("the test server runs on tokio: call start().await inside a tokio runtime")]
    NoRuntime,
    /// Binding `127.0.0.1:0` failed.
    #[error("could not listen on 127.0.0.1:0: {0}")]
    Bind(#[source] std::io::Error),
}
