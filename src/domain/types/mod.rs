//! Value types every resource uses: multilingual text, exact decimals, business ids,
//! canonical JSON, merge patches, pagination and free-text search.

pub mod business_id;
pub mod canonical_json;
pub mod decimal;
pub mod formats;
pub mod images;
pub mod integers;
pub mod localized;
pub mod merge_patch;
pub mod names;
pub mod pagination;
pub mod personal_data;
pub mod precondition;
pub mod search;
pub mod stored;
pub mod validation;
