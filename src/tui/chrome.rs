//! The screen's chrome: the footer of key hints, the message line, and the boxes that ask
//! questions. What is laid out here is pure (text and widths in terminal columns), so the rules
//! are tested without a terminal; `App::render_*` draws it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Clear;

use crate::domain::text::width;

/// How many footer hints fit in `cols` columns, each drawn as `key label ` (key, a space, the
/// label, a space), and whether some were left out. When some are, one column is kept for the
/// `…` that says so. The first hint (`?` help, which lists every key) is kept even when alone.
pub fn footer_fit(hints: &[(String, &str)], cols: usize) -> (usize, bool) {
    let w = |(k, l): &(String, &str)| width(k) + width(l) + 2;
    let total: usize = hints.iter().map(w).sum();
    if total <= cols {
        return (hints.len(), false);
    }
    let mut used = 0;
    let mut shown = 0;
    for h in hints {
        if used + w(h) + 1 > cols && shown > 0 {
            break;
        }
        used += w(h);
        shown += 1;
    }
    (shown, true)
}

/// Text broken into lines of at most `cols` terminal columns, never inside a word: breaks fall
/// at spaces, and (in a run of Chinese longer than a term, [`TERM_COLS`]) between two
/// characters of which one is wide (CJK), except before closing
/// punctuation (`，。）…`) or after opening punctuation (`（“`), so an ID number, a date or an
/// English word stays whole. Only a word longer than a whole line is cut, at the line's end.
pub fn wrap(text: &str, cols: usize) -> Vec<String> {
    let cols = cols.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for atom in atoms(text) {
        let word = atom.trim_end();
        let word_w = width(word);
        if used > 0 && used + word_w > cols {
            lines.push(line.trim_end().to_string());
            line.clear();
            used = 0;
        }
        if used == 0 && word.is_empty() {
            continue; // spaces at the start of a line
        }
        if word_w > cols {
            // A word wider than the line: cut it where the line ends.
            for c in word.chars() {
                let cw = width(c.encode_utf8(&mut [0; 4]));
                if used + cw > cols && used > 0 {
                    lines.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push(c);
                used += cw;
            }
            line.push_str(&atom[word.len()..]);
            used += width(&atom[word.len()..]);
        } else {
            line.push_str(&atom);
            used += width(&atom);
        }
    }
    if !line.trim_end().is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// Space-separated Chinese no wider than this is a term of a list (`不予通过`, `已出具`): it
/// stays whole on one line, as a clerk reads it. Longer runs are sentences, broken between
/// characters as Chinese text is.
const TERM_COLS: usize = 12;

/// The unbreakable pieces of `text`, each with the spaces that follow it.
fn atoms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for token in text.split_inclusive(char::is_whitespace) {
        let word = token.trim_end();
        if !word.is_empty() && width(word) <= TERM_COLS {
            out.push(token.to_string());
            continue;
        }
        let mut prev: Option<char> = None;
        for c in token.chars() {
            let start = match prev {
                None => true,
                Some(p) => break_between(p, c),
            };
            match out.last_mut() {
                Some(last) if !start => last.push(c),
                _ => out.push(c.to_string()),
            }
            prev = Some(c);
        }
    }
    out
}

fn is_wide(c: char) -> bool {
    unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) > 1
}

fn closing(c: char) -> bool {
    "，。、；：？！）」』》〉】…”’％,.;:?!)]}%".contains(c)
}

fn opening(c: char) -> bool {
    "（「『《〈【“‘([{".contains(c)
}

fn break_between(a: char, b: char) -> bool {
    if b.is_whitespace() {
        return false;
    }
    if a.is_whitespace() {
        return true;
    }
    (is_wide(a) || is_wide(b)) && !closing(b) && !opening(a)
}

/// `lines` cut to at most `rows`; when some are left out, the last kept line ends in `…`
/// (within `cols`), so the clerk sees there is more.
pub fn clip(mut lines: Vec<String>, rows: usize, cols: usize) -> Vec<String> {
    if lines.len() <= rows {
        return lines;
    }
    lines.truncate(rows.max(1));
    if let Some(last) = lines.last_mut() {
        let room = cols.saturating_sub(1);
        *last = if width(last) <= room {
            format!("{last}…")
        } else {
            // `fit` ends what it cuts in `…`.
            crate::domain::text::fit(last, room).trim_end().to_string()
        };
    }
    lines
}

/// Clear `area` for a box drawn over a screen. A wide character just left of the box would
/// cover the box's left border on a real terminal, and ratatui's diff, taking the border's cell
/// for that character's right half, would never send the border: the character is blanked, so
/// every box keeps its borders whatever is beneath it.
pub fn clear_for_box(f: &mut Frame, area: Rect) {
    f.render_widget(Clear, area);
    let buf = f.buffer_mut();
    let screen = buf.area;
    if area.x == 0 || area.x > screen.right() {
        return;
    }
    for y in area.top()..area.bottom().min(screen.bottom()) {
        let left = (area.x - 1, y);
        if unicode_width::UnicodeWidthStr::width(buf[left].symbol()) > 1 {
            buf[left].set_symbol(" ");
        }
    }
}

