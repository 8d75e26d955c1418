//! playback-config-api's PUT body validation on arbitrary bytes: the function's parser and validator
//! (`parse_json` + `validate`) and the function's own `parse_put_body`. No panic; an accepted
//! body names the path's configuration and re-validates after a round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use playback_config_api::parse_put_body;
use tailorflow_shared::PlaybackConfigurationName;
use playback_config_api::playback_configuration::{PutPlaybackConfiguration, parse_json};

fuzz_target!(|data: &[u8]| {
    if let Ok(config) = parse_json::<PutPlaybackConfiguration>(data)
        && config.validate().is_ok()
    {
        let name = config.name.as_deref().unwrap_or_default();
        assert!(PlaybackConfigurationName::new(name).is_ok());
        let again = serde_json::to_vec(&config).map(|bytes| parse_json::<PutPlaybackConfiguration>(&bytes));
        match again {
            Ok(Ok(round_tripped)) => {
                assert_eq!(round_tripped, config);
                assert!(round_tripped.validate().is_ok());
            }
            other => panic!("a valid body does not round-trip: {other:?}"),
        }
    }

    let Ok(path_name) = PlaybackConfigurationName::new("fuzz-config") else { return };
    match parse_put_body(data, &path_name) {
        Ok(config) => {
            assert_eq!(config.name.as_deref(), Some("fuzz-config"));
            assert!(config.validate().is_ok());
        }
        Err(err) => {
            let status = err.status().as_u16();
            assert!(status == 400, "a body is refused with {status}: {err}");
        }
    }
});
