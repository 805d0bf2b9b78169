//! Hostile text: 50 strings a provider might hand over as an event's title,
//! description or location, or a task's content, meant to break a renderer,
//! an exporter or a parser. Markup and script must come out as text, the
//! export's structure (front matter, markers, headings) must survive, and
//! the huge ones must not slow the week view down.
//!
//! One shared list so the core's tests (`tests/hostile.rs`) and benchmarks
//! (`benches/support/cache.rs`) throw the same things. It is test support,
//! included by path (`#[path = ...] mod hostile;`), not part of the library,
//! and it lives here rather than in `vica-fakes` because `vica-fakes` depends
//! on `vica-core`: a dev-dependency back would be a cycle.
#![allow(dead_code)]

/// One hostile string and what it tries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hostile {
    /// What the string tries, for failure messages.
    pub name: &'static str,
    pub text: String,
}

fn h(name: &'static str, text: impl Into<String>) -> Hostile {
    Hostile {
        name,
        text: text.into(),
    }
}

/// Bytes in the big title.
pub const BIG_TITLE_BYTES: usize = 100 * 1024;
/// Bytes in the big description.
pub const BIG_DESCRIPTION_BYTES: usize = 1024 * 1024;

/// The 50 strings, the same on every call.
pub fn strings() -> Vec<Hostile> {
    vec![
        // Script and HTML.
        h("script tag", "<script>alert('xss')</script>"),
        h(
            "script tag, upper case",
            "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        ),
        h("img onerror", "<img src=x onerror=alert(1)>"),
        h("svg onload", "<svg/onload=alert(1)>"),
        h("body onload", "<body onload=alert('x')>Meeting</body>"),
        h("iframe", "<iframe src=\"javascript:alert(1)\"></iframe>"),
        h("attribute breakout", "\" onmouseover=\"alert(1)\" x=\""),
        h("single-quote breakout", "' onfocus='alert(1)' autofocus='"),
        h(
            "style expression",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
        ),
        h(
            "template injection",
            "{{constructor.constructor('alert(1)')()}}",
        ),
        h(
            "jinja injection",
            "{{ 7*7 }} {% for x in range(10) %}{{ x }}{% endfor %}",
        ),
        h(
            "html entities",
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#60;b&#62;",
        ),
        h("unclosed comment", "<!-- never closed"),
        h("cdata", "<![CDATA[<script>alert(1)</script>]]>"),
        // Links.
        h("javascript link", "[click me](javascript:alert(1))"),
        h("javascript autolink", "<javascript:alert(1)>"),
        h(
            "data uri link",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        ),
        h("bare javascript url", "javascript:alert(document.cookie)"),
        h("markdown image", "![pixel](https://evil.example/track.png)"),
        h("reference link", "[a][1]\n\n[1]: javascript:alert(1)"),
        // Markdown, front matter and the note's markers.
        h("end marker", "<!-- vica:end -->"),
        h("begin marker", "<!-- vica:begin -->"),
        h(
            "markers on their own lines",
            "x\n<!-- vica:end -->\n<!-- vica:begin -->\ny",
        ),
        h("front matter breaker", "---\ntitle: pwned\n---"),
        h(
            "yaml document",
            "key: value\n- list\n? complex\n: mapping &anchor *alias !!python/object",
        ),
        h("heading", "# Not a heading\n## Nor this"),
        h("list and quote", "- item\n> quote\n1. numbered"),
        h("code fence", "```\nfenced\n```"),
        h("table", "| a | b |\n|---|---|\n| 1 | 2 |"),
        h(
            "emphasis soup",
            "**bold** _it_ ~~del~~ `code` ==mark== %%comment%% $math$",
        ),
        h(
            "obsidian embeds",
            "![[secret note]] [[wiki link]] #tag ^block",
        ),
        h(
            "logseq syntax",
            "((block-ref)) {{query (todo now)}} key:: value",
        ),
        h("backslashes", "\\\\\\ \\*not bold\\* \\"),
        h("thematic break", "***\n___\n- - -"),
        // Unicode.
        h("rtl override", "\u{202e}gnp.exe\u{202c} invoice"),
        h("rtl isolate", "\u{2067}abc\u{2069} \u{2066}def\u{2069}"),
        h(
            "zero-width characters",
            "Sta\u{200b}nd\u{200c}up\u{200d}\u{feff}",
        ),
        h("emoji", "🎉 Launch 👩‍👩‍👧‍👦 🏳️‍🌈 🇩🇪 ✅"),
        h(
            "combining marks",
            "Z\u{0351}\u{0352}\u{0353}a\u{0354}\u{0355}l\u{0356}g\u{0357}o",
        ),
        h("nul bytes", "before\u{0}after\u{0}"),
        h(
            "control characters",
            "\u{1}\u{7}\u{8}\u{1b}[31mred\u{1b}[0m\u{7f}",
        ),
        h("line separators", "one\u{2028}two\u{2029}three\u{85}four"),
        h("crlf and tabs", "a\r\nb\rc\td\u{b}e\u{c}f"),
        h("non-characters", "\u{fffe}\u{ffff}\u{fffd}"),
        h("mixed scripts", "会議 اجتماع встреча מפגש"),
        // Size and shape.
        h("empty", ""),
        h("only whitespace", "   \n\t  "),
        h("very long word", "x".repeat(5_000)),
        h("100 kB title", "A".repeat(BIG_TITLE_BYTES)),
        h(
            "1 MB description",
            "<b>Agenda</b> [link](javascript:x) ".repeat(BIG_DESCRIPTION_BYTES / 35 + 1)
                [..BIG_DESCRIPTION_BYTES]
                .to_owned(),
        ),
    ]
}
