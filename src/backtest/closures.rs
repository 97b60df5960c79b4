//! Closures: the Sheps Center's list matched to the projected cohort, and
//! the cohort's risk scores ranked against the closures that followed.
//!
//! **Matching** (one rule, stated here and in docs/real-hospitals.md). Names and places
//! are normalised: upper case, apostrophes and periods deleted, `&` read as
//! AND, every other character that is not a letter or digit a space;
//! abbreviations spelled out (MED, CTR, HOSP, MEM, REG, HLTH, SYS, GEN) and
//! SAINT written ST. A name's *words* are what is left after dropping
//! [`GENERIC_WORDS`]; two names *agree* when they share a word, or when
//! neither has one and their normalised forms are equal.
//! 1. A row's `ccn_matched` (a third party's lead) is accepted when the
//!    cohort has a hospital with that CCN in the row's state whose city
//!    equals the row's or whose name agrees with it.
//! 2. Otherwise (no CCN, a CCN not in the cohort, or a lead rejected by
//!    rule 1) the row is matched by name and place: the cohort's hospitals
//!    in the same state and city whose name agrees; one of them, or the one
//!    sharing the most words, is the match; a tie leaves the row unmatched.
//! 3. What is left is unmatched and counted.
//!
//! Rows closing before the base year are not matched (counted only).
//!
//! **Outcomes** for a horizon of `h` years from base year `B`: a hospital
//! matched to a closure (or conversion) dated after its base report's
//! period ended and no later than December of `B + h` is a closure; one
//! whose matched closure came in or before its base report's last month
//! is left out;
//! one with a report in the later release, or whose listed closure came
//! after `B + h`, survived; one with neither (it stopped filing and is not
//! on the list) is neither and is left out, counted. A horizon is scored
//! only when the list and the later release both reach `B + h`.
//!
//! No I/O: the list comes parsed from [`crate::import::sheps`].

use std::collections::BTreeSet;

use super::scores::{auc, auc_difference, rank_classes, Auc, AucDifference};
use super::{Score, ALL};
use crate::calendar::Date;
use crate::import::sheps::Closure;

/// Horizons scored, in years after the base year.
pub const HORIZONS: [i32; 2] = [2, 4];

/// Words that say what a place is rather than which one (dropped from names).
pub const GENERIC_WORDS: [&str; 36] = [
    "A",
    "AND",
    "AREA",
    "AT",
    "CAMPUS",
    "CARE",
    "CENTER",
    "CENTERS",
    "CENTRE",
    "CLINIC",
    "COMMUNITY",
    "COMPANY",
    "CORP",
    "CORPORATION",
    "COUNTY",
    "DISTRICT",
    "FACILITY",
    "GENERAL",
    "HEALTH",
    "HEALTHCARE",
    "HOSPITAL",
    "HOSPITALS",
    "INC",
    "LLC",
    "MEDICAL",
    "MEMORIAL",
    "MUNICIPAL",
    "NETWORK",
    "OF",
    "REGIONAL",
    "SERVICE",
    "SERVICES",
    "ST",
    "SYSTEM",
    "SYSTEMS",
    "THE",
];

/// Abbreviations spelled out before generic words are dropped.
const ABBREVIATIONS: [(&str, &str); 9] = [
    ("MED", "MEDICAL"),
    ("CTR", "CENTER"),
    ("HOSP", "HOSPITAL"),
    ("MEM", "MEMORIAL"),
    ("REG", "REGIONAL"),
    ("HLTH", "HEALTH"),
    ("SYS", "SYSTEM"),
    ("GEN", "GENERAL"),
    ("SAINT", "ST"),
];

/// One hospital of the projected cohort, with what the closure scores need.
#[derive(Clone, Debug, PartialEq)]
pub struct Facility {
    /// CCN.
    pub ccn: String,
    /// Name in the base release.
    pub name: String,
    /// City (empty when the cohort table has none).
    pub city: String,
    /// State.
    pub state: String,
    /// Kind in the projected cohort.
    pub kind: String,
    /// End of the base report's period (the cohort's `fiscal_year_end`).
    pub base_end: Option<Date>,
    /// Whether the later release has a report with its CCN (kept or dropped).
    pub filed_later: bool,
    /// Base-year margin.
    pub base_margin: f64,
    /// Base-year days of cash, `365 cash / costs`.
    pub base_days_cash: f64,
    /// Projected P(distress) in each projected year.
    pub p_distress: Vec<f64>,
    /// Projected P(cash exhausted by) each projected year.
    pub p_exhausted: Vec<f64>,
}

