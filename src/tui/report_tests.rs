//! The report screen (issue 11) driven on `TestBackend` at 80×24.
