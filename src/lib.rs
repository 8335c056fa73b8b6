//! jijiao (继教): continuing-education records of Hunan's professional technical personnel.
pub mod import;
