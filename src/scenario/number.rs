//! Numbers read exactly from their text (MODEL.md §1): a YAML number or a
//! cohort table's cell becomes a `Decimal` without passing through `f64`.

use rust_decimal::Decimal;

use super::text::truncate;
use super::yaml::{number_text, NumberText};

/// Largest dollar amount or count a practice may give: far beyond any real
/// practice, and small enough that 50 years of growth stay inside `Decimal`.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0); // 1e15

/// Why a number's text cannot be read exactly.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// `.inf` or `-.inf`.
    #[error("must be a finite number, not infinity")]
    Infinite,
    /// `.nan`.
    #[error("must be a number, not `.nan`")]
    NotANumber,
    /// Too many digits or too large for a `Decimal` (the text).
    #[error("`{0}` is outside the range seqsim reads exactly (up to 28 significant digits, magnitude below 7.9e28)")]
    OutOfRange(String),
    /// A cell that is not a number in the YAML syntax (the text).
    #[error("expected a number, found {:?}", truncate(.0))]
    Malformed(String),
}

/// Parses the text of a core-schema number into an exact `Decimal`.
pub fn parse_decimal(number: &NumberText) -> Result<Decimal, NumberError> {
    let text = number.text.as_str();
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if unsigned.starts_with(".inf") || unsigned.starts_with(".Inf") || unsigned.starts_with(".INF") {
        return Err(NumberError::Infinite);
    }
    if unsigned.to_ascii_lowercase().starts_with(".nan") {
        return Err(NumberError::NotANumber);
    }
    let out_of_range = || NumberError::OutOfRange(text.to_string());
    let radix = if let Some(hex) = unsigned.strip_prefix("0x") {
        Some((hex, 16))
    } else {
        unsigned.strip_prefix("0o").map(|oct| (oct, 8))
    };
    let value = if let Some((digits, radix)) = radix {
        let int = i128::from_str_radix(digits, radix).map_err(|_| out_of_range())?;
        Decimal::try_from_i128_with_scale(int, 0).map_err(|_| out_of_range())?
    } else {
        let lower = unsigned.to_ascii_lowercase();
        let (mantissa, exponent) = match lower.split_once('e') {
            Some((m, e)) => (m.to_string(), e.parse::<i64>().map_err(|_| out_of_range())?),
            None => (lower.clone(), 0),
        };
        let mut mantissa = mantissa;
        if mantissa.starts_with('.') {
            mantissa.insert(0, '0');
        }
        if mantissa.ends_with('.') {
            mantissa.push('0');
        }
        let base = Decimal::from_str_exact(&mantissa).map_err(|_| out_of_range())?;
        scale_by_power_of_ten(base, exponent).ok_or_else(out_of_range)?
    };
    Ok(if negative { -value } else { value })
}

fn scale_by_power_of_ten(base: Decimal, exponent: i64) -> Option<Decimal> {
    if base.is_zero() {
        return Some(Decimal::ZERO);
    }
    if exponent >= 0 {
        let mut value = base;
        for _ in 0..exponent.min(64) {
            value = value.checked_mul(Decimal::TEN)?;
        }
        if exponent > 64 {
            return None;
        }
        Some(value.normalize())
    } else {
        let scale = i64::from(base.scale()) + (-exponent);
        let scale = u32::try_from(scale).ok()?;
        Decimal::try_from_i128_with_scale(base.mantissa(), scale).ok()
    }
}

/// A table cell's number: the same syntax as a YAML number (`1e6` is one,
/// `100_000` and `1,000` are not), read exactly.
pub fn cell_number(text: &str) -> Result<Decimal, NumberError> {
    match number_text(text) {
        Some(number) => parse_decimal(&number),
        None => Err(NumberError::Malformed(text.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Decimal, NumberError> {
        cell_number(text)
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    #[test]
    fn numbers_are_read_exactly_from_their_text() {
        assert_eq!(read("0.035"), Ok(dec("0.035")));
        assert_eq!(read("-12"), Ok(dec("-12")));
        assert_eq!(read("+7"), Ok(dec("7")));
        // 1.5e3 = 1500; 25e-4 = 0.0025 (mantissa 25, scale 4).
        assert_eq!(read("1.5e3"), Ok(dec("1500")));
        assert_eq!(read("25e-4"), Ok(dec("0.0025")));
        // `.5` is 0.5, `3.` is 3.
        assert_eq!(read(".5"), Ok(dec("0.5")));
        assert_eq!(read("3."), Ok(dec("3")));
        // 0x1F = 16 + 15 = 31; 0o17 = 8 + 7 = 15.
        assert_eq!(read("0x1F"), Ok(dec("31")));
        assert_eq!(read("0o17"), Ok(dec("15")));
    }

    #[test]
    fn non_finite_and_out_of_range_numbers_are_refused() {
        assert_eq!(read(".inf"), Err(NumberError::Infinite));
        assert_eq!(read("-.inf"), Err(NumberError::Infinite));
        assert_eq!(read(".inf").unwrap_err().to_string(), "must be a finite number, not infinity");
        assert_eq!(read(".nan").unwrap_err().to_string(), "must be a number, not `.nan`");
        let message = read("1e40").unwrap_err().to_string();
        assert!(message.starts_with("`1e40` is outside the range seqsim reads exactly"), "{message}");
        // 1.2e29 is above the largest Decimal, 2^96 - 1 = 7.92e28.
        assert!(read("123456789012345678901234567890").is_err());
    }

    #[test]
    fn a_cell_takes_the_yaml_number_syntax() {
        // Decimal's own parser would take `1_000`; a YAML number does not.
        assert_eq!(read("1_000"), Err(NumberError::Malformed("1_000".into())));
        assert_eq!(read("1,000").unwrap_err().to_string(), "expected a number, found \"1,000\"");
        assert_eq!(read("lots").unwrap_err().to_string(), "expected a number, found \"lots\"");
        assert_eq!(read("5e").unwrap_err().to_string(), "expected a number, found \"5e\"");
    }

    #[test]
    fn max_amount_is_ten_to_the_fifteenth() {
        // from_parts(lo, mid, ..): 232_830 * 2^32 + 2_764_472_320 = 1e15.
        assert_eq!(MAX_AMOUNT, dec("1000000000000000"));
    }
}
