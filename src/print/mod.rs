//! Text out: certificate layouts in display columns, encodings, and the printer sink.

pub mod encode;
pub mod layout;
pub mod preprinted;
pub mod sink;
pub mod width;
