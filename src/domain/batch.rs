//! R6.2, R6.3 Verification batches: who submits them, when, how many per year, which office
//! handles each applicant, and the triage of the applicants (accept, return, refuse).

use chrono::NaiveDate;

use super::Person;
use super::person::vocabulary;
use super::policy::YearPolicy;
use super::routing::offices_for;
use super::verification::Verification;
use crate::i18n::{Describe, Lang};

vocabulary! {
    /// R6.2, R6.3 Who submits a batch of applicants for verification.
    DepartmentKind {
        Competent => "competent", "省直主管部门", "competent department" | "主管部门" | "省直单位主管部门";
        City => "city", "市州单位", "city unit" | "市州所属单位";
        Agency => "agency", "人力资源服务机构", "HR service agency" | "公共人力资源服务机构" | "人才服务机构";
        Central => "central", "中央在湘单位", "central unit" | "中央在湘";
    }
}

impl DepartmentKind {
    /// R6.3 Provincial competent departments and central units submit one consolidated batch a
    /// year, in the window, to the provincial office; the notice sets no such rule for the others.
    pub fn consolidated(self) -> bool {
        matches!(self, DepartmentKind::Competent | DepartmentKind::Central)
    }
}

vocabulary! {
    /// Where an applicant of a batch stands.
    ApplicantState {
        Undecided => "undecided", "待定", "undecided";
        Accepted => "accepted", "通过", "accepted";
        Returned => "returned", "退回", "returned";
        Refused => "refused", "不予通过", "refused";
    }
}

vocabulary! {
    /// R6.1, R5.3 The outcome of an applicant's verification.
    Verdict {
        Pass => "pass", "合格", "passing";
        Short => "short", "不足", "short";
        Blocked => "blocked", "冻结", "blocked";
    }
}

impl Verdict {
    /// R5.3 before R6.1: a block makes the verdict whatever the hours.
    pub fn of(v: &Verification) -> Verdict {
        if v.blocked {
            Verdict::Blocked
        } else if v.pass() {
            Verdict::Pass
        } else {
            Verdict::Short
        }
    }
}

/// Why a new batch is not accepted as it stands. Each can be overridden with a recorded reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchProblem {
    /// R6.3 Submitted outside the year's window.
    OutsideWindow {
        year: i32,
        start: (u32, u32),
        end: (u32, u32),
    },
    /// R6.3 The department already submitted a batch this year.
    SecondBatch { existing: usize },
}

impl BatchProblem {
    /// The override that lifts this problem.
    pub fn is_window(&self) -> bool {
        matches!(self, BatchProblem::OutsideWindow { .. })
    }
}

impl Describe for BatchProblem {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (BatchProblem::OutsideWindow { year, start, end }, Lang::Zh) => format!(
                "不在{year}年的报送时间（{}月{}日至{}月{}日）内（R6.3），如确需受理请填写理由",
                start.0, start.1, end.0, end.1
            ),
            (BatchProblem::OutsideWindow { year, start, end }, Lang::En) => format!(
                "outside the {year} submission window ({:02}-{:02} to {:02}-{:02}, R6.3): give a reason to accept it anyway",
                start.0, start.1, end.0, end.1
            ),
            (BatchProblem::SecondBatch { existing }, Lang::Zh) => format!(
                "该部门本年度已报送 {existing} 批，应一次集中报送（R6.3），如确需再受理请填写理由"
            ),
            (BatchProblem::SecondBatch { existing }, Lang::En) => format!(
                "this department already submitted {existing} batch(es) this year and must submit one consolidated batch (R6.3): give a reason to accept another"
            ),
        }
    }
}

