//! What an asset's VOD source must be, given what S3 holds now, and what to do about the one
//! MediaTailor has: pure.
//!
//! The truth of an asset is its entry manifests: the `.m3u8` objects of its folder that are
//! multivariant playlists (their first 64 KiB hold `#EXT-X-STREAM-INF`) and the `.mpd` objects
//! that are MPDs (their first KiB holds `<MPD`). Empty and unreadable objects count as absent.
//! When several of one type are present, the shortest key wins, then the lexicographically
//! first, so every reader of the same listing chooses the same one.

use std::collections::BTreeMap;

use tailorflow_shared::aws::mediatailor::VodSource;
use tailorflow_shared::manifest::{self, ManifestKind};

use crate::keys::{self, ASSET_TAG, Asset, BUCKET_TAG, Package, PackageType};

/// How many bytes of an `.mpd` are read to tell an MPD from anything else.
pub const MPD_SNIFF_BYTES: usize = 1024;

/// What the first bytes of a candidate object say it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed {
    /// An entry manifest of this type.
    Entry(PackageType),
    /// Not an entry manifest; why.
    Not(String),
}

/// Classifies the first bytes of an object whose key names a manifest of `kind`.
pub fn sniff(kind: PackageType, bytes: &[u8]) -> Sniffed {
    match kind {
        PackageType::Hls => match manifest::sniff_hls(bytes) {
            Some(ManifestKind::HlsMultivariant) => Sniffed::Entry(kind),
            Some(_) => Sniffed::Not("an HLS media playlist, not a multivariant one".into()),
            None if bytes.is_empty() => Sniffed::Not("an empty object".into()),
            None => Sniffed::Not("not an HLS playlist".into()),
        },
        PackageType::Dash => {
            let head = &bytes[..bytes.len().min(MPD_SNIFF_BYTES)];
            if head.windows(4).any(|w| w == b"<MPD") {
                Sniffed::Entry(kind)
            } else if bytes.is_empty() {
                Sniffed::Not("an empty object".into())
            } else {
                Sniffed::Not("not a DASH MPD (no <MPD in its first KiB)".into())
            }
        }
    }
}

/// One entry manifest present in S3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// HLS or DASH.
    pub kind: PackageType,
    /// Its key.
    pub key: String,
    /// Its ETag, when known.
    pub etag: Option<String>,
}

/// An asset's truth: the entry manifest chosen per type, and why every other candidate key was
/// passed over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Truth {
    /// The chosen HLS multivariant playlist.
    pub hls: Option<Manifest>,
    /// The chosen DASH MPD.
    pub dash: Option<Manifest>,
    /// Candidate keys (by extension) that are not chosen, and why.
    pub notes: BTreeMap<String, String>,
}

impl Truth {
    /// The truth from every entry manifest found and the notes on the other candidates.
    pub fn choose(found: Vec<Manifest>, mut notes: BTreeMap<String, String>) -> Self {
        let mut truth = Self::default();
        let mut found = found;
        found.sort_by(|a, b| (a.key.len(), &a.key).cmp(&(b.key.len(), &b.key)));
        for manifest in found {
            let slot = match manifest.kind {
                PackageType::Hls => &mut truth.hls,
                PackageType::Dash => &mut truth.dash,
            };
            match slot {
                Some(chosen) => {
                    let why =
                        format!("another {} manifest of the asset is used: {}", manifest.kind.as_str(), chosen.key);
                    notes.insert(manifest.key, why);
                }
                None => *slot = Some(manifest),
            }
        }
        truth.notes = notes;
        truth
    }

    /// The chosen manifests, HLS first.
    pub fn manifests(&self) -> impl Iterator<Item = &Manifest> {
        self.hls.iter().chain(self.dash.iter())
    }

    /// Whether no entry manifest is present.
    pub fn is_empty(&self) -> bool {
        self.hls.is_none() && self.dash.is_none()
    }

    fn get(&self, kind: PackageType) -> Option<&Manifest> {
        match kind {
            PackageType::Hls => self.hls.as_ref(),
            PackageType::Dash => self.dash.as_ref(),
        }
    }
}

