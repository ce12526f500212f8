//! What the event readers know of the sources, handed to them from `grammars/sources.toml`:
//! the message templates of events whose EVTX records hold only insertion strings, and the
//! Test-* cmdlets whose saved output is read as steps. The readers hold no provider name or
//! event id of their own, so a support engineer adds a template or a cmdlet without Rust.

/// Everything the readers take from the rules. Empty, messages are the insertion strings
/// joined and transcripts are read by their step keys alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vocabulary {
    pub templates: Vec<MessageTemplate>,
    /// In the order of the rule files.
    pub cmdlets: Vec<Cmdlet>,
}

/// The message of one event id of one provider, with `%1..%n` for its insertion strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageTemplate {
    pub provider: String,
    pub event_id: u32,
    pub text: String,
}

/// A Test-* cmdlet whose output is read as steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmdlet {
    pub name: String,
    /// The key of a step's level in its list or table output (`Type`, `Status`).
    pub level_key: String,
    /// The key of a step's message (`Message`, `Description`).
    pub message_key: String,
    /// Its verbose output writes `STEP n:` / `RESULT:` lines.
    pub result_lines: bool,
}

impl Vocabulary {
    /// Rebuilds the message of an event from its insertion strings: the template's text
    /// when one fits, else every string in order, so nothing the classifier needs is
    /// dropped when a record's layout differs from the template.
    pub fn render(&self, provider: &str, event_id: Option<u32>, data: &[String]) -> String {
        let template = event_id.and_then(|id| self.template(provider, id));
        match template {
            Some(t) if placeholders(t) <= data.len() && !data.is_empty() => fill(t, data),
            _ => data.join("\n"),
        }
    }

    fn template(&self, provider: &str, id: u32) -> Option<&str> {
        let provider = provider.trim();
        self.templates
            .iter()
            .find(|t| t.event_id == id && t.provider.eq_ignore_ascii_case(provider))
            .map(|t| t.text.as_str())
    }

    /// The cmdlet a line names: the one named first in it.
    pub fn cmdlet_in(&self, line: &[u8]) -> Option<&Cmdlet> {
        let lower = line.to_ascii_lowercase();
        self.cmdlets
            .iter()
            .filter_map(|c| {
                let at = memchr::memmem::find(&lower, c.name.to_ascii_lowercase().as_bytes())?;
                Some((at, c))
            })
            .min_by_key(|&(at, _)| at)
            .map(|(_, c)| c)
    }

    /// The cmdlet whose output a step with these keys comes from: the one whose message key
    /// is there, else the one whose level key is.
    pub fn cmdlet_by_keys(&self, has: impl Fn(&str) -> bool) -> Option<&Cmdlet> {
        self.cmdlets
            .iter()
            .find(|c| has(&c.message_key))
            .or_else(|| self.cmdlets.iter().find(|c| has(&c.level_key)))
    }

    /// The cmdlet `RESULT:` lines come from when the file names none.
    pub fn result_cmdlet(&self) -> Option<&Cmdlet> {
        self.cmdlets.iter().find(|c| c.result_lines)
    }

    pub fn is_level_key(&self, key: &str) -> bool {
        self.cmdlets
            .iter()
            .any(|c| c.level_key.eq_ignore_ascii_case(key))
    }

    pub fn is_message_key(&self, key: &str) -> bool {
        self.cmdlets
            .iter()
            .any(|c| c.message_key.eq_ignore_ascii_case(key))
    }

    /// The first value `get` finds under one of the cmdlets' keys (`key_of`), in their order.
    pub fn first_value<'v>(
        &self,
        key_of: impl Fn(&Cmdlet) -> &str,
        get: impl Fn(&str) -> Option<&'v str>,
    ) -> Option<&'v str> {
        self.cmdlets.iter().find_map(|c| get(key_of(c)))
    }
}

