//! Multilingual text shown to the public.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;

/// Text in Finnish, Swedish and/or English; at least one language is present.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"fi": "Jyväskylän kaupunki", "sv": "Jyväskylä stad"}))]
pub struct LocalizedText {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fi: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
}

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

    /// At least one language must carry non-blank text.
    pub fn validate(&self, field: &str) -> Result<(), FieldError> {
        let present =
            [&self.fi, &self.sv, &self.en].into_iter().any(|t| t.as_deref().is_some_and(|t| !t.trim().is_empty()));
        if present {
            Ok(())
        } else {
            Err(FieldError::new(field, "missing_text", "give the text in at least one of fi, sv, en"))
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_text_is_invalid() {
        assert!(LocalizedText::default().validate("name").is_err());
        assert!(LocalizedText::fi("  ").validate("name").is_err());
        assert!(LocalizedText::fi("Tampere").validate("name").is_ok());
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
