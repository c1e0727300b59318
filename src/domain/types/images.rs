//! Images of venues and event series, by address (the service stores no files).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::formats;
use super::localized::LocalizedText;

/// At most this many images on one venue or series.
pub const MAX_IMAGES: u64 = 10;

/// An image shown with a venue or series; `alt_text` describes it for screen readers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://kuvat.example/olotila.jpg", "alt_text": {"fi": "Olotilan sohvaryhmä"},
    "license": "CC BY 4.0", "photographer": "Kohtaamispaikka Olotila"}))]
pub struct Image {
    #[schema(max_length = 2000, pattern = "^https?://\\S+$")]
    #[validate(length(max = 2000), custom(function = "formats::http_url"))]
    pub url: String,
    #[serde(default)]
    #[validate(nested)]
    pub alt_text: Option<LocalizedText>,
    /// E.g. `CC BY 4.0`.
    #[serde(default)]
    #[schema(max_length = 100)]
    #[validate(length(max = 100), custom(function = "formats::single_line"))]
    pub license: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200)]
    #[validate(length(max = 200), custom(function = "formats::single_line"))]
    pub photographer: Option<String>,
}
