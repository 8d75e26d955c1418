//! S3 key to asset and VOD source name on arbitrary strings: any name produced is one MediaTailor
//! accepts (1-64 of A-Z a-z 0-9 - _), and the mapping is deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tailorflow_shared::VodSourceName;
use vod_source_ingest::keys::{self, PackageType};

fn assert_valid(name: &VodSourceName) {
    let s = name.as_str();
    assert!((1..=64).contains(&s.len()), "{s:?} has {} characters", s.len());
    assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{s:?} has a bad character");
    // The newtype agrees.
    assert_eq!(VodSourceName::new(s).as_ref(), Ok(name));
}

fn check_key(key: &str, prefix: &str) {
    let asset = keys::asset_of("bucket", key, prefix);
    assert_eq!(asset, keys::asset_of("bucket", key, prefix), "not deterministic for {key:?}");
    if let Ok(asset) = &asset {
        assert!(asset.folder.starts_with(prefix));
        let name = keys::vod_source_name(asset);
        assert_eq!(name, keys::vod_source_name(asset));
        if let Ok(name) = &name {
            assert_valid(name);
        }
        assert!(asset.tag_value().chars().count() <= 256);
        if let Some(kind) = PackageType::from_key(key) {
            let tags = keys::provenance_tags(asset, [(kind, key, Some("etag"))]);
            assert!(tags.values().all(|v| v.chars().count() <= 256));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks a prefix length; the rest is the key as S3 notifications send it.
    let Some((&split, rest)) = data.split_first() else { return };
    let Ok(raw) = std::str::from_utf8(rest) else { return };

    let decoded = keys::decode_key(raw);
    assert_eq!(decoded, keys::decode_key(raw));
    check_key(raw, "");
    let Ok(key) = decoded else { return };
    check_key(&key, "");

    // KEY_PREFIX as vod-source-ingest applies it: whole path segments.
    let cut = key.char_indices().map(|(i, _)| i).nth(usize::from(split)).unwrap_or(key.len());
    let prefix = keys::normalize_prefix(&key[..cut]);
    assert!(prefix.is_empty() || (prefix.ends_with('/') && !prefix.starts_with('/')));
    check_key(&key, &prefix);
});