/// The length in characters of the rule code (`R6.2`, `R2.1`) at `chars[i]`, if one starts
/// there: `R`, a rule group 1–7, `.`, digits, not part of a longer word.
fn rule_code_at(chars: &[char], i: usize) -> Option<usize> {
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if chars.get(i) != Some(&'R') || (i > 0 && word(chars.get(i - 1))) {
        return None;
    }
    if !chars.get(i + 1).is_some_and(|c| ('1'..='7').contains(c)) || chars.get(i + 2) != Some(&'.')
    {
        return None;
    }
    let mut j = i + 3;
    while chars.get(j).is_some_and(char::is_ascii_digit) {
        j += 1;
    }
    (j > i + 3 && !word(chars.get(j))).then_some(j - i)
}

/// What joins a rule code to the words beside it inside parentheses.
fn joiner(c: char) -> bool {
    matches!(c, ',' | '，' | '、' | ';' | '；' | ' ')
}

/// The words of a parenthesis with its rule codes taken out, each with what joined it.
fn inside_without_codes(inner: &[char]) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        if let Some(n) = rule_code_at(inner, i) {
            i += n;
            if inner.get(i).is_some_and(|&c| joiner(c)) {
                while inner.get(i).is_some_and(|&c| joiner(c)) {
                    i += 1;
                }
            } else {
                while out.last().is_some_and(|&c| joiner(c)) {
                    out.pop();
                }
            }
            continue;
        }
        out.push(inner[i]);
        i += 1;
    }
    out
}

