//! `jijiao demo`'s service entry point: the actor's role is checked here (R5.5: an admin's act),
//! and the generator itself is [`crate::demo`], which writes through the store in chunks, each
//! one transaction with its audit record, and resumes a killed run.

use super::{Actor, Result};
use crate::store::Store;

pub use crate::demo::{DEFAULT_CHUNK, DemoSummary, Load, Options};

/// Fill the database with the data set of `seed`: `people` people, their entries and the
/// filings they link to. Returns what the data set holds, whether written now or already there.
pub fn generate(store: &mut Store, actor: &Actor, people: u32, seed: u64) -> Result<DemoSummary> {
    generate_with(
        store,
        actor,
        people,
        seed,
        &Options::default(),
        &mut |_, _| {},
    )
}

/// [`generate`], reporting `progress(people written, people)` once per person, up to
/// `people`; it must be cheap (the command line's bar is rate-limited).
pub fn generate_with_progress(
    store: &mut Store,
    actor: &Actor,
    people: u32,
    seed: u64,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<DemoSummary> {
    generate_with(store, actor, people, seed, &Options::default(), progress)
}

/// [`generate_with_progress`] with the chunk size of [`Options`] (the data set does not depend
/// on it). Errors: [`super::ServiceError::Denied`] unless the actor is an admin; a database
/// error, after which the chunks already committed stay and a new run continues after them.
pub fn generate_with(
    store: &mut Store,
    actor: &Actor,
    people: u32,
    seed: u64,
    options: &Options,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<DemoSummary> {
    generate_loading(
        store,
        actor,
        people,
        seed,
        options,
        Load::default(),
        progress,
    )
}

/// [`generate_with`], using the machine as [`Load`] says (bulk loading of a new file, one or
/// two threads); the data set is the same whatever it says. Errors: as [`generate_with`].
pub fn generate_loading(
    store: &mut Store,
    actor: &Actor,
    people: u32,
    seed: u64,
    options: &Options,
    load: Load,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<DemoSummary> {
    super::authz::require(actor, super::authz::Act::Demo)?;
    // R5.5 The demo plays a whole office in one admin's name: its own steps ask no other role.
    let actor = &actor
        .clone()
        .with_grants(super::authz::Grants::single_clerk());
    crate::demo::run(store, actor, people, seed, options, load, progress)
}
