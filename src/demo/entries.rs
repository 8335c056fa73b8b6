//! R3, R5 A person's trainings year by year and what became of each: the plans of a year
//! (public subjects, R2.1 and R4.3; professional subjects, R4.4; extras that never count), then
//! each plan drafted as the row the database holds on the day of the run — its state in review
//! (R5.1), who sealed and registered it and when, the evidence received (R3), a refusal's reason
//! and, for a falsified one, the finding (R5.3). Drafting reads no database: the writer only
//! links the drafts to the rows of filings and batches.

use chrono::{Datelike, NaiveDate};

use super::careers::{FIELDS, PROFESSIONAL_FORMS, typical_tenths};
use super::filings::{Catalogue, YearFilings};
use super::personas::{Persona, persona};
use super::rng::Rng;
use super::world::{World, add_days, days_between, ymd};
use crate::domain::{AssessmentResult, Category, Checklist, Entry, EntryState, Form, Hours};

/// What becomes of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fate {
    /// Goes through review and is registered in time.
    Normal,
    /// Refused (不予登记) once reviewed, for this reason.
    Refused(&'static str),
    /// Refused as falsified, with a finding for the person (R5.3).
    Falsified,
}

const REASON_FAILED: &str = "考核结果为不合格，不予登记（R5.2）";
const REASON_LATE: &str = "所关联备案的批准日期晚于培训开始日期，公需科目学时不予确认（R4.3）";
const REASON_REJECTED: &str = "所关联的培训项目未予备案，公需科目学时不予确认（R4.3）";
const REASON_FALSIFIED: &str = "经核查，结业证明系伪造，属弄虚作假，不予登记（R5.3）";

struct Plan {
    category: Category,
    form: Form,
    content: String,
    provider: String,
    start: NaiveDate,
    end: NaiveDate,
    tenths: i64,
    result: AssessmentResult,
    filing: Option<usize>,
    fate: Fate,
}

impl Plan {
    fn same_key(&self, other: &Plan) -> bool {
        self.start == other.start
            && self.end == other.end
            && self.tenths == other.tenths
            && self.category == other.category
            && self.form == other.form
            && self.content == other.content
            && self.provider == other.provider
    }
}

/// A date range of `days` days somewhere in `year` (from mid-January to mid-December).
fn dates_in(year: i32, days: i64, rng: &mut Rng) -> (NaiveDate, NaiveDate) {
    let jan1 = ymd(year, 1, 1);
    let last = ymd(year, 12, 20);
    let span = days_between(jan1, last) - days;
    let start = add_days(jan1, rng.range(12, span.max(12)));
    (start, add_days(start, days - 1))
}

fn result_for(form: Form, rng: &mut Rng) -> AssessmentResult {
    match form {
        Form::TrainingClass | Form::Workshop | Form::AdvancedStudy | Form::Distance => [
            AssessmentResult::Pass,
            AssessmentResult::Good,
            AssessmentResult::Excellent,
        ][rng.weighted(&[70, 15, 15])],
        _ => AssessmentResult::Pass,
    }
}

/// An unfiled professional activity of `form` in `year` worth `tenths`.
fn activity(persona: &Persona, form: Form, year: i32, tenths: i64, rng: &mut Rng) -> Plan {
    let field = FIELDS.get(persona.field).unwrap_or(&FIELDS[0]);
    let topic = rng.pick(field.topics);
    let own = persona.person.unit.clone();
    let (content, provider) = match form {
        Form::TrainingClass => (format!("{topic}培训班"), field.trainer.to_string()),
        Form::Workshop => (format!("{topic}研修班"), field.workshop.to_string()),
        Form::AdvancedStudy => (format!("{topic}进修"), rng.pick(field.advanced).to_string()),
        Form::Practice => (format!("{}（{topic}）", field.practice), own),
        Form::Distance => (format!("{topic}网络课程"), field.online.to_string()),
        Form::Conference => (
            format!("{}{year}年学术年会（{topic}）", field.society),
            field.society.to_string(),
        ),
        Form::Lecture => (format!("{topic}学术讲座"), own),
        Form::Visit => {
            let host = rng.pick(field.visit);
            (format!("赴{host}学术访问"), host.to_string())
        }
    };
    let per_day = 80;
    let days = match form {
        Form::Lecture => 1,
        Form::Distance => rng.range(7, 45),
        Form::Conference => (tenths + per_day - 1) / per_day,
        Form::AdvancedStudy => ((tenths + per_day - 1) / per_day) * 7 / 5 + 1,
        _ => (tenths + per_day - 1) / per_day,
    }
    .max(1);
    let (start, end) = dates_in(year, days, rng);
    Plan {
        category: Category::Professional,
        form,
        content,
        provider,
        start,
        end,
        tenths,
        result: result_for(form, rng),
        filing: None,
        fate: Fate::Normal,
    }
}

