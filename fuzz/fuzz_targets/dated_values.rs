//! Fuzzes dated-value resolution (MODEL.md §1): arbitrary levels of dated
//! keys and values, applied with the replacement rule, then day-weighted
//! over a span of years. Checks that no year loses or gains a day.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;
use seqsim::calendar::{days_in_year, Date};
use seqsim::policy::Schedule;
use seqsim::scenario::{LeverInput, LeverValue};

fuzz_target!(|data: &[u8]| {
    let mut schedule = Schedule::constant(LeverValue::Rate(Decimal::ZERO));
    for level in data.chunks(64) {
        let mut keys: Vec<(Date, LeverValue)> = Vec::new();
        for key in level.chunks_exact(8) {
            let year = 1990 + i32::from(u16::from_le_bytes([key[0], key[1]]) % 200);
            let (month, day) = (u32::from(key[2] % 13), u32::from(key[3] % 32));
            let Some(date) = Date::new(year, month, day) else { continue };
            let raw = i32::from_le_bytes([key[4], key[5], key[6], key[7]]);
            let value = if raw % 7 == 0 {
                LeverValue::Mei { offset: Decimal::new(i64::from(raw / 7), 6) }
            } else {
                LeverValue::Rate(Decimal::new(i64::from(raw), 6))
            };
            if !keys.iter().any(|(d, _)| *d == date) {
                keys.push((date, value));
            }
        }
        keys.sort_by_key(|(d, _)| *d);
        if keys.is_empty() {
            if let Some(&b) = level.first() {
                schedule.apply(&LeverInput::Scalar(LeverValue::Rate(Decimal::new(i64::from(b), 3))));
            }
        } else {
            schedule.apply(&LeverInput::Dated(keys));
        }
    }
    for year in 1990..2200 {
        let value = schedule.year(year);
        assert_eq!(value.days(), days_in_year(year));
        let _ = value.weighted(Decimal::new(28, 3));
        let _ = value.linear();
    }
});
