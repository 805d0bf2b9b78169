//! Escaping of provider and user text for Markdown and YAML.
//!
//! Provider text is data. [`inline`] makes any string safe inside one line of
//! Markdown, wherever on the line it lands: it folds line breaks, drops
//! control characters and puts a backslash before every character that
//! CommonMark, GFM, Obsidian or Logseq could read as syntax. Characters that
//! are syntax only in one position (`-` or `1.` at the start of a line, `::`,
//! `((`) are escaped only there, so ordinary titles ("All-hands", "1:1 with
//! Sam", "Offsite (Lisbon)") stay readable in the file.

/// Characters escaped wherever they stand: CommonMark emphasis, code, links,
/// HTML, headings, tables and escapes; Obsidian tags (`#`), highlights (`==`),
/// comments (`%%`), math (`$`) and block ids (`^`); Logseq macros (`{{`).
const ALWAYS: &[char] = &[
    '\\', '`', '*', '_', '[', ']', '{', '}', '<', '>', '#', '|', '~', '$', '^', '=', '%',
];

/// Escapes provider text for use inside one line of Markdown: line breaks
/// fold to spaces, control characters are dropped and whatever could be read
/// as syntax gets a backslash. The result never starts or ends with a space.
pub fn inline(text: &str) -> String {
    let chars = fold(text);
    // A leading run of digits followed by `.` or `)` would start an ordered list.
    let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    let list_number = (1..=9).contains(&digits) && matches!(chars.get(digits), Some('.' | ')'));
    let mut out = String::with_capacity(chars.len() + 8);
    for (i, &ch) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let escape = ALWAYS.contains(&ch)
            // List markers and thematic breaks begin a line.
            || (i == 0 && matches!(ch, '-' | '+'))
            || (list_number && i == digits)
            // `&amp;` and friends are character references; `& ` is just an ampersand.
            || (ch == '&' && next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '#'))
            // Logseq block references `((…))` and properties `key:: value`.
            || (matches!(ch, '(' | ')' | ':') && next == Some(ch));
        if escape {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Line breaks folded to single spaces, control characters dropped, trimmed.
fn fold(text: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    for ch in text.chars() {
        let ch = if matches!(
            ch,
            '\n' | '\r' | '\t' | '\u{0b}' | '\u{0c}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        ) {
            ' '
        } else {
            ch
        };
        // Bidirectional embeddings, overrides and isolates would reorder what
        // follows them on the line as displayed.
        if ch.is_control()
            || matches!(ch, '\u{fffe}' | '\u{ffff}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            continue;
        }
        if ch.is_whitespace() && out.last().is_none_or(|l| l.is_whitespace()) {
            continue;
        }
        out.push(ch);
    }
    while out.last().is_some_and(|c| c.is_whitespace()) {
        out.pop();
    }
    out
}

/// Escapes text the user wrote over several lines (the reflection): each
/// line as [`inline`] text, blank lines kept as paragraph breaks, and lines
/// that begin with a list marker (`-`, `*`, `+`, `1.`, `1)`) kept as list
/// items. Nothing else the text holds (headings, HTML, code, quotes) is read
/// as syntax, and indentation is dropped so no line becomes a code block.
pub fn block(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            if lines.last().is_some_and(|l| !l.is_empty()) {
                lines.push(String::new());
            }
            continue;
        }
        lines.push(list_item(line).unwrap_or_else(|| inline(line)));
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// A line that begins with a list marker, as a list item with escaped text.
fn list_item(line: &str) -> Option<String> {
    for marker in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(marker) {
            return Some(format!("- {}", inline(rest)));
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let rest = line.get(digits..)?;
    let rest = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") "));
    match rest {
        Some(rest) if (1..=9).contains(&digits) => {
            Some(format!("{}. {}", line.get(..digits)?, inline(rest)))
        }
        _ => None,
    }
}

/// A label as an Obsidian and Logseq tag (without the `#`): letters, digits,
/// `-`, `/` and `_` within a word; anything else becomes `-`. `None` when nothing usable is
/// left or the tag would be all digits, which neither app reads as a tag.
pub fn tag(label: &str) -> Option<String> {
    let chars: Vec<char> = label.chars().collect();
    let mut t = String::with_capacity(label.len());
    for (i, &c) in chars.iter().enumerate() {
        // `_` between letters cannot open or close emphasis; elsewhere it could.
        let inside_word = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|c| c.is_alphanumeric())
        };
        let c = if c.is_alphanumeric()
            || c == '/'
            || (c == '_' && inside_word(i.checked_sub(1)) && inside_word(Some(i + 1)))
        {
            c
        } else {
            '-'
        };
        if c == '-' && (t.is_empty() || t.ends_with('-')) {
            continue;
        }
        t.push(c);
    }
    let t = t.trim_matches(['-', '_', '/']);
    if t.is_empty() || t.chars().all(|c| c.is_ascii_digit()) {
        None
    } else {
        Some(t.to_owned())
    }
}