/// Attend filing `i` of the catalogue.
fn attend(catalogue: &Catalogue, i: usize, fate: Fate, rng: &mut Rng) -> Option<Plan> {
    let p = catalogue.items.get(i)?;
    Some(Plan {
        category: p.filing.category,
        form: p.form,
        content: p.content.clone(),
        provider: p.filing.institution.clone(),
        start: p.filing.start_date,
        end: p.filing.end_date,
        tenths: p.tenths,
        result: if matches!(fate, Fate::Normal) {
            result_for(p.form, rng)
        } else {
            AssessmentResult::Pass
        },
        filing: Some(i),
        fate,
    })
}

/// Public subjects on the web: some weeks of the year, `tenths` studied.
fn online(catalogue: &Catalogue, yf: &YearFilings, tenths: i64, rng: &mut Rng) -> Option<Plan> {
    let i = *rng.pick_ref(&yf.online)?;
    let mut p = attend(catalogue, i, Fate::Normal, rng)?;
    let days = rng.range(7, 60);
    let (start, end) = dates_in(p.start.year(), days, rng);
    p.start = start.max(p.start);
    p.end = end.min(p.end).max(p.start);
    p.tenths = tenths;
    Some(p)
}

/// One person's trainings of one year, before review.
fn plan_year(world: &World<'_>, catalogue: &Catalogue, persona: &Persona, year: i32) -> Vec<Plan> {
    let mut rng = Rng::child(persona.seed, year as u64);
    let mut plans: Vec<Plan> = Vec::new();
    let Some(yf) = catalogue.of_year(year) else {
        return plans;
    };
    let current = year == world.year;
    let paper = persona.paper && year <= world.year - 5;

    // A year away (study abroad, illness): nothing at all.
    if rng.chance(5) && !current && persona.falsified != Some(year) {
        return plans;
    }

    let policy = world.reference.policy(year);
    let pub_min = policy.public_min.tenths();
    let prof_min = policy.professional_min.tenths();
    let total_min = policy.total_min.tenths();
    let (pub_short, prof_short) = if !current && rng.chance(40) {
        match rng.below(5) {
            0 | 1 => (true, false),
            2 | 3 => (false, true),
            _ => (true, true),
        }
    } else {
        (false, false)
    };
    let mut pub_target = if pub_short {
        pub_min - rng.pick(&[5, 30, 45, 100])
    } else {
        pub_min + rng.pick(&[0, 0, 0, 0, 20, 35, 60])
    };
    let mut prof_target = if prof_short {
        prof_min - rng.pick(&[50, 75, 120, 195])
    } else {
        prof_min + rng.pick(&[0, 0, 20, 40, 65, 100, 155, 240])
    };
    if !pub_short && !prof_short {
        prof_target = prof_target.max(total_min - pub_target);
    }

    // Extras that never count.
    if !paper {
        if let Some(late) = yf.late.filter(|_| rng.chance(15)) {
            plans.extend(attend(
                catalogue,
                late,
                Fate::Refused(REASON_LATE),
                &mut rng,
            ));
            // Half of them made the hours up online; the others are short.
            if rng.chance(500) {
                pub_target = 0;
            }
        }
        if let Some(rejected) = yf.rejected.filter(|_| rng.chance(4)) {
            plans.extend(attend(
                catalogue,
                rejected,
                Fate::Refused(REASON_REJECTED),
                &mut rng,
            ));
        }
        if rng.chance(12) {
            let form = [Form::TrainingClass, Form::Workshop][rng.index(2)];
            let mut p = activity(persona, form, year, rng.pick(&[160, 240]), &mut rng);
            p.result = AssessmentResult::Fail;
            p.fate = Fate::Refused(REASON_FAILED);
            plans.push(p);
        }
        if persona.falsified == Some(year) {
            let mut p = activity(persona, Form::TrainingClass, year, 240, &mut rng);
            p.fate = Fate::Falsified;
            plans.push(p);
        }
    }

    // Public subjects (R2.1, R4.3).
    if pub_target > 0 {
        let choice = rng.below(100);
        if choice < 60 || pub_short || yf.classes.is_empty() {
            plans.extend(online(catalogue, yf, pub_target, &mut rng));
        } else if choice < 85 {
            let class = rng.pick(&yf.classes);
            if let Some(c) = attend(catalogue, class, Fate::Normal, &mut rng) {
                let rest = pub_target - c.tenths;
                plans.push(c);
                match yf.lecture {
                    Some(l) if rest == 35 => {
                        plans.extend(attend(catalogue, l, Fate::Normal, &mut rng));
                    }
                    _ if rest > 0 => plans.extend(online(catalogue, yf, rest, &mut rng)),
                    _ => {}
                }
            }
        } else {
            let lecture = yf
                .lecture
                .and_then(|l| attend(catalogue, l, Fate::Normal, &mut rng));
            let rest = pub_target - lecture.as_ref().map_or(0, |l| l.tenths);
            plans.extend(lecture);
            if rest > 0 {
                plans.extend(online(catalogue, yf, rest, &mut rng));
            }
        }
    }

    // Professional subjects (R2.1, R4.4): a filed programme sometimes, then what comes.
    let mut rest = prof_target;
    let mut parts = 0;
    let filed = yf
        .professional
        .get(persona.field)
        .copied()
        .flatten()
        .filter(|_| !prof_short && rest > 0 && rng.chance(350))
        .and_then(|fp| attend(catalogue, fp, Fate::Normal, &mut rng));
    if let Some(p) = filed {
        rest -= p.tenths;
        parts += 1;
        plans.push(p);
    }
    while rest > 0 {
        // At most two activities besides a filed programme: the last takes what is left, in a
        // form that plausibly gives that many hours.
        let last = parts >= 1;
        let fits = |f: &(Form, u32)| match f.0 {
            Form::Lecture => rest <= 40,
            Form::Conference => rest <= 240,
            _ => !last || rest > 40,
        };
        let weights: Vec<u32> = PROFESSIONAL_FORMS
            .iter()
            .map(|f| if !last || fits(f) { f.1 } else { 0 })
            .collect();
        let form = PROFESSIONAL_FORMS
            .get(rng.weighted(&weights))
            .map_or(Form::Distance, |f| f.0);
        let mut tenths = rng.pick(typical_tenths(form));
        if last || tenths > rest || rest - tenths < 20 {
            tenths = rest;
        }
        plans.push(activity(persona, form, year, tenths, &mut rng));
        rest -= tenths;
        parts += 1;
    }

    // The same training twice would be one row: move the second by a day.
    for i in 1..plans.len() {
        let (done, todo) = plans.split_at_mut(i);
        if let Some(p) = todo.first_mut() {
            while done.iter().any(|d| d.same_key(p)) && p.filing.is_none() {
                let back = p.end >= ymd(year, 12, 30);
                let shift = if back { -1 } else { 1 };
                p.start = add_days(p.start, shift);
                p.end = add_days(p.end, shift);
            }
        }
    }
    for p in &mut plans {
        if paper {
            p.filing = None;
            p.fate = Fate::Normal;
        }
    }
    plans
}