/// R6.3 May a batch of `kind` for `policy.year` be created on `today`, given `existing` batches
/// of the same department and year? A problem is lifted by a non-empty override reason:
/// `window_reason` for the window, `batch_reason` for the one-batch rule.
pub fn check_new_batch(
    kind: DepartmentKind,
    policy: &YearPolicy,
    today: NaiveDate,
    existing: usize,
    window_reason: &str,
    batch_reason: &str,
) -> Result<(), Vec<BatchProblem>> {
    if !kind.consolidated() {
        return Ok(());
    }
    let mut problems = Vec::new();
    if !policy.in_window(today) && window_reason.trim().is_empty() {
        problems.push(BatchProblem::OutsideWindow {
            year: policy.year,
            start: policy.window_start,
            end: policy.window_end,
        });
    }
    if existing > 0 && batch_reason.trim().is_empty() {
        problems.push(BatchProblem::SecondBatch { existing });
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// R6.2 Which office handles an applicant, seen from the office that handles the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// This office verifies the applicant.
    Here,
    /// Another office does (GB/T 2260 codes): the applicant is flagged.
    Elsewhere(Vec<String>),
}

/// R6.2 Route `person` for a batch handled by `office` (a GB/T 2260 code).
pub fn route(person: &Person, office: &str) -> Route {
    let offices = offices_for(person);
    if offices.iter().any(|o| o == office) {
        Route::Here
    } else {
        Route::Elsewhere(offices)
    }
}

/// A triage decision on an applicant of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// R6.1 The verification passes and this office handles the applicant: a certificate may be
    /// issued (R7.3).
    Accept,
    /// Back to the department: short years (the shortfall goes with it), or another office
    /// handles the applicant (R6.2). The reason is optional.
    Return { reason: String },
    /// R5.3 Blocked by a falsification finding: refused, with a reason.
    Refuse { reason: String },
}

impl Decision {
    pub fn target(&self) -> ApplicantState {
        match self {
            Decision::Accept => ApplicantState::Accepted,
            Decision::Return { .. } => ApplicantState::Returned,
            Decision::Refuse { .. } => ApplicantState::Refused,
        }
    }

    pub fn action(&self) -> &'static str {
        match self {
            Decision::Accept => "applicant.accept",
            Decision::Return { .. } => "applicant.return",
            Decision::Refuse { .. } => "applicant.refuse",
        }
    }

    pub fn reason(&self) -> &str {
        match self {
            Decision::Accept => "",
            Decision::Return { reason } | Decision::Refuse { reason } => reason,
        }
    }

    pub fn label(&self, lang: Lang) -> &'static str {
        match self {
            Decision::Accept => lang.pick("通过", "accept"),
            Decision::Return { .. } => lang.pick("退回", "return"),
            Decision::Refuse { .. } => lang.pick("不予通过", "refuse"),
        }
    }
}

/// Why a decision does not apply to an applicant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionError {
    /// Only undecided applicants are decided; undo a decision to change it.
    AlreadyDecided(ApplicantState),
    /// Accept needs a passing verification.
    NotPassing(Verdict),
    /// R6.2 Accept needs this office to handle the applicant.
    Elsewhere(Vec<String>),
    /// Return is for short years or another office; a passing applicant is accepted.
    Passes,
    /// R5.3 A blocked applicant is refused, not returned.
    Blocked,
    /// Refuse is for blocked applicants.
    NotBlocked(Verdict),
    ReasonRequired,
}

impl Describe for DecisionError {
    fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (DecisionError::AlreadyDecided(s), Lang::Zh) => {
                format!("已是“{}”，如需改变请先撤销（u）", s.zh())
            }
            (DecisionError::AlreadyDecided(s), Lang::En) => {
                format!("already {}: undo (u) to change it", s.code())
            }
            (DecisionError::NotPassing(v), Lang::Zh) => {
                format!("验证结果为“{}”，不能通过（R6.1）", v.zh())
            }
            (DecisionError::NotPassing(v), Lang::En) => {
                format!("the applicant is {}: cannot accept (R6.1)", v.label(lang))
            }
            (DecisionError::Elsewhere(o), Lang::Zh) => {
                format!("按R6.2应由{}验证，请退回", o.join("或"))
            }
            (DecisionError::Elsewhere(o), Lang::En) => {
                format!("verified by {} under R6.2: return it", o.join(" or "))
            }
            (DecisionError::Passes, Lang::Zh) => "验证合格，应予通过而非退回".into(),
            (DecisionError::Passes, Lang::En) => "passes: accept rather than return".into(),
            (DecisionError::Blocked, Lang::Zh) => {
                "有未解除的弄虚作假记录，应不予通过（R5.3）".into()
            }
            (DecisionError::Blocked, Lang::En) => {
                "blocked by a falsification finding: refuse it (R5.3)".into()
            }
            (DecisionError::NotBlocked(v), Lang::Zh) => {
                format!("验证结果为“{}”，不予通过只用于冻结人员", v.zh())
            }
            (DecisionError::NotBlocked(v), Lang::En) => {
                format!(
                    "the applicant is {}: refuse is for blocked applicants",
                    v.label(lang)
                )
            }
            (DecisionError::ReasonRequired, Lang::Zh) => "请填写理由".into(),
            (DecisionError::ReasonRequired, Lang::En) => "a reason is required".into(),
        }
    }
}

