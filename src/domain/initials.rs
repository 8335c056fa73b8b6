//! Pinyin initials of a name, so that a clerk finds 张伟 by typing `zw`.

use pinyin::ToPinyinMulti;

/// Most names have one reading; a heteronym (曾 zēng/céng, 单 shàn/dān) gives several. Keep a
/// few variants so that either reading finds the person, without letting long names explode.
const MAX_VARIANTS: usize = 4;

/// The initials of every reading of `name`, lower case, separated by spaces: 张伟 → "zw",
/// 曾伟 → "zw cw". Letters and digits in the name are kept as they are; other characters are
/// skipped.
pub fn initials(name: &str) -> String {
    let mut variants: Vec<String> = vec![String::new()];
    for c in name.chars() {
        let letters: Vec<char> = match c.to_pinyin_multi() {
            Some(multi) => {
                let mut ls: Vec<char> = multi
                    .into_iter()
                    .filter_map(|p| p.first_letter().chars().next())
                    .collect();
                ls.dedup();
                let mut seen = Vec::new();
                ls.retain(|l| {
                    let new = !seen.contains(l);
                    seen.push(*l);
                    new
                });
                ls
            }
            None if c.is_ascii_alphanumeric() => vec![c.to_ascii_lowercase()],
            None => continue,
        };
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
    }

    #[test]
    fn latin_letters_are_kept() {
        assert_eq!(initials("Anna张"), "annaz");
    }
}