/// How a row of the list was matched, or why not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// By its `ccn_matched`, verified by state and city or name.
    Ccn,
    /// By name, city and state.
    NameAndPlace,
    /// No hospital of the cohort in its state and city with an agreeing name.
    NotInCohort,
    /// Several hospitals agree equally well.
    Ambiguous,
}

impl How {
    /// The id written in tables.
    pub fn id(self) -> &'static str {
        match self {
            How::Ccn => "ccn",
            How::NameAndPlace => "name_and_place",
            How::NotInCohort => "not_in_cohort",
            How::Ambiguous => "ambiguous",
        }
    }
}

/// One row of the list and its match.
#[derive(Clone, Debug, PartialEq)]
pub struct ListMatch {
    /// The row.
    pub closure: Closure,
    /// Index of the matched facility.
    pub facility: Option<usize>,
    /// How.
    pub how: How,
    /// Whether the list's name agrees with the facility's (rule above).
    pub names_agree: bool,
    /// Whether the row's CCN lead named a cohort hospital rule 1 rejected.
    pub lead_rejected: bool,
}

/// Normalised text: upper case, apostrophes and periods deleted, `&` as AND,
/// other characters that are not letters or digits as spaces, abbreviations spelled out.
pub fn normalise(text: &str) -> Vec<String> {
    let mut cleaned = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\'' | '’' | '.' => {}
            '&' => cleaned.push_str(" AND "),
            c if c.is_ascii_alphanumeric() => cleaned.push(c.to_ascii_uppercase()),
            _ => cleaned.push(' '),
        }
    }
    cleaned
        .split_whitespace()
        .map(|w| ABBREVIATIONS.iter().find(|(a, _)| *a == w).map_or(w, |(_, full)| full).to_string())
        .collect()
}

/// The distinctive words of a name (normalised, generic words dropped).
pub fn name_words(name: &str) -> BTreeSet<String> {
    normalise(name).into_iter().filter(|w| !GENERIC_WORDS.contains(&w.as_str())).collect()
}

/// Words two names share (see the module's rule); `None` when they do not agree.
fn agreement(a: &str, b: &str) -> Option<usize> {
    let (wa, wb) = (name_words(a), name_words(b));
    let shared = wa.intersection(&wb).count();
    if shared > 0 {
        Some(shared)
    } else if wa.is_empty() && wb.is_empty() && normalise(a) == normalise(b) {
        Some(0)
    } else {
        None
    }
}

fn same_place(a: &str, b: &str) -> bool {
    let (na, nb) = (normalise(a), normalise(b));
    !na.is_empty() && na == nb
}

/// Matches every row of `closures` to `facilities` by the module's rule.
pub fn match_list(closures: &[Closure], facilities: &[Facility]) -> Vec<ListMatch> {
    closures
        .iter()
        .map(|c| {
            let by_ccn = c.ccn.as_deref().and_then(|ccn| facilities.iter().position(|f| f.ccn == ccn));
            let mut lead_rejected = false;
            if let Some(i) = by_ccn {
                let f = &facilities[i];
                let names_agree = agreement(&c.hospital, &f.name).is_some();
                if f.state == c.state && (same_place(&f.city, &c.city) || names_agree) {
                    return ListMatch {
                        closure: c.clone(),
                        facility: Some(i),
                        how: How::Ccn,
                        names_agree,
                        lead_rejected,
                    };
                }
                lead_rejected = true;
            }
            let candidates: Vec<(usize, usize)> = facilities
                .iter()
                .enumerate()
                .filter(|(_, f)| f.state == c.state && same_place(&f.city, &c.city))
                .filter_map(|(i, f)| agreement(&c.hospital, &f.name).map(|shared| (i, shared)))
                .collect();
            let best = candidates.iter().map(|(_, s)| *s).max();
            let top: Vec<usize> = candidates.iter().filter(|(_, s)| Some(*s) == best).map(|(i, _)| *i).collect();
            let (facility, how) = match top.as_slice() {
                [] => (None, How::NotInCohort),
                [one] => (Some(*one), How::NameAndPlace),
                _ => (None, How::Ambiguous),
            };
            ListMatch { closure: c.clone(), facility, how, names_agree: facility.is_some(), lead_rejected }
        })
        .collect()
}

