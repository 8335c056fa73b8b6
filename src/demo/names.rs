//! The characters of people's names (`data/demo/names.txt`): surnames, the commonest first, and
//! the given-name characters of men and women.

use super::rng::Rng;
use super::table::{DataError, lines};

/// The file as built into the program.
const NAMES_TXT: &str = include_str!("../../data/demo/names.txt");

/// How many of the first surnames are the common ones, drawn for about half of the people.
const COMMON_SURNAMES: usize = 20;

/// The name characters, in the file's order (the order is part of what a seed gives).
#[derive(Debug)]
pub(crate) struct Names {
    surnames: Vec<char>,
    male: Vec<char>,
    female: Vec<char>,
}

impl Names {
    /// The built-in table; an error names the line of `names.txt` that is wrong.
    pub(crate) fn builtin() -> Result<Names, DataError> {
        Names::parse(NAMES_TXT)
    }

    /// `key=characters` lines for `surnames`, `male` and `female`, each present and non-empty.
    pub(crate) fn parse(text: &str) -> Result<Names, DataError> {
        let (mut surnames, mut male, mut female) = (None, None, None);
        for (n, line) in lines(text) {
            let Some((key, chars)) = line.split_once('=') else {
                return Err(DataError::new("names.txt", n, "expected key=characters"));
            };
            let chars: Vec<char> = chars.trim().chars().collect();
            let slot = match key.trim() {
                "surnames" => &mut surnames,
                "male" => &mut male,
                "female" => &mut female,
                other => {
                    return Err(DataError::new(
                        "names.txt",
                        n,
                        &format!("unknown key {other}: expected surnames, male or female"),
                    ));
                }
            };
            if chars.is_empty() {
                return Err(DataError::new("names.txt", n, "no characters"));
            }
            *slot = Some(chars);
        }
        match (surnames, male, female) {
            (Some(surnames), Some(male), Some(female)) => Ok(Names {
                surnames,
                male,
                female,
            }),
            _ => Err(DataError::new(
                "names.txt",
                0,
                "surnames, male and female are all needed",
            )),
        }
    }

    /// A name of two or three characters: a surname (a common one about half the time) and one
    /// or two given-name characters of the person's sex.
    pub(crate) fn draw(&self, rng: &mut Rng, male: bool) -> String {
        let mut s = String::new();
        let surname = if rng.chance(550) {
            let common = self
                .surnames
                .get(..COMMON_SURNAMES)
                .unwrap_or(&self.surnames);
            rng.pick(common)
        } else {
            rng.pick(&self.surnames)
        };
        s.push(surname);
        let given = if male { &self.male } else { &self.female };
        s.push(rng.pick(given));
        if rng.chance(700) {
            s.push(rng.pick(given));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_names_parse_with_the_common_surnames_first() {
        let names = Names::builtin().unwrap();
        assert!(names.surnames.len() > COMMON_SURNAMES);
        assert_eq!(names.surnames.first(), Some(&'张'));
        assert!(!names.male.is_empty() && !names.female.is_empty());
    }

    #[test]
    fn a_broken_names_file_says_which_line_and_what_is_expected() {
        let err = Names::parse("surnames=张王\nmale伟\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.to_string().contains("key=characters"), "{err}");
        let err = Names::parse("surnames=张王\nmale=伟\n").unwrap_err();
        assert!(err.to_string().contains("female"), "{err}");
    }
}