/// The settings the decision reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    /// `KEY_PREFIX`, normalized.
    pub key_prefix: String,
    /// `HLS_SOURCE_GROUP`.
    pub hls_source_group: String,
    /// `DASH_SOURCE_GROUP`.
    pub dash_source_group: String,
    /// `DELETE_ON_REMOVE`.
    pub delete_on_remove: bool,
}

impl Rules {
    fn source_group(&self, kind: PackageType) -> &str {
        match kind {
            PackageType::Hls => &self.hls_source_group,
            PackageType::Dash => &self.dash_source_group,
        }
    }
}

/// The packages the VOD source must have: one per type present in S3 (replacing the VOD
/// source's package of that type); a type absent from S3 keeps its packages unless
/// `DELETE_ON_REMOVE`. Sorted.
pub fn desired_packages(existing: &[Package], truth: &Truth, rules: &Rules) -> Vec<Package> {
    let mut packages: Vec<Package> = Vec::new();
    for kind in [PackageType::Hls, PackageType::Dash] {
        if let Some(manifest) = truth.get(kind) {
            packages.push(Package {
                kind,
                source_group: rules.source_group(kind).to_owned(),
                path: keys::relative_path(&manifest.key, &rules.key_prefix),
            });
        }
    }
    if !rules.delete_on_remove {
        for package in existing {
            let present = truth.get(package.kind).is_some();
            let group_taken = packages.iter().any(|p| p.source_group == package.source_group);
            if !present && !group_taken {
                packages.push(package.clone());
            }
        }
    }
    packages.sort();
    packages
}

/// The tags the VOD source must carry: where each present package came from.
pub fn desired_tags(asset: &Asset, truth: &Truth) -> BTreeMap<String, String> {
    keys::provenance_tags(asset, truth.manifests().map(|m| (m.kind, m.key.as_str(), m.etag.as_deref())))
}

/// Whether the VOD source belongs to `asset`: its `tailorflow:asset` tag names it, or (made
/// before that tag existed) its bucket tag and every package key tag point into the asset.
/// `Err` says whose it is.
pub fn owned_by(asset: &Asset, tags: &BTreeMap<String, String>, key_prefix: &str) -> Result<(), String> {
    if let Some(owner) = tags.get(ASSET_TAG) {
        return if *owner == asset.tag_value() { Ok(()) } else { Err(format!("its {ASSET_TAG} tag is {owner:?}")) };
    }
    let key_tags: Vec<&String> =
        [PackageType::Hls, PackageType::Dash].iter().filter_map(|kind| tags.get(&keys::key_tag(*kind))).collect();
    let same_bucket = tags.get(BUCKET_TAG) == Some(&asset.bucket);
    let into_asset = |key: &&String| keys::asset_of(&asset.bucket, key, key_prefix).is_ok_and(|a| a == *asset);
    if same_bucket && !key_tags.is_empty() && key_tags.iter().all(into_asset) {
        Ok(())
    } else {
        Err(format!("it has no {ASSET_TAG} tag naming this asset (made by hand or by another tool)"))
    }
}

/// What to do about an asset's VOD source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// It already is what S3 asks (absent when S3 has no entry manifest).
    InSync,
    /// It belongs to another asset (or nobody's): never overwritten. Why.
    Conflict(String),
    /// Create it.
    Create {
        /// Its packages.
        packages: Vec<Package>,
        /// Its tags.
        tags: BTreeMap<String, String>,
    },
    /// Change it.
    Change {
        /// The new packages, when they differ.
        packages: Option<Vec<Package>>,
        /// Tags to set, when any differs.
        tags: Option<BTreeMap<String, String>>,
    },
    /// Delete it: no entry manifest is left and `DELETE_ON_REMOVE` is on.
    Delete,
}

/// The decision for the VOD source `existing` (or none) of `asset`, whose truth is `truth`.
pub fn decide(asset: &Asset, existing: Option<&VodSource>, truth: &Truth, rules: &Rules) -> Decision {
    let tags = desired_tags(asset, truth);
    let Some(existing) = existing else {
        let packages = desired_packages(&[], truth, rules);
        return if packages.is_empty() { Decision::InSync } else { Decision::Create { packages, tags } };
    };
    if let Err(why) = owned_by(asset, &existing.tags, &rules.key_prefix) {
        return Decision::Conflict(why);
    }
    let packages = desired_packages(&existing.packages, truth, rules);
    if packages.is_empty() {
        return if rules.delete_on_remove { Decision::Delete } else { Decision::InSync };
    }
    let mut current = existing.packages.clone();
    current.sort();
    let packages = (packages != current).then_some(packages);
    let tags = tags.iter().any(|(k, v)| existing.tags.get(k) != Some(v)).then_some(tags);
    if packages.is_none() && tags.is_none() { Decision::InSync } else { Decision::Change { packages, tags } }
}

