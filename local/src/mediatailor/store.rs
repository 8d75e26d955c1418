//! The emulator's resources, and their persistence to a state file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::playback_configuration::PutPlaybackConfiguration;
use serde::{Deserialize, Serialize};

use super::model::{Alert, Channel, LiveSource, Program, SourceLocation, Transition, VodSource};

/// A channel with what hangs off it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChannelRecord {
    /// The channel as described.
    pub channel: Channel,
    /// Its programs by name.
    pub programs: BTreeMap<String, ProgramRecord>,
    /// Program names in play order.
    pub play_order: Vec<String>,
    /// Its IAM policy.
    pub policy: Option<String>,
    /// When it was last started (epoch seconds), while running.
    pub started_at: Option<f64>,
}

/// A program and how it was placed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProgramRecord {
    /// The program as described.
    pub program: Program,
    /// The transition it was created with.
    pub transition: Transition,
}

/// A playback configuration: what was put, and what MediaTailor generated.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlaybackConfigurationRecord {
    /// The request, tags included.
    pub config: PutPlaybackConfiguration,
    /// Its ARN.
    pub arn: String,
    /// Its log configuration (ConfigureLogsForPlaybackConfiguration), as answered.
    #[serde(default)]
    pub log_configuration: Option<serde_json::Value>,
}

/// Everything the emulator holds. Serialised whole to the state file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Store {
    /// Channels by name.
    pub channels: BTreeMap<String, ChannelRecord>,
    /// Source locations by name.
    pub source_locations: BTreeMap<String, SourceLocation>,
    /// VOD sources by source location, then name.
    pub vod_sources: BTreeMap<String, BTreeMap<String, VodSource>>,
    /// Live sources by source location, then name.
    pub live_sources: BTreeMap<String, BTreeMap<String, LiveSource>>,
    /// Playback configurations by name.
    pub playback_configurations: BTreeMap<String, PlaybackConfigurationRecord>,
    /// Prefetch schedules by playback configuration, then name, as answered.
    pub prefetch_schedules: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    /// Monetization functions by id, as answered.
    pub functions: BTreeMap<String, serde_json::Value>,
    /// Alerts added through `POST /_local/alerts`.
    pub injected_alerts: Vec<Alert>,
    /// When each computed alert was first seen, by `arn|code|message`, so its
    /// LastModifiedTime stays put between polls.
    pub alert_first_seen: BTreeMap<String, f64>,
}

impl Store {
    /// Loads `path`, or starts empty when it does not exist.
    pub fn load(path: &Path) -> Result<Self, String> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| format!("not a mediatailor-local state file: {e}")),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(err) => Err(err.to_string()),
        }
    }

    /// Writes the whole store to `path` atomically: a temporary file beside it, flushed to
    /// disk, then renamed over the old one, so a crash leaves either the old or the new state.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "state".into());
        let tmp: PathBuf = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
        {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_then_load_round_trips_and_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("state.json");
        assert!(Store::load(&path).unwrap().channels.is_empty());
        let mut store = Store::default();
        store.alert_first_seen.insert("a|b|c".into(), 1.5);
        store.save(&path).unwrap();
        let loaded = Store::load(&path).unwrap();
        assert_eq!(loaded.alert_first_seen.get("a|b|c"), Some(&1.5));
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn a_corrupt_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, b"{not json").unwrap();
        assert!(Store::load(&path).unwrap_err().contains("not a mediatailor-local state file"));
    }
}