/// May `decision` apply to an applicant in `state` whose verification is `verdict` and whose
/// route from the batch's office is `route`?
pub fn can_decide(
    decision: &Decision,
    state: ApplicantState,
    verdict: Verdict,
    route: &Route,
) -> Result<(), DecisionError> {
    if state != ApplicantState::Undecided {
        return Err(DecisionError::AlreadyDecided(state));
    }
    match decision {
        Decision::Accept => {
            if verdict != Verdict::Pass {
                return Err(DecisionError::NotPassing(verdict));
            }
            if let Route::Elsewhere(o) = route {
                return Err(DecisionError::Elsewhere(o.clone()));
            }
            Ok(())
        }
        Decision::Return { .. } => match (verdict, route) {
            (Verdict::Blocked, _) => Err(DecisionError::Blocked),
            (Verdict::Pass, Route::Here) => Err(DecisionError::Passes),
            _ => Ok(()),
        },
        Decision::Refuse { reason } => {
            if verdict != Verdict::Blocked {
                return Err(DecisionError::NotBlocked(verdict));
            }
            if reason.trim().is_empty() {
                return Err(DecisionError::ReasonRequired);
            }
            Ok(())
        }
    }
}

/// R6.4 What a returned applicant lacks, year by year, in the clerk's language; with the office
/// that should verify when it is not this one (R6.2).
pub fn shortfall_text(
    v: &Verification,
    route: &Route,
    office_names: &[String],
    lang: Lang,
) -> String {
    let mut parts: Vec<String> = v
        .years
        .iter()
        .filter(|y| !y.pass())
        .map(|y| {
            let why: Vec<String> = y.shortfalls.iter().map(|s| s.explain(y, lang)).collect();
            year_part(y.year, &why, lang)
        })
        .collect();
    if let Route::Elsewhere(_) = route {
        parts.push(route_part(office_names, lang));
    }
    parts.join(lang.pick("；", "; "))
}

/// One short year of [`shortfall_text`]: the year, then what it lacks.
fn year_part(year: i32, why: &[String], lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("{year}年{}", why.join("，")),
        Lang::En => format!("{year}: {}", why.join(", ")),
    }
}

/// The office that verifies instead (R6.2), as [`shortfall_text`] ends.
fn route_part<S: AsRef<str>>(office_names: &[S], lang: Lang) -> String {
    let names: Vec<&str> = office_names.iter().map(AsRef::as_ref).collect();
    match lang {
        Lang::Zh => format!("按R6.2应由{}验证", names.join("或")),
        Lang::En => format!("verified by {} under R6.2", names.join(" or ")),
    }
}

/// R6.4 A return's reason as recorded — [`shortfall_text`] in Chinese, the language of the
/// record and of the notice — in `lang`: each part is said again with the same words (R2.1's
/// through [`crate::domain::verification::Shortfall::words`]); a part in another wording (typed
/// by a clerk, or older) stays as recorded.
pub fn shortfall_in(recorded: &str, lang: Lang) -> String {
    if lang == Lang::Zh {
        return recorded.to_string();
    }
    recorded
        .split('；')
        .map(|part| reword(part, lang).unwrap_or_else(|| part.to_string()))
        .collect::<Vec<_>>()
        .join(lang.pick("；", "; "))
}

