//! Finnish business ID (Y-tunnus): `NNNNNNN-C`, where C is a modulo-11 check digit.
//!
//! The same rule is enforced by the database (`business_id_is_valid`), so a row can never
//! hold an ID that this type would reject.

/// A syntactically valid business ID with a correct check digit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BusinessId(String);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BusinessIdError {
    /// Not seven digits, a dash and one digit.
    Format,
    /// The check digit does not match the seven digits.
    CheckDigit { expected: u8 },
    /// The seven digits give remainder 1, which is never issued.
    NeverIssued,
}

const WEIGHTS: [u32; 7] = [7, 9, 10, 5, 8, 4, 2];

impl BusinessId {
    pub fn parse(input: &str) -> Result<BusinessId, BusinessIdError> {
        let bytes = input.as_bytes();
        let well_formed = bytes.len() == 9
            && bytes[7] == b'-'
            && bytes[..7].iter().all(u8::is_ascii_digit)
            && bytes[8].is_ascii_digit();
        if !well_formed {
            return Err(BusinessIdError::Format);
        }
        let expected = Self::check_digit(&bytes[..7])?;
        if bytes[8] - b'0' != expected {
            return Err(BusinessIdError::CheckDigit { expected });
        }
        Ok(BusinessId(input.to_owned()))
    }

    /// The check digit for seven ASCII digits.
    fn check_digit(digits: &[u8]) -> Result<u8, BusinessIdError> {
        let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
        match sum % 11 {
            0 => Ok(0),
            1 => Err(BusinessIdError::NeverIssued),
            r => Ok((11 - r) as u8),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_ids() {
        for id in ["0112038-9", "0201256-6", "1234567-1", "0000000-0"] {
            assert!(BusinessId::parse(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn rejects_wrong_check_digit() {
        assert_eq!(BusinessId::parse("0112038-8"), Err(BusinessIdError::CheckDigit { expected: 9 }));
        assert_eq!(BusinessId::parse("1234567-2"), Err(BusinessIdError::CheckDigit { expected: 1 }));
    }

    #[test]
    fn rejects_wrong_format() {
        for id in
            ["", "0112038", "01120389", "0112038-", "011203-89", "0112038-X", "a112038-9", "0112038 -9", "０112038-9"]
        {
            assert_eq!(BusinessId::parse(id), Err(BusinessIdError::Format), "{id:?}");
        }
    }

    #[test]
    fn remainder_one_is_never_issued() {
        // 0010001: 1*10 + 1*2 = 12, remainder 1.
        assert_eq!(BusinessId::parse("0010001-0"), Err(BusinessIdError::NeverIssued));
    }
}
