//! Reference data: embedded from `data/` into the binary, loaded into a new database, then read
//! from the database (so a bureau's edits win over the shipped files).

use std::collections::BTreeMap;

use rusqlite::params;

use super::{Result, Store, StoreError};
use crate::domain::form::{ChecklistItem, EvidenceOption};
use crate::domain::policy::parse_month_day;
use crate::domain::{Checklist, Form, Hours, Office, YearPolicy};

pub const OFFICES_CSV: &str = include_str!("../../data/offices.csv");
pub const BASES_CSV: &str = include_str!("../../data/bases.csv");
pub const FORMS_CSV: &str = include_str!("../../data/forms.csv");
pub const EVIDENCE_CSV: &str = include_str!("../../data/evidence.csv");
pub const POLICY_CSV: &str = include_str!("../../data/policy.csv");

fn records(name: &str, text: &str) -> Result<Vec<csv::StringRecord>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.map_err(|e| StoreError::Reference(format!("{name}: {e}"))))
        .collect()
}

fn field<'a>(name: &str, r: &'a csv::StringRecord, i: usize) -> Result<&'a str> {
    r.get(i)
        .ok_or_else(|| StoreError::Reference(format!("{name}: short row {r:?}")))
}

fn hours(name: &str, s: &str) -> Result<i64> {
    Hours::parse(s)
        .map(Hours::tenths)
        .map_err(|_| StoreError::Reference(format!("{name}: bad hours {s}")))
}

