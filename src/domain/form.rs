//! R3 Forms of participation and their evidence checklists. The checklists themselves are
//! reference data (`data/evidence.csv`, R3.7); this module knows how to judge them.

use std::collections::BTreeSet;

use super::person::vocabulary;

vocabulary! {
    /// R3 How a person took part.
    Form {
        TrainingClass => "training_class", "培训班", "training class";
        Workshop => "workshop", "研修班", "workshop";
        AdvancedStudy => "advanced_study", "进修班", "advanced-study class";
        Practice => "practice", "实践活动", "practice activity" | "继续教育实践活动";
        Distance => "distance", "远程教育", "distance education" | "网络培训";
        Conference => "conference", "学术会议", "academic conference";
        Lecture => "lecture", "学术讲座", "academic lecture";
        Visit => "visit", "学术访问", "academic visit";
    }
}

vocabulary! {
    /// R2.1 Public subjects (公需科目) and professional subjects (专业科目).
    Category {
        Public => "public", "公需", "public" | "公需科目";
        Professional => "professional", "专业", "professional" | "专业科目";
    }
}

vocabulary! {
    /// R5.1 The assessment result the training institution records.
    AssessmentResult {
        Pass => "pass", "合格", "pass" | "通过";
        Fail => "fail", "不合格", "fail" | "未通过";
        Excellent => "excellent", "优秀", "excellent";
        Good => "good", "良好", "good";
    }
}

impl AssessmentResult {
    /// R5.2 An entry with a failed assessment never counts.
    pub fn passing(self) -> bool {
        self != AssessmentResult::Fail
    }
}

/// One option of a checklist item: a document that can be received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceOption {
    pub code: String,
    pub zh: String,
    pub en: String,
}

/// One line of a checklist: satisfied by any one of its options (R3 "A or B").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistItem {
    pub number: u32,
    pub options: Vec<EvidenceOption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checklist {
    pub name: String,
    pub items: Vec<ChecklistItem>,
}

impl Checklist {
    /// R3 Every item has at least one of its options received.
    pub fn is_complete(&self, received: &BTreeSet<String>) -> bool {
        self.missing(received).is_empty()
    }

    /// The items still lacking, in checklist order.
    pub fn missing(&self, received: &BTreeSet<String>) -> Vec<&ChecklistItem> {
        self.items
            .iter()
            .filter(|item| !item.options.iter().any(|o| received.contains(&o.code)))
            .collect()
    }

    /// Find an option by its code or its Chinese or English name, as rosters write them.
    pub fn option(&self, code_or_name: &str) -> Option<&EvidenceOption> {
        let s = code_or_name.trim();
        self.items
            .iter()
            .flat_map(|i| &i.options)
            .find(|o| o.code.eq_ignore_ascii_case(s) || o.zh == s || o.en.eq_ignore_ascii_case(s))
    }

    pub fn all_codes(&self) -> BTreeSet<String> {
        self.items
            .iter()
            .flat_map(|i| &i.options)
            .map(|o| o.code.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(code: &str, zh: &str) -> EvidenceOption {
        EvidenceOption {
            code: code.into(),
            zh: zh.into(),
            en: code.replace('_', " "),
        }
    }

    /// R3.1 as shipped in data/evidence.csv.
    fn class() -> Checklist {
        Checklist {
            name: "class".into(),
            items: vec![
                ChecklistItem {
                    number: 1,
                    options: vec![opt("notice", "培训通知")],
                },
                ChecklistItem {
                    number: 2,
                    options: vec![opt("sign_in", "培训签到表")],
                },
                ChecklistItem {
                    number: 3,
                    options: vec![
                        opt("timetable", "培训课程表"),
                        opt("agenda", "培训日程安排"),
                    ],
                },
                ChecklistItem {
                    number: 4,
                    options: vec![opt("completion", "结业证明")],
                },
            ],
        }
    }

    fn set(codes: &[&str]) -> BTreeSet<String> {
        codes.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn r3_1_either_option_satisfies_an_either_or_item() {
        let c = class();
        assert!(c.is_complete(&set(&["notice", "sign_in", "agenda", "completion"])));
        assert!(c.is_complete(&set(&["notice", "sign_in", "timetable", "completion"])));
        let missing = c.missing(&set(&["notice", "sign_in", "completion"]));
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].number, 3);
    }

    #[test]
    fn r3_options_found_by_code_or_chinese_name() {
        let c = class();
        assert_eq!(
            c.option("培训日程安排").map(|o| o.code.as_str()),
            Some("agenda")
        );
        assert_eq!(
            c.option("Sign_In").map(|o| o.code.as_str()),
            Some("sign_in")
        );
        assert!(c.option("参会回执").is_none());
    }

    #[test]
    fn r5_2_failed_assessment_does_not_pass() {
        assert!(!AssessmentResult::Fail.passing());
        assert!(AssessmentResult::Excellent.passing());
        assert_eq!(
            AssessmentResult::parse("不合格"),
            Some(AssessmentResult::Fail)
        );
    }
}
