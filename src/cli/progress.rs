//! Progress of long command-line work (`import`, `demo`) on standard error (issue 10).
//!
//! Shown only when standard error is a terminal: a script, a pipe, a log file or a test sees
//! exactly the lines it saw before. The bar is cleared before the command writes its summary or
//! its problems, so those lines stay as they are. The services report once per row; indicatif
//! keeps that cheap (an atomic store and a clock read per row, a redraw at most 20 times a
//! second) and nothing here allocates per row. The bar shows only numbers and fixed labels,
//! never text from a roster, so there is nothing to clean (`clean_line`).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::i18n::Lang;

/// What a bar counts; each has its label and unit in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// An import checking its rows (before the write lock is taken).
    Validate,
    /// An import writing its rows in the one transaction.
    Write,
    /// `demo` writing its people.
    DemoPeople,
    /// A report counting people (issue 11).
    Report,
    /// An export writing rows (issue 11).
    Export,
}

impl Work {
    fn label(self, lang: Lang) -> &'static str {
        match self {
            Work::Validate => lang.pick("校验", "checking"),
            Work::Write => lang.pick("写入", "writing"),
            Work::DemoPeople => lang.pick("写入人员", "writing people"),
            Work::Report => lang.pick("汇总", "counting"),
            Work::Export => lang.pick("导出", "exporting"),
        }
    }

    fn unit(self, lang: Lang) -> &'static str {
        match self {
            Work::Validate | Work::Write | Work::Export => lang.pick("行/秒", "rows/s"),
            Work::DemoPeople | Work::Report => lang.pick("人/秒", "people/s"),
        }
    }
}

impl From<crate::service::import::Step> for Work {
    fn from(step: crate::service::import::Step) -> Work {
        match step {
            crate::service::import::Step::Validate => Work::Validate,
            crate::service::import::Step::Write => Work::Write,
        }
    }
}

/// A progress bar on standard error, or nothing when standard error is not a terminal. Each
/// [`Work`] gets a fresh bar (its own count, rate and elapsed time) on the same line; the line
/// is cleared by [`Bar::clear`], or when the bar is dropped (an error on the way out).
pub struct Bar {
    lang: Lang,
    /// Where a new bar draws; `None` when nothing is to be drawn.
    target: Option<Box<dyn Fn() -> ProgressDrawTarget>>,
    shown: Option<(Work, ProgressBar)>,
}

impl Bar {
    /// A bar drawn on standard error when it is a terminal (and `TERM` is not `dumb`); otherwise
    /// one that writes nothing and costs a comparison per report.
    pub fn stderr(lang: Lang) -> Bar {
        let target = std::io::stderr()
            .is_terminal()
            .then(|| Box::new(ProgressDrawTarget::stderr) as Box<dyn Fn() -> ProgressDrawTarget>);
        Bar {
            lang,
            target,
            shown: None,
        }
    }

    /// Report `done` of `total` for `work`: a service's progress callback calls this per row.
    pub fn report(&mut self, work: Work, done: usize, total: usize) {
        let (total, done) = (total as u64, done as u64);
        if let Some((w, bar)) = &self.shown
            && *w == work
        {
            if bar.length() != Some(total) {
                bar.set_length(total);
            }
            bar.set_position(done);
            return;
        }
        let Some(target) = self.target.as_ref().map(|t| t()) else {
            return;
        };
        self.take_down();
        let bar = ProgressBar::with_draw_target(Some(total), target)
            .with_style(style(work, self.lang))
            .with_message(work.label(self.lang));
        bar.set_position(done);
        self.shown = Some((work, bar));
    }

    /// Whether a bar is drawn at all (standard error is a terminal): work that costs something
    /// only to size the bar, such as counting the rows of an export, is done only then.
    pub fn drawn(&self) -> bool {
        self.target.is_some()
    }

    /// Take the bar off the terminal, before the command writes its summary or its problems.
    pub fn clear(mut self) {
        self.take_down();
    }

