//! S3 reads of the media folder (path-style, through s3s and s3s-fs), and the same files as a
//! plain HTTP origin under `/origin/{bucket}/{key}`.
//! STUB: to be written.

use std::path::{Path, PathBuf};

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::Response;

use crate::{EmulatorError, wire};

/// The media folder, served as S3 buckets (its first level) and as an HTTP origin.
pub struct MediaStore {
    root: PathBuf,
}

impl MediaStore {
    /// Serves `media_dir`.
    pub fn new(media_dir: &Path) -> Result<Self, EmulatorError> {
        Ok(Self { root: media_dir.to_path_buf() })
    }

    /// The media folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Answers a signed S3 request.
    pub async fn handle(&self, _req: Request) -> Response {
        wire::s3_xml_error(StatusCode::NOT_IMPLEMENTED, "NotImplemented", "not yet")
    }

    /// Answers an unsigned GET or HEAD under `/origin/`.
    pub async fn serve_origin(&self, _req: Request) -> Response {
        wire::s3_xml_error(StatusCode::NOT_IMPLEMENTED, "NotImplemented", "not yet")
    }

    /// Reads `bucket/key` from the media folder, refusing paths that leave it.
    pub fn read_object(&self, bucket: &str, key: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.root.join(bucket).join(key))
    }
}

/// The S3 operation a request is, for call counts and per-operation faults.
pub fn operation_name(method: &Method, _path: &str, _query: Option<&str>) -> &'static str {
    if method == Method::HEAD { "HeadObject" } else { "GetObject" }
}
