//! jijiao (继教): continuing-education records of Hunan's professional technical personnel.
//!
//! Layers (docs/ARCHITECTURE.md): `domain` ← `store` ← `service` ← `cli`/`tui`; `import` and
//! `print` sit beside the service, and so does `demo`, the demo data generator (its entry point
//! is `service::demo`).
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod export;
pub mod i18n;
pub mod import;
pub mod print;
pub mod privilege;
pub mod service;
pub mod store;
pub mod tui;
