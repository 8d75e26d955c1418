//! The function's settings, read once from the environment.

use tailorflow_shared::{ClientSettings, ConfigError, EnvReader, SourceLocationName};

use crate::keys::{NameFrom, PackageType};

/// The function's settings, from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `SOURCE_LOCATION_NAME` (required): where VOD sources are created.
    pub source_location: SourceLocationName,
    /// `KEY_PREFIX` (default empty): only keys under it are ingested; stripped from paths.
    pub key_prefix: String,
    /// `NAME_FROM` (`folder` or `key`, default `folder`).
    pub name_from: NameFrom,
    /// `HLS_SOURCE_GROUP` (default `hls`).
    pub hls_source_group: String,
    /// `DASH_SOURCE_GROUP` (default `dash`).
    pub dash_source_group: String,
    /// `AUTO_CREATE_SOURCE_LOCATION` (default false): create a missing source location for the bucket.
    pub auto_create_source_location: bool,
    /// `DELETE_ON_REMOVE` (default false): a removed manifest removes its package configuration.
    pub delete_on_remove: bool,
    /// `AWS_REGION` (set by Lambda): the region of auto-created source locations' BaseUrl.
    pub region: String,
    /// `CONCURRENCY` (default 4): records processed at once within an invocation.
    pub concurrency: usize,
    /// SDK retries and timeouts.
    pub clients: ClientSettings,
}

impl Settings {
    /// Reads the settings, listing every problem at once.
    pub fn read(mut env: EnvReader) -> Result<Self, ConfigError> {
        let source_location = env.required::<SourceLocationName>("SOURCE_LOCATION_NAME");
        let key_prefix = env.optional_or("KEY_PREFIX", String::new());
        let name_from = env.optional_or("NAME_FROM", NameFrom::Folder);
        let hls = env.optional_or("HLS_SOURCE_GROUP", "hls".to_owned());
        let dash = env.optional_or("DASH_SOURCE_GROUP", "dash".to_owned());
        let auto_create = env.flag("AUTO_CREATE_SOURCE_LOCATION", false);
        let delete_on_remove = env.flag("DELETE_ON_REMOVE", false);
        let region = env.optional_or("AWS_REGION", "us-east-1".to_owned());
        let concurrency = env.number_in("CONCURRENCY", 4, 1, 32);
        let clients = ClientSettings::read(&mut env);
        env.finish(move || {
            Some(Self {
                source_location: source_location?,
                key_prefix: key_prefix?,
                name_from: name_from?,
                hls_source_group: hls?,
                dash_source_group: dash?,
                auto_create_source_location: auto_create?,
                delete_on_remove: delete_on_remove?,
                region: region?,
                concurrency: usize::try_from(concurrency?).ok()?,
                clients: clients?,
            })
        })
    }

    pub(crate) fn source_group(&self, kind: PackageType) -> &str {
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
        assert_eq!(settings.name_from, NameFrom::Folder);
        assert_eq!((settings.hls_source_group.as_str(), settings.dash_source_group.as_str()), ("hls", "dash"));
        assert!(!settings.auto_create_source_location && !settings.delete_on_remove);
        let err = Settings::read(EnvReader::from_pairs([("NAME_FROM", "title"), ("DELETE_ON_REMOVE", "perhaps")]))
            .unwrap_err();
        let variables: Vec<_> = err.issues.iter().map(|i| i.variable.as_str()).collect();
        assert_eq!(variables, ["SOURCE_LOCATION_NAME", "NAME_FROM", "DELETE_ON_REMOVE"]);
        let err = Settings::read(EnvReader::from_pairs([("SOURCE_LOCATION_NAME", "no spaces please")])).unwrap_err();
        assert!(err.to_string().contains("SourceLocationName"), "{err}");
    }
}