/// Checks a template's text: it uses `%1..%n`, each once and in order. Returns `n`.
pub fn check_template(text: &str) -> Result<usize, String> {
    let n = placeholders(text);
    if n == 0 {
        return Err("uses no %1".into());
    }
    let positions: Vec<usize> = (1..=n)
        .filter_map(|i| text.find(&format!("%{i}")))
        .collect();
    if !positions.windows(2).all(|w| w[0] < w[1]) {
        return Err(format!("%1..%{n} are not in order"));
    }
    if text.matches('%').count() != n {
        return Err(format!(
            "a '%' other than %1..%{n} once each (a gap, a repeat or a literal '%')"
        ));
    }
    Ok(n)
}

/// How many `%n` the template uses (it uses `%1..%n`, each once).
fn placeholders(t: &str) -> usize {
    (1..=99)
        .take_while(|n| t.contains(&format!("%{n}")))
        .count()
}

/// Substitutes `%1..%n` in order and appends any strings past `%n` on their own lines.
fn fill(t: &str, data: &[String]) -> String {
    let n = placeholders(t);
    let mut out = String::with_capacity(t.len() + data.iter().map(String::len).sum::<usize>());
    let mut rest = t;
    for (i, value) in data.iter().enumerate().take(n) {
        let mark = format!("%{}", i + 1);
        let at = rest.find(&mark).unwrap_or(rest.len());
        out.push_str(&rest[..at]);
        out.push_str(value.trim_end());
        rest = &rest[(at + mark.len()).min(rest.len())..];
    }
    out.push_str(rest);
    for extra in &data[n..] {
        out.push('\n');
        out.push_str(extra);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// A vocabulary like the shipped one (the real one is tested through the grammar).
    fn vocabulary() -> Vocabulary {
        Vocabulary {
            templates: vec![MessageTemplate {
                provider: "Source A".into(),
                event_id: 7,
                text: "Process %1: call %2 to %3 failed. The exception returned is %4".into(),
            }],
            cmdlets: vec![
                Cmdlet {
                    name: "Test-One".into(),
                    level_key: "Type".into(),
                    message_key: "Message".into(),
                    result_lines: false,
                },
                Cmdlet {
                    name: "Test-Two".into(),
                    level_key: "Status".into(),
                    message_key: "Description".into(),
                    result_lines: true,
                },
            ],
        }
    }

    #[test]
    fn fills_a_template_and_keeps_extra_strings() {
        let v = vocabulary();
        let data = strings(&["5464", "X", "https://h/", "Boom  "]);
        assert_eq!(
            v.render("source a", Some(7), &data),
            "Process 5464: call X to https://h/ failed. The exception returned is Boom"
        );
        let more = strings(&["1", "2", "3", "4", "fifth"]);
        assert!(v
            .render("Source A", Some(7), &more)
            .ends_with("is 4\nfifth"));
    }

    #[test]
    fn joins_strings_when_no_template_fits() {
        let v = vocabulary();
        let few = strings(&["a", "b"]);
        assert_eq!(v.render("Source A", Some(7), &few), "a\nb");
        assert_eq!(v.render("Other", Some(7), &few), "a\nb");
        assert_eq!(v.render("Source A", Some(8), &few), "a\nb");
        assert_eq!(v.render("Source A", None, &[]), "");
        assert_eq!(
            Vocabulary::default().render("Source A", Some(7), &few),
            "a\nb"
        );
    }

    #[test]
    fn finds_cmdlets_by_name_and_by_keys() {
        let v = vocabulary();
        let line = b"PS> test-two -Identity x | Test-One";
        assert_eq!(v.cmdlet_in(line).unwrap().name, "Test-Two");
        assert!(v.cmdlet_in(b"Get-Thing").is_none());
        assert_eq!(
            v.cmdlet_by_keys(|k| k == "Description").unwrap().name,
            "Test-Two"
        );
        assert_eq!(v.cmdlet_by_keys(|k| k == "Type").unwrap().name, "Test-One");
        assert_eq!(v.result_cmdlet().unwrap().name, "Test-Two");
        assert!(v.is_level_key("status") && !v.is_level_key("Message"));
    }

    #[test]
    fn template_checks() {
        assert_eq!(check_template("a %1 b %2"), Ok(2));
        assert!(check_template("no placeholder").is_err());
        assert!(check_template("%2 then %1").is_err());
        assert!(check_template("%1 and %1").is_err());
        assert!(check_template("%1 is 100%").is_err());
    }
}
