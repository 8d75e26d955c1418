//! Where an S3 key's bytes live in the media folder.
//!
//! Most keys are their own path (`bucket/a/b.m3u8`), so the media folder stays browsable and
//! hand-placed files are objects. A key that cannot be a path inside its bucket is *mapped*: its
//! bytes live at `bucket/.mediatailor-local-keys/<sha256 of the key>`, with the key itself in a
//! `.key` file beside them for listings. A key is mapped when a segment is empty, `.` or `..`
//! (it would leave its bucket, or name a directory), a segment is longer than a file name may be,
//! it starts with the reserved folder, or s3s-fs's metadata file name (the bucket and key in
//! base64, in one file name) would pass the 255-byte limit, which is what made PutObject of a
//! ~150-byte key fail with a 500.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The folder, in each bucket, holding mapped keys.
pub(crate) const RESERVED_DIR: &str = ".mediatailor-local-keys";
/// The longest file name Linux, macOS and Windows allow.
const MAX_FILE_NAME: usize = 255;
/// s3s-fs's longest metadata file name around the two base64 parts:
/// `.bucket-` + `.object-` + `.upload-<uuid>` + `.metadata.json`.
const METADATA_NAME_OVERHEAD: usize = 8 + 8 + 8 + 36 + 14;

/// Whether `key` of `bucket` cannot be stored at its own path.
pub(crate) fn needs_mapping(bucket: &str, key: &str) -> bool {
    // A trailing `/` is a folder object, which s3s-fs keeps as a directory.
    let body = key.strip_suffix('/').unwrap_or(key);
    let bad_segment =
        body.split('/').any(|s| s.is_empty() || s == "." || s == ".." || s.len() > MAX_FILE_NAME || s.contains('\0'));
    let reserved = key.split('/').next() == Some(RESERVED_DIR);
    let metadata_name = METADATA_NAME_OVERHEAD + base64_len(bucket.len()) + base64_len(key.len());
    bad_segment || reserved || metadata_name > MAX_FILE_NAME
}

/// The key s3s-fs stores a mapped `key` under, relative to its bucket.
pub(crate) fn mapped_key(key: &str) -> String {
    format!("{RESERVED_DIR}/{}", hex::encode(Sha256::digest(key.as_bytes())))
}

/// The file holding the original key of a mapped key, under the bucket's folder.
pub(crate) fn index_file(bucket_dir: &Path, key: &str) -> PathBuf {
    bucket_dir.join(format!("{}.key", mapped_key(key)))
}

/// Unpadded base64 length of `n` bytes.
fn base64_len(n: usize) -> usize {
    (n * 4).div_ceil(3)
}

/// Records a mapped key so that listings can name it.
pub(crate) fn record(bucket_dir: &Path, key: &str) -> std::io::Result<()> {
    let file = index_file(bucket_dir, key);
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(file, key.as_bytes())
}

/// Forgets a mapped key (its object is gone).
pub(crate) fn forget(bucket_dir: &Path, key: &str) {
    // Already gone is fine: DeleteObject of a missing key succeeds too.
    let _ = std::fs::remove_file(index_file(bucket_dir, key));
}

/// Every mapped key of a bucket whose object exists, with its file.
pub(crate) fn mapped_objects(bucket_dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(bucket_dir.join(RESERVED_DIR)) else { return Vec::new() };
    let mut objects = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "key") {
            continue;
        }
        let data = path.with_extension("");
        if let (Ok(key), true) = (std::fs::read_to_string(&path), data.is_file()) {
            objects.push((key, data));
        }
    }
    objects
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_keys_are_their_own_path() {
        assert!(!needs_mapping("tailorflow-media", "packages/big-buck-bunny/hls/index.m3u8"));
        assert!(!needs_mapping("b", &"k".repeat(100)));
        assert!(!needs_mapping("b", "folder/"));
    }

    #[test]
    fn keys_that_cannot_be_paths_are_mapped() {
        for key in ["../other/planted.txt", "a/../../x", "./x", "a//b", "/x", "a//", &"k".repeat(1024)] {
            assert!(needs_mapping("bucket", key), "{key}");
        }
        assert!(needs_mapping("b", &format!("{RESERVED_DIR}/abc")));
        assert!(needs_mapping(&"b".repeat(63), &"k".repeat(80)), "the metadata file name would be too long");
        assert_eq!(mapped_key("x").len(), RESERVED_DIR.len() + 1 + 64);
    }
}