/// Counts of the list's rows by how they were matched.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Matching {
    /// Rows in the list.
    pub rows: usize,
    /// Rows closing before the base year (not looked at).
    pub before_base_year: usize,
    /// Rows closing in the base year or later: the rows matched.
    pub considered: usize,
    /// Of those, matched by CCN.
    pub by_ccn: usize,
    /// Of those matched by CCN, whose names do not agree (accepted by city).
    pub by_ccn_names_differ: usize,
    /// Matched by name and place.
    pub by_name: usize,
    /// Unmatched.
    pub unmatched: usize,
    /// Rows whose CCN lead rule 1 rejected (matched by name afterwards or not).
    pub leads_rejected: usize,
    /// Matched rows closing before the later release's year whose hospital
    /// still has a report in it (a conversion still filing, or a doubtful match).
    pub still_filing: usize,
}

/// Hospitals in a risk class and how many of them closed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClassRate {
    /// Hospitals in the class.
    pub n: usize,
    /// Of them, closed.
    pub closed: usize,
}

impl ClassRate {
    /// The closure rate; NaN for an empty class.
    pub fn rate(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.closed as f64 / self.n as f64
        }
    }
}

/// One score ranked against closures within a horizon, for one group.
#[derive(Clone, Debug, PartialEq)]
pub struct ClosureLine {
    /// Kind, or [`ALL`].
    pub group: String,
    /// The score.
    pub score: Score,
    /// Hospitals that closed.
    pub closed: usize,
    /// Hospitals that survived.
    pub survived: usize,
    /// The AUC with its DeLong interval.
    pub auc: Option<Auc>,
    /// `AUC - AUC(persistence: base-year margin)` with its paired interval.
    pub versus_persistence: Option<AucDifference>,
    /// Closure rate by quartile of the score (lowest risk first).
    pub quartiles: [ClassRate; 4],
    /// Closure rate in the top decile of the score.
    pub top_decile: ClassRate,
}

impl ClosureLine {
    /// The share of closures that were in the top decile; NaN without closures.
    pub fn top_decile_share(&self) -> f64 {
        if self.closed == 0 {
            f64::NAN
        } else {
            self.top_decile.closed as f64 / self.closed as f64
        }
    }
}

/// The scores of one horizon.
#[derive(Clone, Debug, PartialEq)]
pub struct Horizon {
    /// Years after the base year.
    pub years: i32,
    /// The last calendar year a closure counts in.
    pub end_year: i32,
    /// The projected year whose probabilities are ranked.
    pub risk_year: i32,
    /// Hospitals that closed within the horizon.
    pub closed: usize,
    /// Hospitals that survived it.
    pub survived: usize,
    /// Hospitals that stopped filing and are not on the list: left out.
    pub stopped_filing: usize,
    /// Hospitals whose listed closure came before their base report ended: left out.
    pub closed_before_base: usize,
    /// By group (kinds, then [`ALL`]) and score.
    pub lines: Vec<ClosureLine>,
}

/// A horizon that could not be scored, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unscored {
    /// Years after the base year.
    pub years: i32,
    /// Why, for people.
    pub why: String,
}

/// Everything the closure scoring found.
#[derive(Clone, Debug, PartialEq)]
pub struct ClosureScores {
    /// The base year.
    pub base_year: i32,
    /// The list's last closure year.
    pub list_last_year: i32,
    /// How the list's rows were matched.
    pub matching: Matching,
    /// The rows closing in the base year or later, with their matches.
    pub matches: Vec<ListMatch>,
    /// Scored horizons.
    pub horizons: Vec<Horizon>,
    /// Horizons not scored.
    pub unscored: Vec<Unscored>,
}

/// What happened to a facility within a horizon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    Closed,
    Survived,
    StoppedFiling,
    ClosedBeforeBase,
}

/// Whether a closure in `year`-`month` came after the period ending `end`
/// (a closure in the period's last month counts as during it).
fn after(year: i32, month: u32, end: Option<Date>) -> bool {
    end.is_none_or(|e| (year, month) > (e.year(), e.month()))
}