/// The VOD source as it is after `decision` was carried out on `existing`: what a writer
/// compares the next listing with.
pub fn after(existing: Option<&VodSource>, decision: &Decision) -> Option<VodSource> {
    match decision {
        Decision::InSync | Decision::Conflict(_) => existing.cloned(),
        Decision::Delete => None,
        Decision::Create { packages, tags } => {
            Some(VodSource { arn: String::new(), packages: packages.clone(), tags: tags.clone() })
        }
        Decision::Change { packages, tags } => {
            let mut source = existing.cloned().unwrap_or(VodSource {
                arn: String::new(),
                packages: Vec::new(),
                tags: BTreeMap::new(),
            });
            if let Some(packages) = packages {
                source.packages = packages.clone();
            }
            if let Some(tags) = tags {
                source.tags.extend(tags.clone());
            }
            Some(source)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(delete_on_remove: bool) -> Rules {
        Rules {
            key_prefix: String::new(),
            hls_source_group: "hls".into(),
            dash_source_group: "dash".into(),
            delete_on_remove,
        }
    }

    fn asset() -> Asset {
        keys::asset_of("b", "m/hls/index.m3u8", "").unwrap()
    }

    fn manifest(kind: PackageType, key: &str) -> Manifest {
        Manifest { kind, key: key.into(), etag: Some("e".into()) }
    }

    fn truth(keys: &[&str]) -> Truth {
        let found = keys.iter().map(|k| manifest(PackageType::from_key(k).unwrap(), k)).collect();
        Truth::choose(found, BTreeMap::new())
    }

    fn package(kind: PackageType, group: &str, path: &str) -> Package {
        Package { kind, source_group: group.into(), path: path.into() }
    }

    fn source(packages: Vec<Package>, truth: &Truth) -> VodSource {
        VodSource { arn: "arn".into(), packages, tags: desired_tags(&asset(), truth) }
    }

    #[test]
    fn sniffing_tells_entry_manifests_from_the_rest() {
        let multivariant = b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n";
        assert_eq!(sniff(PackageType::Hls, multivariant), Sniffed::Entry(PackageType::Hls));
        let media = b"#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:6,\ns.ts\n";
        assert!(matches!(sniff(PackageType::Hls, media), Sniffed::Not(why) if why.contains("media playlist")));
        assert!(matches!(sniff(PackageType::Hls, b""), Sniffed::Not(why) if why.contains("empty")));
        let mpd = b"<?xml version=\"1.0\"?>\n<!-- packager -->\n<MPD xmlns=\"urn:mpeg:dash:schema:mpd:2011\">";
        assert_eq!(sniff(PackageType::Dash, mpd), Sniffed::Entry(PackageType::Dash));
        assert!(matches!(sniff(PackageType::Dash, b"{\"not\": \"xml\"}"), Sniffed::Not(why) if why.contains("<MPD")));
        let late = [vec![b' '; MPD_SNIFF_BYTES], b"<MPD>".to_vec()].concat();
        assert!(matches!(sniff(PackageType::Dash, &late), Sniffed::Not(_)), "only the first KiB counts");
    }

    #[test]
    fn the_shortest_then_first_key_of_a_type_is_chosen() {
        let t = truth(&["m/hls/index_v2.m3u8", "m/hls/b.m3u8", "m/hls/a.m3u8", "m/dash/manifest.mpd"]);
        assert_eq!(t.hls.as_ref().unwrap().key, "m/hls/a.m3u8");
        assert_eq!(t.dash.as_ref().unwrap().key, "m/dash/manifest.mpd");
        assert!(t.notes["m/hls/b.m3u8"].contains("m/hls/a.m3u8"));
        assert_eq!(t.notes.len(), 2);
    }

    #[test]
    fn a_new_asset_is_created_with_what_s3_holds() {
        let t = truth(&["m/hls/index.m3u8", "m/dash/manifest.mpd"]);
        let Decision::Create { packages, tags } = decide(&asset(), None, &t, &rules(false)) else { panic!() };
        assert_eq!(
            packages,
            vec![
                package(PackageType::Hls, "hls", "m/hls/index.m3u8"),
                package(PackageType::Dash, "dash", "m/dash/manifest.mpd")
            ]
        );
        assert_eq!(tags[ASSET_TAG], "b/m");
        assert_eq!(decide(&asset(), None, &Truth::default(), &rules(true)), Decision::InSync);
    }

    #[test]
    fn an_existing_source_gets_every_present_package_and_keeps_the_others_unless_delete_on_remove() {
        let hls = package(PackageType::Hls, "hls", "m/hls/index.m3u8");
        let dash = package(PackageType::Dash, "dash", "m/dash/manifest.mpd");
        let both = truth(&["m/hls/index.m3u8", "m/dash/manifest.mpd"]);
        let only_hls = truth(&["m/hls/index.m3u8"]);
        // The DASH manifest landed: added.
        let existing = source(vec![hls.clone()], &only_hls);
        let decision = decide(&asset(), Some(&existing), &both, &rules(false));
        assert!(
            matches!(&decision, Decision::Change { packages: Some(p), tags: Some(_) } if *p == vec![hls.clone(), dash.clone()])
        );
        // In sync: nothing.
        let existing = source(vec![dash.clone(), hls.clone()], &both);
        assert_eq!(decide(&asset(), Some(&existing), &both, &rules(false)), Decision::InSync);
        // The DASH manifest is gone: kept, or removed with DELETE_ON_REMOVE.
        assert!(matches!(
            decide(&asset(), Some(&existing), &only_hls, &rules(false)),
            Decision::InSync | Decision::Change { packages: None, .. }
        ));
        assert!(
            matches!(decide(&asset(), Some(&existing), &only_hls, &rules(true)), Decision::Change { packages: Some(p), .. } if p == vec![hls.clone()])
        );
        // Nothing left.
        assert_eq!(decide(&asset(), Some(&existing), &Truth::default(), &rules(true)), Decision::Delete);
        assert_eq!(decide(&asset(), Some(&existing), &Truth::default(), &rules(false)), Decision::InSync);
        // A replaced manifest replaces its package.
        let moved = truth(&["m/hls/v2.m3u8", "m/dash/manifest.mpd"]);
        let Decision::Change { packages: Some(p), .. } = decide(&asset(), Some(&existing), &moved, &rules(false))
        else {
            panic!()
        };
        assert_eq!(p, vec![package(PackageType::Hls, "hls", "m/hls/v2.m3u8"), dash]);
    }

    #[test]
    fn a_source_of_another_asset_is_never_changed() {
        let t = truth(&["m/hls/index.m3u8"]);
        let mut other = source(vec![], &t);
        other.tags.insert(ASSET_TAG.into(), "b/elsewhere/m".into());
        assert!(
            matches!(decide(&asset(), Some(&other), &t, &rules(true)), Decision::Conflict(why) if why.contains("b/elsewhere/m"))
        );
        let by_hand = VodSource { arn: "a".into(), packages: vec![], tags: BTreeMap::new() };
        assert!(matches!(decide(&asset(), Some(&by_hand), &t, &rules(false)), Decision::Conflict(_)));
        // Made before the asset tag: its key tags point into the asset, so it is ours.
        let legacy: BTreeMap<String, String> =
            [(BUCKET_TAG.to_owned(), "b".to_owned()), ("tailorflow:hls-key".to_owned(), "m/hls/old.m3u8".to_owned())]
                .into();
        assert_eq!(owned_by(&asset(), &legacy, ""), Ok(()));
    }

    #[test]
    fn after_a_write_the_next_listing_is_compared_with_what_was_written() {
        let t = truth(&["m/hls/index.m3u8"]);
        let decision = decide(&asset(), None, &t, &rules(true));
        let written = after(None, &decision);
        assert_eq!(decide(&asset(), written.as_ref(), &t, &rules(true)), Decision::InSync);
        assert_eq!(after(written.as_ref(), &Decision::Delete), None);
    }
}
