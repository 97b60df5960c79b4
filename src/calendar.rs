//! Civil calendar arithmetic for dated policy levers (MODEL.md §1 "Dated values").
//!
//! Proleptic Gregorian dates as a day number, with no time zone and no
//! external crate: the only operations the model needs are "parse an ISO date",
//! "first day of a year" and "days between two dates".

use std::fmt;

/// A calendar day (proleptic Gregorian), ordered by time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// The date `year-month-day`, or `None` if no such day exists.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// A date written in the code as a constant (`Date::new` checks one read
    /// from input); the day must exist, which the caller's tests show.
    pub const fn from_ymd_const(year: i32, month: u32, day: u32) -> Date {
        Date { year, month, day }
    }

    /// January 1st of `year`: the day a bare year key names (MODEL.md §1).
    pub fn first_of_year(year: i32) -> Date {
        Date { year, month: 1, day: 1 }
    }

    /// Parses `YYYY-MM-DD` (exactly four year digits, two month and two day digits).
    pub fn parse_iso(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = text.get(range)?;
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let year = i32::try_from(digits(0..4)?).ok()?;
        Date::new(year, digits(5..7)?, digits(8..10)?)
    }

    /// The calendar year of this date.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month of this date, 1-12.
    pub fn month(self) -> u32 {
        self.month
    }

    /// Days since 1970-01-01 (negative before), by Howard Hinnant's `days_from_civil`.
    pub fn day_number(self) -> i64 {
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
pub fn date_from_day_number(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (year_of_era + era * 400 + i64::from(month <= 2)) as i32;
    Date { year, month, day }
}

/// A UTC timestamp `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch.
pub fn utc_timestamp(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    format!("{}T{:02}:{:02}:{:02}Z", date_from_day_number(days), rest / 3600, rest % 3600 / 60, rest % 60)
}

/// Whether `year` has a February 29th.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// 365 or 366: the denominator of MODEL.md §1's day-weighted annual value.
pub fn days_in_year(year: i32) -> i64 {
    if is_leap_year(year) {
        366
    } else {
        365
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_and_rejects_impossible_dates() {
        assert_eq!(Date::parse_iso("2022-04-01"), Date::new(2022, 4, 1));
        assert_eq!(Date::parse_iso("2024-02-29"), Date::new(2024, 2, 29));
        assert_eq!(Date::parse_iso("2023-02-29"), None);
        assert_eq!(Date::parse_iso("2022-13-01"), None);
        assert_eq!(Date::parse_iso("2022-4-01"), None);
        assert_eq!(Date::parse_iso("2022-04-00"), None);
        assert_eq!(Date::parse_iso("+022-04-01"), None);
    }

    #[test]
    fn day_numbers_count_days() {
        assert_eq!(Date::first_of_year(1970).day_number(), 0);
        // 2022-04-01 minus 2022-01-01: 31 + 28 + 31 = 90 days.
        let q2 = Date::new(2022, 4, 1).unwrap().day_number();
        assert_eq!(q2 - Date::first_of_year(2022).day_number(), 90);
        assert_eq!(Date::first_of_year(2025).day_number() - Date::first_of_year(2024).day_number(), 366);
        assert_eq!(days_in_year(2100), 365);
        assert_eq!(days_in_year(2000), 366);
    }

    #[test]
    fn day_numbers_round_trip() {
        for days in [-800_000, -1, 0, 59, 19_000, 20_784, 2_932_896] {
            assert_eq!(date_from_day_number(days).day_number(), days);
        }
        // (2026-11-27 - 1970-01-01) = 20,784 days; 20,784 * 86,400 = 1,795,737,600 s.
        assert_eq!(utc_timestamp(1_795_737_600), "2026-11-27T00:00:00Z");
        assert_eq!(utc_timestamp(1_795_737_600 + 3_723), "2026-11-27T01:02:03Z");
    }
}
