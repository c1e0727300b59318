//! Obvious personal data in free text that must describe things, not people: Finnish personal
//! identity codes (with a valid check character), phone numbers and e-mail addresses. A
//! screen against mistakes, not a guarantee: names and descriptions of a person still need
//! the writer's care.

/// A field error for each language of `text` (under `field`) that holds personal data; the
/// message names the kind, never the data.
pub fn errors_in(field: &str, text: &crate::domain::types::localized::LocalizedText) -> Vec<crate::error::FieldError> {
    [("fi", &text.fi), ("sv", &text.sv), ("en", &text.en)]
        .into_iter()
        .filter_map(|(lang, t)| {
            let found = find(t.as_deref()?)?;
            Some(crate::error::FieldError::new(
                format!("{field}.{lang}"),
                "personal_data",
                format!("describe the phenomenon, not a person: remove the {found}"),
            ))
        })
        .collect()
}

/// What kind of personal data the text holds, if any.
pub fn find(text: &str) -> Option<&'static str> {
    if has_identity_code(text) {
        Some("personal identity code")
    } else if has_email(text) {
        Some("e-mail address")
    } else if has_phone_number(text) {
        Some("phone number")
    } else {
        None
    }
}

/// `DDMMYYCZZZQ`: six digits of a date, a century sign, three digits and a check character
/// that matches (the 9 digits mod 31).
fn has_identity_code(text: &str) -> bool {
    const CHECK: &[u8] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";
    const CENTURY: &[u8] = b"+-ABCDEFUVWXY";
    let b = text.as_bytes();
    b.windows(11).enumerate().any(|(at, w)| {
        let boundary = |i: Option<&u8>| i.is_none_or(|c| !c.is_ascii_alphanumeric());
        let digits = |r: std::ops::Range<usize>| w[r].iter().all(u8::is_ascii_digit);
        if !(digits(0..6) && CENTURY.contains(&w[6].to_ascii_uppercase()) && digits(7..10)) {
            return false;
        }
        if !(boundary(at.checked_sub(1).and_then(|i| b.get(i))) && boundary(b.get(at + 11))) {
            return false;
        }
        let number: u64 = w[0..6].iter().chain(&w[7..10]).fold(0, |n, d| n * 10 + u64::from(d - b'0'));
        let (day, month) = ((w[0] - b'0') * 10 + (w[1] - b'0'), (w[2] - b'0') * 10 + (w[3] - b'0'));
        (1..=31).contains(&day)
            && (1..=12).contains(&month)
            && usize::try_from(number % 31).is_ok_and(|i| CHECK[i] == w[10].to_ascii_uppercase())
    })
}

/// `local@domain.tld`.
fn has_email(text: &str) -> bool {
    text.split(|c: char| c.is_whitespace() || "<>()[],;:\"'".contains(c)).any(|word| {
        let word = word.trim_end_matches(['.', '!', '?']);
        let Some((local, domain)) = word.split_once('@') else { return false };
        let tld = domain.rsplit('.').next().unwrap_or_default();
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && tld.len() >= 2
            && tld.chars().all(|c| c.is_ascii_alphabetic())
    })
}

/// A run of 7–15 digits (spaces, dashes and parentheses between them) starting with `+` or
/// `0`: Finnish numbers start `0` or `+358`.
fn has_phone_number(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts = (chars[i] == '+' || chars[i] == '0') && (i == 0 || !chars[i - 1].is_alphanumeric());
        if starts {
            let mut digits = 0;
            let mut j = i + usize::from(chars[i] == '+');
            while j < chars.len() && (chars[j].is_ascii_digit() || " -()".contains(chars[j])) {
                digits += usize::from(chars[j].is_ascii_digit());
                j += 1;
            }
            if (7..=15).contains(&digits) {
                return true;
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn personal_data_is_found_and_ordinary_text_is_not() {
        // The example code of the Digital and Population Data Services Agency.
        assert_eq!(find("Asiakas 131052-308T kävi aulassa"), Some("personal identity code"));
        assert_eq!(find("tunnus 131052A308T."), Some("personal identity code"));
        assert_eq!(find("131052-308X"), None, "a wrong check character is not an identity code");
        assert_eq!(find("Soita 040 123 4567 iltaisin"), Some("phone number"));
        assert_eq!(find("numero +358 (40) 1234567"), Some("phone number"));
        assert_eq!(find("Kirjoita: matti.meikalainen@example.fi."), Some("e-mail address"));
        for ordinary in [
            "Lokakuussa 2026 noin 12 ikäihmistä, klo 10-12, postinumero 33720.",
            "Ryhmässä 0-5-vuotiaiden vanhempia; 2026-10-01 alkaen.",
            "Käyttäjät @-merkin kanssa ja sähköposti ilman osoitetta",
            "",
        ] {
            assert_eq!(find(ordinary), None, "{ordinary}");
        }
    }
}
