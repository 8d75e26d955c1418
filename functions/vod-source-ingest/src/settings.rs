//! The function's settings, read once from the environment.

use tailorflow_shared::{ClientSettings, ConfigError, EnvReader, SourceLocationName};

use crate::keys::{self, PackageType};

/// The function's settings, from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `SOURCE_LOCATION_NAME` (required): where VOD sources are created.
    pub source_location: SourceLocationName,
    /// `KEY_PREFIX` (default empty), as whole path segments with a trailing `/` (`vod/`): only
    /// keys under it are ingested; it is stripped from package paths and VOD source names.
    pub key_prefix: String,
    /// `HLS_SOURCE_GROUP` (default `hls`).
    pub hls_source_group: String,
    /// `DASH_SOURCE_GROUP` (default `dash`); never equal to the HLS one.
    pub dash_source_group: String,
    /// `AUTO_CREATE_SOURCE_LOCATION` (default false): create a missing source location for the bucket.
    pub auto_create_source_location: bool,
    /// `DELETE_ON_REMOVE` (default false): a package whose manifest is gone from S3 is removed,
    /// and the VOD source when none is left. Off, packages are only added and replaced.
    pub delete_on_remove: bool,
    /// `DRY_RUN` (default false): report every change, make none.
    pub dry_run: bool,
    /// `MEDIA_BUCKET` (optional): the bucket a backfill lists when the event names none.
    pub media_bucket: Option<String>,
    /// `MAX_REQUESTS_PER_SECOND` (default 8, 1 to 100): paces a backfill's calls.
    pub max_requests_per_second: u32,
    /// `AWS_REGION` (set by Lambda): the region of auto-created source locations' BaseUrl.
    pub region: String,
    /// `CONCURRENCY` (default 4): assets reconciled at once within an invocation.
    pub concurrency: usize,
    /// SDK retries and timeouts.
    pub clients: ClientSettings,
}

impl Settings {
    /// Reads the settings, listing every problem at once.
    pub fn read(mut env: EnvReader) -> Result<Self, ConfigError> {
        let source_location = env.required::<SourceLocationName>("SOURCE_LOCATION_NAME");
        let key_prefix = env.optional_or("KEY_PREFIX", String::new()).map(|p| keys::normalize_prefix(&p));
        if let Some(naming) = env.raw("NAME_FROM").filter(|v| !v.trim().eq_ignore_ascii_case("path")) {
            env.report(
                "NAME_FROM",
                format!(
                    "{naming:?} is no longer supported: VOD sources are named from the asset's path under KEY_PREFIX; unset NAME_FROM"
                ),
            );
        }
        let hls = env.optional_or("HLS_SOURCE_GROUP", "hls".to_owned());
        let dash = env.optional_or("DASH_SOURCE_GROUP", "dash".to_owned());
        if let (Some(hls), Some(dash)) = (&hls, &dash)
            && hls == dash
        {
            env.report(
                "DASH_SOURCE_GROUP",
                format!("equals HLS_SOURCE_GROUP ({hls:?}); each package type needs its own source group"),
            );
        }
        let auto_create = env.flag("AUTO_CREATE_SOURCE_LOCATION", false);
        let delete_on_remove = env.flag("DELETE_ON_REMOVE", false);
        let dry_run = env.flag("DRY_RUN", false);
        let media_bucket = env.raw("MEDIA_BUCKET").map(|b| b.trim().to_owned());
        let rate = env.number_in("MAX_REQUESTS_PER_SECOND", 8, 1, 100);
        let region = env.optional_or("AWS_REGION", "us-east-1".to_owned());
        let concurrency = env.number_in("CONCURRENCY", 4, 1, 32);
        let clients = ClientSettings::read(&mut env);
        env.finish(move || {
            Some(Self {
                source_location: source_location?,
                key_prefix: key_prefix?,
                hls_source_group: hls?,
                dash_source_group: dash?,
                auto_create_source_location: auto_create?,
                delete_on_remove: delete_on_remove?,
                dry_run: dry_run?,
                media_bucket,
                max_requests_per_second: u32::try_from(rate?).ok()?,
                region: region?,
                concurrency: usize::try_from(concurrency?).ok()?,
                clients: clients?,
            })
        })
    }

    /// The source group of a package type.
    pub fn source_group(&self, kind: PackageType) -> &str {
        match kind {
            PackageType::Hls => &self.hls_source_group,
            PackageType::Dash => &self.dash_source_group,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_defaults_and_lists_every_problem() {
        let settings = Settings::read(EnvReader::from_pairs([("SOURCE_LOCATION_NAME", "media")])).unwrap();
        assert_eq!((settings.hls_source_group.as_str(), settings.dash_source_group.as_str()), ("hls", "dash"));
        assert!(!settings.auto_create_source_location && !settings.delete_on_remove && !settings.dry_run);
        assert_eq!((settings.key_prefix.as_str(), settings.max_requests_per_second), ("", 8));
        let err = Settings::read(EnvReader::from_pairs([
            ("NAME_FROM", "key"),
            ("HLS_SOURCE_GROUP", "main"),
            ("DASH_SOURCE_GROUP", "main"),
            ("DELETE_ON_REMOVE", "perhaps"),
            ("MAX_REQUESTS_PER_SECOND", "0"),
        ]))
        .unwrap_err();
        let variables: Vec<_> = err.issues.iter().map(|i| i.variable.as_str()).collect();
        assert_eq!(
            variables,
            ["SOURCE_LOCATION_NAME", "NAME_FROM", "DASH_SOURCE_GROUP", "DELETE_ON_REMOVE", "MAX_REQUESTS_PER_SECOND"]
        );
        assert!(err.to_string().contains("equals HLS_SOURCE_GROUP"), "{err}");
        let err = Settings::read(EnvReader::from_pairs([("SOURCE_LOCATION_NAME", "no spaces please")])).unwrap_err();
        assert!(err.to_string().contains("SourceLocationName"), "{err}");
    }

    #[test]
    fn the_key_prefix_is_whole_segments() {
        let settings =
            Settings::read(EnvReader::from_pairs([("SOURCE_LOCATION_NAME", "m"), ("KEY_PREFIX", "/vod")])).unwrap();
        assert_eq!(settings.key_prefix, "vod/");
    }
}
