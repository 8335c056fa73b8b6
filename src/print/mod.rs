//! Text out: certificate and record-card layouts in display columns, encodings, and the
//! printer sink.

pub mod card;
pub mod encode;
pub mod layout;
pub mod preprinted;
pub mod sink;
pub mod width;