// ---------------------------------------------------------------------------------------------
// Drafts: the rows of one person as the database holds them on the day of the run.

/// The import batch an entry belongs to (the review queue groups entries by it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BatchSlot {
    /// Keyed in, in no batch.
    None,
    /// This year's batch of one provider's public-subject entries, waiting for review.
    Review,
    /// The paper history migrated as registered (R5.4).
    Paper,
}

/// The evidence received for an entry (R3): the checklist's codes, who received them, when.
#[derive(Debug, Clone)]
pub(crate) struct Evidence {
    pub codes: std::collections::BTreeSet<String>,
    pub by: String,
    pub at: String,
}

/// One entry with its review history.
#[derive(Debug, Clone)]
pub(crate) struct EntryDraft {
    pub entry: Entry,
    /// Index of the filing in the catalogue it links to.
    pub filing: Option<usize>,
    pub batch: BatchSlot,
    /// R4.4 A professional entry without a filing whose hours a reviewer confirmed.
    pub confirmed: bool,
    /// Why it was refused (R5.2, R4.3, R5.3); empty otherwise.
    pub reason: &'static str,
    /// Who sealed it and when (初审盖章).
    pub sealed: Option<(&'static str, String)>,
    /// Who registered it and when (登记).
    pub registered: Option<(String, String)>,
    pub created_at: String,
    pub updated_at: String,
    pub evidence: Option<Evidence>,
    /// R5.3 The finding a falsified, refused entry leaves on the person: its reason.
    pub finding: Option<String>,
}

/// A person with every entry of theirs reported by the day of the run.
pub(crate) struct PersonDraft {
    pub persona: Persona,
    pub entries: Vec<EntryDraft>,
}

/// Person `i` of `seed` with their entries of the run's seven years (the current one up to
/// today); `batch_provider` is [`Catalogue::batch_provider`] of the current year.
pub(crate) fn draft(
    world: &World<'_>,
    catalogue: &Catalogue,
    batch_provider: &str,
    seed: u64,
    i: u32,
) -> Option<PersonDraft> {
    let persona = persona(world, seed, i)?;
    let mut entries = Vec::new();
    for year in world.year - 6..=world.year {
        let plans = plan_year(world, catalogue, &persona, year);
        // Each entry has its own generator, so what one draws never shifts the next one.
        let year_seed = Rng::child(persona.seed ^ 0x5EED, year as u64).next();
        for (k, plan) in plans.into_iter().enumerate() {
            let mut rng = Rng::child(year_seed, k as u64);
            entries.extend(draft_entry(
                world,
                catalogue,
                batch_provider,
                &persona,
                plan,
                &mut rng,
            ));
        }
    }
    Some(PersonDraft { persona, entries })
}

/// Its review: recorded by the provider, evidence in, sealed, registered — or refused; `None`
/// when the provider has not reported it yet.
fn draft_entry(
    world: &World<'_>,
    catalogue: &Catalogue,
    batch_provider: &str,
    persona: &Persona,
    plan: Plan,
    rng: &mut Rng,
) -> Option<EntryDraft> {
    let today = world.today;
    let migrated = persona.paper && plan.end.year() <= world.year - 5;

    let recorded = add_days(plan.end, rng.range(1, 20));
    let evidence = add_days(recorded, rng.range(0, 40));
    let sealed = add_days(evidence, rng.range(5, 40));
    let registered = add_days(sealed, rng.range(3, 30));
    let refused = add_days(evidence, rng.range(5, 30));
    if recorded > today && !migrated {
        return None;
    }
    let state = if migrated {
        EntryState::Registered
    } else {
        match plan.fate {
            Fate::Normal if registered <= today => EntryState::Registered,
            Fate::Normal if sealed <= today => EntryState::Sealed,
            _ if !matches!(plan.fate, Fate::Normal) && refused <= today => EntryState::Refused,
            _ if evidence <= today => EntryState::EvidenceComplete,
            _ => EntryState::Recorded,
        }
    };
    let reason = match (&plan.fate, state) {
        (Fate::Refused(r), EntryState::Refused) => *r,
        (Fate::Falsified, EntryState::Refused) => REASON_FALSIFIED,
        _ => "",
    };
    let facts = plan
        .filing
        .and_then(|i| catalogue.items.get(i))
        .map(|p| p.filing.facts());
    let falsified = plan.fate == Fate::Falsified;

    let entry = Entry {
        year: plan.end.year(),
        category: plan.category,
        form: plan.form,
        content: plan.content,
        provider: plan.provider,
        start_date: plan.start,
        end_date: plan.end,
        hours: Hours::from_tenths(plan.tenths),
        result: plan.result,
        state,
        migrated,
    };
    let confirmed = state == EntryState::Registered
        && entry.category == Category::Professional
        && entry.recognition(facts.as_ref()).needs_confirmation();
    let in_review_batch = !migrated
        && entry.year == world.year
        && matches!(state, EntryState::Recorded | EntryState::EvidenceComplete)
        && entry.provider == batch_provider
        && entry.category == Category::Public;
    let batch = if migrated {
        BatchSlot::Paper
    } else if in_review_batch {
        BatchSlot::Review
    } else {
        BatchSlot::None
    };

    let (created_at, updated_at, sealed_at, registered_at) = if migrated {
        (
            world.now.clone(),
            world.now.clone(),
            None,
            Some(world.now.clone()),
        )
    } else {
        let created = world.stamp(recorded, rng);
        let sealed_at = matches!(state, EntryState::Sealed | EntryState::Registered)
            .then(|| world.stamp(sealed, rng));
        let registered_at = (state == EntryState::Registered).then(|| world.stamp(registered, rng));
        let updated = match state {
            EntryState::Recorded => created.clone(),
            EntryState::EvidenceComplete => world.stamp(evidence, rng),
            EntryState::Sealed => sealed_at.clone().unwrap_or_else(|| created.clone()),
            EntryState::Registered => registered_at.clone().unwrap_or_else(|| created.clone()),
            EntryState::Refused => world.stamp(refused, rng),
        };
        (created, updated, sealed_at, registered_at)
    };
    let registrar = if migrated {
        world.user.as_str()
    } else {
        persona.registrar
    };

    // R3 Evidence: complete once past "recorded", partial or none before.
    let evidence = world.reference.checklist(entry.form).map(|list| {
        let (codes, by, at) = if migrated {
            (list.all_codes(), world.user.clone(), world.now.clone())
        } else if state == EntryState::Recorded {
            (
                partial(list, rng).into_iter().collect(),
                persona.registrar.to_string(),
                created_at.clone(),
            )
        } else {
            (
                complete(list, rng).into_iter().collect(),
                persona.registrar.to_string(),
                world.stamp(evidence, rng),
            )
        };
        Evidence { codes, by, at }
    });

    let finding = (falsified && state == EntryState::Refused).then(|| {
        format!(
            "{}年度“{}”（{}）结业证明系伪造，弄虚作假（R5.3）",
            entry.year, entry.content, entry.provider
        )
    });
    Some(EntryDraft {
        entry,
        filing: plan.filing,
        batch,
        confirmed,
        reason,
        sealed: sealed_at.map(|at| (persona.sealer, at)),
        registered: registered_at.map(|at| (registrar.to_string(), at)),
        created_at,
        updated_at,
        evidence,
        finding,
    })
}

/// Some items of the checklist, never all of them (R3: not yet complete).
fn partial(list: &Checklist, rng: &mut Rng) -> Vec<String> {
    let mut chosen: Vec<Option<String>> = list
        .items
        .iter()
        .map(|item| {
            rng.chance(500)
                .then(|| rng.pick_ref(&item.options).map(|o| o.code.clone()))
                .flatten()
        })
        .collect();
    if !chosen.is_empty() && chosen.iter().all(Option::is_some) {
        let drop = rng.index(chosen.len());
        if let Some(c) = chosen.get_mut(drop) {
            *c = None;
        }
    }
    chosen.into_iter().flatten().collect()
}

/// One option of every item, now and then both of an either-or item (R3).
fn complete(list: &Checklist, rng: &mut Rng) -> Vec<String> {
    let mut codes = Vec::new();
    for item in &list.items {
        if item.options.len() > 1 && rng.chance(50) {
            codes.extend(item.options.iter().map(|o| o.code.clone()));
        } else if let Some(o) = rng.pick_ref(&item.options) {
            codes.push(o.code.clone());
        }
    }
    codes
}
