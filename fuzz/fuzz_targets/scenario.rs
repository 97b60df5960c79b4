//! Fuzzes scenario parsing and validation, then policy resolution and the
//! exact ledger of whatever validates: none of them may panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (scenario, _diagnostics) = seqsim::scenario::parse_str(text);
    if let Some(scenario) = scenario {
        if scenario.practices.len() * scenario.policies.len() * scenario.years as usize > 10_000 {
            return;
        }
        let resolution = seqsim::policy::resolve(&scenario);
        let _ = seqsim::ledger::ledger(&scenario, &resolution);
    }
});
