//! From an S3 key to its asset and from an asset to its VOD source name: pure.
//!
//! Decodes the key as S3 notifications send it, finds the asset it belongs to (the folder that
//! holds the package folders), and names the asset's VOD source from the asset's path under
//! `KEY_PREFIX`, so two assets have two names: readable where the path already is a valid name
//! (`/` becomes `-`), with 8 hex digits of SHA-256 of the path where characters had to change or
//! the name had to be shortened. The rare paths that still meet (`a/b-c` and `a-b/c`) are kept
//! apart by the `tailorflow:asset` tag: a VOD source of another asset is never overwritten.

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
    /// The key is inside a package folder (`movie/hls/720p/index.m3u8`): a rendition's playlist,
    /// never an entry manifest. Ignored without a call.
    #[error("inside the package folder {folder:?}: a rendition's media playlist, not an entry manifest")]
    InsidePackage {
        /// The package folder.
        folder: String,
    },
    /// No name can be derived: the manifest is in no asset folder, or the folder has no name.
    #[error(
        "no VOD source name can be derived from the key {key:?}: put each asset's packages in a folder of its own under KEY_PREFIX"
    )]
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

/// `KEY_PREFIX` as whole path segments: `vod`, `/vod/` and `vod/` all become `vod/`; empty stays
/// empty (the whole bucket).
pub fn normalize_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() { String::new() } else { format!("{trimmed}/") }
}

/// Folders that hold one package of an asset; the asset is the folder above them.
pub const PACKAGE_FOLDERS: &[&str] = &["hls", "dash", "cmaf", "mpd"];

/// An asset: the folder that holds an asset's package folders (or its manifests).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Asset {
    /// The bucket.
    pub bucket: String,
    /// The asset folder's full key, without a trailing `/` (`vod/movies/movie`).
    pub folder: String,
    /// The asset folder relative to `KEY_PREFIX` (`movies/movie`).
    pub relative: String,
}

impl Asset {
    /// The prefix that lists the asset's objects (`vod/movies/movie/`).
    pub fn listing_prefix(&self) -> String {
        format!("{}/", self.folder)
    }

    /// The value of the `tailorflow:asset` tag: `bucket/folder`, fitted to AWS's tag limit.
    pub fn tag_value(&self) -> String {
        fit_tag(&format!("{}/{}", self.bucket, self.folder))
    }
}

/// The asset `key` belongs to: its folders under `prefix` (normalized, see [`normalize_prefix`])
/// without trailing package folders (`hls`, `dash`, `cmaf`, `mpd`, any case).
/// `vod/movies/movie/hls/index.m3u8` under `vod/` -> `movies/movie`. A key deeper inside a
/// package folder (`movie/hls/720p/index.m3u8`) belongs to no asset: [`KeyError::InsidePackage`].
pub fn asset_of(bucket: &str, key: &str, prefix: &str) -> Result<Asset, KeyError> {
    let relative = key
        .strip_prefix(prefix)
        .filter(|rest| !rest.is_empty())
        .ok_or_else(|| KeyError::OutsidePrefix { key: key.to_owned(), prefix: prefix.to_owned() })?;
    let mut folders: Vec<&str> = relative.split('/').collect();
    folders.pop();
    while folders.last().is_some_and(|f| PACKAGE_FOLDERS.contains(&f.to_ascii_lowercase().as_str())) {
        folders.pop();
    }
    if let Some(at) = folders.iter().position(|f| PACKAGE_FOLDERS.contains(&f.to_ascii_lowercase().as_str())) {
        return Err(KeyError::InsidePackage { folder: format!("{prefix}{}", folders[..=at].join("/")) });
    }
    if folders.is_empty() || folders.iter().all(|f| f.trim().is_empty()) {
        return Err(KeyError::NoName { key: key.to_owned() });
    }
    let relative = folders.join("/");
    Ok(Asset { bucket: bucket.to_owned(), folder: format!("{prefix}{relative}"), relative })
}

/// The key relative to `prefix`: the package's Path under a source location whose BaseUrl ends
/// at the prefix.
pub fn relative_path(key: &str, prefix: &str) -> String {
    key.strip_prefix(prefix).unwrap_or(key).to_owned()
}

/// Length of the hash suffix (a `-` and 8 hex characters).
const HASH_SUFFIX_LEN: usize = 9;