/// Fill the reference tables of a new database. A database that has them is left alone.
pub fn load_if_empty(store: &mut Store) -> Result<()> {
    let tx = store.write()?;
    let have: i64 = tx.query_row("SELECT count(*) FROM offices", [], |r| r.get(0))?;
    if have > 0 {
        return Ok(());
    }
    for r in records("offices.csv", OFFICES_CSV)? {
        let f = |i| field("offices.csv", &r, i);
        tx.execute(
            "INSERT INTO offices (code, name, short, kind) VALUES (?1, ?2, ?3, ?4)",
            params![f(0)?, f(1)?, f(2)?, f(3)?],
        )?;
    }
    for r in records("bases.csv", BASES_CSV)? {
        let f = |i| field("bases.csv", &r, i);
        tx.execute(
            "INSERT INTO bases (seq, name, level, address, modes, contact, phones, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![f(0)?, f(1)?, f(2)?, f(3)?, f(4)?, f(5)?, f(6)?, f(7)?],
        )?;
    }
    for r in records("forms.csv", FORMS_CSV)? {
        let f = |i| field("forms.csv", &r, i);
        tx.execute(
            "INSERT INTO forms (code, zh, en, checklist) VALUES (?1, ?2, ?3, ?4)",
            params![f(0)?, f(1)?, f(2)?, f(3)?],
        )?;
    }
    for r in records("evidence.csv", EVIDENCE_CSV)? {
        let f = |i| field("evidence.csv", &r, i);
        tx.execute(
            "INSERT INTO evidence_items (checklist, item, code, zh, en) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![f(0)?, f(1)?, f(2)?, f(3)?, f(4)?],
        )?;
    }
    for r in records("policy.csv", POLICY_CSV)? {
        let f = |i| field("policy.csv", &r, i);
        tx.execute(
            "INSERT INTO policies (year, public_min_tenths, professional_min_tenths,
                 total_min_tenths, theme, window_start, window_end)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                f(0)?,
                hours("policy.csv", f(1)?)?,
                hours("policy.csv", f(2)?)?,
                hours("policy.csv", f(3)?)?,
                f(4)?,
                f(5)?,
                f(6)?
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The reference tables, read once per command: small, and needed to validate every row.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    pub offices: Vec<Office>,
    /// Checklist of each form (R3).
    pub checklists: BTreeMap<Form, Checklist>,
    pub policies: BTreeMap<i32, YearPolicy>,
}

impl Reference {
    pub fn load(store: &Store) -> Result<Reference> {
        Reference::load_from(store.conn())
    }

    /// As [`Reference::load`], inside a transaction or on any connection.
    pub fn load_from(conn: &rusqlite::Connection) -> Result<Reference> {
        let mut stmt =
            conn.prepare("SELECT code, name, short, kind FROM offices ORDER BY kind DESC, code")?;
        let offices = stmt
            .query_map([], |r| {
                Ok(Office {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    short: r.get(2)?,
                    is_province: r.get::<_, String>(3)? == "province",
                })
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;

        let mut lists: BTreeMap<String, Checklist> = BTreeMap::new();
        let mut stmt = conn.prepare(
            "SELECT checklist, item, code, zh, en FROM evidence_items ORDER BY checklist, item, rowid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let name: String = r.get(0)?;
            let number: u32 = r.get(1)?;
            let option = EvidenceOption {
                code: r.get(2)?,
                zh: r.get(3)?,
                en: r.get(4)?,
            };
            let list = lists.entry(name.clone()).or_insert_with(|| Checklist {
                name,
                items: Vec::new(),
            });
            match list.items.last_mut() {
                Some(item) if item.number == number => item.options.push(option),
                _ => list.items.push(ChecklistItem {
                    number,
                    options: vec![option],
                }),
            }
        }
        let mut checklists = BTreeMap::new();
        let mut stmt = conn.prepare("SELECT code, checklist FROM forms")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let code: String = r.get(0)?;
            let list: String = r.get(1)?;
            // A form the program does not know (added by hand) cannot be recorded yet; skip it.
            if let Some(form) = Form::parse(&code) {
                checklists.insert(form, lists.get(&list).cloned().unwrap_or_default());
            }
        }

        let mut policies = BTreeMap::new();
        let mut stmt = conn.prepare(
            "SELECT year, public_min_tenths, professional_min_tenths, total_min_tenths, theme,
                    window_start, window_end FROM policies",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let year: i32 = r.get(0)?;
            let default = YearPolicy::default_for(year);
            let ws: String = r.get(5)?;
            let we: String = r.get(6)?;
            policies.insert(
                year,
                YearPolicy {
                    year,
                    public_min: Hours::from_tenths(r.get(1)?),
                    professional_min: Hours::from_tenths(r.get(2)?),
                    total_min: Hours::from_tenths(r.get(3)?),
                    theme: r.get(4)?,
                    window_start: parse_month_day(&ws).unwrap_or(default.window_start),
                    window_end: parse_month_day(&we).unwrap_or(default.window_end),
                },
            );
        }
        Ok(Reference {
            offices,
            checklists,
            policies,
        })
    }

    /// R2.2 The policy of `year`, or the notice's defaults for a year without a row.
    pub fn policy(&self, year: i32) -> YearPolicy {
        self.policies
            .get(&year)
            .cloned()
            .unwrap_or_else(|| YearPolicy::default_for(year))
    }

    /// R1.4 Find an office by name, short name or code.
    pub fn office(&self, input: &str) -> Option<&Office> {
        self.offices.iter().find(|o| o.matches(input))
    }

    pub fn office_by_code(&self, code: &str) -> Option<&Office> {
        self.offices.iter().find(|o| o.code == code)
    }

    pub fn checklist(&self, form: Form) -> Option<&Checklist> {
        self.checklists.get(&form)
    }
}

/// One continuing-education base (R4.1, attachment 2), its contact lines merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    pub seq: i64,
    pub name: String,
    pub address: String,
    /// `集中授课;网络培训` …, every mode of every contact line.
    pub modes: String,
    /// The first contact person and phone number listed.
    pub contact: String,
    pub phone: String,
}

/// The bases as the database holds them (a bureau may have edited the shipped list), in order,
/// the contact lines of one base merged into one. Read by `jijiao demo`, whose filings name them.
pub fn bases(conn: &rusqlite::Connection) -> Result<Vec<Base>> {
    let mut stmt = conn
        .prepare("SELECT seq, name, address, modes, contact, phones FROM bases ORDER BY seq, id")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let first = |s: &str| {
        s.split([';', '；'])
            .map(str::trim)
            .find(|p| !p.is_empty())
            .unwrap_or("")
            .to_string()
    };
    let mut out: Vec<Base> = Vec::new();
    for (seq, name, address, modes, contact, phones) in rows {
        match out.iter_mut().find(|b| b.name == name) {
            Some(b) => {
                for m in modes.split([';', '；']).map(str::trim) {
                    if !m.is_empty() && !b.modes.split(';').any(|x| x == m) {
                        b.modes.push(';');
                        b.modes.push_str(m);
                    }
                }
            }
            None => out.push(Base {
                seq,
                name,
                address,
                modes,
                contact: first(&contact),
                phone: first(&phones),
            }),
        }
    }
    Ok(out)
}
