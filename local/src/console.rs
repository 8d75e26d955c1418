//! The console at `GET /`: one page that shows a channel the way an operator checks it (the
//! schedule on a timeline, its ad breaks, filler gaps and alerts, and a player of its HLS
//! PlaybackUrl).
//!
//! Why it is built this way: the page is plain HTML, CSS and JavaScript embedded in the binary,
//! so there is no build step and nothing to install; its data comes from the emulator's own
//! MediaTailor REST operations called from the same origin (signed with a fixed header, which
//! the emulator accepts like any signature), so it shows exactly what SDK clients see; and the
//! player, hls.js, is vendored (`local/console/vendor/`) and served from here, so nothing loads
//! from a CDN. The Content-Security-Policy makes the browser enforce that.
//!
//! Like `/_local/` and `/origin/`, these paths are unsigned; a signed `GET /` is S3's
//! ListBuckets and never reaches this module.

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;

/// One embedded file: its path, its media type and its bytes.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset { path: "/", content_type: "text/html; charset=utf-8", body: include_bytes!("../console/index.html") },
    Asset {
        path: "/console/app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../console/app.js"),
    },
    Asset {
        path: "/console/app.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../console/app.css"),
    },
    Asset {
        path: "/console/vendor/hls.min.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../console/vendor/hls.min.js"),
    },
    Asset {
        path: "/console/vendor/hls.js-LICENSE",
        content_type: "text/plain; charset=utf-8",
        body: include_bytes!("../console/vendor/hls.js-LICENSE"),
    },
];

/// Scripts, styles, data and media only from this origin; hls.js feeds the video from `blob:`
/// URLs (Media Source Extensions) and may run its transmuxer in a `blob:` worker.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; media-src 'self' blob:; worker-src 'self' blob:; img-src 'self' data:; \
     frame-ancestors 'none'";

/// Whether an unsigned request is for the console (the page or one of its assets).
pub(crate) fn is_console_path(method: &Method, path: &str) -> bool {
    matches!(*method, Method::GET | Method::HEAD) && (path == "/" || path.starts_with("/console/"))
}

/// Answers a console request: the embedded file, or a 404 that names what exists.
pub(crate) fn serve(method: &Method, path: &str) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.path == path) else {
        tracing::debug!(path, "no console asset");
        return plain(StatusCode::NOT_FOUND, format!("no console file at {path}; the console is at /"));
    };
    let body = if *method == Method::HEAD { Body::empty() } else { Body::from(asset.body) };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(asset.body.len()));
    // The files change only with the binary; no-cache keeps a rebuilt emulator's page current.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

fn plain(status: StatusCode, message: String) -> Response {
    let mut response = Response::new(Body::from(message));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn console_paths_are_unsigned_reads_only() {
        assert!(is_console_path(&Method::GET, "/"));
        assert!(is_console_path(&Method::HEAD, "/console/app.js"));
        assert!(!is_console_path(&Method::POST, "/"));
        assert!(!is_console_path(&Method::GET, "/channels"));
    }

    #[test]
    fn every_asset_is_served_with_its_type_and_an_unknown_one_is_404() {
        for asset in ASSETS {
            let response = serve(&Method::GET, asset.path);
            assert_eq!(response.status(), StatusCode::OK, "{}", asset.path);
            assert_eq!(response.headers()[header::CONTENT_TYPE], asset.content_type);
            assert!(!asset.body.is_empty(), "{}", asset.path);
        }
        assert_eq!(serve(&Method::GET, "/console/nothing.js").status(), StatusCode::NOT_FOUND);
    }

    /// The vendored player is the one `local/console/vendor/README.md` names.
    #[test]
    fn vendored_hls_js_is_the_pinned_release() {
        let asset = ASSETS.iter().find(|a| a.path == "/console/vendor/hls.min.js").unwrap();
        assert_eq!(
            hex::encode(Sha256::digest(asset.body)),
            "72b87a6e58db623feca73ab370970c1126ec06eb3dcd0a67fd14b47b6340b820"
        );
    }

    /// The page loads its script, style and player from this origin, by the paths served here.
    #[test]
    fn the_page_references_only_embedded_assets() {
        let page = std::str::from_utf8(ASSETS[0].body).unwrap();
        for path in ["/console/app.js", "/console/app.css", "/console/vendor/hls.min.js"] {
            assert!(page.contains(&format!("\"{path}\"")), "{path} in index.html");
        }
        assert!(!page.contains("http://") && !page.contains("https://"), "no absolute URL in index.html");
    }
}