fn fate(facility: &Facility, closures: &[&Closure], end_year: i32) -> Fate {
    let after_base: Vec<&&Closure> = closures.iter().filter(|c| after(c.year, c.month, facility.base_end)).collect();
    match after_base.iter().map(|c| c.year).min() {
        Some(year) if year <= end_year => Fate::Closed,
        Some(_) => Fate::Survived,
        None if !closures.is_empty() => Fate::ClosedBeforeBase,
        None if facility.filed_later => Fate::Survived,
        None => Fate::StoppedFiling,
    }
}

/// The scores of `facilities` against `list`: the cohort's base year is
/// `base_year`, the later release describes `later_year`; `kinds` orders the groups.
pub fn score(
    facilities: &[Facility],
    kinds: &[String],
    list: &[Closure],
    base_year: i32,
    later_year: i32,
    start_year: i32,
) -> ClosureScores {
    let list_last_year = list.iter().map(|c| c.year).max().unwrap_or(base_year);
    // Rows closing before the base year are not matched: a hospital that
    // files a base report after such a row (reopened, or a wrong lead) is
    // scored like any other.
    let considered: Vec<Closure> = list.iter().filter(|c| c.year >= base_year).cloned().collect();
    let matches = match_list(&considered, facilities);
    let mut matching = Matching {
        rows: list.len(),
        before_base_year: list.len() - matches.len(),
        considered: matches.len(),
        ..Matching::default()
    };
    for m in &matches {
        match m.how {
            How::Ccn => {
                matching.by_ccn += 1;
                matching.by_ccn_names_differ += usize::from(!m.names_agree);
            }
            How::NameAndPlace => matching.by_name += 1,
            How::NotInCohort | How::Ambiguous => matching.unmatched += 1,
        }
        matching.leads_rejected += usize::from(m.lead_rejected);
        let filed_after = m.closure.year < later_year && m.facility.is_some_and(|i| facilities[i].filed_later);
        matching.still_filing += usize::from(filed_after);
    }
    let mut listed: Vec<Vec<&Closure>> = vec![Vec::new(); facilities.len()];
    for m in &matches {
        if let Some(i) = m.facility {
            listed[i].push(&m.closure);
        }
    }
    let mut horizons = Vec::new();
    let mut unscored = Vec::new();
    for years in HORIZONS {
        let end_year = base_year + years;
        if end_year > list_last_year {
            unscored
                .push(Unscored { years, why: format!("the closure list ends in {list_last_year}, before {end_year}") });
            continue;
        }
        if end_year > later_year {
            unscored.push(Unscored {
                years,
                why: format!(
                    "the later release describes {later_year}: whether a hospital still filed in {end_year} is not known"
                ),
            });
            continue;
        }
        let t = (end_year - start_year).max(0) as usize;
        let fates: Vec<Fate> = facilities.iter().zip(&listed).map(|(f, c)| fate(f, c, end_year)).collect();
        let count = |which: Fate| fates.iter().filter(|f| **f == which).count();
        let lines = horizon_lines(facilities, &fates, kinds, t);
        horizons.push(Horizon {
            years,
            end_year,
            risk_year: start_year + t as i32,
            closed: count(Fate::Closed),
            survived: count(Fate::Survived),
            stopped_filing: count(Fate::StoppedFiling),
            closed_before_base: count(Fate::ClosedBeforeBase),
            lines,
        });
    }
    ClosureScores { base_year, list_last_year, matching, matches, horizons, unscored }
}

/// The scores ranked against closures: seqsim's P(cash exhausted) and
/// P(distress) in year `t`, and persistence's base-year margin and days of
/// cash (lower = riskier).
pub const CLOSURE_SCORES: [Score; 4] =
    [Score::PExhausted, Score::PDistress, Score::PersistenceMargin, Score::PersistenceDaysCash];

fn value(f: &Facility, score: Score, t: usize) -> f64 {
    match score {
        Score::PExhausted => f.p_exhausted.get(t).copied().unwrap_or(f64::NAN),
        Score::PDistress => f.p_distress.get(t).copied().unwrap_or(f64::NAN),
        Score::PNegative => f64::NAN,
        Score::PersistenceMargin => -f.base_margin,
        Score::PersistenceDaysCash => -f.base_days_cash,
    }
}