/// One part of a recorded [`shortfall_text`] in `lang`; `None` when it is not one it writes.
fn reword(part: &str, lang: Lang) -> Option<String> {
    use crate::domain::verification::Shortfall;
    if let Some(names) = part
        .strip_prefix("按R6.2应由")
        .and_then(|rest| rest.strip_suffix("验证"))
    {
        let names: Vec<&str> = names.split('或').collect();
        return Some(route_part(&names, lang));
    }
    let (year, rest) = part.split_once('年')?;
    let year: i32 = year.parse().ok()?;
    let why = rest
        .split('，')
        .map(|w| {
            let (what, numbers) = w.split_once("不足：")?;
            let (have, need) = numbers.strip_suffix("（R2.1）")?.split_once(" < ")?;
            let shortfall = match what {
                "公需科目" => Shortfall::Public,
                "专业科目" => Shortfall::Professional,
                "合计" => Shortfall::Total,
                _ => return None,
            };
            Some(shortfall.words(have, need, lang))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(year_part(year, &why, lang))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::form::Category;
    use crate::domain::hours::Hours;
    use crate::domain::verification::{CountedHours, verify};
    use crate::domain::{IdNumber, UnitKind};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2017, m, d).unwrap()
    }

    fn policy() -> YearPolicy {
        YearPolicy::default_for(2017)
    }

    #[test]
    fn r6_3_window_boundaries_for_a_competent_department() {
        let k = DepartmentKind::Competent;
        let outside = |d| check_new_batch(k, &policy(), d, 0, "", "");
        assert!(matches!(
            outside(day(5, 31)).unwrap_err().as_slice(),
            [BatchProblem::OutsideWindow { year: 2017, .. }]
        ));
        assert_eq!(outside(day(6, 1)), Ok(()));
        assert_eq!(outside(day(8, 31)), Ok(()));
        assert!(outside(day(9, 1)).is_err());
        // The window of the application year, not of another year.
        let next = NaiveDate::from_ymd_opt(2018, 7, 1).unwrap();
        assert!(check_new_batch(k, &policy(), next, 0, "", "").is_err());
    }

    #[test]
    fn r6_3_a_window_override_needs_a_non_empty_reason() {
        let k = DepartmentKind::Central;
        assert!(check_new_batch(k, &policy(), day(9, 1), 0, "  ", "").is_err());
        assert_eq!(
            check_new_batch(k, &policy(), day(9, 1), 0, "厅领导批准延期", ""),
            Ok(())
        );
        // The batch reason does not lift the window.
        assert!(check_new_batch(k, &policy(), day(9, 1), 0, "", "补报").is_err());
    }

    #[test]
    fn r6_3_one_batch_per_department_and_year_unless_overridden() {
        let k = DepartmentKind::Competent;
        assert_eq!(check_new_batch(k, &policy(), day(7, 1), 0, "", ""), Ok(()));
        assert_eq!(
            check_new_batch(k, &policy(), day(7, 1), 1, "", ""),
            Err(vec![BatchProblem::SecondBatch { existing: 1 }])
        );
        assert_eq!(
            check_new_batch(k, &policy(), day(7, 1), 1, "", "首批漏报两人"),
            Ok(())
        );
        // Both at once: both named, each lifted by its own reason.
        assert_eq!(
            check_new_batch(k, &policy(), day(9, 1), 2, "", "")
                .unwrap_err()
                .len(),
            2
        );
    }

    #[test]
    fn r6_3_city_units_and_agencies_are_not_bound_by_the_consolidated_batch_rules() {
        for k in [DepartmentKind::City, DepartmentKind::Agency] {
            assert_eq!(check_new_batch(k, &policy(), day(12, 1), 3, "", ""), Ok(()));
        }
    }

    fn person(kind: UnitKind, city: &str) -> Person {
        Person {
            id_number: IdNumber::parse("11010519491231002X").unwrap(),
            name: "张伟".into(),
            unit: "某单位".into(),
            unit_kind: kind,
            city_code: city.into(),
            title: String::new(),
            title_level: None,
            series: String::new(),
            phone: String::new(),
            file_location: String::new(),
        }
    }

    #[test]
    fn r6_2_routing_flags_applicants_another_office_handles() {
        assert_eq!(
            route(&person(UnitKind::City, "430100"), "430100"),
            Route::Here
        );
        assert_eq!(
            route(&person(UnitKind::City, "430200"), "430100"),
            Route::Elsewhere(vec!["430200".into()])
        );
        // Provincial and central units: the provincial office, whatever their city.
        assert_eq!(
            route(&person(UnitKind::Central, "430600"), "430000"),
            Route::Here
        );
        assert!(matches!(
            route(&person(UnitKind::Provincial, "430100"), "430100"),
            Route::Elsewhere(_)
        ));
        // Non-public: the city's agency or the province's.
        assert_eq!(
            route(&person(UnitKind::NonPublic, "430200"), "430000"),
            Route::Here
        );
        assert_eq!(
            route(&person(UnitKind::NonPublic, "430200"), "430200"),
            Route::Here
        );
    }

    fn verification(public_2013: i64, blocked: bool) -> Verification {
        let mut hours: Vec<CountedHours> = (2012..=2016)
            .flat_map(|year| {
                [
                    CountedHours {
                        year,
                        category: Category::Public,
                        hours: Hours::whole(30),
                    },
                    CountedHours {
                        year,
                        category: Category::Professional,
                        hours: Hours::whole(60),
                    },
                ]
            })
            .collect();
        hours[2].hours = Hours::from_tenths(public_2013);
        verify(2012, 2016, YearPolicy::default_for, &hours, blocked)
    }

    #[test]
    fn r6_1_r5_3_verdicts() {
        assert_eq!(Verdict::of(&verification(300, false)), Verdict::Pass);
        assert_eq!(Verdict::of(&verification(200, false)), Verdict::Short);
        assert_eq!(Verdict::of(&verification(200, true)), Verdict::Blocked);
        assert_eq!(Verdict::of(&verification(300, true)), Verdict::Blocked);
    }

    #[test]
    fn triage_accepts_passing_returns_short_refuses_blocked() {
        use ApplicantState::*;
        let here = Route::Here;
        let ret = Decision::Return {
            reason: String::new(),
        };
        let refuse = |r: &str| Decision::Refuse { reason: r.into() };
        assert_eq!(
            can_decide(&Decision::Accept, Undecided, Verdict::Pass, &here),
            Ok(())
        );
        assert_eq!(
            can_decide(&Decision::Accept, Undecided, Verdict::Short, &here),
            Err(DecisionError::NotPassing(Verdict::Short))
        );
        let away = Route::Elsewhere(vec!["430200".into()]);
        assert!(matches!(
            can_decide(&Decision::Accept, Undecided, Verdict::Pass, &away),
            Err(DecisionError::Elsewhere(_))
        ));
        assert_eq!(can_decide(&ret, Undecided, Verdict::Short, &here), Ok(()));
        assert_eq!(can_decide(&ret, Undecided, Verdict::Pass, &away), Ok(()));
        assert_eq!(
            can_decide(&ret, Undecided, Verdict::Pass, &here),
            Err(DecisionError::Passes)
        );
        assert_eq!(
            can_decide(&ret, Undecided, Verdict::Blocked, &here),
            Err(DecisionError::Blocked)
        );
        assert_eq!(
            can_decide(&refuse("签到表伪造"), Undecided, Verdict::Blocked, &here),
            Ok(())
        );
        assert_eq!(
            can_decide(&refuse(" "), Undecided, Verdict::Blocked, &here),
            Err(DecisionError::ReasonRequired)
        );
        assert_eq!(
            can_decide(&refuse("x"), Undecided, Verdict::Short, &here),
            Err(DecisionError::NotBlocked(Verdict::Short))
        );
        assert_eq!(
            can_decide(&Decision::Accept, Accepted, Verdict::Pass, &here),
            Err(DecisionError::AlreadyDecided(Accepted))
        );
    }

    #[test]
    fn r6_4_the_shortfall_text_names_each_short_year_and_the_rule() {
        let v = verification(200, false);
        assert_eq!(
            shortfall_text(&v, &Route::Here, &[], Lang::Zh),
            "2013年公需科目不足：20 < 30（R2.1），合计不足：80 < 90（R2.1）"
        );
        let away = Route::Elsewhere(vec!["430200".into()]);
        assert_eq!(
            shortfall_text(&verification(300, false), &away, &["株洲".into()], Lang::Zh),
            "按R6.2应由株洲验证"
        );
    }

    /// R6.4 A recorded return (in Chinese) reads in English with the words `shortfall_text`
    /// uses in English, for short years and for another office; other text stays as it is.
    #[test]
    fn r6_4_a_recorded_shortfall_reads_in_the_clerks_language() {
        let away = Route::Elsewhere(vec!["430200".into(), "430300".into()]);
        let names = ["株洲".to_string(), "湘潭".to_string()];
        for (v, route) in [
            (verification(200, false), Route::Here),
            (verification(200, false), away.clone()),
            (verification(300, false), away),
        ] {
            let recorded = shortfall_text(&v, &route, &names, Lang::Zh);
            assert_eq!(shortfall_in(&recorded, Lang::Zh), recorded);
            assert_eq!(
                shortfall_in(&recorded, Lang::En),
                shortfall_text(&v, &route, &names, Lang::En),
                "{recorded}"
            );
        }
        assert_eq!(
            shortfall_in("2014年公需科目不足：27 < 30（R2.1）", Lang::En),
            "2014: public short: 27 < 30 (R2.1)"
        );
        assert_eq!(shortfall_in("材料另行补交", Lang::En), "材料另行补交");
    }
}
