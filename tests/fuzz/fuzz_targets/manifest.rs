//! The manifest readers on arbitrary bytes: no panic, no overflow, and what they accept is
//! consistent with what the sniffers say and with the timeline invariants callers rely on.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tailorflow_shared::manifest::{self, ManifestKind, SNIFF_BYTES, SegmentTimeline};

fn check_timeline(timeline: &SegmentTimeline) {
    let boundaries = timeline.boundaries_ms();
    assert_eq!(boundaries.len(), timeline.durations_ms.len() + 1);
    assert_eq!(boundaries.first(), Some(&0));
    assert_eq!(boundaries.last(), Some(&timeline.total_ms()));
    assert!(boundaries.windows(2).all(|w| w[0] <= w[1]), "boundaries go backwards");
    assert_eq!(timeline.max_segment_ms(), timeline.durations_ms.iter().copied().max());
    let total = timeline.total_ms();
    for offset in [0, 1, total / 3, total / 2, total.saturating_sub(1), total, total.saturating_add(1), u64::MAX] {
        match timeline.nearest_boundary_ms(offset) {
            Some(b) => assert!(boundaries.binary_search(&b).is_ok(), "{b} is not a boundary"),
            None => assert!(timeline.durations_ms.is_empty()),
        }
    }
    assert!(manifest::check_variant_durations(std::slice::from_ref(timeline), 0));
}

fuzz_target!(|data: &[u8]| {
    let kind = manifest::sniff(data);
    let hls_kind = manifest::sniff_hls(data);
    // Only the first SNIFF_BYTES count, and HLS is recognised the same way by both sniffers.
    assert_eq!(kind, manifest::sniff(&data[..data.len().min(SNIFF_BYTES)]));
    if hls_kind.is_some() {
        assert_eq!(kind, hls_kind);
    }
    // Within the sniffed prefix, what a parser accepts is what the sniffer said it was: the
    // ingest function sniffs, the scheduler parses, and they must agree on the same object.
    let whole = data.len() <= SNIFF_BYTES;

    if let Ok(variants) = manifest::parse_hls_multivariant(data) {
        assert!(!variants.is_empty());
        if whole {
            assert_eq!(hls_kind, Some(ManifestKind::HlsMultivariant));
        }
    }
    if let Ok(timeline) = manifest::parse_hls_media(data) {
        assert!(!timeline.durations_ms.is_empty());
        if whole {
            assert_eq!(hls_kind, Some(ManifestKind::HlsMedia));
        }
        check_timeline(&timeline);
    }
    if let Ok(dash) = manifest::parse_dash(data) {
        if whole {
            assert_eq!(kind, Some(ManifestKind::Dash));
        }
        if let Some(timeline) = &dash.timeline {
            assert!(!timeline.durations_ms.is_empty());
            check_timeline(timeline);
        }
    }
});
