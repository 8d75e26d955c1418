//! The objects of a bucket under a prefix, read from the folder the prefix names rather than
//! from the whole bucket: s3s-fs walks every folder of the bucket for each listing and filters
//! afterwards, which makes one asset's `ListObjectsV2` cost as much as the whole library.
//!
//! The walk starts at the prefix's folder part (up to its last `/`) when every segment of it is
//! a plain name; a prefix with an empty, `.` or `..` segment, or in the mapped-key folder, starts
//! at the bucket, so a listing never reads outside its bucket. Keys are the paths below the bucket folder joined with `/`, as
//! s3s-fs names them; names that are not UTF-8 and the mapped-key folder are left out.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use s3s::dto::{Object, Timestamp};

use super::keys::RESERVED_DIR;

/// Every stored object of the bucket at `bucket_dir` whose key starts with `prefix`.
pub(crate) fn objects_under(bucket_dir: &Path, prefix: &str) -> io::Result<BTreeMap<String, Object>> {
    let folder = folder_of(prefix);
    let mut objects = BTreeMap::new();
    let mut queue: Vec<(PathBuf, String)> = vec![(bucket_dir.join(&folder), folder)];
    while let Some((dir, key_prefix)) = queue.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            // No folder there: no object under the prefix.
            Err(err) if matches!(err.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => continue,
            Err(err) => return Err(err),
        };
        for entry in entries {
            let entry = entry?;
            let Ok(name) = entry.file_name().into_string() else { continue };
            if key_prefix.is_empty() && name == RESERVED_DIR {
                continue;
            }
            let key = format!("{key_prefix}{name}");
            let metadata = entry.metadata()?;
            if metadata.is_dir() {
                // Only folders that can still hold a key under the prefix.
                if key.starts_with(prefix) || prefix.starts_with(&format!("{key}/")) {
                    queue.push((entry.path(), format!("{key}/")));
                }
            } else if key.starts_with(prefix) {
                objects.insert(key.clone(), object(key, &metadata));
            }
        }
    }
    Ok(objects)
}

/// A listed object: its key, size and modification time, from its file's metadata.
pub(crate) fn object(key: String, metadata: &std::fs::Metadata) -> Object {
    Object {
        key: Some(key),
        last_modified: metadata.modified().ok().map(Timestamp::from),
        size: i64::try_from(metadata.len()).ok(),
        ..Default::default()
    }
}

/// The folder part of `prefix` (ending in `/`), or empty when it has none or an unsafe segment.
fn folder_of(prefix: &str) -> String {
    let Some(end) = prefix.rfind('/') else { return String::new() };
    let folder = &prefix[..end];
    let plain = folder.split('/').all(|s| !s.is_empty() && s != "." && s != ".." && !s.contains('\\'))
        && folder.split('/').next() != Some(RESERVED_DIR);
    if plain { format!("{folder}/") } else { String::new() }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn bucket() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for key in ["a/b/one.m3u8", "a/b/c/two.ts", "a/bc/three.ts", "top.txt", "../outside.txt"] {
            let path = dir.path().join("bkt").join(key);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, key).unwrap();
        }
        std::fs::create_dir_all(dir.path().join("bkt").join(RESERVED_DIR)).unwrap();
        std::fs::write(dir.path().join("bkt").join(RESERVED_DIR).join("x"), "mapped").unwrap();
        dir
    }

    fn keys(dir: &tempfile::TempDir, prefix: &str) -> Vec<String> {
        objects_under(&dir.path().join("bkt"), prefix).unwrap().into_keys().collect()
    }

    #[test]
    fn lists_what_the_prefix_names_and_no_more() {
        let dir = bucket();
        assert_eq!(keys(&dir, ""), ["a/b/c/two.ts", "a/b/one.m3u8", "a/bc/three.ts", "top.txt"]);
        assert_eq!(keys(&dir, "a/b/"), ["a/b/c/two.ts", "a/b/one.m3u8"]);
        // A prefix that ends inside a name matches every name it starts.
        assert_eq!(keys(&dir, "a/b"), ["a/b/c/two.ts", "a/b/one.m3u8", "a/bc/three.ts"]);
        assert_eq!(keys(&dir, "a/b/o"), ["a/b/one.m3u8"]);
        assert!(keys(&dir, "nothing/here/").is_empty());
        assert!(keys(&dir, "top.txt/").is_empty());
    }

    #[test]
    fn never_reads_outside_the_bucket_or_the_mapped_keys() {
        let dir = bucket();
        assert!(keys(&dir, "../").is_empty());
        assert!(keys(&dir, "a/../../").is_empty());
        assert!(keys(&dir, RESERVED_DIR).is_empty());
        assert!(keys(&dir, &format!("{RESERVED_DIR}/")).is_empty());
        assert_eq!(folder_of("a/./b/"), "");
        assert_eq!(folder_of("a//b"), "");
        assert_eq!(folder_of("a/b/c"), "a/b/");
    }
}
