//! From an S3 key to a VOD source, and from one package to a VOD source's packages: pure.
//!
//! Decodes the key as S3 notifications send it, tells entry manifests from everything else,
//! derives a VOD source name that MediaTailor accepts (stable, and collision-free where the
//! key had to be changed), and merges one package configuration into a VOD source's others.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use sha2::{Digest, Sha256};

pub use tailorflow_shared::aws::mediatailor::{Package, PackageType};
use tailorflow_shared::names::{MAX_NAME_LEN, VodSourceName, is_name_char};

/// Why a key cannot be ingested. Permanent: retrying does not help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key does not decode to UTF-8.
    #[error("the key {raw:?} does not decode to UTF-8 text")]
    NotUtf8 {
        /// The key as received.
        raw: String,
    },
    /// The key is longer than S3 allows, so no object has it: a forged or broken event.
    #[error("the key is {len} bytes long, longer than S3's {max}-byte limit for object keys; no object has it")]
    TooLong {
        /// The decoded key's length in bytes.
        len: usize,
        /// The limit, [`MAX_KEY_BYTES`].
        max: usize,
    },
    /// The key is outside the configured prefix.
    #[error("the key {key:?} is not under the configured KEY_PREFIX {prefix:?}")]
    OutsidePrefix {
        /// The decoded key.
        key: String,
        /// The prefix.
        prefix: String,
    },
    /// No name can be derived (e.g. the key is only a file name with no usable characters).
    #[error("no VOD source name can be derived from the key {key:?}")]
    NoName {
        /// The decoded key.
        key: String,
    },
}

/// The longest S3 object key, in bytes of UTF-8.
pub const MAX_KEY_BYTES: usize = 1024;

/// Decodes a key as S3 event notifications send it: `+` is a space, `%XX` a byte of UTF-8. A key
/// longer than S3 allows is refused.
pub fn decode_key(raw: &str) -> Result<String, KeyError> {
    let spaced = raw.replace('+', " ");
    let key = percent_decode_str(&spaced)
        .decode_utf8()
        .map(|key| key.into_owned())
        .map_err(|_| KeyError::NotUtf8 { raw: raw.to_owned() })?;
    if key.len() > MAX_KEY_BYTES {
        return Err(KeyError::TooLong { len: key.len(), max: MAX_KEY_BYTES });
    }
    Ok(key)
}

/// Where a VOD source's name comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NameFrom {
    /// The asset folder: `packages/movie/hls/index.m3u8` -> `movie` (a trailing `hls`, `dash`,
    /// `cmaf` or `mpd` package folder is skipped), so the HLS and DASH packages of one asset
    /// share a VOD source.
    #[default]
    Folder,
    /// The key without its extension: `packages/movie/hls/index.m3u8` -> `packages-movie-hls-index`.
    Key,
}

impl std::str::FromStr for NameFrom {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "folder" => Ok(Self::Folder),
            "key" => Ok(Self::Key),
            other => Err(format!("unknown naming {other:?}; use folder or key")),
        }
    }
}

const PACKAGE_FOLDERS: &[&str] = &["hls", "dash", "cmaf", "mpd"];
/// Length of the hash suffix (a `-` and 8 hex characters).
const HASH_SUFFIX_LEN: usize = 9;

