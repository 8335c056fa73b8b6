//! Putting escape sequences back together when a slow link splits them.
//!
//! crossterm reads `ESC [ B` (cursor down) as one key only when the three bytes arrive in one
//! read. Over a slow SSH link the `ESC` may come alone and `[B` 20–200 ms later: crossterm then
//! reports a lone `Esc` key followed by the characters `[` and `B`. Unrepaired, that `Esc` leaves
//! a form or dismisses a question, and `[B` types "[B" into whatever field has the focus.
//!
//! The [`Assembler`] sits between crossterm's events and `App::handle_event`: a plain `Esc` is
//! held for [`ESC_WINDOW`]; if `[` (CSI) or `O` (SS3) follows within it, the characters up to the
//! sequence's final character are read as the key the sequence was (`[B` → Down, `[5~` → PgUp,
//! `OP` → F1 …), and a sequence it does not know is swallowed silently. An introducer with no
//! tail at all (`Esc` then `[` and nothing for the window, or a key that cannot continue it) was
//! typed: both keys are delivered (on the report screen `Esc` `[` is "up a level, previous year"). Otherwise the `Esc` is
//! delivered when the window expires (the loop asks [`Assembler::deadline`] how long to wait),
//! or at once, before the key that followed it.
//!
//! The assembler is pure: time is passed in, so tests replay any timing exactly.
//!
//! What it cannot repair: two `Esc` presses read in one chunk (`ESC ESC`, as a fast double
//! `Esc` often arrives over SSH). crossterm 0.29's parser (`event/sys/unix/parse.rs`) turns
//! `ESC ESC` into one plain `Esc` and consumes both bytes, so the event is identical to a lone
//! `Esc` and nothing here can tell that a second one was pressed. Restoring it needs the
//! terminal's bytes themselves, read by this program instead of by `event::read`.

use std::time::{Duration, Instant};

use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// How long a lone `Esc` waits for the rest of a split escape sequence. Slow SSH links deliver
/// the tail 20–200 ms after the `ESC`; 300 ms covers them with room, and is still short enough
/// that a clerk who pressed `Esc` on purpose sees it act at once.
pub const ESC_WINDOW: Duration = Duration::from_millis(300);

/// Characters of a sequence's tail beyond which it cannot be one we know: give up on it (the
/// longest we read is `[15;5~`).
const MAX_TAIL: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// Nothing held.
    Idle,
    /// A plain `Esc` arrived at this instant; it may be the start of a sequence.
    Esc(Instant),
    /// `Esc` then the introducer (`[` or `O`), then `tail` so far; the last character arrived at
    /// the instant given.
    Sequence {
        ss3: bool,
        tail: String,
        last: Instant,
    },
}

/// Reassembles escape sequences that arrived as separate keys (see the module doc).
#[derive(Debug, Clone)]
pub struct Assembler {
    state: State,
}

impl Default for Assembler {
    fn default() -> Self {
        Assembler::new()
    }
}

impl Assembler {
    pub fn new() -> Assembler {
        Assembler { state: State::Idle }
    }

