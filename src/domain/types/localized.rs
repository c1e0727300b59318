//! Multilingual text shown to the public.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use validator::{Validate, ValidationErrors};

use super::validation::{SELF, rule};

/// Longest text in one language (characters).
pub const MAX_CHARS: u64 = 10_000;

/// Text in Finnish, Swedish and/or English; at least one language is present, each at most
/// 10,000 characters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

const LANGUAGES: [&str; 3] = ["fi", "sv", "en"];

/// The schema says what [`Validate`] checks: each language a string of at most
/// [`MAX_CHARS`] (or `null`), and at least one of them with a non-blank text.
impl utoipa::PartialSchema for LocalizedText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{
            AdditionalProperties, AllOfBuilder, AnyOfBuilder, ObjectBuilder, SchemaType, Type,
        };
        let mut shape = ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Object))
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        let mut present = AnyOfBuilder::new();
        for lang in LANGUAGES {
            shape = shape.property(
                lang,
                ObjectBuilder::new()
                    .schema_type(SchemaType::Array(vec![Type::String, Type::Null]))
                    .max_length(Some(MAX_CHARS as usize)),
            );
            present = present.item(
                ObjectBuilder::new()
                    .property(lang, ObjectBuilder::new().schema_type(Type::String).pattern(Some("[^\\s\\u0085]")))
                    .required(lang),
            );
        }
        AllOfBuilder::new()
            .item(shape)
            .item(present)
            .description(Some(
                "Text in Finnish, Swedish and/or English: at least one non-blank, each at most 10,000 characters.",
            ))
            .examples([serde_json::json!({"fi": "Jyväskylän kaupunki", "sv": "Jyväskylä stad"})])
            .into()
    }
}

impl ToSchema for LocalizedText {}

/// Preferred language for display fields (`?lang=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Fi,
    Sv,
    En,
}

impl LocalizedText {
    pub fn fi(text: impl Into<String>) -> Self {
        LocalizedText { fi: Some(text.into()), ..Default::default() }
    }

    pub fn fi_sv(fi: impl Into<String>, sv: impl Into<String>) -> Self {
        LocalizedText { fi: Some(fi.into()), sv: Some(sv.into()), en: None }
    }

    /// The text in the preferred language, falling back to Finnish, then the others.
    pub fn display(&self, lang: Lang) -> &str {
        let preferred = match lang {
            Lang::Fi => &self.fi,
            Lang::Sv => &self.sv,
            Lang::En => &self.en,
        };
        [preferred, &self.fi, &self.sv, &self.en]
            .into_iter()
            .find_map(|t| t.as_deref().filter(|t| !t.trim().is_empty()))
            .unwrap_or("")
    }
}

impl LocalizedText {
    /// A name or title is one line in every language (calendars, CSV and list views show it as
    /// one): each language that breaks a line is an error naming `field.<lang>`.
    pub fn line_breaks(&self, field: &str) -> Vec<crate::error::FieldError> {
        [("fi", &self.fi), ("sv", &self.sv), ("en", &self.en)]
            .into_iter()
            .filter(|(_, t)| t.as_deref().is_some_and(|t| t.contains(['\r', '\n'])))
            .map(|(lang, _)| {
                crate::error::FieldError::new(format!("{field}.{lang}"), "multi_line", "keep it to one line")
            })
            .collect()
    }
}

/// At least one language carries non-blank text, and none is longer than [`MAX_CHARS`].
impl Validate for LocalizedText {
    fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for (lang, text) in [("fi", &self.fi), ("sv", &self.sv), ("en", &self.en)] {
            if text.as_deref().is_some_and(|t| t.chars().count() as u64 > MAX_CHARS) {
                errors.add(lang, rule("too_long", format!("at most {MAX_CHARS} characters")));
            }
        }
        let present =
            [&self.fi, &self.sv, &self.en].into_iter().any(|t| t.as_deref().is_some_and(|t| !t.trim().is_empty()));
        if !present {
            errors.add(SELF, rule("missing_text", "give the text in at least one of fi, sv, en"));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_overlong_text_is_invalid() {
        assert!(LocalizedText::default().validate().is_err());
        assert!(LocalizedText::fi("  ").validate().is_err());
        assert!(LocalizedText::fi("Tampere").validate().is_ok());
        let errors = LocalizedText::fi("x".repeat(10_001)).validate().unwrap_err();
        assert!(errors.field_errors().contains_key("fi"));
    }

    #[test]
    fn names_are_one_line_in_every_language() {
        assert!(LocalizedText::fi_sv("Kahvila", "Café").line_breaks("title").is_empty());
        let broken = LocalizedText::fi_sv("Kahvila\r\nBEGIN:VEVENT", "Café\n");
        let fields: Vec<String> = broken.line_breaks("title").into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["title.fi", "title.sv"]);
    }

    #[test]
    fn display_falls_back_to_finnish() {
        let t = LocalizedText::fi("Kaupunki");
        assert_eq!(t.display(Lang::Sv), "Kaupunki");
        let t = LocalizedText::fi_sv("Kaupunki", "Stad");
        assert_eq!(t.display(Lang::Sv), "Stad");
    }

    #[test]
    fn unknown_languages_are_rejected() {
        assert!(serde_json::from_str::<LocalizedText>(r#"{"de": "Stadt"}"#).is_err());
    }
}
