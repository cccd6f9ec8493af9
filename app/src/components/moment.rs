//! Instants as people read them: "3 hours ago", with the exact time on hover.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// An instant as the server renders it: `2026-11-23 19:13 UTC`.
pub fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// "3 hours ago", with the exact time on hover: in UTC from the server, in the viewer's own
/// timezone once the page runs in the browser.
#[component]
pub fn Moment(at: Option<DateTime<Utc>>) -> impl IntoView {
    let Some(at) = at else {
        return view! { <span class="muted">"never"</span> }.into_any();
    };
    let exact = RwSignal::new(when(at));
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        exact.set(local_time(at));
    });
    view! { <time datetime=at.to_rfc3339() title=exact>{relative(at, Utc::now())}</time> }
        .into_any()
}

#[cfg(feature = "hydrate")]
fn local_time(at: DateTime<Utc>) -> String {
    let millis = wasm_bindgen::JsValue::from_f64(at.timestamp_millis() as f64);
    let date = web_sys::js_sys::Date::new(&millis);
    String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}

/// How long ago `at` was, in the largest unit that fits.
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (now - at).num_seconds().max(0);
    let (n, unit) = match seconds {
        0..60 => return "just now".to_owned(),
        60..3_600 => (seconds / 60, "minute"),
        3_600..86_400 => (seconds / 3_600, "hour"),
        86_400..2_592_000 => (seconds / 86_400, "day"),
        2_592_000..31_536_000 => (seconds / 2_592_000, "month"),
        _ => (seconds / 31_536_000, "year"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::relative;
    use chrono::{Duration, Utc};

    #[test]
    fn relative_times_use_the_largest_unit() {
        let now = Utc::now();
        let cases = [
            (Duration::seconds(5), "just now"),
            (Duration::minutes(1), "1 minute ago"),
            (Duration::minutes(59), "59 minutes ago"),
            (Duration::hours(3), "3 hours ago"),
            (Duration::days(1), "1 day ago"),
            (Duration::days(45), "1 month ago"),
            (Duration::days(800), "2 years ago"),
            (-Duration::hours(1), "just now"),
        ];
        for (ago, text) in cases {
            assert_eq!(relative(now - ago, now), text);
        }
    }
}