    /// Take one event read at `at`; returns the events to hand to the application now, in order
    /// (none while a possible sequence is held).
    pub fn push(&mut self, event: Event, at: Instant) -> Vec<Event> {
        // A held `Esc` whose window passed before this event is a real `Esc`.
        let mut out = self.due(at);
        let key = match event {
            Event::Key(k) if k.kind != KeyEventKind::Release => k,
            // Releases, resizes, focus and mouse reports are no part of a sequence: let them
            // through without disturbing what is held.
            Event::Key(_)
            | Event::Resize(..)
            | Event::FocusGained
            | Event::FocusLost
            | Event::Mouse(_) => {
                out.push(event);
                return out;
            }
            Event::Paste(_) => {
                // A paste ends whatever was held: an `Esc` before it was meant; half a sequence
                // was not text.
                if let State::Esc(_) = self.state {
                    out.push(esc());
                }
                self.state = State::Idle;
                out.push(event);
                return out;
            }
        };
        if let KeyCode::Char(c) = key.code
            && key.modifiers.contains(KeyModifiers::ALT)
            && !key.modifiers.contains(KeyModifiers::CONTROL)
        {
            // `Esc` and a key arriving together read as Alt+key, which no binding uses (Alt may
            // not reach us over SSH at all): it was `Esc`, then the key, typed quickly.
            let mut plain = KeyEvent::new(KeyCode::Char(c), key.modifiers);
            plain.modifiers.remove(KeyModifiers::ALT);
            out.extend(self.push(esc(), at));
            out.extend(self.push(Event::Key(plain), at));
            return out;
        }
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Idle => {
                if is_plain_esc(&key) {
                    self.state = State::Esc(at);
                } else {
                    out.push(Event::Key(key));
                }
            }
            State::Esc(_) => match plain_char(&key) {
                Some('[') => {
                    self.state = State::Sequence {
                        ss3: false,
                        tail: String::new(),
                        last: at,
                    }
                }
                Some('O') => {
                    self.state = State::Sequence {
                        ss3: true,
                        tail: String::new(),
                        last: at,
                    }
                }
                _ => {
                    // The `Esc` was meant, and so is what follows it (another `Esc` may again
                    // start a sequence).
                    out.push(esc());
                    if is_plain_esc(&key) {
                        self.state = State::Esc(at);
                    } else {
                        out.push(Event::Key(key));
                    }
                }
            },
            State::Sequence { ss3, mut tail, .. } => match plain_char(&key) {
                Some(c) if c.is_ascii() && !c.is_ascii_control() => {
                    tail.push(c);
                    if is_final(c, ss3, &tail) {
                        if let Some(k) = decode(ss3, &tail) {
                            out.push(Event::Key(k));
                        }
                    } else if tail.len() < MAX_TAIL {
                        self.state = State::Sequence {
                            ss3,
                            tail,
                            last: at,
                        };
                    }
                }
                _ => {
                    // Not a sequence character. `Esc` and the introducer alone were typed (the
                    // clerk left a level and pressed `[`): both are meant. A longer half
                    // sequence was noise; this key is not.
                    if tail.is_empty() {
                        out.extend(typed_introducer(ss3));
                    }
                    if is_plain_esc(&key) {
                        self.state = State::Esc(at);
                    } else {
                        out.push(Event::Key(key));
                    }
                }
            },
        }
        out
    }

    /// Events whose waiting is over at `at`: a held `Esc` whose window expired is delivered; a
    /// half sequence whose tail stopped coming is dropped (it is not text the clerk typed).
    pub fn due(&mut self, at: Instant) -> Vec<Event> {
        match self.state {
            State::Esc(since) if at.saturating_duration_since(since) >= ESC_WINDOW => {
                self.state = State::Idle;
                vec![esc()]
            }
            State::Sequence {
                ss3,
                ref tail,
                last,
            } if at.saturating_duration_since(last) >= ESC_WINDOW => {
                // `Esc` then `[` (or `O`) and nothing more for the whole window: no terminal
                // sends an introducer without its tail in pieces that far apart, so the clerk
                // typed them (on the report screen `[` is the previous year).
                let typed = tail.is_empty();
                self.state = State::Idle;
                if typed {
                    typed_introducer(ss3)
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        }
    }

    /// When [`Assembler::due`] next has something to do, if anything is held: the event loop
    /// waits for input no longer than this.
    pub fn deadline(&self) -> Option<Instant> {
        match &self.state {
            State::Idle => None,
            State::Esc(since) => Some(*since + ESC_WINDOW),
            State::Sequence { last, .. } => Some(*last + ESC_WINDOW),
        }
    }
}

/// `Esc` and the introducer as the keys the clerk typed.
fn typed_introducer(ss3: bool) -> Vec<Event> {
    let c = if ss3 { 'O' } else { '[' };
    let mods = if ss3 {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    vec![esc(), Event::Key(KeyEvent::new(KeyCode::Char(c), mods))]
}

fn esc() -> Event {
    Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE))
}

fn is_plain_esc(key: &KeyEvent) -> bool {
    key.code == KeyCode::Esc && key.modifiers.is_empty()
}

