//! Inline SVG icons (24×24, stroked with `currentColor`), so they follow the theme and need no
//! extra requests.

use leptos::prelude::*;

/// The icons Roster draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icon {
    Tenants,
    Users,
    Roles,
    Teams,
    Audit,
    Menu,
    Close,
    Eye,
    EyeOff,
    Copy,
    Settings,
    Key,
}

impl Icon {
    fn path(self) -> &'static str {
        match self {
            Self::Users => {
                "M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8M22 21v-2a4 4 0 0 0-3-3.87M16 3.13a4 4 0 0 1 0 7.75"
            }
            Self::Tenants => {
                "M3 21h18M5 21V7l7-4 7 4v14M9 9h1M14 9h1M9 13h1M14 13h1M9 17h1M14 17h1"
            }
            Self::Roles => "M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10zM9 12l2 2 4-4",
            Self::Teams => {
                "M17 20v-1a4 4 0 0 0-4-4H7a4 4 0 0 0-4 4v1M10 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6M21 20v-1a3 3 0 0 0-2.2-2.9M15.5 5.2a3 3 0 0 1 0 5.6"
            }
            Self::Audit => {
                "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zM14 2v6h6M8 13h8M8 17h5"
            }
            Self::Menu => "M3 6h18M3 12h18M3 18h18",
            Self::Close => "M18 6 6 18M6 6l12 12",
            Self::Eye => {
                "M1 12s4-8 11-8 11 8 11 8-4 8-11 8-11-8-11-8zM12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6"
            }
            Self::Copy => "M9 9h11v11H9zM5 15H4V4h11v1",
            // A key: its bow, then the shaft and two teeth.
            Self::Key => {
                "M7.5 19a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zM10.7 11.3 20 2M16 6l3 3M13.5 8.5l2.5 2.5"
            }
            Self::Settings => {
                "M4 21v-7M4 10V3M12 21v-9M12 8V3M20 21v-5M20 12V3M1 14h6M9 8h6M17 16h6"
            }
            Self::EyeOff => {
                "M17.94 17.94A10.07 10.07 0 0 1 12 20c-7 0-11-8-11-8a18.45 18.45 0 0 1 5.06-5.94M9.9 4.24A9.12 9.12 0 0 1 12 4c7 0 11 8 11 8a18.5 18.5 0 0 1-2.16 3.19M1 1l22 22M14.12 14.12a3 3 0 1 1-4.24-4.24"
            }
        }
    }
}

/// Draws an icon; decorative, so hidden from assistive technology (labels carry the meaning).
#[component]
pub fn Svg(icon: Icon) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d=icon.path()/>
        </svg>
    }
}