    fn take_down(&mut self) {
        if let Some((_, bar)) = self.shown.take() {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.take_down();
    }
}

fn template(work: Work, lang: Lang) -> String {
    format!(
        "{{msg}} [{{wide_bar}}] {{human_pos}}/{{human_len}} {{rate}} {} {{elapsed}}",
        work.unit(lang)
    )
}

/// `校验 [=====>     ] 12,000/200,000 25,000 行/秒 3s`: the bar takes what the label and the
/// numbers leave of the terminal's width.
fn style(work: Work, lang: Lang) -> ProgressStyle {
    ProgressStyle::with_template(&template(work, lang))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
        .with_key("rate", |s: &ProgressState, w: &mut dyn std::fmt::Write| {
            // Whole rows a second with separators (`25,000`): the figure a clerk compares.
            let _ = write!(w, "{}", indicatif::HumanCount(s.per_sec() as u64));
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// What a bar wrote to a terminal of 80 columns: each drawn line, and "<clear>" for a
    /// cleared one.
    #[derive(Debug, Default, Clone)]
    struct Screen(Arc<Mutex<Vec<String>>>);

    impl Screen {
        fn push(&self, s: &str) {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(s.to_string());
        }
        fn lines(&self) -> Vec<String> {
            self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
        }
    }

    impl indicatif::TermLike for Screen {
        fn width(&self) -> u16 {
            80
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.push(s);
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            if !s.is_empty() {
                self.push(s);
            }
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            self.push("<clear>");
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn on(screen: &Screen, lang: Lang) -> Bar {
        let screen = screen.clone();
        Bar {
            lang,
            target: Some(Box::new(move || {
                ProgressDrawTarget::term_like(Box::new(screen.clone()))
            })),
            shown: None,
        }
    }

    #[test]
    fn every_template_parses_in_both_languages() {
        for lang in [Lang::Zh, Lang::En] {
            for work in [
                Work::Validate,
                Work::Write,
                Work::DemoPeople,
                Work::Report,
                Work::Export,
            ] {
                let t = template(work, lang);
                assert!(
                    ProgressStyle::with_template(&t).is_ok(),
                    "{t} must parse, or the bar falls back to indicatif's default"
                );
            }
        }
    }

    #[test]
    fn a_bar_shows_the_step_its_count_and_rate_within_80_columns_then_clears() {
        for (lang, label, unit) in [
            (Lang::Zh, "校验", "行/秒"),
            (Lang::En, "checking", "rows/s"),
        ] {
            let screen = Screen::default();
            let mut bar = on(&screen, lang);
            bar.report(Work::Validate, 12_000, 200_000);
            bar.clear();
            let lines = screen.lines();
            let drawn = lines
                .iter()
                .find(|l| l.contains(label))
                .unwrap_or_else(|| panic!("no {label} line in {lines:?}"));
            assert!(drawn.contains("12,000/200,000"), "{drawn}");
            assert!(drawn.contains(unit), "{drawn}");
            let width = unicode_width::UnicodeWidthStr::width(drawn.as_str());
            assert!(width <= 80, "{width} columns: {drawn}");
            assert_eq!(
                lines.last().map(String::as_str),
                Some("<clear>"),
                "{lines:?}"
            );
        }
    }

    #[test]
    fn a_new_step_starts_its_own_bar_and_takes_the_old_one_down() {
        let screen = Screen::default();
        let mut bar = on(&screen, Lang::En);
        bar.report(Work::Validate, 0, 10);
        bar.report(Work::Write, 3, 7);
        let lines = screen.lines();
        let validate = lines.iter().position(|l| l.contains("checking"));
        let write = lines
            .iter()
            .position(|l| l.contains("writing") && l.contains("3/7"));
        let (Some(v), Some(w)) = (validate, write) else {
            panic!("both steps drawn: {lines:?}");
        };
        assert!(
            lines[v..w].iter().any(|l| l == "<clear>"),
            "the checking bar is cleared before the writing one: {lines:?}"
        );
        drop(bar);
        assert_eq!(screen.lines().last().map(String::as_str), Some("<clear>"));
    }

    #[test]
    fn a_bar_that_is_not_on_a_terminal_keeps_nothing() {
        let mut bar = Bar {
            lang: Lang::Zh,
            target: None,
            shown: None,
        };
        bar.report(Work::Validate, 0, 10);
        bar.report(Work::Write, 5, 10);
        assert!(
            bar.shown.is_none(),
            "no bar is made when stderr is not a terminal"
        );
    }
}