/// The character of a key without Ctrl or Alt (crossterm reports `B` with Shift on some
/// terminals and without on others).
fn plain_char(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// Whether `c` ends the sequence: SS3 takes one character; CSI ends on a byte 0x40–0x7E
/// (ECMA-48), where `[` alone right after the introducer is the Linux console's F-key prefix.
fn is_final(c: char, ss3: bool, tail: &str) -> bool {
    if ss3 {
        return true;
    }
    if tail == "[" {
        return false;
    }
    ('\u{40}'..='\u{7e}').contains(&c)
}

/// The key a complete sequence stands for (`tail` is what followed `[` or `O`), or `None` for
/// one this program has no use for.
fn decode(ss3: bool, tail: &str) -> Option<KeyEvent> {
    let final_char = tail.chars().last()?;
    let params = &tail[..tail.len() - final_char.len_utf8()];
    if ss3 {
        let code = match final_char {
            'A' => KeyCode::Up,
            'B' => KeyCode::Down,
            'C' => KeyCode::Right,
            'D' => KeyCode::Left,
            'H' => KeyCode::Home,
            'F' => KeyCode::End,
            'P' => KeyCode::F(1),
            'Q' => KeyCode::F(2),
            'R' => KeyCode::F(3),
            'S' => KeyCode::F(4),
            _ => return None,
        };
        return Some(KeyEvent::new(code, KeyModifiers::NONE));
    }
    // `[1;5A`: the second parameter is 1 + a bit set of Shift 1, Alt 2, Ctrl 4.
    let mut numbers = params.split(';');
    let first = numbers.next().unwrap_or("");
    let modifiers = match numbers.next() {
        Some(m) => {
            let m: u8 = m.parse().ok()?;
            let bits = m.checked_sub(1)?;
            let mut mods = KeyModifiers::NONE;
            if bits & 1 != 0 {
                mods |= KeyModifiers::SHIFT;
            }
            if bits & 2 != 0 {
                mods |= KeyModifiers::ALT;
            }
            if bits & 4 != 0 {
                mods |= KeyModifiers::CONTROL;
            }
            mods
        }
        None => KeyModifiers::NONE,
    };
    if numbers.next().is_some() {
        return None;
    }
    let code = match (first, final_char) {
        ("" | "1", 'A') => KeyCode::Up,
        ("" | "1", 'B') => KeyCode::Down,
        ("" | "1", 'C') => KeyCode::Right,
        ("" | "1", 'D') => KeyCode::Left,
        ("" | "1", 'H') => KeyCode::Home,
        ("" | "1", 'F') => KeyCode::End,
        ("" | "1", 'P') => KeyCode::F(1),
        ("" | "1", 'Q') => KeyCode::F(2),
        ("" | "1", 'R') => KeyCode::F(3),
        ("" | "1", 'S') => KeyCode::F(4),
        ("", 'Z') => {
            return Some(KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT));
        }
        // The Linux console's F1–F5: `[[A` … `[[E`.
        ("[", 'A'..='E') => KeyCode::F(final_char as u8 - b'A' + 1),
        (n, '~') => match n {
            "1" | "7" => KeyCode::Home,
            "2" => KeyCode::Insert,
            "3" => KeyCode::Delete,
            "4" | "8" => KeyCode::End,
            "5" => KeyCode::PageUp,
            "6" => KeyCode::PageDown,
            "11" => KeyCode::F(1),
            "12" => KeyCode::F(2),
            "13" => KeyCode::F(3),
            "14" => KeyCode::F(4),
            "15" => KeyCode::F(5),
            "17" => KeyCode::F(6),
            "18" => KeyCode::F(7),
            "19" => KeyCode::F(8),
            "20" => KeyCode::F(9),
            "21" => KeyCode::F(10),
            "23" => KeyCode::F(11),
            "24" => KeyCode::F(12),
            _ => return None,
        },
        _ => return None,
    };
    Some(KeyEvent::new(code, modifiers))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    /// A character as crossterm reports it: capitals with Shift.
    fn ch(c: char) -> Event {
        let mods = if c.is_ascii_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        Event::Key(KeyEvent::new(KeyCode::Char(c), mods))
    }

    fn ms(t0: Instant, n: u64) -> Instant {
        t0 + Duration::from_millis(n)
    }

    /// `Esc` then `2` sent together read as Alt+2 (as tmux delivers `Escape` `2`): a clerk
    /// leaving a screen and going to tab 2 gets both, not nothing; and `Esc` `[` `B` together as
    /// Alt+`[` then `B` is still ↓.
    #[test]
    fn alt_and_a_character_is_esc_then_the_character() {
        let t0 = Instant::now();
        let mut a = Assembler::new();
        let alt = |c| Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT));
        assert_eq!(a.push(alt('2'), t0), vec![key(KeyCode::Esc), ch('2')]);
        let mut out = a.push(alt('['), ms(t0, 1));
        out.extend(a.push(ch('B'), ms(t0, 2)));
        assert_eq!(out, vec![key(KeyCode::Down)]);
    }

    /// Feed `Esc` at 0 ms and then `tail`'s characters from `gap` ms on, 1 ms apart; all events
    /// delivered, including those due well after.
    fn split(tail: &str, gap: u64) -> Vec<Event> {
        let t0 = Instant::now();
        let mut a = Assembler::new();
        let mut out = a.push(key(KeyCode::Esc), t0);
        for (i, c) in tail.chars().enumerate() {
            out.extend(a.push(ch(c), ms(t0, gap + i as u64)));
        }
        out.extend(a.due(ms(t0, 10_000)));
        out
    }

    #[test]
    fn a_split_cursor_down_is_one_down_key() {
        for gap in [1, 20, 100, 200, 299] {
            assert_eq!(split("[B", gap), vec![key(KeyCode::Down)], "gap {gap} ms");
        }
    }

    #[test]
    fn each_known_sequence_is_its_key() {
        let cases = [
            ("[A", KeyCode::Up),
            ("[B", KeyCode::Down),
            ("[C", KeyCode::Right),
            ("[D", KeyCode::Left),
            ("[H", KeyCode::Home),
            ("[F", KeyCode::End),
            ("[1~", KeyCode::Home),
            ("[4~", KeyCode::End),
            ("[5~", KeyCode::PageUp),
            ("[6~", KeyCode::PageDown),
            ("[3~", KeyCode::Delete),
            ("OA", KeyCode::Up),
            ("OB", KeyCode::Down),
            ("OH", KeyCode::Home),
            ("OP", KeyCode::F(1)),
            ("OQ", KeyCode::F(2)),
            ("OR", KeyCode::F(3)),
            ("OS", KeyCode::F(4)),
            ("[11~", KeyCode::F(1)),
            ("[[A", KeyCode::F(1)),
        ];
        for (tail, code) in cases {
            assert_eq!(split(tail, 50), vec![key(code)], "ESC {tail}");
        }
        assert_eq!(
            split("[Z", 50),
            vec![Event::Key(KeyEvent::new(
                KeyCode::BackTab,
                KeyModifiers::SHIFT
            ))]
        );
    }

    #[test]
    fn modifier_parameters_are_read() {
        assert_eq!(
            split("[1;5A", 40),
            vec![Event::Key(KeyEvent::new(
                KeyCode::Up,
                KeyModifiers::CONTROL
            ))]
        );
        assert_eq!(
            split("[3;2~", 40),
            vec![Event::Key(KeyEvent::new(
                KeyCode::Delete,
                KeyModifiers::SHIFT
            ))]
        );
    }

    #[test]
    fn an_unknown_sequence_is_swallowed_not_typed() {
        // Mouse reports, focus reports, colour answers: nothing of them reaches a form.
        assert_eq!(split("[99x", 30), vec![]);
        assert_eq!(split("[?1;2c", 30), vec![]);
        assert_eq!(split("OZ", 30), vec![]);
    }

    #[test]
    fn a_lone_esc_is_delivered_when_its_window_expires() {
        let t0 = Instant::now();
        let mut a = Assembler::new();
        assert_eq!(a.push(key(KeyCode::Esc), t0), vec![]);
        assert_eq!(a.deadline(), Some(t0 + ESC_WINDOW));
        assert_eq!(a.due(ms(t0, 299)), vec![], "still waiting for a tail");
        assert_eq!(a.due(t0 + ESC_WINDOW), vec![key(KeyCode::Esc)]);
        assert_eq!(a.deadline(), None);
        assert_eq!(a.due(ms(t0, 5000)), vec![], "delivered once");
    }

    #[test]
    fn a_bracket_after_the_window_is_text() {
        // The clerk pressed Esc, then later typed `[` and `B`: all three are meant.
        assert_eq!(split("[B", 400), vec![key(KeyCode::Esc), ch('['), ch('B')]);
    }

    #[test]
    fn esc_then_another_key_delivers_both_at_once_in_order() {
        let t0 = Instant::now();
        let mut a = Assembler::new();
        assert_eq!(a.push(key(KeyCode::Esc), t0), vec![]);
        assert_eq!(
            a.push(ch('y'), ms(t0, 50)),
            vec![key(KeyCode::Esc), ch('y')]
        );
        assert_eq!(a.deadline(), None);
        assert_eq!(
            a.push(key(KeyCode::Enter), ms(t0, 60)),
            vec![key(KeyCode::Enter)]
        );
    }

    #[test]
    fn two_escapes_are_two_and_the_second_may_start_a_sequence() {
        let t0 = Instant::now();
        let mut a = Assembler::new();
        a.push(key(KeyCode::Esc), t0);
        assert_eq!(
            a.push(key(KeyCode::Esc), ms(t0, 10)),
            vec![key(KeyCode::Esc)]
        );
        a.push(ch('['), ms(t0, 20));
        assert_eq!(a.push(ch('A'), ms(t0, 30)), vec![key(KeyCode::Up)]);
    }

    #[test]
    fn a_held_esc_expired_before_the_next_key_goes_first() {
        // The loop may not have polled in time: the stale Esc still comes before the key.
        let t0 = Instant::now();
        let mut a = Assembler::new();
        a.push(key(KeyCode::Esc), t0);
        assert_eq!(
            a.push(ch('['), ms(t0, 900)),
            vec![key(KeyCode::Esc), ch('[')]
        );
    }

    #[test]
    fn a_half_sequence_whose_tail_never_comes_is_dropped() {
        let t0 = Instant::now();
        let mut a = Assembler::new();
        a.push(key(KeyCode::Esc), t0);
        a.push(ch('['), ms(t0, 50));
        a.push(ch('1'), ms(t0, 60));
        assert_eq!(a.deadline(), Some(ms(t0, 60) + ESC_WINDOW));
        assert_eq!(a.due(ms(t0, 1000)), vec![]);
        assert_eq!(a.push(ch('x'), ms(t0, 1100)), vec![ch('x')]);
    }

    #[test]
    fn a_non_character_key_ends_a_half_sequence_and_is_kept() {
        let t0 = Instant::now();
        let mut a = Assembler::new();
        a.push(key(KeyCode::Esc), t0);
        a.push(ch('['), ms(t0, 50));
        assert_eq!(
            a.push(key(KeyCode::Enter), ms(t0, 60)),
            vec![key(KeyCode::Esc), ch('['), key(KeyCode::Enter)],
            "Esc, [ and Enter were all typed: no terminal sends an introducer then Enter"
        );
        assert_eq!(a.deadline(), None);
    }

    /// The tester's report screen: Esc (up a level), then `[` (the previous year) 50-250 ms
    /// later, and nothing after it: both keys act, neither is lost as half a sequence.
    #[test]
    fn esc_then_a_bracket_alone_is_both_keys_when_the_window_passes() {
        for gap in [50, 150, 250] {
            let t0 = Instant::now();
            let mut a = Assembler::new();
            assert_eq!(a.push(key(KeyCode::Esc), t0), vec![]);
            assert_eq!(a.push(ch('['), ms(t0, gap)), vec![], "may still be ↓ split");
            assert_eq!(a.due(ms(t0, gap + 299)), vec![]);
            assert_eq!(
                a.due(ms(t0, gap) + ESC_WINDOW),
                vec![key(KeyCode::Esc), ch('[')],
                "gap {gap} ms"
            );
            assert_eq!(a.deadline(), None);
        }
        // The same for SS3's `O`, and a later key is not disturbed.
        let t0 = Instant::now();
        let mut a = Assembler::new();
        a.push(key(KeyCode::Esc), t0);
        a.push(ch('O'), ms(t0, 20));
        assert_eq!(
            a.push(key(KeyCode::Enter), ms(t0, 30)),
            vec![key(KeyCode::Esc), ch('O'), key(KeyCode::Enter)]
        );
    }

    #[test]
    fn other_events_pass_through_without_disturbing_a_held_esc() {
        let t0 = Instant::now();
        let mut a = Assembler::new();
        a.push(key(KeyCode::Esc), t0);
        assert_eq!(
            a.push(Event::Resize(80, 24), ms(t0, 10)),
            vec![Event::Resize(80, 24)]
        );
        a.push(ch('['), ms(t0, 20));
        assert_eq!(a.push(ch('B'), ms(t0, 30)), vec![key(KeyCode::Down)]);
        // A paste ends a held Esc: the Esc was meant.
        a.push(key(KeyCode::Esc), ms(t0, 40));
        assert_eq!(
            a.push(Event::Paste("张".into()), ms(t0, 50)),
            vec![key(KeyCode::Esc), Event::Paste("张".into())]
        );
    }

    #[test]
    fn keys_without_esc_pass_at_once() {
        let t0 = Instant::now();
        let mut a = Assembler::new();
        for c in "[B]O~".chars() {
            assert_eq!(a.push(ch(c), t0), vec![ch(c)]);
        }
        let alt_esc = Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::ALT));
        assert_eq!(a.push(alt_esc.clone(), t0), vec![alt_esc]);
        assert_eq!(a.deadline(), None);
    }

    #[test]
    fn an_overlong_tail_is_given_up_and_later_keys_pass() {
        let t0 = Instant::now();
        let mut a = Assembler::new();
        a.push(key(KeyCode::Esc), t0);
        a.push(ch('['), t0);
        for _ in 0..MAX_TAIL {
            assert_eq!(a.push(ch('1'), t0), vec![]);
        }
        assert_eq!(a.deadline(), None, "given up");
        assert_eq!(a.push(ch('1'), t0), vec![ch('1')]);
    }
}