/// The VOD source name for `key` (relative to the prefix).
///
/// Characters MediaTailor does not accept become `-`; where that (or the length limit) changed
/// the name, `-` and 8 hex characters of the SHA-256 of the original are appended, so two
/// different originals never share a name by accident.
pub fn vod_source_name(key: &str, from: NameFrom) -> Result<VodSourceName, KeyError> {
    let no_name = || KeyError::NoName { key: key.to_owned() };
    let stem = key.rsplit_once('.').map_or(key, |(stem, _)| stem);
    let original = match from {
        NameFrom::Key => stem.trim_matches('/').to_owned(),
        NameFrom::Folder => {
            let mut folders: Vec<&str> = key.split('/').filter(|s| !s.is_empty()).collect();
            let file = folders.pop().ok_or_else(no_name)?;
            while folders.last().is_some_and(|f| PACKAGE_FOLDERS.contains(&f.to_ascii_lowercase().as_str())) {
                folders.pop();
            }
            match folders.last() {
                Some(folder) => (*folder).to_owned(),
                None => file.rsplit_once('.').map_or(file, |(stem, _)| stem).to_owned(),
            }
        }
    };
    let mut cleaned = String::with_capacity(original.len());
    for c in original.chars() {
        let c = if is_name_char(c) { c } else { '-' };
        // One separator for a run of replaced characters.
        if !(c == '-' && cleaned.ends_with('-')) {
            cleaned.push(c);
        }
    }
    let cleaned = cleaned.trim_matches('-').to_owned();
    if cleaned == original && !cleaned.is_empty() && cleaned.len() <= MAX_NAME_LEN {
        return VodSourceName::new(cleaned).map_err(|_| no_name());
    }
    if original.trim().is_empty() {
        return Err(no_name());
    }
    let hash = hex::encode(Sha256::digest(original.as_bytes()));
    let base: String = cleaned.chars().take(MAX_NAME_LEN - HASH_SUFFIX_LEN).collect();
    let base = base.trim_end_matches('-');
    let name = if base.is_empty() { format!("v-{}", &hash[..8]) } else { format!("{base}-{}", &hash[..8]) };
    VodSourceName::new(name).map_err(|_| no_name())
}

/// The key relative to `prefix`: the package's Path under a source location whose BaseUrl ends
/// at the prefix.
pub fn relative_path(key: &str, prefix: &str) -> Result<String, KeyError> {
    key.strip_prefix(prefix)
        .map(|rest| rest.trim_start_matches('/').to_owned())
        .filter(|rest| !rest.is_empty())
        .ok_or_else(|| KeyError::OutsidePrefix { key: key.to_owned(), prefix: prefix.to_owned() })
}

/// What merging one package into a VOD source's packages gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merge {
    /// The package is already there exactly.
    Unchanged,
    /// The new full list.
    Updated(Vec<Package>),
}

/// Puts `package` among `existing`, replacing one of the same type or source group.
pub fn merge(existing: &[Package], package: &Package) -> Merge {
    if existing.contains(package) {
        return Merge::Unchanged;
    }
    let mut merged: Vec<Package> =
        existing.iter().filter(|p| p.kind != package.kind && p.source_group != package.source_group).cloned().collect();
    merged.push(package.clone());
    merged.sort();
    Merge::Updated(merged)
}

/// What removing a package of `kind` at `path` gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removal {
    /// No such package: nothing to do.
    Absent,
    /// Others remain: the new list.
    Updated(Vec<Package>),
    /// It was the last one: delete the VOD source.
    Empty,
}

/// Removes the package of `kind` whose path is `path`.
pub fn remove(existing: &[Package], kind: PackageType, path: &str) -> Removal {
    let remaining: Vec<Package> = existing.iter().filter(|p| !(p.kind == kind && p.path == path)).cloned().collect();
    if remaining.len() == existing.len() {
        Removal::Absent
    } else if remaining.is_empty() {
        Removal::Empty
    } else {
        Removal::Updated(remaining)
    }
}

