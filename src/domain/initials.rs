//! Pinyin initials of a name, so that a clerk finds 张伟 by typing `zw`.

use pinyin::ToPinyinMulti;

/// Most names have one reading; a heteronym (曾 zēng/céng, 单 shàn/dān) gives several. Keep a
/// few variants so that either reading finds the person, without letting long names explode.
const MAX_VARIANTS: usize = 4;

/// The initials of every reading of `name`, lower case, separated by spaces: 张伟 → "zw",
/// 曾伟 → "zw cw". Letters and digits in the name are kept as they are; other characters are
/// skipped. With several heteronyms the first [`MAX_VARIANTS`] combinations are kept, in the
/// order of the dictionary's readings, the earlier character varying slowest.
///
/// Work is linear in the length of `name`: each kept variant is written once, character by
/// character. Extending every variant by every reading per character, copying it each time,
/// as this once did, is quadratic: a 10 000-character name of heteronyms wrote tens of millions
/// of characters inside the import's write transaction.
pub fn initials(name: &str) -> String {
    initials_counted(name).0
}

/// [`initials`] and the number of characters written on the way, which the tests hold to a
/// linear bound.
fn initials_counted(name: &str) -> (String, usize) {
    let letters: Vec<Vec<char>> = name
        .chars()
        .map(letters_of)
        .filter(|ls| !ls.is_empty())
        .collect();
    // The k-th combination in that order is k written in the mixed radix of the readings'
    // counts, the last character the least significant digit.
    let combinations = letters
        .iter()
        .try_fold(1usize, |n, ls| {
            let n = n.saturating_mul(ls.len());
            (n < MAX_VARIANTS).then_some(n)
        })
        .unwrap_or(MAX_VARIANTS);
    let mut out = String::with_capacity((letters.len() + 1) * combinations);
    let mut written = 0usize;
    let mut choice = vec![0usize; letters.len()];
    for k in 0..combinations {
        let mut rest = k;
        for (c, ls) in choice.iter_mut().zip(&letters).rev() {
            *c = rest % ls.len();
            rest /= ls.len();
        }
        if k > 0 {
            out.push(' ');
        }
        for (&c, ls) in choice.iter().zip(&letters) {
            out.push(ls[c]);
            written += 1;
        }
    }
    (out, written)
}

/// The distinct first letters of a character's readings, in the dictionary's order; the
/// character itself (lower case) for an ASCII letter or digit; nothing otherwise.
fn letters_of(c: char) -> Vec<char> {
    match c.to_pinyin_multi() {
        Some(multi) => {
            let mut ls: Vec<char> = Vec::with_capacity(2);
            for p in multi {
                if let Some(l) = p.first_letter().chars().next()
                    && !ls.contains(&l)
                {
                    ls.push(l);
                }
            }
            ls
        }
        None if c.is_ascii_alphanumeric() => vec![c.to_ascii_lowercase()],
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_names() {
        assert_eq!(initials("张伟"), "zw");
        assert_eq!(initials("欧阳娜娜"), "oynn");
        assert_eq!(initials("李 娜"), "ln");
    }

    #[test]
    fn heteronyms_give_every_reading() {
        let i = initials("曾伟");
        assert!(i.split(' ').any(|v| v == "zw"), "{i}");
        assert!(i.split(' ').any(|v| v == "cw"), "{i}");
        // Two heteronyms: the combinations in the dictionary's order, the first name
        // character varying slowest, at most MAX_VARIANTS of them.
        let i = initials("曾单曾");
        let first = i.split(' ').next().unwrap_or_default();
        assert_eq!(i.split(' ').count(), MAX_VARIANTS, "{i}");
        assert!(i.split(' ').all(|v| v.starts_with(&first[..1])), "{i}");
    }

    #[test]
    fn latin_letters_are_kept() {
        assert_eq!(initials("Anna张"), "annaz");
    }

    /// Issue 9: a long name costs work linear in its length. Before, each character rebuilt
    /// every variant (`format!("{v}{l}")`): about 2n² characters written for n heteronyms,
    /// 200 million for 10 000. Now each kept variant is written once: at most MAX_VARIANTS
    /// characters per character of the name.
    #[test]
    fn work_is_linear_in_the_length_of_the_name() {
        for name in [
            "曾".repeat(10_000),
            "张".repeat(10_000),
            "单曾".repeat(5_000),
            "a".repeat(10_000),
        ] {
            let n = name.chars().count();
            let (i, written) = initials_counted(&name);
            assert!(
                written <= MAX_VARIANTS * n,
                "{written} characters written for a {n}-character name"
            );
            let first = i.split(' ').next().unwrap_or_default();
            assert_eq!(first.chars().count(), n);
        }
        // A megabyte of name still finishes, with the same linear bound.
        let huge = "曾伟".repeat(200_000);
        let (_, written) = initials_counted(&huge);
        assert!(written <= MAX_VARIANTS * 400_000, "{written}");
    }

    /// The former, quadratic algorithm, kept to show the linear one finds exactly what it found
    /// (stored initials of existing databases stay valid).
    fn former(name: &str) -> String {
        let mut variants: Vec<String> = vec![String::new()];
        for c in name.chars() {
            let letters = letters_of(c);
            if letters.is_empty() {
                continue;
            }
            let mut next = Vec::new();
            for v in &variants {
                for l in &letters {
                    if next.len() < MAX_VARIANTS {
                        next.push(format!("{v}{l}"));
                    }
                }
            }
            variants = next;
        }
        variants.join(" ")
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]
        #[test]
        fn same_initials_as_the_former_algorithm(name in "[曾单长行张伟a1 ·乐重]{0,12}") {
            proptest::prop_assert_eq!(initials(&name), former(&name));
        }
    }
}