/// A YAML double-quoted scalar for any text: JSON's string syntax, which
/// YAML reads as-is, after dropping what YAML does not allow in a document.
pub fn yaml_str(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => Some(' '),
            c if c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}') => None,
            c => Some(c),
        })
        .collect();
    serde_json::to_string(&cleaned).unwrap_or_else(|_| "\"\"".into())
}

/// A link destination safe in `[text](…)` and `<…>`: `http`, `https` and
/// `mailto` only, with spaces, brackets, quotes and non-ASCII percent-encoded.
pub fn link(url: &str) -> Option<String> {
    let url = url.trim();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if !(lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:"))
    {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    for b in url.bytes() {
        if b.is_ascii_graphic()
            && !matches!(
                b,
                b'<' | b'>'
                    | b'('
                    | b')'
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
                    | b'"'
                    | b'`'
                    | b'\\'
                    | b'|'
                    | b'^'
            )
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    Some(out)
}

/// A `#rgb`, `#rrggbb` or `#rrggbbaa` colour, or `None`.
pub fn color(c: Option<&str>) -> Option<String> {
    let c = c?;
    let hex = c.strip_prefix('#')?;
    (matches!(hex.len(), 3 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| c.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_stays_inline_text() {
        assert_eq!(inline("# Not a heading"), "\\# Not a heading");
        assert_eq!(
            inline("a *b* _c_ [d](e) `f` |g|"),
            "a \\*b\\* \\_c\\_ \\[d\\](e) \\`f\\` \\|g\\|"
        );
        assert_eq!(
            inline("<script>alert(1)</script>"),
            "\\<script\\>alert(1)\\</script\\>"
        );
        assert_eq!(
            inline("line one\n- [x] fake task\r\n## fake"),
            "line one - \\[x\\] fake task \\#\\# fake"
        );
        assert_eq!(inline("nul\u{0}byte"), "nulbyte");
        assert_eq!(inline("\u{202e}txt.exe\u{2066}"), "txt.exe");
        assert_eq!(inline("Tom &amp; Jerry & co"), "Tom \\&amp; Jerry & co");
        assert_eq!(inline("&#42;"), "\\&\\#42;");
    }

    #[test]
    fn line_start_syntax_is_escaped_only_at_the_start() {
        assert_eq!(inline("- item"), "\\- item");
        assert_eq!(inline("---"), "\\---");
        assert_eq!(inline("+ item"), "\\+ item");
        assert_eq!(inline("C++ and All-hands"), "C++ and All-hands");
        assert_eq!(inline("2026. A year"), "2026\\. A year");
        assert_eq!(inline("1) first"), "1\\) first");
        assert_eq!(inline("1:1 with Sam"), "1:1 with Sam");
        assert_eq!(inline("v2.4 (final)"), "v2.4 (final)");
        assert_eq!(inline("  \n  padded \t "), "padded");
    }

    #[test]
    fn obsidian_and_logseq_syntax_is_escaped() {
        assert_eq!(inline("==mark=="), "\\=\\=mark\\=\\=");
        assert_eq!(inline("50%% off"), "50\\%\\% off");
        assert_eq!(inline("$x$ ^id"), "\\$x\\$ \\^id");
        assert_eq!(inline("[[Page]] #tag"), "\\[\\[Page\\]\\] \\#tag");
        assert_eq!(inline("{{embed}} ((ref))"), "\\{\\{embed\\}\\} \\((ref\\))");
        assert_eq!(inline("key:: value"), "key\\:: value");
    }

    #[test]
    fn blocks_keep_paragraphs_and_lists_only() {
        assert_eq!(
            block("\n  Shipped it.\n\n\n- one\n* two\n  3. three\n## Fake\n<!-- x -->\n\n"),
            "Shipped it.\n\n- one\n- two\n3. three\n\\#\\# Fake\n\\<!-- x --\\>"
        );
        assert_eq!(block("    indented code?"), "indented code?");
        assert_eq!(block(""), "");
    }

    #[test]
    fn tags_links_and_colours_are_sanitised() {
        assert_eq!(tag("deep work").as_deref(), Some("deep-work"));
        assert_eq!(tag("  #urgent! ").as_deref(), Some("urgent"));
        assert_eq!(tag("area/home").as_deref(), Some("area/home"));
        assert_eq!(tag("2024"), None);
        assert_eq!(tag("deep_work").as_deref(), Some("deep_work"));
        assert_eq!(tag("_em_ x__y").as_deref(), Some("em-x-y"));
        assert_eq!(tag("!!!"), None);
        assert_eq!(
            link("https://example.com/a b?q=(1)").as_deref(),
            Some("https://example.com/a%20b?q=%281%29")
        );
        assert_eq!(link("javascript:alert(1)"), None);
        assert_eq!(color(Some("#3b6fd8")).as_deref(), Some("#3b6fd8"));
        assert_eq!(color(Some("red; x")), None);
        assert_eq!(yaml_str("a\u{2028}b\u{7f}\"c\""), "\"a b\\\"c\\\"\"");
    }
}
