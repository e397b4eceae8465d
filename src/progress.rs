//! Progress bars on long work (training loops, experiments): one style everywhere, hidden when
//! not asked for.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar over `len` steps labelled `message`, counting `unit` (e.g. `"batches"`); a hidden bar
/// when `show` is false, so callers update it unconditionally.
pub fn bar(show: bool, len: u64, message: &str, unit: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    let template =
        format!("{{msg:>28}} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{elapsed}}, eta {{eta}})");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_unless_shown_and_counts_steps() {
        assert!(bar(false, 10, "x", "steps").is_hidden());
        let b = bar(true, 10, "x", "steps");
        b.inc(3);
        assert_eq!((b.position(), b.length()), (3, Some(10)));
        b.finish_and_clear();
    }
}
