//! Deterministic, realistic demo data (`jijiao demo`).

use crate::store::Store;

use super::{Actor, Result};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub people: u64,
    pub entries: u64,
    pub filings: u64,
}

pub fn generate(
    _store: &mut Store,
    _actor: &Actor,
    _people: u32,
    _seed: u64,
) -> Result<DemoSummary> {
    Ok(DemoSummary::default())
}