/// `text` as a clerk reads it on screen: without the rule codes (`（R6.1）`, `(R2.1)`,
/// `按R6.2`, `under R6.2`) that the services' messages carry for the command line's logs and
/// for tests. Clerks know the notice, not its numbering in `DOMAIN.md` (tester's fault 7): the
/// words around a code already say what it means, so the code goes, with the parenthesis it
/// stood alone in or the comma that joined it to words.
pub fn without_rule_codes(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    if !(0..chars.len()).any(|i| rule_code_at(&chars, i).is_some()) {
        return text.to_string();
    }
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let close = match chars[i] {
            '（' => Some('）'),
            '(' => Some(')'),
            _ => None,
        };
        if let Some(close) = close
            && let Some(len) = chars[i + 1..].iter().position(|&c| c == close)
        {
            let inner = &chars[i + 1..i + 1 + len];
            if (0..inner.len()).any(|k| rule_code_at(inner, k).is_some()) {
                let kept = inside_without_codes(inner);
                if kept.iter().all(|&c| joiner(c)) {
                    // Only codes: the parenthesis goes, with the space before an ASCII one.
                    if chars[i] == '(' && out.last() == Some(&' ') {
                        out.pop();
                    }
                } else {
                    out.push(chars[i]);
                    out.extend(kept);
                    out.push(close);
                }
                i += len + 2;
                continue;
            }
        }
        if let Some(n) = rule_code_at(&chars, i) {
            // In running text: "按R6.2应由…" and "… under R6.2" say it by the code alone.
            let before: String = out.iter().rev().take(7).rev().collect();
            if out.last() == Some(&'按') {
                out.pop();
            } else if before == " under " {
                out.truncate(out.len() - 7);
            }
            i += n;
            if chars.get(i) == Some(&' ') && out.last().is_none_or(|&c| c == ' ') {
                i += 1;
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A box drawn at an odd column over a screen of Chinese text keeps its left border on the
    /// glass of a real terminal, row after row.
    #[test]
    fn a_box_over_wide_characters_keeps_its_borders_on_the_glass() {
        use crate::tui::testing::Glass;
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        use ratatui::widgets::{Block, Borders, Paragraph};
        let area = Rect::new(0, 0, 20, 4);
        let mut term = Terminal::new(TestBackend::new(20, 4)).unwrap();
        let text = "张伟王芳赵敏李娜刘洋陈静".repeat(2);
        let under = |f: &mut Frame| {
            for y in 0..4 {
                f.buffer_mut()
                    .set_string(0, y, &text, ratatui::style::Style::default());
            }
        };
        let mut glass = Glass::new(area);
        term.draw(|f| under(f)).unwrap();
        glass.receive(term.backend().buffer());
        term.draw(|f| {
            under(f);
            let b = Rect::new(5, 0, 9, 4);
            clear_for_box(f, b);
            f.render_widget(
                Paragraph::new("是否").block(Block::default().borders(Borders::ALL)),
                b,
            );
        })
        .unwrap();
        glass.receive(term.backend().buffer());
        let shown = glass.text();
        for (y, row) in shown.lines().enumerate() {
            let col5: String = {
                // Columns as a terminal counts them: wide characters take two.
                let mut x = 0;
                let mut found = String::new();
                for c in row.chars() {
                    if x == 5 {
                        found.push(c);
                        break;
                    }
                    x += unicode_width::UnicodeWidthChar::width(c).unwrap_or(1);
                }
                found
            };
            assert!(
                ["┌", "│", "└"].contains(&col5.as_str()),
                "row {y}: {row:?}\n{shown}"
            );
        }
    }

    #[test]
    fn a_list_of_chinese_terms_wraps_between_the_terms() {
        let list = "模式：合格 不足 冻结 未验证 待定 通过 退回 不予通过 已出具 另办";
        for cols in [20, 27, 33, 40] {
            let lines = wrap(list, cols);
            assert!(lines.iter().all(|l| width(l) <= cols), "{lines:?}");
            assert_eq!(
                lines.join(" "),
                list,
                "each term whole at {cols}: {lines:?}"
            );
        }
    }

    #[test]
    fn wrapping_never_cuts_a_word_or_a_number() {
        let en = "The ID number 43010219800101001X is registered to another person already";
        for cols in [20, 25, 33, 40] {
            let lines = wrap(en, cols);
            assert!(lines.iter().all(|l| width(l) <= cols), "{lines:?}");
            assert_eq!(lines.join(" "), en, "nothing lost or cut at {cols}");
        }
        let zh = "身份证号43010219800101001X已登记为张伟，不能再登记；请按Enter打开该人员。";
        for cols in [19, 20, 21, 30] {
            let lines = wrap(zh, cols);
            assert!(lines.iter().all(|l| width(l) <= cols), "{lines:?}");
            assert_eq!(lines.concat(), zh);
            assert!(
                lines.iter().any(|l| l.contains("43010219800101001X")),
                "the ID number whole at {cols}: {lines:?}"
            );
            assert!(
                lines
                    .iter()
                    .skip(1)
                    .all(|l| !l.starts_with(['，', '；', '。'])),
                "no line starts with closing punctuation: {lines:?}"
            );
        }
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_at_the_line_end() {
        assert_eq!(wrap("abcdefgh ij", 4), vec!["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 10), vec![""]);
        assert_eq!(wrap("张伟", 1), vec!["张", "伟"]);
    }

    #[test]
    fn the_footer_keeps_help_and_says_when_it_left_hints_out() {
        let hints: Vec<(String, &str)> = vec![
            ("?".into(), "帮助"),
            ("Enter".into(), "打开"),
            ("/".into(), "搜索"),
        ];
        // ? 帮助 (7) Enter 打开 (11) / 搜索 (7) = 25 columns.
        assert_eq!(footer_fit(&hints, 25), (3, false));
        assert_eq!(footer_fit(&hints, 24), (2, true));
        assert_eq!(footer_fit(&hints, 18), (1, true), "one column for …");
        assert_eq!(footer_fit(&hints, 3), (1, true), "help stays");
    }

    #[test]
    fn clipping_marks_what_was_left_out() {
        let lines = vec!["一二三".to_string(), "四五六".into(), "七".into()];
        assert_eq!(clip(lines.clone(), 3, 6), lines);
        assert_eq!(clip(lines, 2, 6), vec!["一二三", "四五…"]);
    }

    /// Tester's fault 7: the services' messages lose their rule codes on screen and keep
    /// every word around them.
    #[test]
    fn rule_codes_are_taken_out_of_what_clerks_read() {
        for (given, shown) in [
            (
                "已通过 0 人，跳过 1 人：验证结果为“冻结”，不能通过（R6.1）",
                "已通过 0 人，跳过 1 人：验证结果为“冻结”，不能通过",
            ),
            (
                "已退回：2013年公需科目不足：10 < 30（R2.1），合计不足：70 < 90（R2.1）",
                "已退回：2013年公需科目不足：10 < 30，合计不足：70 < 90",
            ),
            (
                "returned: 2013: public short: 10 < 30 (R2.1), total short: 70 < 90 (R2.1)",
                "returned: 2013: public short: 10 < 30, total short: 70 < 90",
            ),
            ("按R6.2应由株洲验证，请退回", "应由株洲验证，请退回"),
            (
                "verified by 株洲 under R6.2: return it",
                "verified by 株洲: return it",
            ),
            (
                "该人员有未解除的弄虚作假记录，不予出具合格证明（R5.3、R7.3）",
                "该人员有未解除的弄虚作假记录，不予出具合格证明",
            ),
            (
                "a batch of a 中央在湘单位 goes to the provincial office (省直, R6.3); 长沙市 cannot",
                "a batch of a 中央在湘单位 goes to the provincial office (省直); 长沙市 cannot",
            ),
            (
                "lijun 没有复核角色，不能登记（R5.5，系统配置 [roles] checker）",
                "lijun 没有复核角色，不能登记（系统配置 [roles] checker）",
            ),
            (
                "经办与复核须为两人（R5.5 双人复核；小单位可设 one_person_may_check）",
                "经办与复核须为两人（双人复核；小单位可设 one_person_may_check）",
            ),
            ("R2.1 2017年：公需≥30", "2017年：公需≥30"),
            // Not codes: a ward, a model number, a date, a Roman R in a word.
            (
                "R3病区 PR1.2 (Rx) ROOM 2017-07-15",
                "R3病区 PR1.2 (Rx) ROOM 2017-07-15",
            ),
        ] {
            assert_eq!(without_rule_codes(given), shown, "{given}");
        }
    }
}
