//! The lexical layer of iCalendar (RFC 5545 §3.1): unfolding, content lines
//! and the `BEGIN`/`END` tree of components.
//!
//! It is forgiving on purpose. Real feeds carry lines a strict parser refuses
//! (a stray line of text, an unterminated parameter quote, a missing `END`),
//! and the crates that parse iCalendar whole (`icalendar`, `ical`) drop the
//! entire feed on the first such line. Here a line that cannot be read is
//! skipped with a warning and the rest of the feed is kept. Nesting deeper
//! than [`MAX_DEPTH`] is ignored, so no input can build a tree deep enough
//! to exhaust the stack.

/// Components nested deeper than this are skipped (a calendar needs three:
/// `VCALENDAR` › `VTIMEZONE` › `STANDARD`).
pub const MAX_DEPTH: usize = 8;

/// Warnings kept per feed; more are counted, not stored.
const MAX_WARNINGS: usize = 50;

/// One content line: `NAME;PARAM=value:VALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// Upper case.
    pub name: String,
    /// Parameter names upper case, values unquoted (several values joined with `,`).
    pub params: Vec<(String, String)>,
    pub value: String,
}

impl Property {
    /// A parameter's value by (upper-case) name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A `BEGIN:NAME` … `END:NAME` block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Component {
    /// Upper case.
    pub name: String,
    pub properties: Vec<Property>,
    pub children: Vec<Component>,
}

impl Component {
    /// The first property named `name`.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// Every property named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Property> + 'a {
        self.properties.iter().filter(move |p| p.name == name)
    }

    /// The first property's value.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.property(name).map(|p| p.value.as_str())
    }
}

/// What was read, with the lines that were skipped.
#[derive(Debug, Default)]
pub struct Lexed {
    /// Top-level components (normally one `VCALENDAR`).
    pub components: Vec<Component>,
    pub warnings: Vec<String>,
    /// Warnings beyond those kept.
    pub more_warnings: usize,
}

impl Lexed {
    fn warn(&mut self, line: usize, what: impl Into<String>) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(format!("line {line}: {}", what.into()));
        } else {
            self.more_warnings += 1;
        }
    }
}

/// Reads `text` into components. Never fails: unreadable lines become warnings.
pub fn lex(text: &str) -> Lexed {
    let mut out = Lexed::default();
    let mut stack: Vec<Component> = Vec::new();
    // BEGINs past MAX_DEPTH not yet closed.
    let mut skipped = 0usize;
    for (number, line) in unfold(text) {
        let Some(prop) = content_line(&line) else {
            if !line.trim().is_empty() {
                out.warn(number, "not a content line; skipped");
            }
            continue;
        };
        match prop.name.as_str() {
            "BEGIN" => {
                if skipped > 0 || stack.len() >= MAX_DEPTH {
                    skipped += 1;
                    continue;
                }
                stack.push(Component {
                    name: prop.value.trim().to_ascii_uppercase(),
                    ..Component::default()
                });
            }
            "END" => {
                if skipped > 0 {
                    skipped -= 1;
                    continue;
                }
                let name = prop.value.trim().to_ascii_uppercase();
                let Some(at) = stack.iter().rposition(|c| c.name == name) else {
                    out.warn(number, format!("END:{name} without BEGIN; skipped"));
                    continue;
                };
                if at + 1 != stack.len() {
                    out.warn(number, format!("END:{name} closes unfinished components"));
                }
                while stack.len() > at {
                    close(&mut stack, &mut out.components);
                }
            }
            _ => {
                if skipped > 0 {
                    continue;
                }
                match stack.last_mut() {
                    Some(c) => c.properties.push(prop),
                    None => out.warn(number, "property outside any component; skipped"),
                }
            }
        }
    }
    if !stack.is_empty() {
        out.warn(0, "the feed ends inside a component; it was closed");
    }
    while !stack.is_empty() {
        close(&mut stack, &mut out.components);
    }
    out
}

fn close(stack: &mut Vec<Component>, top: &mut Vec<Component>) {
    if let Some(done) = stack.pop() {
        match stack.last_mut() {
            Some(parent) => parent.children.push(done),
            None => top.push(done),
        }
    }
}

/// Logical lines with the number of their first physical line: a line that
/// starts with a space or a tab continues the one before (RFC 5545 §3.1).
fn unfold(text: &str) -> Vec<(usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix([' ', '\t'])
            && let Some((_, last)) = lines.last_mut()
        {
            last.push_str(rest);
            continue;
        }
        lines.push((i + 1, raw.to_owned()));
    }
    lines
}

/// `NAME *(";" param) ":" value`, or `None` when the line is not one.
fn content_line(line: &str) -> Option<Property> {
    let name_end = line.find([';', ':'])?;
    let name = &line[..name_end];
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return None;
    }
    let mut params = Vec::new();
    let mut rest = &line[name_end..];
    while let Some(after) = rest.strip_prefix(';') {
        let eq = after.find('=')?;
        let pname = after[..eq].trim();
        if pname.is_empty() || pname.contains([':', ';']) {
            return None;
        }
        let mut values: Vec<&str> = Vec::new();
        let mut v = &after[eq + 1..];
        loop {
            if let Some(quoted) = v.strip_prefix('"') {
                let close = quoted.find('"')?;
                values.push(&quoted[..close]);
                v = &quoted[close + 1..];
            } else {
                let end = v.find([',', ';', ':'])?;
                values.push(&v[..end]);
                v = &v[end..];
            }
            match v.strip_prefix(',') {
                Some(more) => v = more,
                None => break,
            }
        }
        params.push((pname.to_ascii_uppercase(), values.join(",")));
        rest = v;
    }
    let value = rest.strip_prefix(':')?;
    Some(Property {
        name: name.to_ascii_uppercase(),
        params,
        value: value.to_owned(),
    })
}

/// A TEXT value with its escapes (`\\`, `\;`, `\,`, `\n`) undone.
pub fn unescape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_lines_quoted_params_and_garbage() {
        let text = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Hello\r\n  world\r\nthis is garbage\r\nX-FOO;BAR=\"a:b\",c;Z=1:val:ue\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let lexed = lex(text);
        assert_eq!(lexed.components.len(), 1);
        let event = &lexed.components[0].children[0];
        assert_eq!(event.value("SUMMARY"), Some("Hello world"));
        let foo = event
            .property("X-FOO")
            .map(|p| (p.param("BAR"), p.param("Z"), p.value.as_str()));
        assert_eq!(foo, Some((Some("a:b,c"), Some("1"), "val:ue")));
        assert_eq!(lexed.warnings.len(), 1, "{:?}", lexed.warnings);
    }

    #[test]
    fn deep_nesting_and_missing_ends_are_survived() {
        let text = "BEGIN:A\n".repeat(100_000);
        let lexed = lex(&text);
        assert_eq!(lexed.components.len(), 1);
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nEND:VCALENDAR\nEND:VEVENT\n";
        let lexed = lex(text);
        assert_eq!(lexed.components[0].children[0].value("UID"), Some("x"));
    }

    #[test]
    fn text_escapes() {
        assert_eq!(unescape(r"a\, b\; c\\d\ne\"), "a, b; c\\d\ne\\");
    }
}
