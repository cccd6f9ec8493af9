//! HTTP details shared by server functions and the JSON API: the session cookie, who is asking
//! (address, user agent, request id) and the same-origin rule for state-changing requests.

use http::{HeaderMap, HeaderValue, Method, header};
use sqlx::types::ipnetwork::IpNetwork;
use std::net::{IpAddr, SocketAddr};

use crate::backend::auth::ChallengeToken;
use crate::backend::sessions::{ClientInfo, SessionToken};

/// The session cookie's name; over https it gets the `__Host-` prefix, which browsers only
/// accept with `Secure`, `Path=/` and no `Domain`.
pub fn cookie_name(https: bool) -> &'static str {
    if https { "__Host-roster_session" } else { "roster_session" }
}

/// The session token sent by the browser, if any.
pub fn session_token(headers: &HeaderMap, https: bool) -> Option<SessionToken> {
    cookie(headers, cookie_name(https)).map(SessionToken::from_client)
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Lax, and Secure over https. No Max-Age:
/// the server enforces the idle and absolute timeouts.
pub fn session_cookie(token: &SessionToken, https: bool) -> HeaderValue {
    cookie_header(&format!("{}={}", cookie_name(https), token.expose()), https)
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie(https: bool) -> HeaderValue {
    cookie_header(&format!("{}=; Max-Age=0", cookie_name(https)), https)
}

/// The cookie of a sign-in waiting for its second factor (`__Host-` over https, as above).
fn challenge_cookie_name(https: bool) -> &'static str {
    if https { "__Host-roster_sign_in" } else { "roster_sign_in" }
}

/// The token of the sign-in waiting for a second factor, if any.
pub fn challenge_token(headers: &HeaderMap, https: bool) -> Option<ChallengeToken> {
    cookie(headers, challenge_cookie_name(https)).map(ChallengeToken::from_client)
}

/// `Set-Cookie` for a sign-in waiting for its second factor: the session cookie's attributes,
/// ending with the wait.
pub fn challenge_cookie(token: &ChallengeToken, https: bool) -> HeaderValue {
    let seconds = crate::backend::auth::second_step::LIFETIME.num_seconds();
    let pair = format!("{}={}; Max-Age={seconds}", challenge_cookie_name(https), token.expose());
    cookie_header(&pair, https)
}

/// `Set-Cookie` that removes the cookie of a sign-in waiting for its second factor.
pub fn clear_challenge_cookie(https: bool) -> HeaderValue {
    cookie_header(&format!("{}=; Max-Age=0", challenge_cookie_name(https)), https)
}

/// Adds the session cookie's attributes. Tokens are base64url, so the header is always valid
/// text and the empty fallback is unreachable.
fn cookie_header(pair: &str, https: bool) -> HeaderValue {
    let secure = if https { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{pair}; Path=/; HttpOnly; SameSite=Lax{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The cookie remembering the last organisation signed in to (not a secret; a year).
const TENANT_COOKIE: &str = "roster_tenant";

/// `Set-Cookie` remembering the organisation, for the next sign-in.
pub fn tenant_cookie(slug: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{TENANT_COOKIE}={slug}; Path=/; SameSite=Lax; Max-Age=31536000"
    ))
    .ok()
}

/// The remembered organisation, if it is a well-formed slug.
pub fn remembered_tenant(headers: &HeaderMap) -> Option<String> {
    cookie(headers, TENANT_COOKIE)
        .and_then(|v| v.parse::<shared::TenantSlug>().ok())
        .map(|s| s.to_string())
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Who is asking, for sessions, throttling and the audit trail. Behind trusted proxies (load
/// balancers), the client is the rightmost `X-Forwarded-For` hop that is not itself trusted;
/// from anyone else the header is ignored, since a client can write whatever it likes there.
pub fn client_info(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trusted: &[IpNetwork],
) -> ClientInfo {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    ClientInfo {
        ip: peer.map(|addr| client_ip(headers, addr.ip(), trusted)),
        user_agent: text(header::USER_AGENT.as_str()).map(|ua| ua.chars().take(512).collect()),
        request_id: request_id(headers.get("x-request-id")),
    }
}

/// The request id to record: the one sent when it is at most 64 characters of
/// `[A-Za-z0-9._:-]`, otherwise one made here, so that no client writes text of its choosing
/// and length into every audit row it causes. `None` only when none was sent (the router sets
/// one on every request).
pub fn request_id(sent: Option<&HeaderValue>) -> Option<String> {
    let sent = sent?.to_str().unwrap_or_default();
    let safe = |b: u8| b.is_ascii_alphanumeric() || b"._:-".contains(&b);
    let kept = (1..=64).contains(&sent.len()) && sent.bytes().all(safe);
    Some(if kept { sent.to_owned() } else { uuid::Uuid::new_v4().to_string() })
}

fn client_ip(headers: &HeaderMap, peer: IpAddr, trusted: &[IpNetwork]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !is_trusted(hop) {
            break;
        }
    }
    client
}

/// Whether a request may change state: safe methods always may; others only when the browser
/// says it comes from this very site (`Sec-Fetch-Site`) or its `Origin` names this host.
/// Clients that send neither header are not browsers, so no other site can be riding on them.
pub fn same_origin(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if site.is_some_and(|site| !matches!(site, "same-origin" | "none")) {
        return false;
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) => {
            origin.split_once("://").is_some_and(|(_, authority)| authority == host)
        }
        (Some(_), None) => false,
        (None, _) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (header::HeaderName::from_static(k), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn reads_the_session_cookie_among_others() {
        let h = headers(&[("cookie", "theme=dark; roster_session=abc123; other=1")]);
        assert_eq!(session_token(&h, false).unwrap().expose(), "abc123");
        assert!(session_token(&h, true).is_none(), "over https only the __Host- cookie counts");
    }

    #[test]
    fn cookies_are_http_only_lax_and_secure_over_https() {
        let token = SessionToken::from_client("t");
        let plain = session_cookie(&token, false);
        assert_eq!(plain, "roster_session=t; Path=/; HttpOnly; SameSite=Lax");
        let secure = session_cookie(&token, true);
        assert_eq!(secure, "__Host-roster_session=t; Path=/; HttpOnly; SameSite=Lax; Secure");
    }

    #[test]
    fn forwarded_addresses_count_only_behind_trusted_proxies() {
        let peer = |ip: &str| Some(SocketAddr::new(ip.parse().unwrap(), 4000));
        let trusted: Vec<IpNetwork> = vec!["10.0.0.0/8".parse().unwrap()];
        let forwarded = headers(&[("x-forwarded-for", "203.0.113.9, 198.51.100.7, 10.0.0.3")]);
        let ip = |h: &HeaderMap, p: &str, t: &[IpNetwork]| {
            client_info(h, peer(p), t).ip.unwrap().to_string()
        };
        // From the load balancer: the rightmost hop it did not add itself.
        assert_eq!(ip(&forwarded, "10.0.0.2", &trusted), "198.51.100.7");
        // Straight from the internet, the header is a lie anyone can tell: ignored.
        assert_eq!(ip(&forwarded, "192.0.2.1", &trusted), "192.0.2.1");
        assert_eq!(ip(&forwarded, "10.0.0.2", &[]), "10.0.0.2");
        // A trusted peer without the header is the client itself.
        assert_eq!(ip(&HeaderMap::new(), "10.0.0.2", &trusted), "10.0.0.2");
    }

    #[test]
    fn a_request_id_is_kept_only_when_short_and_plain() {
        let id = |sent: &str| request_id(Some(&HeaderValue::from_str(sent).unwrap())).unwrap();
        for kept in
            ["f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "edge-42.req_7:abc", "a".repeat(64).as_str()]
        {
            assert_eq!(id(kept), kept);
        }
        for replaced in
            ["a".repeat(65).as_str(), "a".repeat(20_000).as_str(), "", "a b", "<script>", "id\"x"]
        {
            let made = id(replaced);
            assert!(uuid::Uuid::parse_str(&made).is_ok(), "{replaced:?} became {made:?}");
        }
        let binary = HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap();
        assert_ne!(request_id(Some(&binary)).unwrap(), "café", "not text: replaced");
        assert_eq!(request_id(None), None);
    }

    #[test]
    fn only_same_origin_browsers_may_change_state() {
        let post = Method::POST;
        let same = headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")]);
        assert!(same_origin(&post, &same));
        let other = headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:3000")]);
        assert!(!same_origin(&post, &other));
        let cross = headers(&[("sec-fetch-site", "cross-site"), ("host", "127.0.0.1:3000")]);
        assert!(!same_origin(&post, &cross));
        assert!(same_origin(&post, &headers(&[("host", "127.0.0.1:3000")])), "not a browser");
        assert!(same_origin(&Method::GET, &other), "safe methods are always allowed");
    }
}
