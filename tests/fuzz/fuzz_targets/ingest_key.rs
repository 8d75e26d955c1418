//! S3 key to VOD source name on arbitrary strings: any name produced is one MediaTailor accepts
//! (1-64 of A-Z a-z 0-9 - _), and the mapping is deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tailorflow_shared::VodSourceName;
use tailorflow_shared::ingest::{self, NameFrom, PackageType};

fn assert_valid(name: &VodSourceName) {
    let s = name.as_str();
    assert!((1..=64).contains(&s.len()), "{s:?} has {} characters", s.len());
    assert!(s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{s:?} has a bad character");
    // The newtype agrees.
    assert_eq!(VodSourceName::new(s).as_ref(), Ok(name));
}

fn check_key(key: &str) {
    for from in [NameFrom::Folder, NameFrom::Key] {
        let first = ingest::vod_source_name(key, from);
        assert_eq!(first, ingest::vod_source_name(key, from), "not deterministic for {key:?}");
        if let Ok(name) = &first {
            assert_valid(name);
        }
    }
    let _ = PackageType::from_key(key);
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks a prefix length; the rest is the key as S3 notifications send it.
    let Some((&split, rest)) = data.split_first() else { return };
    let Ok(raw) = std::str::from_utf8(rest) else { return };

    let decoded = ingest::decode_key(raw);
    assert_eq!(decoded, ingest::decode_key(raw));
    check_key(raw);
    let Ok(key) = decoded else { return };
    check_key(&key);

    // The prefix handling vod-source-ingest applies before naming.
    let cut = key.char_indices().map(|(i, _)| i).nth(usize::from(split)).unwrap_or(key.len());
    let prefix = &key[..cut];
    if let Ok(path) = ingest::relative_path(&key, prefix) {
        assert!(!path.is_empty() && !path.starts_with('/'));
        check_key(&path);
        if let Some(kind) = PackageType::from_key(&key) {
            let tags = ingest::provenance_tags("bucket", kind, &key, Some("etag"));
            assert_eq!(tags, ingest::provenance_tags("bucket", kind, &key, Some("etag")));
        }
    }
});