fn horizon_lines(facilities: &[Facility], fates: &[Fate], kinds: &[String], t: usize) -> Vec<ClosureLine> {
    let groups: Vec<&str> = kinds.iter().map(String::as_str).chain([ALL]).collect();
    let mut lines = Vec::new();
    for group in groups {
        let members: Vec<usize> = (0..facilities.len())
            .filter(|&i| group == ALL || facilities[i].kind == group)
            .filter(|&i| matches!(fates[i], Fate::Closed | Fate::Survived))
            .collect();
        let outcomes: Vec<bool> = members.iter().map(|&i| fates[i] == Fate::Closed).collect();
        let persistence: Vec<f64> =
            members.iter().map(|&i| value(&facilities[i], Score::PersistenceMargin, t)).collect();
        for score in CLOSURE_SCORES {
            let values: Vec<f64> = members.iter().map(|&i| value(&facilities[i], score, t)).collect();
            lines.push(closure_line(group, score, &values, &outcomes, &persistence));
        }
    }
    lines
}

fn class_rates<const K: usize>(values: &[f64], outcomes: &[bool]) -> [ClassRate; K] {
    let mut rates = [ClassRate::default(); K];
    for (class, closed) in rank_classes(values, K).into_iter().zip(outcomes) {
        if let Some(c) = class {
            rates[c].n += 1;
            rates[c].closed += usize::from(*closed);
        }
    }
    rates
}

