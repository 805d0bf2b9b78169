//! Export templates: the default one built in, a user's own in the config
//! dir, rendered with MiniJinja.
//!
//! A user template that fails (a syntax error, an unknown variable or
//! filter) never stops an export: the default template is used instead and
//! the failure comes back as a [`TemplateError`] with its line and column, for
//! the caller to show.
//!
//! Templates see a [`Context`] in which provider text is already escaped.
//! Output is not HTML-escaped (this is Markdown); undefined variables are
//! errors, so a typo is reported rather than printed as nothing. Blocks
//! (`{% if %}`, `{% for %}`) on lines of their own leave no blank line behind.
//! Filters: `md` (escape text for one line of Markdown), `md_block`
//! (paragraphs and list items), `yaml` (a quoted YAML string), `tag` (a label
//! as a tag, without `#`), `duration`, `signed_duration` and `signed`
//! (minutes and counts as the default template writes them).

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, UndefinedBehavior};

use super::ExportError;
use super::context::Context;
use super::escape::{block, inline, tag, yaml_str};
use super::{duration, signed, signed_duration};
use crate::week::Week;

/// The template Vica ships with.
pub const DEFAULT_TEMPLATE: &str = include_str!("default.md.j2");

/// The file name of a user's template in the config dir.
pub const USER_TEMPLATE_FILE: &str = "export.md.j2";

/// An export template and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Shown in errors: the file's path, or "default template".
    name: String,
    path: Option<PathBuf>,
    source: Cow<'static, str>,
}

impl Default for Template {
    fn default() -> Self {
        Template::builtin()
    }
}

impl Template {
    /// The default template.
    pub fn builtin() -> Template {
        Template {
            name: "default template".into(),
            path: None,
            source: Cow::Borrowed(DEFAULT_TEMPLATE),
        }
    }

    /// A template built into Vica (like the default month and quarter one).
    pub fn from_static(name: impl Into<String>, source: &'static str) -> Template {
        Template {
            name: name.into(),
            path: None,
            source: Cow::Borrowed(source),
        }
    }

    /// A template from text; `name` is what errors call it.
    pub fn from_source(name: impl Into<String>, source: impl Into<String>) -> Template {
        Template {
            name: name.into(),
            path: None,
            source: Cow::Owned(source.into()),
        }
    }

    /// The template in a file.
    pub fn from_file(path: &Path) -> Result<Template, ExportError> {
        let source = std::fs::read_to_string(path).map_err(|source| ExportError::Io {
            action: "cannot read the export template",
            path: path.to_path_buf(),
            source,
        })?;
        Ok(Template {
            name: path.display().to_string(),
            path: Some(path.to_path_buf()),
            source: Cow::Owned(source),
        })
    }

    /// The user's template, `export.md.j2` in `config_dir`, or the default
    /// template when there is no such file.
    pub fn user(config_dir: &Path) -> Result<Template, ExportError> {
        let path = config_dir.join(USER_TEMPLATE_FILE);
        match Template::from_file(&path) {
            Err(ExportError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                Ok(Template::builtin())
            }
            other => other,
        }
    }

    /// What errors call this template.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file the template was read from.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn is_builtin(&self) -> bool {
        self.path.is_none() && matches!(self.source, Cow::Borrowed(_))
    }

    /// Compiles the template, reporting a syntax error with its position.
    /// Errors that depend on the data (an unknown variable) show only when rendering.
    pub fn check(&self) -> Result<(), TemplateError> {
        let env = environment();
        env.template_from_named_str(&self.name, &self.source)
            .map(|_| ())
            .map_err(|e| TemplateError::new(&self.name, &self.source, &e))
    }

    /// Renders a context with this template.
    pub fn render_context(&self, context: &Context) -> Result<String, TemplateError> {
        self.render_value(context)
    }

    /// Renders any template context (a week's, a period's) with this template.
    pub fn render_value<C: serde::Serialize>(&self, context: &C) -> Result<String, TemplateError> {
        let env = environment();
        env.template_from_named_str(&self.name, &self.source)
            .and_then(|t| t.render(context))
            .map_err(|e| TemplateError::new(&self.name, &self.source, &e))
    }
}

/// A template that failed, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The template's file, or "default template".
    pub template: String,
    /// 1-based line and column, where MiniJinja could tell.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl TemplateError {
    fn new(name: &str, source: &str, e: &minijinja::Error) -> TemplateError {
        let (mut line, mut column) = (e.line(), None);
        if let Some(before) = e.range().and_then(|r| source.get(..r.start)) {
            line = Some(before.matches('\n').count() + 1);
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            column = Some(before[line_start..].chars().count() + 1);
        }
        let mut message = match e.detail() {
            Some(detail) => format!("{}: {detail}", e.kind()),
            None => e.kind().to_string(),
        };
        // The failing expression, when it is short enough to quote.
        if let Some(snippet) = e
            .range()
            .and_then(|r| source.get(r))
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() <= 60 && !s.contains('\n'))
        {
            message.push_str(&format!(" (at `{snippet}`)"));
        }
        TemplateError {
            template: name.to_owned(),
            line,
            column,
            message,
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.template)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for TemplateError {}

/// A rendered note and, when the chosen template failed and the default
/// one was used instead, why.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub warning: Option<TemplateError>,
}

/// Renders a week with `template`, falling back to the default template.
pub fn render(week: &Week, template: &Template) -> Rendered {
    let context = Context::new(week);
    match template.render_context(&context) {
        Ok(text) => Rendered {
            text,
            warning: None,
        },
        Err(warning) => {
            let builtin = Template::builtin();
            let text = if template.is_builtin() {
                // Cannot happen: the default template is tested on every kind of week.
                format!("# {}\n", context.week.label)
            } else {
                builtin
                    .render_context(&context)
                    .unwrap_or_else(|_| format!("# {}\n", context.week.label))
            };
            Rendered {
                text,
                warning: Some(warning),
            }
        }
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_debug(true);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    env.add_filter("md", |s: &str| inline(s));
    env.add_filter("md_block", |s: &str| block(s));
    env.add_filter("yaml", |s: &str| yaml_str(s));
    env.add_filter("tag", |s: &str| tag(s).unwrap_or_default());
    env.add_filter("duration", |m: i64| duration(m));
    env.add_filter("signed_duration", |m: i64| signed_duration(m));
    env.add_filter("signed", |n: i64| signed(n));
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_template_compiles() {
        Template::builtin().check().unwrap();
        assert!(Template::builtin().is_builtin());
    }

    #[test]
    fn errors_point_at_line_and_column() {
        let t = Template::from_source("mine.md.j2", "# Title\n\nA {{ week.key }\n");
        let e = t.check().unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.column.is_some(), "{e:?}");
        assert!(e.to_string().starts_with("mine.md.j2:3:"), "{e}");
    }
}