/// Tags that say where a package came from: bucket, and per type the key and ETag. Values over
/// AWS's 256 characters keep their end (the file) and a hash of the whole.
pub fn provenance_tags(bucket: &str, kind: PackageType, key: &str, etag: Option<&str>) -> BTreeMap<String, String> {
    let fit = |value: &str| -> String {
        if value.chars().count() <= 256 {
            return value.to_owned();
        }
        let hash = &hex::encode(Sha256::digest(value.as_bytes()))[..8];
        let tail: String = value.chars().rev().take(256 - 10).collect::<Vec<_>>().into_iter().rev().collect();
        format!("{hash}..{tail}")
    };
    let kind = kind.as_str().to_ascii_lowercase();
    let mut tags = BTreeMap::new();
    tags.insert("tailorflow:bucket".to_owned(), fit(bucket));
    tags.insert(format!("tailorflow:{kind}-key"), fit(key));
    if let Some(etag) = etag.map(|e| e.trim_matches('"')).filter(|e| !e.is_empty()) {
        tags.insert(format!("tailorflow:{kind}-etag"), fit(etag));
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_percent_and_non_ascii() {
        assert_eq!(
            decode_key("packages/Big+Buck+Bunny/hls/index.m3u8").unwrap(),
            "packages/Big Buck Bunny/hls/index.m3u8"
        );
        assert_eq!(decode_key("a%2Bb/c%20d.mpd").unwrap(), "a+b/c d.mpd");
        assert_eq!(decode_key("caf%C3%A9/%E6%97%A5%E6%9C%AC.m3u8").unwrap(), "café/日本.m3u8");
        assert!(matches!(decode_key("bad%FF.m3u8"), Err(KeyError::NotUtf8 { .. })));
        let longest = format!("{}.mpd", "a".repeat(MAX_KEY_BYTES - 4));
        assert_eq!(decode_key(&longest).unwrap().len(), MAX_KEY_BYTES);
        // 1022 bytes of "é" (2 bytes each, sent as %C3%A9) plus ".mpd": over the limit.
        let over = format!("{}.mpd", "%C3%A9".repeat(511));
        assert_eq!(decode_key(&over), Err(KeyError::TooLong { len: 1026, max: MAX_KEY_BYTES }));
    }

    #[test]
    fn manifest_types_by_extension() {
        assert_eq!(PackageType::from_key("a/INDEX.M3U8"), Some(PackageType::Hls));
        assert_eq!(PackageType::from_key("a/manifest.mpd"), Some(PackageType::Dash));
        assert_eq!(PackageType::from_key("a/segment.ts"), None);
        assert_eq!(PackageType::from_key("a/m3u8"), None);
    }

    #[test]
    fn names_from_the_asset_folder() {
        let name = |key| vod_source_name(key, NameFrom::Folder).unwrap().into_string();
        assert_eq!(name("packages/big-buck-bunny/hls/index.m3u8"), "big-buck-bunny");
        assert_eq!(name("packages/big-buck-bunny/dash/manifest.mpd"), "big-buck-bunny", "one VOD source per asset");
        assert_eq!(name("packages/movie/HLS/cmaf/index.m3u8"), "movie");
        assert_eq!(name("movie_1.m3u8"), "movie_1");
    }

    #[test]
    fn names_from_the_key() {
        let name = vod_source_name("packages/movie/hls/index.m3u8", NameFrom::Key).unwrap();
        assert!(name.as_str().starts_with("packages-movie-hls-index-"), "{name}");
        assert_eq!(name.as_str().len(), "packages-movie-hls-index-".len() + 8, "the slashes changed it: hashed");
    }

    #[test]
    fn changed_names_carry_a_hash_that_keeps_them_apart() {
        let spaced = vod_source_name("packages/Big Buck Bunny/hls/index.m3u8", NameFrom::Folder).unwrap();
        let plussed = vod_source_name("packages/Big+Buck+Bunny/hls/index.m3u8", NameFrom::Folder).unwrap();
        let dashed = vod_source_name("packages/Big-Buck-Bunny/hls/index.m3u8", NameFrom::Folder).unwrap();
        assert!(spaced.as_str().starts_with("Big-Buck-Bunny-"), "{spaced}");
        assert_eq!(dashed.as_str(), "Big-Buck-Bunny", "an already valid name is kept as is");
        assert_ne!(spaced, plussed);
        assert_ne!(spaced, dashed);
        assert_eq!(spaced, vod_source_name("x/Big Buck Bunny/dash/m.mpd", NameFrom::Folder).unwrap(), "stable");
        let accented = vod_source_name("café/hls/index.m3u8", NameFrom::Folder).unwrap();
        assert!(accented.as_str().starts_with("caf-"), "{accented}");
        let japanese = vod_source_name("日本/hls/index.m3u8", NameFrom::Folder).unwrap();
        assert!(japanese.as_str().starts_with("v-"), "{japanese}");
    }

    #[test]
    fn over_long_names_are_cut_and_hashed_within_the_limit() {
        let long = "a".repeat(100);
        let name = vod_source_name(&format!("{long}/hls/index.m3u8"), NameFrom::Folder).unwrap();
        assert_eq!(name.as_str().len(), MAX_NAME_LEN);
        let other = vod_source_name(&format!("{long}b/hls/index.m3u8"), NameFrom::Folder).unwrap();
        assert_ne!(name, other, "same first 55 characters, different names");
        let at_limit = "b".repeat(MAX_NAME_LEN);
        assert_eq!(vod_source_name(&format!("{at_limit}/hls/i.m3u8"), NameFrom::Folder).unwrap().as_str(), at_limit);
    }

    #[test]
    fn a_key_with_nothing_to_name_is_refused() {
        assert!(matches!(vod_source_name("", NameFrom::Folder), Err(KeyError::NoName { .. })));
        assert!(matches!(vod_source_name("hls/ .m3u8", NameFrom::Folder), Err(KeyError::NoName { .. })));
    }

    #[test]
    fn paths_are_relative_to_the_prefix() {
        assert_eq!(relative_path("media/movie/hls/index.m3u8", "media/").unwrap(), "movie/hls/index.m3u8");
        assert_eq!(relative_path("movie/index.m3u8", "").unwrap(), "movie/index.m3u8");
        assert!(matches!(relative_path("other/movie.m3u8", "media/"), Err(KeyError::OutsidePrefix { .. })));
    }

    fn package(kind: PackageType, group: &str, path: &str) -> Package {
        Package { kind, source_group: group.into(), path: path.into() }
    }

    #[test]
    fn merging_adds_replaces_and_recognises_what_is_there() {
        let hls = package(PackageType::Hls, "hls", "m/hls/index.m3u8");
        let dash = package(PackageType::Dash, "dash", "m/dash/manifest.mpd");
        assert_eq!(merge(std::slice::from_ref(&hls), &hls), Merge::Unchanged);
        assert_eq!(merge(std::slice::from_ref(&hls), &dash), Merge::Updated(vec![hls.clone(), dash.clone()]));
        let moved = package(PackageType::Hls, "hls", "m/hls/v2.m3u8");
        assert_eq!(merge(&[hls.clone(), dash.clone()], &moved), Merge::Updated(vec![moved, dash.clone()]));
    }

    #[test]
    fn removal_of_the_last_package_empties_the_source() {
        let hls = package(PackageType::Hls, "hls", "m/hls/index.m3u8");
        let dash = package(PackageType::Dash, "dash", "m/dash/manifest.mpd");
        assert_eq!(
            remove(&[hls.clone(), dash.clone()], PackageType::Hls, "m/hls/index.m3u8"),
            Removal::Updated(vec![dash.clone()])
        );
        assert_eq!(remove(std::slice::from_ref(&dash), PackageType::Dash, "m/dash/manifest.mpd"), Removal::Empty);
        assert_eq!(remove(&[dash], PackageType::Dash, "elsewhere.mpd"), Removal::Absent);
    }

    #[test]
    fn provenance_tags_fit_aws_limits() {
        let tags = provenance_tags("bucket", PackageType::Dash, "m/dash/manifest.mpd", Some("\"abc\""));
        assert_eq!(tags["tailorflow:bucket"], "bucket");
        assert_eq!(tags["tailorflow:dash-key"], "m/dash/manifest.mpd");
        assert_eq!(tags["tailorflow:dash-etag"], "abc");
        let long = format!("{}/index.m3u8", "d".repeat(400));
        let tags = provenance_tags("b", PackageType::Hls, &long, None);
        assert_eq!(tags["tailorflow:hls-key"].chars().count(), 256);
        assert!(tags["tailorflow:hls-key"].ends_with("/index.m3u8"));
        assert!(!tags.contains_key("tailorflow:hls-etag"));
    }
}