/// One line: AUC, its difference from persistence, quartile and top-decile rates.
pub fn closure_line(group: &str, score: Score, values: &[f64], outcomes: &[bool], persistence: &[f64]) -> ClosureLine {
    let deciles: [ClassRate; 10] = class_rates(values, outcomes);
    let versus_persistence =
        if score == Score::PersistenceMargin { None } else { auc_difference(values, persistence, outcomes) };
    ClosureLine {
        group: group.to_string(),
        score,
        closed: outcomes.iter().filter(|o| **o).count(),
        survived: outcomes.iter().filter(|o| !**o).count(),
        auc: auc(values, outcomes),
        versus_persistence,
        quartiles: class_rates(values, outcomes),
        top_decile: deciles[9],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::sheps;

    fn facility(ccn: &str, name: &str, city: &str, state: &str) -> Facility {
        Facility {
            ccn: ccn.into(),
            name: name.into(),
            city: city.into(),
            state: state.into(),
            kind: "critical_access_hospital".into(),
            base_end: Date::new(2017, 12, 31),
            filed_later: true,
            base_margin: 0.0,
            base_days_cash: 30.0,
            p_distress: vec![0.5, 0.5],
            p_exhausted: vec![0.1, 0.1],
        }
    }

    fn closure(hospital: &str, city: &str, state: &str, year: i32, month: u32, ccn: Option<&str>) -> Closure {
        Closure {
            row: 2,
            hospital: hospital.into(),
            city: city.into(),
            state: state.into(),
            year,
            month,
            converted: false,
            ccn: ccn.map(String::from),
            medicare_payment: String::new(),
        }
    }

    #[test]
    fn names_are_normalised_to_their_distinctive_words() {
        assert_eq!(normalise("St. Mary's Hosp & Med Ctr"), ["ST", "MARYS", "HOSPITAL", "AND", "MEDICAL", "CENTER"]);
        assert_eq!(name_words("Sandhills Regional Med Ctr"), BTreeSet::from(["SANDHILLS".to_string()]));
        assert_eq!(name_words("SANDHILLS REGIONAL MEDICAL CENTER"), BTreeSet::from(["SANDHILLS".to_string()]));
        assert_eq!(name_words("Saint Luke's Cushing Hospital"), BTreeSet::from(["LUKES".into(), "CUSHING".into()]));
        // Regional General Hospital has no distinctive word: equal forms agree.
        assert_eq!(agreement("Regional General Hospital", "REGIONAL GENERAL HOSPITAL"), Some(0));
        assert_eq!(agreement("Regional General Hospital", "GENERAL HOSPITAL"), None);
        assert_eq!(agreement("MercyOne Oakland Medical Center", "OAKLAND MERCY"), Some(1));
        assert_eq!(agreement("Black River Community Medical Center", "POPLAR BLUFF REGIONAL MEDICAL CENTER"), None);
        assert!(same_place("St. Marys", "SAINT MARYS"));
        assert!(!same_place("", ""));
    }

    #[test]
    fn a_ccn_lead_is_accepted_in_its_state_by_city_or_name() {
        let cohort = [
            facility("021303", "SITKA COMMUNITY HOSPITAL", "SITKA", "AK"),
            facility("260119", "POPLAR BLUFF REGIONAL MEDICAL CENTER", "POPLAR BLUFF", "MO"),
            facility("421302", "FAIRFIELD MEMORIAL HOSPITAL", "WINSBORO", "SC"),
            facility("440025", "LAUGHLIN MEMORIAL HOSPITAL", "GREENEVILLE", "TN"),
            facility("999999", "ELSEWHERE HOSPITAL", "ELSEWHERE", "TX"),
        ];
        let list = [
            closure("Sitka Community Hospital", "Sitka", "AK", 2019, 7, Some("021303")),
            // City agrees, name does not: accepted, flagged.
            closure("Black River Community Medical Center", "POPLAR BLUFF", "MO", 2019, 8, Some("260119")),
            // The list spells the city Winnsboro, the reports WINSBORO: the name agrees.
            closure("Fairfield Memorial Hospital", "Winnsboro", "SC", 2018, 12, Some("421302")),
            // The lead is in another state: rejected, and no hospital of that name in Dallas, GA.
            closure("Elsewhere Hospital", "Dallas", "GA", 2019, 1, Some("999999")),
        ];
        let m = match_list(&list, &cohort);
        assert_eq!((m[0].how, m[0].facility, m[0].names_agree), (How::Ccn, Some(0), true));
        assert_eq!((m[1].how, m[1].facility, m[1].names_agree), (How::Ccn, Some(1), false));
        assert_eq!((m[2].how, m[2].facility), (How::Ccn, Some(2)));
        assert_eq!((m[3].how, m[3].facility, m[3].lead_rejected), (How::NotInCohort, None, true));
    }

    #[test]
    fn without_a_usable_ccn_the_name_and_place_decide() {
        let cohort = [
            facility("441319", "CUMBERLAND RIVER HOSPITAL", "CELINA", "TN"),
            facility("100322", "REGIONAL GENERAL HOSPITAL", "WILLISTON", "FL"),
            facility("490001", "NORTON COMMUNITY HOSPITAL  INC", "NORTON", "VA"),
            facility("170001", "ST MARYS EAST", "ST MARYS", "KS"),
            facility("170002", "ST MARYS WEST", "ST MARYS", "KS"),
        ];
        let list = [
            // Listed CCN 440141; the 2017 reports file under 441319 (a CAH since).
            closure("Cumberland River Hospital", "Celina", "TN", 2020, 8, Some("440141")),
            closure("Regional General Hospital", "Williston", "FL", 2019, 6, Some("100139")),
            // Same city, no shared word: not this hospital.
            closure("Mountain View Regional Hospital", "Norton", "VA", 2020, 1, Some("490027")),
            // Two hospitals share MARYS equally: ambiguous.
            closure("Community HealthCare System - St. Marys", "St. Marys", "KS", 2021, 6, None),
        ];
        let m = match_list(&list, &cohort);
        assert_eq!((m[0].how, m[0].facility, m[0].lead_rejected), (How::NameAndPlace, Some(0), false));
        assert_eq!((m[1].how, m[1].facility), (How::NameAndPlace, Some(1)));
        assert_eq!((m[2].how, m[2].facility), (How::NotInCohort, None));
        assert_eq!((m[3].how, m[3].facility), (How::Ambiguous, None));
    }

    #[test]
    fn the_committed_excerpt_matches_as_its_readme_says() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sheps/rural_closures_excerpt.csv");
        let list = sheps::read(&file).unwrap();
        // The 2017 cohort's rows for the excerpt's hospitals (names, cities as filed).
        let cohort = [
            facility("281321", "OAKLAND MERCY", "OAKLAND", "NE"),
            facility("440040", "PERRY COMMUNITY HOSPITAL", "LINDEN", "TN"),
            facility("441319", "CUMBERLAND RIVER HOSPITAL", "CELINA", "TN"),
            facility("170009", "SAINT JOHN HOSPITAL", "LEAVENWORTH", "KS"),
            facility("260119", "POPLAR BLUFF REGIONAL MEDICAL CENTER", "POPLAR BLUFF", "MO"),
            facility("021303", "SITKA COMMUNITY HOSPITAL", "SITKA", "AK"),
            facility("100322", "REGIONAL GENERAL HOSPITAL", "WILLISTON", "FL"),
            facility("440025", "LAUGHLIN MEMORIAL HOSPITAL", "GREENEVILLE", "TN"),
            facility("171320", "CAH ACQUISITION COMPANY #3  LLC", "HORTON", "KS"),
            facility("010047", "GEORGIANA HOSPITAL", "GEORGIANA", "AL"),
            facility("421302", "FAIRFIELD MEMORIAL HOSPITAL", "WINSBORO", "SC"),
            facility("341302", "OUR COMMUNITY HOSPITAL", "SCOTLAND NECK", "NC"),
            facility("340106", "SANDHILLS REGIONAL MEDICAL CENTER", "HAMLET", "NC"),
        ];
        let m = match_list(&list.closures, &cohort);
        let how: Vec<&str> = m.iter().map(|m| m.how.id()).collect();
        // St. Marys KS, Marlboro Park and Pike County have no CCN and no
        // hospital of theirs in this cohort; Cumberland River and Regional
        // General are found by name; the other eleven by their CCN.
        assert_eq!(
            how,
            [
                "ccn",
                "not_in_cohort",
                "ccn",
                "name_and_place",
                "ccn",
                "ccn",
                "ccn",
                "name_and_place",
                "ccn",
                "ccn",
                "ccn",
                "ccn",
                "ccn",
                "ccn",
                "not_in_cohort",
                "not_in_cohort"
            ]
        );
        // Accepted on the city alone (names share no word): Saint Luke's
        // Cushing (Saint John), Black River (Poplar Bluff), Takoma (Laughlin), Horton (CAH Acquisition).
        let differ: Vec<&str> = m
            .iter()
            .filter(|m| m.how == How::Ccn && !m.names_agree)
            .map(|m| m.closure.ccn.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(differ, ["170009", "260119", "440025", "171320"]);
    }

    #[test]
    fn fates_follow_the_base_period_the_window_and_filing() {
        let mut f = facility("010001", "A", "X", "AL");
        f.base_end = Date::new(2018, 6, 30);
        let c = |year, month| closure("A", "X", "AL", year, month, Some("010001"));
        // June 2018 is the base period's last month: during it, so left out.
        assert_eq!(fate(&f, &[&c(2018, 6)], 2019), Fate::ClosedBeforeBase);
        assert_eq!(fate(&f, &[&c(2018, 7)], 2019), Fate::Closed);
        assert_eq!(fate(&f, &[&c(2019, 12)], 2019), Fate::Closed);
        assert_eq!(fate(&f, &[&c(2020, 1)], 2019), Fate::Survived);
        assert_eq!(fate(&f, &[], 2019), Fate::Survived);
        f.filed_later = false;
        assert_eq!(fate(&f, &[], 2019), Fate::StoppedFiling);
        assert_eq!(fate(&f, &[&c(2020, 1)], 2019), Fate::Survived, "on the list after the window: open through it");
    }

    #[test]
    fn classes_and_auc_of_a_closure_line() {
        // Ten hospitals, risk 1..10, the two riskiest closed: AUC 1; the top
        // decile (rank 9 alone) holds one of them, half the closures.
        let values: Vec<f64> = (1..=10).map(f64::from).collect();
        let outcomes: Vec<bool> = (1..=10).map(|i| i > 8).collect();
        let persistence: Vec<f64> = values.iter().map(|v| -v).collect();
        let line = closure_line(ALL, Score::PExhausted, &values, &outcomes, &persistence);
        assert_eq!(line.auc.unwrap().auc, 1.0);
        // Ranks 0..9 in quartiles: class floor(4 * 2r / 20) = floor(2r / 5): 0,0,0,1,1,2,2,2,3,3.
        assert_eq!(line.quartiles.map(|q| (q.n, q.closed)), [(3, 0), (2, 0), (3, 0), (2, 2)]);
        assert_eq!((line.top_decile.n, line.top_decile.closed), (1, 1));
        assert_eq!(line.top_decile_share(), 0.5);
        // Against persistence, ranked exactly backwards (AUC 0): a difference of 1.
        assert_eq!(line.versus_persistence.unwrap().difference, 1.0);
        let own = closure_line(ALL, Score::PersistenceMargin, &persistence, &outcomes, &persistence);
        assert_eq!((own.auc.unwrap().auc, own.versus_persistence), (0.0, None));
    }
}