/// The VOD source name of `asset`, from its path under `KEY_PREFIX`.
///
/// `/` becomes `-`. Other characters MediaTailor does not accept become `-` too (one for a run);
/// where that changed the name, or the name is over 64 characters, it is cut and `-` and 8 hex
/// characters of the SHA-256 of the path are appended.
pub fn vod_source_name(asset: &Asset) -> Result<VodSourceName, KeyError> {
    let no_name = || KeyError::NoName { key: asset.folder.clone() };
    let original = asset.relative.as_str();
    let mut cleaned = String::with_capacity(original.len());
    let mut changed = false;
    for c in original.chars() {
        let c = match c {
            '/' => '-',
            c if is_name_char(c) => c,
            _ => {
                changed = true;
                '-'
            }
        };
        // One separator for a run; collapsing one changes the name (`a--b` would meet `a-b`).
        if c == '-' && cleaned.ends_with('-') {
            changed = true;
            continue;
        }
        cleaned.push(c);
    }
    let trimmed = cleaned.trim_matches('-');
    changed |= trimmed.len() != cleaned.len();
    let cleaned = trimmed.to_owned();
    if !changed && !cleaned.is_empty() && cleaned.len() <= MAX_NAME_LEN {
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

/// A tag value within AWS's 256 characters: a longer one keeps its end (the file) and a hash of
/// the whole.
pub fn fit_tag(value: &str) -> String {
    if value.chars().count() <= 256 {
        return value.to_owned();
    }
    let hash = &hex::encode(Sha256::digest(value.as_bytes()))[..8];
    let tail: String = value.chars().rev().take(256 - 10).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{hash}..{tail}")
}

/// The tag naming the asset a VOD source was made from.
pub const ASSET_TAG: &str = "tailorflow:asset";
/// The tag naming the bucket.
pub const BUCKET_TAG: &str = "tailorflow:bucket";

/// The tag holding the key of the package of `kind` (`tailorflow:hls-key`).
pub fn key_tag(kind: PackageType) -> String {
    format!("tailorflow:{}-key", kind.as_str().to_ascii_lowercase())
}

/// The tag holding the ETag of the package of `kind` (`tailorflow:hls-etag`).
pub fn etag_tag(kind: PackageType) -> String {
    format!("tailorflow:{}-etag", kind.as_str().to_ascii_lowercase())
}

/// Tags that say where a VOD source came from: asset, bucket, and per package type its key and
/// ETag.
pub fn provenance_tags<'a>(
    asset: &Asset,
    manifests: impl IntoIterator<Item = (PackageType, &'a str, Option<&'a str>)>,
) -> BTreeMap<String, String> {
    let mut tags = BTreeMap::new();
    tags.insert(ASSET_TAG.to_owned(), asset.tag_value());
    tags.insert(BUCKET_TAG.to_owned(), fit_tag(&asset.bucket));
    for (kind, key, etag) in manifests {
        tags.insert(key_tag(kind), fit_tag(key));
        if let Some(etag) = etag.map(|e| e.trim_matches('"')).filter(|e| !e.is_empty()) {
            tags.insert(etag_tag(kind), fit_tag(etag));
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(key: &str, prefix: &str) -> Asset {
        asset_of("b", key, &normalize_prefix(prefix)).unwrap()
    }

    fn name(key: &str) -> String {
        vod_source_name(&asset(key, "")).unwrap().into_string()
    }

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
    fn the_asset_is_the_folder_above_the_package_folders() {
        let a = asset("packages/movie/hls/index.m3u8", "");
        assert_eq!((a.folder.as_str(), a.relative.as_str()), ("packages/movie", "packages/movie"));
        assert_eq!(asset("packages/movie/dash/manifest.mpd", ""), a, "HLS and DASH of one asset");
        assert_eq!(asset("packages/movie/HLS/cmaf/index.m3u8", ""), a);
        assert_eq!(asset("packages/movie/index.m3u8", ""), a, "manifests directly in the asset folder");
        let inside = asset_of("b", "packages/movie/hls/720p/index.m3u8", "").unwrap_err();
        assert_eq!(inside, KeyError::InsidePackage { folder: "packages/movie/hls".into() });
        assert_eq!(a.listing_prefix(), "packages/movie/");
        assert_eq!(a.tag_value(), "b/packages/movie");
        for key in ["movie.m3u8", "hls/index.m3u8", "dash/cmaf/x.mpd", " /hls/x.m3u8"] {
            assert!(matches!(asset_of("b", key, ""), Err(KeyError::NoName { .. })), "{key}");
        }
    }

    #[test]
    fn the_key_prefix_matches_whole_segments() {
        for prefix in ["vod", "vod/", "/vod/"] {
            let a = asset("vod/movie/hls/index.m3u8", prefix);
            assert_eq!((a.folder.as_str(), a.relative.as_str()), ("vod/movie", "movie"), "{prefix}");
        }
        let err = asset_of("b", "vodka/movie/hls/index.m3u8", "vod/").unwrap_err();
        assert!(matches!(err, KeyError::OutsidePrefix { .. }), "{err}");
        assert!(matches!(asset_of("b", "vod/", "vod/"), Err(KeyError::OutsidePrefix { .. })));
        assert_eq!(normalize_prefix(""), "");
        assert_eq!(normalize_prefix("a/b"), "a/b/");
        assert_eq!(relative_path("vod/movie/hls/index.m3u8", "vod/"), "movie/hls/index.m3u8");
    }

    #[test]
    fn names_come_from_the_whole_asset_path() {
        assert_eq!(name("packages/big-buck-bunny/hls/index.m3u8"), "packages-big-buck-bunny");
        assert_eq!(name("packages/big_buck_bunny/dash/m.mpd"), "packages-big_buck_bunny");
        assert_eq!(vod_source_name(&asset("vod/movie/hls/index.m3u8", "vod")).unwrap().as_str(), "movie");
        // Same folder name in two places: two names.
        let x = name("x/my show/hls/index.m3u8");
        let y = name("y/my show/hls/index.m3u8");
        assert_ne!(x, y);
        assert!(x.starts_with("x-my-show-") && y.starts_with("y-my-show-"), "{x} {y}");
    }

    #[test]
    fn changed_names_carry_a_hash_that_keeps_them_apart() {
        let spaced = name("packages/Big Buck Bunny/hls/index.m3u8");
        let plussed = name("packages/Big+Buck+Bunny/hls/index.m3u8");
        let dashed = name("packages/Big-Buck-Bunny/hls/index.m3u8");
        assert!(spaced.starts_with("packages-Big-Buck-Bunny-"), "{spaced}");
        assert_eq!(spaced.len(), "packages-Big-Buck-Bunny-".len() + 8);
        assert_eq!(dashed, "packages-Big-Buck-Bunny", "an already valid path is kept as is");
        assert_ne!(spaced, plussed);
        assert_ne!(spaced, dashed);
        assert_eq!(spaced, name("packages/Big Buck Bunny/dash/m.mpd"), "stable");
        assert_ne!(name("a/b--c/hls/i.m3u8"), name("a/b-c/hls/i.m3u8"));
        assert_ne!(name("a/-b/hls/i.m3u8"), name("a/b/hls/i.m3u8"));
        assert!(name("café/x/hls/index.m3u8").starts_with("caf-x-"));
        assert!(name("日本/hls/index.m3u8").starts_with("v-"));
    }

    #[test]
    fn over_long_names_are_cut_and_hashed_within_the_limit() {
        let long = "a".repeat(100);
        let cut = name(&format!("{long}/hls/index.m3u8"));
        assert_eq!(cut.len(), MAX_NAME_LEN);
        assert_ne!(cut, name(&format!("{long}b/hls/index.m3u8")), "same first 55 characters, different names");
        let at_limit = "b".repeat(MAX_NAME_LEN);
        assert_eq!(name(&format!("{at_limit}/hls/i.m3u8")), at_limit);
    }

    #[test]
    fn provenance_tags_fit_aws_limits() {
        let a = asset("m/dash/manifest.mpd", "");
        let tags = provenance_tags(&a, [(PackageType::Dash, "m/dash/manifest.mpd", Some("\"abc\""))]);
        assert_eq!(tags[ASSET_TAG], "b/m");
        assert_eq!(tags[BUCKET_TAG], "b");
        assert_eq!(tags["tailorflow:dash-key"], "m/dash/manifest.mpd");
        assert_eq!(tags["tailorflow:dash-etag"], "abc");
        let long = format!("{}/index.m3u8", "d".repeat(400));
        let tags = provenance_tags(&a, [(PackageType::Hls, long.as_str(), None)]);
        assert_eq!(tags["tailorflow:hls-key"].chars().count(), 256);
        assert!(tags["tailorflow:hls-key"].ends_with("/index.m3u8"));
        assert!(!tags.contains_key("tailorflow:hls-etag"));
    }
}
